"""Each step's health follows its evidence: a documented weighted mean of named parts, capped by
the few ceilings a leader would expect, and naming the facts that moved it most.

First `rollout.steps.scored` itself, then one table per step (Strategize, Incentivize, Trust,
Champion, Review) of fact combinations and the status they must give, driven through the step's
real `health()` with factory data. Last, a grid of figures through each step's pure `_health()`
checks that the number and the label always agree and that a ceiling changes a health only when
its evidence lowers the status, and then says so first.
"""

import itertools
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
import time_machine

import champions.step
import incentives.step
import reviews.step
import strategy.step
import trust.step
from reviews.models import Action, KpiResult, Review
from rollout.steps import Ceiling, Part, Status, registry, scored
from strategy.completeness import COUNTS
from strategy.models import (
    Audience,
    AwarenessChannel,
    Objective,
    Stakeholder,
    SuccessMetric,
    TimeAllowance,
    Worksheet,
)
from trust.services import acknowledge

from .champions.factories import ChampionFactory, SupportSessionFactory
from .factories import UnitFactory
from .incentives.factories import PlannedIncentiveFactory, RecognitionFactory
from .trust.factories import CompletionFactory, GuidelineFactory, IncidentFactory, TrainingModuleFactory

NOW = datetime(2026, 2, 16, 12, tzinfo=UTC)
TODAY = NOW.date()
ON, AT, OFF = Status.ON_TRACK, Status.AT_RISK, Status.OFF_TRACK


def health_of(key, rollout):
    return registry.get(key).health([rollout])[rollout.pk]


def facts(health):
    return [driver.fact for driver in health.drivers]


def first_fact(health):
    """The fact that moved the score most; at full marks nothing did, and none is named."""
    return facts(health)[0] if health.drivers else "(full marks: no driver)"


# rollout.steps.scored -------------------------------------------------------------------------


def test_the_score_is_the_weighted_mean_of_the_parts():
    health = scored({"met": Part(3, 1.0, "Met"), "missed": Part(1, 0.0, "Missed")})
    assert (health.score, health.status) == (75, ON)
    assert health.reasons == ["Met", "Missed"]  # the facts, when no reasons are given


def test_a_value_outside_zero_to_one_counts_as_its_nearest_bound():
    health = scored([Part(1, 1.5, "Beyond the goal"), Part(1, -0.5, "Below nothing")])
    assert health.score == 50
    # A part at full marks moved nothing: it is not among the drivers.
    assert [str(driver) for driver in health.drivers] == ["Below nothing (−50 points)"]


@pytest.mark.parametrize("cap, top", [(AT, 69), (OFF, 39)])
def test_a_ceiling_lowers_the_status_and_clamps_the_score_to_the_status_top(cap, top):
    health = scored([Part(1, 1.0, "Everything met")], ceilings=[Ceiling(cap, "Evidence says otherwise")])
    assert (health.score, health.status) == (top, cap)
    assert Status.from_score(health.score) == health.status
    assert facts(health) == ["Evidence says otherwise"]


def test_a_ceiling_at_or_above_the_status_changes_nothing_and_is_not_named():
    health = scored([Part(1, 0.5, "Half met")], ceilings=[Ceiling(AT, "Would cap at at risk")])
    assert (health.score, health.status) == (50, AT)
    assert facts(health) == ["Half met"]


def test_the_most_severe_ceiling_decides_whatever_its_place_in_the_list():
    at_risk, off_track = Ceiling(AT, "Some evidence is bad"), Ceiling(OFF, "Most evidence is bad")
    for ceilings in ([at_risk, off_track], [off_track, at_risk]):
        health = scored([Part(1, 1.0, "Everything met")], ceilings=ceilings)
        assert (health.score, health.status) == (39, OFF)
        assert "Most evidence is bad" in facts(health)


def test_the_drivers_are_the_ceiling_then_the_parts_by_points_lost_and_at_most_three():
    parts = {
        "a": Part(10, 1.0, "A"),  # loses 0 points
        "b": Part(40, 0.9, "B"),  # loses 4
        "c": Part(30, 0.8, "C"),  # loses 6
        "d": Part(20, 0.5, "D"),  # loses 10
    }
    plain = scored(parts)
    assert plain.score == 80
    assert [(driver.fact, driver.points_lost) for driver in plain.drivers] == [("D", 10), ("C", 6), ("B", 4)]
    capped = scored(parts, ceilings=[Ceiling(AT, "Capped")])
    assert (capped.score, capped.status) == (69, AT)
    assert facts(capped) == ["Capped", "D", "C"]


