import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from rollout.models import (
    Invitation,
    Membership,
    Notification,
    Organization,
    Platform,
    Role,
    Rollout,
    Unit,
    User,
)


class OrganizationFactory(DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organization {n}")
    slug = factory.Sequence(lambda n: f"organization-{n}")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    full_name = factory.Faker("name")
    password = factory.django.Password("correct horse battery staple")


class UnitFactory(DjangoModelFactory):
    class Meta:
        model = Unit

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Unit {n}")
    headcount = 40


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Role.MEMBER


PRODUCT_NAMES = [
    ("viva engage", Platform.Product.VIVA_ENGAGE),
    ("teams", Platform.Product.TEAMS),
    ("slack", Platform.Product.SLACK),
    ("workplace", Platform.Product.WORKPLACE),
]


class PlatformFactory(DjangoModelFactory):
    class Meta:
        model = Platform

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Platform {n}")
    # A platform named after a product is that product (the personas' "Viva Engage" takes Viva
    # Engage exports); "Platform 7" is none in particular and takes only Rollout's template.
    product = factory.LazyAttribute(
        lambda platform: next(
            (product for word, product in PRODUCT_NAMES if word in platform.name.lower()),
            Platform.Product.OTHER,
        )
    )


class RolloutFactory(DjangoModelFactory):
    class Meta:
        model = Rollout

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Rollout {n}")
    platform = factory.SubFactory(PlatformFactory, organization=factory.SelfAttribute("..organization"))
    status = Rollout.Status.LIVE


class InvitationFactory(DjangoModelFactory):
    class Meta:
        model = Invitation

    organization = factory.SubFactory(OrganizationFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.com")
    role = Role.MEMBER


class NotificationFactory(DjangoModelFactory):
    class Meta:
        model = Notification

    organization = factory.SubFactory(OrganizationFactory)
    recipient = factory.SubFactory(UserFactory)
    kind = "digest"
    key = factory.Sequence(lambda n: f"test:{n}")
    scheduled_for = factory.LazyFunction(timezone.now)
    next_attempt_at = factory.SelfAttribute("scheduled_for")
