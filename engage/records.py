"""Activity records by their natural key (rollout, source, person, period): the columns an import
writes, in its order, and writing a chunk of them, new rows inserted, changed rows updated and the
same rows left alone. The checked rows' stage (engage/staging.py) writes the same columns by SQL."""

from datetime import date, timedelta
from types import SimpleNamespace

from django.db import connections

from .models import CONCEALED_KEY, ActivityRecord


def add_concealed(totals, parsed):
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


def aggregate(batch, key, totals):
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
        member=False,
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
    "member",
]
KEY = ["rollout_id", "source", "person_key", "period_end", "period_days"]
UPDATED = [name for name in COLUMNS if name not in KEY]
SAME = [name for name in UPDATED if name not in ("batch_id", "superseded")]


def upsert(batch, records, counts, fresh=False):
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
    values = [[db_value(getattr(record, name)) for name in COLUMNS] for record in changed]
    with connection.cursor() as cursor:
        cursor.executemany(sql, values)


def db_value(value):
    return value.isoformat() if isinstance(value, date) else value
