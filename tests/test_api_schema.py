"""schemathesis against the generated OpenAPI schema: a bounded number of generated requests per
operation, sent through the real WSGI application with a real token. No server errors, answers
that match the schema, and no operation that answers without authentication."""

import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import ignored_auth, response_schema_conformance

from rollout.api.tokens import create_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_schema(db):
    from drf_spectacular.generators import SchemaGenerator

    raw = json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True), default=str))
    schema = schemathesis.openapi.from_dict(raw)
    schema.app = get_wsgi_application()
    # Requests run in this thread and its test transaction: keep Django from closing the
    # connection at the end of each request, as its own test client does.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield schema
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_every_operation_answers_generated_requests_without_a_server_error(api_schema, personas):
    _, token = create_token(personas.manager, personas.org, "schemathesis", "write")
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 15
    for operation in operations:

        @settings(
            max_examples=6,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def check(case):
            case.call_and_validate(
                headers={"Authorization": f"Bearer {token}"},
                checks=[not_a_server_error, response_schema_conformance, ignored_auth],
            )

        check()
