"""The employee's side in a real browser (Debian's Chromium): the demo member lands on their page,
opens "You said, we did" and sees a completed review's shared actions but not the unshared one,
the launch pulse's results and what was done, and not a pulse answered by too few people; then
downloads their records."""

import io
import zipfile
from datetime import timedelta

import pytest
from django.utils import timezone

from conversations import pulses
from conversations.models import Pulse
from rollout.models import Rollout, User

from ..browser import SCREENSHOTS, log_in
from ..engage_conversations.test_pulses import answer_all

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MEMBER = "member@northwind.example"
SMALL_PULSE = "Pharmacy night check-in"


def small_closed_pulse():
    """A pulse of the live rollout that fewer people answered than the privacy threshold allows."""
    rollout = Rollout.objects.get(name="Viva Engage for all staff")
    pulse = pulses.create_pulse(
        rollout,
        title=SMALL_PULSE,
        kind=Pulse.Kind.READINESS,
        closes_on=timezone.localdate() + timedelta(days=7),
        audience=[],
        questions=[],
        created_by=rollout.owner,
    )
    pulses.open_pulse(pulse)
    few = rollout.organization.privacy_min_group - 1
    answer_all(
        pulse, list(User.objects.filter(email__endswith="@northwind.example").order_by("pk")[:few]), [1] * 5
    )
    assert pulses.close_pulse(pulse)


def test_a_member_sees_what_came_of_the_feedback_and_downloads_their_records(live_server, demo, page):
    small_closed_pulse()
    base = live_server.url
    log_in(page, base, MEMBER)
    assert page.get_by_role("heading", name="Being rolled out to you").is_visible()
    assert "Viva Engage for all staff" in page.locator("#rollouts").inner_text()
    assert page.locator("#champions-help").is_visible()  # who can help me, on the member's own page

    page.get_by_role("link", name="You said, we did").first.click()
    page.wait_for_url(f"{base}/me/you-said-we-did/")
    text = page.locator("main").inner_text()
    assert "Review 2 of Viva Engage for all staff" in text
    assert "Move all-staff announcements to Viva Engage" in text  # shared, in progress
    assert "Publish the night-shift FAQ" in text  # shared, done
    assert "Decide on the idea portal pilot" not in text  # the manager did not share it
    assert "Readiness pulse: launch" in text and "twelve drop-in sessions" in text
    assert SMALL_PULSE not in text  # too few answers to be shown to anyone
    page.screenshot(path=SCREENSHOTS / "people-you-said-we-did.png", full_page=True)

    page.goto(f"{base}/me/figures/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download all").click()
    archive = zipfile.ZipFile(io.BytesIO(download.value.path().read_bytes()))
    names = set(archive.namelist())
    assert "README.txt" in names
    assert any(name.startswith("trust-") and name.endswith(".csv") for name in names)
    assert any(name.startswith("incentivize-") and name.endswith(".json") for name in names)
