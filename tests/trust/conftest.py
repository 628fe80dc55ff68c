import pytest

from ..factories import MembershipFactory, UnitFactory
from .factories import GuidelineFactory


@pytest.fixture
def guideline(personas):
    """Organization-wide guidelines of Acme, version 1 published."""
    return GuidelineFactory(
        organization=personas.org, title="Using Viva Engage", body="# Be kind\n\nThink first."
    )


@pytest.fixture
def grow_unit(personas):
    """grow_unit(name, people) adds a unit with `people` members; returns their users."""

    def grow(name, people):
        unit = UnitFactory(organization=personas.org, name=name, headcount=people)
        return [MembershipFactory(organization=personas.org, unit=unit).user for _ in range(people)]

    return grow
