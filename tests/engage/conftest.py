import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from engage import services
from engage.models import ImportBatch
from rollout.models import Unit
from tests.factories import MembershipFactory, PlatformFactory, UnitFactory
from tests.fake_graph import fake_graph, graph_certificate  # noqa: F401  (fixtures)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def personas_rollout_also_accepts_teams_and_slack(request):
    """The personas' rollout runs on Viva Engage and, as its manager may set in its settings, also
    accepts Teams and Slack exports: the format tests load every format into it. The refusal of
    other platforms' exports is tested on rollouts of its own (test_platform_fit.py)."""
    if "personas" not in request.fixturenames:
        return
    personas = request.getfixturevalue("personas")
    personas.rollout.also_accepts.add(
        PlatformFactory(organization=personas.org, name="Microsoft Teams"),
        PlatformFactory(organization=personas.org, name="Slack"),
    )


@pytest.fixture
def people(personas):
    """Twelve members of Acme's Sales unit (60 people) and three in a small unit (3 people)."""
    small = UnitFactory(organization=personas.org, name="Legal", headcount=3)
    for index in range(12):
        MembershipFactory(
            organization=personas.org, unit=personas.unit, user__email=f"seller{index}@acme.example"
        )
    for index in range(3):
        MembershipFactory(organization=personas.org, unit=small, user__email=f"lawyer{index}@acme.example")
    return {"sales": personas.unit, "legal": small}


def upload(rollout, content, user, name="export.csv", **options):
    """Store and check a file as the upload page does (checked in the request)."""
    file = SimpleUploadedFile(name, content, content_type="text/csv")
    defaults = {"period_end": __import__("datetime").date(2026, 5, 31), "period_days": 30}
    defaults.update(options)
    batch = services.store_upload(rollout, file, user, defaults)
    return services.check(batch)


def import_now(batch, user):
    """Confirm and run the import in this process (the worker's job)."""
    batch.refresh_from_db()
    assert services.confirm(batch, user)
    services.run_import(batch.pk)
    batch.refresh_from_db()
    return batch


@pytest.fixture
def post_file(client_as):
    def post(user, rollout, content, name="export.csv", **data):
        client = client_as(user)
        file = SimpleUploadedFile(name, content, content_type="text/csv")
        return client.post(reverse("engage:upload", args=[rollout.pk]), {"file": file, **data})

    return post


__all__ = ["ImportBatch", "Unit", "import_now", "upload"]
