"""The employee's side, mounted by config/urls.py under /me/."""

from django.urls import path

from . import views

app_name = "people"

urlpatterns = [
    path("", views.my_page, name="me"),
    path("figures/", views.my_figures, name="figures"),
    path("figures/download.zip", views.my_figures_download, name="download"),
    path("you-said-we-did/", views.you_said_we_did, name="you_said"),
]
