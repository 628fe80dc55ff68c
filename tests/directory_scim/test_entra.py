"""Replays of the requests Entra ID's provisioning service sends, and what they do to Rollout's
people, units, headcounts and audit trail."""

import pytest
from django.urls import reverse

from rollout.directory.models import ScimGroup, ScimPerson
from rollout.models import AuditEvent, Membership, Role, Unit, User

from .conftest import ENTERPRISE, GROUP, entra_user

DEPARTMENT = f"{ENTERPRISE}:department"
MANAGER = f"{ENTERPRISE}:manager"


def create(scim, email, **kwargs):
    response = scim.post("Users", entra_user(email, **kwargs))
    assert response.status_code == 201, response.json_body
    return response.json_body["id"]


def membership(pk):
    return Membership.all_objects.select_related("user", "unit", "manager").get(pk=pk)


def audit_summaries(personas):
    return list(AuditEvent.objects.filter(organization=personas.org).values_list("action", "summary"))


def test_entra_creates_a_user_it_did_not_find(scim, personas):
    found = scim.get("Users", {"filter": 'userName eq "jane.doe@acme.example"'})
    assert found.status_code == 200
    assert found.json_body["totalResults"] == 0

    pk = create(scim, "jane.doe@acme.example", department="Nursing")

    jane = membership(pk)
    assert (jane.user.email, jane.user.full_name, jane.role) == (
        "jane.doe@acme.example",
        "Jane Doe",
        Role.MEMBER,
    )
    assert (jane.source, jane.external_id, jane.is_active) == (Membership.Source.SCIM, "jane.doe", True)
    assert (jane.unit.name, jane.unit.kind) == ("Nursing", Unit.Kind.DEPARTMENT)
    assert jane.unit.headcount_source == Unit.HeadcountSource.DIRECTORY
    assert jane.unit.headcount == 1
    assert (
        AuditEvent.Action.MEMBER_CHANGED,
        "jane.doe@acme.example added by the directory (by SCIM token “Entra ID”)",
    ) in audit_summaries(personas)
    event = AuditEvent.objects.get(target_id=str(pk), target_type="rollout.membership")
    assert event.actor is None

    found = scim.get("Users", {"filter": 'userName eq "Jane.Doe@acme.example"'})
    assert [user["id"] for user in found.json_body["Resources"]] == [pk]
    by_external_id = scim.get("Users", {"filter": 'externalId eq "jane.doe"'})
    assert [user["id"] for user in by_external_id.json_body["Resources"]] == [pk]


def test_a_second_create_of_the_same_user_is_a_conflict(scim):
    create(scim, "jane@acme.example")
    again = scim.post("Users", entra_user("jane@acme.example", external_id="other"))
    assert again.status_code == 409
    assert again.json_body["scimType"] == "uniqueness"


def test_create_takes_over_a_member_invited_in_rollout_and_keeps_their_role(scim, personas):
    pk = create(scim, "manager@acme.example", given="Morgan", family="Manager")
    assert int(pk) == personas.org.memberships.get(user=personas.manager).pk
    assert membership(pk).role == Role.MANAGER


def test_patch_replace_active_false_as_entra_sends_it_deactivates_and_keeps_history(scim, personas):
    pk = create(scim, "jane@acme.example", department="Nursing")

    response = scim.patch(f"Users/{pk}", {"op": "Replace", "path": "active", "value": "False"})

    assert response.status_code == 200
    assert response.json_body["active"] is False
    jane = membership(pk)
    assert jane.is_active is False and jane.deactivated_at is not None
    assert not jane.user.is_active  # no active membership left anywhere
    assert jane.unit.headcount == 0
    assert not Membership.objects.filter(pk=pk).exists()  # gone for every page and figure
    assert (
        AuditEvent.Action.MEMBER_REMOVED,
        "jane@acme.example deactivated by the directory (by SCIM token “Entra ID”)",
    ) in audit_summaries(personas)
    # Entra reads it back, still there, inactive.
    assert scim.get(f"Users/{pk}").json_body["active"] is False

    back = scim.patch(f"Users/{pk}", {"op": "Replace", "path": "active", "value": "True"})
    assert back.json_body["active"] is True
    assert membership(pk).is_active and membership(pk).unit.headcount == 1


