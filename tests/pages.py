"""Measuring a page's queries the way people meet it, and the worker that keeps figures current."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from rollout import data_versions
from rollout.tasks import recompute_out_of_date


def query_counts(client, url):
    """(queries of the page right after someone else's write, queries of the same page opened again).

    After a write the rollouts' stored figures are out of date (the page shows them, with their
    time) and every value cached under the data version is computed again.
    """
    assert client.get(url).status_code == 200
    data_versions.new_data_version()
    with CaptureQueriesContext(connection) as after_write:
        assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as again:
        assert client.get(url).status_code == 200
    return len(after_write), len(again)


def worker_catches_up():
    """What the worker has done a moment after a write: every figure out of date recomputed
    (tasks.recompute_figures for each write; here the sweep, which does the same for all)."""
    return recompute_out_of_date()
