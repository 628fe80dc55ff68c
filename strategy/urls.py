"""Pages of the strategy worksheet, mounted by config/urls.py under /r/<pk>/strategize/."""

from django.urls import path

from . import views

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
    path("<slug:section>/", views.section_edit, name="section"),
]
