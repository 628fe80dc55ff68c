"""The HR file import, step by step: store an upload, check it (in the request for a small file, by
a worker for a large one), confirm it once, import it all or nothing. docs/identity.md, "Importing
people from an HR file", describes it for admins.

Every step moves `PeopleImport.status` with a conditional UPDATE from the status it expects, so a
second confirmation (a double click), a redelivered task or a check sent twice does nothing.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from rollout import audit
from rollout.i18n import Phrase
from rollout.models import Organization, User
from rollout.tasks import enqueue_on_commit

from . import hr_apply, hr_file
from .hr_check import Directory, check_file
from .models import PeopleImport

log = logging.getLogger(__name__)
Status = PeopleImport.Status
GROUPS = ("added", "changed", "moved", "reactivated", "deactivated")


def _counts(counts) -> Phrase:
    """The people file's counts by group (GROUPS), "3 added, 1 changed, …", in the reader's language."""
    n = {group: counts.get(group, 0) for group in GROUPS}
    # Translators: the counts of a people file's import, e.g. "3 added, 1 changed, 0 moved, …".
    return Phrase.gettext(
        "%(added)s, %(changed)s, %(moved)s, %(reactivated)s, %(deactivated)s",
        added=Phrase.ngettext("%(count)s added", "%(count)s added", n["added"], count=n["added"]),
        changed=Phrase.ngettext("%(count)s changed", "%(count)s changed", n["changed"], count=n["changed"]),
        moved=Phrase.ngettext("%(count)s moved", "%(count)s moved", n["moved"], count=n["moved"]),
        reactivated=Phrase.ngettext(
            "%(count)s reactivated", "%(count)s reactivated", n["reactivated"], count=n["reactivated"]
        ),
        deactivated=Phrase.ngettext(
            "%(count)s deactivated", "%(count)s deactivated", n["deactivated"], count=n["deactivated"]
        ),
    )


def max_upload_bytes() -> int:
    return int(getattr(settings, "PEOPLE_IMPORT_MAX_UPLOAD_MB", 20)) * 1024 * 1024


def inline_check_bytes() -> int:
    """Files up to this size are checked in the request; larger ones by a worker."""
    return int(getattr(settings, "PEOPLE_IMPORT_INLINE_CHECK_KB", 256)) * 1024


def inline_import_rows() -> int:
    """Checked files of up to this many people are imported in the request; larger ones by a worker."""
    return int(getattr(settings, "PEOPLE_IMPORT_INLINE_ROWS", 2000))


class Refused(Exception):
    """The upload is refused before anything is stored; the message says why and what to do.

    Texts stored for later (an import's `error`) are written in the language active when they are
    made: the uploader's request, or theirs in a worker (tasks.py)."""


def store_upload(
    organization: Organization, upload: UploadedFile, user: User, *, deactivate_missing: bool = False
) -> PeopleImport:
    """Keep the upload (under a name of our own) with its SHA-256; return the import, to be checked."""
    if upload.size is not None and upload.size > max_upload_bytes():
        raise Refused(
            _("The file is larger than the limit of %(limit)s MB; split it.")
            % {"limit": max_upload_bytes() // 1048576}
        )
    upload.seek(0)
    kind = hr_file.kind_of(upload.read(8))
    if kind == "xls":
        raise Refused(
            _("This is an old Excel workbook (.xls): save it as .xlsx or as CSV and upload it again.")
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    people_import = PeopleImport(
        organization=organization,
        uploaded_by=user,
        file_name=Path(upload.name or "people.csv").name[:255],
        sha256=digest.hexdigest(),
        deactivate_missing=deactivate_missing,
    )
    people_import.file.save(f"{organization.pk}-{uuid.uuid4().hex}.{kind}", upload, save=False)
    people_import.save()
    return people_import


def start_check(people_import: PeopleImport) -> None:
    """Check now (a small file) or hand the check to a worker."""
    from .tasks import check_people_file

    if people_import.file.size <= inline_check_bytes():
        run_check(people_import.pk)
    else:
        enqueue_on_commit(check_people_file, people_import.pk)


def run_check(pk: int) -> str:
    """Check a stored file and record the problems or the preview. Only an import still CHECKING."""
    people_import = PeopleImport.objects.select_related("organization").filter(pk=pk).first()
    if people_import is None or people_import.status != Status.CHECKING:
        return "nothing to check"
    directory = Directory.of(people_import.organization)
    size_hint = max(1, people_import.file.size // 60)  # rows, roughly, until the check knows

    def progress(done: int) -> None:
        report_progress(pk, done, max(done, size_hint))

    try:
        found = check_file(
            people_import.file.path,
            directory,
            deactivate_missing=people_import.deactivate_missing,
            protected_user_ids=_ids(people_import.uploaded_by_id),
            progress=progress,
        )
    except Exception as error:
        log.exception("People import %s: the check failed", pk)
        _finish(
            pk,
            Status.CHECKING,
            status=Status.FAILED,
            error=(_("The check failed: %(error)s") % {"error": error})[:2000],
        )
        return Status.FAILED
    fields: dict[str, Any] = {
        "rows_total": found.rows,
        "rows_done": found.rows,
        "problems": found.problems,
        "checked_at": timezone.now(),
    }
    if found.problem_count:
        fields.update(status=Status.REFUSED, summary={"problem_count": found.problem_count})
    else:
        fields.update(status=Status.CHECKED, summary={**found.summary(directory), "problem_count": 0})
    _finish(pk, Status.CHECKING, **fields)
    return fields["status"]


def _finish(pk: int, expected: str, **fields: Any) -> int:
    cache.delete(progress_key(pk))
    return PeopleImport.objects.filter(pk=pk, status=expected).update(**fields)


def earlier_import(people_import: PeopleImport) -> PeopleImport | None:
    """The last import of the very same file into the same organization."""
    return (
        PeopleImport.objects.filter(
            organization_id=people_import.organization_id, sha256=people_import.sha256, status=Status.DONE
        )
        .exclude(pk=people_import.pk)
        .order_by("-finished_at")
        .first()
    )


def confirm(people_import: PeopleImport, user: User, request: HttpRequest | None = None) -> bool:
    """Claim a checked file for import (CHECKED to IMPORTING) and import it, here or in a worker.
    False when it was not waiting for confirmation: a second click does nothing."""
    from .tasks import import_people_file

    claimed = PeopleImport.objects.filter(pk=people_import.pk, status=Status.CHECKED).update(
        status=Status.IMPORTING, confirmed_by=user, confirmed_at=timezone.now(), rows_done=0
    )
    if not claimed:
        return False
    counts = people_import.summary or {}
    audit.record(
        request,
        audit.Action.IMPORTED,
        people_import,
        Phrase.gettext(
            "People file “%(name)s” (%(rows)s rows) imported: %(counts)s",
            name=people_import.file_name,
            rows=str(people_import.rows_total),
            counts=_counts(counts),
        ),
        organization=people_import.organization,
        actor=user,
    )
    if people_import.rows_total <= inline_import_rows():
        run_import(people_import.pk)
    else:
        enqueue_on_commit(import_people_file, people_import.pk)
    return True


def cancel(people_import: PeopleImport) -> bool:
    return bool(
        PeopleImport.objects.filter(pk=people_import.pk, status__in=[Status.CHECKED, Status.REFUSED]).update(
            status=Status.CANCELLED, finished_at=timezone.now()
        )
    )


class FileChanged(Exception):
    pass


def _ids(*ids: int | None) -> set[int]:
    return {pk for pk in ids if pk is not None}


def run_import(pk: int) -> str:
    """Import a confirmed file, all or nothing, in one transaction holding the import's row: a
    redelivered task waits for the first and then finds it DONE. The file is checked again against
    the organization as it is now; a problem found then (someone changed meanwhile) imports nothing."""
    try:
        with transaction.atomic():
            people_import = (
                PeopleImport.objects.select_for_update()
                .select_related("organization")
                .filter(pk=pk, status=Status.IMPORTING)
                .first()
            )
            if people_import is None:
                return "not waiting for import"
            counts = _import(people_import)
    except Exception as error:
        log.exception("People import %s failed", pk)
        _finish(
            pk, Status.IMPORTING, status=Status.FAILED, finished_at=timezone.now(), error=str(error)[:2000]
        )
        return Status.FAILED
    cache.delete(progress_key(pk))
    return f"done: {counts}"


def _import(people_import: PeopleImport) -> dict[str, int]:
    digest = hashlib.sha256()
    with people_import.file.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != people_import.sha256:
        raise FileChanged(_("The stored file changed after it was checked; upload it again."))
    organization = people_import.organization
    directory = Directory.of(organization)
    protected = _ids(people_import.uploaded_by_id, people_import.confirmed_by_id)
    found = check_file(
        people_import.file.path,
        directory,
        deactivate_missing=people_import.deactivate_missing,
        protected_user_ids=protected,
    )
    if found.problem_count:
        first = found.problems[0]
        raise FileChanged(
            _(
                "The file no longer passes the check (row %(row)s: %(problem)s); nothing was imported. "
                "Upload it again to see every problem."
            )
            % {"row": first["row"], "problem": Phrase.load(first["phrase"])}
        )
    total = len(found.people)
    counts = hr_apply.apply(
        organization, found, directory, progress=lambda done: report_progress(people_import.pk, done, total)
    )
    people_import.status = Status.DONE
    people_import.summary = {**found.summary(directory), **counts, "problem_count": 0}
    people_import.rows_done = people_import.rows_total
    people_import.finished_at = timezone.now()
    people_import.save(update_fields=["status", "summary", "rows_done", "finished_at"])
    return counts


# Progress ------------------------------------------------------------------------------------
# The import runs in one transaction, which other connections cannot see into: its progress goes
# through the cache (Redis, or the local memory cache) rather than the row.


def progress_key(pk: int) -> str:
    return f"directory:people-import-progress:{pk}"


def report_progress(pk: int, done: int, total: int) -> None:
    cache.set(progress_key(pk), {"done": done, "total": total}, timeout=6 * 3600)


def progress_of(people_import: PeopleImport) -> Mapping[str, Any]:
    done, total = people_import.rows_done, people_import.rows_total
    in_progress = people_import.status in (Status.CHECKING, Status.IMPORTING)
    if in_progress:
        live = cache.get(progress_key(people_import.pk)) or {}
        done, total = live.get("done", 0), live.get("total", 0) or total
    percent = min(99, round(100 * done / total)) if in_progress and total else (0 if in_progress else 100)
    return {
        "status": people_import.status,
        "label": people_import.get_status_display(),
        "done": done,
        "total": total,
        "percent": percent,
        "finished": not in_progress,
    }
