"""Writes of the activity imports: store an upload, check it, confirm it, import it.

The check parses the file once, in one streaming pass: every problem with row, column and value,
and (PostgreSQL) every valid row, streamed by COPY into the batch's stage as it is read. The
import after confirmation is then SQL alone, all or nothing in one transaction: merge the stage
into the records part by part, supersede, rebuild the rollups. (SQLite, and a stage that expired,
read the file again; the stage is engage/staging.py, the records' columns and chunked writes
engage/records.py.) Memory stays flat whatever the file's size: rows are read one at a time and
written in chunks; only the first rows and the first unmatched people are kept.
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import File
from django.db import IntegrityError, connections, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from rollout import webhooks
from rollout.data_versions import new_data_version
from rollout.i18n import Phrase, number
from rollout.models import Organization, Rollout, User

from . import importers, records, rollups
from .importers import fit
from .importers.base import ParsedRow, Problem
from .matching import units_by_key
from .models import ActivityRecord, ImportBatch, ImportProblem
from .staging import FileChanged, Stage, drop_quietly, uses_stage

log = logging.getLogger(__name__)

CHUNK = 2000
PREVIEW_ROWS = 10
UNMATCHED_SAMPLE = 50
PROGRESS_EVERY = 2000
# Problems kept per file: enough to fix any real file; a file that is wrong throughout says so.
MAX_PROBLEMS = 5000


def max_upload_bytes() -> int:
    return int(getattr(settings, "ENGAGE_MAX_UPLOAD_MB", 50)) * 1024 * 1024


def inline_check_bytes() -> int:
    """Files up to this size are checked in the request; larger ones by a worker."""
    return int(getattr(settings, "ENGAGE_INLINE_CHECK_KB", 512)) * 1024


def imports_dir() -> Path:
    folder = Path(settings.MEDIA_ROOT) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class TooLarge(Exception):
    pass


class WrongPlatform(Exception):
    """The file is an export of a platform the rollout neither runs on nor also accepts; the
    message names both and says what to do (engage/importers/fit.py)."""


def store_upload(
    rollout: Rollout, upload: File, user: User | None, options: Mapping[str, Any]
) -> ImportBatch:
    """Stream the upload to MEDIA_ROOT/imports/, hashing it on the way; return the new batch.
    `user` is None for a file a connection fetched (engage/connectors/).

    Refused before anything is written (no file, no batch): a file over the size limit
    (`TooLarge`), and an export of another platform than the rollout's (`WrongPlatform`).
    """
    limit = max_upload_bytes()
    if upload.size > limit:
        raise TooLarge(upload.size)
    refusal = fit.refusal(rollout, importers.detect_upload(upload))
    if refusal:
        raise WrongPlatform(refusal)
    name = f"{rollout.pk}-{uuid.uuid4().hex}.csv"
    path = imports_dir() / name
    digest, size = hashlib.sha256(), 0
    with open(path, "wb") as out:
        for chunk in upload.chunks():
            size += len(chunk)
            if size > limit:
                out.close()
                path.unlink(missing_ok=True)
                raise TooLarge(size)
            digest.update(chunk)
            out.write(chunk)
    return ImportBatch.objects.create(
        rollout=rollout,
        uploaded_by=user,
        file_name=Path(upload.name or "upload.csv").name[:255],
        stored_path=f"imports/{name}",
        file_hash=digest.hexdigest(),
        size=size,
        column_map={"options": _options_json(options)},
    )


def _options_json(options: Mapping[str, Any]) -> dict[str, Any]:
    return {"period_end": options["period_end"].isoformat(), "period_days": options["period_days"]}


def options_of(batch: ImportBatch) -> dict[str, Any]:
    saved = (batch.column_map or {}).get("options") if isinstance(batch.column_map, dict) else None
    saved = saved or {}
    end = saved.get("period_end")
    return {
        "period_end": date.fromisoformat(end) if end else timezone.localdate() - timedelta(days=1),
        "period_days": int(saved.get("period_days") or 30),
    }


def earlier_import(batch: ImportBatch) -> ImportBatch | None:
    """The import of the same file into the same rollout, if one is done or under way."""
    return (
        ImportBatch.objects.filter(
            rollout_id=batch.rollout_id, file_hash=batch.file_hash, status__in=ImportBatch.CLAIMING
        )
        .exclude(pk=batch.pk)
        .first()
    )


# Progress -----------------------------------------------------------------------------------
# The import runs in one transaction, which other connections cannot see into; its progress goes
# through the cache (Redis, or the shared file cache in embedded mode) as well as the row.


def progress_key(batch_id: int) -> str:
    return f"engage:import-progress:{batch_id}"


def report_progress(batch_id: int, done: int, total: int) -> None:
    cache.set(progress_key(batch_id), {"done": done, "total": total}, timeout=6 * 3600)


def progress_of(batch: ImportBatch) -> tuple[int, int]:
    if batch.status in (ImportBatch.Status.CHECKING, ImportBatch.Status.RUNNING):
        live = cache.get(progress_key(batch.pk))
        if live:
            total = live["total"] or batch.rows_total
            return live["done"], total
    return batch.rows_done, batch.rows_total


# Reading a file -----------------------------------------------------------------------------


@dataclass
class People:
    """Who in the organization is who: email to unit, and unit names to units."""

    units_by_email: dict[str, int | None]
    units_by_name: dict[str, int]

    @classmethod
    def of(cls, organization: Organization) -> People:
        # Members by email, and by the keys their matches give them (engage/matching.py).
        by_email = units_by_key(organization)
        by_name = {}
        # A name shared by a department and a location or team means the department.
        for pk, name, kind in organization.units.values_list("pk", "name", "kind"):
            if kind == "department" or name.lower() not in by_name:
                by_name[name.lower()] = pk
        return cls(by_email, by_name)


@dataclass
class Pass:
    """What one pass over a file found."""

    format: importers.Format | None = None
    rows: int = 0
    problems: int = 0
    preview: list[dict[str, Any]] = field(default_factory=list)
    matched: int = 0
    unmatched: int = 0
    unmatched_sample: dict[str, int] = field(default_factory=dict)
    concealed: int = 0
    period_start: date | None = None
    period_end: date | None = None


def read_file(
    batch: ImportBatch,
    people: People,
    on_rows: Callable[[list[ParsedRow]], object] | None = None,
    on_problem: Callable[[Problem], object] | None = None,
    on_progress: Callable[[int], object] | None = None,
) -> Pass:
    """One streaming pass: parse every row, hand valid rows to `on_rows` in chunks, report
    problems to `on_problem`. Returns the `Pass`."""
    found = Pass()
    for chunk in parse_rows(found, batch, people, on_problem, on_progress, keep_rows=on_rows is not None):
        if on_rows is not None:  # always: rows are yielded only to be kept
            on_rows(chunk)
    return found


def parse_rows(
    found: Pass,
    batch: ImportBatch,
    people: People,
    on_problem: Callable[[Problem], object] | None = None,
    on_progress: Callable[[int], object] | None = None,
    keep_rows: bool = True,
) -> Iterator[list[ParsedRow]]:
    """`read_file` as a generator: yields the valid rows in chunks of CHUNK (none unless
    `keep_rows`) while it fills in `found`. Whoever drives it decides where the rows go: the
    check streams them into its stage (COPY) as they are read."""
    path = Path(settings.MEDIA_ROOT) / batch.stored_path
    options = options_of(batch)
    chunk = []

    def problem(item: Problem) -> None:
        found.problems += 1
        if on_problem is not None:
            on_problem(item)

    try:
        stream = importers.rows(path)
        try:
            _, header = next(stream)
        except StopIteration:
            problem(Problem(None, "", "", gettext("The file is empty: it has no header line and no rows.")))
            return
        try:
            found.format = importers.detect(header)
        except importers.UnknownFormat as error:
            problem(Problem(1, "", "", str(error)))
            return
        parse = found.format.parser(options)
        preview, by_email = found.preview, people.units_by_email
        end = days = None  # the last valid row's period: most rows repeat it
        for line, cells in stream:
            found.rows += 1
            parsed, issue = parse(cells, line)
            if issue is None and parsed.unit_name:
                issue = _check_unit(parsed, line, people)
            if issue is not None:
                problem(issue)
            else:
                # What `_count` does, inline for the usual row (a million rows come here).
                if parsed.period_end is not end or parsed.period_days != days:
                    end, days = parsed.period_end, parsed.period_days
                    _span(found, parsed)
                if parsed.concealed or parsed.unit_name or by_email.get(parsed.person_key) is None:
                    _count(found, parsed, line, people)
                else:
                    found.matched += 1
                if len(preview) < PREVIEW_ROWS:
                    preview.append(_preview(parsed, line))
                if keep_rows:
                    chunk.append(parsed)
                    if len(chunk) >= CHUNK:
                        yield chunk
                        chunk = []
            if on_progress is not None and found.rows % PROGRESS_EVERY == 0:
                on_progress(found.rows)
    except importers.Unreadable as error:
        problem(Problem(error.line, "", "", error.message))
        return  # reading stopped there: nothing after it was looked at
    if found.format is not None and found.rows == 0:
        problem(Problem(None, "", "", gettext("The file has a header but no rows of activity.")))
    if chunk:
        yield chunk


def _check_unit(parsed: ParsedRow, line: int, people: People) -> Problem | None:
    if parsed.unit_name and parsed.unit_name.lower() not in people.units_by_name:
        return Problem(
            line,
            "unit",
            parsed.unit_name[:200],
            gettext("'%(unit)s' is not a unit of this organization") % {"unit": parsed.unit_name[:60]},
        )
    return None


def unit_of(parsed: ParsedRow, people: People) -> int | None:
    if parsed.concealed:
        return None
    if parsed.unit_name:
        return people.units_by_name.get(parsed.unit_name.lower())
    return people.units_by_email.get(parsed.person_key)


def _span(found: Pass, parsed: ParsedRow) -> None:
    start, end = parsed.period_start, parsed.period_end
    if found.period_start is None or start < found.period_start:
        found.period_start = start
    if found.period_end is None or end > found.period_end:
        found.period_end = end


def _count(found: Pass, parsed: ParsedRow, line: int, people: People) -> None:
    if parsed.concealed:
        found.concealed += 1
    elif unit_of(parsed, people) is not None:
        found.matched += 1
    else:
        found.unmatched += 1
        if len(found.unmatched_sample) < UNMATCHED_SAMPLE:
            found.unmatched_sample.setdefault(parsed.person_key, line)


def _preview(parsed: ParsedRow, line: int) -> dict[str, Any]:
    return {
        "row": line,
        "person": gettext("(concealed)") if parsed.concealed else parsed.person_key,
        "name": "" if parsed.concealed else parsed.display_name,
        "period": gettext("%(start)s to %(end)s")
        % {"start": f"{parsed.period_start:%Y-%m-%d}", "end": f"{parsed.period_end:%Y-%m-%d}"},
        "posts": parsed.posts,
        "replies": parsed.replies if parsed.replies_known else None,
        "reads": parsed.reads,
        "reactions": parsed.reactions,
        "active": parsed.active,
    }


# Checking -----------------------------------------------------------------------------------


def check(batch: ImportBatch) -> ImportBatch:
    """Read the whole file and record what it holds and every problem.

    Ends READY (no problem) or INVALID (at least one: the import is refused as a whole). On
    PostgreSQL the rows are kept as they are read, in the batch's stage (see `Stage`), so the
    import after confirmation is SQL alone: the file is parsed once. The stage is written in one
    transaction with the batch's READY, so it is there, whole, exactly when the batch is READY; a
    file with a problem keeps nothing (its stage is dropped at the first problem).
    """
    checking = ImportBatch.Status.CHECKING
    if batch.status != checking or not ImportBatch.objects.filter(pk=batch.pk, status=checking).exists():
        batch.refresh_from_db()  # checked already (the sweep re-sends a check that looks stuck)
        return batch
    try:
        return _check(batch)
    except CheckedElsewhere:
        batch.refresh_from_db()
        return batch


class CheckedElsewhere(Exception):
    """Another check of the same batch recorded its result first: this one keeps nothing."""


def _check(batch: ImportBatch) -> ImportBatch:
    people = People.of(batch.rollout.organization)
    ImportProblem.objects.filter(batch=batch).delete()
    problems = _Problems(batch)
    size_hint = max(1, batch.size // 80)  # rows, roughly, until the pass knows
    staging = uses_stage()

    def progress(done: int) -> None:
        # While the rows stream into the stage (one COPY on this connection, in a transaction
        # nobody else sees) the progress goes through the cache alone.
        _checking_progress(batch, done, size_hint, stored=not problems.held)

    found = Pass()
    rows = parse_rows(found, batch, people, problems.add, progress, keep_rows=staging)
    if staging:
        with transaction.atomic():
            stage = Stage(batch.pk)
            stage.create(parts=Stage.parts_for(batch.size))
            problems.held = True
            stage.fill(rows, found)
            problems.held = False
            if not found.problems:
                problems.flush()
                return _record_check(batch, found)
            stage.drop()  # nothing of a file with problems is kept
    for _ in rows:  # the whole file, or the rest of it after the first problem
        pass
    problems.flush()
    return _record_check(batch, found)


class _Problems:
    """The check's problems, written in chunks; held in memory while the connection is busy with
    the stage's COPY (a chunk at most: the COPY stops at the first problem)."""

    def __init__(self, batch: ImportBatch) -> None:
        self.batch: ImportBatch = batch
        self.pending: list[ImportProblem] = []
        self.kept, self.held = 0, False

    def add(self, problem: Problem) -> None:
        if len(self.pending) + self.kept < MAX_PROBLEMS:
            self.pending.append(
                ImportProblem(
                    batch=self.batch,
                    row=problem.row,
                    column=_storable(problem.column)[:200],
                    value=_storable(problem.value)[:200],
                    message=_storable(str(problem))[:500],
                )
            )
        if len(self.pending) >= CHUNK and not self.held:
            self.flush()

    def flush(self) -> None:
        ImportProblem.objects.bulk_create(self.pending)
        self.kept += len(self.pending)
        self.pending = []


