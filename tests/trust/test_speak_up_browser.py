"""Speak up in a real browser (Debian's Chromium): the demo member reports a problem anonymously,
a manager finds it in the incident register without any trace of who sent it (nor in the email
that told them); then a report by name shows the member's name to the manager."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from rollout import outbox
from rollout.models import Notification
from trust.models import Incident
from trust.notifications import REPORTED_KIND

from ..browser import SCREENSHOTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MEMBER = "member@northwind.example"
NAME = "Max Member"  # the demo member's name
ANONYMOUS = "Someone posts memes about a colleague's weight in the Pharmacy channel."
NAMED = "A QR code on the canteen poster leads to a fake Northwind sign-in page."


def send_report_emails(at):
    """What the outbox worker does at `at`: insert the due report emails and send them."""
    outbox.insert_due(at)
    pending = Notification.objects.filter(kind=REPORTED_KIND, status="pending")
    outbox.send_many(list(pending.values_list("pk", flat=True)))
    return [message for message in mail.outbox if "reported a problem" in message.subject]


def email_text(message):
    return message.subject + message.body + "".join(str(content) for content, _type in message.alternatives)


def report(page, base, concern, text, anonymous):
    page.goto(f"{base}/trust/speak-up/")
    page.get_by_label(concern).check()
    page.get_by_label("What happened?").fill(text)
    if anonymous:
        page.get_by_label("Report anonymously").check()
    page.get_by_role("button", name="Send the report").click()
    page.wait_for_url(f"{base}/trust/speak-up/")


def test_an_anonymous_report_reaches_the_managers_without_its_reporter(live_server, demo, browser):
    base = live_server.url
    member = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    manager = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()

    # The member reads how they are protected and reports anonymously.
    log_in(member, base, MEMBER)
    member.goto(f"{base}/trust/speak-up/")
    assert "Nobody can find out who sent it" in member.locator("#how-protected").inner_text()
    report(member, base, "Abuse or harassment", ANONYMOUS, anonymous=True)
    assert member.get_by_text("without your name").is_visible()
    assert ANONYMOUS[:40] not in member.locator("#my-reports").inner_text()
    member.screenshot(path=SCREENSHOTS / "trust-speak-up-anonymous.png", full_page=True)
    incident = Incident.objects.get(what_happened=ANONYMOUS)
    assert (incident.anonymous, incident.reported_by) == (True, None)

    # At the next full hour the admins and managers are told, by an email that names nobody. (The
    # hour passes by moving the report's stamp back: the live server's clock cannot be travelled.)
    assert not send_report_emails(timezone.now())  # not before the next full hour
    Incident.objects.filter(pk=incident.pk).update(created_at=incident.created_at - timedelta(hours=1))
    emails = send_report_emails(timezone.now())
    assert {message.to[0] for message in emails} >= {"manager@northwind.example", "admin@northwind.example"}
    for message in emails:
        text = email_text(message)
        assert "anonymously" in message.subject
        assert NAME not in text and MEMBER not in text and ANONYMOUS[:30] not in text

    # The manager finds it in the register, marked, and nothing on it points at the member.
    log_in(manager, base, "manager@northwind.example")
    manager.goto(f"{base}/trust/incidents/")
    row = manager.locator("tr", has_text=ANONYMOUS[:40])
    assert "Reported by an employee — anonymous" in row.inner_text()
    assert NAME not in row.inner_text()
    manager.get_by_label("Reported").select_option(label="By an employee, anonymously")
    manager.get_by_role("button", name="Filter").click()
    manager.wait_for_load_state()
    assert manager.locator("tr", has_text=ANONYMOUS[:40]).count() == 1
    assert NAME not in manager.content() and MEMBER not in manager.content()
    manager.screenshot(path=SCREENSHOTS / "trust-register-anonymous-report.png", full_page=True)
    manager.locator("tr", has_text=ANONYMOUS[:40]).get_by_role("link").click()
    manager.wait_for_load_state()
    assert "reported anonymously" in manager.locator("#employee-report").inner_text()
    assert manager.get_by_label("What happened").input_value() == ANONYMOUS
    assert NAME not in manager.content() and MEMBER not in manager.content()

    # A report by name shows the member's name to the manager (and still not in the email).
    report(member, base, "A security worry", NAMED, anonymous=False)
    assert member.locator("#my-reports").get_by_text(NAMED[:40]).is_visible()
    emails = send_report_emails(timezone.now())
    named = [message for message in emails if "anonymously" not in message.subject]
    assert named and all(NAME not in email_text(message) for message in named)
    manager.goto(f"{base}/trust/incidents/?source=named")
    row = manager.locator("tr", has_text=NAMED[:40])
    assert f"Reported by an employee — {NAME}" in row.inner_text()
    manager.screenshot(path=SCREENSHOTS / "trust-register-named-report.png", full_page=True)
    member.context.close()
    manager.context.close()
