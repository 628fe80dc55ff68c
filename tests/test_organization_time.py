"""Every date and time a signed-in person sees is in their organization's time zone, set once by
the middleware that resolves the organization, and the pages that matter name the zone."""

from datetime import UTC, datetime

from django.urls import reverse

from rollout.models import AuditEvent

from .factories import NotificationFactory

NOON_UTC = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def test_the_audit_trail_shows_times_in_the_organizations_zone_and_names_it(personas, client_as):
    personas.org.timezone = "America/Los_Angeles"
    personas.org.save()
    event = AuditEvent.objects.create(
        organization=personas.org, action=AuditEvent.Action.EXPORTED, summary="x"
    )
    AuditEvent.objects.filter(pk=event.pk).update(created_at=NOON_UTC)

    page = client_as(personas.admin).get(reverse("rollout:audit")).content.decode()

    assert "1 Jun 2026, 05:00:00 PDT" in page


def test_the_outbox_shows_times_in_the_organizations_zone(personas, client_as):
    personas.org.timezone = "Europe/Berlin"
    personas.org.save()
    NotificationFactory(organization=personas.org, recipient=personas.member, scheduled_for=NOON_UTC)

    page = client_as(personas.admin).get(reverse("rollout:outbox")).content.decode()

    assert "1 Jun 2026, 14:00 CEST" in page


def test_another_organizations_admin_sees_the_same_moment_in_their_own_zone(personas, client_as):
    personas.org.timezone = "Asia/Tokyo"
    personas.org.save()
    event = AuditEvent.objects.create(organization=personas.other_org, action=AuditEvent.Action.EXPORTED)
    AuditEvent.objects.filter(pk=event.pk).update(created_at=NOON_UTC)
    personas.other_org.timezone = "UTC"
    personas.other_org.save()

    page = client_as(personas.outsider).get(reverse("rollout:audit")).content.decode()

    assert "1 Jun 2026, 12:00:00 UTC" in page
