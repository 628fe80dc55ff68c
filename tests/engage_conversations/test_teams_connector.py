"""Microsoft Teams channel conversations pulled through Microsoft Graph
(conversations/connectors/teams.py), against the local Graph (tests/fake_graph.py): only the
GRAPH_* settings differ from production."""

from datetime import timedelta

import pytest
from django.utils import timezone

from conversations.connectors import teams
from conversations.connectors.teams_kind import TeamsConversations
from conversations.models import ConnectedChannel, Message, Thread
from conversations.selectors import unanswered_questions
from rollout.connections import services
from rollout.connections.models import Connection, ConnectionRun
from tests.fake_graph import CLIENT_ID, SECRET, TENANT, DirectoryUser

pytestmark = pytest.mark.django_db

TEAM = "fbe2bf47-16c8-47cf-b4a5-4b9b187c508b"
CHANNEL = "19:4a95f7d8db4c4e7fae857bcebe0623e6@thread.tacv2"
QUESTION = "How do I join the nursing community?"
LINK = (
    "https://teams.microsoft.com/l/channel/19%3a4a95f7d8db4c4e7fae857bcebe0623e6%40thread.tacv2/"
    f"Help%20desk?groupId={TEAM}&tenantId={TENANT}"
)


@pytest.fixture
def tenant(fake_graph):
    fake_graph.put_user(DirectoryUser("aad-member", "member@acme.example", "Max Member"))
    fake_graph.put_user(DirectoryUser("aad-champion", "champion@acme.example", "Casey Champion"))
    fake_graph.channel(TEAM, CHANNEL)
    return fake_graph


@pytest.fixture
def help_channel(personas):
    return ConnectedChannel.objects.create(
        rollout=personas.rollout,
        provider=ConnectedChannel.Provider.TEAMS,
        team_id=TEAM,
        channel_id=CHANNEL,
        channel_name="Help desk",
    )


def connect(personas):
    connection = Connection(organization=personas.org, kind=TeamsConversations.key, name="Teams")
    return services.save_connection(
        connection,
        settings={"tenant_id": TENANT, "client_id": CLIENT_ID},
        secrets={"client_secret": SECRET},
    )


def run(connection, **options):
    outcome = services.run(connection.pk, **options)
    return outcome, ConnectionRun.objects.order_by("-pk").first()


def test_a_question_asked_minutes_ago_is_in_the_queue_after_a_pull(personas, tenant, help_channel):
    tenant.post(TEAM, CHANNEL, timezone.now() - timedelta(minutes=4), "aad-member", QUESTION)

    outcome, pulled = run(connect(personas))

    assert outcome.status == "succeeded", pulled.detail
    assert pulled.rows_pulled == 1 and pulled.detail.startswith("1 new message from 1 channel")
    (question,) = unanswered_questions(personas.rollout)
    assert question.text == QUESTION  # Teams' HTML body, as text
    assert (question.author, question.unit, question.author_name) == (
        personas.member,
        personas.unit,
        "Max Member",
    )
    assert question.thread.source == Thread.Source.TEAMS
    assert question.thread.channel == "Help desk"
    help_channel.refresh_from_db()
    assert "$deltatoken=" in help_channel.delta_link and help_channel.last_error == ""
    first = tenant.requested("messages")[0][1]
    assert first["$top"] == "50" and first["$filter"].startswith("lastModifiedDateTime gt ")


def test_a_reply_closes_the_question_and_a_second_pull_adds_nothing(personas, tenant, help_channel):
    now = timezone.now()
    asked = tenant.post(TEAM, CHANNEL, now - timedelta(minutes=30), "aad-member", QUESTION)
    connection = connect(personas)
    run(connection)
    assert unanswered_questions(personas.rollout).count() == 1

    tenant.post(
        TEAM, CHANNEL, now - timedelta(minutes=3), None, "A human will reply.", reply_to=asked, bot="Helper"
    )
    tenant.post(
        TEAM,
        CHANNEL,
        now - timedelta(minutes=1),
        "aad-champion",
        "Search &amp; press <b>Join</b>.",
        reply_to=asked,
    )

    outcome, pulled = run(connection)

    assert pulled.rows_pulled == 2, pulled.detail
    assert not unanswered_questions(personas.rollout).exists()
    question = Message.objects.get(text=QUESTION)
    answer = Message.objects.get(text="Search & press Join.")
    assert question.first_reply_at == answer.created_at
    assert Message.objects.get(author_name="Helper").is_bot
    assert answer.parent_external_id == asked
    # The delta round started from the channel's deltaLink; the thread's replies were read again.
    assert list(tenant.requested("messages")[1][1]) == ["$deltatoken"]

    outcome, pulled = run(connection)
    assert (outcome.status, pulled.rows_pulled) == ("succeeded", 0)
    assert Message.objects.count() == 3 and Thread.objects.count() == 1


def test_pages_of_messages_and_replies_are_all_read(personas, tenant, help_channel):
    now = timezone.now()
    for n in range(5):
        tenant.post(TEAM, CHANNEL, now - timedelta(hours=5 - n), "aad-champion", f"Update {n}")
    asked = tenant.post(TEAM, CHANNEL, now - timedelta(minutes=50), "aad-member", QUESTION)
    for n in range(3):
        tenant.post(TEAM, CHANNEL, now - timedelta(minutes=40 - n), "aad-member", f"More {n}", reply_to=asked)

    outcome, pulled = run(connect(personas))

    assert pulled.rows_pulled == 9, pulled.detail
    assert len(tenant.requested("messages")) == 3  # six roots, two a page
    assert Thread.objects.get(external_id=f"{CHANNEL}:{asked}").messages.count() == 4
    # Each poster's address was asked for once in the run.
    assert sorted(path for path, _ in tenant.requested("user")) == [
        "/v1.0/users/aad-champion",
        "/v1.0/users/aad-member",
    ]


