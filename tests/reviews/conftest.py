"""Fixtures of the review step: a rollout with an approved-style strategy and its first review.

The rollout of organization A starts on 5 Jan 2026 and aims at 31 Dec 2026; its strategy is
reviewed monthly from 2 Feb 2026 and has three success metrics: one Rollout computes (support
sessions, from the champion step), one from the catalogue entered by hand (participation rate)
and one custom (all-staff emails, where lower is better). Organization A is in UTC.
"""

from datetime import date
from decimal import Decimal

import pytest

from reviews.services import create_review
from rollout.models import Platform
from strategy.models import SuccessMetric, Worksheet

from ..factories import PlatformFactory


@pytest.fixture
def strategy(personas):
    rollout = personas.rollout
    rollout.start_date, rollout.target_date = date(2026, 1, 5), date(2026, 12, 31)
    rollout.save()
    worksheet = Worksheet.objects.create(
        rollout=rollout, review_cadence="monthly", first_review_date=date(2026, 2, 2)
    )
    for key, custom, baseline, target in [
        ("support_sessions", "", "0", "100"),
        ("participation_rate", "", "10", "60"),
        ("custom", "All-staff emails per month", "14", "6"),
    ]:
        SuccessMetric.objects.create(
            worksheet=worksheet,
            metric_key=key,
            custom_name=custom,
            baseline=Decimal(baseline),
            target=Decimal(target),
            target_date=date(2026, 12, 31),
        )
    return worksheet


@pytest.fixture
def platforms(personas):
    """Viva Engage (the personas' platform, in use), Teams (in use), and a retired one."""
    return [
        personas.platform,
        PlatformFactory(organization=personas.org, name="Teams", status=Platform.Status.IN_USE),
        PlatformFactory(organization=personas.org, name="Old intranet", status=Platform.Status.RETIRED),
    ]


@pytest.fixture
def review(personas, strategy, platforms):
    """Review 1, due 2 Feb 2026, owned by the manager."""
    return create_review(personas.rollout, date(2026, 2, 2), personas.manager)
