"""Every figure of the portfolio links to the rows behind it and to its definition.

For each step, on factory data: the portfolio shows the fact with a link to its rows and an ⓘ to
its heading on the metrics page; following the link shows exactly the rows the figure counts (the
page's count is the figure); the CSV lists the same rows and leaves an audit event; the rows are
the organization's own (another organization's rollout is a 404) and only the figure's readers
see them (a member gets a 403).
"""

import csv
import html
import io
import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from champions.models import SupportSession
from reviews.models import Action, KpiResult, KpiStatus, Review
from rollout.csv_safety import safe_row
from rollout.models import AuditEvent
from strategy.models import SuccessMetric, Worksheet
from trust.services import acknowledge

from .champions.factories import ChampionFactory, SupportSessionFactory
from .engage_conversations.factories import QuestionFactory
from .factories import MembershipFactory, UnitFactory
from .incentives.factories import (
    BadgeFactory,
    PlannedIncentiveFactory,
    PointsEntryFactory,
    RecognitionFactory,
)
from .trust.factories import CompletionFactory, GuidelineFactory, TrainingModuleFactory

pytestmark = pytest.mark.django_db

FACT = re.compile(
    r'<span class="text-body-secondary">(?P<label>[^<]+):</span> '
    r'<a href="(?P<url>[^"]+)" title="The rows behind this figure">(?P<value>[^<]*)</a>\s*'
    r'<a class="definition-link" href="/metrics/#(?P<anchor>[a-z0-9-]+)"'
)


@dataclass
class Fact:
    value: str
    url: str
    anchor: str


@dataclass
class RowsPage:
    count: int
    total: str
    table: list
    csv_url: str
    text: str


def portfolio_facts(client, rollout):
    """{label: Fact} of the rollout's row on the portfolio, as a reader sees them."""
    page = client.get(reverse("rollout:portfolio")).content.decode()
    row = re.search(rf'<tr data-rollout="{rollout.pk}">(.*?)</tr>', page, re.S).group(1)
    return {
        html.unescape(found["label"]): Fact(
            html.unescape(found["value"]), html.unescape(found["url"]), found["anchor"]
        )
        for found in FACT.finditer(row)
    }


def _text(cell):
    return html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()


def rows_page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    text = response.content.decode()
    count = int(re.search(r'data-testid="rows-count">([\d,]+) ', text).group(1).replace(",", ""))
    total = re.search(r'data-testid="rows-total">([^<]*)<', text)
    body = re.search(r'data-testid="rows-table">.*?<tbody>(.*?)</tbody>', text, re.S).group(1)
    table = [
        [_text(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]
    csv_url = re.search(r'<a class="ms-auto" href="([^"]+)"><i class="bi bi-download"', text).group(1)
    return RowsPage(
        count,
        html.unescape(total.group(1)) if total else "",
        table if count else [],
        html.unescape(csv_url),
        text,
    )


def csv_rows(client, url):
    """(the title line, the header, the rows) of a CSV download."""
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("text/csv")
    title, header, *rows = csv.reader(io.StringIO(response.content.decode()))
    return title[0], header, rows


def assert_same_rows(client, page):
    """The CSV of a rows page lists the same rows (every page of them fits in one here), under a
    title line with the sentence that adds them up, and the export is audited."""
    exports = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORTED).count()
    title, _, rows = csv_rows(client, page.csv_url)
    assert rows == [safe_row(row) for row in page.table]  # text cells a spreadsheet won't run
    assert page.total in title
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORTED).count() == exports + 1
    return rows


def assert_guarded(client_as, personas, name, query=""):
    """Another organization's rollout is a 404 (its rows are not found); a member gets a 403."""
    manager = client_as(personas.manager)
    assert manager.get(reverse(name, kwargs={"pk": personas.other_rollout.pk}) + query).status_code == 404
    member = client_as(personas.member)
    assert member.get(reverse(name, kwargs={"pk": personas.rollout.pk}) + query).status_code == 403


def _ago(**delta):
    return timezone.now() - timedelta(**delta)


# Strategize ------------------------------------------------------------------------------------