def _record_check(batch: ImportBatch, found: Pass) -> ImportBatch:
    fmt = found.format
    batch.source = fmt.source if fmt else ""
    batch.variant = fmt.variant[:80] if fmt else ""
    batch.column_map = {
        "options": (batch.column_map or {}).get("options"),
        "columns": fmt.mapping() if fmt else [],
    }
    batch.rows_total = found.rows
    batch.rows_done = found.rows
    batch.problem_count = found.problems
    batch.preview = found.preview
    batch.matched_people = found.matched
    batch.unmatched_people = found.unmatched
    batch.unmatched_sample = [[key, line] for key, line in found.unmatched_sample.items()]
    batch.concealed = bool(found.concealed)
    batch.period_start, batch.period_end = found.period_start, found.period_end
    batch.checked_at = timezone.now()
    if found.problems:
        batch.status = ImportBatch.Status.INVALID
        batch.message = ngettext(
            "%(count)s problem found; nothing was imported. Correct the file and upload it again.",
            "%(count)s problems found; nothing was imported. Correct the file and upload it again.",
            found.problems,
        ) % {"count": number(found.problems)}
    else:
        batch.status = ImportBatch.Status.READY
        batch.message = ngettext(
            "%(count)s row checked; ready to import.", "%(count)s rows checked; ready to import.", found.rows
        ) % {"count": number(found.rows)}
    with transaction.atomic():
        # Only a batch still being checked takes the result: a second check of the same batch
        # (sent again by the sweep while the first ran) must not turn a confirmed or imported
        # batch back to READY; raising rolls back its stage, so the first check's stays.
        current = ImportBatch.objects.select_for_update().filter(pk=batch.pk).values_list("status", flat=True)
        if current.first() != ImportBatch.Status.CHECKING:
            raise CheckedElsewhere(batch.pk)
        batch.save()
    return batch


