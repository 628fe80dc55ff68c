"""The Engage step's records of a person from the activity imports: their rows, matched as the
importer matches them (their email, an alias matched to them, their email on a matched domain),
next to the conversations part's records."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from engage.matching import add_match
from engage.models import ActivityRecord, Source
from rollout.models import Membership
from rollout.steps import registry

pytestmark = pytest.mark.django_db

engage = registry.get("engage")


def record(rollout, key, end, **fields):
    return ActivityRecord.objects.create(
        rollout=rollout,
        source=fields.pop("source", Source.GENERIC),
        person_key=key,
        period_start=end,
        period_end=end,
        **fields,
    )


def activity(personas):
    membership = Membership.objects.get(organization=personas.org, user=personas.member)
    tables = {table.key: table for table in engage.personal_records(membership)}
    assert set(tables) == {"messages", "pulse-invitations", "training", "activity"}
    return tables["activity"]


def test_the_records_hold_the_persons_activity_rows_by_email_alias_and_domain(personas):
    record(personas.rollout, "member@acme.example", date(2026, 3, 1), posts=2, active_people=1)
    add_match(personas.org, export_key="max.alias@acme.example", user=personas.member)
    record(personas.rollout, "max.alias@acme.example", date(2026, 3, 2), reads=7, active_people=1)
    add_match(personas.org, export_key="acme.onmicrosoft.com", member_domain="acme.example")
    record(personas.rollout, "member@acme.onmicrosoft.com", date(2026, 3, 3), source=Source.TEAMS)
    record(personas.rollout, "leader@acme.example", date(2026, 3, 1), posts=9)
    record(personas.other_rollout, "member@acme.example", date(2026, 3, 1), posts=1)
    record(personas.rollout, "(concealed names)", date(2026, 3, 1), aggregated=True, people=40)
    table = activity(personas)
    assert [(row[2], row[4], row[6], row[8]) for row in table.rows] == [
        (date(2026, 3, 1), 2, 0, "yes"),
        (date(2026, 3, 2), 0, 7, "yes"),
        (date(2026, 3, 3), 0, 0, "no"),
    ]
    assert table.rows[2][1] == "Teams user activity"
    assert table.summary == "3 reporting periods of activity, 2 counted as active."


def test_a_superseded_period_is_listed_as_not_counted(personas):
    record(personas.rollout, "member@acme.example", date(2026, 3, 1), superseded=True, active_people=1)
    (row,) = activity(personas).rows
    assert row[-1] == "no (a later export covers the period)"
    assert activity(personas).summary == "1 reporting period of activity, 0 counted as active."


def test_the_activity_records_cost_the_same_queries_for_few_rows_or_many(personas):
    record(personas.rollout, "member@acme.example", date(2026, 3, 1))
    membership = Membership.objects.get(organization=personas.org, user=personas.member)
    with CaptureQueriesContext(connection) as few:
        engage.personal_records(membership)
    for day in range(2, 28):
        record(personas.rollout, "member@acme.example", date(2026, 3, day))
    membership = Membership.objects.get(organization=personas.org, user=personas.member)
    with CaptureQueriesContext(connection) as many:
        (*_, table) = engage.personal_records(membership)
    assert len(table.rows) == 27 and len(few) == len(many)
