"""Checking and importing HR files: problems by row and column, all or nothing, the preview's
counts, idempotency, deactivation, headcounts, and the bulk path held to `sync.apply_person`."""

import pytest
from django.urls import reverse

from rollout.directory import hr_services, sync
from rollout.directory.models import PeopleImport
from rollout.models import AuditEvent, Membership, Role, Unit, User

from .files import csv_bytes, import_now, people, upload, xlsx_bytes

Status = PeopleImport.Status


def test_a_good_csv_file_is_checked_then_imported_when_confirmed(personas):
    content = csv_bytes(people(3))
    checked = upload(personas.org, personas.admin, content)
    assert checked.status == Status.CHECKED
    assert checked.summary["added"] == 3
    assert not User.objects.filter(email="person0@acme.example").exists()  # nothing before confirming

    done = import_now(checked, personas.admin)

    assert done.status == Status.DONE
    first = Membership.objects.select_related("unit", "location", "manager").get(
        user__email="person0@acme.example"
    )
    assert (first.role, first.source, first.shift, first.external_id) == (
        Role.MEMBER,
        "hr_import",
        "day",
        "E0",
    )
    assert (first.unit.name, first.unit.kind, first.location.name) == ("Nursing", "department", "Seattle")
    assert first.manager == personas.admin
    assert Membership.objects.get(user__email="person2@acme.example").manager == first.user
    nursing = Unit.objects.get(organization=personas.org, name="Nursing")
    assert (nursing.headcount_source, nursing.headcount) == (Unit.HeadcountSource.DIRECTORY, 3)
    assert Unit.objects.get(organization=personas.org, name="Seattle", kind="location").headcount == 3
    event = AuditEvent.objects.get(action=AuditEvent.Action.IMPORTED, organization=personas.org)
    assert "3 added" in event.summary and event.actor == personas.admin


def test_an_xlsx_file_is_read_like_a_csv(personas):
    rows = [
        ["ana@acme.example", "Ana Lima", "Pharmacy", "Tacoma", "Night (23-07)", "admin@acme.example", 1001]
    ]
    done = import_now(
        upload(personas.org, personas.admin, xlsx_bytes(rows), name="people.xlsx"), personas.admin
    )

    membership = Membership.objects.select_related("unit", "user").get(user__email="ana@acme.example")
    assert done.status == Status.DONE
    assert (membership.user.full_name, membership.unit.name, membership.shift) == (
        "Ana Lima",
        "Pharmacy",
        "night",
    )
    assert membership.external_id == "1001"  # a number in the sheet, read as the id it is


@pytest.mark.parametrize(
    ("row", "column", "words"),
    [
        (["not-an-email", "X", "Nursing", "", "day", "", ""], "E-mail", "is not an email address"),
        (["person0@acme.example", "Again", "Nursing", "", "day", "", ""], "E-mail", "also on row 2"),
        (["x@acme.example", "X", "Nursing", "", "weekends", "", ""], "Shift", "is not a shift"),
        (
            ["x@acme.example", "X", "Nursing", "", "day", "ghost@acme.example", ""],
            "Manager email",
            "neither in the file",
        ),
        (["x@acme.example", "N" * 151, "Nursing", "", "day", "", ""], "Full name", "at most 150"),
        (["x@acme.example", "X", "Nursing", "", "day", "", "E0"], "Employee ID", "is also on row 2"),
    ],
)
def test_one_bad_row_is_reported_by_row_and_column_and_nothing_is_imported(personas, row, column, words):
    content = csv_bytes([*people(1), row])
    refused = upload(personas.org, personas.admin, content)

    assert refused.status == Status.REFUSED
    [problem] = refused.problems
    assert (problem["row"], problem["column"]) == (3, column)
    assert words in problem["message"]
    assert not hr_services.confirm(refused, personas.admin)
    assert not User.objects.filter(email="person0@acme.example").exists()


