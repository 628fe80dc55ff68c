import pytest

from tests.fake_graph import fake_graph, graph_certificate  # noqa: F401  (fixtures)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def scripted():
    from rollout.connections import registry

    from .kinds import install

    kind = install()
    yield kind
    registry.unregister(kind.key)


@pytest.fixture
def connection(personas, scripted):
    from rollout.connections import services
    from rollout.connections.models import Connection

    row = Connection(organization=personas.org, kind="scripted", name="Scripted", schedule_hour=6)
    return services.save_connection(
        row,
        settings={"region": "eu"},
        secrets={"api_key": "good-key", "account": "acme"},
        user=personas.admin,
    )
