"""The Engage step's side of the employee's page: the "Ask for help" panel, the person's records
(messages, pulse invitations, training; never their answers) and "You said, we did" from pulses,
which never shares a pulse under the privacy threshold."""

from datetime import date, timedelta

import pytest
import time_machine
from django.db import connection
from django.template.defaultfilters import floatformat
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conversations import asking, pulses, services
from conversations.models import Pulse, PulseInvitation, TrainingAttendance
from rollout.models import Membership, Role, Rollout
from rollout.steps import registry

from ..factories import MembershipFactory, RolloutFactory, UnitFactory
from .factories import QuestionFactory, ThreadFactory
from .test_pulses import answer_all

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(timezone.datetime(2026, 5, 4, 10, 0))
engage = registry.get("engage")


def membership(personas, role=Role.MEMBER):
    return Membership.objects.get(organization=personas.org, user=personas.users[role])


def closed_pulse(personas, people, scores, title="Readiness", rollout=None):
    pulse = pulses.create_pulse(
        rollout or personas.rollout,
        title=title,
        kind=Pulse.Kind.READINESS,
        closes_on=timezone.localdate() + timedelta(days=7),
        audience=[],
        questions=[],
        created_by=personas.manager,
    )
    pulses.open_pulse(pulse)
    answer_all(pulse, people, scores)
    assert pulses.close_pulse(pulse)
    pulse.refresh_from_db()
    return pulse


def everyone(personas):
    return [personas.users[role] for role in Role.values]


# The "Ask for help" panel ---------------------------------------------------------------------


def test_the_panel_offers_the_button_and_the_persons_latest_questions_with_their_state(personas):
    with time_machine.travel(NOW - timedelta(hours=2), tick=False):
        first = asking.ask(membership(personas), personas.rollout, "First?")
    with time_machine.travel(NOW, tick=False):
        asking.ask(membership(personas), personas.rollout, "Second?")
    services.mark_answered(first, personas.champion, "https://chat.example/answer")
    (panel,) = engage.member_panels(membership(personas))
    assert (panel.key, panel.title) == ("ask-for-help", "Ask for help")
    assert [q.text for q in panel.context["questions"]] == ["Second?", "First?"]
    assert [q.state for q in panel.context["questions"]] == ["waiting", "answered"]
    html = render_to_string(panel.template, {"panel": panel})
    assert f'href="{reverse("conversations_org:ask")}"' in html
    assert 'href="https://chat.example/answer"' in html and "Waiting" in html


def test_the_panel_shows_no_button_when_nothing_is_in_pilot_or_live(personas):
    Rollout.objects.filter(organization=personas.org).update(status=Rollout.Status.PLANNING)
    (panel,) = engage.member_panels(membership(personas))
    assert not panel.context["can_ask"] and panel.context["questions"] == []
    assert "Ask for help</a>" not in render_to_string(panel.template, {"panel": panel})


def test_the_panel_costs_the_same_queries_for_one_question_or_many(personas):
    person = membership(personas)
    asking.ask(person, personas.rollout, "One?")
    with CaptureQueriesContext(connection) as one:
        engage.member_panels(person)
    for n in range(12):
        asking.ask(person, personas.rollout, f"Question {n}?")
    with CaptureQueriesContext(connection) as many:
        (panel,) = engage.member_panels(person)
    assert len(one) == len(many) == 2
    assert len(panel.context["questions"]) == 5 and panel.context["more"]


# The person's records ---------------------------------------------------------------------------


def tables(records):
    return {table.key: table for table in records}


def test_the_records_hold_the_persons_messages_of_any_source_and_nobody_elses(personas):
    asking.ask(membership(personas), personas.rollout, "Asked here?")
    thread = ThreadFactory(rollout=personas.rollout, channel="help")
    # Imported before they were matched: found by the key the source gave them, their email.
    QuestionFactory(thread=thread, author_key=personas.member.email, text="Imported question?")
    QuestionFactory(thread=thread, author=personas.member, text="Matched statement", is_question=False)
    QuestionFactory(thread=thread, author=personas.leader, text="Someone else's?")
    QuestionFactory(thread__rollout=personas.other_rollout, author=personas.member, text="Elsewhere?")
    messages = tables(engage.personal_records(membership(personas)))["messages"]
    texts = sorted(row[-1] for row in messages.rows)
    assert texts == ["Asked here?", "Imported question?", "Matched statement"]
    assert messages.summary == "3 messages, of which 2 questions."
    assert {row[1] for row in messages.rows} == {"Asked in Rollout", "Imported CSV, help"}


