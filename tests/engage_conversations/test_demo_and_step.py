"""Demo data, the step's health and digest lines, metrics, and query counts of the pages."""

import io
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conversations import step_parts
from conversations.models import ConnectedChannel, Message, MomentumAlert, Pulse, PulseResponse, Thread
from rollout.metrics import catalogue
from rollout.models import Membership, Rollout
from rollout.steps import registry

from ..factories import MembershipFactory, UnitFactory
from .factories import MessageFactory, QuestionFactory, ThreadFactory

pytestmark = pytest.mark.django_db


def test_the_demo_has_threads_questions_waiting_a_dip_and_two_pulses():
    call_command("seed_demo", stdout=io.StringIO())
    live = Rollout.objects.get(name="Viva Engage for all staff")
    threads = Thread.objects.filter(rollout=live).count()
    questions = Message.objects.filter(rollout=live, is_question=True)
    assert threads >= 300 and 0.25 < questions.count() / threads < 0.6
    late = questions.filter(
        first_response_at__isnull=True, created_at__lt=timezone.now() - timedelta(hours=24)
    )
    assert late.count() >= 3 and late.filter(unit__name="Nursing").exists()
    assert MomentumAlert.objects.filter(rollout=live, unit__name="Emergency Medicine").exists()
    assert Pulse.objects.filter(rollout=live).count() == 2 and PulseResponse.objects.count() > 20
    assert ConnectedChannel.objects.get(rollout=live).channel_name == "help"
    counts = (Thread.objects.count(), Message.objects.count(), PulseResponse.objects.count())
    call_command("seed_demo", stdout=io.StringIO())
    assert (Thread.objects.count(), Message.objects.count(), PulseResponse.objects.count()) == counts
    assert ConnectedChannel.objects.count() == 2  # #help in Slack, and the Teams rollout's channel


def test_the_demo_member_has_questions_records_and_a_pulse_shared_with_what_was_done():
    from rollout.models import Notification, Role

    call_command("seed_demo", stdout=io.StringIO())
    max_member = Membership.objects.get(user__email="member@northwind.example")
    engage = registry.get("engage")
    (panel,) = engage.member_panels(max_member)
    assert [q.state for q in panel.context["questions"]] == ["waiting", "answered"]
    assert panel.context["can_ask"] and panel.context["questions"][1].answer_url
    records = {table.key: table for table in engage.personal_records(max_member)}
    assert all(records[key].rows for key in ("messages", "pulse-invitations", "activity"))
    live = Rollout.objects.get(name="Viva Engage for all staff")
    shared = engage.shared_outcomes([live], timezone.now() - timedelta(days=365))
    launch = next(outcome for outcome in shared if outcome.title == "Readiness pulse: launch")
    assert len(launch.said) == 5 and launch.did
    assert max_member.role == Role.MEMBER and not Notification.objects.filter(kind__startswith="question-")
    counts = (Thread.objects.count(), Message.objects.count())
    call_command("seed_demo", stdout=io.StringIO())
    assert (Thread.objects.count(), Message.objects.count()) == counts


@pytest.fixture
def catalogue_restored():
    """conversations/metrics.py registers on import; other tests see the catalogue as it was."""
    saved = dict(catalogue._metrics)
    yield catalogue
    catalogue._metrics = saved


def test_the_metrics_compute_from_the_questions_and_pulses(personas, catalogue_restored):
    from conversations import metrics

    now = timezone.now()
    QuestionFactory(
        thread__rollout=personas.rollout,
        created_at=now - timedelta(days=3),
        first_response_at=now - timedelta(days=2),
        response_seconds=3 * 3600,
    )
    QuestionFactory(thread__rollout=personas.rollout, created_at=now - timedelta(days=3))
    today = timezone.localdate()
    assert metrics.time_to_first_response(personas.rollout, today) == 3.0
    assert metrics.answered_within_target(personas.rollout, today) == 50
    assert metrics.unanswered_questions(personas.rollout, today) == 1
    assert metrics.unanswered_questions(personas.rollout, today - timedelta(days=5)) == 0
    assert metrics.pulse_readiness(personas.rollout, today) is None
    assert catalogue_restored.get("time_to_first_response").compute is metrics.time_to_first_response


def test_health_counts_answers_within_target_and_names_the_waiting_questions(personas):
    now = timezone.now()
    QuestionFactory(
        thread__rollout=personas.rollout,
        created_at=now - timedelta(hours=40),
        first_response_at=now,
        response_seconds=3600,
    )
    QuestionFactory(thread__rollout=personas.rollout, created_at=now - timedelta(hours=30))
    health = registry.get("engage").health([personas.rollout])[personas.rollout.pk]
    assert health.score == 50
    assert any("1 question waiting" in reason for reason in health.reasons)
    assert health.next_action == "Answer the 1 question waiting past the target"
    assert health.next_url == reverse("engage:queue", kwargs={"pk": personas.rollout.pk})


