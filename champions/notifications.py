"""The champion step's emails, sent through the notifications outbox (rollout/notifications.py).

- "champion-message": a person wrote to a champion from the help page (services.write_to_champion);
  the person is copied, so that the champion's reply to all reaches them.
- "champion-announcement": a new champion covers the person's unit (services.announce_appointment,
  one per person per appointment). Cancelled if the person opted out of the organization's news
  (`Membership.announcements`) or left, or the champion is no longer active, before it is sent.
- "champion-welcome": the new champion's guide, coverage and readiness.

Each context is built when the email is sent, so it says what is true then.
"""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from rollout.models import Membership
from rollout.notifications import Cancel, register_kind
from trust.readiness import readiness_of

from .member import covered_people
from .models import Champion
from .services import ANNOUNCEMENT_KIND, MESSAGE_KIND, WELCOME_KIND


def _champion(notification):
    champion = (
        Champion.objects.filter(
            pk=notification.payload.get("champion"), rollout__organization=notification.organization
        )
        .select_related("user", "rollout", "location")
        .prefetch_related("units")
        .first()
    )
    if champion is None:
        raise Cancel(gettext_noop("The champion no longer exists."))
    return champion


def _membership(notification, user_id):
    return Membership.objects.filter(organization=notification.organization, user_id=user_id).first()


def message_context(notification):
    champion = _champion(notification)
    sender = _membership(notification, notification.payload.get("sender"))
    if sender is None:
        raise Cancel(gettext_noop("The person who wrote has left the organization."))
    return {
        "champion": champion,
        "sender": sender.user,
        "sender_unit": sender.unit,
        "message": notification.payload.get("message", ""),
        "link": settings.SITE_URL + reverse("champions:home", args=[champion.rollout_id]),
    }


def announcement_context(notification):
    champion = _champion(notification)
    if not champion.is_active:
        raise Cancel(gettext_noop("The champion is no longer active."))
    membership = _membership(notification, notification.recipient_id)
    if membership is None:
        raise Cancel(gettext_noop("The person has left the organization."))
    if not membership.announcements:
        raise Cancel(gettext_noop("The person no longer takes the organization's news for employees."))
    return {
        "champion": champion,
        "units": [unit.name for unit in champion.units.all()],
        "organization": notification.organization,
        "help_link": settings.SITE_URL + reverse("champions_org:help"),
        "write_link": settings.SITE_URL + reverse("champions_org:write", args=[champion.pk]),
        "settings_link": settings.SITE_URL + reverse("rollout:notification_settings"),
    }


def welcome_context(notification):
    champion = _champion(notification)
    if not champion.is_active:
        raise Cancel(gettext_noop("The champion is no longer active."))
    ready = readiness_of(notification.organization, champion.user_id, champion.rollout)
    return {
        "champion": champion,
        "units": [unit.name for unit in champion.units.all()],
        "people": covered_people(champion).count(),
        "readiness": ready,
        "guide_link": settings.SITE_URL + reverse("champions:home", args=[champion.rollout_id]),
        "profile_link": settings.SITE_URL
        + reverse("champions:champion_edit", args=[champion.rollout_id, champion.pk]),
        "trust_link": settings.SITE_URL + reverse("trust_org:mine"),
    }


register_kind(MESSAGE_KIND, _("Message to a champion"), context=message_context)
register_kind(
    ANNOUNCEMENT_KIND,
    _("New champion announcement"),
    context=announcement_context,
    unsubscribe=True,
    preference="announcements",
)
register_kind(WELCOME_KIND, _("Welcome to a new champion"), context=welcome_context)
