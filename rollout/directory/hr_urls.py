"""Settings → Import people, included in config/urls.py under /settings/people/ as `people_import`."""

from django.urls import path

from . import hr_views

urlpatterns = [
    path("", hr_views.upload, name="upload"),
    path("template.csv", hr_views.template, name="template"),
    path("<int:pk>/", hr_views.detail, name="detail"),
    path("<int:pk>/status/", hr_views.status, name="status"),
    path("<int:pk>/confirm/", hr_views.confirm, name="confirm"),
    path("<int:pk>/cancel/", hr_views.cancel, name="cancel"),
]
