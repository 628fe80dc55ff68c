"""Shared fixtures: personas in two organizations, the seeded demo, and the rule that CI skips nothing.

Personas: in organization A ("Acme") one user per role — admin, manager, champion, leader,
member — and in organization B ("Globex") an outsider who is an admin there, so any refusal
they meet in A is due to the organization, never the role.
"""

import io
import os
from dataclasses import dataclass

import pytest
from django.core.management import call_command

from rollout.models import Organization, Role

from .factories import MembershipFactory, OrganizationFactory, PlatformFactory, RolloutFactory, UnitFactory

IN_CI = os.environ.get("CI", "").lower() == "true"


def skip_unless_ci(reason):
    """Skip on a laptop without the service; in CI a missing service is a failure."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: this test must run, not skip)")
    pytest.skip(reason)


@dataclass
class Personas:
    org: object
    other_org: object
    users: dict  # role -> user in org A
    outsider: object  # admin of org B
    unit: object
    platform: object
    rollout: object
    other_rollout: object

    def __getattr__(self, name):
        try:
            return self.__dict__["users"][name]
        except KeyError:
            raise AttributeError(name) from None


@pytest.fixture
def personas(db):
    return make_personas()


@pytest.fixture
def northwind(db):
    """The demo organization from `seed_demo`, where every step has data to compute."""
    call_command("seed_demo", stdout=io.StringIO())
    return Organization.objects.get(slug="northwind-health")


def make_personas():
    """The personas' organizations, people and rollouts (see the module's docstring)."""
    org = OrganizationFactory(name="Acme", slug="acme")
    other_org = OrganizationFactory(name="Globex", slug="globex")
    unit = UnitFactory(organization=org, name="Sales", headcount=60)
    users = {}
    for role in Role.values:
        membership = MembershipFactory(
            organization=org,
            role=role,
            unit=unit,
            user__email=f"{role}@acme.example",
            user__full_name=role.title(),
        )
        users[role] = membership.user
    outsider = MembershipFactory(
        organization=other_org, role=Role.ADMIN, user__email="outsider@globex.example"
    ).user
    platform = PlatformFactory(organization=org, name="Viva Engage")
    rollout = RolloutFactory(
        organization=org, platform=platform, name="Engage for all", owner=users[Role.MANAGER]
    )
    other_rollout = RolloutFactory(organization=other_org, name="Globex chat")
    return Personas(org, other_org, users, outsider, unit, platform, rollout, other_rollout)


@pytest.fixture(autouse=True)
def fresh_cache():
    """Cached figures (the portfolio) and rate-limit counters never leak from one test into the next.

    Under Redis the cache shares its database with the Celery broker, so it is not flushed; a new
    data version makes every cached portfolio unreachable instead.
    """
    from django.core.cache import caches

    from rollout.data_versions import VERSION_KEY

    cache = caches["default"]
    if "LocMemCache" in type(cache).__name__:
        cache.clear()
    else:
        cache.set(VERSION_KEY, (cache.get(VERSION_KEY) or 1) + 1000, timeout=None)
    # Rate-limit counters start at zero in every test (under Redis, only this run's own keys).
    limits = caches["ratelimit"]
    if "LocMemCache" in type(limits).__name__:
        limits.clear()
    else:
        limits.delete_pattern("*")


@pytest.fixture
def client_as(client):
    """client_as(user) logs the test client in as `user` and returns it."""

    def login(user):
        client.force_login(user)
        return client

    return login


# Browser fixtures (Playwright + Debian's Chromium), available to every test package.
from .browser import browser, demo, page  # noqa: E402,F401
