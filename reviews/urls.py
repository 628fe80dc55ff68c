"""Pages of the review step, mounted by config/urls.py under /r/<pk>/review/ (the rollout's pk)."""

from django.urls import path

from . import views

app_name = "reviews"

urlpatterns = [
    path("", views.home, name="home"),
    path("schedule/", views.schedule, name="schedule"),
    path("actions/", views.actions, name="actions"),
    path("landscape/", views.landscape, name="landscape"),
    path("<int:review>/", views.detail, name="detail"),
    path("<int:review>/edit/", views.edit, name="edit"),
]
