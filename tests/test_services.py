"""The real services: PostgreSQL and Redis in CI (CI=true makes a missing one a failure)."""

import uuid
from datetime import date

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction

from rollout.models import Membership

from .conftest import skip_unless_ci
from .factories import MembershipFactory, RolloutFactory


@pytest.mark.django_db
def test_the_suite_runs_on_postgresql():
    if connection.vendor != "postgresql":
        skip_unless_ci("DATABASE_URL does not point at PostgreSQL")
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        assert cursor.fetchone()[0]


def test_the_cache_is_redis_and_round_trips():
    if not settings.REDIS_URL:
        skip_unless_ci("REDIS_URL is not set")
    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
    key = f"rollout-test-{uuid.uuid4()}"
    cache.set(key, {"ok": 1}, 30)
    assert cache.get(key) == {"ok": 1}
    cache.delete(key)


@pytest.mark.django_db
def test_the_database_refuses_a_target_before_the_start(personas):
    with pytest.raises(IntegrityError), transaction.atomic():
        RolloutFactory(organization=personas.org, start_date=date(2027, 2, 1), target_date=date(2027, 1, 1))


@pytest.mark.django_db
def test_the_database_refuses_two_memberships_in_one_organization(personas):
    with pytest.raises(IntegrityError), transaction.atomic():
        MembershipFactory(user=personas.leader, organization=personas.org)
    assert Membership.objects.filter(user=personas.leader).count() == 1
