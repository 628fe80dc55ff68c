"""One notification of every email kind the outbox knows, about rows of organization A, rendered
the way the outbox renders it (rollout.outbox.build_message)."""

from datetime import date, timedelta

from django.utils import timezone

from rollout.models import Notification

from .seeding import PAYLOAD


def _champion(p):
    from champions.models import Champion

    champion, _ = Champion.objects.get_or_create(
        rollout=p.rollout, user=p.champion, defaults={"status": Champion.Status.ACTIVE}
    )
    champion.units.add(p.unit)
    return champion


def _question(p, answered):
    from conversations.models import Message, Thread

    return (
        Message.objects.filter(
            rollout=p.rollout, thread__source=Thread.Source.ASKED, first_response_at__isnull=not answered
        )
        .order_by("pk")
        .first()
    )


def _connection(p):
    from rollout.connections.models import Connection

    connection = Connection.objects.create(
        organization=p.org, kind="graph_usage_reports", name="Microsoft 365", consecutive_failures=3
    )
    return {"connection": connection.pk}


def _alert(p):
    from conversations.models import MomentumAlert

    alert = MomentumAlert.objects.create(
        rollout=p.rollout, unit=p.unit, week=date.today(), peak=40, current=10, drop_percent=75
    )
    return {"alert": alert.pk}


def _invitation(p):
    from conversations.models import Pulse, PulseInvitation, PulseQuestion

    pulse = Pulse.objects.create(
        rollout=p.rollout,
        title="Open pulse",
        status=Pulse.Status.OPEN,
        closes_on=date.today() + timedelta(days=7),
    )
    PulseQuestion.objects.create(pulse=pulse, order=1, text="How ready are you?")
    return {"invitation": PulseInvitation.objects.create(pulse=pulse, user=p.member).pk}


def _review(p):
    from reviews.models import Review

    review = Review.objects.create(
        rollout=p.rollout, number=99, due_date=date.today() + timedelta(days=3), owner=p.manager
    )
    return {"review": review.pk, "stage": "due-soon"}


def _guideline(p):
    from trust.models import Guideline

    from ..trust.factories import GuidelineFactory

    guideline = Guideline.objects.filter(organization=p.org, current__isnull=False).first()
    guideline = guideline or GuidelineFactory(organization=p.org)
    return {"guideline": guideline.pk, "version": guideline.current_id}


def _incident(p):
    from trust.models import Incident

    return {"incident": Incident.objects.filter(organization=p.org).order_by("pk").first().pk}


def _week(p):
    return {
        "week": "2026-W10",
        "rollout": p.rollout.pk,
        "since": (timezone.now() - timedelta(days=7)).isoformat(),
    }


# kind -> (recipient's role, payload(personas)). A kind missing here fails
# test_every_email_kind_is_rendered, so a new kind joins the sweep.
KINDS = {
    "digest": ("manager", _week),
    "portfolio-digest": ("leader", _week),
    "you-said-we-did": ("member", _week),
    "connection-failing": ("admin", _connection),
    "momentum-alert": ("manager", _alert),
    "question-asked": ("champion", lambda p: {"question": _question(p, answered=False).pk}),
    "question-answered": ("member", lambda p: {"question": _question(p, answered=True).pk}),
    "pulse-invitation": ("member", _invitation),
    "review-reminder": ("manager", _review),
    "champion-message": (
        "champion",
        lambda p: {"champion": _champion(p).pk, "sender": p.member.pk, "message": PAYLOAD},
    ),
    "champion-announcement": ("member", lambda p: {"champion": _champion(p).pk}),
    "champion-welcome": ("champion", lambda p: {"champion": _champion(p).pk}),
    "guideline-reminder": ("member", _guideline),
    "incident-reported": ("manager", _incident),
}


def notification(p, kind):
    role, payload = KINDS[kind]
    return Notification.objects.create(
        organization=p.org,
        recipient=p.users[role],
        kind=kind,
        key=f"security:{kind}",
        scheduled_for=timezone.now(),
        next_attempt_at=timezone.now(),
        payload=payload(p),
    )


def rendered(notification):
    """(subject, text, html) as the outbox would send them; raises Cancel like the outbox's build."""
    from rollout.outbox import build_message

    message = build_message(notification)
    return message.subject, message.body, message.alternatives[0][0]