def test_the_targets_lead_to_every_success_metric_of_the_strategy(personas, client_as):
    worksheet = Worksheet.objects.create(rollout=personas.rollout)
    for n, key in enumerate(["participation_rate", "active_users", "dialogue_ratio", "custom"]):
        SuccessMetric.objects.create(
            worksheet=worksheet, metric_key=key, custom_name="=HYPERLINK(1)", baseline=n, target=10 * n + 5
        )
    client = client_as(personas.manager)

    fact = portfolio_facts(client, personas.rollout)["Targets"]
    assert fact.url == reverse("strategy:targets", kwargs={"pk": personas.rollout.pk})
    assert fact.anchor == "targets"
    assert fact.value.endswith("and 1 more")  # three named, one more: four metrics

    page = rows_page(client, fact.url)
    assert page.count == 4
    assert [row[3] for row in page.table] == ["5", "15", "25", "35"]
    rows = assert_same_rows(client, page)
    assert rows[-1][0] == "'=HYPERLINK(1)"  # a spreadsheet shows it as text, never runs it
    assert_guarded(client_as, personas, "strategy:targets")
    assert_guarded(client_as, personas, "strategy:targets_csv")


# Incentivize -----------------------------------------------------------------------------------


def test_people_reached_and_leaders_lead_to_the_people_counted(personas, client_as):
    rollout = personas.rollout
    PlannedIncentiveFactory(rollout=rollout)
    RecognitionFactory(rollout=rollout, giver=personas.leader, recipient=personas.member)
    PointsEntryFactory(rollout=rollout, person=personas.champion)
    badge = BadgeFactory(rollout=rollout)
    badge.levels.first().awards.create(badge=badge, rollout=rollout, person=personas.admin, source="manual")
    # Thanked 40 days ago: outside the window, so not reached.
    RecognitionFactory(
        rollout=rollout, giver=personas.admin, recipient=personas.manager, created_at=_ago(days=40)
    )
    client = client_as(personas.leader)

    facts = portfolio_facts(client, rollout)
    reached, leaders = facts["People reached (30 days)"], facts["Leaders taking part (30 days)"]
    assert (reached.anchor, leaders.anchor) == ("people-reached", "leaders-taking-part")
    assert reached.value == "3 (60% of 5 members)"
    assert leaders.value == "1 of 1 leader"

    page = rows_page(client, reached.url)
    assert page.count == 3
    assert {row[0].split(" (")[0] for row in page.table} == {"Member", "Champion", "Admin"}
    assert "Manager" not in page.text
    assert_same_rows(client, page)

    page = rows_page(client, leaders.url)
    assert page.count == 1 and page.total == "1 of 1 leader took part."
    assert page.table[0][0].startswith("Leader") and page.table[0][-1] == "yes"
    assert_same_rows(client, page)
    assert_guarded(client_as, personas, "incentives:reached")
    assert_guarded(client_as, personas, "incentives:reached_csv", "?group=leaders")


def test_people_reached_merge_a_small_unit_into_other(personas, client_as):
    small = UnitFactory(organization=personas.org, name="Legal", headcount=2)
    lawyer = MembershipFactory(organization=personas.org, unit=small, user__full_name="Lou Lawyer").user
    RecognitionFactory(rollout=personas.rollout, giver=personas.admin, recipient=lawyer)

    page = rows_page(client_as(personas.manager), reverse("incentives:reached", args=[personas.rollout.pk]))

    assert [row[1] for row in page.table] == ["Other"]  # one member in Legal: not named as a unit
    assert "Legal" not in page.text


def test_an_unknown_group_of_people_is_not_found(personas, client_as):
    url = reverse("incentives:reached", args=[personas.rollout.pk]) + "?group=everyone"
    assert client_as(personas.manager).get(url).status_code == 404


# Trust -----------------------------------------------------------------------------------------


