"""Background work of the activity imports: checking a large file and importing a confirmed one."""

from celery import shared_task

from .models import ImportBatch


@shared_task
def check_activity_file(batch_id):
    """Check an uploaded file too large to check in the request (idempotent: only CHECKING)."""
    from .services import check

    batch = ImportBatch.objects.select_related("rollout__organization").filter(pk=batch_id).first()
    if batch is None or batch.status != ImportBatch.Status.CHECKING:
        return "nothing to check"
    check(batch)
    return batch.status


@shared_task
def import_activity(batch_id):
    """Import a confirmed file, all or nothing (claims the batch first, so it is safe to rerun)."""
    from .services import run_import

    return run_import(batch_id)


@shared_task
def resume_activity_imports():
    """Sweep: re-enqueue files whose task never reached a worker (the broker was down)."""
    from datetime import timedelta

    from django.utils import timezone

    stale = timezone.now() - timedelta(minutes=5)
    waiting = list(
        ImportBatch.objects.filter(status=ImportBatch.Status.QUEUED, created_at__lte=stale).values_list(
            "pk", flat=True
        )
    )
    for pk in waiting:
        import_activity.delay(pk)
    checking = list(
        ImportBatch.objects.filter(status=ImportBatch.Status.CHECKING, created_at__lte=stale).values_list(
            "pk", flat=True
        )
    )
    for pk in checking:
        check_activity_file.delay(pk)
    return len(waiting) + len(checking)
