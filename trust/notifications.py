"""Guideline reminders, sent through the notifications outbox (rollout/notifications.py).

A manager presses "Send reminders" on a guideline; services.send_reminders() inserts one row per
outstanding person with the key `guideline-reminder:<version>:<user>:<local date>`, so nobody is
chased twice for the same version on the same day. The context is built when the email is sent:
a person who acknowledged in the meantime, left the organization or the audience, or a version
that is no longer current cancels the reminder.
"""

from django.conf import settings
from django.urls import reverse

from rollout.models import Membership
from rollout.notifications import Cancel, register_kind

from .models import Guideline
from .selectors import audience, has_acknowledged
from .services import REMINDER_KIND


def reminder_context(notification):
    guideline = (
        Guideline.objects.filter(
            pk=notification.payload.get("guideline"), organization=notification.organization
        )
        .select_related("current", "organization")
        .first()
    )
    if guideline is None or guideline.current is None:
        raise Cancel("The guideline no longer exists.")
    if not Membership.objects.filter(
        user=notification.recipient, organization=notification.organization
    ).exists():
        raise Cancel("The person has left the organization.")
    if not audience(guideline).filter(user=notification.recipient).exists():
        raise Cancel("The person is no longer in the guideline's audience.")
    if has_acknowledged(guideline, notification.recipient):
        raise Cancel("The person acknowledged the guideline in the meantime.")
    path = reverse("trust_org:my_guideline", args=[guideline.pk])
    return {
        "guideline": guideline,
        "version": guideline.current,
        "new_version": notification.payload.get("version") != guideline.current_id,
        "link": f"{settings.SITE_URL}{path}",
    }


register_kind(REMINDER_KIND, "Guideline reminder", context=reminder_context)
