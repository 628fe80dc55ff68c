"""The house rules of DESIGN.md section 2, checked on the code itself."""

import ast
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rollout.steps import Step, StepHealth, StepRegistry, registry

from .factories import RolloutFactory

ROOT = Path(__file__).resolve().parent.parent
STEP_APPS = {"strategy", "incentives", "trust", "champions", "engage", "reviews"}


def imported_modules(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def test_rollout_never_imports_a_step_app():
    offenders = [
        (str(path.relative_to(ROOT)), module)
        for path in (ROOT / "rollout").rglob("*.py")
        for module in imported_modules(path)
        if module.split(".")[0] in STEP_APPS
    ]
    assert offenders == []


def test_the_six_steps_are_registered_in_order():
    steps = registry.steps()
    assert [(s.number, s.name) for s in steps] == [
        (1, "Strategize"),
        (2, "Incentivize"),
        (3, "Trust"),
        (4, "Champion"),
        (5, "Engage"),
        (6, "Review"),
    ]
    assert all(s.icon and s.summary and s.questions and s.first_action for s in steps)


def test_a_step_cannot_be_registered_twice():
    class One(Step):
        number, key, name = 1, "one", "One"

    fresh = StepRegistry()
    fresh.register(One())
    with pytest.raises(ValueError):
        fresh.register(One())


@pytest.mark.django_db
def test_health_for_many_rollouts_costs_a_bounded_number_of_queries():
    rollouts = RolloutFactory.create_batch(3)
    with CaptureQueriesContext(connection) as few:
        table = registry.health_table(rollouts)
    rollouts += RolloutFactory.create_batch(27)
    with CaptureQueriesContext(connection) as many:
        table = registry.health_table(rollouts)
    assert len(few) == len(many)
    for _step, by_rollout in table:
        assert set(by_rollout) == {r.pk for r in rollouts}
        assert all(isinstance(h, StepHealth) for h in by_rollout.values())


def test_a_step_without_records_says_so_and_links_to_where_to_start():
    rollout = RolloutFactory.build(pk=41)
    health = registry.get("trust").health([rollout])[41]
    assert not health.started
    assert health.next_action == "Publish the usage guidelines"
    assert health.next_url == "/r/41/trust/"
