"""The weekly digest's cost: what every recipient of a rollout's digest sees alike (the rollout, the
steps' health, the sections that depend on the role only, the organization's figures the steps read)
is computed once per digest run; each further digest costs the same few queries, however many there
are and however they are batched (outbox.send_many claims and loads a batch in a few queries)."""

import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rollout import data_versions, outbox
from rollout.models import Membership, Notification, Organization, Role, Rollout
from rollout.steps import registry

from .champions.factories import ChampionFactory, SupportSessionFactory
from .factories import MembershipFactory
from .pages import worker_catches_up

pytestmark = pytest.mark.django_db

MOMENT = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
# Each digest after the first of a run, sent alone: the claim, the row, the recipient's memberships
# and the result; the rollout and the steps' parts come from the run's figures.
MOST_PER_DIGEST = 4
# In a batch the claim and the loads are the batch's: each digest adds only its result.
MOST_PER_BATCHED_DIGEST = 1


@pytest.fixture
def demo(db):
    call_command("seed_demo", stdout=io.StringIO())
    organization = Organization.objects.get(slug="northwind-health")
    return organization, organization.rollouts.get(status=Rollout.Status.LIVE)


def recipients(organization, rollout, role, count):
    users = [MembershipFactory(organization=organization, role=role).user for _ in range(count)]
    if role == Role.CHAMPION:
        for user in users:
            champion = ChampionFactory(rollout=rollout, user=user)
            SupportSessionFactory(champion=champion, happened_at=MOMENT - timedelta(days=1))
    return users


def digests(organization, rollout, users, moment):
    return [
        Notification.objects.create(
            organization=organization,
            kind="digest",
            key=f"digest:{rollout.pk}:{user.pk}:{moment.isoformat()}",
            recipient=user,
            payload={"rollout": rollout.pk, "week": "2026-W48"},
            scheduled_for=moment,
            next_attempt_at=moment,
        ).pk
        for user in users
    ]


def start_of_run():
    """Every run starts alike: nothing cached under the data version, and the rollouts' stored
    figures current (the worker has caught up with the setup's writes)."""
    data_versions.new_data_version()
    worker_catches_up()


def queries_of_each(send, items):
    """The queries of each send(item), each of which must send all it is given."""
    counts = []
    for item in items:
        with CaptureQueriesContext(connection) as queries:
            statuses = send(item)
        assert set(statuses.values() if isinstance(statuses, dict) else [statuses]) == {
            Notification.Status.SENT
        }
        counts.append(len(queries))
    return counts


def queries_of_each_send(pks):
    return queries_of_each(outbox.send, pks)


@pytest.mark.parametrize("role", [Role.MANAGER, Role.CHAMPION])
def test_each_further_digest_costs_the_same_few_queries_with_2_or_6_recipients(demo, role):
    organization, rollout = demo
    users = recipients(organization, rollout, role, 6)
    start_of_run()  # both runs start from nothing cached
    two = queries_of_each_send(digests(organization, rollout, users[:2], MOMENT))
    start_of_run()
    six = queries_of_each_send(digests(organization, rollout, users, MOMENT - timedelta(weeks=1)))
    # The first digest of a run computes the shared figures, at the same cost in both runs.
    assert two[0] == six[0]
    # Every further one costs the same, whatever the number of recipients.
    assert set(two[1:]) == set(six[1:]) == {two[1]}
    assert len(mail.outbox) == 8


@pytest.mark.parametrize("role", [Role.MANAGER, Role.CHAMPION])
def test_a_further_digest_costs_a_few_queries_of_its_own(demo, role):
    organization, rollout = demo
    users = recipients(organization, rollout, role, 3)
    counts = queries_of_each_send(digests(organization, rollout, users, MOMENT))
    assert counts[1] == counts[2] <= MOST_PER_DIGEST


def queries_of_each_batch(batches):
    return queries_of_each(outbox.send_many, batches)


