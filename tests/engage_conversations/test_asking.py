"""Ask for help: a person's question joins the rollout's queue, its unit's champions hear of it,
and the asker hears of the answer; their own questions with their state."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conversations import asking, selectors, services
from conversations.models import Message, Thread
from rollout.models import Membership, Notification, Role, Rollout
from rollout.outbox import send

from ..factories import MembershipFactory, RolloutFactory, UnitFactory
from .factories import QuestionFactory

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(timezone.datetime(2026, 5, 4, 10, 0))


def membership(personas, role=Role.MEMBER):
    return Membership.objects.get(organization=personas.org, user=personas.users[role])


def ask(personas, text="How do I mention a whole team?", role=Role.MEMBER):
    return asking.ask(membership(personas, role), personas.rollout, text)


def sent_to(user):
    return [message for message in mail.outbox if message.to == [user.email]]


def test_a_question_asked_joins_the_rollouts_unanswered_queue_and_its_figures(personas):
    question = ask(personas)
    assert question.thread.source == Thread.Source.ASKED
    assert (question.author, question.unit, question.is_question) == (personas.member, personas.unit, True)
    assert list(selectors.unanswered_questions(personas.rollout)) == [question]
    summary = selectors.response_summary(personas.rollout)
    assert (summary["asked"], summary["open"]) == (1, 1)


def test_the_champions_of_the_askers_unit_get_an_email_linking_to_the_queue(personas):
    elsewhere = UnitFactory(organization=personas.org, name="Legal")
    MembershipFactory(organization=personas.org, role=Role.CHAMPION, unit=elsewhere)
    question = ask(personas)
    rows = Notification.objects.filter(kind=asking.ASKED)
    assert [row.recipient for row in rows] == [personas.champion]
    assert send(rows.get().pk) == "sent"
    (email,) = mail.outbox
    assert email.to == [personas.champion.email]
    assert "How do I mention a whole team?" in email.body
    assert f"/r/{personas.rollout.pk}/engage/queue/#question-{question.pk}" in email.body


def test_a_unit_without_champions_falls_back_to_the_rollout_owner(personas):
    legal = UnitFactory(organization=personas.org, name="Legal")
    lawyer = MembershipFactory(organization=personas.org, role=Role.MEMBER, unit=legal)
    asking.ask(lawyer, personas.rollout, "Where is the legal community?")
    assert [row.recipient for row in Notification.objects.filter(kind=asking.ASKED)] == [personas.manager]


def test_a_champion_asking_is_not_told_of_their_own_question(personas):
    ask(personas, role=Role.CHAMPION)
    assert [row.recipient for row in Notification.objects.filter(kind=asking.ASKED)] == [personas.manager]


def test_only_a_rollout_in_pilot_or_live_of_ones_organization_takes_questions(personas):
    planning = RolloutFactory(organization=personas.org, status=Rollout.Status.PLANNING)
    with pytest.raises(ValueError):
        asking.ask(membership(personas), planning, "Too early?")
    with pytest.raises(ValueError):
        asking.ask(membership(personas), personas.other_rollout, "Wrong place?")
    assert not Message.objects.exists()


def test_answering_in_the_queue_emails_the_asker_the_link_even_without_employee_news(personas):
    Membership.objects.filter(user=personas.member).update(announcements=False)
    question = ask(personas)
    assert services.mark_answered(question, personas.champion, "https://chat.example/a/1", "Use @team.")
    assert not services.mark_answered(question, personas.champion, "https://chat.example/a/2")
    row = Notification.objects.get(kind=asking.ANSWERED)
    assert row.recipient == personas.member
    assert send(row.pk) == "sent"
    (email,) = sent_to(personas.member)
    assert "https://chat.example/a/1" in email.body and "Use @team." in email.body
    assert reverse("conversations_org:mine") in email.body


def test_an_imported_question_answered_in_the_queue_emails_nobody(personas):
    question = QuestionFactory(thread__rollout=personas.rollout, author=personas.member)
    assert services.mark_answered(question, personas.champion, "https://chat.example/a/1")
    assert not Notification.objects.filter(kind=asking.ANSWERED).exists()


def test_the_champions_email_is_cancelled_when_the_question_was_answered_first(personas):
    question = ask(personas)
    services.mark_answered(question, personas.manager, "https://chat.example/a/1")
    assert send(Notification.objects.get(kind=asking.ASKED).pk) == "cancelled"
    assert sent_to(personas.champion) == []


def test_the_askers_email_is_cancelled_when_they_left_the_organization(personas):
    question = ask(personas)
    services.mark_answered(question, personas.champion, "https://chat.example/a/1")
    Membership.objects.filter(user=personas.member).delete()
    assert send(Notification.objects.get(kind=asking.ANSWERED).pk) == "cancelled"


def test_the_ask_page_preselects_the_only_rollout_and_the_question_waits(personas, client_as):
    RolloutFactory(organization=personas.org, status=Rollout.Status.PLANNING, name="Not yet")
    client = client_as(personas.member)
    page = client.get(reverse("conversations_org:ask")).content.decode()
    assert f'<option value="{personas.rollout.pk}" selected>' in page and "Not yet" not in page
    response = client.post(
        reverse("conversations_org:ask"), {"rollout": personas.rollout.pk, "text": "  Where are the files?  "}
    )
    assert response.status_code == 302 and response.url == reverse("conversations_org:mine")
    question = Message.objects.get()
    assert question.text == "Where are the files?" and question.author == personas.member
    mine = client.get(reverse("conversations_org:mine")).content.decode()
    assert "Where are the files?" in mine and "Waiting" in mine


def test_another_organizations_rollout_cannot_be_chosen(personas, client_as):
    response = client_as(personas.member).post(
        reverse("conversations_org:ask"), {"rollout": personas.other_rollout.pk, "text": "Hello?"}
    )
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert not Message.objects.exists()


def test_without_a_rollout_in_pilot_or_live_the_page_says_so(personas, client_as):
    Rollout.objects.filter(organization=personas.org).update(status=Rollout.Status.PLANNING)
    page = client_as(personas.member).get(reverse("conversations_org:ask")).content.decode()
    assert "no one to ask yet" in page and "<textarea" not in page


def test_my_questions_show_their_state_and_only_mine(personas, client_as):
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        answered = ask(personas, "First question?")
    with time_machine.travel(NOW, tick=False):
        ask(personas, "Second question?")
        ask(personas, "The champion's own?", role=Role.CHAMPION)
    services.mark_answered(answered, personas.champion, "https://chat.example/answer", "Like this.")
    page = client_as(personas.member).get(reverse("conversations_org:mine")).content.decode()
    assert page.index("Second question?") < page.index("First question?")
    assert "The champion&#x27;s own?" not in page and "The champion's own?" not in page
    assert 'href="https://chat.example/answer"' in page and "Like this." in page
    assert page.count("Waiting") == 1 and page.count("Answered") == 1


def test_my_questions_cost_the_same_queries_for_one_or_many(
    personas, client_as, django_assert_max_num_queries
):
    client = client_as(personas.member)
    ask(personas)
    client.get(reverse("conversations_org:mine"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("conversations_org:mine"))
    for n in range(20):
        ask(personas, f"Question {n}?")
    with django_assert_max_num_queries(len(one)):
        client.get(reverse("conversations_org:mine"))


def test_the_queue_names_a_question_asked_in_rollout(personas, client_as):
    question = ask(personas)
    page = client_as(personas.champion).get(reverse("engage:queue", args=[personas.rollout.pk]))
    assert f'id="question-{question.pk}"' in page.content.decode()
    assert "asked in Rollout" in page.content.decode()
