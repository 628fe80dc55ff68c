"""Pages of this step, mounted by config/urls.py under /r/<pk>/champion/ (the rollout's pk)."""

from django.urls import path

from .views import drilldown, events, home, network, reports, sessions

app_name = "champions"

urlpatterns = [
    path("", home.home, name="home"),
    path("coverage/", home.coverage, name="coverage"),
    path("coverage.csv", drilldown.coverage_csv, name="coverage_csv"),
    path("network/", network.network, name="network"),
    path("nominate/", network.nominate, name="nominate"),
    path("network/<int:champion>/", network.champion_edit, name="champion_edit"),
    path("network/<int:champion>/decide/", network.decide, name="decide"),
    path("log/", sessions.log_session, name="log"),
    path("sessions/", sessions.session_list, name="sessions"),
    # The rows behind the portfolio's "Support sessions (30 days)", and their CSV.
    path("sessions/recent/", drilldown.recent_sessions, name="sessions_recent"),
    path("sessions/recent.csv", drilldown.recent_sessions_csv, name="sessions_recent_csv"),
    path("sessions/<int:session>/", sessions.session_edit, name="session_edit"),
    path("sessions/<int:session>/delete/", sessions.session_delete, name="session_delete"),
    path("sessions/<int:session>/follow-up-done/", sessions.follow_up_done, name="follow_up_done"),
    path("events/", events.event_list, name="events"),
    path("events/new/", events.event_create, name="event_create"),
    path("events/<int:event>/", events.event_edit, name="event_edit"),
    path("events/<int:event>/delete/", events.event_delete, name="event_delete"),
    path("report/", reports.report, name="report"),
    path("report.csv", reports.report_csv, name="report_csv"),
]
