"""Writes of the activity imports: store an upload, check it, confirm it, import it.

The same streaming pass serves the check (every problem with row, column and value; nothing is
written but the problems) and the import (all or nothing, in one transaction). Memory stays flat
whatever the file's size: rows are read one at a time and written in chunks; only the first rows,
the first unmatched people and the per-period totals of concealed rows are kept.
"""

import hashlib
import io
import logging
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, connections, transaction
from django.db.models import Q
from django.utils import timezone

from rollout.models import Membership

from . import importers, rollups
from .importers.base import Problem
from .models import CONCEALED_KEY, ActivityRecord, ImportBatch, ImportProblem

log = logging.getLogger(__name__)

CHUNK = 2000
PREVIEW_ROWS = 10
UNMATCHED_SAMPLE = 50
PROGRESS_EVERY = 2000
# Problems kept per file: enough to fix any real file; a file that is wrong throughout says so.
MAX_PROBLEMS = 5000


def max_upload_bytes():
    return int(getattr(settings, "ENGAGE_MAX_UPLOAD_MB", 50)) * 1024 * 1024


def inline_check_bytes():
    """Files up to this size are checked in the request; larger ones by a worker."""
    return int(getattr(settings, "ENGAGE_INLINE_CHECK_KB", 512)) * 1024


def imports_dir():
    folder = Path(settings.MEDIA_ROOT) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class TooLarge(Exception):
    pass


def store_upload(rollout, upload, user, options):
    """Stream the upload to MEDIA_ROOT/imports/, hashing it on the way; return the new batch."""
    limit = max_upload_bytes()
    if upload.size > limit:
        raise TooLarge(upload.size)
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


def _options_json(options):
    return {"period_end": options["period_end"].isoformat(), "period_days": options["period_days"]}


def options_of(batch):
    saved = (batch.column_map or {}).get("options") if isinstance(batch.column_map, dict) else None
    saved = saved or {}
    end = saved.get("period_end")
    return {
        "period_end": date.fromisoformat(end) if end else timezone.localdate() - timedelta(days=1),
        "period_days": int(saved.get("period_days") or 30),
    }


def earlier_import(batch):
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


def progress_key(batch_id):
    return f"engage:import-progress:{batch_id}"


def report_progress(batch_id, done, total):
    cache.set(progress_key(batch_id), {"done": done, "total": total}, timeout=6 * 3600)


def progress_of(batch):
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

    units_by_email: dict
    units_by_name: dict

    @classmethod
    def of(cls, organization):
        by_email = dict(
            Membership.objects.filter(organization=organization).values_list("user__email", "unit_id")
        )
        by_name = {}
        # A name shared by a department and a location or team means the department.
        for pk, name, kind in organization.units.values_list("pk", "name", "kind"):
            if kind == "department" or name.lower() not in by_name:
                by_name[name.lower()] = pk
        return cls({email.lower(): unit for email, unit in by_email.items()}, by_name)


@dataclass
class Pass:
    """What one pass over a file found."""

    format: object = None
    rows: int = 0
    problems: int = 0
    preview: list = field(default_factory=list)
    matched: int = 0
    unmatched: int = 0
    unmatched_sample: dict = field(default_factory=dict)
    concealed: int = 0
    period_start: date | None = None
    period_end: date | None = None


def read_file(batch, people, on_rows=None, on_problem=None, on_progress=None):
    """One streaming pass: parse every row, hand valid rows to `on_rows` in chunks, report
    problems to `on_problem`. Returns the `Pass`."""
    found = Pass()
    path = Path(settings.MEDIA_ROOT) / batch.stored_path
    options = options_of(batch)
    chunk = []

    def problem(item):
        found.problems += 1
        if on_problem is not None:
            on_problem(item)

    try:
        stream = importers.rows(path)
        try:
            _, header = next(stream)
        except StopIteration:
            problem(Problem(None, "", "", "The file is empty: it has no header line and no rows."))
            return found
        try:
            found.format = importers.detect(header)
        except importers.UnknownFormat as error:
            problem(Problem(1, "", "", str(error)))
            return found
        for line, cells in stream:
            found.rows += 1
            parsed, issue = found.format.parse(cells, line, options)
            if issue is None:
                issue = _check_unit(parsed, line, people)
            if issue is not None:
                problem(issue)
            else:
                _count(found, parsed, line, people)
                if len(found.preview) < PREVIEW_ROWS:
                    found.preview.append(_preview(parsed, line))
                if on_rows is not None:
                    chunk.append(parsed)
                    if len(chunk) >= CHUNK:
                        on_rows(chunk)
                        chunk = []
            if on_progress is not None and found.rows % PROGRESS_EVERY == 0:
                on_progress(found.rows)
    except importers.Unreadable as error:
        problem(Problem(error.line, "", "", error.message))
        return found  # reading stopped there: nothing after it was looked at
    if found.format is not None and found.rows == 0:
        problem(Problem(None, "", "", "The file has a header but no rows of activity."))
    if chunk and on_rows is not None:
        on_rows(chunk)
    return found