def test_a_manager_loop_is_refused_on_each_row_in_it(personas):
    rows = [
        ["a@acme.example", "A", "Nursing", "", "", "b@acme.example", ""],
        ["b@acme.example", "B", "Nursing", "", "", "c@acme.example", ""],
        ["c@acme.example", "C", "Nursing", "", "", "a@acme.example", ""],
        ["d@acme.example", "D", "Nursing", "", "", "d@acme.example", ""],
    ]
    refused = upload(personas.org, personas.admin, csv_bytes(rows))

    assert refused.status == Status.REFUSED
    assert [(p["row"], p["column"]) for p in refused.problems] == [(r, "Manager email") for r in (2, 3, 4, 5)]
    assert (
        "a@acme.example → b@acme.example → c@acme.example → a@acme.example" in refused.problems[0]["message"]
    )


def test_a_file_without_an_email_column_is_refused_on_its_header(personas):
    refused = upload(personas.org, personas.admin, csv_bytes([["Ann"]], header=["Name"]))
    assert refused.status == Status.REFUSED
    assert (refused.problems[0]["row"], refused.problems[0]["column"]) == (1, "email")


def test_the_preview_counts_who_is_added_changed_moved_and_deactivated(personas):
    rows = [
        *people(2),
        # The champion moves to Nursing; the member changes shift only; the manager is as they are.
        ["champion@acme.example", "Champion", "Nursing", "", "", "", ""],
        ["member@acme.example", "Member", "Sales", "", "evening", "", ""],
        ["manager@acme.example", "Manager", "Sales", "", "", "", ""],
    ]
    checked = upload(personas.org, personas.admin, csv_bytes(rows), deactivate_missing=True)

    summary = checked.summary
    assert {key: summary[key] for key in ("added", "changed", "moved", "deactivated", "unchanged")} == {
        "added": 2,
        "changed": 1,
        "moved": 1,
        "deactivated": 1,  # the leader; never the admin (who uploads and is not in the file)
        "unchanged": 1,
    }
    assert summary["kept"] == 1
    assert [row["email"] for row in summary["examples"]["deactivated"]] == ["leader@acme.example"]
    assert summary["examples"]["moved"][0]["detail"] == "Sales → Nursing"
    assert summary["examples"]["changed"][0]["detail"] == "shift"

    import_now(checked, personas.admin)
    assert not Membership.objects.filter(user=personas.leader).exists()
    assert Membership.all_objects.get(user=personas.leader).deactivated_at is not None
    assert Membership.objects.get(user=personas.admin).role == Role.ADMIN


def test_importing_the_same_file_again_changes_nothing_and_says_so(personas, client_as):
    content = csv_bytes(people(3))
    first = import_now(upload(personas.org, personas.admin, content), personas.admin)
    synced = dict(Membership.objects.filter(source="hr_import").values_list("pk", "synced_at"))

    again = upload(personas.org, personas.admin, content)
    assert again.summary["unchanged"] == 3
    assert hr_services.earlier_import(again) == first
    page = client_as(personas.admin).get(reverse("people_import:detail", args=[again.pk]))
    assert "already imported on" in page.content.decode()

    import_now(again, personas.admin)
    assert dict(Membership.objects.filter(source="hr_import").values_list("pk", "synced_at")) == synced
    assert again.summary["added"] == 0


def test_a_second_confirmation_does_nothing(personas, client_as):
    checked = upload(personas.org, personas.admin, csv_bytes(people(2)))
    client = client_as(personas.admin)
    client.post(reverse("people_import:confirm", args=[checked.pk]))
    response = client.post(reverse("people_import:confirm", args=[checked.pk]), follow=True)

    assert "Nothing done" in response.content.decode()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.IMPORTED).count() == 1
    assert Membership.objects.filter(source="hr_import").count() == 2


def test_deactivating_a_person_ends_their_signed_in_session(personas, client):
    client.force_login(personas.member)
    assert client.get(reverse("home")).status_code == 200
    rows = [
        [f"{role}@acme.example", role.title(), "Sales", "", "", "", ""]
        for role in ("manager", "champion", "leader")
    ]

    import_now(upload(personas.org, personas.admin, csv_bytes(rows), deactivate_missing=True), personas.admin)

    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    personas.member.refresh_from_db()
    assert not personas.member.is_active  # no other organization: cannot sign in any more


