import pytest

from .factories import ChampionFactory, SkillFactory


@pytest.fixture
def skills(personas):
    return [
        SkillFactory(organization=personas.org, name=name)
        for name in ("Guidelines and safe practice", "Mobile set-up", "Answering questions")
    ]


@pytest.fixture
def champion(personas):
    """The champion persona, an active champion of rollout A covering the Sales unit."""
    return ChampionFactory(rollout=personas.rollout, user=personas.champion, units=[personas.unit])
