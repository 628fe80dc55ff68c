"""Time to first response, answered within target, and the queue: order, claim, answer, hand on."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from conversations import selectors, services
from conversations.models import Message
from rollout.models import Role

from ..factories import MembershipFactory, UnitFactory
from .factories import MessageFactory, QuestionFactory, ThreadFactory

pytestmark = pytest.mark.django_db


def thread_with(rollout, *messages):
    """messages: (author, hours after the question, text, is_bot)."""
    thread = ThreadFactory(rollout=rollout)
    start = timezone.now() - timedelta(days=3)
    for i, (author, hours, text, bot) in enumerate(messages):
        MessageFactory(
            thread=thread,
            external_id=str(i),
            author_key=author,
            created_at=start + timedelta(hours=hours),
            text=text,
            is_bot=bot,
        )
    services.refresh_questions({thread.pk})
    return Message.objects.get(thread=thread, external_id="0")


def test_ttfr_ignores_the_authors_own_replies_and_bots(personas):
    question = thread_with(
        personas.rollout,
        ("ana", 0, "How do I join?", False),
        ("bot", 0.1, "Thanks, someone will answer", True),
        ("ana", 1, "Anyone?", False),
        ("ben", 5, "Press Join.", False),
        ("cara", 6, "Or ask Casey.", False),
    )
    assert question.is_question and question.response_seconds == 5 * 3600
    follow_up = Message.objects.get(thread=question.thread, external_id="2")
    assert follow_up.is_question and follow_up.response_seconds == 4 * 3600


def test_a_question_answered_only_by_itself_and_a_bot_stays_open(personas):
    question = thread_with(
        personas.rollout, ("ana", 0, "Why?", False), ("ana", 1, "hello?", False), ("b", 2, "hi", True)
    )
    assert question.first_response_at is None
    assert list(services.open_questions(personas.rollout)) == [question, Message.objects.get(external_id="1")]


def test_answered_within_target_counts_answered_and_late_questions_only(personas):
    now = timezone.now()
    rollout = personas.rollout  # target 24 h
    QuestionFactory(
        thread__rollout=rollout,
        created_at=now - timedelta(hours=50),
        first_response_at=now,
        response_seconds=10 * 3600,
    )
    QuestionFactory(
        thread__rollout=rollout,
        created_at=now - timedelta(hours=50),
        first_response_at=now,
        response_seconds=30 * 3600,
    )
    QuestionFactory(thread__rollout=rollout, created_at=now - timedelta(hours=30))  # open past target
    QuestionFactory(thread__rollout=rollout, created_at=now - timedelta(hours=2))  # open, not decided yet
    summary = selectors.response_summary(rollout, now=now)
    assert (summary["asked"], summary["answered"], summary["decided"], summary["within"]) == (4, 2, 3, 1)
    assert summary["within_share"] == 33 and summary["overdue"] == 1 and summary["ttfr_hours"] == 20.0


def test_per_unit_figures_merge_small_groups(personas):
    big, small = personas.unit, UnitFactory(organization=personas.org, name="Legal")
    for _ in range(5):
        QuestionFactory(thread__rollout=personas.rollout, unit=big)
    QuestionFactory(thread__rollout=personas.rollout, unit=small)
    names = [row["name"] for row in selectors.response_by_unit(personas.rollout)]
    assert names == ["Sales", selectors.OTHER]


def test_the_queue_is_oldest_first_with_the_champions_units_first(personas):
    now = timezone.now()
    other = UnitFactory(organization=personas.org, name="Legal")
    oldest = QuestionFactory(thread__rollout=personas.rollout, unit=other, created_at=now - timedelta(days=3))
    mine = QuestionFactory(
        thread__rollout=personas.rollout, unit=personas.unit, created_at=now - timedelta(days=1)
    )
    newer = QuestionFactory(thread__rollout=personas.rollout, unit=other, created_at=now - timedelta(hours=1))
    assert list(selectors.unanswered_questions(personas.rollout)) == [oldest, mine, newer]
    assert list(selectors.unanswered_questions(personas.rollout, [personas.unit.pk])) == [mine, oldest, newer]


def test_of_two_claims_on_the_same_question_one_wins(personas):
    question = QuestionFactory(thread__rollout=personas.rollout)
    seen_by_a, seen_by_b = Message.objects.get(pk=question.pk), Message.objects.get(pk=question.pk)
    other = MembershipFactory(organization=personas.org, role=Role.CHAMPION).user
    assert services.claim(seen_by_a, personas.champion) is True
    assert services.claim(seen_by_b, other) is False
    assert Message.objects.get(pk=question.pk).claimed_by == personas.champion


@pytest.mark.django_db(transaction=True)
def test_two_champions_claiming_at_the_same_moment(personas):
    if connection.vendor != "postgresql":
        pytest.skip("Concurrent writers need PostgreSQL (SQLite serialises them anyway).")
    question = QuestionFactory(thread__rollout=personas.rollout)
    other = MembershipFactory(organization=personas.org, role=Role.CHAMPION).user
    barrier, results = threading.Barrier(2), []

    def claim(user):
        barrier.wait()
        results.append(services.claim(question, user))
        connection.close()

    workers = [threading.Thread(target=claim, args=(u,)) for u in (personas.champion, other)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(results) == [False, True]


def test_a_champion_claims_and_marks_answered_through_the_pages(personas, client_as):
    question = QuestionFactory(
        thread__rollout=personas.rollout, created_at=timezone.now() - timedelta(hours=30)
    )
    client = client_as(personas.champion)
    kwargs = {"pk": personas.rollout.pk, "question": question.pk}
    client.post(reverse("engage:queue_claim", kwargs=kwargs))
    response = client.post(reverse("engage:queue_answered", kwargs=kwargs), {"url": "chat.example/t/1"})
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.answered_by == personas.champion and question.answer_url == "https://chat.example/t/1"
    assert 30 * 3600 <= question.response_seconds < 31 * 3600
    assert not services.open_questions(personas.rollout).exists()


def test_a_champion_cannot_answer_a_question_someone_else_claimed(personas, client_as):
    question = QuestionFactory(thread__rollout=personas.rollout, claimed_by=personas.manager)
    kwargs = {"pk": personas.rollout.pk, "question": question.pk}
    assert (
        client_as(personas.champion).get(reverse("engage:queue_answered", kwargs=kwargs)).status_code == 403
    )


def test_handing_on_gives_the_claim_to_another_person(personas, client_as):
    question = QuestionFactory(thread__rollout=personas.rollout, claimed_by=personas.champion)
    kwargs = {"pk": personas.rollout.pk, "question": question.pk}
    response = client_as(personas.champion).post(
        reverse("engage:queue_hand_on", kwargs=kwargs), {"person": personas.manager.pk}
    )
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.claimed_by == personas.manager


def test_hand_on_refuses_someone_outside_the_queue_roles(personas, client_as):
    question = QuestionFactory(thread__rollout=personas.rollout)
    kwargs = {"pk": personas.rollout.pk, "question": question.pk}
    response = client_as(personas.champion).post(
        reverse("engage:queue_hand_on", kwargs=kwargs), {"person": personas.member.pk}
    )
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()


def test_a_question_logged_by_hand_joins_the_queue(personas, client_as):
    response = client_as(personas.champion).post(
        reverse("engage:conversations_log", kwargs={"pk": personas.rollout.pk}),
        {
            "text": "Printer on ward 7 will not scan",
            "asked_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "asker": personas.member.pk,
            "where": "In person",
        },
    )
    assert response.status_code == 302
    question = services.open_questions(personas.rollout).get()
    assert question.is_question and question.unit == personas.unit and question.author == personas.member


def test_logging_needs_someone_who_asked(personas, client_as):
    response = client_as(personas.manager).post(
        reverse("engage:conversations_log", kwargs={"pk": personas.rollout.pk}),
        {"text": "Hmm", "asked_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")},
    )
    assert "Say who asked" in response.content.decode()
    assert not Message.objects.exists()


def test_another_organizations_question_is_not_found(personas, client_as):
    question = QuestionFactory(thread__rollout=personas.other_rollout)
    url = reverse("engage:queue_claim", kwargs={"pk": personas.rollout.pk, "question": question.pk})
    assert client_as(personas.champion).post(url).status_code == 404