def test_the_records_name_the_pulses_the_person_was_asked_never_their_answers(personas):
    pulse = closed_pulse(personas, everyone(personas), [1, 2, 3, 4, 5])
    pulse.responses.update(comment="My secret comment")
    records = engage.personal_records(membership(personas))
    invitations = tables(records)["pulse-invitations"]
    assert invitations.rows == (("Engage for all", "Readiness", pulse.opened_at, "yes"),)
    assert invitations.columns == ("Rollout", "Pulse", "Invited", "Answered")
    cells = [str(cell) for table in records for row in table.rows for cell in row]
    assert not any("secret" in cell for cell in cells)


def test_the_records_hold_the_persons_training_attendance(personas):
    TrainingAttendance.objects.create(
        rollout=personas.rollout, person_key=personas.member.email, user=None, trained_on=date(2026, 3, 2)
    )
    TrainingAttendance.objects.create(
        rollout=personas.rollout, person_key="someone@acme.example", trained_on=date(2026, 3, 2)
    )
    training = tables(engage.personal_records(membership(personas)))["training"]
    assert training.rows == (("Engage for all", date(2026, 3, 2)),)


def test_the_records_cost_the_same_queries_for_few_rows_or_many(personas):
    asking.ask(membership(personas), personas.rollout, "One?")
    person = membership(personas)
    with CaptureQueriesContext(connection) as few:
        engage.personal_records(person)
    for n in range(10):
        asking.ask(membership(personas), personas.rollout, f"Question {n}?")
        closed_pulse(personas, [personas.member], [3, 3, 3, 3, 3], title=f"Pulse {n}")
    person = membership(personas)
    with CaptureQueriesContext(connection) as many:
        engage.personal_records(person)
    assert len(few) == len(many)


# "You said, we did" -----------------------------------------------------------------------------


def test_a_closed_pulse_above_the_threshold_shares_its_results_and_what_was_done(personas):
    with time_machine.travel(NOW, tick=False):
        pulse = closed_pulse(personas, everyone(personas), [4, 2, 5, 3, 4])
    answer_lines = [
        f"{question.get_element_display()}: {floatformat(mean, 1)} of 5 on average, {low}% at 3 or less"
        for question, mean, low in pulses.results(pulse)["questions"]
    ]
    with time_machine.travel(NOW + timedelta(days=2), tick=False):
        pulses.record_outcome(pulse, "More training sessions.\n\nA guide pinned in #help.\n")
    (outcome,) = engage.shared_outcomes([personas.rollout], NOW - timedelta(days=1))
    assert (outcome.rollout_id, outcome.kind, outcome.title) == (personas.rollout.pk, "pulse", "Readiness")
    assert outcome.said == tuple(answer_lines)
    assert outcome.said[0] == "Awareness: 4.0 of 5 on average, 0% at 3 or less"
    assert outcome.said[1] == "Desire: 2.0 of 5 on average, 100% at 3 or less"
    assert outcome.did == ("More training sessions.", "A guide pinned in #help.")
    assert outcome.published_at == NOW + timedelta(days=2)


def test_a_pulse_without_what_was_done_still_shares_its_results(personas):
    with time_machine.travel(NOW, tick=False):
        closed_pulse(personas, everyone(personas), [4, 4, 4, 4, 4])
    (outcome,) = engage.shared_outcomes([personas.rollout], NOW - timedelta(days=1))
    assert outcome.did == () and len(outcome.said) == 5 and outcome.published_at == NOW


def test_a_pulse_under_the_privacy_threshold_is_never_shared(personas):
    four = [personas.member, personas.leader, personas.champion, personas.admin]
    pulse = closed_pulse(personas, four, [1, 1, 1, 1, 1])
    pulses.record_outcome(pulse, "We heard you.")
    assert engage.shared_outcomes([personas.rollout], NOW - timedelta(days=3650)) == []
    # The threshold is the organization's own: lowered to four, the same pulse is shared.
    personas.org.privacy_min_group = 4
    personas.org.save()
    rollout = Rollout.objects.get(pk=personas.rollout.pk)
    assert len(engage.shared_outcomes([rollout], NOW - timedelta(days=3650))) == 1


