import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from champions.models import Champion, ChampionEvent, Skill, SupportSession

from ..factories import RolloutFactory, UserFactory


class SkillFactory(DjangoModelFactory):
    class Meta:
        model = Skill
        django_get_or_create = ("organization", "name")

    organization = factory.SubFactory("tests.factories.OrganizationFactory")
    name = factory.Sequence(lambda n: f"Skill {n}")


class ChampionFactory(DjangoModelFactory):
    class Meta:
        model = Champion
        skip_postgeneration_save = True

    rollout = factory.SubFactory(RolloutFactory)
    user = factory.SubFactory(UserFactory)
    status = Champion.Status.ACTIVE
    start_date = factory.LazyFunction(lambda: timezone.localdate() - timezone.timedelta(days=90))

    @factory.post_generation
    def units(self, create, extracted, **kwargs):
        if create and extracted:
            self.units.set(extracted)


class SupportSessionFactory(DjangoModelFactory):
    class Meta:
        model = SupportSession
        skip_postgeneration_save = True

    champion = factory.SubFactory(ChampionFactory)
    rollout = factory.SelfAttribute("champion.rollout")
    happened_at = factory.LazyFunction(timezone.now)
    minutes = 15
    people_helped = 1
    other_topic = "Setting up the mobile app"

    @factory.post_generation
    def topics(self, create, extracted, **kwargs):
        if create and extracted:
            self.topics.set(extracted)


class ChampionEventFactory(DjangoModelFactory):
    """A drop-in tomorrow, for everyone (units: a list to narrow it)."""

    class Meta:
        model = ChampionEvent
        skip_postgeneration_save = True

    champion = factory.SubFactory(ChampionFactory)
    rollout = factory.SelfAttribute("champion.rollout")
    kind = ChampionEvent.Kind.DROP_IN
    title = factory.Sequence(lambda n: f"Drop-in {n}")
    starts_at = factory.LazyFunction(lambda: timezone.now() + timezone.timedelta(days=1))
    ends_at = factory.LazyAttribute(lambda event: event.starts_at + timezone.timedelta(hours=1))
    where = "Ward B staff room"

    @factory.post_generation
    def units(self, create, extracted, **kwargs):
        if create and extracted:
            self.units.set(extracted)
