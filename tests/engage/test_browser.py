"""The demo manager imports a Viva Engage activity export on the live rollout, in a real browser:
upload, preview, confirm, progress to the end, and the chart on the Engage page."""

import csv
from datetime import timedelta

import pytest
from django.utils import timezone

from config.celery_app import app
from engage.models import ActivityRecord, ImportBatch
from rollout.models import Rollout

from ..browser import SCREENSHOTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The export of Microsoft 365 admin centre → Reports → Usage → Viva Engage → User activity.
HEADER = (
    "Report Refresh Date,User Principal Name,Display Name,User State,State Change Date,"
    "Last Activity Date,Posted Count,Read Count,Liked Count,Assigned Products,Report Period"
)
PEOPLE = [
    ("member@northwind.example", "Max Member", 3, 41, 7),
    ("champion@northwind.example", "Chloe Champion", 9, 120, 22),
    ("leader@northwind.example", "Lee Leader", 1, 15, 2),
    ("manager@northwind.example", "Mia Manager", 0, 8, 0),
]


@pytest.fixture
def eager_tasks():
    """No worker runs beside the live server: tasks run where they are sent (after the commit)."""
    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


@pytest.fixture
def export(tmp_path):
    refresh = timezone.localdate() - timedelta(days=1)
    path = tmp_path / "VivaEngageUserActivityUserDetail7.csv"
    with open(path, "w", newline="", encoding="utf-8-sig") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(HEADER.split(","))
        for email, name, posted, read, liked in PEOPLE:
            last = refresh - timedelta(days=1) if posted or liked else ""
            writer.writerow(
                [refresh, email, name, "Active", "", last, posted, read, liked, "MICROSOFT 365 E3", 7]
            )
    return path


def test_the_manager_imports_an_activity_export_and_sees_the_chart(
    live_server, demo, page, export, eager_tasks, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    live = Rollout.objects.get(name="Viva Engage for all staff")
    base = live_server.url

    log_in(page, base, "manager@northwind.example")
    page.goto(f"{base}/r/{live.pk}/engage/")
    page.get_by_role("link", name="Upload a file").click()
    page.get_by_label("Activity export (CSV)").set_input_files(str(export))
    page.get_by_role("button", name="Upload and check").click()

    # The preview: the format recognised, the mapping and the first rows, nothing imported yet.
    assert page.get_by_test_id("import-status").inner_text() == "Ready to import"
    assert "Viva Engage" in page.get_by_text("Uploaded").first.inner_text()
    preview = page.get_by_test_id("preview").inner_text()
    assert "member@northwind.example" in preview and "champion@northwind.example" in preview
    assert page.get_by_test_id("mapping").is_visible()
    batch = ImportBatch.objects.get(rollout=live, file_name=export.name)
    assert batch.status == ImportBatch.Status.READY
    assert not ActivityRecord.objects.filter(batch=batch).exists()

    page.get_by_role("button", name="Import 4 rows").click()
    bar = page.get_by_test_id("progress-bar")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=progress-bar]').textContent.trim() === '100%'"
    )
    assert page.get_by_test_id("import-status").inner_text() == "Imported"
    assert "Imported 4 rows" in page.get_by_test_id("import-message").inner_text()
    assert "bg-success" in bar.get_attribute("class")
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE
    assert ActivityRecord.objects.filter(batch=batch).count() == 4

    page.get_by_role("link", name="Back to the Engage page").click()
    page.wait_for_load_state()
    chart = page.locator("canvas[data-chart]").first
    chart.wait_for(state="visible")
    assert chart.bounding_box()["height"] > 50
    page.screenshot(path=SCREENSHOTS / "engage-import.png", full_page=True)
