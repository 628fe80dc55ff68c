"""The tenant's users as the directory (rollout/directory/graph_users.py), against a local Graph
(tests/fake_graph.py): one delta round a run, applied whole or not at all."""

import pytest

from rollout.connections import services
from rollout.connections.models import Connection, ConnectionRun
from rollout.directory.graph_users import GraphUsers
from rollout.models import Membership, Unit, User
from tests.fake_graph import CLIENT_ID, SECRET, TENANT, DirectoryUser

pytestmark = pytest.mark.django_db


@pytest.fixture
def tenant(fake_graph):
    """Acme's tenant: a head of nursing, two nurses who report to her, one on a disabled account."""
    for user in (
        DirectoryUser(
            "u-2", "nurse.a@acme.example", "Nurse A", department="Nursing", office="North", manager="u-1"
        ),
        DirectoryUser(
            "u-3", "nurse.b@acme.example", "Nurse B", department="Nursing", office="South", manager="u-1"
        ),
        DirectoryUser("u-1", "head@acme.example", "Head of Nursing", department="Nursing", office="North"),
        DirectoryUser("u-4", "gone@acme.example", "Left Already", department="Nursing", enabled=False),
        DirectoryUser("u-5", None, "Guest", upn="guest_other.example#EXT#@acme.onmicrosoft.com"),
    ):
        fake_graph.put_user(user)
    return fake_graph


def connect(personas, **settings):
    connection = Connection(organization=personas.org, kind=GraphUsers.key, name="Entra ID")
    return services.save_connection(
        connection,
        settings={"tenant_id": TENANT, "client_id": CLIENT_ID, **settings},
        secrets={"client_secret": SECRET},
    )


def member(email):
    return Membership.all_objects.select_related("unit", "location", "manager").get(user__email=email)


def last_run():
    return ConnectionRun.objects.order_by("-pk").first()


def test_the_first_round_adds_people_and_makes_their_units(tenant, personas):
    outcome = services.run(connect(personas).pk)

    assert outcome.status == "succeeded", last_run().detail
    nurse = member("nurse.a@acme.example")
    assert (nurse.unit.name, nurse.unit.kind) == ("Nursing", Unit.Kind.DEPARTMENT)
    assert (nurse.location.name, nurse.location.kind) == ("North", Unit.Kind.LOCATION)
    assert nurse.manager == User.objects.get(email="head@acme.example")
    assert (nurse.external_id, nurse.source, nurse.user.full_name) == ("u-2", "graph", "Nurse A")
    assert not member("gone@acme.example").is_active
    assert not User.objects.filter(email__icontains="ext").exists()  # a guest without an address
    nursing = Unit.objects.get(name="Nursing")
    assert nursing.headcount == 3  # the active people of the unit
    assert Unit.objects.get(name="North").headcount == 2
    run = last_run()
    assert run.rows_pulled == 5
    assert "3 added" in run.detail and "1 deactivated" in run.detail and "1 user without" in run.detail
    # Paged (two a page), and the round's last page left its deltaLink as the cursor.
    pages = tenant.requested("users")
    assert len(pages) == 3 and pages[0][1]["$expand"] == "manager($select=id,mail)"
    assert "$deltatoken=" in run.cursor["delta_link"]


def test_the_next_round_brings_only_the_changes(tenant, personas):
    connection = connect(personas)
    services.run(connection.pk)
    tenant.put_user(
        DirectoryUser(
            "u-2", "nurse.a@acme.example", "Nurse A", department="Surgery", office="North", manager="u-1"
        )
    )
    tenant.put_user(
        DirectoryUser(
            "u-3", "nurse.b@acme.example", "Nurse B", department="Nursing", office="South", enabled=False
        )
    )
    tenant.put_user(
        DirectoryUser("u-6", "new@acme.example", "New Nurse", department="Nursing", manager="u-1")
    )
    tenant.remove_user("u-1")

    assert services.run(connection.pk).status == "succeeded", last_run().detail

    first_request = tenant.requested("users")[3]
    assert list(first_request[1]) == ["$deltatoken"]  # from the deltaLink, nothing re-read
    assert last_run().rows_pulled == 4
    assert member("nurse.a@acme.example").unit.name == "Surgery"
    assert not member("nurse.b@acme.example").is_active
    assert not member("head@acme.example").is_active  # @removed
    assert member("new@acme.example").manager.email == "head@acme.example"
    assert Unit.objects.get(name="Surgery").headcount == 1
    assert Unit.objects.get(name="Nursing").headcount == 1  # the new nurse
    assert "1 added" in last_run().detail and "1 moved" in last_run().detail
    assert "2 deactivated" in last_run().detail


