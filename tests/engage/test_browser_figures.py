"""The figures a leader must be able to trust, in a real browser: a tenant-wide Microsoft 365
export into the demo's Viva Engage rollout gives no rate above 100 % and shows the people outside
the audiences apart; a Teams export is refused naming both platforms; a health badge names the
facts that moved it on keyboard focus; the API reads the same sentence as the page."""

import csv
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from config.celery_app import app
from engage import figures
from engage.models import ImportBatch
from rollout.models import Membership, Rollout

from ..browser import SCREENSHOTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIVA_HEADER = (
    "Report Refresh Date,User Principal Name,Display Name,User State,State Change Date,"
    "Last Activity Date,Posted Count,Read Count,Liked Count,Assigned Products,Report Period"
)
TEAMS_HEADER = (
    "Report Refresh Date,User Principal Name,Last Activity Date,Is Deleted,Deleted Date,"
    "Assigned Products,Team Chat Message Count,Private Chat Message Count,Call Count,Meeting Count,"
    "Has Other Action,Report Period"
)


@pytest.fixture
def tasks_in_process():
    """No worker beside the live server: the import runs where it is sent (after the commit)."""
    app.conf.task_always_eager, before = True, app.conf.task_always_eager
    yield
    app.conf.task_always_eager = before


@pytest.fixture
def tenant_export(tmp_path, demo):
    """Every member of Northwind Health and 30 guests of the tenant, as Microsoft 365 exports it."""
    refresh = timezone.localdate() - timedelta(days=1)
    path = tmp_path / "VivaEngageUserActivityUserDetail7.csv"
    emails = Membership.objects.filter(organization__slug="northwind-health").values_list(
        "user__email", flat=True
    )
    with open(path, "w", newline="", encoding="utf-8-sig") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(VIVA_HEADER.split(","))
        for email in [*emails, *(f"guest{i}@contoso.example" for i in range(30))]:
            writer.writerow([refresh, email, email, "Active", "", refresh, 1, 5, 1, "MICROSOFT 365 E3", 7])
    return path


@pytest.fixture
def teams_export(tmp_path):
    path = tmp_path / "TeamsUserActivityUserDetail7.csv"
    refresh = timezone.localdate() - timedelta(days=1)
    with open(path, "w", newline="", encoding="utf-8-sig") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(TEAMS_HEADER.split(","))
        writer.writerow(
            [refresh, "member@northwind.example", refresh, "False", "", "TEAMS", 3, 4, 0, 1, "No", 7]
        )
    return path


def test_a_tenant_wide_export_never_shows_a_rate_above_100_percent(
    live_server,
    page,
    tenant_export,
    tasks_in_process,
    settings,
    tmp_path,
):
    settings.MEDIA_ROOT = tmp_path / "media"
    live = Rollout.objects.get(name="Viva Engage for all staff")
    base = live_server.url
    log_in(page, base, "manager@northwind.example")
    page.goto(f"{base}/r/{live.pk}/engage/imports/upload/")
    page.get_by_label("Activity export (CSV)").set_input_files(str(tenant_export))
    page.get_by_role("button", name="Upload and check").click()
    page.get_by_role("button", name=re.compile(r"^Import \d+ rows$")).click()
    page.wait_for_function(
        "() => document.querySelector('[data-testid=progress-bar]').textContent.trim() === '100%'"
    )
    page.goto(f"{base}/r/{live.pk}/engage/")

    participation = page.get_by_test_id("figure-participation").inner_text()
    rates = [
        float(rate) for rate in re.findall(r"(\d+(?:\.\d+)?)%", page.locator("main, body").first.inner_text())
    ]
    outside = page.get_by_test_id("outside-audiences").inner_text()
    unmatched = page.get_by_test_id("unmatched-people").inner_text()
    share = figures.participation(live, timezone.localdate() - timedelta(days=1))
    api = page.request.get(f"{base}/api/v1/engage-figures/{live.pk}/").json()
    page.screenshot(path=SCREENSHOTS / "engage-tenant-wide.png", full_page=True)

    assert rates and max(rates) <= 100
    assert "of the 420 people in Nursing staff (the headcount of Nursing)" in participation
    assert int(re.search(r"audiences: (\d+)", outside).group(1)) == share.outside > 0
    assert int(re.search(r"member: (\d+)", unmatched).group(1)) == share.unmatched >= 30
    assert api["participation"]["text"] == share.text
    assert f"{share.rate:.1f}%" in participation


def test_a_teams_export_is_refused_by_the_viva_engage_rollout_and_nothing_is_stored(
    live_server, page, demo, teams_export, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    live = Rollout.objects.get(name="Viva Engage for all staff")
    before = ImportBatch.objects.filter(rollout=live).count()
    log_in(page, live_server.url, "manager@northwind.example")
    page.goto(f"{live_server.url}/r/{live.pk}/engage/imports/upload/")
    page.get_by_label("Activity export (CSV)").set_input_files(str(teams_export))
    page.get_by_role("button", name="Upload and check").click()

    error = page.locator(".invalid-feedback, .alert-danger, .errorlist").first.inner_text()
    assert "Microsoft Teams" in error and "Viva Engage for all staff" in error and "Viva Engage" in error
    assert ImportBatch.objects.filter(rollout=live).count() == before
    assert not (tmp_path / "media" / "imports").exists() or not any(
        (tmp_path / "media" / "imports").iterdir()
    )


def test_a_health_badge_names_what_moved_it_on_keyboard_focus(live_server, page, demo):
    live = Rollout.objects.get(name="Viva Engage for all staff")
    log_in(page, live_server.url, "manager@northwind.example")
    page.goto(f"{live_server.url}/r/{live.pk}/")

    badge = page.locator(".health[tabindex='0']").filter(has_text=re.compile(r"\d")).last
    drivers = badge.locator(".health-drivers")
    assert not drivers.is_visible()
    badge.focus()

    assert drivers.is_visible()
    assert "Review" in drivers.inner_text() and "KPIs" in drivers.inner_text()
