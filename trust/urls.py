"""Pages of this step, mounted by config/urls.py under /r/<pk>/trust/ (the rollout's pk)."""

from django.urls import path

from .views import drilldown, home

app_name = "trust"

urlpatterns = [
    path("", home.home, name="home"),
    # The rows behind the step's figures, each with its CSV.
    path("acknowledgement/", drilldown.acknowledgement, name="acknowledgement"),
    path("acknowledgement.csv", drilldown.acknowledgement_csv, name="acknowledgement_csv"),
    path("training/", drilldown.training, name="training"),
    path("training.csv", drilldown.training_csv, name="training_csv"),
]
