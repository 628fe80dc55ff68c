"""A scheduled pull end to end on a real Celery worker and the real broker (Redis with REDIS_URL,
else the filesystem transport): beat's sweep claims the due connection, its run goes through the
broker to the worker, which pulls the local Microsoft Graph and imports the reports."""

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from engage.connectors.graph import UsageReports
from engage.models import ImportBatch
from rollout.connections import services, tasks
from rollout.connections.models import Connection, ConnectionRun
from tests.fake_graph import CLIENT_ID, SECRET, TENANT, User
from tests.test_celery_worker import wait_for, worker_queue  # noqa: F401  (fixture)

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_scheduled_pull_runs_on_the_worker_and_imports(worker_queue, fake_graph, personas):  # noqa: F811
    fake_graph.users = [User("admin@acme.example", "Admin", posts=2, reads=5, likes=1)]
    connection = services.save_connection(
        Connection(organization=personas.org, kind=UsageReports.key, name="Microsoft 365"),
        settings={"tenant_id": TENANT, "client_id": CLIENT_ID, "period": "D7"},
        secrets={"client_secret": SECRET},
    )
    Connection.objects.filter(pk=connection.pk).update(next_run_at=timezone.now() - timedelta(minutes=1))

    def to_our_worker(pk, *args):
        # The run goes through the broker to this test's own queue (no other worker takes it).
        return tasks.run_connection.apply_async(args=[pk, *args], queue=worker_queue)

    with mock.patch.object(tasks.run_connection, "delay", side_effect=to_our_worker):
        tasks.run_due_connections.apply_async(queue=worker_queue)
        assert wait_for(
            lambda: ConnectionRun.objects.filter(connection=connection, status="succeeded").exists(),
            seconds=60,
        ), list(ConnectionRun.objects.values("status", "detail"))
    done = ImportBatch.objects.filter(rollout=personas.rollout, status=ImportBatch.Status.DONE)
    assert done.count() == 1  # the personas' rollout runs on Viva Engage only
    connection.refresh_from_db()
    assert connection.next_run_at > timezone.now()
    assert connection.last_success_at is not None
