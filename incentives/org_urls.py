"""A person's own incentive pages, mounted by config/urls.py under /incentives/."""

from django.urls import path

from .views import personal

app_name = "incentives_org"

urlpatterns = [
    path("me/", personal.me, name="me"),
    path("me/leaderboard/", personal.leaderboard_opt_out, name="opt_out"),
    # A leader's choice to be seen taking part ("Leaders taking part" on people's own page).
    path("me/leader-visibility/", personal.leader_visibility, name="leader_visibility"),
]
