import factory
from factory.django import DjangoModelFactory

from incentives.models import (
    AppraisalObjective,
    BadgeAward,
    BadgeClass,
    BadgeLevel,
    PlannedIncentive,
    PointsClaim,
    PointsEntry,
    PointsRule,
    Recognition,
)

from ..factories import RolloutFactory, UserFactory


class PlannedIncentiveFactory(DjangoModelFactory):
    class Meta:
        model = PlannedIncentive

    rollout = factory.SubFactory(RolloutFactory)
    incentive = "recognition"
    audience = factory.Sequence(lambda n: f"Audience {n}")
    rationale = "People like to be thanked in public."


class PointsRuleFactory(DjangoModelFactory):
    class Meta:
        model = PointsRule

    rollout = factory.SubFactory(RolloutFactory)
    event = "support_session_logged"
    points = 10
    daily_cap = 5


class PointsEntryFactory(DjangoModelFactory):
    class Meta:
        model = PointsEntry

    rollout = factory.SubFactory(RolloutFactory)
    person = factory.SubFactory(UserFactory)
    points = 10
    reason = "Helped a colleague"


class PointsClaimFactory(DjangoModelFactory):
    class Meta:
        model = PointsClaim

    rollout = factory.SubFactory(RolloutFactory)
    person = factory.SubFactory(UserFactory)
    points = 20
    reason = "Ran a lunch-and-learn"


class BadgeFactory(DjangoModelFactory):
    class Meta:
        model = BadgeClass
        skip_postgeneration_save = True

    rollout = factory.SubFactory(RolloutFactory)
    name = factory.Sequence(lambda n: f"Badge {n}")
    description = "For helping colleagues."
    criteria = "Help colleagues with the platform."

    @factory.post_generation
    def levels(self, create, extracted, **kwargs):
        """levels=[(rank, threshold), ...]; a single standard level by default."""
        for rank, threshold in extracted or [(0, None)]:
            BadgeLevel.objects.create(badge=self, rank=rank, threshold=threshold)


class BadgeAwardFactory(DjangoModelFactory):
    class Meta:
        model = BadgeAward

    level = factory.LazyAttribute(lambda o: BadgeFactory().levels.first())
    badge = factory.LazyAttribute(lambda o: o.level.badge)
    rollout = factory.LazyAttribute(lambda o: o.level.badge.rollout)
    person = factory.SubFactory(UserFactory)
    source = "manual"


class RecognitionFactory(DjangoModelFactory):
    class Meta:
        model = Recognition

    rollout = factory.SubFactory(RolloutFactory)
    giver = factory.SubFactory(UserFactory)
    recipient = factory.SubFactory(UserFactory)
    message = "Thank you for the help with the app."


class AppraisalObjectiveFactory(DjangoModelFactory):
    class Meta:
        model = AppraisalObjective

    rollout = factory.SubFactory(RolloutFactory)
    person = factory.SubFactory(UserFactory)
    objective = "Answers questions in the community within a day"
    measure = "80% of questions answered within 24 hours"
