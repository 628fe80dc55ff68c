"""Measuring a page's queries the way people meet it."""

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rollout import portfolio


def query_counts(client, url):
    """(queries of the page rendered after a write, queries of the same page opened again).

    The client first opens the page once, as a browser has its CSRF cookie after its first page:
    a page is kept whole in the cache only for a browser with one (rollout/pagecache.py). The clock
    stands still meanwhile: a page is kept for its minute, and the next minute renders it again.
    """
    with time_machine.travel(timezone.now(), tick=False):
        assert client.get(url).status_code == 200
        portfolio.new_data_version()
        with CaptureQueriesContext(connection) as cold:
            assert client.get(url).status_code == 200
        with CaptureQueriesContext(connection) as warm:
            assert client.get(url).status_code == 200
    return len(cold), len(warm)