def _storable(text: str) -> str:
    """A file's text as a database column can hold it: PostgreSQL refuses NUL characters."""
    return text.replace("\x00", "\N{REPLACEMENT CHARACTER}")


def _checking_progress(batch: ImportBatch, done: int, size_hint: int, stored: bool = True) -> None:
    total = max(size_hint, done)
    report_progress(batch.pk, done, total)
    if stored:
        ImportBatch.objects.filter(pk=batch.pk).update(rows_done=done, rows_total=total)


# Confirming and importing -------------------------------------------------------------------


class AlreadyImported(Exception):
    def __init__(self, batch: ImportBatch | None) -> None:
        super().__init__("already imported")
        self.batch = batch


def confirm(
    batch: ImportBatch, user: User | None, enqueue: bool = True, request: HttpRequest | None = None
) -> bool:
    """Queue a checked file for import (the worker does it). The same file twice is refused.

    `enqueue=False` only claims the file for import; the caller runs it (manage.py import_activity).
    The audit trail records who confirmed which file into which rollout (with the request's
    address when there is one: the page and the API pass theirs).
    """
    from rollout import audit
    from rollout.tasks import enqueue_on_commit

    from .tasks import import_activity

    if batch.status != ImportBatch.Status.READY:
        return False
    earlier = earlier_import(batch)
    if earlier is not None:
        raise AlreadyImported(earlier)
    try:
        with transaction.atomic():
            updated = ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.READY).update(
                status=ImportBatch.Status.QUEUED, confirmed_by=user, rows_done=0
            )
    except IntegrityError:
        raise AlreadyImported(earlier_import(batch)) from None
    if updated:
        _status_shown(batch.pk)
        # The check's last progress (100%) must not show as the import's until its first report.
        cache.delete(progress_key(batch.pk))
        rollout = batch.rollout
        audit.record(
            request,
            audit.Action.IMPORTED,
            batch,
            Phrase.gettext(
                "Activity file “%(name)s” (%(rows)s rows) imported into “%(rollout)s”",
                name=batch.file_name,
                rows=str(batch.rows_total),
                rollout=str(rollout),
            ),
            organization=rollout.organization,
            actor=user,
        )
    if updated and enqueue:
        enqueue_on_commit(import_activity, batch.pk)
    return bool(updated)