def test_acknowledgement_and_training_lead_to_their_rows_without_naming_anyone(personas, client_as):
    guideline = GuidelineFactory(organization=personas.org, title="Using Viva Engage")
    for user in (personas.admin, personas.manager, personas.member):
        acknowledge(guideline, guideline.current, user)
    legal = UnitFactory(organization=personas.org, name="Legal", headcount=2)
    for name in ("Lou Lawyer", "Pat Paralegal"):
        MembershipFactory(organization=personas.org, unit=legal, user__full_name=name)
    module = TrainingModuleFactory(organization=personas.org)
    for user in (personas.champion, personas.leader):
        CompletionFactory(module=module, user=user)
    client = client_as(personas.manager)

    facts = portfolio_facts(client, personas.rollout)
    acknowledged, training = facts["Guidelines acknowledged"], facts["Training completed"]
    assert acknowledged.value == "43% (4 acknowledgements outstanding)"  # 3 of the 7 members
    assert training.value == "29% (2 passes of 7 members × 1 module)"

    page = rows_page(client, acknowledged.url)
    assert page.total == "3 of 7 acknowledged (43%); 4 outstanding."
    assert [row[1:] for row in page.table] == [
        ["Sales", "5", "3", "2"],
        ["Other (fewer than 5 people)", "—", "—", "—"],  # Legal's two: too few to show, even merged
    ]
    assert "Legal" not in page.text and "Lou Lawyer" not in page.text
    assert_same_rows(client, page)

    page = rows_page(client, training.url)
    assert page.count == 1 and page.table == [[module.title, "2", "7", "5"]]
    assert_same_rows(client, page)
    for name in (
        "trust:acknowledgement",
        "trust:acknowledgement_csv",
        "trust:training",
        "trust:training_csv",
    ):
        assert_guarded(client_as, personas, name)


# Champion --------------------------------------------------------------------------------------


def test_coverage_and_sessions_lead_to_the_units_and_sessions_counted(personas, client_as):
    rollout = personas.rollout
    UnitFactory(organization=personas.org, name="Operations", headcount=40)  # a gap
    UnitFactory(organization=personas.org, name="Board", headcount=0)  # nothing to cover
    champion = ChampionFactory(rollout=rollout, user=personas.champion, units=[personas.unit])
    for days in (1, 5, 29):
        SupportSessionFactory(champion=champion, happened_at=_ago(days=days))
    SupportSessionFactory(champion=champion, happened_at=_ago(days=40))  # the 30 days before
    SupportSessionFactory(champion=champion, happened_at=_ago(days=70))  # in neither window
    client = client_as(personas.manager)

    facts = portfolio_facts(client, rollout)
    coverage, sessions = facts["Champion coverage"], facts["Support sessions (30 days)"]
    # Sales: 60 people, one champion covers 50 of them; Operations: 40 people, none.
    assert coverage.value == "50% of people covered at 1 per 50; 1 active champions"
    assert coverage.url == reverse("champions:coverage", kwargs={"pk": rollout.pk})
    assert sessions.value == "3 (+2 on the 30 days before)"

    page = client.get(coverage.url).content.decode()
    assert all(name in page for name in ("Sales", "Operations", "Board"))
    csv_url = re.search(r'href="([^"]+)"><i class="bi bi-download"', page).group(1)
    _, header, rows = csv_rows(client, csv_url)
    covered, people = (header.index(h) for h in ("People covered at the target", "Headcount"))
    assert len(rows) == 3
    assert sum(int(row[covered]) for row in rows) / sum(int(row[people]) for row in rows) == 0.5

    page = rows_page(client, sessions.url)
    assert page.count == 3 and page.total == "3 in the last 30 days; 1 in the 30 days before."
    assert SupportSession.objects.filter(rollout=rollout).count() == 5
    assert_same_rows(client, page)
    for name in ("champions:coverage_csv", "champions:sessions_recent", "champions:sessions_recent_csv"):
        assert_guarded(client_as, personas, name)


def test_a_leader_reads_the_sessions_and_a_champion_does_not(personas, client_as):
    url = reverse("champions:sessions_recent", kwargs={"pk": personas.rollout.pk})
    assert client_as(personas.leader).get(url).status_code == 200
    assert client_as(personas.champion).get(url).status_code == 403


# Engage: conversations -------------------------------------------------------------------------


