"""Engage's emails through the notifications outbox (rollout/notifications.py).

- `momentum-alert`: a unit's active users dropped (conversations/momentum.py). Once a day
  per live or pilot rollout the producer checks momentum (a MomentumCheck row per day), then yields
  one email per new alert to each of the unit's champions and to the rollout's owner. An alert row
  is unique per unit and week, so a unit raises at most one alert a week.
- `pulse-invitation`: the link to answer an open pulse, once per invitation (`queued`).
- `question-asked` and `question-answered`: a question asked in Rollout, to the champions of the
  asker's unit, then its answer to the asker (queued by conversations/asking.py). They are about
  the person's own question, not news: `Membership.announcements` does not apply.
"""

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from rollout.models import Membership, Role, Rollout
from rollout.notifications import Cancel, Due, producer, register_kind

from . import asking, momentum, pulses
from .models import Message, MomentumAlert, MomentumCheck, PulseInvitation, Thread

ALERT = "momentum-alert"
INVITATION = "pulse-invitation"
LIVE = (Rollout.Status.PILOT, Rollout.Status.LIVE)
BATCH = 2000


@producer
def momentum_alerts(now):
    today = now.date()
    checked = MomentumCheck.objects.filter(day=today).values("rollout_id")
    for rollout in (
        Rollout.objects.filter(status__in=LIVE).exclude(pk__in=checked).select_related("organization")
    ):
        momentum.check(rollout, today)
    alerts = list(
        MomentumAlert.objects.filter(notified=False, rollout__status__in=LIVE).select_related("rollout")[
            :BATCH
        ]
    )
    if not alerts:
        return
    champions = {}
    for unit_id, user_id in Membership.objects.filter(
        unit_id__in={a.unit_id for a in alerts}, role=Role.CHAMPION, user__is_active=True
    ).values_list("unit_id", "user_id"):
        champions.setdefault(unit_id, set()).add(user_id)
    for alert in alerts:
        recipients = set(champions.get(alert.unit_id, ()))
        if alert.rollout.owner_id:
            recipients.add(alert.rollout.owner_id)
        for user_id in sorted(recipients):
            yield Due(
                ALERT,
                f"{ALERT}:{alert.pk}:{user_id}",
                alert.rollout.organization_id,
                user_id,
                now,
                {"alert": alert.pk},
            )
    MomentumAlert.objects.filter(pk__in=[a.pk for a in alerts]).update(notified=True)


@producer
def pulse_invitations(now):
    pulses.close_expired(now.date())
    invitations = list(
        PulseInvitation.objects.filter(queued=False, pulse__status="open", user__isnull=False)
        .select_related("pulse__rollout")
        .order_by("pk")[:BATCH]
    )
    for invitation in invitations:
        yield Due(
            INVITATION,
            f"{INVITATION}:{invitation.pk}",
            invitation.pulse.rollout.organization_id,
            invitation.user_id,
            now,
            {"invitation": invitation.pk},
        )
    PulseInvitation.objects.filter(pk__in=[i.pk for i in invitations]).update(queued=True)


def _member(notification):
    if not Membership.objects.filter(
        user_id=notification.recipient_id, organization_id=notification.organization_id
    ).exists():
        raise Cancel(gettext_noop("The recipient has left the organization."))


def alert_context(notification):
    _member(notification)
    alert = (
        MomentumAlert.objects.select_related("rollout", "unit")
        .filter(pk=notification.payload.get("alert"), rollout__organization_id=notification.organization_id)
        .first()
    )
    if alert is None or alert.rollout.status not in LIVE:
        raise Cancel(gettext_noop("The alert or its rollout is gone, or the rollout is no longer live."))
    return {
        "alert": alert,
        "rollout": alert.rollout,
        "unit": alert.unit,
        "link": settings.SITE_URL + reverse("engage:momentum", args=[alert.rollout_id]),
    }


def invitation_context(notification):
    _member(notification)
    invitation = (
        PulseInvitation.objects.select_related("pulse__rollout")
        .filter(pk=notification.payload.get("invitation"), user_id=notification.recipient_id)
        .first()
    )
    if invitation is None:
        raise Cancel(gettext_noop("The pulse was deleted."))
    if invitation.answered:
        raise Cancel(gettext_noop("Already answered."))
    if not pulses.is_open(invitation.pulse, timezone.localdate()):
        raise Cancel(gettext_noop("The pulse has closed."))
    return {
        "pulse": invitation.pulse,
        "rollout": invitation.pulse.rollout,
        "questions": invitation.pulse.questions.count(),
        "link": pulses.link(invitation),
    }


def _asked_question(notification):
    return (
        Message.objects.select_related("rollout", "unit", "answered_by")
        .filter(
            pk=notification.payload.get("question"),
            rollout__organization_id=notification.organization_id,
            thread__source=Thread.Source.ASKED,
        )
        .first()
    )


def asked_context(notification):
    _member(notification)
    question = _asked_question(notification)
    if question is None:
        raise Cancel(gettext_noop("The question was deleted."))
    if question.first_response_at is not None:
        raise Cancel(gettext_noop("Answered before the email left."))
    queue = reverse("engage:queue", args=[question.rollout_id])
    return {
        "question": question,
        "rollout": question.rollout,
        "asker": question.author_name or question.author_key,
        "unit": question.unit,
        "link": f"{settings.SITE_URL}{queue}#question-{question.pk}",
    }


def answered_context(notification):
    _member(notification)
    question = _asked_question(notification)
    if question is None or question.author_id != notification.recipient_id:
        raise Cancel(gettext_noop("The question was deleted."))
    if question.first_response_at is None:
        raise Cancel(gettext_noop("The question is not answered."))
    return {
        "question": question,
        "rollout": question.rollout,
        "answered_by": question.answered_by,
        "answer_url": question.answer_url,
        "link": settings.SITE_URL + reverse("conversations_org:mine"),
    }


register_kind(ALERT, _("Momentum alert (Engage)"), alert_context)
register_kind(asking.ASKED, _("A question asked in Rollout, to its unit's champions (Engage)"), asked_context)
register_kind(
    asking.ANSWERED, _("The answer to a question asked in Rollout, to its asker (Engage)"), answered_context
)
register_kind(INVITATION, _("Pulse survey invitation (Engage)"), invitation_context)
