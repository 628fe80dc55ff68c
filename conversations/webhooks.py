"""The `question.late` webhook (rollout/webhooks.py): a question still without a reply past its
rollout's response target (the queue's "late"), emitted once per question by a periodic check."""

from datetime import timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from rollout import webhooks
from rollout.models import Rollout, WebhookDelivery, WebhookEndpoint
from strategy.selectors import response_targets_for

from .models import Message

EVENT = "question.late"
# Questions that went late within this window are reported; older ones were late before anyone
# listened (a new endpoint does not hear of last year's backlog).
LOOKBACK = timedelta(days=2)


def late_question_key(question_id):
    return f"{EVENT}:{question_id}"


def emit_late_questions(now=None):
    """Emit `question.late` for each open question that went past its target within LOOKBACK, in
    the organizations with an endpoint that listens. Returns how many questions were emitted."""
    now = now or timezone.now()
    listening = {
        endpoint.organization_id
        for endpoint in WebhookEndpoint.objects.filter(active=True).only("organization_id", "events")
        if EVENT in endpoint.events
    }
    if not listening:
        return 0
    rollouts = list(Rollout.objects.filter(organization_id__in=listening))
    targets = response_targets_for(rollouts)
    emitted = 0
    for rollout in rollouts:
        target = timedelta(hours=targets[rollout.pk].hours)
        late = Message.objects.filter(
            rollout=rollout,
            is_question=True,
            first_response_at__isnull=True,
            created_at__lte=now - target,
            created_at__gt=now - target - LOOKBACK,
        ).order_by("created_at", "pk")
        questions = list(late.values_list("pk", "created_at"))
        told = set(
            WebhookDelivery.objects.filter(
                key__in=[late_question_key(pk) for pk, _ in questions]
            ).values_list("key", flat=True)
        )
        for pk, created_at in questions:
            if late_question_key(pk) in told:
                continue
            with transaction.atomic():
                webhooks.emit(
                    rollout.organization_id,
                    EVENT,
                    _payload(rollout, pk, created_at, target),
                    key=late_question_key(pk),
                )
            emitted += 1
    return emitted


def _payload(rollout, pk, created_at, target):
    """Ids, times and links only: the question's text and its author stay in Rollout."""
    return {
        "question": {
            "id": pk,
            "asked_at": created_at.isoformat(),
            "response_target_hours": int(target.total_seconds() // 3600),
            "url": webhooks.absolute(reverse("engage:queue", args=[rollout.pk])),
        },
        "rollout": webhooks.rollout_ref(rollout),
    }