def _check_unit(parsed, line, people):
    if parsed.unit_name and parsed.unit_name.lower() not in people.units_by_name:
        return Problem(
            line,
            "unit",
            parsed.unit_name[:200],
            f"'{parsed.unit_name[:60]}' is not a unit of this organization",
        )
    return None


def unit_of(parsed, people):
    if parsed.concealed:
        return None
    if parsed.unit_name:
        return people.units_by_name.get(parsed.unit_name.lower())
    return people.units_by_email.get(parsed.person_key)


def _count(found, parsed, line, people):
    if found.period_start is None or parsed.period_start < found.period_start:
        found.period_start = parsed.period_start
    if found.period_end is None or parsed.period_end > found.period_end:
        found.period_end = parsed.period_end
    if parsed.concealed:
        found.concealed += 1
    elif unit_of(parsed, people) is not None:
        found.matched += 1
    else:
        found.unmatched += 1
        if len(found.unmatched_sample) < UNMATCHED_SAMPLE:
            found.unmatched_sample.setdefault(parsed.person_key, line)


def _preview(parsed, line):
    return {
        "row": line,
        "person": "(concealed)" if parsed.concealed else parsed.person_key,
        "name": "" if parsed.concealed else parsed.display_name,
        "period": f"{parsed.period_start:%Y-%m-%d} to {parsed.period_end:%Y-%m-%d}",
        "posts": parsed.posts,
        "replies": parsed.replies if parsed.replies_known else None,
        "reads": parsed.reads,
        "reactions": parsed.reactions,
        "active": parsed.active,
    }


# Checking -----------------------------------------------------------------------------------