def test_a_ceiling_reason_is_shown_without_points():
    health = scored([Part(1, 1.0, "Everything met")], ceilings=[Ceiling(AT, "Most KPIs off track")])
    assert str(health.drivers[0]) == "Most KPIs off track"


# Strategize -----------------------------------------------------------------------------------


def write_worksheet(personas, status, *, complete=True, metric=True):
    """A worksheet whose every completeness check passes (when `complete`), with one success metric
    (when `metric`; without it the evaluation section is half done)."""
    if not complete:
        return Worksheet.objects.create(rollout=personas.rollout, status=status)
    ws = Worksheet.objects.create(
        rollout=personas.rollout,
        status=status,
        main_purpose="knowledge_sharing",
        business_owner=personas.manager,
        budget_holder=personas.admin,
        budget_amount=Decimal("1000"),
        process_manager=personas.manager,
        coverage="business_hours",
        response_target_hours=24,
        moderation="reactive",
        review_cadence="monthly",
        first_review_date=date(2026, 3, 2),
    )
    Objective.objects.create(worksheet=ws, title="Answers in a day")
    TimeAllowance.objects.create(worksheet=ws, audience="Sales", hours_per_week=1)
    Stakeholder.objects.create(worksheet=ws, name="Sales director", influence="high", involvement="Sponsor")
    audience = Audience.objects.create(worksheet=ws, name="Sales team", size=60)
    AwarenessChannel.objects.create(worksheet=ws, audience=audience, channel="intranet")
    if metric:
        SuccessMetric.objects.create(
            worksheet=ws,
            metric_key="participation_rate",
            baseline=5,
            target=50,
            target_date=date(2026, 12, 31),
        )
    return ws


NO_METRIC = "No success metric defined: nobody can tell whether the rollout works"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "status, complete, metric, score, expected, first_driver",
    [
        ("approved", True, True, 100, ON, "Worksheet 100% complete"),
        # 92% complete (no metric: the evaluation section is half done) and approved would be 94.
        ("approved", True, False, 69, AT, NO_METRIC),
        ("submitted", True, True, 85, ON, "Worksheet status: submitted for approval"),
        # 64 is at risk already: the missing metric caps nothing and the sign-off costs most.
        ("draft", True, False, 64, AT, "Worksheet status: draft"),
        ("draft", False, False, 0, OFF, "Worksheet 0% complete"),
    ],
)
def test_strategize_health_follows_the_worksheet(
    personas, status, complete, metric, score, expected, first_driver
):
    write_worksheet(personas, status, complete=complete, metric=metric)
    health = health_of("strategize", personas.rollout)
    assert (health.score, health.status) == (score, expected)
    assert first_fact(health) == (first_driver if score < 100 else "(full marks: no driver)")


# Incentivize ----------------------------------------------------------------------------------

NO_PLAN = "No incentive plan: the incentives for each audience are not chosen yet"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "planned, recognised, score, expected, first_driver",
    [
        # The organization has 5 people and 1 leader; the leader recognises `recognised` of them.
        (True, ("member", "champion", "manager"), 100, ON, "Incentive plan: 1 line"),
        (False, ("member", "champion", "manager"), 69, AT, NO_PLAN),  # 70 without the plan
        (True, ("member",), 70, ON, "20% of the 5 people"),
        # Already at risk: the missing plan is a part's fact (30 points, as many as the reach).
        (False, ("member",), 40, AT, "No incentive plan yet"),
        (True, (), 30, OFF, "0% of the 5 people"),
    ],
)
def test_incentivize_health_follows_the_plan_and_the_recognition(
    personas, planned, recognised, score, expected, first_driver
):
    if planned:
        PlannedIncentiveFactory(rollout=personas.rollout)
    for role in recognised:
        RecognitionFactory(rollout=personas.rollout, giver=personas.leader, recipient=getattr(personas, role))
    health = health_of("incentivize", personas.rollout)
    assert (health.score, health.status) == (score, expected)
    assert first_fact(health).startswith(first_driver if score < 100 else "(full marks: no driver)")