def test_deactivating_a_person_signs_them_out_at_once(scim, client, personas):
    pk = create(scim, "member@acme.example")  # Max Member, signed in below
    browser = type(client)()
    browser.force_login(personas.member)
    assert browser.get(reverse("home")).status_code == 200

    scim.patch(f"Users/{pk}", {"op": "Replace", "path": "active", "value": "False"})

    response = browser.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_delete_deactivates_keeps_the_rows_and_answers_404_until_created_again(scim, personas):
    pk = create(scim, "jane@acme.example", department="Nursing")

    assert scim.delete(f"Users/{pk}").status_code == 204

    jane = membership(pk)
    assert not jane.is_active and ScimPerson.objects.get(pk=pk).deleted_at is not None
    assert scim.get(f"Users/{pk}").status_code == 404
    assert scim.get("Users", {"filter": 'userName eq "jane@acme.example"'}).json_body["totalResults"] == 0
    assert scim.patch(f"Users/{pk}", {"op": "Replace", "path": "active", "value": "True"}).status_code == 404
    assert (
        AuditEvent.Action.MEMBER_REMOVED,
        "jane@acme.example deleted by the directory (by SCIM token “Entra ID”)",
    ) in audit_summaries(personas)

    again = create(scim, "jane@acme.example", department="Nursing")
    assert again == pk  # the same membership, reactivated, its history kept
    assert membership(pk).is_active and membership(pk).unit.headcount == 1


def test_patch_of_name_email_department_and_manager_as_entra_sends_them(scim, personas):
    boss = create(scim, "boss@acme.example", given="Bea", family="Boss")
    pk = create(scim, "jane@acme.example", department="Nursing")

    response = scim.patch(
        f"Users/{pk}",
        {"op": "Replace", "path": "name.givenName", "value": "Janet"},
        {"op": "Replace", "path": "displayName", "value": "Janet Doe"},
        {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "janet@acme.example"},
        {"op": "Replace", "path": DEPARTMENT, "value": "Cardiology"},
        {"op": "Add", "path": MANAGER, "value": boss},
    )

    assert response.status_code == 200, response.json_body
    body = response.json_body
    assert body["name"]["givenName"] == "Janet"
    assert body["emails"] == [{"value": "janet@acme.example", "type": "work", "primary": True}]
    assert body[ENTERPRISE] == {
        "department": "Cardiology",
        "manager": {"value": boss, "$ref": f"http://127.0.0.1:8000/scim/v2/Users/{boss}"},
    }
    jane = membership(pk)
    assert jane.user.full_name == "Janet Doe"
    assert jane.user.email == "jane@acme.example"  # the userName stays Rollout's email
    assert jane.unit.name == "Cardiology" and jane.manager.email == "boss@acme.example"
    nursing = Unit.objects.get(organization=personas.org, name="Nursing")
    assert (nursing.headcount, jane.unit.headcount) == (0, 1)

    cleared = scim.patch(
        f"Users/{pk}", {"op": "Remove", "path": MANAGER}, {"op": "Remove", "path": DEPARTMENT}
    )
    assert ENTERPRISE not in cleared.json_body
    jane = membership(pk)
    assert jane.unit is None and jane.manager is None


def test_a_manager_of_another_organization_is_refused(scim, personas, client):
    from rollout.directory.scim_auth import create_token

    from .conftest import ScimClient

    other = ScimClient(type(client)(), create_token(personas.other_org, "Okta", None)[1])
    stranger = other.post("Users", entra_user("stranger@globex.example")).json_body["id"]
    pk = create(scim, "jane@acme.example")

    response = scim.patch(f"Users/{pk}", {"op": "Add", "path": MANAGER, "value": stranger})

    assert response.status_code == 400
    assert membership(pk).manager is None


def test_okta_style_replace_without_a_path(scim):
    pk = create(scim, "jane@acme.example")
    response = scim.patch(
        f"Users/{pk}",
        {"op": "replace", "value": {"active": False, "name.familyName": "Roe", "title": "Nurse"}},
    )
    assert response.status_code == 200
    assert response.json_body["active"] is False
    assert response.json_body["name"]["familyName"] == "Roe"


