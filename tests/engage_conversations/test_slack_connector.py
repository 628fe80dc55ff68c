"""Slack conversations pulled through the Web API (conversations/connectors/slack.py), against a
local fake of the API (fake_slack.py): only settings.SLACK_API_URL differs from production."""

from datetime import timedelta

import pytest
from django.utils import timezone

from conversations.connectors import slack
from conversations.models import ConnectedChannel, Message, Thread
from conversations.selectors import unanswered_questions

from .fake_slack import FakeSlack, ts

QUESTION = "How do I join the nursing community?"


@pytest.fixture
def fake(httpserver, settings):
    server = FakeSlack(httpserver)
    settings.SLACK_API_URL = server.url
    server.channel("C0HELP", "help")
    server.user("U1", "Max Member", "member@acme.example")
    server.user("U2", "Casey Champion", "champion@acme.example")
    server.user("B1", "Help bot", "", is_bot=True)
    return server


@pytest.fixture
def help_channel(personas):
    return ConnectedChannel.objects.create(rollout=personas.rollout, channel_id="C0HELP", channel_name="help")


def pull(fake, channel, token=None):
    return slack.pull_channel(slack.client(token or fake.token), channel)


def test_a_question_asked_minutes_ago_is_in_the_queue_after_a_pull(personas, fake, help_channel):
    now = timezone.now()
    fake.post("C0HELP", now - timedelta(minutes=4), "U1", QUESTION)

    assert pull(fake, help_channel) == 1

    (question,) = unanswered_questions(personas.rollout)
    assert question.text == QUESTION
    assert (question.author, question.unit, question.author_name) == (
        personas.member,
        personas.unit,
        "Max Member",
    )
    assert question.thread.external_id == f"help:{ts(now - timedelta(minutes=4))}"
    assert question.thread.source == Thread.Source.SLACK
    help_channel.refresh_from_db()
    assert help_channel.cursor_ts == ts(now - timedelta(minutes=4))
    assert help_channel.last_pulled_at is not None and help_channel.last_error == ""


def test_a_reply_in_its_thread_closes_the_question(personas, fake, help_channel):
    now = timezone.now()
    asked = fake.post("C0HELP", now - timedelta(minutes=30), "U1", QUESTION)
    pull(fake, help_channel)
    assert unanswered_questions(personas.rollout).count() == 1

    fake.reply("C0HELP", asked, now - timedelta(minutes=2), "B1", "A human will reply soon.", n=1)
    fake.reply("C0HELP", asked, now - timedelta(minutes=1), "U2", "Search for it and press Join.", n=2)

    assert pull(fake, help_channel) == 2
    assert not unanswered_questions(personas.rollout).exists()
    question = Message.objects.get(text=QUESTION)
    assert question.first_reply_at == Message.objects.get(text="Search for it and press Join.").created_at
    assert Message.objects.get(author_key="B1").is_bot


def test_an_old_thread_whose_question_waits_is_read_again(personas, fake, help_channel):
    """Its parent is older than the look-back, so no history page mentions the new reply."""
    now = timezone.now()
    asked = fake.post("C0HELP", now - timedelta(days=10), "U1", QUESTION)
    pull(fake, help_channel)
    fake.reply("C0HELP", asked, now - timedelta(minutes=1), "U2", "Press Join.", n=1)

    assert pull(fake, help_channel) == 1

    assert not unanswered_questions(personas.rollout).exists()
    assert {"channel": "C0HELP", "ts": asked, "limit": "200"}.items() <= fake.called("conversations.replies")[
        -1
    ].items()


def test_it_pages_through_history_and_thread_replies(personas, fake, help_channel):
    now = timezone.now()
    for n in range(7):
        fake.post("C0HELP", now - timedelta(hours=8 - n), "U2", f"Update number {n}")
    asked = fake.post("C0HELP", now - timedelta(hours=1), "U1", QUESTION)
    for n in range(5):
        fake.reply(
            "C0HELP", asked, now - timedelta(minutes=50 - n), "U2" if n else "U1", f"Reply {n}", n=n + 1
        )

    assert pull(fake, help_channel) == 13

    history = fake.called("conversations.history")
    assert len(history) == 3 and not history[0].get("cursor") and all(p["cursor"] for p in history[1:])
    assert len(fake.called("conversations.replies")) == 2  # the parent and five replies, three a page
    assert Message.objects.filter(rollout=personas.rollout).count() == 13
    assert Thread.objects.get(external_id=f"help:{asked}").messages.count() == 6
    # Each author is looked up once per run.
    assert sorted(p["user"] for p in fake.called("users.info")) == ["U1", "U2"]


