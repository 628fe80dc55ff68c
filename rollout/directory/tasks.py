"""Background work of the HR file import: checking a large file and importing a confirmed one.
Both are safe to run twice (see rollout/directory/hr_services.py). What they write for people to
read (an import's error) is in the language of the admin who uploaded or confirmed the file."""

from celery import shared_task
from django.utils import translation


def language_of(people_import_id, person="uploaded_by"):
    """The language of the import's uploader (or `person`), else of its organization, else English."""
    from rollout.i18n import email_language

    from .models import PeopleImport

    found = PeopleImport.objects.select_related(person, "organization").filter(pk=people_import_id).first()
    if found is None:
        return email_language(None, None)
    return email_language(getattr(found, person), found.organization)


@shared_task
def check_people_file(people_import_id):
    """Check an uploaded HR file too large to check in the request (only while CHECKING)."""
    from .hr_services import run_check

    with translation.override(language_of(people_import_id)):
        return run_check(people_import_id)


@shared_task
def import_people_file(people_import_id):
    """Import a confirmed HR file, all or nothing (only while IMPORTING)."""
    from .hr_services import run_import

    with translation.override(language_of(people_import_id, "confirmed_by")):
        return run_import(people_import_id)


LOST_TASK_MINUTES = 5
# An import runs in one transaction holding its row: a second task waits for the first and then
# finds it done, so sending one too many is harmless; waiting longer avoids tying up a worker.
STALE_IMPORT_MINUTES = 15


@shared_task
def resume_people_imports():
    """Sweep (every 5 minutes): send again the checks and imports of HR files whose task was lost
    (the broker was down when the file was uploaded or confirmed, or the worker died)."""
    from datetime import timedelta

    from django.utils import timezone

    from .models import PeopleImport

    now = timezone.now()
    Status = PeopleImport.Status
    checking = list(
        PeopleImport.objects.filter(
            status=Status.CHECKING, created_at__lte=now - timedelta(minutes=LOST_TASK_MINUTES)
        ).values_list("pk", flat=True)
    )
    importing = list(
        PeopleImport.objects.filter(
            status=Status.IMPORTING, confirmed_at__lte=now - timedelta(minutes=STALE_IMPORT_MINUTES)
        ).values_list("pk", flat=True)
    )
    for pk in checking:
        check_people_file.delay(pk)
    for pk in importing:
        import_people_file.delay(pk)
    return len(checking) + len(importing)
