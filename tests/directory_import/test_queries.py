"""A file's check and import cost the same number of lookups at 20 people as at 400: the
organization is read once and people are written in batches, never looked up one by one."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from rollout.directory import hr_services

from .files import csv_bytes, people, upload


def _queries(personas, count, start):
    content = csv_bytes(people(count, start=start))
    with CaptureQueriesContext(connection) as checked:
        people_import = upload(personas.org, personas.admin, content, deactivate_missing=True)
    with CaptureQueriesContext(connection) as imported:
        assert hr_services.confirm(people_import, personas.admin)
    people_import.refresh_from_db()
    assert people_import.status == "done", people_import.error
    inserts = [query for query in imported.captured_queries if query["sql"].startswith("INSERT")]
    return len(checked), len(imported) - len(inserts), len(inserts)


def test_the_check_and_the_import_cost_the_same_queries_whatever_the_rows(personas):
    _queries(personas, 5, start=0)  # the units are made once
    # Each file names everyone anew: its people are added, the previous file's deactivated. The
    # larger file has twenty times of each kind of write, in the same number of queries.
    small = _queries(personas, 20, start=100)
    large = _queries(personas, 400, start=1000)
    assert small[:2] == large[:2]
    # New users and memberships are inserted in batches: one each on PostgreSQL; SQLite's limit of
    # 999 parameters a statement cuts 400 rows into a few.
    assert large[2] <= 1 + 2 * (1 if connection.vendor == "postgresql" else 400 * 13 // 999 + 1)