def test_entra_group_create_and_member_add_and_remove(scim, personas):
    jane = create(scim, "jane@acme.example", department="Nursing")
    joe = create(scim, "joe@acme.example")
    assert (
        scim.get(
            "Groups", {"filter": 'displayName eq "Pharmacy"', "excludedAttributes": "members"}
        ).json_body["totalResults"]
        == 0
    )

    created = scim.post(
        "Groups",
        {"schemas": [GROUP], "displayName": "Pharmacy", "externalId": "4f1c-pharmacy", "members": []},
    )
    assert created.status_code == 201
    group = created.json_body["id"]
    pharmacy = Unit.objects.get(pk=group)
    assert (pharmacy.name, pharmacy.kind, pharmacy.external_id) == (
        "Pharmacy",
        Unit.Kind.DEPARTMENT,
        "4f1c-pharmacy",
    )
    assert ScimGroup.objects.filter(pk=group, deleted_at__isnull=True).exists()

    added = scim.patch(
        f"Groups/{group}", {"op": "Add", "path": "members", "value": [{"value": jane}, {"value": joe}]}
    )
    assert added.status_code == 200
    assert {member["value"] for member in added.json_body["members"]} == {jane, joe}
    assert membership(jane).unit_id == membership(joe).unit_id == int(group)
    pharmacy.refresh_from_db()
    assert pharmacy.headcount == 2
    assert Unit.objects.get(organization=personas.org, name="Nursing").headcount == 0

    removed = scim.patch(f"Groups/{group}", {"op": "Remove", "path": f'members[value eq "{jane}"]'})
    assert [member["value"] for member in removed.json_body["members"]] == [joe]
    assert membership(jane).unit is None
    pharmacy.refresh_from_db()
    assert pharmacy.headcount == 1
    summaries = [summary for _, summary in audit_summaries(personas)]
    assert "Group “Pharmacy” created by the directory (by SCIM token “Entra ID”)" in summaries
    assert "Group “Pharmacy” 2 added, 0 removed by the directory (by SCIM token “Entra ID”)" in summaries
    assert "Group “Pharmacy” 0 added, 1 removed by the directory (by SCIM token “Entra ID”)" in summaries

    found = scim.get("Groups", {"filter": 'displayName eq "Pharmacy"'})
    assert [g["id"] for g in found.json_body["Resources"]] == [group]


def test_group_rename_and_delete(scim, personas):
    jane = create(scim, "jane@acme.example")
    group = scim.post("Groups", {"schemas": [GROUP], "displayName": "Pharmacy", "members": [{"value": jane}]})
    group = group.json_body["id"]

    renamed = scim.patch(
        f"Groups/{group}", {"op": "Replace", "path": "displayName", "value": "Pharmacy & Labs"}
    )
    assert renamed.json_body["displayName"] == "Pharmacy & Labs"

    assert scim.delete(f"Groups/{group}").status_code == 204
    assert scim.get(f"Groups/{group}").status_code == 404
    unit = Unit.objects.get(pk=group)  # kept, with its history, for the admins
    assert unit.name == "Pharmacy & Labs" and unit.headcount == 0
    assert membership(jane).unit is None and membership(jane).is_active


def test_a_group_adding_a_deactivated_person_leaves_them_deactivated(scim):
    jane = create(scim, "jane@acme.example")
    scim.patch(f"Users/{jane}", {"op": "Replace", "path": "active", "value": "False"})
    group = scim.post("Groups", {"schemas": [GROUP], "displayName": "Pharmacy"}).json_body["id"]

    scim.patch(f"Groups/{group}", {"op": "Add", "path": "members", "value": [{"value": jane}]})

    assert membership(jane).unit_id == int(group)
    assert not membership(jane).is_active


def test_pagination(scim):
    ids = [create(scim, f"person{n}@acme.example") for n in range(5)]
    page = scim.get("Users", {"startIndex": 2, "count": 2}).json_body
    assert (page["totalResults"], page["startIndex"], page["itemsPerPage"]) == (5, 2, 2)
    assert [user["id"] for user in page["Resources"]] == ids[1:3]
    assert scim.get("Users", {"count": 0}).json_body["Resources"] == []