def test_a_second_pull_imports_nothing_new(personas, fake, help_channel):
    now = timezone.now()
    asked = fake.post("C0HELP", now - timedelta(minutes=20), "U1", QUESTION)
    fake.reply("C0HELP", asked, now - timedelta(minutes=10), "U2", "Press Join.", n=1)
    assert pull(fake, help_channel) == 2
    cursor = ConnectedChannel.objects.get().cursor_ts

    assert pull(fake, help_channel) == 0

    assert Message.objects.count() == 2 and Thread.objects.count() == 1
    assert ConnectedChannel.objects.get().cursor_ts == cursor
    # The second pull asked only for what followed the cursor, less the look-back.
    oldest = fake.called("conversations.history")[-1]["oldest"]
    assert float(oldest) == pytest.approx(float(cursor) - slack.LOOK_BACK.total_seconds())


def test_a_server_error_half_way_imports_nothing_and_leaves_the_cursor(personas, fake, help_channel):
    now = timezone.now()
    fake.post("C0HELP", now - timedelta(hours=2), "U1", "Welcome everyone")
    pull(fake, help_channel)
    cursor = ConnectedChannel.objects.get().cursor_ts
    for n in range(5):
        fake.post("C0HELP", now - timedelta(minutes=30 - n), "U1", f"Where is room {n}?")
    fake.fail("conversations.history", status=500, paged=True)

    with pytest.raises(slack.SlackProblem) as failure:
        pull(fake, help_channel)

    assert "HTTP 500 to conversations.history" in failure.value.message
    assert Message.objects.count() == 1
    channel = ConnectedChannel.objects.get()
    assert channel.cursor_ts == cursor and channel.last_error == failure.value.message
    # The next pull starts from the same place and takes everything.
    assert pull(fake, help_channel) == 5
    assert ConnectedChannel.objects.get().last_error == ""


def test_a_rate_limit_that_outlasts_the_retries_imports_nothing(personas, fake, help_channel):
    now = timezone.now()
    for n in range(5):
        fake.post("C0HELP", now - timedelta(minutes=30 - n), "U1", f"Where is room {n}?")
    fake.fail("conversations.history", status=429, error="ratelimited", retry_after=0, times=2, paged=True)
    fake.fail("conversations.history", status=429, error="ratelimited", retry_after=30, paged=True)

    with pytest.raises(slack.SlackThrottled) as throttled:
        pull(fake, help_channel)

    assert throttled.value.retry_after == 30
    assert len(fake.called("conversations.history")) == 4  # the first page, then three tries of the second
    assert not Message.objects.exists()
    assert ConnectedChannel.objects.get().cursor_ts == ""


def test_a_rate_limit_within_the_retries_is_waited_out(personas, fake, help_channel):
    fake.post("C0HELP", timezone.now() - timedelta(minutes=3), "U1", QUESTION)
    fake.fail("conversations.history", status=429, error="ratelimited", retry_after=0)

    assert pull(fake, help_channel) == 1


def test_a_wrong_token_is_named(personas, fake, help_channel):
    with pytest.raises(slack.SlackProblem) as failure:
        pull(fake, help_channel, token="xoxb-revoked")
    assert failure.value.message.startswith("Slack refused the bot token (invalid_auth)")
    with pytest.raises(slack.SlackProblem, match=r"refused the bot token \(invalid_auth\)"):
        slack.test_slack("xoxb-revoked")


def test_a_missing_scope_is_named(personas, fake, help_channel):
    fake.scopes.remove("channels:history")

    with pytest.raises(slack.SlackProblem) as failure:
        pull(fake, help_channel)

    assert failure.value.permission == "channels:history"
    assert (
        "lacks the channels:history scope (to read the messages of public channels)" in failure.value.message
    )
    assert ConnectedChannel.objects.get().last_error == failure.value.message