# Trust ----------------------------------------------------------------------------------------

EVERYONE = ("admin", "manager", "champion", "leader", "member")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "acknowledged, trained, incidents, score, expected, first_driver",
    [
        (EVERYONE, EVERYONE, [], 100, ON, "100% acknowledged"),
        # 80 without the ceiling: an open critical incident cannot be on track.
        (EVERYONE, EVERYONE, [("critical", "open")], 69, AT, "1 critical incident still open"),
        (EVERYONE, EVERYONE, [("critical", "investigating")], 69, AT, "1 critical incident still open"),
        (EVERYONE, EVERYONE, [("critical", "resolved")], 100, ON, "100% acknowledged"),
        (EVERYONE, EVERYONE, [("high", "open")], 90, ON, "1 open incident, 1 high or critical"),
        # Already off track: the critical incident is a part's fact, not a ceiling.
        (("member",), (), [("critical", "open")], 10, OFF, "20% acknowledged"),
    ],
)
def test_trust_health_follows_acknowledgement_training_and_incidents(
    personas, acknowledged, trained, incidents, score, expected, first_driver
):
    guideline = GuidelineFactory(organization=personas.org)
    for role in acknowledged:
        acknowledge(guideline, guideline.current, getattr(personas, role))
    module = TrainingModuleFactory(organization=personas.org)
    for role in trained:
        CompletionFactory(module=module, user=getattr(personas, role))
    for severity, status in incidents:
        resolution = "Link removed; people told." if status == "resolved" else ""
        IncidentFactory(organization=personas.org, severity=severity, status=status, resolution=resolution)
    health = health_of("trust", personas.rollout)
    assert (health.score, health.status) == (score, expected)
    assert first_fact(health).startswith(first_driver if score < 100 else "(full marks: no driver)")


# Champion -------------------------------------------------------------------------------------


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    "other_units, score, expected, first_driver",
    [
        # Sales (60 people) has two active champions who each logged a session this month; the
        # other units, by headcount, have none.
        ((), 100, ON, "100% of people covered"),
        ((50,), 77, ON, "55% of people covered"),  # 50 of 110 uncovered: not more than half
        ((60,), 75, ON, "50% of people covered"),  # exactly half: not more than half
        # 73 without the ceiling: most people have nobody to turn to.
        ((70,), 69, AT, "70 of 130 people (54%) are in units with no active champion"),
        # Already at risk: the coverage part says it.
        ((100, 80), 62, AT, "25% of people covered"),
    ],
)
def test_champion_health_follows_who_has_a_champion(personas, other_units, score, expected, first_driver):
    for headcount in other_units:
        UnitFactory(organization=personas.org, headcount=headcount)
    for _ in range(2):
        champion = ChampionFactory(rollout=personas.rollout, units=[personas.unit])
        SupportSessionFactory(champion=champion, happened_at=NOW - timedelta(days=3))
    health = health_of("champion", personas.rollout)
    assert (health.score, health.status) == (score, expected)
    assert first_fact(health).startswith(first_driver if score < 100 else "(full marks: no driver)")


# Review ---------------------------------------------------------------------------------------


