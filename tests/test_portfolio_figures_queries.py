"""The figures the portfolio caches for an organization (every step's `portfolio_figures`) are what
the first page after a write pays for: a fixed, small number of queries, the same for 3 or 40
rollouts, and the same figures whether or not the rollouts come with their organization."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rollout.models import Rollout
from rollout.steps import registry

from .champions.factories import ChampionFactory
from .factories import RolloutFactory

pytestmark = pytest.mark.django_db

# Queries of each step's portfolio_figures() for all the rollouts of an organization, loaded as the
# portfolio loads them (with their organization).
BUDGET = {
    "strategize": 3,  # worksheets with their counts, success metrics, audiences' units
    "incentivize": 2,  # plan lines, people reached and active leaders together; people
    "trust": 5,  # guidelines, members (audiences and training), acknowledgements, training, incidents
    "champion": 4,  # champions, sessions (30-day windows and weeks together), units covered, units
    # windows, metrics, audiences, units, listed audiences' people, response targets, questions,
    # alerts, response and active weeks, units
    "engage": 11,
    "review": 2,  # the open and the last completed reviews together, actions
}


def rollouts_of(organization):
    """The organization's rollouts as the portfolio loads them."""
    return list(
        Rollout.objects.filter(organization=organization).select_related("organization", "platform", "owner")
    )


def _queries(rollouts):
    counts = {}
    for step in registry.steps():
        with CaptureQueriesContext(connection) as queries:
            step.portfolio_figures(rollouts)
        counts[step.key] = len(queries)
    return counts


def test_each_step_reads_its_figures_in_its_budget_the_same_for_3_or_40_rollouts(northwind):
    few = _queries(rollouts_of(northwind))
    for rollout in RolloutFactory.create_batch(37, organization=northwind):
        ChampionFactory(rollout=rollout)
    many = _queries(rollouts_of(northwind))
    assert few == many
    assert many == BUDGET
    assert sum(many.values()) <= 27


def test_the_figures_are_the_same_without_the_organization_loaded(northwind):
    """Without their organization the rollouts cost a query or two more in some steps (their
    organizations' settings), not one more per rollout, and give the same figures."""
    loaded = rollouts_of(northwind)
    plain = list(Rollout.objects.filter(organization=northwind))
    for step in registry.steps():
        with CaptureQueriesContext(connection) as queries:
            figures = step.portfolio_figures(plain)
        assert figures == step.portfolio_figures(loaded), step.key
        assert len(queries) <= BUDGET[step.key] + 2, step.key


def test_the_portfolio_figures_are_health_facts_and_units(northwind):
    """A step's portfolio_figures() says what its health(), portfolio_facts() and units_of() say."""
    rollouts = rollouts_of(northwind)
    for step in registry.steps():
        together = step.portfolio_figures(rollouts)
        assert together == (step.health(rollouts), step.portfolio_facts(rollouts), step.units_of(rollouts))