def test_etags_and_if_match(scim):
    pk = create(scim, "jane@acme.example")
    read = scim.get(f"Users/{pk}")
    etag = read["ETag"]
    assert etag == read.json_body["meta"]["version"]
    assert scim.get(f"Users/{pk}", **{"If-None-Match": etag}).status_code == 304

    changed = scim.patch(
        f"Users/{pk}", {"op": "Replace", "path": "displayName", "value": "J. Doe"}, **{"If-Match": etag}
    )
    assert changed.status_code == 200
    assert changed["ETag"] != etag

    stale = scim.patch(
        f"Users/{pk}", {"op": "Replace", "path": "displayName", "value": "Jay"}, **{"If-Match": etag}
    )
    assert stale.status_code == 412
    assert User.objects.get(email="jane@acme.example").full_name == "J. Doe"


def test_attributes_and_excluded_attributes(scim):
    pk = create(scim, "jane@acme.example", department="Nursing")
    only = scim.get(f"Users/{pk}", {"attributes": "userName,name.givenName"}).json_body
    assert only == {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": pk,
        "userName": "jane@acme.example",
        "name": {"givenName": "Jane"},
    }
    without = scim.get(f"Users/{pk}", {"excludedAttributes": "emails,meta"}).json_body
    assert "emails" not in without and "meta" not in without and without["userName"] == "jane@acme.example"


@pytest.mark.parametrize(
    "body",
    [
        {"schemas": [], "userName": ""},
        {"schemas": [], "userName": "not-an-email"},
        {"schemas": [], "userName": "jane@acme.example", "active": "maybe"},
    ],
)
def test_bad_users_are_refused_with_a_scim_error(scim, body):
    response = scim.post("Users", body)
    assert response.status_code == 400
    assert response.json_body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert response.json_body["status"] == "400"


def test_a_user_name_that_is_not_an_email_takes_the_email_from_emails(scim):
    body = entra_user("jane@acme.example")
    body["userName"] = "jdoe"
    response = scim.post("Users", body)
    assert response.status_code == 201
    assert membership(response.json_body["id"]).user.email == "jane@acme.example"


def test_invalid_filter_is_a_400(scim):
    response = scim.get("Users", {"filter": "userName eq"})
    assert response.status_code == 400
    assert response.json_body["scimType"] == "invalidFilter"


def test_a_page_of_users_or_groups_costs_the_same_queries_however_many(scim):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def cost(path):
        with CaptureQueriesContext(connection) as queries:
            assert scim.get(path).status_code == 200
        return len(queries)

    boss = create(scim, "boss@acme.example")
    group = scim.post("Groups", {"schemas": [GROUP], "displayName": "Pharmacy"}).json_body["id"]

    def add_people(first, last):
        for n in range(first, last):
            pk = create(scim, f"person{n}@acme.example", department="Nursing")
            scim.patch(f"Users/{pk}", {"op": "Add", "path": MANAGER, "value": boss})
            scim.patch(f"Groups/{group}", {"op": "Add", "path": "members", "value": [{"value": pk}]})
            scim.post("Groups", {"schemas": [GROUP], "displayName": f"Team {n}"})

    add_people(0, 2)
    few = cost("Users"), cost("Groups")
    add_people(2, 8)
    assert (cost("Users"), cost("Groups")) == few


def test_filters_on_id_and_group_members(scim):
    jane = create(scim, "jane@acme.example")
    group = scim.post("Groups", {"schemas": [GROUP], "displayName": "Pharmacy", "members": [{"value": jane}]})
    group = group.json_body["id"]
    scim.post("Groups", {"schemas": [GROUP], "displayName": "Radiology"})

    by_id = scim.get("Users", {"filter": f'id eq "{jane}"'}).json_body
    assert [user["id"] for user in by_id["Resources"]] == [jane]
    with_member = scim.get(
        "Groups", {"filter": f'id eq "{group}" and members[value eq "{jane}"]', "attributes": "id"}
    )
    assert with_member.json_body["Resources"] == [{"schemas": [GROUP], "id": group}]
    active = scim.get("Users", {"filter": "active eq true"}).json_body
    assert active["totalResults"] == 1
