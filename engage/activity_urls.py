"""Activity imports and engagement metrics (Engage, part 1), included by engage/urls.py."""

from django.urls import path

from .views import activity, imports, people

urlpatterns = [
    path("", activity.home, name="home"),
    path("figures.csv", activity.figures_csv, name="figures_csv"),
    path("accounts/", activity.accounts, name="accounts"),
    path("cadence/", activity.cadence, name="cadence"),
    path("cadence/accounts/<int:account>/delete/", activity.account_delete, name="account_delete"),
    path("people/", people.people_page, name="people"),
    path("people.csv", people.people_csv, name="people_csv"),
    path("people/matches/", people.match_add, name="match_add"),
    path("people/matches/<int:match>/delete/", people.match_delete, name="match_delete"),
    path("imports/", imports.history, name="imports"),
    path("imports/upload/", imports.upload, name="upload"),
    path("imports/template.csv", imports.template, name="template"),
    path("imports/<int:batch>/", imports.detail, name="import_detail"),
    path("imports/<int:batch>/progress/", imports.progress, name="import_progress"),
    path("imports/<int:batch>/confirm/", imports.confirm, name="import_confirm"),
    path("imports/<int:batch>/cancel/", imports.cancel, name="import_cancel"),
]