def test_the_champions_digest_lists_their_units_unanswered_questions(personas):
    QuestionFactory(thread__rollout=personas.rollout, unit=personas.unit, text="Where is the rota?")
    QuestionFactory(
        thread__rollout=personas.rollout, unit=UnitFactory(organization=personas.org), text="Elsewhere?"
    )
    membership = Membership.objects.get(user=personas.champion)
    section = registry.get("engage").digest_section(
        personas.rollout, membership, timezone.now() - timedelta(days=7)
    )
    text = "\n".join(section.lines)
    assert (
        "1 unanswered question from Sales" in text
        and "Where is the rota?" in text
        and "Elsewhere" not in text
    )


def test_the_champions_digests_read_every_units_queue_in_one_query(personas):
    now = timezone.now()
    units = [personas.unit, UnitFactory(organization=personas.org), UnitFactory(organization=personas.org)]
    for number, unit in enumerate(units[:2]):
        for age in range(6 - number * 4):  # six questions in the first unit, two in the second
            QuestionFactory(
                thread__rollout=personas.rollout,
                unit=unit,
                text=f"Unit {number}, asked {age + 1} days ago " + "x" * 200,
                created_at=now - timedelta(days=age + 1, hours=1),
            )
    QuestionFactory(thread__rollout=personas.rollout, unit=units[1], first_response_at=now)  # answered
    champions = [MembershipFactory(organization=personas.org, role="champion", unit=unit) for unit in units]
    with CaptureQueriesContext(connection) as captured:
        first, second, third = (
            step_parts.digest_lines(personas.rollout, champion, now - timedelta(days=7))
            for champion in champions
        )
    assert len(captured) == 1
    assert first[0] == f"6 unanswered questions from {units[0]}, oldest first:"
    assert first[1].startswith("- Unit 0, asked 6 days ago xxx") and first[1].endswith("x (Ana, 6 days ago)")
    assert len(first[1]) == len("- ") + 120 + len(" (Ana, 6 days ago)")  # the text cut at 120
    oldest_first = [line.split(",")[1].split(" xxx")[0] for line in first[1:6]]
    assert oldest_first == [f" asked {age} days ago" for age in (6, 5, 4, 3, 2)]
    assert first[6] == "…and 1 more in the queue."
    assert second[0] == f"2 unanswered questions from {units[1]}, oldest first:" and len(second) == 3
    assert third == [f"No unanswered questions from {units[2]}. Thank you!"]


def test_the_ttfr_trend_has_weekly_points(personas):
    now = timezone.now()
    QuestionFactory(
        thread__rollout=personas.rollout,
        created_at=now - timedelta(days=10),
        first_response_at=now,
        response_seconds=7200,
    )
    trend = step_parts.ttfr_trend(personas.rollout)
    assert trend.has_data and trend.points[0][1] == 2.0


def grow(personas, n):
    for i in range(n):
        unit = UnitFactory(organization=personas.org)
        MembershipFactory(organization=personas.org, role="champion", unit=unit)
        thread = ThreadFactory(rollout=personas.rollout)
        QuestionFactory(thread=thread, unit=unit, created_at=timezone.now() - timedelta(hours=i + 1))
        MessageFactory(thread=thread, created_at=timezone.now())


PAGES = [
    ("engage:queue", "champion"),
    ("engage:queue", "leader"),
    ("engage:queue_response_times", "manager"),
    ("engage:conversations", "manager"),
    ("engage:momentum", "manager"),
    ("engage:pulses", "leader"),
]


@pytest.mark.parametrize("name, role", PAGES)
def test_pages_cost_the_same_queries_with_more_data(personas, client_as, name, role):
    client = client_as(personas.users[role])
    url = reverse(name, kwargs={"pk": personas.rollout.pk})
    grow(personas, 2)
    with time_machine.travel(timezone.now(), tick=False):  # the page is kept for its minute
        client.get(url)
        with CaptureQueriesContext(connection) as few:
            assert client.get(url).status_code == 200
        grow(personas, 20)
        client.get(url)  # after the write, as before it: the page's cached parts filled again
        with CaptureQueriesContext(connection) as many:
            assert client.get(url).status_code == 200
    assert len(many) == len(few)


def test_answering_a_question_refreshes_the_cached_health_at_once(personas):
    """The champion who answered sees the health without the question at once (and from then on
    everyone does); until then the others see the stored health, out of date."""
    from conversations import services
    from rollout import figures, portfolio

    def waiting(user):
        health = portfolio.step_health(personas.rollout, "engage", user=user)
        return any("question waiting" in reason for reason in health.reasons)

    question = QuestionFactory(
        thread__rollout=personas.rollout, created_at=timezone.now() - timedelta(hours=30)
    )
    before = portfolio.step_health(personas.rollout, "engage")  # computed and stored
    assert any("1 question waiting" in reason for reason in before.reasons)
    with figures.changes_by(personas.champion):  # the champion's own request
        assert services.mark_answered(question, personas.champion, "https://chat.example/answer")
    assert waiting(personas.manager)  # another person, before the worker: as stored ...
    assert figures.of_rollout(personas.rollout).out_of_date  # ... and marked as updating
    assert not waiting(personas.champion)  # the one who answered: at once
    assert not figures.of_rollout(personas.rollout).out_of_date
    assert not waiting(personas.manager)