def check(batch):
    """Read the whole file and record what it holds and every problem; nothing else is written.

    Ends READY (no problem) or INVALID (at least one: the import is refused as a whole).
    """
    if batch.status != ImportBatch.Status.CHECKING:
        return batch
    people = People.of(batch.rollout.organization)
    ImportProblem.objects.filter(batch=batch).delete()
    pending = []

    def keep(problem):
        if len(pending) + kept[0] < MAX_PROBLEMS:
            pending.append(
                ImportProblem(
                    batch=batch,
                    row=problem.row,
                    column=_storable(problem.column)[:200],
                    value=_storable(problem.value)[:200],
                    message=_storable(str(problem))[:500],
                )
            )
        if len(pending) >= CHUNK:
            ImportProblem.objects.bulk_create(pending)
            kept[0] += len(pending)
            pending.clear()

    kept = [0]
    size_hint = max(1, batch.size // 80)  # rows, roughly, until the pass knows
    found = read_file(
        batch,
        people,
        on_problem=keep,
        on_progress=lambda done: _checking_progress(batch, done, size_hint),
    )
    ImportProblem.objects.bulk_create(pending)
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
        batch.message = (
            f"{found.problems} problem{'s' if found.problems != 1 else ''} found; nothing was imported. "
            "Correct the file and upload it again."
        )
    else:
        batch.status = ImportBatch.Status.READY
        batch.message = f"{found.rows} rows checked; ready to import."
    batch.save()
    return batch


def _storable(text):
    """A file's text as a database column can hold it: PostgreSQL refuses NUL characters."""
    return text.replace("\x00", "\N{REPLACEMENT CHARACTER}")


def _checking_progress(batch, done, size_hint):
    total = max(size_hint, done)
    report_progress(batch.pk, done, total)
    ImportBatch.objects.filter(pk=batch.pk).update(rows_done=done, rows_total=total)


# Confirming and importing -------------------------------------------------------------------


class AlreadyImported(Exception):
    def __init__(self, batch):
        super().__init__("already imported")
        self.batch = batch


def confirm(batch, user, enqueue=True, request=None):
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
        # The check's last progress (100%) must not show as the import's until its first report.
        cache.delete(progress_key(batch.pk))
        rollout = batch.rollout
        audit.record(
            request,
            audit.Action.IMPORTED,
            batch,
            f"Activity file “{batch.file_name}” ({batch.rows_total} rows) imported into “{rollout}”",
            organization=rollout.organization,
            actor=user,
        )
    if updated and enqueue:
        enqueue_on_commit(import_activity, batch.pk)
    return bool(updated)


def cancel(batch):
    return bool(
        ImportBatch.objects.filter(
            pk=batch.pk, status__in=[ImportBatch.Status.READY, ImportBatch.Status.INVALID]
        ).update(
            status=ImportBatch.Status.CANCELLED, message="Cancelled before import; nothing was imported."
        )
    )


def run_import(batch_id):
    """Import a confirmed file, all or nothing. Safe to run twice, and by two workers at once.

    The worker claims the batch (QUEUED to RUNNING, stamping `started_at`), then imports in one
    transaction that holds the batch's row lock. A worker killed mid-import leaves the batch
    RUNNING with nothing written (its transaction rolled back, its lock released). Once it has
    been RUNNING for ENGAGE_IMPORT_STALE_MINUTES, the next message for it (the resume sweep's or a
    redelivery) takes it over with a conditional UPDATE on `started_at`, so only one worker can.
    A live import is never taken over: the takeover skips a locked row, and the import checks,
    under the lock, that `started_at` is still its own.
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
        ImportBatch.objects.filter(pk=batch_id, status=running, started_at=batch.started_at).update(
            status=ImportBatch.Status.FAILED,
            finished_at=timezone.now(),
            message=f"The import failed and nothing was imported: {error}"[:2000],
        )
        cache.delete(progress_key(batch_id))
        return "failed"
    cache.delete(progress_key(batch_id))
    return counts


class FileChanged(Exception):
    pass


def _write(batch):
    path = Path(settings.MEDIA_ROOT) / batch.stored_path
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != batch.file_hash:
        raise FileChanged("the stored file changed after it was checked; upload it again")
    people = People.of(batch.rollout.organization)
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    concealed = {}
    # A file of periods this rollout has no record of yet (the usual weekly or monthly load)
    # needs no lookup of existing rows: every row is new.
    fresh = not ActivityRecord.objects.filter(
        rollout_id=batch.rollout_id,
        source=batch.source,
        period_end__gte=batch.period_start,
        period_end__lte=batch.period_end,
    ).exists()
    stage = Stage(batch) if connections[ActivityRecord.objects.db].vendor == "postgresql" else None

    def write(chunk):
        named = []
        for parsed in chunk:
            if parsed.concealed:
                _add_concealed(concealed, parsed)
            else:
                named.append(parsed)
        if not named:
            return
        if stage is not None:
            stage.add(named, people)
        else:
            _upsert(batch, [_record(batch, parsed, people) for parsed in named], counts, fresh)

    total = batch.rows_total
    found = read_file(
        batch, people, on_rows=write, on_progress=lambda done: report_progress(batch.pk, done, total)
    )
    if found.problems:
        raise FileChanged("the file no longer passes the check; nothing was imported")
    if stage is not None:
        stage.merge(counts, fresh)
    if concealed:
        _upsert(batch, [_aggregate(batch, key, totals) for key, totals in concealed.items()], counts)
    supersede(batch.rollout_id, found.period_start, found.period_end)
    rollups.rebuild(batch.rollout_id, found.period_start, found.period_end)
    summary = (
        f"Imported {found.rows} rows: {counts['created']} new, {counts['updated']} updated, "
        f"{counts['unchanged']} unchanged."
    )
    if found.concealed:
        summary += f" {found.concealed} rows had concealed names and were kept as totals only."
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportBatch.Status.DONE,
        rows_done=found.rows,
        created_count=counts["created"],
        updated_count=counts["updated"],
        unchanged_count=counts["unchanged"],
        finished_at=timezone.now(),
        message=summary,
    )
    return counts


def _record(batch, parsed, people):
    return SimpleNamespace(
        rollout_id=batch.rollout_id,
        batch_id=batch.pk,
        source=batch.source,
        superseded=False,
        person_key=parsed.person_key,
        display_name=parsed.display_name,
        unit_id=unit_of(parsed, people),
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


def _add_concealed(totals, parsed):
    key = (parsed.period_end, parsed.period_days)
    entry = totals.setdefault(
        key, {"people": 0, "active": 0, "posts": 0, "replies": 0, "reads": 0, "reactions": 0, "known": True}
    )
    entry["people"] += 1
    entry["active"] += 1 if parsed.active else 0
    entry["posts"] += parsed.posts
    entry["replies"] += parsed.replies
    entry["reads"] += parsed.reads
    entry["reactions"] += parsed.reactions
    entry["known"] = entry["known"] and parsed.replies_known


def _aggregate(batch, key, totals):
    period_end, days = key
    return SimpleNamespace(
        rollout_id=batch.rollout_id,
        batch_id=batch.pk,
        source=batch.source,
        superseded=False,
        person_key=CONCEALED_KEY,
        display_name="",
        unit_id=None,
        period_start=period_end - timedelta(days=days - 1),
        period_end=period_end,
        period_days=days,
        aggregated=True,
        people=totals["people"],
        active_people=totals["active"],
        posts=totals["posts"],
        replies=totals["replies"],
        reads=totals["reads"],
        reactions=totals["reactions"],
        replies_known=totals["known"],
        last_activity=None,
    )


COLUMNS = [
    "rollout_id",
    "batch_id",
    "source",
    "person_key",
    "display_name",
    "unit_id",
    "period_start",
    "period_end",
    "period_days",
    "aggregated",
    "people",
    "active_people",
    "posts",
    "replies",
    "reads",
    "reactions",
    "replies_known",
    "last_activity",
    "superseded",
]
KEY = ["rollout_id", "source", "person_key", "period_end", "period_days"]
UPDATED = [name for name in COLUMNS if name not in KEY]
SAME = [name for name in UPDATED if name not in ("batch_id", "superseded")]


def _upsert(batch, records, counts, fresh=False):
    """Write a chunk by its natural key: new rows inserted, changed rows updated, the same rows
    left alone (so importing the same data again writes nothing).

    One SELECT for the chunk's existing rows, then one INSERT ... ON CONFLICT DO UPDATE
    (executemany; PostgreSQL and SQLite share the syntax): at 200,000 rows the ORM's per-object
    work, not the database, would dominate the import.
    """
    by_key = {}
    for record in records:  # a person twice for the same period in one chunk: the later row counts
        by_key[(record.person_key, record.period_end, record.period_days)] = record
    existing = {}
    for row in (
        ()
        if fresh
        else ActivityRecord.objects.filter(
            rollout_id=batch.rollout_id,
            source=batch.source,
            person_key__in={key[0] for key in by_key},
            period_end__in={key[1] for key in by_key},
        ).values("person_key", "period_end", "period_days", *SAME)
    ):
        existing[(row["person_key"], row["period_end"], row["period_days"])] = row
    changed = []
    for key, record in by_key.items():
        old = existing.get(key)
        if old is None:
            counts["created"] += 1
        elif any(old[name] != getattr(record, name) for name in SAME):
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
            continue
        changed.append(record)
    if not changed:
        return
    table = ActivityRecord._meta.db_table
    connection = connections[ActivityRecord.objects.db]
    quote = connection.ops.quote_name
    fields = {field.attname: field for field in ActivityRecord._meta.concrete_fields}
    sql = (
        f"INSERT INTO {quote(table)} ({', '.join(quote(f.column) for f in (fields[n] for n in COLUMNS))}) "
        f"VALUES ({', '.join(['%s'] * len(COLUMNS))}) "
        f"ON CONFLICT ({', '.join(quote(fields[n].column) for n in KEY)}) DO UPDATE SET "
        + ", ".join(f"{quote(fields[n].column)} = EXCLUDED.{quote(fields[n].column)}" for n in UPDATED)
    )
    values = [[_db(getattr(record, name)) for name in COLUMNS] for record in changed]
    with connection.cursor() as cursor:
        cursor.executemany(sql, values)


def _db(value):
    return value.isoformat() if isinstance(value, date) else value


class Stage:
    """PostgreSQL: an import's rows go into a temporary table by COPY, then into the records in
    one INSERT ... SELECT ... ON CONFLICT. At a million rows, a statement per row (executemany)
    would take minutes; this takes seconds.

    The table lives inside the import's transaction (ON COMMIT DROP): a failed or killed import
    leaves nothing behind. Rows keep their order in the file (`seq`), so a person listed twice
    for the same period counts once, by their later row, as `_upsert` does.
    """

    TABLE = "engage_import_stage"
    FLUSH_ROWS = 50_000

    def __init__(self, batch):
        self.batch = batch
        self.connection = connections[ActivityRecord.objects.db]
        self.fields = {f.attname: f for f in ActivityRecord._meta.concrete_fields}
        self.buffer, self.pending, self.seq = io.StringIO(), 0, 0
        columns = ", ".join(
            f"{self._column(name)} {self.fields[name].db_type(self.connection)}" for name in STAGED
        )
        with self.connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.TABLE}")  # two imports in one transaction
            cursor.execute(f"CREATE TEMPORARY TABLE {self.TABLE} (seq bigint, {columns}) ON COMMIT DROP")

    def _column(self, name):
        return self.connection.ops.quote_name(self.fields[name].column)

    def add(self, rows, people):
        write = self.buffer.write
        for parsed in rows:
            self.seq += 1
            unit = unit_of(parsed, people)
            write(
                f"{self.seq},{_csv_text(parsed.person_key)},{_csv_text(parsed.display_name)},"
                f"{'' if unit is None else unit},{parsed.period_start.isoformat()},"
                f"{parsed.period_end.isoformat()},{parsed.period_days},{1 if parsed.active else 0},"
                f"{parsed.posts},{parsed.replies},{parsed.reads},{parsed.reactions},"
                f"{'t' if parsed.replies_known else 'f'},"
                f"{'' if parsed.last_activity is None else parsed.last_activity.isoformat()}\n"
            )
        self.pending += len(rows)
        if self.pending >= self.FLUSH_ROWS:
            self._flush()

    def _flush(self):
        if not self.pending:
            return
        self.buffer.seek(0)
        columns = ", ".join(["seq", *(self._column(name) for name in STAGED)])
        with self.connection.cursor() as cursor:
            cursor.cursor.copy_expert(
                f"COPY {self.TABLE} ({columns}) FROM STDIN WITH (FORMAT csv)", self.buffer
            )
        self.buffer, self.pending = io.StringIO(), 0

    def merge(self, counts, fresh):
        """Insert new rows, update changed ones, leave the same ones alone; count each kind."""
        self._flush()
        batch, q = self.batch, self._column
        table = self.connection.ops.quote_name(ActivityRecord._meta.db_table)
        constant = {
            "rollout_id": "%(rollout)s",
            "batch_id": "%(batch)s",
            "source": "%(source)s",
            "aggregated": "false",
            "people": "1",
            "superseded": "false",
        }
        selected = ", ".join(f"{constant.get(name, f's.{q(name)}')} AS {q(name)}" for name in COLUMNS)
        latest = (
            f"SELECT DISTINCT ON (s.person_key, s.period_end, s.period_days) {selected} "
            f"FROM {self.TABLE} s ORDER BY s.person_key, s.period_end, s.period_days, s.seq DESC"
        )
        params = {"rollout": batch.rollout_id, "batch": batch.pk, "source": batch.source}
        with self.connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '128MB'")  # the DISTINCT ON sorts in memory
            if not fresh:
                key = " AND ".join(f"t.{q(name)} = s.{q(name)}" for name in KEY)
                cursor.execute(
                    f"SELECT count(*) FILTER (WHERE t.id IS NULL), "
                    f"count(*) FILTER (WHERE t.id IS NOT NULL AND "
                    f"ROW({', '.join(f't.{q(n)}' for n in SAME)}) IS DISTINCT FROM "
                    f"ROW({', '.join(f's.{q(n)}' for n in SAME)})), count(*) "
                    f"FROM ({latest}) s LEFT JOIN {table} t ON {key}",
                    params,
                )
                created, updated, total = cursor.fetchone()
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(q(name) for name in COLUMNS)}) {latest} "
                f"ON CONFLICT ({', '.join(q(name) for name in KEY)}) DO UPDATE SET "
                + ", ".join(f"{q(name)} = EXCLUDED.{q(name)}" for name in UPDATED)
                + f" WHERE ROW({', '.join(f'{table}.{q(n)}' for n in SAME)}) IS DISTINCT FROM "
                f"ROW({', '.join(f'EXCLUDED.{q(n)}' for n in SAME)})",
                params,
            )
            if fresh:
                created, updated, total = cursor.rowcount, 0, cursor.rowcount
            cursor.execute(f"DROP TABLE {self.TABLE}")
            # Fresh statistics for what follows in this transaction (superseding, rollups): with
            # the table's old figures the planner takes a large import for a few rows and picks
            # nested loops that run for many minutes. ANALYZE samples, and sees this
            # transaction's own rows.
            cursor.execute(f"ANALYZE {table}")
        counts["created"] += created
        counts["updated"] += updated
        counts["unchanged"] += total - created - updated


# The staged columns: what comes from the file. The batch's own values are constants of the merge.
BATCH_CONSTANTS = {"rollout_id", "batch_id", "source", "aggregated", "people", "superseded"}
STAGED = [name for name in COLUMNS if name not in BATCH_CONSTANTS]


def _csv_text(value):
    """A text cell for COPY's CSV: always quoted, so an empty name stays '' and never NULL."""
    return '"' + value.replace('"', '""') + '"'


def supersede(rollout_id, start, end):
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
            [True, rollout_id, _db(start), _db(end)],
        )
        return cursor.rowcount
