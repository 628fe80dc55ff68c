import pytest
from django.core.management import call_command

from rollout.connections.models import Connection

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_connected_microsoft_365_with_its_history():
    call_command("seed_demo")
    call_command("seed_demo")  # idempotent: one connection, the same runs
    connection = Connection.objects.get(name="Microsoft 365 (demo tenant)")
    assert connection.organization.name == "Northwind Health"
    assert connection.kind_label == "Microsoft 365 usage reports (Microsoft Graph)"
    assert not connection.enabled  # its tenant is made up: the demo never calls Microsoft
    assert connection.secrets["client_secret"]
    assert connection.last_success_at is not None
    statuses = list(connection.runs.values_list("status", flat=True))
    assert len(statuses) == 7 and statuses.count("succeeded") == 6
