import pytest
from django.urls import reverse

from rollout.models import Invitation, Membership, Role, Unit

from .factories import InvitationFactory, MembershipFactory, RolloutFactory, UnitFactory

pytestmark = pytest.mark.django_db


def test_an_admin_changes_the_organization_settings(client_as, personas):
    response = client_as(personas.admin).post(
        reverse("rollout:settings"),
        {
            "name": "Acme Corp",
            "timezone": "Europe/Amsterdam",
            "digest_weekday": 4,
            "digest_hour": 9,
            "response_target_hours": 8,
            "privacy_min_group": 7,
            "champion_target_ratio": 40,
        },
    )
    assert response.status_code == 302
    personas.org.refresh_from_db()
    assert (personas.org.name, personas.org.timezone, personas.org.response_target_hours) == (
        "Acme Corp",
        "Europe/Amsterdam",
        8,
    )


def test_bad_settings_rerender_with_errors_and_change_nothing(client_as, personas):
    response = client_as(personas.admin).post(
        reverse("rollout:settings"),
        {
            "name": "Acme",
            "timezone": "Mars/Olympus",
            "digest_weekday": 0,
            "digest_hour": 25,
            "response_target_hours": 24,
            "privacy_min_group": 1,
            "champion_target_ratio": 0,
        },
    )
    errors = response.context["form"].errors
    assert set(errors) == {"timezone", "digest_hour", "privacy_min_group", "champion_target_ratio"}
    personas.org.refresh_from_db()
    assert personas.org.timezone == "UTC"


def test_the_member_list_searches_and_filters(client_as, personas):
    client = client_as(personas.admin)
    response = client.get(reverse("rollout:members"), {"role": "champion"})
    assert "champion@acme.example" in response.text
    assert "leader@acme.example" not in response.text
    response = client.get(reverse("rollout:members"), {"q": "LEADER@"})
    assert "leader@acme.example" in response.text
    assert "outsider@globex.example" not in response.text


