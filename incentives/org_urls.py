"""A person's own incentive pages, mounted by config/urls.py under /incentives/."""

from django.urls import path

from .views import personal

app_name = "incentives_org"

urlpatterns = [
    path("me/", personal.me, name="me"),
    path("me/leaderboard/", personal.leaderboard_opt_out, name="opt_out"),
]
