import pytest
from django.core.management import call_command

from rollout.models import Membership, Organization, Role, Rollout, User

pytestmark = pytest.mark.django_db


def counts():
    return (
        User.objects.count(),
        Membership.objects.count(),
        Rollout.objects.count(),
        Organization.objects.count(),
    )


def test_seed_demo_creates_northwind_and_is_idempotent(capsys):
    call_command("seed_demo")
    first = counts()
    call_command("seed_demo")
    assert counts() == first
    org = Organization.objects.get(name="Northwind Health")
    people = Membership.objects.filter(organization=org)
    assert 95 <= people.count() <= 110
    assert set(people.values_list("role", flat=True)) == set(Role.values)
    rollouts = {r.name: (r.status, r.platform.name) for r in org.rollouts.select_related("platform")}
    assert rollouts == {
        "Viva Engage for all staff": ("live", "Viva Engage"),
        "Teams for clinical teams": ("planning", "Microsoft Teams"),
    }
    output = capsys.readouterr().out
    for role in Role.values:
        email = f"{role}@northwind.example"
        assert email in output
        assert User.objects.get(email=email).check_password("rollout-demo")
    assert org.units.filter(kind="location").count() == 3


def test_the_demo_has_managers_who_read_german_and_french(capsys):
    from rollout.models import User

    call_command("seed_demo")
    languages = dict(
        User.objects.filter(
            email__in=["katrin.vogel@northwind.example", "camille.laurent@northwind.example"]
        ).values_list("email", "language")
    )
    assert languages == {"katrin.vogel@northwind.example": "de", "camille.laurent@northwind.example": "fr"}
    assert "camille.laurent@northwind.example" in capsys.readouterr().out  # printed with the logins
