"""The four main journeys in German and in French, in Chromium, over the demo data.

A manager writes a new rollout's worksheet, a champion logs a support session, a leader reads the
portfolio, and the manager gets the review reminder email and opens the review from it — each person
reading Rollout in the language under test. Every page on the way is in that language (no English
sentence of the catalogue, tests/international.py), its numbers are written the language's way, and
what the person did is saved. Labels are looked up in the catalogue, so the test follows the
translation rather than repeating it.
"""

import re

import pytest
from django.core import mail
from django.utils import timezone, translation
from django.utils.translation import gettext

from champions.models import SupportSession
from reviews.models import Review
from rollout import outbox
from rollout.models import Notification, Rollout, User
from strategy.models import Worksheet

from .browser import SCREENSHOTS, log_in
from .international import english_left

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANGUAGES = ["de", "fr"]
DECIMAL = {"de": ",", "fr": ","}


def t(language, text):
    with translation.override(language):
        return gettext(text)


def in_language(page, language, where):
    assert page.locator("html").get_attribute("lang") == language, where
    left = english_left(page.content(), language)
    assert left == [], f"{where} ({page.url}) shows English: {left[:5]}"


def speak(email, language):
    User.objects.filter(email=email).update(language=language)


def submit(page, form_selector="main form"):
    page.locator(f'{form_selector} [type="submit"]').last.click()
    page.wait_for_load_state()


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_rollout_is_run_in_german_and_in_french(live_server, demo, page, language):
    base = live_server.url
    for email in ("manager@northwind.example", "champion@northwind.example", "leader@northwind.example"):
        speak(email, language)
    live = Rollout.objects.get(name="Viva Engage for all staff")

    # 1. The worksheet: the manager plans a rollout and saves its first section.
    log_in(page, base, "manager@northwind.example")
    page.goto(f"{base}/rollouts/new/")
    in_language(page, language, "new rollout")
    page.locator('[name="name"]').fill("Teams für die Apotheke")
    page.locator('[name="platform"]').select_option(label="Viva Engage")
    page.locator('[name="start_date"]').fill("2027-02-01")
    page.locator('[name="target_date"]').fill("2027-09-30")
    submit(page)
    rollout = Rollout.objects.get(name="Teams für die Apotheke")
    page.goto(f"{base}/r/{rollout.pk}/strategize/")
    in_language(page, language, "worksheet")
    page.goto(f"{base}/r/{rollout.pk}/strategize/purpose/")
    in_language(page, language, "worksheet section 1")
    page.locator('[name="main_purpose"]').select_option(index=1)
    page.locator('[name="objectives-0-title"]').fill("Fragen zu Medikamenten in einem Tag beantwortet")
    page.locator('button[name="continue"]').click()
    page.wait_for_load_state()
    assert page.locator(".alert-success").count() == 1, page.locator("main").inner_text()[:1500]
    in_language(page, language, "worksheet section 2")
    worksheet = Worksheet.objects.get(rollout=rollout)
    assert worksheet.objectives.get().title == "Fragen zu Medikamenten in einem Tag beantwortet"
    page.screenshot(path=SCREENSHOTS / f"worksheet-{language}.png", full_page=True)

    # 2. The session log: the champion logs a 30-minute session.
    page.context.clear_cookies()
    log_in(page, base, "champion@northwind.example")
    home = f"{base}/r/{live.pk}/champion/"
    page.goto(home)
    in_language(page, language, "champion home")
    page.goto(f"{home}log/")
    in_language(page, language, "log a session")
    before = SupportSession.objects.count()
    page.locator('[name="minutes"]').fill("30")
    page.locator('[name="topics"]').first.check()
    page.locator('[name="channel"]').first.check()
    submit(page)
    page.wait_for_url(home)
    assert page.locator(".alert-success").count() == 1
    in_language(page, language, "champion home after logging")
    assert SupportSession.objects.count() == before + 1

    # 3. The portfolio: the leader reads every rollout's health, numbers the language's way.
    page.context.clear_cookies()
    log_in(page, base, "leader@northwind.example")
    page.goto(f"{base}/portfolio/")
    in_language(page, language, "portfolio")
    text = page.locator("main").inner_text()
    assert t(language, "On track") in text or t(language, "At risk") in text
    assert not re.search(r"\d\.\d\s?%", text), "a percentage written the English way"
    page.goto(f"{base}/r/{live.pk}/")
    in_language(page, language, "rollout overview")
    page.screenshot(path=SCREENSHOTS / f"portfolio-{language}.png", full_page=True)

    # 4. The review reminder email, and the review it links to.
    review = Review.objects.get(rollout=live, status="open")
    outbox.insert_due(timezone.now())
    reminder = Notification.objects.get(kind="review-reminder", payload__review=review.pk)
    mail.outbox.clear()
    outbox.send(reminder.pk)
    (email,) = mail.outbox
    html = email.alternatives[0][0]
    for part, body in (("subject", email.subject), ("text", email.body), ("html", html)):
        assert english_left(body, language) == [], f"the reminder's {part} is not all in {language}"
    link = re.search(rf"{re.escape('/r/')}{live.pk}/review/[^\s\"<]*", email.body).group(0)
    page.context.clear_cookies()
    log_in(page, base, "manager@northwind.example")
    page.goto(f"{base}{link}")
    in_language(page, language, "the review from the reminder")
    page.goto(f"{base}/r/{live.pk}/review/{review.pk}/edit/")
    in_language(page, language, "the review form")
    computed = page.locator('[data-testid="kpi-table"] input[readonly]').first
    assert computed.input_value() != "", "a computed KPI's value is not a number the browser can show"