def test_answered_within_the_target_leads_to_the_questions_counted(personas, client_as):
    rollout = personas.rollout

    def question(asked, answered_after=None, **extra):
        created = _ago(hours=asked)
        return QuestionFactory(
            thread__rollout=rollout,
            created_at=created,
            first_response_at=created + answered_after if answered_after else None,
            response_seconds=int(answered_after.total_seconds()) if answered_after else None,
            **extra,
        )

    question(72, timedelta(hours=2), unit=personas.unit)  # within the 24 h target
    question(96, timedelta(hours=30), unit=personas.unit)  # after it
    question(72)  # waiting past the target: counts
    question(1)  # waiting, not yet due: does not count yet
    question(40 * 24, timedelta(hours=1))  # asked before the window
    client = client_as(personas.manager)

    fact = portfolio_facts(client, rollout)["Questions answered within target (30 days)"]
    assert fact.anchor == "answered-within-the-target"
    assert fact.value.startswith("33% (target 24 h, the organization's default)")
    assert fact.value.endswith("; 2 open")

    page = rows_page(client, fact.url)
    assert page.count == 4
    assert page.total == "1 of the 3 questions that count were answered within the target: 33%."
    assert [row[-1] for row in page.table] == [
        "answered after the target",
        "answered within the target",
        "waiting, past the target",
        "waiting, not yet due (not counted yet)",
    ]
    # Two questions from Sales: fewer than the minimum group of 5, so the unit is not named.
    assert "Sales" not in page.text and "Ana" not in page.text
    assert_same_rows(client, page)

    waiting = rows_page(client, fact.url + "?status=open")
    assert waiting.count == 2 and waiting.total == "2 waiting, 1 of them past the target."
    assert_same_rows(client, waiting)
    assert_guarded(client_as, personas, "engage:queue_questions")
    assert_guarded(client_as, personas, "engage:queue_questions_csv", "?status=open")


# Review ----------------------------------------------------------------------------------------


def test_the_review_figures_lead_to_the_review_its_kpis_and_the_open_actions(personas, client_as):
    rollout = personas.rollout
    today = timezone.localdate()
    last = Review.objects.create(
        rollout=rollout,
        number=1,
        due_date=today - timedelta(days=30),
        status=Review.Status.COMPLETED,
        completed_on=today - timedelta(days=28),
    )
    upcoming = Review.objects.create(rollout=rollout, number=2, due_date=today + timedelta(days=10))
    statuses = [KpiStatus.ON_TRACK, KpiStatus.ON_TRACK, KpiStatus.AT_RISK, KpiStatus.NO_DATA]
    for n, status in enumerate(statuses):
        KpiResult.objects.create(
            review=last,
            metric_id=n + 1,
            metric_key="custom",
            name=f"Metric {n}",
            baseline=0,
            target=10,
            status=status,
        )
    for title, due, status in [
        ("Late", today - timedelta(days=3), Action.Status.OPEN),
        ("Soon", today + timedelta(days=3), Action.Status.IN_PROGRESS),
        ("Someday", None, Action.Status.OPEN),
        ("Finished", today - timedelta(days=9), Action.Status.DONE),
    ]:
        Action.objects.create(rollout=rollout, raised_in=last, title=title, due_date=due, status=status)
    client = client_as(personas.manager)

    facts = portfolio_facts(client, rollout)
    assert facts["Next review"].url == reverse(
        "reviews:detail", kwargs={"pk": rollout.pk, "review": upcoming.pk}
    )
    assert client.get(facts["Next review"].url).status_code == 200
    assert facts["KPIs on track"].value == "2 of 4 (review 1)"
    assert facts["Open actions"].value == "3 (1 overdue)"
    assert {fact.anchor for fact in facts.values()} == {"next-review", "kpis-on-track", "open-actions"}

    page = rows_page(client, facts["KPIs on track"].url)
    assert page.count == 4 and page.total.startswith("2 of 4 on track")
    assert_same_rows(client, page)

    actions = client.get(facts["Open actions"].url).content.decode()
    assert 'data-testid="rows-count">3 actions' in actions
    assert "Finished" not in actions
    csv_url = html.unescape(re.search(r'href="([^"]+)"><i class="bi bi-download"', actions).group(1))
    _, header, rows = csv_rows(client, csv_url)
    assert sorted(row[0] for row in rows) == ["Late", "Someday", "Soon"]
    assert [row[0] for row in rows if row[header.index("Overdue")] == "yes"] == ["Late"]
    for name in ("reviews:kpis", "reviews:kpis_csv", "reviews:actions_csv"):
        assert_guarded(client_as, personas, name, "?status=open" if name == "reviews:actions_csv" else "")


def test_the_kpis_of_a_review_not_completed_are_not_found(personas, client_as):
    Review.objects.create(rollout=personas.rollout, number=1, due_date=date(2026, 3, 2))
    client = client_as(personas.manager)
    url = reverse("reviews:kpis", kwargs={"pk": personas.rollout.pk})
    assert client.get(url).status_code == 404
    assert client.get(url + "?review=1").status_code == 404