@pytest.mark.parametrize("role", [Role.MANAGER, Role.CHAMPION])
def test_a_batch_costs_the_same_queries_per_digest_whatever_its_size(demo, role):
    organization, rollout = demo
    users = recipients(organization, rollout, role, 15)
    pks = digests(organization, rollout, users, MOMENT)
    start_of_run()
    outbox.send(pks[0])  # the run's first digest computes what every recipient shares
    two, four, eight = queries_of_each_batch([pks[1:3], pks[3:7], pks[7:15]])
    per_digest = (four - two) / 2
    assert eight - four == 4 * per_digest  # each further digest of a batch costs the same
    assert two - 2 * per_digest <= 3  # and the batch a few of its own: the claim and two loads


@pytest.mark.parametrize("role", [Role.MANAGER, Role.CHAMPION])
def test_a_batched_digest_costs_only_its_result(demo, role):
    organization, rollout = demo
    users = recipients(organization, rollout, role, 7)
    pks = digests(organization, rollout, users, MOMENT)
    outbox.send(pks[0])
    two, six = queries_of_each_batch([pks[1:3], pks[3:7]])
    assert (six - two) / 4 <= MOST_PER_BATCHED_DIGEST


def test_a_write_during_the_run_shows_in_the_following_digests(demo):
    organization, rollout = demo
    first, second = recipients(organization, rollout, Role.MANAGER, 2)
    [one, two] = digests(organization, rollout, [first, second], MOMENT)
    champion = ChampionFactory(rollout=rollout)
    outbox.send(one)
    before = next(line for line in mail.outbox[0].body.splitlines() if "support sessions this week" in line)
    SupportSessionFactory(champion=champion, happened_at=MOMENT - timedelta(hours=1))
    outbox.send(two)
    after = next(line for line in mail.outbox[1].body.splitlines() if "support sessions this week" in line)
    assert int(after.split()[1]) == int(before.split()[1]) + 1  # "- N support sessions this week ..."


def test_managers_and_champions_of_the_same_rollout_get_their_own_sections(demo):
    organization, rollout = demo
    [manager] = recipients(organization, rollout, Role.MANAGER, 1)
    [champion] = recipients(organization, rollout, Role.CHAMPION, 1)
    for pk in digests(organization, rollout, [manager, champion], MOMENT):
        outbox.send(pk)
    by_person = {message.to[0]: message.body for message in mail.outbox}
    assert (
        "\nChampions\n" in by_person[manager.email]
        and "\nYour champion week\n" not in by_person[manager.email]
    )
    assert (
        "\nYour champion week\n" in by_person[champion.email]
        and "1 session logged" in by_person[champion.email]
    )
    assert "\nReviews\n" not in by_person[champion.email]


def test_champions_of_one_unit_share_their_units_questions_built_once(demo):
    from .engage_conversations.factories import QuestionFactory, ThreadFactory
    from .factories import UnitFactory

    organization, rollout = demo
    unit = UnitFactory(organization=organization, name="Digest test unit")
    users = recipients(organization, rollout, Role.CHAMPION, 3)
    Membership.objects.filter(user__in=users, organization=organization).update(unit=unit)
    data_versions.new_data_version(organization.pk)  # update() sends no signal
    QuestionFactory(
        thread=ThreadFactory(rollout=rollout),
        unit=unit,
        text="Where is the rota channel?",
        created_at=MOMENT - timedelta(days=3),
    )
    engage = registry.get("engage")
    built = []
    original = type(engage).digest_section

    def counting(self, rollout, membership, since):
        built.append(membership.user_id)
        return original(self, rollout, membership, since)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(type(engage), "digest_section", counting)
        with time_machine.travel(MOMENT + timedelta(hours=1), tick=False):
            for pk in digests(organization, rollout, users, MOMENT):
                assert outbox.send(pk) == Notification.Status.SENT
    assert len(built) == 1  # once for the unit, then given to the other two champions
    bodies = [message.body for message in mail.outbox]
    assert len(bodies) == 3
    assert all("Where is the rota channel?" in body and "3 days ago" in body for body in bodies)
