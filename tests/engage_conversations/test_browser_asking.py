"""Ask for help in Chromium: a nurse asks; Casey Champion (Nursing) is emailed, finds the question
in the unanswered queue and marks it answered with a link; the nurse sees it answered."""

import re

import pytest
from django.core import mail

from conversations.models import Message, Thread
from rollout.models import Membership, Notification, Role
from rollout.outbox import send

from ..browser import SCREENSHOTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ANSWER = "https://northwind.example/engage/threads/night-notifications"


def test_a_member_asks_a_champion_of_their_unit_answers_and_the_member_sees_it(
    live_server, demo, page, browser
):
    base = live_server.url
    nurse = (
        Membership.objects.filter(
            organization__slug="northwind-health", unit__name="Nursing", role=Role.MEMBER
        )
        .select_related("user")
        .order_by("pk")
        .first()
        .user
    )
    log_in(page, base, nurse.email)
    page.goto(f"{base}/questions/ask/")
    assert page.get_by_role("heading", name="Ask for help").is_visible()
    assert page.get_by_label("About").input_value()  # the only live rollout, chosen already
    page.get_by_label("Your question").fill("How do I stop notifications during night shifts?")
    page.get_by_role("button", name="Send my question").click()
    page.wait_for_load_state()
    assert page.get_by_text("Your question is in the queue of Viva Engage for all staff.").is_visible()
    mine = page.locator("#my-questions > li").first
    assert mine.get_by_text("Waiting").is_visible()
    page.screenshot(path=SCREENSHOTS / "engage-ask-for-help.png", full_page=True)

    question = Message.objects.get(thread__source=Thread.Source.ASKED, author=nurse)
    email = Notification.objects.get(kind="question-asked", recipient__email="champion@northwind.example")
    assert send(email.pk) == "sent"
    link = re.search(r"https?://\S+/engage/queue/#question-\d+", mail.outbox[-1].body).group(0)
    assert link.endswith(f"#question-{question.pk}")

    champion = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(champion, base, "champion@northwind.example")
    champion.goto(base + link[link.index("/r/") :])
    row = champion.locator(f"#question-{question.pk}")
    assert row.get_by_text("How do I stop notifications during night shifts?").is_visible()
    assert row.get_by_text("your unit").is_visible()
    row.get_by_role("link", name="Mark answered").click()
    champion.wait_for_load_state()
    champion.get_by_label("Link to the answer").fill(ANSWER)
    champion.get_by_label("A few words for the person who asked").fill(
        "Settings → Notifications → Quiet hours."
    )
    champion.get_by_role("button", name="Mark answered").click()
    champion.wait_for_load_state()
    assert champion.get_by_text("Marked answered. Thank you!").is_visible()
    assert champion.locator(f"#question-{question.pk}").count() == 0
    champion.context.close()

    assert Notification.objects.filter(kind="question-answered", recipient=nurse).exists()
    page.goto(f"{base}/questions/")
    mine = page.locator(f'#my-questions > li[data-question="{question.pk}"]')
    assert mine.get_by_text("Answered").is_visible()
    assert mine.get_by_role("link", name="Read the answer").get_attribute("href") == ANSWER
    assert mine.get_by_text("Quiet hours").is_visible()
    page.screenshot(path=SCREENSHOTS / "engage-ask-for-help-answered.png", full_page=True)
