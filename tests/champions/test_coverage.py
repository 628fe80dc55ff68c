import sys
import types
from datetime import date

import pytest
from django.urls import reverse

from champions.coverage import coverage_rows, coverage_summary, unit_coverage

from ..factories import RolloutFactory, UnitFactory
from .factories import ChampionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def units(personas):
    """Sales (60 people) from the personas plus four more, covered in different ways."""
    make = lambda name, headcount, kind="department": UnitFactory(  # noqa: E731
        organization=personas.org, name=name, headcount=headcount, kind=kind
    )
    return {
        "Sales": personas.unit,
        "Nursing": make("Nursing", 420),
        "Finance": make("Finance", 30),
        "Board": make("Board", 0),
        "Tacoma": make("Tacoma", 190, "location"),
    }


def rows_by_name(rollout, org_units, target=50, sort="worst"):
    return {row.unit.name: row for row in coverage_rows(unit_coverage(rollout, org_units, sort), target)}


def test_coverage_counts_active_champions_per_unit_as_one_per_n(personas, units):
    rollout = personas.rollout
    ChampionFactory(rollout=rollout, units=[units["Sales"], units["Tacoma"]])
    ChampionFactory(rollout=rollout, units=[units["Sales"]])
    ChampionFactory(rollout=rollout, units=[units["Finance"]])
    # Not counted: a stepped-down champion, a nomination, a champion of another rollout.
    ChampionFactory(rollout=rollout, units=[units["Nursing"]], status="stepped_down")
    ChampionFactory(rollout=rollout, units=[units["Nursing"]], status="nominated")
    other = RolloutFactory(organization=personas.org, platform=personas.platform)
    ChampionFactory(rollout=other, units=[units["Nursing"]])

    rows = rows_by_name(rollout, personas.org.units.all())
    assert {name: (r.headcount, r.active_champions, r.ratio_label, r.status) for name, r in rows.items()} == {
        "Sales": (60, 2, "1 per 30", "met"),
        "Nursing": (420, 0, "none", "gap"),
        "Finance": (30, 1, "1 per 30", "met"),
        "Board": (0, 0, "—", "empty"),
        "Tacoma": (190, 1, "1 per 190", "below"),
    }
    assert (rows["Nursing"].champions_needed, rows["Tacoma"].champions_needed) == (9, 3)
    assert rows["Board"].champions_needed == 0


def test_coverage_sorts_worst_first_gaps_then_ratio_and_no_headcount_last(personas, units):
    ChampionFactory(rollout=personas.rollout, units=[units["Sales"], units["Tacoma"]])
    ChampionFactory(rollout=personas.rollout, units=[units["Finance"]])
    names = list(rows_by_name(personas.rollout, personas.org.units.all()))
    assert names == ["Nursing", "Tacoma", "Sales", "Finance", "Board"]
    by_headcount = list(rows_by_name(personas.rollout, personas.org.units.all(), sort="headcount"))
    assert by_headcount[:2] == ["Nursing", "Tacoma"]


def test_the_coverage_summary_counts_gaps_and_units_at_target(personas, units):
    ChampionFactory(rollout=personas.rollout, units=[units["Sales"], units["Finance"]])
    summary = coverage_summary(personas.rollout, personas.org.units.all())
    assert summary == {
        "units": 4,
        "gaps": 2,  # Nursing and Tacoma; the Board has no headcount
        "met": 1,  # Finance (1 per 30); Sales is 1 per 60
        "headcount": 700,
        "active": 1,
        "target": 50,
    }


def test_the_coverage_target_is_the_organizations_setting(client_as, personas, units):
    personas.org.champion_target_ratio = 100
    personas.org.save()
    ChampionFactory(rollout=personas.rollout, units=[units["Sales"]])
    response = client_as(personas.leader).get(reverse("champions:coverage", args=[personas.rollout.pk]))
    rows = {row.unit.name: row for row in response.context["rows"]}
    assert rows["Sales"].status == "met"
    assert "one active champion per 100 people" in response.text
    assert response.text.index("Nursing") < response.text.index("Sales")  # worst first


def fake_operating_model(monkeypatch, model):
    """Stand in for strategy.selectors.operating_model, the strategy step's read function."""
    module = sys.modules.get("strategy.selectors") or types.ModuleType("strategy.selectors")
    monkeypatch.setitem(sys.modules, "strategy.selectors", module)
    monkeypatch.setattr(module, "operating_model", lambda rollout: model, raising=False)


def test_a_24_7_operating_model_shows_coverage_by_time_zone_and_shift(client_as, personas, monkeypatch):
    model = types.SimpleNamespace(
        coverage="24_7", time_zones=["America/Los_Angeles", "Asia/Manila"], response_target_hours=4
    )
    fake_operating_model(monkeypatch, model)
    ChampionFactory(rollout=personas.rollout, time_zone="America/Los_Angeles", shift="day")
    ChampionFactory(rollout=personas.rollout, time_zone="America/Los_Angeles", shift="night")
    ChampionFactory(rollout=personas.rollout, time_zone="Europe/Dublin", shift="flexible")
    response = client_as(personas.manager).get(reverse("champions:coverage", args=[personas.rollout.pk]))
    shifts = response.context["shifts"]
    grid = {zone: [n for _, n in cells] for zone, cells in shifts["rows"]}
    assert grid == {
        "America/Los_Angeles": [1, 0, 1],
        "Asia/Manila": [0, 0, 0],
        "Europe/Dublin": [1, 1, 1],
    }
    assert shifts["gaps"] == 4
    assert "Round-the-clock coverage" in response.text


@pytest.mark.parametrize("model", [None, types.SimpleNamespace(coverage="business_hours", time_zones=[])])
def test_without_a_24_7_operating_model_there_is_no_shift_grid(client_as, personas, monkeypatch, model):
    fake_operating_model(monkeypatch, model)
    response = client_as(personas.manager).get(reverse("champions:coverage", args=[personas.rollout.pk]))
    assert response.context["shifts"] is None
    assert "Round-the-clock coverage" not in response.text


def test_the_champion_coverage_metric_is_people_per_active_champion_on_a_date(personas, units):
    from rollout.metrics import catalogue

    metric = catalogue.get("champion_coverage")
    ChampionFactory(rollout=personas.rollout, units=[units["Finance"]], start_date=date(2026, 1, 5))
    ChampionFactory(
        rollout=personas.rollout,
        units=[units["Sales"]],
        start_date=date(2026, 1, 5),
        status="stepped_down",
        stepped_down_on=date(2026, 3, 1),
    )
    ChampionFactory(rollout=personas.rollout, units=[units["Sales"]], start_date=date(2026, 2, 1))
    # People are counted once, by department: Sales 60 + Nursing 420 + Finance 30 + Board 0 = 510
    # (Tacoma is a location: the same people again).
    assert metric.compute(personas.rollout, date(2026, 2, 1)) == 170.0  # 3 champions
    assert metric.compute(personas.rollout, date(2026, 4, 1)) == 255.0  # one stepped down
    assert metric.compute(personas.rollout, date(2026, 1, 1)) is None  # nobody had started
    assert metric.computed and not metric.higher_is_better
