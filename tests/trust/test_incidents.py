"""The incident register: managers and admins only, resolution required, summary for the review."""

from datetime import date

import pytest
from django.urls import reverse

from trust.models import Incident
from trust.selectors import incident_summary

from .factories import IncidentFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["member", "champion", "leader"])
def test_members_champions_and_leaders_cannot_see_incidents(client_as, personas, role):
    incident = IncidentFactory(organization=personas.org)
    client = client_as(personas.users[role])
    for url in (
        reverse("trust_org:incidents"),
        reverse("trust_org:incident_create"),
        reverse("trust_org:incident_edit", args=[incident.pk]),
    ):
        assert client.get(url).status_code == 403


def test_the_rollout_page_shows_incidents_to_managers_only(client_as, personas):
    IncidentFactory(organization=personas.org, severity="high")
    url = reverse("trust:home", args=[personas.rollout.pk])
    assert "Open incidents" in client_as(personas.manager).get(url).content.decode()
    assert "Open incidents" not in client_as(personas.champion).get(url).content.decode()


def test_a_manager_records_and_resolves_an_incident(client_as, personas):
    client = client_as(personas.manager)
    data = {
        "title": "Phishing link in the Nursing community",
        "kind": "security",
        "severity": "high",
        "occurred_on": "2026-03-02",
        "what_happened": "A fake login page was shared.",
        "handler": personas.admin.pk,
        "status": "open",
    }
    assert client.post(reverse("trust_org:incident_create"), data).status_code == 302
    incident = Incident.objects.get()
    assert (incident.reported_by, incident.handler, incident.resolved_at) == (
        personas.manager,
        personas.admin,
        None,
    )

    url = reverse("trust_org:incident_edit", args=[incident.pk])
    response = client.post(url, {**data, "status": "resolved"})
    assert response.status_code == 200
    assert "Describe how the incident was resolved" in response.content.decode()
    incident.refresh_from_db()
    assert incident.status == "open"

    client.post(
        url, {**data, "status": "resolved", "resolution": "Link removed", "lessons": "Teach hovering"}
    )
    incident.refresh_from_db()
    assert incident.status == "resolved" and incident.resolved_at is not None


def test_the_handler_must_be_a_manager_or_admin_of_the_organization(client_as, personas):
    data = {
        "title": "X",
        "kind": "other",
        "severity": "low",
        "occurred_on": "2026-03-02",
        "what_happened": "Y",
        "status": "open",
    }
    client = client_as(personas.manager)
    for handler in (personas.member, personas.outsider):
        response = client.post(reverse("trust_org:incident_create"), {**data, "handler": handler.pk})
        assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert not Incident.objects.exists()


def test_another_organizations_incident_is_not_found(client_as, personas):
    theirs = IncidentFactory(organization=personas.other_org)
    assert (
        client_as(personas.manager).get(reverse("trust_org:incident_edit", args=[theirs.pk])).status_code
        == 404
    )


def test_the_incident_list_filters_by_status(client_as, personas):
    IncidentFactory(organization=personas.org, title="Still open")
    IncidentFactory(organization=personas.org, title="Done", status="resolved", resolution="Fixed")
    page = (
        client_as(personas.admin).get(reverse("trust_org:incidents"), {"status": "open_any"}).content.decode()
    )
    assert "Still open" in page and "Done" not in page


def test_the_incident_summary_counts_by_kind_severity_and_status_in_the_period(personas):
    def incident(day, **fields):
        return IncidentFactory(organization=personas.org, occurred_on=date(2026, 3, day), **fields)

    incident(1, kind="security", severity="high")
    incident(
        5, kind="copyright", severity="low", status="resolved", resolution="Taken down", lessons="Ask first"
    )
    incident(9, kind="privacy", severity="critical", status="investigating")
    incident(20, kind="conduct")  # after the period
    IncidentFactory(organization=personas.other_org, occurred_on=date(2026, 3, 2))
    summary = incident_summary(personas.org, date(2026, 3, 1), date(2026, 3, 15))
    assert summary["total"] == 3
    assert summary["by_kind"] == {
        "security": 1,
        "defamation": 0,
        "copyright": 1,
        "privacy": 1,
        "conduct": 0,
        "other": 0,
    }
    assert summary["by_severity"] == {"low": 1, "medium": 0, "high": 1, "critical": 1}
    assert summary["by_status"] == {"open": 1, "investigating": 1, "resolved": 1}
    assert summary["open_by_severity"] == {"low": 0, "medium": 0, "high": 1, "critical": 1}
    assert [lesson for _title, lesson in summary["lessons"]] == ["Ask first"]


def test_an_incident_cannot_be_dated_in_the_future(client_as, personas):
    data = {
        "title": "X",
        "kind": "other",
        "severity": "low",
        "occurred_on": "2999-01-01",
        "what_happened": "Y",
        "status": "open",
    }
    response = client_as(personas.manager).post(reverse("trust_org:incident_create"), data)
    assert "The date is in the future" in response.content.decode()
    assert not Incident.objects.exists()
