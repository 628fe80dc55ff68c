"""Pages of the review step, mounted by config/urls.py under /r/<pk>/review/ (the rollout's pk)."""

from django.urls import path

from . import drilldown, views

app_name = "reviews"

urlpatterns = [
    path("", views.home, name="home"),
    path("schedule/", views.schedule, name="schedule"),
    path("actions/", views.actions, name="actions"),
    path("actions.csv", drilldown.actions_csv, name="actions_csv"),
    # The KPIs of a completed review (?review=<number>; the last one by default), and their CSV.
    path("kpis/", drilldown.kpis, name="kpis"),
    path("kpis.csv", drilldown.kpis_csv, name="kpis_csv"),
    path("landscape/", views.landscape, name="landscape"),
    path("<int:review>/", views.detail, name="detail"),
    path("<int:review>/edit/", views.edit, name="edit"),
    # What employees may read of a completed review ("You said, we did").
    path("<int:review>/share/", views.share, name="share"),
]