def test_the_connection_test_names_a_missing_scope(fake):
    fake.scopes.remove("users:read.email")

    with pytest.raises(slack.SlackProblem) as failure:
        slack.test_slack(fake.token)

    assert failure.value.permission == "users:read.email"
    assert "match the people who post to the organization's members by email" in failure.value.message


def test_a_channel_the_app_was_not_invited_to(personas, fake):
    fake.channel("C0PRIV", "nursing", member=False)
    channel = ConnectedChannel.objects.create(
        rollout=personas.rollout, channel_id="C0PRIV", channel_name="nursing"
    )
    with pytest.raises(slack.SlackProblem, match="invite the Rollout app to #nursing"):
        pull(fake, channel)
    gone = ConnectedChannel.objects.create(rollout=personas.rollout, channel_id="C0GONE", channel_name="old")
    with pytest.raises(slack.SlackProblem, match="Slack has no channel #old that the Rollout app can see"):
        pull(fake, gone)


def test_member_analytics_needs_enterprise_grid(fake):
    assert slack.test_slack(fake.token) == (
        "Connected to Acme as rollout. Member analytics needs Slack Enterprise Grid; conversations still work."
    )
    fake.enterprise_grid = True
    assert slack.test_slack(fake.token).endswith("Member analytics is available (Enterprise Grid).")


def test_a_channel_is_found_by_its_name(fake):
    for n in range(5):
        fake.channel(f"C0{n}", f"team-{n}")
    api = slack.client(fake.token)
    assert slack.find_channel(api, name="#Team-4") == ("C04", "team-4")
    assert slack.find_channel(api, channel_id="C03") == ("C03", "team-3")
    with pytest.raises(slack.SlackProblem, match="sees no channel named #nowhere"):
        slack.find_channel(api, name="nowhere")


def test_an_export_imported_before_is_not_duplicated(personas, fake, help_channel, slack_zip):
    from conversations import services

    when = timezone.now() - timedelta(days=2)
    asked = fake.post("C0HELP", when, "U1", QUESTION)
    export = slack_zip(
        {"help/2025-03-03.json": [{"type": "message", "ts": asked, "user": "U1", "text": QUESTION}]}
    )
    services.import_conversations(personas.rollout, export, "slack", personas.manager)

    assert pull(fake, help_channel) == 0
    assert Message.objects.count() == 1


# Slack as a kind of connection (Settings → Connections) ------------------------------------------


def connect(personas, token):
    from rollout.connections import services
    from rollout.connections.models import Connection

    connection = Connection(organization=personas.org, kind="slack", name="Acme Slack")
    return services.save_connection(connection, settings={}, secrets={"bot_token": token})


def test_a_scheduled_run_pulls_every_channel_of_the_organizations_rollouts(personas, fake, help_channel):
    from rollout.connections import services
    from rollout.connections.models import ConnectionRun

    fake.channel("C0NURSE", "nursing")
    ConnectedChannel.objects.create(rollout=personas.rollout, channel_id="C0NURSE", channel_name="nursing")
    ConnectedChannel.objects.create(
        rollout=personas.other_rollout, channel_id="C0NURSE", channel_name="nursing"
    )
    now = timezone.now()
    fake.post("C0HELP", now - timedelta(minutes=5), "U1", QUESTION)
    fake.post("C0NURSE", now - timedelta(minutes=3), "U2", "Who moderates the pharmacy group?")
    connection = connect(personas, fake.token)

    outcome = services.run(connection.pk)

    run = ConnectionRun.objects.get(pk=outcome.run_id)
    assert (run.status, run.rows_pulled, run.detail) == ("succeeded", 2, "2 new messages from 2 channels.")
    assert unanswered_questions(personas.rollout).count() == 2
    # Another organization's rollout is not pulled with Acme's token.
    assert not Message.objects.filter(rollout=personas.other_rollout).exists()
    assert services.test_connection(connection) == (
        True,
        "Connected to Acme as rollout. Member analytics needs Slack Enterprise Grid; conversations still work.",
    )


