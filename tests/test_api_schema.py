"""schemathesis against a running Rollout, as `schemathesis run --checks all` runs it (docs/api.md):
the schema as the live server serves it, a real token of the demo organization's admin, every
operation with generated valid and invalid requests, and every check schemathesis has.

It finds nothing: every answer (errors included) is documented with its shape, every schema-valid
request is accepted (schemathesis.toml lists the writes whose rules depend on stored data or the
clock), every invalid one refused, and no operation answers without authentication.
Deterministic (derandomized) and bounded, so that it stays well under a minute of requests.
"""

import io

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS

from rollout.api.throttling import TokenRateThrottle
from rollout.api.tokens import create_token
from rollout.models import Membership, Role

EXAMPLES = 8  # per operation and generation mode


@pytest.fixture
def admin_token(transactional_db, monkeypatch):
    """A read/write token of the demo organization's admin, with the rate limit out of the way
    (the 429 is documented; here it would only hide what the other requests find)."""
    call_command("seed_demo", stdout=io.StringIO())
    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"token": "100000/minute"})
    admin = Membership.objects.filter(
        role=Role.ADMIN, user__email="admin@northwind.example", organization__name="Northwind Health"
    ).get()
    return create_token(admin.user, admin.organization, "schemathesis", "write")[1]


def test_schemathesis_finds_nothing_against_a_live_server(live_server, admin_token):
    headers = {"Authorization": f"Bearer {admin_token}"}
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/schema/?format=json", headers=headers)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    checks = CHECKS.get_all()
    failures = []
    # Schemathesis sends, on purpose and from this one address, hundreds of requests with wrong
    # credentials (check ST401 expects 401): the limit on wrong tokens would answer them 429 first.
    many = {**django_settings.RATE_LIMITS, "token_failures": "100000/m"}
    with override_settings(RATE_LIMITS=many):
        failures += run_checks(operations, headers, checks)
    assert failures == []


def run_checks(operations, headers, checks):
    failures = []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def check(case):
                case.call_and_validate(headers=headers, checks=checks)

            try:
                check()
            except Exception as failure:  # report every operation's failure, not only the first
                failures.append(f"{operation.label} ({mode.value}): {failure}")
    return failures
