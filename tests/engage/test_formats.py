"""Each format, detected from its header, read from a realistic file."""

from datetime import date

from engage.models import CONCEALED_KEY, ActivityRecord, ImportBatch, Source

from . import files
from .conftest import import_now, upload


def test_a_viva_engage_export_with_a_bom_and_windows_line_ends_imports(personas, people):
    content = files.viva_file(
        [
            files.viva_row("Seller0@acme.example", "Okafor, Amara", 3, 40, 5),  # quoted comma in the name
            files.viva_row("seller1@acme.example", "Ben Lindqvist", 0, 12, 0),
            files.viva_row("seller2@acme.example", "Chloe Moreau", 0, 0, 0),
            files.viva_row("stranger@elsewhere.example", "Someone Else", 1, 1, 1),
        ]
    )
    batch = upload(personas.rollout, content, personas.manager)
    assert batch.status == ImportBatch.Status.READY, list(batch.problems.values_list("message", flat=True))
    assert (batch.source, batch.rows_total, batch.matched_people, batch.unmatched_people) == (
        Source.VIVA_ENGAGE,
        4,
        3,
        1,
    )
    assert batch.unmatched_sample == [["stranger@elsewhere.example", 5]]
    assert batch.preview[0]["name"] == "Okafor, Amara"
    assert ActivityRecord.objects.count() == 0  # nothing before the confirmation
    batch = import_now(batch, personas.manager)
    assert batch.status == ImportBatch.Status.DONE and batch.created_count == 4
    record = ActivityRecord.objects.get(person_key="seller0@acme.example")
    assert (record.period_start, record.period_end, record.period_days) == (
        date(2026, 5, 25),
        date(2026, 5, 31),
        7,
    )
    assert (record.posts, record.reads, record.reactions, record.active_people, record.unit) == (
        3,
        40,
        5,
        1,
        people["sales"],
    )
    assert ActivityRecord.objects.get(person_key="seller1@acme.example").active_people == 1  # read only
    assert ActivityRecord.objects.get(person_key="seller2@acme.example").active_people == 0


def test_the_older_teams_header_counts_other_actions_as_active(personas, people):
    content = files.teams_older_file(
        [
            files.teams_older_row("seller0@acme.example", 4, 10, 1, 2),
            files.teams_older_row("seller1@acme.example", 0, 0, 0, 0, other="Yes"),
            files.teams_older_row("seller2@acme.example", 0, 0, 0, 0),
        ]
    )
    batch = import_now(upload(personas.rollout, content, personas.manager), personas.manager)
    assert (batch.source, batch.variant) == (Source.TEAMS, "older header")
    active = dict(ActivityRecord.objects.values_list("person_key", "active_people"))
    assert active == {"seller0@acme.example": 1, "seller1@acme.example": 1, "seller2@acme.example": 0}
    assert not ActivityRecord.objects.filter(replies_known=True).exists()


def test_the_current_teams_header_counts_posts_and_replies_apart(personas, people):
    content = files.teams_current_file(
        [
            files.teams_current_row("seller0@acme.example", 2, 6),
            files.teams_current_row("seller1@acme.example", 5, 0),
        ]
    )
    batch = import_now(upload(personas.rollout, content, personas.manager), personas.manager)
    assert batch.variant == "current header"
    record = ActivityRecord.objects.get(person_key="seller0@acme.example")
    assert (record.posts, record.replies, record.replies_known) == (2, 6, True)


def test_slack_member_analytics_maps_columns_by_name_and_takes_the_period_from_the_form(personas, people):
    content = files.slack_file(
        [
            files.slack_row("Amara Okafor", "seller0@acme.example", 12, 30, 8),
            files.slack_row("Ben L", "seller1@acme.example", 0, 0, 0),
        ]
    )
    batch = upload(personas.rollout, content, personas.manager, period_end=date(2026, 5, 31), period_days=30)
    batch = import_now(batch, personas.manager)
    assert batch.source == Source.SLACK
    record = ActivityRecord.objects.get(person_key="seller0@acme.example")
    assert (record.period_start, record.period_end, record.posts, record.reactions, record.active_people) == (
        date(2026, 5, 2),
        date(2026, 5, 31),
        30,
        8,
        1,
    )


def test_slack_columns_in_another_order_and_case_still_map(personas, people):
    content = files.to_csv(
        "email,days active,messages posted,account type,name",
        [["seller0@acme.example", "3", "4", "Full Member", "Amara"]],
    )
    batch = import_now(upload(personas.rollout, content, personas.manager), personas.manager)
    assert batch.source == Source.SLACK and ActivityRecord.objects.get().posts == 4


def test_the_generic_template_reads_units_by_name_and_people_by_email(personas, people):
    content = files.generic_file(
        [
            files.generic_row("seller0@acme.example", "2026-05-04"),
            files.generic_row("someone@acme.example", "2026-05-04", unit="legal"),
            files.generic_row("seller1@acme.example", "5/5/2026", posts=0, replies=0, reads=0, reactions=0),
        ],
        bom=False,
        crlf=False,
    )
    batch = import_now(upload(personas.rollout, content, personas.manager), personas.manager)
    assert batch.source == Source.GENERIC
    units = dict(ActivityRecord.objects.values_list("person_key", "unit__name"))
    assert units == {
        "seller0@acme.example": "Sales",
        "someone@acme.example": "Legal",
        "seller1@acme.example": "Sales",
    }
    assert ActivityRecord.objects.get(person_key="seller1@acme.example").period_end == date(2026, 5, 5)


def test_concealed_names_are_kept_as_totals_only(personas, people):
    content = files.viva_file(
        [
            files.viva_row(files.hashed("a"), files.hashed("Amara"), 2, 10, 1),
            files.viva_row(files.hashed("b"), files.hashed("Ben"), 0, 3, 0),
            files.viva_row(files.hashed("c"), files.hashed("Chloe"), 0, 0, 0),
        ]
    )
    batch = upload(personas.rollout, content, personas.manager)
    assert batch.concealed and batch.preview[0]["person"] == "(concealed)"
    batch = import_now(batch, personas.manager)
    [record] = ActivityRecord.objects.all()
    assert (
        record.person_key,
        record.aggregated,
        record.people,
        record.active_people,
        record.posts,
        record.reads,
    ) == (
        CONCEALED_KEY,
        True,
        3,
        2,
        2,
        13,
    )
    assert "concealed" in batch.message