def hold_reviews(rollout, *, kpis=(), due_in_days=14, overdue_actions=0):
    """Review 1 completed with KPIs of the given statuses (if any), review 2 open and due in
    `due_in_days` (None: no review scheduled), and `overdue_actions` open actions past due."""
    last = Review.objects.create(
        rollout=rollout,
        number=1,
        due_date=date(2026, 1, 5),
        status="completed",
        completed_on=date(2026, 1, 5),
    )
    for metric_id, status in enumerate(kpis, start=1):
        KpiResult.objects.create(
            review=last,
            metric_id=metric_id,
            metric_key="custom",
            name=f"KPI {metric_id}",
            baseline=0,
            target=10,
            status=status,
        )
    if due_in_days is not None:
        Review.objects.create(rollout=rollout, number=2, due_date=TODAY + timedelta(days=due_in_days))
    for _ in range(overdue_actions):
        Action.objects.create(rollout=rollout, raised_in=last, title="Follow up", due_date=date(2026, 2, 1))


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    "kpis, due_in_days, overdue_actions, score, expected, first_driver",
    [
        # The demo: 76 without the ceiling.
        (
            ["on_track"] * 2 + ["off_track"] * 3,
            14,
            0,
            39,
            OFF,
            "3 of 5 KPIs off track at review 1: more than half",
        ),
        (["on_track"] * 5, 14, 0, 100, ON, "Review 2 due 2 Mar 2026 (in 14 days)"),
        (["on_track"] * 4 + ["off_track"], 14, 0, 69, AT, "1 KPI off track at review 1"),
        (
            ["on_track", "at_risk", "at_risk"],
            14,
            0,
            69,
            AT,
            "2 of 3 KPIs at risk at review 1: more than half",
        ),
        (["on_track", "on_track", "at_risk"], 14, 0, 93, ON, "2 of 3 KPIs on track"),
        # Half off track is not more than half, but any KPI off track is at most at risk (80).
        (["on_track", "on_track", "off_track", "off_track"], 14, 0, 69, AT, "2 KPIs off track at review 1"),
        # 60 without the ceiling: more than four weeks overdue.
        (["on_track"] * 3, -29, 0, 39, OFF, "Review 2 is more than four weeks overdue"),
        (["on_track"] * 3, -28, 0, 60, AT, "Review 2 is 28 days overdue"),
        (["on_track"] * 3, None, 0, 60, AT, "No review is scheduled"),
        # Already off track (33): the overdue review costs the most points.
        (["on_track", "off_track", "off_track"], -29, 0, 33, OFF, "Review 2 is 29 days overdue"),
        (["on_track"] * 3, 14, 4, 80, ON, "4 open actions, 4 overdue"),
    ],
)
def test_review_health_follows_the_kpis_and_the_calendar(
    personas, kpis, due_in_days, overdue_actions, score, expected, first_driver
):
    hold_reviews(personas.rollout, kpis=kpis, due_in_days=due_in_days, overdue_actions=overdue_actions)
    health = health_of("review", personas.rollout)
    assert (health.score, health.status) == (score, expected)
    assert first_fact(health).startswith(first_driver if score < 100 else "(full marks: no driver)")


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_the_demo_review_with_most_kpis_off_track_is_not_on_track_and_says_why_first(personas):
    """The bug seen in the demo: "On track" (71) beside "2 of 5 KPIs on track (3 off track)"."""
    hold_reviews(personas.rollout, kpis=["on_track"] * 2 + ["off_track"] * 3, due_in_days=14)
    health = health_of("review", personas.rollout)
    assert health.status == OFF and health.score <= 39
    assert "KPIs off track" in health.drivers[0].fact
    assert health.drivers[1].fact == "2 of 5 KPIs on track at review 1 (0 at risk, 3 off track)"
    assert health.drivers[1].points_lost == 24
    assert "2 of 5 KPIs on track at review 1 (0 at risk, 3 off track)." in health.reasons
    assert health.next_action == "Prepare review 2, due 2 Mar"


# Every step: number and label agree; a ceiling speaks only when it lowers the status -----------

ROLLOUT = SimpleNamespace(pk=1, organization_id=1)


def strategize_grid():
    step = registry.get("strategize")
    for status, complete, n_metrics in itertools.product(
        ("draft", "submitted", "approved"), (False, True), (0, 2)
    ):
        ws = Worksheet(status=status)
        for name in COUNTS:
            setattr(ws, name, 0)
        if complete:
            ws.main_purpose, ws.coverage, ws.moderation, ws.review_cadence = (
                "other",
                "custom",
                "pre",
                "monthly",
            )
            ws.business_owner_id = ws.budget_holder_id = ws.process_manager_id = 1
            ws.budget_amount, ws.response_target_hours, ws.first_review_date = 1, 8, TODAY
            for name in ("n_objectives", "n_allowances", "n_stakeholders", "n_stakeholders_high"):
                setattr(ws, name, 1)
            ws.n_audiences = ws.n_channels = 1
        ws.n_metrics = n_metrics
        yield lambda ws=ws: step._health(ROLLOUT, ws)


def incentivize_grid():
    step = registry.get("incentivize")
    org = {"audience": 10, "leaders": 2}
    for planned, reach, leaders in itertools.product((0, 3), (0, 1, 3, 5, 10), (0, 1, 2)):
        if planned or reach:
            yield lambda p=planned, r=reach, n=leaders: step._health(ROLLOUT, p, r, n, org)