def test_an_open_pulse_is_not_shared_and_an_old_one_only_with_a_new_outcome(personas):
    open_pulse = pulses.create_pulse(
        personas.rollout,
        title="Still open",
        kind=Pulse.Kind.READINESS,
        closes_on=timezone.localdate() + timedelta(days=7),
        audience=[],
        questions=[],
        created_by=personas.manager,
    )
    pulses.open_pulse(open_pulse)
    answer_all(open_pulse, everyone(personas), [3, 3, 3, 3, 3])
    with time_machine.travel(NOW - timedelta(days=30), tick=False):
        old = closed_pulse(personas, everyone(personas), [3, 3, 3, 3, 3], title="Old")
    assert engage.shared_outcomes([personas.rollout], NOW - timedelta(days=7)) == []
    with time_machine.travel(NOW, tick=False):
        pulses.record_outcome(old, "Done at last.")
    (outcome,) = engage.shared_outcomes([personas.rollout], NOW - timedelta(days=7))
    assert outcome.title == "Old" and outcome.did == ("Done at last.",)


def test_shared_outcomes_cost_the_same_queries_for_one_pulse_or_many(personas):
    with time_machine.travel(NOW, tick=False):
        closed_pulse(personas, everyone(personas), [3, 3, 3, 3, 3], title="P0")
    rollouts = [Rollout.objects.select_related("organization").get(pk=personas.rollout.pk)]
    with CaptureQueriesContext(connection) as one:
        assert len(engage.shared_outcomes(rollouts, NOW - timedelta(days=1))) == 1
    unit = UnitFactory(organization=personas.org)
    people = [MembershipFactory(organization=personas.org, unit=unit).user for _ in range(5)]
    for n in range(1, 4):
        other = RolloutFactory(organization=personas.org)
        rollouts.append(Rollout.objects.select_related("organization").get(pk=other.pk))
        with time_machine.travel(NOW, tick=False):
            closed_pulse(personas, people, [2, 3, 4, 5, 1], title=f"P{n}", rollout=other)
    with CaptureQueriesContext(connection) as many:
        assert len(engage.shared_outcomes(rollouts, NOW - timedelta(days=1))) == 4
    assert len(one) == len(many) == 3


# "What we did about it" on the pulse's page -----------------------------------------------------


def test_a_manager_writes_what_was_done_on_a_closed_pulse(personas, client_as):
    pulse = closed_pulse(personas, everyone(personas), [4, 4, 4, 4, 4])
    client = client_as(personas.manager)
    url = reverse("engage:pulses_outcome", args=[personas.rollout.pk, pulse.pk])
    response = client.post(url, {"outcome": "Drop-in sessions every Tuesday."})
    assert response.status_code == 302
    pulse.refresh_from_db()
    assert pulse.outcome == "Drop-in sessions every Tuesday." and pulse.outcome_written_at
    page = client.get(reverse("engage:pulses_results", args=[personas.rollout.pk, pulse.pk])).content.decode()
    assert "Drop-in sessions every Tuesday." in page and "Shared with the results" in page


def test_what_was_done_waits_for_the_pulse_to_close(personas, client_as):
    pulse = pulses.create_pulse(
        personas.rollout,
        title="Draft",
        kind=Pulse.Kind.READINESS,
        closes_on=timezone.localdate() + timedelta(days=7),
        audience=[],
        questions=[],
        created_by=personas.manager,
    )
    url = reverse("engage:pulses_outcome", args=[personas.rollout.pk, pulse.pk])
    response = client_as(personas.manager).post(url, {"outcome": "Too soon."})
    assert response.status_code == 302
    pulse.refresh_from_db()
    assert pulse.outcome == ""
    with pytest.raises(ValueError):
        pulses.record_outcome(pulse, "Too soon.")


def test_saving_the_same_text_again_does_not_publish_it_anew(personas):
    pulse = closed_pulse(personas, everyone(personas), [4, 4, 4, 4, 4])
    with time_machine.travel(NOW, tick=False):
        assert pulses.record_outcome(pulse, "Done.")
    with time_machine.travel(NOW + timedelta(days=9), tick=False):
        assert not pulses.record_outcome(pulse, " Done. ")
    pulse.refresh_from_db()
    assert pulse.outcome_written_at == NOW


def test_closing_a_pulse_records_when(personas):
    with time_machine.travel(NOW, tick=False):
        pulse = closed_pulse(personas, [personas.member], [3, 3, 3, 3, 3])
    assert pulse.closed_at == NOW
    assert PulseInvitation.objects.filter(pulse=pulse).count() == 5