def _status_shown(batch_id: int) -> None:
    """A batch's status changed by `update()`, which sends no signal: make the organization's cached
    pages stale, as a save would, since the engage page lists the recent imports with their status."""
    found = (
        ImportBatch.objects.filter(pk=batch_id).values_list("rollout__organization_id", "rollout_id").first()
    )
    if found is not None:
        new_data_version(found[0], rollout=found[1])


def cancel(batch: ImportBatch) -> bool:
    cancelled = bool(
        ImportBatch.objects.filter(
            pk=batch.pk, status__in=[ImportBatch.Status.READY, ImportBatch.Status.INVALID]
        ).update(
            status=ImportBatch.Status.CANCELLED,
            message=gettext("Cancelled before import; nothing was imported."),
        )
    )
    if cancelled:
        _status_shown(batch.pk)
    if cancelled and uses_stage():
        Stage(batch.pk).drop()
    return cancelled


def run_import(batch_id: int) -> str | dict[str, int]:
    """Import a confirmed file, all or nothing. Safe to run twice, and by two workers at once.

    The worker claims the batch (QUEUED to RUNNING, stamping `started_at`), then imports in one
    transaction that holds the batch's row lock. A worker killed mid-import leaves the batch
    RUNNING with nothing written (its transaction rolled back, its lock released, the check's
    stage still there). Once it has been RUNNING for ENGAGE_IMPORT_STALE_MINUTES, the next message
    for it (the resume sweep's or a redelivery) takes it over with a conditional UPDATE on
    `started_at`, so only one worker can. A live import is never taken over: the takeover skips a
    locked row, and the import checks, under the lock, that `started_at` is still its own.
    """
    from .tasks import stale_import_cutoff

    running = ImportBatch.Status.RUNNING
    now = timezone.now()
    claimed = ImportBatch.objects.filter(pk=batch_id, status=ImportBatch.Status.QUEUED).update(
        status=running, started_at=now, rows_done=0
    )
    if not claimed:
        with transaction.atomic():
            stale = (
                ImportBatch.objects.select_for_update(skip_locked=True)
                .filter(pk=batch_id, status=running)
                .filter(Q(started_at__lte=stale_import_cutoff(now)) | Q(started_at__isnull=True))
                .only("started_at")
                .first()
            )
            claimed = stale is not None and ImportBatch.objects.filter(
                pk=batch_id, status=running, started_at=stale.started_at
            ).update(started_at=now, rows_done=0)
        if not claimed:
            return "not queued, or still running"
        log.warning("Activity import %s: taking over from a worker that stopped mid-import", batch_id)
    batch = ImportBatch.objects.select_related("rollout__organization").get(pk=batch_id)
    new_data_version(
        batch.rollout.organization_id, rollout=batch.rollout_id
    )  # "running" on the engage page (_status_shown)
    try:
        with transaction.atomic():
            if (
                ImportBatch.objects.select_for_update()
                .filter(pk=batch_id, status=running, started_at=batch.started_at)
                .first()
                is None
            ):
                return "taken over by another worker"
            counts = _write(batch)
    except Exception as error:
        log.exception("Activity import %s failed", batch_id)
        failed = ImportBatch.objects.filter(pk=batch_id, status=running, started_at=batch.started_at).update(
            status=ImportBatch.Status.FAILED,
            finished_at=timezone.now(),
            message=(gettext("The import failed and nothing was imported: %(error)s") % {"error": error})[
                :2000
            ],
        )
        if failed:
            _status_shown(batch_id)
            _emit_finished(batch, ImportBatch.Status.FAILED)
        if failed and uses_stage():
            drop_quietly(Stage(batch_id))
        cache.delete(progress_key(batch_id))
        return "failed"
    cache.delete(progress_key(batch_id))
    return counts


