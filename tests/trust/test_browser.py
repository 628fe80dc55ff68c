"""The demo member is asked to acknowledge the new guidelines, does so, and passes a training
module, in a real browser (Debian's Chromium)."""

import pytest

from trust.models import Completion, Guideline
from trust.selectors import has_acknowledged

from ..browser import SCREENSHOTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CORRECT = [
    "Post a link to the original page",
    "The person who took it",
    "The Northwind image library",
]


def test_the_member_acknowledges_the_new_guidelines_and_passes_a_module(live_server, demo, page):
    base = live_server.url
    log_in(page, base, "member@northwind.example")
    page.goto(f"{base}/trust/mine/")
    notice = page.locator("#to-acknowledge")
    assert "changed since you acknowledged version 1" in notice.inner_text()
    page.screenshot(path=SCREENSHOTS / "trust-member-asked.png", full_page=True)

    notice.get_by_role("link", name="Using Viva Engage and social media at Northwind").click()
    assert page.get_by_role("heading", name="Personal phones").is_visible()
    assert page.locator("#boundaries").get_by_text("No patient information, ever.").is_visible()
    page.get_by_role("button", name="Acknowledge").click()
    assert page.get_by_text("Tick the box to confirm").is_visible()  # nothing saved without the tick
    page.get_by_label("I have read these guidelines and will follow them").check()
    page.screenshot(path=SCREENSHOTS / "trust-guideline-acknowledge.png", full_page=True)
    page.get_by_role("button", name="Acknowledge").click()
    page.wait_for_url(f"{base}/trust/mine/")
    assert page.get_by_text("Thank you: you acknowledged").is_visible()
    assert page.locator("#to-acknowledge").count() == 0

    page.locator("#my-training").get_by_role("link", name="Copyright and using others' material").click()
    for answer in CORRECT:
        page.get_by_label(answer).check()
    page.get_by_role("button", name="Submit answers").click()
    assert page.get_by_text("You scored 100% and passed").is_visible()
    assert "Passed on" in page.locator("#my-result").inner_text()
    page.screenshot(path=SCREENSHOTS / "trust-module-passed.png", full_page=True)

    guideline = Guideline.objects.get()
    member = guideline.organization.memberships.get(user__email="member@northwind.example").user
    assert has_acknowledged(guideline, member)
    completion = Completion.objects.get(user=member, module__topic="copyright")
    assert completion.passed and completion.score == 100
