"""The generic conversations CSV and the training attendance list."""

import zoneinfo

import pytest

from conversations import services
from conversations.importers import ImportFailed, attendance, generic_csv
from conversations.models import Message, TrainingAttendance

TZ = zoneinfo.ZoneInfo("Europe/Paris")
HEADER = "thread_id,message_id,parent_id,author,created_at,text,unit,is_question,bot\r\n"


def test_the_template_parses_with_its_example_rows(csv_file):
    messages = generic_csv.parse(csv_file(generic_csv.template()), TZ)
    assert [m.message_id for m in messages] == ["m-1", "m-2", "m-3"]
    assert messages[0].email == "ana@example.com" and messages[0].created_at.tzinfo is not None
    assert messages[0].created_at.utcoffset().total_seconds() == 3600  # read in the organization's zone


def test_quoted_commas_bom_and_flags(csv_file):
    text = (
        HEADER
        + 't1,1,,ana@x.example,2025-03-03T09:00:00Z,"Hello, all",,no,\r\nt1,2,1,bot,2025-03-03T09:01:00Z,Hi,,,yes\r\n'
    )
    first, second = generic_csv.parse(csv_file(text), TZ)
    assert first.text == "Hello, all" and first.marked_question is False
    assert second.is_bot


def test_every_bad_row_is_named(csv_file):
    text = HEADER + "t1,1,,ana,yesterday,Hi,,maybe,\r\n,2,,ben,2025-03-03T09:00:00,Hi,,,\r\n"
    with pytest.raises(ImportFailed) as failure:
        generic_csv.parse(csv_file(text), TZ)
    assert failure.value.errors == [
        "Row 2, column 'created_at': 'yesterday' is not a date and time (use ISO 8601, e.g. 2025-03-03T09:12:00).",
        "Row 2, column 'is_question': 'maybe' is not yes or no.",
        "Row 3, column 'thread_id': it is empty.",
    ]


def test_a_missing_column_is_named(csv_file):
    with pytest.raises(ImportFailed, match="Missing column: text"):
        generic_csv.parse(csv_file("thread_id,message_id,parent_id,author,created_at\r\n"), TZ)


@pytest.mark.django_db
def test_an_unknown_unit_saves_nothing(personas, csv_file):
    text = HEADER + "t1,1,,ana,2025-03-03T09:00:00,How?,Narnia,,\r\n"
    with pytest.raises(ImportFailed, match="Unknown unit: 'Narnia'"):
        services.import_conversations(personas.rollout, csv_file(text), "csv", personas.manager)
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_units_come_from_the_column_or_the_authors_membership(personas, csv_file):
    text = (
        HEADER
        + "t1,1,,ana,2025-03-03T09:00:00,How?,Sales,,\r\nt2,1,,member@acme.example,2025-03-03T09:00:00,Why?,,,\r\n"
    )
    services.import_conversations(personas.rollout, csv_file(text), "csv", personas.manager)
    assert set(Message.objects.values_list("unit__name", flat=True)) == {"Sales"}
    assert Message.objects.get(thread__external_id="t2").author == personas.member


@pytest.mark.django_db
def test_attendance_imports_once(personas, csv_file):
    text = "Email,Trained On,Unit\r\nMember@acme.example,2025-03-03,Sales\r\nx@y.example,2025-03-03,\r\n"
    record, created = services.import_attendance(personas.rollout, csv_file(text), personas.manager)
    assert created and TrainingAttendance.objects.count() == 2
    assert TrainingAttendance.objects.get(person_key="member@acme.example").user == personas.member
    _, created = services.import_attendance(personas.rollout, csv_file(text), personas.manager)
    assert not created and TrainingAttendance.objects.count() == 2


def test_attendance_rows_are_checked(csv_file):
    with pytest.raises(ImportFailed) as failure:
        attendance.parse(
            csv_file("email,trained_on\r\nnot-an-email,2025-03-03\r\na@b.example,03/03/2025\r\n")
        )
    assert len(failure.value.errors) == 2