def _write(batch: ImportBatch) -> dict[str, int]:
    path = Path(settings.MEDIA_ROOT) / batch.stored_path
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != batch.file_hash:
        raise FileChanged(gettext("the stored file changed after it was checked; upload it again"))
    people = People.of(batch.rollout.organization)
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    if uses_stage():
        # One import at a time per rollout (a second waits for the first to commit): so what
        # `fresh` finds stays true until this commits, and two imports never rebuild the same
        # rollups from records the other cannot see yet.
        with connections[ActivityRecord.objects.db].cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('engage.import'), %s)", [batch.rollout_id])
    # A file of periods this rollout has no record of yet (the usual weekly or monthly load)
    # needs no lookup of existing rows: every row is new.
    fresh = not ActivityRecord.objects.filter(
        rollout_id=batch.rollout_id,
        source=batch.source,
        period_end__gte=batch.period_start,
        period_end__lte=batch.period_end,
    ).exists()
    total = batch.rows_total

    def progress(done: int) -> None:
        report_progress(batch.pk, done, total)

    if uses_stage():
        stage = Stage(batch.pk)
        if not stage.holds(batch.rows_total):
            # The check's rows are gone (expired, emptied by a database crash or failover, or
            # never kept): read the file again, into a stage of this transaction.
            stage.create(parts=Stage.parts_for(batch.size))
            found = Pass()
            stage.fill(parse_rows(found, batch, people, on_progress=progress), found)
            if found.problems:
                raise FileChanged(gettext("the file no longer passes the check; nothing was imported"))
        rows, concealed = stage.merge(batch, people, counts, fresh, progress)
    else:
        rows, concealed = _write_rows(batch, people, counts, fresh, progress)
    started = time.perf_counter()
    supersede(batch.rollout_id, batch.period_start, batch.period_end)
    log.debug("Activity import %s: superseded in %.2f s", batch.pk, time.perf_counter() - started)
    rollups.rebuild(batch.rollout_id, batch.period_start, batch.period_end)
    summary = ngettext(
        "Imported %(rows)s row: %(created)s new, %(updated)s updated, %(unchanged)s unchanged.",
        "Imported %(rows)s rows: %(created)s new, %(updated)s updated, %(unchanged)s unchanged.",
        rows,
    ) % {"rows": number(rows), **{name: number(n) for name, n in counts.items()}}
    if concealed:
        summary = " ".join(
            [
                summary,
                ngettext(
                    "%(count)s row had concealed names and was kept as totals only.",
                    "%(count)s rows had concealed names and were kept as totals only.",
                    concealed,
                )
                % {"count": number(concealed)},
            ]
        )
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportBatch.Status.DONE,
        rows_done=rows,
        created_count=counts["created"],
        updated_count=counts["updated"],
        unchanged_count=counts["unchanged"],
        finished_at=timezone.now(),
        message=summary,
    )
    new_data_version(batch.rollout.organization_id, rollout=batch.rollout_id)  # see _status_shown
    _emit_finished(batch, ImportBatch.Status.DONE, rows=rows, counts=counts)
    return counts