def test_a_failure_half_way_imports_nothing_and_keeps_the_delta_link(personas, tenant, help_channel):
    now = timezone.now()
    connection = connect(personas)
    tenant.post(TEAM, CHANNEL, now - timedelta(hours=2), "aad-member", "Welcome everyone")
    run(connection)
    link = ConnectedChannel.objects.get().delta_link
    for n in range(5):
        tenant.post(TEAM, CHANNEL, now - timedelta(minutes=30 - n), "aad-member", f"Where is room {n}?")
    tenant.fault(
        "messages",
        at=3,
        status=429,
        headers={"Retry-After": "11"},
        body={"error": {"code": "TooManyRequests"}},
    )

    outcome, pulled = run(connection)

    assert (outcome.status, outcome.retry_in) == ("throttled", 11)
    assert "asked to wait 11 seconds" in pulled.detail
    assert Message.objects.count() == 1
    assert ConnectedChannel.objects.get().delta_link == link

    outcome, pulled = run(connection, trigger="retry", attempt=1)
    assert pulled.rows_pulled == 5, pulled.detail
    assert unanswered_questions(personas.rollout).count() == 5


def test_a_missing_permission_is_named_with_graphs_own_words(personas, tenant, help_channel):
    tenant.permissions = {"Reports.Read.All"}
    worked, message = services.test_connection(connect(personas))
    assert not worked
    assert "403 Forbidden: Missing role permissions on the request." in message
    assert "ChannelMessage.Read.All" in message and "Grant admin consent" in message
    assert not Message.objects.exists()


def test_without_user_read_all_messages_arrive_unmatched_and_the_run_says_why(personas, tenant, help_channel):
    tenant.permissions = {"ChannelMessage.Read.All"}
    tenant.post(TEAM, CHANNEL, timezone.now() - timedelta(minutes=4), "aad-member", QUESTION)
    outcome, pulled = run(connect(personas))
    assert outcome.status == "succeeded"
    assert "User.Read.All" in pulled.detail
    assert unanswered_questions(personas.rollout).get().author is None


def test_a_channel_without_delta_is_paged_instead(personas, tenant, help_channel):
    tenant.no_delta.add(CHANNEL)
    asked = tenant.post(TEAM, CHANNEL, timezone.now() - timedelta(minutes=9), "aad-member", QUESTION)
    tenant.post(TEAM, CHANNEL, timezone.now() - timedelta(minutes=2), "aad-champion", "Here.", reply_to=asked)
    outcome, pulled = run(connect(personas))
    assert pulled.rows_pulled == 2, pulled.detail
    assert not unanswered_questions(personas.rollout).exists()
    assert ConnectedChannel.objects.get().delta_link == ""


def test_a_channel_that_is_gone_is_named_and_the_others_are_pulled(personas, tenant, help_channel):
    ConnectedChannel.objects.create(
        rollout=personas.rollout,
        provider=ConnectedChannel.Provider.TEAMS,
        team_id=TEAM,
        channel_id="19:gone@thread.tacv2",
        channel_name="Old channel",
    )
    tenant.post(TEAM, CHANNEL, timezone.now() - timedelta(minutes=4), "aad-member", QUESTION)
    outcome, pulled = run(connect(personas))
    assert outcome.status == "failed"
    assert pulled.detail.startswith("Old channel: Microsoft Graph answered 404 NotFound")
    assert "1 new message from 1 channel" in pulled.detail
    assert unanswered_questions(personas.rollout).count() == 1


def test_the_test_reads_a_named_channel(personas, tenant, help_channel):
    worked, message = services.test_connection(connect(personas))
    assert worked, message
    assert "may read the messages of Help desk (ChannelMessage.Read.All)" in message


def test_the_plain_text_of_a_teams_body():
    body = {"contentType": "html", "content": '<div><at id="0">Casey</at> where is it?<br>Thanks</div>'}
    assert teams.plain_text(body) == "Casey where is it? Thanks"


# The channels page ------------------------------------------------------------------------------


def test_a_manager_adds_a_teams_channel_by_its_link_once_teams_is_connected(personas, client, tenant):
    client.force_login(personas.manager)
    page = f"/r/{personas.rollout.pk}/engage/conversations/channels/"
    url = f"{page}teams/"
    assert "Add a Teams channel" not in client.get(page).content.decode()
    assert client.post(url, {"link": LINK}).status_code == 302
    assert not ConnectedChannel.objects.exists()  # no Teams connection yet: nothing offered

    connect(personas)
    assert "Add a Teams channel" in client.get(page).content.decode()
    assert client.post(url, {"link": LINK}).status_code == 302

    channel = ConnectedChannel.objects.get()
    assert (channel.provider, channel.team_id, channel.channel_id, channel.channel_name) == (
        "teams",
        TEAM,
        CHANNEL,
        "Help desk",
    )
    again = client.post(url, {"link": LINK})
    assert "Help desk is already one of this rollout&#x27;s channels" in again.content.decode()
    wrong = client.post(url, {"link": "https://example.com/help"})
    assert "That is not a Teams channel link" in wrong.content.decode()


def test_the_demo_names_a_teams_channel_on_its_teams_rollout(db):
    from django.core.management import call_command

    call_command("seed_demo")
    call_command("seed_demo")  # idempotent
    channel = ConnectedChannel.objects.get(provider=ConnectedChannel.Provider.TEAMS)
    assert channel.rollout.name == "Teams for clinical teams"
    assert channel.channel_name == "Ward handovers" and channel.delta_link == ""
