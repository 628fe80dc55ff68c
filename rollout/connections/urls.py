"""Settings → Connections (admins), mounted at /settings/connections/ by config/urls.py."""

from django.urls import path

from . import views

app_name = "connections"

urlpatterns = [
    path("", views.connection_list, name="list"),
    path("new/", views.connection_kinds, name="kinds"),
    path("new/<str:kind>/", views.connection_create, name="create"),
    path("<int:pk>/", views.connection_edit, name="edit"),
    path("<int:pk>/test/", views.connection_test, name="test"),
    path("<int:pk>/run/", views.connection_run, name="run"),
    path("<int:pk>/enabled/", views.connection_enabled, name="enabled"),
    path("<int:pk>/delete/", views.connection_delete, name="delete"),
    path("<int:pk>/runs/", views.connection_runs, name="runs"),
    path("<int:pk>/consent/", views.connection_consent, name="consent"),
    # The redirect URI an app registration lists for a person's consent (docs/connectors.md).
    path("consented/", views.connection_consented, name="consented"),
]
