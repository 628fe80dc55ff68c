"""The security suite's personas: made once per module (each module sends hundreds of requests),
with rows in every app (seeding.seed), inside a transaction the module rolls back; each test runs in a savepoint of its own."""

import pytest
from django.db import transaction

from ..conftest import make_personas
from .seeding import seed


@pytest.fixture(scope="module")
def module_personas(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        personas = make_personas()
        seed(personas)
        yield personas
        transaction.set_rollback(True)


@pytest.fixture
def personas(db, module_personas):
    return module_personas
