"""Engage part 2's metrics in the catalogue (rollout/metrics.py): time to first response and
answered within target get their `compute`; the open queue and pulse readiness are new."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Avg, Count, Q
from django.utils.translation import gettext_lazy as _

from rollout.metrics import Metric, catalogue

from . import selectors
from .models import Message, Pulse, PulseAnswer

WINDOW = timedelta(days=30)


def _end_of(rollout, as_of):
    return datetime.combine(
        as_of + timedelta(days=1), time.min, tzinfo=ZoneInfo(rollout.organization.timezone)
    )


def time_to_first_response(rollout, as_of):
    """Mean hours to the first response of the questions asked in the 30 days up to `as_of`."""
    end = _end_of(rollout, as_of)
    value = (
        selectors.questions(rollout)
        .filter(created_at__gte=end - WINDOW, created_at__lt=end, first_response_at__lt=end)
        .aggregate(mean=Avg("response_seconds"))["mean"]
    )
    return None if value is None else round(value / 3600, 1)


def answered_within_target(rollout, as_of):
    """Share (%) of the questions asked in the 30 days up to `as_of` answered within the rollout's
    response target, out of those answered or open past it by then; None when none is decided."""
    end = _end_of(rollout, as_of)
    summary = selectors.response_summary(rollout, since=end - WINDOW, until=end, now=end)
    return summary["within_share"]


def unanswered_questions(rollout, as_of):
    end = _end_of(rollout, as_of)
    return (
        Message.objects.filter(rollout=rollout, is_question=True, created_at__lt=end)
        .filter(Q(first_response_at__isnull=True) | Q(first_response_at__gte=end))
        .count()
    )


def pulse_readiness(rollout, as_of):
    """Mean ADKAR score (1-5) of the latest readiness pulse opened by `as_of` with enough answers."""
    pulse = (
        Pulse.objects.filter(
            rollout=rollout, kind=Pulse.Kind.READINESS, opened_at__lt=_end_of(rollout, as_of)
        )
        .annotate(n=Count("responses"))
        .filter(n__gte=rollout.organization.privacy_min_group)
        .order_by("-opened_at")
        .first()
    )
    if pulse is None:
        return None
    mean = PulseAnswer.objects.filter(response__pulse=pulse).aggregate(mean=Avg("score"))["mean"]
    return None if mean is None else round(mean, 2)


catalogue.replace(
    Metric(
        key="time_to_first_response",
        label=_("Time to first response"),
        unit=_("hours"),
        help=_(
            "First reply time minus question time, excluding the author and bots (mean of the last 30 days)."
        ),
        compute=time_to_first_response,
        higher_is_better=False,
    )
)
catalogue.replace(
    Metric(
        key="answered_within_target",
        label=_("Answered within target"),
        unit="%",
        help=_(
            "Share of the last 30 days' questions whose first reply came within the rollout's response "
            "target (the strategy's, else the organization's default), out of those answered or still "
            "open past it."
        ),
        compute=answered_within_target,
    )
)
catalogue.register(
    Metric(
        key="unanswered_questions",
        label=_("Unanswered questions"),
        unit=_("questions"),
        help=_("Questions with no reply yet from someone other than their author."),
        compute=unanswered_questions,
        higher_is_better=False,
    )
)
catalogue.register(
    Metric(
        key="pulse_readiness",
        label=_("Readiness (pulse)"),
        unit=_("of 5"),
        help=_(
            "Mean ADKAR score of the latest readiness pulse with at least the privacy threshold of answers."
        ),
        compute=pulse_readiness,
    )
)