def test_a_channel_that_fails_alone_is_named_and_the_others_are_pulled(personas, fake, help_channel):
    from rollout.connections import services
    from rollout.connections.models import Connection, ConnectionRun

    fake.channel("C0PRIV", "nursing", member=False)
    ConnectedChannel.objects.create(rollout=personas.rollout, channel_id="C0PRIV", channel_name="nursing")
    fake.post("C0HELP", timezone.now() - timedelta(minutes=5), "U1", QUESTION)

    outcome = services.run(connect(personas, fake.token).pk)

    run = ConnectionRun.objects.get(pk=outcome.run_id)
    assert run.status == "failed"
    assert run.detail == (
        "The Rollout app is not a member of #nursing: invite the Rollout app to #nursing. "
        "The other channels were pulled: 1 new message from 1 channel."
    )
    assert unanswered_questions(personas.rollout).count() == 1
    assert Connection.objects.get().last_error == run.detail


def test_a_rate_limited_run_is_retried_after_slacks_delay(personas, fake, help_channel):
    from rollout.connections import services

    fake.post("C0HELP", timezone.now() - timedelta(minutes=5), "U1", QUESTION)
    fake.fail("conversations.history", status=429, error="ratelimited", retry_after=0, times=2)
    fake.fail("conversations.history", status=429, error="ratelimited", retry_after=45)

    outcome = services.run(connect(personas, fake.token).pk)

    assert (outcome.status, outcome.retry_in) == ("throttled", 45)
    assert not Message.objects.exists()


def test_a_wrong_token_fails_the_connection_test(personas, fake):
    from rollout.connections import services

    worked, message = services.test_connection(connect(personas, "xoxb-wrong"))

    assert not worked and message.startswith("Slack refused the bot token (invalid_auth)")


# The Slack channels page ---------------------------------------------------------------------------


def test_a_manager_names_a_channel_by_id_and_name_without_a_connection(personas, client):
    client.force_login(personas.manager)
    url = f"/r/{personas.rollout.pk}/engage/conversations/channels/"

    response = client.post(url, {"channel_id": "c0help01", "channel_name": "#help"})

    assert response.status_code == 302
    channel = ConnectedChannel.objects.get()
    assert (channel.rollout, channel.channel_id, channel.channel_name) == (
        personas.rollout,
        "C0HELP01",
        "help",
    )
    again = client.post(url, {"channel_id": "C0HELP01", "channel_name": "help"})
    assert "is already one of this rollout&#x27;s channels" in again.content.decode()


def test_a_name_alone_is_looked_up_through_the_slack_connection(personas, client, fake):
    client.force_login(personas.manager)
    url = f"/r/{personas.rollout.pk}/engage/conversations/channels/"
    refused = client.post(url, {"channel_name": "help"})
    assert "connect Slack under Settings → Connections" in refused.content.decode()

    connect(personas, fake.token)
    assert client.post(url, {"channel_name": "help"}).status_code == 302

    assert ConnectedChannel.objects.get().channel_id == "C0HELP"
    assert "#help" in client.get(url).content.decode()


def test_an_invalid_channel_id_is_explained(personas, client):
    client.force_login(personas.manager)
    response = client.post(f"/r/{personas.rollout.pk}/engage/conversations/channels/", {"channel_id": "help"})
    assert "A Slack channel ID starts with C" in response.content.decode()


def test_removing_a_channel_keeps_its_conversations(personas, client, fake, help_channel):
    fake.post("C0HELP", timezone.now() - timedelta(minutes=5), "U1", QUESTION)
    pull(fake, help_channel)
    client.force_login(personas.manager)

    response = client.post(
        f"/r/{personas.rollout.pk}/engage/conversations/channels/{help_channel.pk}/remove/"
    )

    assert response.status_code == 302
    assert not ConnectedChannel.objects.exists() and Message.objects.count() == 1


def test_it_rejects_another_organizations_channel(personas, client):
    theirs = ConnectedChannel.objects.create(
        rollout=personas.other_rollout, channel_id="C0X1234", channel_name="x"
    )
    client.force_login(personas.manager)
    response = client.post(f"/r/{personas.rollout.pk}/engage/conversations/channels/{theirs.pk}/remove/")
    assert response.status_code == 404
    assert ConnectedChannel.objects.filter(pk=theirs.pk).exists()


def test_slack_is_offered_under_settings_connections(personas, client):
    client.force_login(personas.admin)
    response = client.get("/settings/connections/new/slack/")
    assert response.status_code == 200
    assert "Bot User OAuth Token (xoxb-…)" in response.content.decode()
