"""Erasing a person from the conversations: their messages stay as rows (their own text goes,
with a note), their questions, answers and claims keep their times, their training attendance
and pulse invitations stay detached under a pseudonymous key, free text by others no longer
names them; the queue's figures, TTFR, momentum and pulse results read the same; the same person
in another organization keeps everything; the erasure costs the same queries for any amount."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conversations import momentum, pulses, selectors
from conversations.models import (
    ConversationImport,
    Message,
    PulseInvitation,
    PulseResponse,
    TextRemoved,
    Thread,
    TrainingAttendance,
)
from rollout.models import Membership
from rollout.privacy import pseudonym_for
from rollout.steps import registry

from ..engage.erasure_scan import naming, pointing_at
from ..factories import MembershipFactory, OrganizationFactory, RolloutFactory, UserFactory
from .factories import MessageFactory, QuestionFactory, ThreadFactory
from .test_pulses import readiness

pytestmark = pytest.mark.django_db

engage = registry.get("engage")
EMAIL, NAME, SLACK_ID = "ana.lopez@acme.example", "Ana Lopez", "U0ANA"
NOW = timezone.make_aware(datetime(2026, 5, 4, 10, 0))


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def ana(personas):
    user = UserFactory(email=EMAIL, full_name=NAME)
    MembershipFactory(organization=personas.org, unit=personas.unit, user=user)
    MembershipFactory(organization=personas.other_org, user=user)
    return user


def conversations_of(rollout, ana, helper, unit=None, days=1):
    """Ana's questions (one answered by a helper, one open, one asked in Rollout), her reply to
    someone else's question that she claimed and answered, a reply naming her, her training and
    an import she ran: `days` times over."""
    for day in range(days):
        asked = NOW - timedelta(days=3 + day)
        thread = ThreadFactory(rollout=rollout, source=Thread.Source.SLACK, channel="help", started_at=asked)
        QuestionFactory(
            thread=thread,
            author=ana,
            author_key=SLACK_ID,
            author_name=NAME,
            unit=unit,
            created_at=asked,
            text=f"How do I post? {NAME}",
            first_reply_at=asked + timedelta(hours=2),
            first_response_at=asked + timedelta(hours=2),
            response_seconds=7200,
        )
        MessageFactory(
            thread=thread,
            author=helper,
            author_key="U0HELP",
            author_name="Helper",
            created_at=asked + timedelta(hours=2),
            text=f"<@{SLACK_ID}> see the guide, {NAME} ({EMAIL})",
        )
        QuestionFactory(
            thread=ThreadFactory(rollout=rollout, started_at=asked),
            author_key=EMAIL,
            author_name=NAME,
            unit=unit,
            created_at=asked,
            text="Still waiting",
        )
        asked_here = ThreadFactory(rollout=rollout, source=Thread.Source.ASKED, started_at=asked)
        QuestionFactory(
            thread=asked_here,
            author=ana,
            author_key=EMAIL,
            author_name=NAME,
            unit=unit,
            created_at=asked,
            text="Who can help me?",
            claimed_by=helper,
            claimed_at=asked,
        )
        theirs = ThreadFactory(rollout=rollout, started_at=asked)
        QuestionFactory(
            thread=theirs,
            author=helper,
            author_key="helper@x.example",
            author_name="Helper",
            unit=unit,
            created_at=asked,
            claimed_by=ana,
            claimed_at=asked,
            answered_by=ana,
            answered_at=asked + timedelta(hours=1),
            first_response_at=asked + timedelta(hours=1),
            response_seconds=3600,
            answer_text=f"{NAME} answered",
        )
        MessageFactory(
            thread=theirs,
            author=ana,
            author_key=SLACK_ID,
            author_name=NAME,
            created_at=asked + timedelta(hours=1),
            text="Here you go",
        )
        TrainingAttendance.objects.create(
            rollout=rollout, person_key=EMAIL, user=ana, trained_on=asked.date() - timedelta(days=7 * day)
        )
    ConversationImport.objects.create(
        rollout=rollout, source="csv", filename=f"{NAME}.csv", file_hash="x", imported_by=ana
    )


def closed_pulse(personas, ana, people):
    pulse = readiness(personas)
    pulse.created_by = ana
    pulse.save()
    pulses.open_pulse(pulse)
    questions = list(pulse.questions.all())
    for n, user in enumerate(people):
        invitation = PulseInvitation.objects.get(pulse=pulse, user=user)
        comment = f"Ask {NAME}, she knows" if n == 0 else ""
        assert pulses.answer(invitation, {q.pk: 1 + (n + k) % 5 for k, q in enumerate(questions)}, comment)
    assert pulses.close_pulse(pulse)
    return pulse


def figures(rollout, pulse=None):
    found = {
        "summary": selectors.response_summary(rollout, now=NOW),
        "unanswered": selectors.unanswered_questions(rollout).count(),
        "by_unit": selectors.response_by_unit(rollout, now=NOW),
        "cohorts": momentum.cohorts(rollout, today=NOW.date()),
        "messages": Message.objects.filter(rollout=rollout).count(),
    }
    if pulse is not None:
        results = pulses.results(pulse)
        results.pop("comments")
        found.update(
            pulse=results,
            invited=pulse.invitations.count(),
            answered=pulse.invitations.filter(answered=True).count(),
        )
    return found


def erase(organization, user):
    membership = Membership.objects.get(organization=organization, user=user)
    return engage.erase_person(membership, pseudonym_for(user))


@pytest.fixture
def loaded(personas, ana):
    conversations_of(personas.rollout, ana, personas.users["champion"], personas.unit)
    conversations_of(personas.other_rollout, ana, personas.outsider)
    people = [ana, *(personas.users[role] for role in ("member", "leader", "champion", "manager", "admin"))]
    return closed_pulse(personas, ana, people)


def test_no_text_of_the_organization_names_the_erased_person_and_no_row_points_at_them(personas, ana, loaded):
    assert naming("conversations", personas.org, [EMAIL, NAME, SLACK_ID]) != []
    assert erase(personas.org, ana) > 0
    assert naming("conversations", personas.org, [EMAIL, NAME, SLACK_ID]) == []
    assert pointing_at("conversations", personas.org, ana) == []


def test_the_same_person_in_another_organization_keeps_every_record(personas, ana, loaded):
    before = naming("conversations", personas.other_org, [EMAIL, NAME, SLACK_ID])
    erase(personas.org, ana)
    assert naming("conversations", personas.other_org, [EMAIL, NAME, SLACK_ID]) == before != []
    assert pointing_at("conversations", personas.other_org, ana) != []


def test_the_queue_ttfr_momentum_and_pulse_results_read_the_same(personas, ana, loaded):
    before = figures(personas.rollout, loaded)
    assert before["summary"]["asked"] == 4 and before["unanswered"] == 2 and before["pulse"]["shown"]
    erase(personas.org, ana)
    assert figures(personas.rollout, loaded) == before


def test_their_own_texts_go_with_a_note_and_their_rows_take_the_pseudonym(personas, ana, loaded):
    pseudonym = pseudonym_for(ana)
    erase(personas.org, ana)
    theirs = Message.objects.filter(rollout=personas.rollout, author_name=pseudonym.name)
    assert theirs.count() == 4
    assert set(theirs.values_list("text", "text_removed")) == {("", TextRemoved.ERASURE)}
    assert theirs.first().shown_text == "Text removed: its author's data was erased."
    assert set(theirs.values_list("author_key", flat=True)) == {pseudonym.email}
    reply = Message.objects.get(rollout=personas.rollout, author_key="U0HELP")
    assert reply.text == f"<@{pseudonym.key}> see the guide, {pseudonym.name} ({pseudonym.email})"
    claimed = Message.objects.get(rollout=personas.rollout, author_key="helper@x.example")
    assert (claimed.claimed_by, claimed.answered_by, claimed.answer_text) == (
        None,
        None,
        f"{pseudonym.name} answered",
    )
    assert claimed.first_response_at is not None
    assert TrainingAttendance.objects.get(rollout=personas.rollout).person_key == pseudonym.email


def test_their_pulse_invitation_stays_detached_and_its_old_link_no_longer_opens(personas, ana, loaded):
    invitation = PulseInvitation.objects.get(pulse=loaded, user=ana)
    link = pulses.token(invitation)
    responses = PulseResponse.objects.filter(pulse=loaded).count()
    erase(personas.org, ana)
    invitation.refresh_from_db()
    assert (invitation.user, invitation.answered, invitation.queued) == (None, True, True)
    assert pulses.invitation_from_token(link) is None
    assert PulseResponse.objects.filter(pulse=loaded).count() == responses
    assert PulseResponse.objects.filter(pulse=loaded, comment__contains=pseudonym_for(ana).name).exists()


def person_with_conversations(days):
    organization = OrganizationFactory()
    rollout = RolloutFactory(organization=organization)
    user = UserFactory(full_name="Riley Quinn")
    membership = MembershipFactory(organization=organization, user=user)
    helper = MembershipFactory(organization=organization).user
    conversations_of(rollout, user, helper, days=days)
    return membership


def test_the_erasure_costs_the_same_queries_for_few_conversations_or_many(db):
    counts = []
    for membership in (person_with_conversations(1), person_with_conversations(8)):
        with CaptureQueriesContext(connection) as queries:
            assert engage.erase_person(membership, pseudonym_for(membership.user)) > 0
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_a_detached_invitation_is_never_handed_to_the_outbox(personas, ana):
    from conversations.notifications import pulse_invitations

    pulse = readiness(personas)
    pulses.open_pulse(pulse)
    PulseInvitation.objects.filter(pulse=pulse, user=ana).update(user=None)
    due = list(pulse_invitations(NOW))
    assert len(due) == PulseInvitation.objects.filter(pulse=pulse).count() - 1
    assert all(item.recipient_id is not None for item in due)
    assert PulseInvitation.objects.get(pulse=pulse, user=None).queued is False