def test_a_failure_half_way_applies_nothing_and_the_retry_starts_from_the_same_place(tenant, personas):
    connection = connect(personas)
    services.run(connection.pk)
    link = last_run().cursor["delta_link"]
    for n in range(5):
        tenant.put_user(DirectoryUser(f"n-{n}", f"new{n}@acme.example", f"New {n}", department="Pharmacy"))
    tenant.fault(
        "users", at=5, status=503, body={"error": {"code": "serviceNotAvailable", "message": "Busy."}}
    )

    outcome = services.run(connection.pk, attempt=0)

    assert outcome.status == "failed"
    assert "Microsoft Graph is unavailable (503 serviceNotAvailable" in last_run().detail
    assert not Unit.objects.filter(name="Pharmacy").exists()
    assert not User.objects.filter(email__startswith="new").exists()
    assert last_run().cursor == {"delta_link": link}

    assert services.run(connection.pk, trigger="retry", attempt=1).status == "succeeded"
    assert tenant.requested("users")[5][1] == {"$deltatoken": link.rsplit("=", 1)[1]}
    assert Unit.objects.get(name="Pharmacy").headcount == 5
    assert last_run().cursor["delta_link"] != link


def test_a_failure_in_the_first_round_applies_nothing(tenant, personas):
    tenant.fault(
        "users", at=2, status=429, headers={"Retry-After": "9"}, body={"error": {"code": "TooManyRequests"}}
    )
    outcome = services.run(connect(personas).pk)
    assert (outcome.status, outcome.retry_in) == ("throttled", 9)
    assert not Membership.all_objects.filter(source="graph").exists()
    assert last_run().cursor == {}


def test_an_address_changed_in_entra_id_moves_the_directory_id(tenant, personas):
    connection = connect(personas)
    services.run(connection.pk)
    tenant.put_user(DirectoryUser("u-3", "nurse.b.married@acme.example", "Nurse B", department="Nursing"))
    assert services.run(connection.pk).status == "succeeded", last_run().detail
    assert member("nurse.b.married@acme.example").external_id == "u-3"
    old = member("nurse.b@acme.example")
    assert (old.external_id, old.is_active) == ("", False)


def test_the_test_says_it_worked(tenant, personas):
    worked, message = services.test_connection(connect(personas))
    assert worked, message
    assert "may read the directory's users (User.Read.All)" in message


def test_a_missing_permission_is_named(tenant, personas):
    tenant.permissions = {"Reports.Read.All"}
    worked, message = services.test_connection(connect(personas))
    assert not worked
    assert "403 Authorization_RequestDenied" in message and "User.Read.All" in message


def test_a_manager_who_comes_later_in_the_round_is_still_set(tenant, personas):
    tenant.put_user(
        DirectoryUser("u-1", "head@acme.example", "Head of Nursing", department="Nursing", manager="u-0")
    )
    tenant.put_user(DirectoryUser("u-0", "director@acme.example", "Director", department="Board"))
    tenant.directory["u-0"] = tenant.directory.pop("u-0")  # listed last
    assert services.run(connect(personas).pk).status == "succeeded", last_run().detail
    assert member("head@acme.example").manager.email == "director@acme.example"
    assert "4 added" in last_run().detail  # the second pass changes no outcome