def test_a_headcount_typed_by_hand_stays_after_an_import(personas):
    import_now(upload(personas.org, personas.admin, csv_bytes(people(3))), personas.admin)
    nursing = Unit.objects.get(organization=personas.org, name="Nursing")
    nursing.headcount, nursing.headcount_source = 250, Unit.HeadcountSource.MANUAL
    nursing.save()

    import_now(upload(personas.org, personas.admin, csv_bytes(people(5))), personas.admin)

    nursing.refresh_from_db()
    assert (nursing.headcount, nursing.headcount_source) == (250, Unit.HeadcountSource.MANUAL)


def test_the_import_does_what_apply_person_does_one_by_one(personas):
    """The bulk path (hr_apply) and `sync.apply_person` give every person the same membership."""
    from tests.factories import MembershipFactory, OrganizationFactory

    rows = [
        *people(3),
        ["member@acme.example", "Max Member", "Pharmacy", "Tacoma", "night", "person0@acme.example", "M1"],
        ["leader@acme.example", "Leader", "Sales", "", "", "", ""],
    ]
    twin = OrganizationFactory(name="Twin")
    sales = sync.unit_named(twin, "Sales")
    for role in ("admin", "member", "leader"):
        MembershipFactory(organization=twin, role=role, user=getattr(personas, role), unit=sales)
    import_now(upload(personas.org, personas.admin, csv_bytes(rows)), personas.admin)
    outcomes = []
    for row in rows:
        unit = sync.unit_named(twin, row[2]) if row[2] else None
        location = sync.unit_named(twin, row[3], Unit.Kind.LOCATION) if row[3] else None
        manager = User.objects.get(email=row[5]) if row[5] else None
        values = sync.PersonValues(row[0], row[1], row[6], unit, location, row[4], manager)
        outcomes.append(sync.apply_person(twin, values, source="hr_import")[1])

    def state(org):
        return sorted(
            Membership.objects.filter(organization=org, user__email__in=[row[0] for row in rows]).values_list(
                "user__email",
                "user__full_name",
                "unit__name",
                "location__name",
                "shift",
                "manager__email",
                "external_id",
                "role",
            )
        )

    assert state(personas.org) == state(twin)
    last = PeopleImport.objects.get(status=Status.DONE)
    assert outcomes.count("added") == last.summary["added"] == 3
    assert outcomes.count("moved") == last.summary["moved"] == 1
    assert outcomes.count("unchanged") == last.summary["unchanged"] == 1


def test_the_sweep_sends_again_a_check_and_an_import_whose_task_was_lost(personas, settings, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    from rollout.directory import tasks

    settings.PEOPLE_IMPORT_INLINE_CHECK_KB = 0  # a worker checks it...
    settings.PEOPLE_IMPORT_INLINE_ROWS = 0  # ...and imports it
    monkeypatch.setattr(tasks.check_people_file, "delay", lambda pk: None)  # the broker is down
    monkeypatch.setattr(tasks.import_people_file, "delay", lambda pk: None)
    from django.core.files.uploadedfile import SimpleUploadedFile

    file = SimpleUploadedFile("people.csv", csv_bytes(people(2)))
    waiting = hr_services.store_upload(personas.org, file, personas.admin)
    hr_services.start_check(waiting)  # its task never reaches a worker
    waiting.refresh_from_db()
    assert waiting.status == Status.CHECKING
    assert tasks.resume_people_imports() == 0  # a task just sent may still arrive
    PeopleImport.objects.filter(pk=waiting.pk).update(created_at=timezone.now() - timedelta(minutes=6))
    monkeypatch.setattr(tasks.check_people_file, "delay", tasks.check_people_file)  # a worker runs it
    assert tasks.resume_people_imports() == 1
    waiting.refresh_from_db()
    assert waiting.status == Status.CHECKED
    assert hr_services.confirm(waiting, personas.admin)
    waiting.refresh_from_db()
    assert waiting.status == Status.IMPORTING
    PeopleImport.objects.filter(pk=waiting.pk).update(confirmed_at=timezone.now() - timedelta(minutes=16))
    monkeypatch.setattr(tasks.import_people_file, "delay", tasks.import_people_file)
    assert tasks.resume_people_imports() == 1
    waiting.refresh_from_db()
    assert waiting.status == Status.DONE
    assert Membership.objects.filter(user__email="person1@acme.example").exists()