def trust_grid():
    step = registry.get("trust")
    guideline = SimpleNamespace(pk=1)
    for acknowledged, modules, rate, open_now in itertools.product(
        (None, 0, 5, 9, 10),
        (0, 2),
        (0, 50, 100),
        ({}, {"low": 2}, {"high": 1}, {"critical": 1}, {"critical": 1, "medium": 1}),
    ):
        guidelines = [] if acknowledged is None else [guideline]
        figures = {1: {"audience": 10, "acknowledged": acknowledged or 0, "rate": 10 * (acknowledged or 0)}}
        training = {"modules": modules, "rate": rate if modules else None}
        yield lambda g=guidelines, f=figures, t=training, o=open_now: step._health(ROLLOUT, g, f, t, o)


def champion_grid():
    step = registry.get("champion")
    units = [
        {"pk": 1, "name": "Sales", "headcount": 60},
        {"pk": 2, "name": "Finance", "headcount": 40},
        {"pk": 3, "name": "Nursing", "headcount": 140},
    ]
    for covering, recently, last, previous in itertools.product(
        ({}, {1: 2}, {1: 2, 2: 1}, {3: 3}, {1: 2, 2: 1, 3: 3}), (0, 1, 3), (0, 4), (0, 8)
    ):
        covered = {(ROLLOUT.pk, unit): n for unit, n in covering.items()}
        figures = {"total": 3, "active": 3, "recently_active": recently, "nominated": 0}
        sessions = {"last_30": last, "previous_30": previous}
        yield lambda c=covered, f=figures, s=sessions: step._health(ROLLOUT, 50, f, s, c, units)


def review_grid():
    step = registry.get("review")
    for due_in, kpis, overdue in itertools.product(
        (None, 10, 0, -7, -28, -29, -60),
        (None, (5, 0, 0, 0), (2, 0, 0, 3), (4, 0, 0, 1), (1, 2, 0, 0), (2, 1, 0, 0), (1, 0, 3, 1)),
        (0, 1, 4),
    ):
        upcoming = (
            None if due_in is None else {"pk": 7, "number": 2, "due_date": TODAY + timedelta(days=due_in)}
        )
        last = None
        if kpis is not None:
            on, at_risk, no_data, off = kpis
            last = {
                "number": 1,
                "n_kpis": on + at_risk + no_data + off,
                "n_on_track": on,
                "n_at_risk": at_risk,
                "n_off_track": off,
            }
        if upcoming is None and last is None:
            continue
        actions = {"open": overdue + 1, "overdue": overdue}
        yield lambda u=upcoming, l=last, a=actions: step._health(ROLLOUT, TODAY, u, l, a)  # noqa: E741


GRIDS = {
    strategy.step: strategize_grid,
    incentives.step: incentivize_grid,
    trust.step: trust_grid,
    champions.step: champion_grid,
    reviews.step: review_grid,
}


@pytest.mark.parametrize("module", GRIDS, ids=lambda module: module.__name__)
def test_score_and_status_agree_and_a_ceiling_speaks_only_when_it_lowers_the_status(module, monkeypatch):
    """Each combination is computed twice: as the step does, and with its ceilings ignored."""
    healths = [compute() for compute in GRIDS[module]()]
    monkeypatch.setattr(module, "scored", lambda parts, **kwargs: scored(parts, **{**kwargs, "ceilings": ()}))
    uncapped = [compute() for compute in GRIDS[module]()]
    lowered = 0
    for health, plain in zip(healths, uncapped, strict=True):
        assert Status.from_score(health.score) == health.status
        assert len(health.drivers) <= 3 and (health.drivers or health.score == 100)
        assert health.reasons == plain.reasons and health.next_action == plain.next_action
        if health.status == plain.status:
            assert health.score == plain.score and health.drivers == plain.drivers
        else:
            lowered += 1
            assert Status.ORDER.index(health.status) < Status.ORDER.index(plain.status)
            assert health.score == Status.TOP_SCORE[health.status] < plain.score
            ceiling_reason = health.drivers[0].fact
            assert ceiling_reason not in facts(plain) and ceiling_reason + "." not in health.reasons
    assert lowered, "the grid must include evidence that lowers the status"
