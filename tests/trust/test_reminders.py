"""Acknowledgement reminders through the notifications outbox."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from rollout.emails import render_email
from rollout.models import Membership, Notification
from rollout.notifications import Cancel
from rollout.outbox import build_message
from trust.notifications import reminder_context
from trust.services import acknowledge, publish_version, send_reminders

pytestmark = pytest.mark.django_db


def test_reminders_go_to_everyone_outstanding_once_per_version_per_day(personas, guideline):
    acknowledge(guideline, guideline.current, personas.admin)
    with time_machine.travel(datetime(2026, 3, 2, 9, tzinfo=UTC)):
        assert send_reminders(guideline) == (4, 0)
        assert send_reminders(guideline) == (0, 4)  # pressed again the same day: nobody twice
    rows = Notification.objects.order_by("recipient__email")
    assert {row.recipient for row in rows} == {
        personas.manager,
        personas.champion,
        personas.leader,
        personas.member,
    }
    row = rows.get(recipient=personas.member)
    assert row.key == f"guideline-reminder:{guideline.current_id}:{personas.member.pk}:2026-03-02"
    assert (row.kind, row.organization, row.payload) == (
        "guideline-reminder",
        personas.org,
        {"guideline": guideline.pk, "version": guideline.current_id},
    )
    with time_machine.travel(datetime(2026, 3, 3, 9, tzinfo=UTC)):
        assert send_reminders(guideline) == (4, 0)  # a new day
    publish_version(guideline, "# Changed", personas.manager, changes="x", material=True)
    guideline.refresh_from_db()
    with time_machine.travel(datetime(2026, 3, 3, 10, tzinfo=UTC)):
        assert send_reminders(guideline) == (5, 0)  # a new version, the admin too


def test_the_day_is_the_organizations_local_day(personas, guideline):
    personas.org.timezone = "America/Los_Angeles"
    personas.org.save()
    guideline.refresh_from_db()
    with time_machine.travel(datetime(2026, 3, 3, 5, tzinfo=UTC)):  # still 2 March in Seattle
        send_reminders(guideline)
    assert Notification.objects.filter(key__endswith=":2026-03-02").count() == 5


def test_the_remind_button_says_what_happened(client_as, personas, guideline):
    client = client_as(personas.manager)
    url = reverse("trust_org:remind", args=[guideline.pk])
    assert "5 reminders queued." in client.post(url, follow=True).content.decode()
    assert "already been reminded today" in client.post(url, follow=True).content.decode()


def test_the_reminder_email_links_to_the_guideline_and_is_cancelled_once_acknowledged(
    personas, guideline, settings
):
    settings.SITE_URL = "https://rollout.example"
    send_reminders(guideline)
    notification = Notification.objects.get(recipient=personas.member)
    message = build_message(notification)
    assert message.subject == "Please read and acknowledge: Using Viva Engage"
    link = f"https://rollout.example/trust/mine/guidelines/{guideline.pk}/"
    assert link in message.body and link in message.alternatives[0][0]
    acknowledge(guideline, guideline.current, personas.member)
    with pytest.raises(Cancel, match="acknowledged"):
        reminder_context(notification)


def test_a_reminder_to_someone_who_left_is_cancelled(personas, guideline):
    send_reminders(guideline)
    notification = Notification.objects.get(recipient=personas.member)
    Membership.objects.filter(user=personas.member).delete()
    with pytest.raises(Cancel, match="left"):
        reminder_context(notification)


def test_the_reminder_templates_render_for_a_unit_audience(personas, guideline):
    guideline.audience_unit = personas.unit
    guideline.save()
    send_reminders(guideline)
    notification = Notification.objects.get(recipient=personas.member)
    context = {**reminder_context(notification), "recipient": personas.member}
    subject, text, html = render_email("guideline-reminder", context)
    assert "everyone in Sales" in text and "everyone in Sales" in html
