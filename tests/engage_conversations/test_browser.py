"""The queue journey in Chromium: the demo champion opens the queue, claims the oldest question
(their unit's come first) and marks it answered with a link."""

import pytest

from conversations.models import Message
from rollout.models import Rollout

from ..browser import SCREENSHOTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_demo_champion_claims_the_oldest_question_and_marks_it_answered(live_server, demo, page):
    base = live_server.url
    live = Rollout.objects.get(name="Viva Engage for all staff")
    log_in(page, base, "champion@northwind.example")
    page.goto(f"{base}/r/{live.pk}/engage/queue/")
    assert page.get_by_role("heading", name="Unanswered questions").is_visible()
    first = page.locator("#queue > li").first
    question = Message.objects.get(pk=first.get_attribute("data-question"))
    assert question.unit.name == "Nursing"  # Casey's unit comes first
    assert (
        first.get_by_text("your unit").is_visible() and first.get_by_text("past the 24 h target").is_visible()
    )
    page.screenshot(path=SCREENSHOTS / "engage-queue.png", full_page=True)

    first.get_by_role("button", name="Claim").click()
    page.wait_for_load_state()
    assert page.get_by_text("Claimed: the question is yours to answer.").is_visible()
    page.locator(f'[data-question="{question.pk}"]').get_by_role("link", name="Mark answered").click()
    page.wait_for_load_state()
    page.get_by_label("Link to the answer").fill("https://northwind.example/engage/threads/1234")
    page.get_by_role("button", name="Mark answered").click()
    page.wait_for_load_state()
    assert page.get_by_text("Marked answered. Thank you!").is_visible()
    assert page.locator(f'[data-question="{question.pk}"]').count() == 0
    page.screenshot(path=SCREENSHOTS / "engage-queue-answered.png", full_page=True)
    question.refresh_from_db()
    assert question.answered_by.email == "champion@northwind.example" and question.first_response_at
