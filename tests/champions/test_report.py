import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from rollout.csv_safety import safe_cell

from ..factories import MembershipFactory
from .factories import ChampionFactory, SupportSessionFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "value, expected",
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+1 555", "'+1 555"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("Casey Champion", "Casey Champion"),
        ("a=b", "a=b"),
        (-4, -4),
        (12, 12),
        (None, ""),
    ],
)
def test_csv_cells_that_could_run_as_formulas_are_escaped_and_numbers_stay_numbers(value, expected):
    assert safe_cell(value) == expected


@time_machine.travel(NOW, tick=False)
def test_the_csv_export_escapes_names_and_keeps_counts_numeric(client_as, personas):
    user = MembershipFactory(
        organization=personas.org,
        role="champion",
        user__full_name="=cmd|' /C calc'!A0",
        user__email="x@acme.example",
    ).user
    champion = ChampionFactory(rollout=personas.rollout, user=user)
    SupportSessionFactory(
        champion=champion, people_helped=4, minutes=30, happened_at=NOW - timedelta(days=40)
    )
    SupportSessionFactory(champion=champion, people_helped=2, minutes=10, happened_at=NOW - timedelta(days=1))
    SupportSessionFactory(champion=champion, happened_at=NOW - timedelta(days=300))  # outside the 6 months
    response = client_as(personas.leader).get(reverse("champions:report_csv", args=[personas.rollout.pk]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="champion-activity-engage-for-all-2026-06.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [
        ["Champion", "Email", "Month", "Sessions", "People helped", "Minutes", "Open follow-ups"],
        ["'=cmd|' /C calc'!A0", "x@acme.example", "2026-05", "1", "4", "30", "0"],
        ["'=cmd|' /C calc'!A0", "x@acme.example", "2026-06", "1", "2", "10", "0"],
    ]
    # Numbers are written bare, not quoted, so a spreadsheet reads them as numbers.
    assert ",2026-06,1,2,10,0" in response.content.decode()


@time_machine.travel(NOW, tick=False)
def test_the_report_shows_activity_per_month_topics_follow_ups_and_quiet_champions(
    client_as, personas, skills
):
    busy = ChampionFactory(rollout=personas.rollout, user=personas.champion)
    quiet = ChampionFactory(rollout=personas.rollout)
    new = ChampionFactory(rollout=personas.rollout, start_date=NOW.date() - timedelta(days=3))
    SupportSessionFactory(champion=quiet, happened_at=NOW - timedelta(days=45), topics=[skills[0]])
    for days in (1, 2, 40):
        SupportSessionFactory(
            champion=busy, happened_at=NOW - timedelta(days=days), topics=[skills[1]], other_topic="Hashtags"
        )
    SupportSessionFactory(
        champion=busy, happened_at=NOW - timedelta(days=5), outcome="follow_up", follow_up_on=NOW.date()
    )
    response = client_as(personas.manager).get(reverse("champions:report", args=[personas.rollout.pk]))
    context = response.context
    assert [m.isoformat() for m in context["months"]] == [
        "2026-01-01", "2026-02-01", "2026-03-01", "2026-04-01", "2026-05-01", "2026-06-01",
    ]  # fmt: skip
    cells = {c.pk: [cell["sessions"] if cell else 0 for cell in row] for c, row in context["champion_rows"]}
    assert cells[busy.pk] == [0, 0, 0, 0, 1, 3]
    assert cells[new.pk] == [0] * 6
    topics = dict(context["topic_rows"])
    assert topics["Mobile set-up"] == [0, 0, 0, 0, 1, 2]
    assert topics["Other (free text)"] == [0, 0, 0, 0, 2, 3]
    assert [item["topic"] for item in context["free_text"]][:1] == ["hashtags"]
    assert list(context["quiet"]) == [quiet]  # the new champion has not had 30 days yet
    assert context["open_count"] == 1
    assert context["totals"]["sessions"] == 5


def test_the_report_is_for_managers_and_leaders(client_as, personas):
    url = reverse("champions:report", args=[personas.rollout.pk])
    assert client_as(personas.champion).get(url).status_code == 403
    assert client_as(personas.leader).get(url).status_code == 200
