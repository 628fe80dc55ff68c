"""Pages of this step, mounted by config/urls.py under /r/<pk>/incentives/ (the rollout's pk)."""

from django.urls import path

from .views import badges, drilldown, home, leaderboard, leaders, objectives, points, recognition

app_name = "incentives"

urlpatterns = [
    path("", home.home, name="home"),
    path("plan/", home.plan, name="plan"),
    path("plan/<int:item>/delete/", home.plan_delete, name="plan_delete"),
    path("rules/", points.rules, name="rules"),
    path("rules/<int:rule>/", points.rule_edit, name="rule_edit"),
    path("ledger/", points.ledger, name="ledger"),
    path("claim/", points.claim, name="claim"),
    path("claims/", points.claims, name="claims"),
    path("claims/<int:claim>/decide/", points.decide, name="decide"),
    path("badges/", badges.badges, name="badges"),
    path("badges/new/", badges.badge_create, name="badge_create"),
    path("badges/<int:badge>/", badges.badge_edit, name="badge_edit"),
    path("badges/<int:badge>/award/", badges.award, name="award"),
    path("recognition/", recognition.recognition, name="recognition"),
    path("leaderboard/", leaderboard.leaderboard, name="leaderboard"),
    path("seasons/", leaderboard.seasons, name="seasons"),
    path("objectives/", objectives.objectives, name="objectives"),
    path("objectives/<int:objective>/", objectives.objective_edit, name="objective_edit"),
    path("objectives/<int:objective>/delete/", objectives.objective_delete, name="objective_delete"),
    path("leaders/", leaders.leaders, name="leaders"),
    # The people behind the portfolio's figures (?group=reached or leaders) and their CSV.
    path("reached/", drilldown.reached, name="reached"),
    path("reached.csv", drilldown.reached_csv, name="reached_csv"),
]
