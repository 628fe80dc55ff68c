"""Background work of the activity imports: checking a large file and importing a confirmed one."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db.models import Q
from django.utils import timezone, translation

from .models import ImportBatch

# A QUEUED or CHECKING batch this old lost its task (the broker was down when it was sent).
LOST_TASK_AFTER = timedelta(minutes=5)


def _language_of(batch_id, person):
    """The language of the words a task stores for a batch (its message, its problems): that of the
    person who uploaded (`person="uploaded_by"`) or confirmed it, else their organization's."""
    from rollout.i18n import email_language

    batch = ImportBatch.objects.select_related(person, "rollout__organization").filter(pk=batch_id).first()
    if batch is None:
        return settings.LANGUAGE_CODE
    return email_language(getattr(batch, person), batch.rollout.organization)


def stale_import_cutoff(now):
    """A RUNNING import started before this is taken to have lost its worker (see run_import)."""
    return now - timedelta(minutes=settings.ENGAGE_IMPORT_STALE_MINUTES)


@shared_task
def check_activity_file(batch_id):
    """Check an uploaded file too large to check in the request (idempotent: only CHECKING)."""
    from .services import check

    batch = (
        ImportBatch.objects.select_related("rollout__organization", "uploaded_by").filter(pk=batch_id).first()
    )
    if batch is None or batch.status != ImportBatch.Status.CHECKING:
        return "nothing to check"
    from rollout.i18n import email_language

    with translation.override(email_language(batch.uploaded_by, batch.rollout.organization)):
        check(batch)
    return batch.status


@shared_task
def import_activity(batch_id):
    """Import a confirmed file, all or nothing (claims the batch first, so it is safe to rerun)."""
    from .services import run_import

    with translation.override(_language_of(batch_id, "confirmed_by")):
        return run_import(batch_id)


@shared_task
def resume_activity_imports():
    """Sweep (every 5 minutes): send again the imports and checks whose task was lost.

    - QUEUED or CHECKING for 5 minutes: the task never reached a worker (the broker was down);
    - RUNNING for ENGAGE_IMPORT_STALE_MINUTES: the worker was killed mid-import, so nothing was
      written; the broker would redeliver its message only after the Redis visibility timeout (an
      hour). run_import takes the batch over, or does nothing if the import is in fact still
      running, so sending one too many is harmless.

    It also drops the checked rows no import will read (staging.drop_stale_stages).
    """
    from .staging import drop_stale_stages

    now = timezone.now()
    drop_stale_stages(now)
    waiting = list(
        ImportBatch.objects.filter(
            Q(status=ImportBatch.Status.QUEUED, created_at__lte=now - LOST_TASK_AFTER)
            | Q(status=ImportBatch.Status.RUNNING, started_at__lte=stale_import_cutoff(now))
        ).values_list("pk", flat=True)
    )
    for pk in waiting:
        import_activity.delay(pk)
    checking = list(
        ImportBatch.objects.filter(
            status=ImportBatch.Status.CHECKING, created_at__lte=now - LOST_TASK_AFTER
        ).values_list("pk", flat=True)
    )
    for pk in checking:
        check_activity_file.delay(pk)
    return len(waiting) + len(checking)


@shared_task
def apply_person_matches(organization_id):
    """Match the imported records again after a match was added or removed, and rebuild the
    figures of the rollouts whose records changed (engage/matching.py). Safe to rerun."""
    from rollout.models import Organization

    from .matching import apply_matches

    organization = Organization.objects.filter(pk=organization_id).first()
    return apply_matches(organization) if organization is not None else 0
