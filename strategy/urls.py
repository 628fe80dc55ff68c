"""Pages of the strategy worksheet, mounted by config/urls.py under /r/<pk>/strategize/."""

from django.urls import path

from . import drilldown, views

app_name = "strategy"

urlpatterns = [
    path("", views.worksheet_view, name="worksheet"),
    path("submit/", views.submit, name="submit"),
    path("approve/", views.approve, name="approve"),
    path("send-back/", views.send_back, name="send_back"),
    path("reopen/", views.reopen, name="reopen"),
    path("copy/", views.copy, name="copy"),
    path("history/", views.history, name="history"),
    path("print/", views.print_view, name="print"),
    # The rows behind the portfolio's "Targets" (before the sections' catch-all).
    path("targets/", drilldown.targets, name="targets"),
    path("targets.csv", drilldown.targets_csv, name="targets_csv"),
    path("<slug:section>/", views.section_edit, name="section"),
]
