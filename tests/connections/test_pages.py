"""Settings → Connections: the pages an admin uses, and what they never show."""

from unittest import mock

import pytest
from django.db import connection as db
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rollout.connections import tasks
from rollout.connections.models import Connection, ConnectionRun
from rollout.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, personas):
    client.force_login(personas.admin)
    return client


def test_the_settings_navigation_links_to_connections(admin_client):
    page = admin_client.get(reverse("rollout:settings")).content.decode()
    assert reverse("connections:list") in page


def test_an_admin_adds_a_connection_and_its_secret_is_stored_encrypted(admin_client, personas, scripted):
    response = admin_client.post(
        reverse("connections:create", args=["scripted"]),
        {
            "name": "Our service",
            "schedule_hour": "7",
            "enabled": "on",
            "setting_region": "us",
            "secret_api_key": "sk-very-secret-1234",
            "secret_account": "acme",
        },
    )
    row = Connection.objects.get()
    assert response.status_code == 302 and response.url == reverse("connections:edit", args=[row.pk])
    assert row.secrets == {"api_key": "sk-very-secret-1234", "account": "acme"}
    assert row.settings == {"region": "us"}
    assert (row.schedule_hour, row.created_by) == (7, personas.admin)
    with db.cursor() as cursor:
        cursor.execute("SELECT credentials FROM connections_connection WHERE id = %s", [row.pk])
        stored = cursor.fetchone()[0]
    assert "sk-very-secret-1234" not in stored and "acme" not in stored
    assert AuditEvent.objects.filter(summary__contains="Our service").exists()


def test_credentials_are_never_rendered_back(admin_client, connection):
    page = admin_client.get(reverse("connections:edit", args=[connection.pk])).content.decode()
    assert "good-key" not in page
    assert "Leave empty to keep it" in page
    assert 'name="secret_api_key"' in page


def test_an_edit_without_the_secret_keeps_it(admin_client, connection):
    admin_client.post(
        reverse("connections:edit", args=[connection.pk]),
        {
            "name": "Renamed",
            "schedule_hour": "8",
            "enabled": "on",
            "setting_region": "eu",
            "secret_api_key": "",
        },
    )
    connection.refresh_from_db()
    assert connection.name == "Renamed"
    assert connection.secrets["api_key"] == "good-key"


def test_the_test_button_shows_the_precise_message(admin_client, connection):
    response = admin_client.post(reverse("connections:test", args=[connection.pk]), follow=True)
    assert "Connected as acme" in response.content.decode()
    connection.secrets = {"api_key": "bad"}
    connection.save()
    response = admin_client.post(reverse("connections:test", args=[connection.pk]), follow=True)
    assert "The API key was refused." in response.content.decode()


def test_run_now_sends_a_run(admin_client, connection, django_capture_on_commit_callbacks):
    with (
        mock.patch.object(tasks.run_connection, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = admin_client.post(reverse("connections:run", args=[connection.pk]))
    assert response.url == reverse("connections:runs", args=[connection.pk])
    delay.assert_called_once_with(connection.pk, "manual")


def test_disable_enable_and_delete(admin_client, connection):
    admin_client.post(reverse("connections:enabled", args=[connection.pk]))
    connection.refresh_from_db()
    assert not connection.enabled
    admin_client.post(reverse("connections:enabled", args=[connection.pk]))
    connection.refresh_from_db()
    assert connection.enabled and connection.next_run_at is not None
    admin_client.post(reverse("connections:delete", args=[connection.pk]))
    assert not Connection.objects.exists()


def test_the_list_shows_last_and_next_run_rows_and_error(admin_client, connection):
    ConnectionRun.objects.create(connection=connection, status="failed", rows_pulled=0, detail="x")
    ConnectionRun.objects.create(connection=connection, status="succeeded", rows_pulled=1234)
    Connection.objects.filter(pk=connection.pk).update(last_error="The API key was refused.")
    page = admin_client.get(reverse("connections:list")).content.decode()
    assert "Scripted" in page and "1234" in page and "The API key was refused." in page


def test_the_list_costs_the_same_queries_however_many_connections(admin_client, personas, scripted):
    def queries():
        with CaptureQueriesContext(db) as captured:
            assert admin_client.get(reverse("connections:list")).status_code == 200
        return len(captured)

    def add(n):
        for index in range(n):
            row = Connection.objects.create(organization=personas.org, kind="scripted", name=f"c{index}")
            ConnectionRun.objects.create(connection=row, status="succeeded", rows_pulled=index)

    add(2)
    few = queries()
    add(10)
    assert queries() == few


def test_the_run_history_lists_every_run(admin_client, connection):
    for status in ("succeeded", "failed", "throttled"):
        ConnectionRun.objects.create(connection=connection, status=status, detail=f"detail {status}")
    page = admin_client.get(reverse("connections:runs", args=[connection.pk])).content.decode()
    for status in ("succeeded", "failed", "throttled"):
        assert f"detail {status}" in page


def test_another_organizations_connection_is_not_found(client, personas, scripted):
    theirs = Connection.objects.create(organization=personas.other_org, kind="scripted", name="theirs")
    client.force_login(personas.admin)
    assert client.get(reverse("connections:edit", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("connections:delete", args=[theirs.pk])).status_code == 404
