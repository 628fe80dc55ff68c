"""The checked rows of an import, kept on PostgreSQL until the import reads them (`Stage`), and
the sweep that drops what no import will read (`drop_stale_stages`). See docs/steps/engage.md,
"The import, step by step"."""

import io
import logging
import time
from datetime import timedelta

from django.db import DatabaseError, connections, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from .models import ActivityRecord, ImportBatch, Source
from .records import COLUMNS, KEY, SAME, UPDATED, aggregate, upsert

log = logging.getLogger(__name__)


class FileChanged(Exception):
    """The stored file, or what it names, changed after the check: nothing is imported."""


def uses_stage():
    """The checked rows are kept in a stage on PostgreSQL; SQLite reads the file again."""
    return connections[ActivityRecord.objects.db].vendor == "postgresql"


class _Feed:
    """A file for COPY FROM STDIN whose `read` parses the next rows: the database stores each
    chunk while the next one is parsed, instead of after the whole file."""

    def __init__(self, texts):
        self.texts = texts

    def read(self, size=-1):
        return next(self.texts, "")

    readline = read


class Stage:
    """PostgreSQL: the rows a check found valid, kept until the import reads them.

    One table per batch, `engage_stage_<batch id>`, hash-partitioned by person into parts of a
    few hundred kilobytes of the file (at most 16), each part UNLOGGED (no WAL for rows that live
    an hour). The check streams its rows in with one COPY as it parses them; the import merges
    them part by part, so a person's rows for a period are always in one part (the later row
    wins, as in the file) and the progress moves part by part. Rows keep their order in the file
    (`seq`).

    The check creates it in the transaction that marks the batch READY; the import drops it in
    its own transaction (a killed import leaves it for the takeover); a cancelled, invalid or
    failed batch's stage is dropped at once, and `drop_stale_stages` (the resume sweep) drops
    what is left: stages of batches gone, done, failed or cancelled, and of batches checked more
    than STAGE_KEPT ago and never confirmed (their import, if it comes, reads the file again).
    Units are not staged but looked up when the import runs, as before.
    """

    PREFIX = "engage_stage_"
    PART_BYTES = 512 * 1024
    MAX_PARTS = 16
    COLUMNS = (
        "seq bigint, person_key text, display_name text, unit_name text, period_end date, "
        "period_days smallint, active boolean, posts integer, replies integer, reads integer, "
        "reactions integer, replies_known boolean, last_activity date, concealed boolean"
    )

    def __init__(self, batch_id):
        self.name = f"{self.PREFIX}{int(batch_id)}"
        self.connection = connections[ActivityRecord.objects.db]

    @classmethod
    def parts_for(cls, size):
        return max(1, min(cls.MAX_PARTS, size // cls.PART_BYTES))

    def exists(self):
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [self.name])
            return cursor.fetchone()[0]

    def holds(self, rows):
        """Whether the stage exists and holds all `rows` rows of the checked file. PostgreSQL
        empties unlogged tables after a crash and never copies them to a standby: after either,
        a stage is there but empty, and importing from it would import nothing."""
        if not self.exists():
            return False
        with self.connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {self.name}")
            return cursor.fetchone()[0] == rows

    def create(self, parts):
        with self.connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.name}")  # a killed check's, or a re-check's
            cursor.execute(f"CREATE TABLE {self.name} ({self.COLUMNS}) PARTITION BY HASH (person_key)")
            for part in range(parts):
                cursor.execute(
                    f"CREATE UNLOGGED TABLE {self.name}_{part} PARTITION OF {self.name} "
                    f"FOR VALUES WITH (MODULUS {parts}, REMAINDER {part})"
                )

    def drop(self):
        with self.connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.name}")

    def parts(self):
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = %s::regclass "
                "ORDER BY inhrelid",
                [self.name],
            )
            return [name for (name,) in cursor.fetchall()]

    def fill(self, chunks, found):
        """COPY the parsed rows in as `chunks` yields them, until the file ends or has a problem
        (then the rest of `chunks` is left to the caller)."""

        def texts():
            seq = 0
            for chunk in chunks:
                yield _stage_text(chunk, seq)
                seq += len(chunk)
                if found.problems:
                    return

        with self.connection.cursor() as cursor:
            cursor.cursor.copy_expert(f"COPY {self.name} FROM STDIN WITH (FORMAT csv)", _Feed(texts()))

    def merge(self, batch, people, counts, fresh, progress):
        """Insert the new rows, update the changed ones, leave the same ones alone, counting each
        kind; the concealed rows become per-period totals. Then drop the stage. Returns (rows,
        concealed rows)."""
        q = self.connection.ops.quote_name
        table = q(ActivityRecord._meta.db_table)
        params = {"rollout": batch.rollout_id, "batch": batch.pk, "source": batch.source}
        parts = self.parts()
        started = time.perf_counter()
        with self.connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '128MB'")  # each part's DISTINCT ON sorts in memory
            _people_tables(cursor, people)
            if batch.source == Source.GENERIC and _unknown_units(cursor, self.name):
                raise FileChanged(
                    gettext("the file no longer passes the check (a unit is gone); nothing was imported")
                )
            for number, part in enumerate(parts, start=1):
                latest = _latest(part)
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
                insert = f"INSERT INTO {table} ({', '.join(q(name) for name in COLUMNS)}) {latest}"
                if not fresh:  # (fresh: nothing to conflict with; ON CONFLICT would cost a fifth more)
                    insert += (
                        f" ON CONFLICT ({', '.join(q(name) for name in KEY)}) DO UPDATE SET "
                        + ", ".join(f"{q(name)} = EXCLUDED.{q(name)}" for name in UPDATED)
                        + f" WHERE ROW({', '.join(f'{table}.{q(n)}' for n in SAME)}) IS DISTINCT FROM "
                        f"ROW({', '.join(f'EXCLUDED.{q(n)}' for n in SAME)})"
                    )
                cursor.execute(insert, params)
                if fresh:
                    created, updated, total = cursor.rowcount, 0, cursor.rowcount
                counts["created"] += created
                counts["updated"] += updated
                counts["unchanged"] += total - created - updated
                progress(batch.rows_total * number // len(parts))
            log.debug("Activity import %s: merged in %.2f s", batch.pk, time.perf_counter() - started)
            concealed, totals = 0, []
            if batch.concealed:
                cursor.execute(
                    "SELECT period_end, period_days, count(*), count(*) FILTER (WHERE active), "
                    "sum(posts), sum(replies), sum(reads), sum(reactions), bool_and(replies_known) "
                    f"FROM {self.name} WHERE concealed GROUP BY period_end, period_days"
                )
                for end, days, *figures in cursor.fetchall():
                    totals.append(aggregate(batch, (end, days), dict(zip(AGGREGATED, figures, strict=True))))
                    concealed += figures[0]
            cursor.execute(f"DROP TABLE {self.name}")
            # Fresh statistics for what follows in this transaction (superseding, rollups): with
            # the table's old figures the planner takes a large import for a few rows and picks
            # nested loops that run for many minutes. ANALYZE samples, and sees this
            # transaction's own rows.
            started = time.perf_counter()
            cursor.execute(f"ANALYZE {table}")
            log.debug("Activity import %s: analyzed in %.2f s", batch.pk, time.perf_counter() - started)
        if totals:
            upsert(batch, totals, counts)
        return batch.rows_total, concealed


AGGREGATED = ["people", "active", "posts", "replies", "reads", "reactions", "known"]


def _latest(part):
    """A part's rows as records: one per person and period (their last in the file), with the
    batch's constants and the person's unit (by the unit column's name, else by email)."""
    expressions = {
        "rollout_id": "%(rollout)s",
        "batch_id": "%(batch)s",
        "source": "%(source)s",
        "unit_id": "CASE WHEN s.unit_name <> '' THEN n.unit ELSE e.unit END",
        "period_start": "s.period_end - (s.period_days - 1)",
        "aggregated": "false",
        "people": "1",
        "active_people": "s.active::integer",
        "superseded": "false",
        "member": "e.email IS NOT NULL",
    }
    selected = ", ".join(f"{expressions.get(name, f's.{name}')} AS {name}" for name in COLUMNS)
    return (
        f"SELECT DISTINCT ON (s.person_key, s.period_end, s.period_days) {selected} FROM {part} s "
        "LEFT JOIN engage_import_people e ON e.email = s.person_key "
        "LEFT JOIN engage_import_units n ON n.name = lower(s.unit_name) "
        "WHERE NOT s.concealed ORDER BY s.person_key, s.period_end, s.period_days, s.seq DESC"
    )


def _people_tables(cursor, people):
    """The organization's email-to-unit and unit-name-to-unit maps as temporary tables of this
    transaction, for the merge to join (the people as the import finds them, not the check)."""
    for table, key, pairs in (
        ("engage_import_people", "email", people.units_by_email.items()),
        ("engage_import_units", "name", people.units_by_name.items()),
    ):
        cursor.execute(f"DROP TABLE IF EXISTS {table}")  # two imports in one transaction
        cursor.execute(f"CREATE TEMPORARY TABLE {table} ({key} text, unit bigint) ON COMMIT DROP")
        text = "".join(f"{_csv_text(name)},{'' if unit is None else unit}\n" for name, unit in pairs)
        cursor.cursor.copy_expert(f"COPY {table} FROM STDIN WITH (FORMAT csv)", io.StringIO(text))
        cursor.execute(f"ANALYZE {table}")


def _unknown_units(cursor, stage):
    """Whether a staged row names a unit the organization no longer has (the check refuses such
    a row; reading the file again at import did too)."""
    cursor.execute(
        f"SELECT EXISTS (SELECT 1 FROM {stage} s WHERE s.unit_name <> '' AND NOT EXISTS "
        "(SELECT 1 FROM engage_import_units n WHERE n.name = lower(s.unit_name)))"
    )
    return cursor.fetchone()[0]


def _stage_text(chunk, seq):
    """A chunk of parsed rows as COPY's CSV, in `Stage.COLUMNS` order."""
    lines = []
    append = lines.append
    for parsed in chunk:
        seq += 1
        last = parsed.last_activity
        append(
            f'{seq},"{parsed.person_key.replace(QUOTE, QUOTES)}",'
            f'"{parsed.display_name.replace(QUOTE, QUOTES)}","{parsed.unit_name.replace(QUOTE, QUOTES)}",'
            f"{parsed.period_end},{parsed.period_days},{'t' if parsed.active else 'f'},{parsed.posts},"
            f"{parsed.replies},{parsed.reads},{parsed.reactions},{'t' if parsed.replies_known else 'f'},"
            f"{'' if last is None else last},{'t' if parsed.concealed else 'f'}\n"
        )
    return "".join(lines)


QUOTE, QUOTES = '"', '""'


def _csv_text(value):
    """A text cell for COPY's CSV: always quoted, so an empty name stays '' and never NULL."""
    return '"' + value.replace('"', '""') + '"'


def drop_quietly(stage):
    try:
        stage.drop()
    except DatabaseError:
        log.warning("Could not drop %s; the resume sweep will", stage.name, exc_info=True)


STAGE_KEPT = timedelta(hours=24)


def drop_stale_stages(now=None):
    """Drop the stages no import will read (see `Stage`). Returns how many were dropped.

    A READY batch's stage expires under the batch's row lock, so a confirmation at the same
    moment either finds the stage whole or reads the file.
    """
    if not uses_stage():
        return 0
    now = now or timezone.now()
    connection = connections[ActivityRecord.objects.db]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relkind = 'p' AND relname LIKE %s "
            "AND relnamespace = current_schema()::regnamespace",
            [Stage.PREFIX.replace("_", r"\_") + "%"],
        )
        staged = {}
        for (name,) in cursor.fetchall():
            suffix = name[len(Stage.PREFIX) :]
            if suffix.isdigit():
                staged[int(suffix)] = name
    if not staged:
        return 0
    status = dict(ImportBatch.objects.filter(pk__in=staged).values_list("pk", "status"))
    waiting = (ImportBatch.Status.QUEUED, ImportBatch.Status.RUNNING)
    dropped = 0
    for pk in staged:
        if status.get(pk) in waiting:
            continue
        try:
            with transaction.atomic():
                if status.get(pk) == ImportBatch.Status.READY:
                    expired = ImportBatch.objects.select_for_update(skip_locked=True).filter(
                        Q(checked_at__isnull=True) | Q(checked_at__lte=now - STAGE_KEPT),
                        pk=pk,
                        status=ImportBatch.Status.READY,
                    )
                    if not expired.exists():
                        continue
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '5s'")
                Stage(pk).drop()
                dropped += 1
        except DatabaseError:
            log.warning("Could not drop the stage of import %s; next sweep", pk, exc_info=True)
    return dropped