def _emit_finished(
    batch: ImportBatch, status: str, rows: int = 0, counts: dict[str, int] | None = None
) -> None:
    """The `import.finished` webhook (rollout/webhooks.py): sent with the import's own outcome."""
    rollout = batch.rollout
    webhooks.emit(
        rollout.organization_id,
        "import.finished",
        {
            "import": {
                "id": batch.pk,
                "status": str(status),
                "file_name": batch.file_name,
                "rows": rows,
                **(counts or {}),
                "url": webhooks.absolute(reverse("engage:import_detail", args=[rollout.pk, batch.pk])),
            },
            "rollout": webhooks.rollout_ref(rollout),
        },
        key=f"import.finished:{batch.pk}",
    )


def _write_rows(
    batch: ImportBatch, people: People, counts: dict[str, int], fresh: bool, progress: Callable[[int], None]
) -> tuple[int, int]:
    """SQLite: read the file again and write it in chunks (`records.upsert`). Returns (rows, concealed)."""
    concealed: dict[Any, Any] = {}

    def write(chunk: list[ParsedRow]) -> None:
        named = []
        for parsed in chunk:
            if parsed.concealed:
                records.add_concealed(concealed, parsed)
            else:
                named.append(parsed)
        if named:
            records.upsert(batch, [_record(batch, parsed, people) for parsed in named], counts, fresh)

    found = read_file(batch, people, on_rows=write, on_progress=progress)
    if found.problems:
        raise FileChanged(gettext("the file no longer passes the check; nothing was imported"))
    if concealed:
        records.upsert(
            batch, [records.aggregate(batch, key, totals) for key, totals in concealed.items()], counts
        )
    return found.rows, found.concealed


