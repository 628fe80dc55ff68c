"""The engage page is served from the page cache (rollout/pagecache.py), and it lists the recent
imports with their status. A status moves by `update()`, which sends no signal; each move must
still show at once, not when the page's minute ends."""

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from engage import rollups, services

from . import files
from .conftest import upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def still_clock():
    """Within one minute of the page cache: only a new data version can refresh the page."""
    with time_machine.travel(timezone.now(), tick=False):
        yield


def status_badge(client, rollout):
    page = client.get(reverse("engage:home", args=[rollout.pk])).content.decode()
    return page.split('data-testid="import-history"')[1].split("badge import-")[1].split('"')[0].split()[0]


@pytest.fixture
def checked(personas, people):
    """(the manager's browser, a checked file): the engage page shows it ready, from the cache."""
    client = Client()
    client.force_login(personas.manager)
    rows = [files.viva_row(f"seller{i}@acme.example", "S", 1, 2, 0) for i in range(6)]
    batch = upload(personas.rollout, files.viva_file(rows), personas.manager)
    assert status_badge(client, personas.rollout) == "ready"
    assert status_badge(client, personas.rollout) == "ready"  # the page, now cached
    assert status_badge(client, personas.rollout) == "ready"  # from the cache
    return client, batch


def test_each_status_of_an_import_shows_at_once(personas, checked, monkeypatch):
    client, batch = checked
    assert services.confirm(batch, personas.manager, enqueue=False)
    assert status_badge(client, personas.rollout) == "queued"
    seen = []

    def rebuild(*args):  # the import's last step, before it is marked done
        seen.append(status_badge(client, personas.rollout))
        rebuilt(*args)  # makes a new data version of its own: the page is cached again, running
        seen.append(status_badge(client, personas.rollout))

    rebuilt = rollups.rebuild
    monkeypatch.setattr(rollups, "rebuild", rebuild)
    services.run_import(batch.pk)
    assert seen == ["running", "running"]
    assert status_badge(client, personas.rollout) == "done"


def test_a_failed_import_shows_at_once(personas, checked, monkeypatch):
    client, batch = checked
    assert services.confirm(batch, personas.manager, enqueue=False)

    def rebuild(*args):
        status_badge(client, personas.rollout)  # cached as "running"
        raise RuntimeError("the rollups could not be rebuilt")

    monkeypatch.setattr(rollups, "rebuild", rebuild)
    assert services.run_import(batch.pk) == "failed"
    assert status_badge(client, personas.rollout) == "failed"


def test_a_cancelled_import_shows_at_once(personas, checked):
    client, batch = checked
    assert services.cancel(batch)
    assert status_badge(client, personas.rollout) == "cancelled"
