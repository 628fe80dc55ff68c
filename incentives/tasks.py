"""Background work of the incentive step: events become points and badges here, not in requests."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from .models import ReceivedEvent

# An event not processed this long after it arrived lost its task (broker down): the sweep retries.
SWEEP_AFTER = timedelta(minutes=2)


@shared_task
def process_event(received_id):
    """Pay the points rules of one received event and evaluate the person's badges (idempotent)."""
    from .services import process

    received = ReceivedEvent.objects.filter(pk=received_id, processed_at__isnull=True).first()
    if received is None:
        return "already processed"
    process(received)
    return "processed"


@shared_task
def evaluate_person(rollout_id, person_id):
    """Evaluate one person's badges in one rollout, e.g. after a claim was approved."""
    from rollout.models import Rollout

    from .services import evaluate_badges

    rollout = Rollout.objects.filter(pk=rollout_id).first()
    if rollout is None:
        return 0
    return len(evaluate_badges(rollout, person_id))


@shared_task
def process_pending_events():
    """Sweep: enqueue received events whose task never reached a worker."""
    pending = list(
        ReceivedEvent.objects.filter(
            processed_at__isnull=True, received_at__lte=timezone.now() - SWEEP_AFTER
        ).values_list("pk", flat=True)[:1000]
    )
    for pk in pending:
        process_event.delay(pk)
    return len(pending)