def _record(batch: ImportBatch, parsed: ParsedRow, people: People) -> SimpleNamespace:
    return SimpleNamespace(
        rollout_id=batch.rollout_id,
        batch_id=batch.pk,
        source=batch.source,
        superseded=False,
        person_key=parsed.person_key,
        display_name=parsed.display_name,
        unit_id=unit_of(parsed, people),
        member=parsed.person_key in people.units_by_email,
        period_start=parsed.period_start,
        period_end=parsed.period_end,
        period_days=parsed.period_days,
        aggregated=False,
        people=1,
        active_people=1 if parsed.active else 0,
        posts=parsed.posts,
        replies=parsed.replies,
        reads=parsed.reads,
        reactions=parsed.reactions,
        replies_known=parsed.replies_known,
        last_activity=parsed.last_activity,
    )


def supersede(rollout_id: int, start: date | None, end: date | None) -> int:
    """Mark records that a later export of the same person and source overlaps: the later export
    wins, so overlapping periods are never counted twice.

    A record is overlapped by a later one when, among the same person's records ordered by period
    end (and, for the same end, length), some record after it starts on or before its end. One
    window over the person's records finds that: the earliest start of everything after each
    record. One sort, however many records; a correlated EXISTS per record took minutes at a
    million rows. Only records overlapping the import's dates can be overlapped by its records,
    or overlap them; the records that may overlap them end on or after the import's first day.
    """
    if start is None or end is None:
        return 0
    # Daily records alone never overlap one another (a person's two records of the same day are
    # one record): the usual daily load skips the window.
    if not ActivityRecord.objects.filter(
        rollout_id=rollout_id, period_end__gte=start, period_days__gt=1
    ).exists():
        return 0
    connection = connections[ActivityRecord.objects.db]
    table = connection.ops.quote_name(ActivityRecord._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET superseded = %s WHERE id IN ("
            "  SELECT id FROM ("
            "    SELECT id, superseded, period_start, period_end, MIN(period_start) OVER ("
            "      PARTITION BY source, person_key ORDER BY period_end, period_days"
            "      ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING"
            "    ) AS next_start"
            f"    FROM {table} WHERE rollout_id = %s AND period_end >= %s"
            "  ) ordered"
            "  WHERE NOT superseded AND period_start <= %s AND next_start <= period_end"
            ")",
            [True, rollout_id, records.db_value(start), records.db_value(end)],
        )
        return cursor.rowcount
