"""Pulses: ADKAR readiness, the anonymous answer page, the privacy threshold, invitations."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from conversations import pulses
from conversations.models import Pulse, PulseInvitation, PulseResponse
from rollout.models import Notification, Role
from rollout.outbox import insert_due, send

from ..factories import MembershipFactory, UnitFactory

pytestmark = pytest.mark.django_db


def readiness(personas, **kwargs):
    return pulses.create_pulse(
        personas.rollout,
        title=kwargs.get("title", "Readiness"),
        kind=Pulse.Kind.READINESS,
        closes_on=timezone.localdate() + timedelta(days=7),
        audience=kwargs.get("audience", []),
        questions=[],
        created_by=personas.manager,
    )


def answer_all(pulse, users, scores):
    questions = list(pulse.questions.all())
    for user in users:
        invitation = PulseInvitation.objects.get(pulse=pulse, user=user)
        assert pulses.answer(invitation, {q.pk: s for q, s in zip(questions, scores, strict=True)})


def test_a_readiness_pulse_asks_the_five_adkar_elements(personas):
    pulse = readiness(personas)
    assert [q.element for q in pulse.questions.all()] == [
        "awareness",
        "desire",
        "knowledge",
        "ability",
        "reinforcement",
    ]


def test_opening_invites_the_audience_once_and_the_outbox_sends_the_link(personas):
    pulse = readiness(personas, audience=[personas.unit])
    UnitFactory(organization=personas.org, name="Legal")
    assert pulses.open_pulse(pulse) == 5  # the five personas are in Sales
    assert pulses.open_pulse(pulse) is None
    insert_due(timezone.now())
    insert_due(timezone.now())
    rows = Notification.objects.filter(kind="pulse-invitation")
    assert rows.count() == 5
    assert send(rows.get(recipient=personas.member).pk) == "sent"
    token = re.search(r"/pulse/([^/\s]+)/", mail.outbox[0].body).group(1)
    assert pulses.invitation_from_token(token) == PulseInvitation.objects.get(
        pulse=pulse, user=personas.member
    )


def test_the_emailed_link_answers_without_signing_in_and_only_once(personas, client):
    pulse = readiness(personas)
    pulses.open_pulse(pulse)
    invitation = PulseInvitation.objects.get(pulse=pulse, user=personas.member)
    url = reverse("pulse:answer", args=[pulses.token(invitation)])
    data = {f"q{q.pk}": "4" for q in pulse.questions.all()} | {"comment": "More training please"}
    assert "Send my answers" in client.get(url).content.decode()
    assert "Thank you" in client.post(url, data).content.decode()
    assert "answered this pulse already" in client.post(url, data).content.decode()
    response = PulseResponse.objects.get()
    assert response.unit == personas.unit and response.answers.count() == 5
    # Nothing on the response leads back to the person.
    assert {f.name for f in PulseResponse._meta.get_fields()} == {
        "id",
        "pulse",
        "unit",
        "submitted_on",
        "comment",
        "answers",
    }


def test_a_missing_score_is_refused_and_saves_nothing(personas, client):
    pulse = readiness(personas)
    pulses.open_pulse(pulse)
    invitation = PulseInvitation.objects.get(pulse=pulse, user=personas.member)
    response = client.post(reverse("pulse:answer", args=[pulses.token(invitation)]), {"comment": "hi"})
    assert "Please score every statement" in response.content.decode()
    assert not PulseResponse.objects.exists()
    assert not PulseInvitation.objects.get(pk=invitation.pk).answered


def test_a_tampered_or_closed_link_is_refused(personas, client):
    pulse = readiness(personas)
    pulses.open_pulse(pulse)
    invitation = PulseInvitation.objects.get(pulse=pulse, user=personas.member)
    assert client.get(reverse("pulse:answer", args=["nonsense"])).status_code == 404
    pulses.close_pulse(pulse)
    assert (
        "has closed" in client.get(reverse("pulse:answer", args=[pulses.token(invitation)])).content.decode()
    )


def test_results_stay_hidden_below_the_privacy_threshold(personas):
    pulse = readiness(personas)
    pulses.open_pulse(pulse)
    answer_all(pulse, [personas.member, personas.leader, personas.champion, personas.admin], [2, 2, 2, 2, 2])
    results = pulses.results(pulse)
    assert results["responses"] == 4 and not results["shown"] and "questions" not in results


def test_small_units_merge_into_other_and_a_barrier_suggests_the_step(personas):
    pulse = readiness(personas)
    legal = UnitFactory(organization=personas.org, name="Legal")
    lawyers = [
        MembershipFactory(organization=personas.org, role=Role.MEMBER, unit=legal).user for _ in range(2)
    ]
    pulses.open_pulse(pulse)
    answer_all(
        pulse,
        [personas.member, personas.leader, personas.champion, personas.admin, personas.manager],
        [4, 4, 2, 4, 4],
    )
    answer_all(pulse, lawyers, [5, 5, 5, 5, 5])
    results = pulses.results(pulse)
    assert results["shown"]
    # Legal's two answers are not shown on their own, and "other" is too small to show either.
    assert [name for name, _, _ in results["units"]] == ["Sales"]
    barrier = results["barrier"]
    assert barrier["element"] == "knowledge" and barrier["step"] == "Champion"


def test_desire_as_a_barrier_points_to_incentives(personas):
    assert (
        pulses.barrier({"awareness": 4.2, "desire": 2.9, "knowledge": 2.0}, personas.rollout)["step"]
        == "Incentivize"
    )
    assert pulses.barrier({"awareness": 3.1, "desire": 4}, personas.rollout) is None


def test_the_pages_show_results_to_staff(personas, client_as):
    pulse = readiness(personas)
    url = reverse("engage:pulses_results", kwargs={"pk": personas.rollout.pk, "pulse": pulse.pk})
    assert "Results appear once at least 5 people" in client_as(personas.leader).get(url).content.decode()


def test_a_manager_creates_a_custom_pulse(personas, client_as):
    url = reverse("engage:pulses_new", kwargs={"pk": personas.rollout.pk})
    closes = (timezone.localdate() + timedelta(days=5)).isoformat()
    client = client_as(personas.manager)
    bad = client.post(
        url, {"title": "Check-in", "kind": "custom", "questions": "Only one", "closes_on": closes}
    )
    assert "2 to 8 statements" in bad.content.decode()
    client.post(url, {"title": "Check-in", "kind": "custom", "questions": "A\nB\nC", "closes_on": closes})
    assert list(Pulse.objects.get(title="Check-in").questions.values_list("text", flat=True)) == [
        "A",
        "B",
        "C",
    ]
