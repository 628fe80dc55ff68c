"""Viva Engage conversations pulled through the Viva Engage REST API
(conversations/connectors/viva_engage.py), with a person's delegated consent given in the browser,
against the local Entra ID (tests/fake_graph.py) and Viva Engage API (fake_viva_engage.py): only
the GRAPH_LOGIN_URL and VIVA_ENGAGE_API_URL settings differ from production."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import requests
from django.db import connection as db
from django.urls import reverse
from django.utils import timezone

from conversations.connectors import viva_engage
from conversations.connectors.viva_engage_kind import VivaEngageConversations
from conversations.models import ConnectedChannel, Message, Thread
from conversations.selectors import unanswered_questions
from rollout.connections import services
from rollout.connections.models import Connection, ConnectionRun
from tests.fake_graph import CLIENT_ID, SECRET, TENANT

pytestmark = pytest.mark.django_db

GROUP = "18463920128"
QUESTION = "How do I join the nursing community?"


@pytest.fixture
def network(fake_viva_engage):
    fake_viva_engage.person("aad-admin", "Ada Admin", "admin@acme.example")
    fake_viva_engage.person("aad-member", "Max Member", "member@acme.example")
    fake_viva_engage.person("aad-champion", "Casey Champion", "champion@acme.example")
    fake_viva_engage.community(GROUP, "aad-admin", "aad-member", "aad-champion")
    return fake_viva_engage


@pytest.fixture
def help_community(personas):
    return ConnectedChannel.objects.create(
        rollout=personas.rollout,
        provider=ConnectedChannel.Provider.VIVA_ENGAGE,
        channel_id=GROUP,
        channel_name="Help desk",
    )


def new_connection(personas):
    connection = Connection(organization=personas.org, kind=VivaEngageConversations.key, name="Viva Engage")
    return services.save_connection(
        connection,
        settings={"tenant_id": TENANT, "client_id": CLIENT_ID},
        secrets={"client_secret": SECRET},
    )


def consent(client, connection):
    """Press "Connect with Microsoft" and follow the redirects as a browser does: to the sign-in
    page (the fake Entra ID, which signs its person in at once) and back to Rollout."""
    started = client.post(reverse("connections:consent", args=[connection.pk]))
    assert started.status_code == 302, started.content
    signed_in = requests.get(started["Location"], allow_redirects=False, timeout=10)
    assert signed_in.status_code == 302
    back = urlsplit(signed_in.headers["Location"])
    assert back.path == reverse("connections:consented")
    return client.get(f"{back.path}?{back.query}")


def connected(personas, client):
    connection = new_connection(personas)
    client.force_login(personas.admin)
    consent(client, connection)
    client.logout()
    connection.refresh_from_db()
    return connection


def run(connection, **options):
    outcome = services.run(connection.pk, **options)
    return outcome, ConnectionRun.objects.order_by("-pk").first()


def test_connecting_stores_the_encrypted_token_cache(personas, client, network):
    connection = new_connection(personas)
    client.force_login(personas.admin)
    assert (
        "Connect with Microsoft"
        in client.get(reverse("connections:edit", args=[connection.pk])).content.decode()
    )

    answer = consent(client, connection)

    assert answer.status_code == 302 and answer["Location"] == reverse(
        "connections:edit", args=[connection.pk]
    )
    connection.refresh_from_db()
    secrets = connection.secrets
    assert secrets["signed_in_as"] == "ada@acme.example" and secrets["client_secret"] == SECRET
    assert '"RefreshToken"' in secrets["token_cache"]
    with db.cursor() as cursor:
        cursor.execute(f"SELECT credentials FROM {Connection._meta.db_table} WHERE id = %s", [connection.pk])
        (stored,) = cursor.fetchone()
    assert "RefreshToken" not in stored and SECRET not in stored  # encrypted at rest
    page = client.get(reverse("connections:edit", args=[connection.pk])).content.decode()
    assert "Connected as <strong>ada@acme.example</strong>" in page
    assert network.entra.grants == ["authorization_code"]
    worked, message = services.test_connection(connection)
    assert worked and "Ada Admin" in message


def test_a_declined_consent_says_so_and_stores_nothing(personas, client, network):
    network.entra.consent_denied = True
    connection = new_connection(personas)
    client.force_login(personas.admin)

    page = client.get(consent(client, connection)["Location"]).content.decode()

    assert "declined to consent" in page
    connection.refresh_from_db()
    assert "token_cache" not in connection.secrets


def test_a_pull_before_anyone_connected_says_what_to_do(personas, network, help_community):
    outcome, pulled = run(new_connection(personas))

    assert outcome.status == "failed" and "Connect with Microsoft" in pulled.detail


def test_a_question_asked_minutes_ago_is_in_the_queue_after_a_pull(personas, client, network, help_community):
    network.post(GROUP, timezone.now() - timedelta(minutes=4), "aad-member", QUESTION)

    outcome, pulled = run(connected(personas, client))

    assert outcome.status == "succeeded", pulled.detail
    assert pulled.rows_pulled == 1 and pulled.detail == "1 new message from 1 community."
    (question,) = unanswered_questions(personas.rollout)
    assert (question.text, question.author, question.unit, question.author_name) == (
        QUESTION,
        personas.member,
        personas.unit,
        "Max Member",
    )
    assert question.thread.source == Thread.Source.VIVA_ENGAGE and question.thread.channel == "Help desk"
    help_community.refresh_from_db()
    assert help_community.cursor_ts == str(network.messages[-1]["id"]) and help_community.last_error == ""


def test_a_reply_closes_the_question_and_a_second_pull_adds_nothing(
    personas, client, network, help_community
):
    now = timezone.now()
    asked = network.post(GROUP, now - timedelta(minutes=30), "aad-member", QUESTION)
    connection = connected(personas, client)
    run(connection)
    cursor = ConnectedChannel.objects.get().cursor_ts

    network.post(
        GROUP, now - timedelta(minutes=1), "aad-champion", "Search, then press Join.", reply_to=asked
    )
    outcome, pulled = run(connection)

    assert pulled.rows_pulled == 1, pulled.detail
    assert not unanswered_questions(personas.rollout).exists()
    answer = Message.objects.get(text="Search, then press Join.")
    assert Message.objects.get(text=QUESTION).first_reply_at == answer.created_at
    assert answer.parent_external_id == str(asked["id"])
    # Only what is newer than the newest message stored; the waiting thread read again.
    assert network.requested("in_group")[-1] == {"newer_than": cursor}
    assert network.requested("in_thread") == [{}]

    outcome, pulled = run(connection)
    assert (outcome.status, pulled.rows_pulled) == ("succeeded", 0)
    assert Message.objects.count() == 2 and Thread.objects.count() == 1
    assert len(network.requested("in_thread")) == 1  # the question is answered: no re-read


def test_more_than_20_messages_are_paged_with_older_than(personas, client, network, help_community):
    now = timezone.now()
    for n in range(45):
        network.post(GROUP, now - timedelta(minutes=90 - n), "aad-champion", f"Update {n}")
    connection = connected(personas, client)

    outcome, pulled = run(connection)

    assert pulled.rows_pulled == 45, pulled.detail
    pages = network.requested("in_group")
    assert len(pages) == 3 and "older_than" not in pages[0]
    assert pages[1]["older_than"] == str(network.messages[25]["id"])  # the oldest of the first page

    for n in range(25):
        network.post(GROUP, now - timedelta(minutes=20 - n / 2), "aad-member", f"Later {n}")
    outcome, pulled = run(connection)
    assert pulled.rows_pulled == 25, pulled.detail
    assert Message.objects.count() == 70
    assert [set(args) for args in network.requested("in_group")[3:]] == [
        {"newer_than"},
        {"newer_than", "older_than"},
    ]


def test_a_failure_half_way_imports_nothing_and_keeps_the_cursor(personas, client, network, help_community):
    now = timezone.now()
    network.post(GROUP, now - timedelta(hours=2), "aad-member", "Welcome everyone")
    connection = connected(personas, client)
    run(connection)
    cursor = ConnectedChannel.objects.get().cursor_ts
    for n in range(30):
        network.post(GROUP, now - timedelta(minutes=40 - n), "aad-member", f"Where is room {n}?")
    network.fault(len(network.requests) + 2, 429, {"Retry-After": "11"})  # the second page

    outcome, pulled = run(connection)

    assert (outcome.status, outcome.retry_in) == ("throttled", 11)
    assert "asked to wait 11 seconds" in pulled.detail
    assert Message.objects.count() == 1 and ConnectedChannel.objects.get().cursor_ts == cursor

    outcome, pulled = run(connection, trigger="retry", attempt=1)
    assert pulled.rows_pulled == 30, pulled.detail
    assert unanswered_questions(personas.rollout).count() == 30


def test_an_expired_token_is_refreshed_once_and_the_new_cache_is_kept(
    personas, client, network, help_community
):
    network.post(GROUP, timezone.now() - timedelta(minutes=4), "aad-member", QUESTION)
    connection = connected(personas, client)
    before = connection.secrets["token_cache"]
    network.entra.expire_delegated_tokens()

    outcome, pulled = run(connection)

    assert outcome.status == "succeeded", pulled.detail
    assert network.entra.grants == ["authorization_code", "refresh_token"]
    connection.refresh_from_db()
    assert connection.secrets["token_cache"] != before  # the rotated refresh token is stored


def test_revoked_consent_tells_the_admin_to_connect_again(personas, client, network, help_community):
    connection = connected(personas, client)
    network.entra.revoke_consent()

    outcome, pulled = run(connection)

    assert outcome.status == "failed"
    assert "no longer accepts the sign-in" in pulled.detail and "AADSTS50173" in pulled.detail
    assert "“Connect with Microsoft” again" in pulled.detail
    assert not Message.objects.exists()


def test_a_community_the_person_cannot_read_or_that_is_gone_is_named(
    personas, client, network, help_community
):
    network.community("555", "aad-member")  # not the admin's
    for group, name in (("555", "Private"), ("777", "Deleted")):
        ConnectedChannel.objects.create(
            rollout=personas.rollout,
            provider=ConnectedChannel.Provider.VIVA_ENGAGE,
            channel_id=group,
            channel_name=name,
        )
    network.post(GROUP, timezone.now() - timedelta(minutes=4), "aad-member", QUESTION)

    outcome, pulled = run(connected(personas, client))

    assert outcome.status == "failed"
    assert "Private: Viva Engage refused" in pulled.detail and "member of the community" in pulled.detail
    assert "Deleted: Viva Engage does not know" in pulled.detail
    assert "The other communities were pulled: 1 new message from 1 community." in pulled.detail
    assert unanswered_questions(personas.rollout).count() == 1


def test_blocked_third_party_apps_are_named_by_the_test(personas, client, network):
    connection = connected(personas, client)
    network.third_party_blocked = True

    worked, message = services.test_connection(connection)

    assert not worked and "allow third-party applications" in message


def test_a_manager_adds_a_community_by_its_link_once_viva_engage_is_connected(personas, client, network):
    client.force_login(personas.manager)
    page = reverse("engage:conversations_channels", args=[personas.rollout.pk])
    url = reverse("engage:conversations_channels_viva_engage", args=[personas.rollout.pk])
    link = f"https://engage.cloud.microsoft/main/org/acme.example/groups/{GROUP}"
    assert "Add a Viva Engage community" not in client.get(page).content.decode()
    assert client.post(url, {"community": link, "community_name": "Help desk"}).status_code == 302
    assert not ConnectedChannel.objects.exists()

    new_connection(personas)
    assert "Add a Viva Engage community" in client.get(page).content.decode()
    assert client.post(url, {"community": link, "community_name": "Help desk"}).status_code == 302
    classic = f"https://www.yammer.com/acme.example/groups/{int(GROUP) + 1}"
    assert client.post(url, {"community": classic, "community_name": "Champions"}).status_code == 302
    assert sorted(ConnectedChannel.objects.values_list("provider", "channel_id", "channel_name")) == [
        ("viva_engage", GROUP, "Help desk"),
        ("viva_engage", str(int(GROUP) + 1), "Champions"),
    ]
    again = client.post(url, {"community": GROUP, "community_name": "Help desk"})
    assert "is already one of this rollout" in again.content.decode()
    wrong = client.post(url, {"community": "https://example.com/help", "community_name": "Help"})
    assert "is neither a community" in wrong.content.decode()


def test_community_ids_from_links():
    assert viva_engage.community_id(" 123 ") == "123"
    assert (
        viva_engage.community_id("https://web.yammer.com/main/groups/eyJfdHlwZSI6Ikdyb3VwIiwiaWQiOiIxMjMifQ")
        == "123"
    )
    assert viva_engage.community_id("https://engage.cloud.microsoft/main/groups/not-an-id") == ""