def test_an_admin_changes_a_role_and_unit(client_as, personas):
    unit = UnitFactory(organization=personas.org, name="Support")
    membership = Membership.objects.get(user=personas.member, organization=personas.org)
    response = client_as(personas.admin).post(
        reverse("rollout:member_edit", args=[membership.pk]), {"role": "champion", "unit": unit.pk}
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert (membership.role, membership.unit) == (Role.CHAMPION, unit)


def test_the_only_admin_cannot_be_demoted_or_removed(client_as, personas):
    membership = Membership.objects.get(user=personas.admin, organization=personas.org)
    client = client_as(personas.admin)
    response = client.post(reverse("rollout:member_edit", args=[membership.pk]), {"role": "member"})
    assert "only admin" in response.text
    response = client.post(reverse("rollout:member_remove", args=[membership.pk]))
    assert response.status_code == 400
    assert "only admin" in response.text
    membership.refresh_from_db()
    assert membership.role == Role.ADMIN


def test_an_admin_can_step_down_once_there_is_another_admin(client_as, personas):
    MembershipFactory(organization=personas.org, role=Role.ADMIN)
    membership = Membership.objects.get(user=personas.admin, organization=personas.org)
    client_as(personas.admin).post(reverse("rollout:member_edit", args=[membership.pk]), {"role": "manager"})
    membership.refresh_from_db()
    assert membership.role == Role.MANAGER


def test_a_unit_of_another_organization_is_not_a_choice(client_as, personas):
    foreign = UnitFactory(organization=personas.other_org)
    membership = Membership.objects.get(user=personas.member, organization=personas.org)
    response = client_as(personas.admin).post(
        reverse("rollout:member_edit", args=[membership.pk]), {"role": "member", "unit": foreign.pk}
    )
    assert "unit" in response.context["form"].errors


def test_removing_a_member_keeps_their_account(client_as, personas):
    membership = Membership.objects.get(user=personas.member, organization=personas.org)
    client_as(personas.admin).post(reverse("rollout:member_remove", args=[membership.pk]))
    assert not Membership.objects.filter(pk=membership.pk).exists()
    personas.member.refresh_from_db()
    assert personas.member.is_active


def test_inviting_creates_an_invitation_and_queues_its_email(
    client_as, personas, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    monkeypatch.setattr("rollout.tasks.send_invitation.delay", lambda pk: sent.append(pk))
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(personas.admin).post(
            reverse("rollout:invitation_create"), {"email": "New.Person@Example.com", "role": "champion"}
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get(email="new.person@example.com")
    assert (invitation.role, invitation.organization, invitation.invited_by) == (
        "champion",
        personas.org,
        personas.admin,
    )
    assert sent == [invitation.pk]


@pytest.mark.parametrize(
    "email, message",
    [
        ("leader@acme.example", "already a member"),
        ("pending@example.com", "still pending"),
        ("not-an-email", "valid email"),
    ],
)
def test_a_bad_invitation_is_refused_with_a_reason(client_as, personas, email, message):
    InvitationFactory(organization=personas.org, email="pending@example.com")
    response = client_as(personas.admin).post(
        reverse("rollout:invitation_create"), {"email": email, "role": "member"}
    )
    assert response.status_code == 200
    assert message in " ".join(response.context["invite_form"].errors["email"])
    assert Invitation.objects.count() == 1


def test_revoking_an_invitation(client_as, personas):
    invitation = InvitationFactory(organization=personas.org)
    client_as(personas.admin).post(reverse("rollout:invitation_revoke", args=[invitation.pk]))
    invitation.refresh_from_db()
    assert invitation.state == "revoked"


def test_resending_clears_the_claim_so_the_email_goes_again(
    client_as, personas, django_capture_on_commit_callbacks, monkeypatch
):
    from django.utils import timezone

    sent = []
    monkeypatch.setattr("rollout.tasks.send_invitation.delay", lambda pk: sent.append(pk))
    invitation = InvitationFactory(organization=personas.org, email_sent_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        client_as(personas.admin).post(reverse("rollout:invitation_resend", args=[invitation.pk]))
    invitation.refresh_from_db()
    assert invitation.email_sent_at is None
    assert sent == [invitation.pk]


def test_units_are_created_edited_and_deleted(client_as, personas):
    client = client_as(personas.admin)
    response = client.post(
        reverse("rollout:unit_create"), {"name": "Berlin", "kind": "location", "headcount": 120}
    )
    assert response.status_code == 302
    berlin = Unit.objects.get(name="Berlin", organization=personas.org)
    client.post(
        reverse("rollout:unit_edit", args=[berlin.pk]),
        {"name": "Berlin HQ", "kind": "location", "headcount": 130},
    )
    berlin.refresh_from_db()
    assert (berlin.name, berlin.headcount) == ("Berlin HQ", 130)
    client.post(reverse("rollout:unit_delete", args=[berlin.pk]))
    assert not Unit.objects.filter(pk=berlin.pk).exists()


def test_a_unit_with_units_inside_is_not_deleted(client_as, personas):
    UnitFactory(organization=personas.org, parent=personas.unit)
    response = client_as(personas.admin).post(
        reverse("rollout:unit_delete", args=[personas.unit.pk]), follow=True
    )
    assert "is still in use" in response.text
    assert Unit.objects.filter(pk=personas.unit.pk).exists()


def test_a_unit_cannot_sit_inside_itself(client_as, personas):
    child = UnitFactory(organization=personas.org, parent=personas.unit, name="Inside sales")
    response = client_as(personas.admin).post(
        reverse("rollout:unit_edit", args=[personas.unit.pk]),
        {"name": "Sales", "kind": "department", "headcount": 60, "parent": child.pk},
    )
    assert "cannot sit inside itself" in " ".join(response.context["form"].errors["parent"])


def test_unit_names_are_unique_per_kind_within_the_organization(client_as, personas):
    UnitFactory(organization=personas.other_org, name="Berlin", kind="location")
    client = client_as(personas.admin)
    assert (
        client.post(
            reverse("rollout:unit_create"), {"name": "Berlin", "kind": "location", "headcount": 1}
        ).status_code
        == 302
    )
    response = client.post(
        reverse("rollout:unit_create"), {"name": "berlin", "kind": "location", "headcount": 1}
    )
    assert "already has one" in " ".join(response.context["form"].errors["name"])


def test_platforms_are_listed_and_added(client_as, personas):
    RolloutFactory(organization=personas.org, platform=personas.platform)
    client = client_as(personas.admin)
    response = client.post(
        reverse("rollout:platform_create"),
        {"name": "Slack", "kind": "chat", "status": "emerging", "url": "slack.com"},
    )
    assert response.status_code == 302
    response = client.get(reverse("rollout:platforms"))
    assert "Slack" in response.text and "https://slack.com" in response.text
    counts = {platform.name: platform.rollout_count for platform in response.context["page"]}
    assert counts == {"Viva Engage": 2, "Slack": 0}
