"""Slack export parsing and the all-or-nothing, idempotent import."""

import pytest

from conversations import services
from conversations.importers import ImportFailed, slack
from conversations.models import ConversationImport, Message, Thread

USERS = [
    {"id": "U1", "name": "ana", "profile": {"real_name": "Ana Lima", "email": "ana@acme.example"}},
    {"id": "U2", "name": "ben", "profile": {"real_name": "Ben Okafor", "email": "member@acme.example"}},
    {"id": "B1", "name": "helpbot", "is_bot": True, "profile": {"real_name": "Help bot"}},
]


def day(*messages):
    return list(messages)


def test_it_parses_threads_edits_deletions_files_and_bots(slack_zip):
    upload = slack_zip(
        {
            "users.json": USERS,
            "channels.json": [{"name": "help"}],
            "help/2025-03-03.json": day(
                {
                    "type": "message",
                    "ts": "1741000000.000100",
                    "user": "U1",
                    "text": "How do I join?",
                    "reply_count": 2,
                    "thread_ts": "1741000000.000100",
                },
                {
                    "type": "message",
                    "ts": "1741000060.000200",
                    "user": "B1",
                    "bot_id": "B1",
                    "subtype": "bot_message",
                    "text": "A human will reply",
                    "thread_ts": "1741000000.000100",
                },
                {
                    "type": "message",
                    "ts": "1741003600.000300",
                    "user": "U2",
                    "text": "Press Join.",
                    "thread_ts": "1741000000.000100",
                    "edited": {"user": "U2", "ts": "1741003700.0"},
                },
                {
                    "type": "message",
                    "ts": "1741007200.000400",
                    "user": "U2",
                    "text": "",
                    "files": [{"id": "F1"}],
                },
                {
                    "type": "message",
                    "subtype": "channel_join",
                    "ts": "1741007300.0",
                    "user": "U2",
                    "text": "joined",
                },
                {
                    "type": "message",
                    "subtype": "tombstone",
                    "ts": "1741008000.000500",
                    "user": "USLACKBOT",
                    "text": "This message was deleted.",
                    "reply_count": 1,
                },
                {
                    "type": "message",
                    "ts": "1741008100.000600",
                    "user": "U1",
                    "text": "Where is the rota?",
                    "thread_ts": "1741008000.000500",
                },
            ),
            "help/2025-03-04.json": day(
                {
                    "type": "message",
                    "subtype": "message_deleted",
                    "deleted_ts": "1741007200.000400",
                    "ts": "1741090000.0",
                },
            ),
        }
    )
    messages, missing = slack.parse(upload)
    by_id = {m.message_id: m for m in messages}
    assert missing == set()
    assert len(messages) == 6  # the join is skipped
    question = by_id["1741000000.000100"]
    assert question.thread_id == "help:1741000000.000100" and question.parent_id == ""
    assert question.author_name == "Ana Lima" and question.email == "ana@acme.example"
    assert by_id["1741000060.000200"].is_bot
    assert by_id["1741003600.000300"].edited and by_id["1741003600.000300"].parent_id == question.message_id
    assert by_id["1741007200.000400"].deleted and not by_id["1741007200.000400"].has_files
    assert by_id["1741008000.000500"].deleted and by_id["1741008000.000500"].text == ""
    assert by_id["1741008100.000600"].thread_id == "help:1741008000.000500"


def test_a_file_without_text_is_kept_and_is_no_question(slack_zip):
    upload = slack_zip(
        {"help/2025-03-03.json": [{"ts": "1741000000.1", "user": "U1", "files": [{"id": "F"}]}]}
    )
    (message,), _ = slack.parse(upload)
    assert message.has_files and message.text == ""


@pytest.mark.parametrize(
    "files, error",
    [
        ({"readme.txt": "hello"}, "no channel/YYYY-MM-DD.json"),
        ({"help/2025-03-03.json": {"ts": "1"}}, "expected a list of messages"),
        ({"help/2025-03-03.json": [{"user": "U1", "text": "no ts"}]}, "the field 'ts' is missing"),
        ({"help/2025-03-03.json": [{"ts": "abc", "user": "U1"}]}, "unexpected value"),
    ],
)
def test_it_explains_what_is_wrong(slack_zip, files, error):
    with pytest.raises(ImportFailed) as failure:
        slack.parse(slack_zip(files))
    assert error in " ".join(failure.value.errors)


def test_a_file_that_is_not_a_zip_is_refused(csv_file):
    with pytest.raises(ImportFailed, match="not a zip"):
        slack.parse(csv_file("a,b\n"))


@pytest.mark.django_db
def test_importing_stores_questions_with_their_first_response_and_twice_changes_nothing(personas, slack_zip):
    files = {
        "users.json": USERS,
        "help/2025-03-03.json": [
            {"ts": "1741000000.0001", "user": "U1", "text": "How do I join?", "thread_ts": "1741000000.0001"},
            {
                "ts": "1741000060.0002",
                "user": "B1",
                "subtype": "bot_message",
                "bot_id": "B1",
                "text": "Soon",
                "thread_ts": "1741000000.0001",
            },
            {"ts": "1741000600.0003", "user": "U1", "text": "Anyone?", "thread_ts": "1741000000.0001"},
            {"ts": "1741007200.0004", "user": "U2", "text": "Press Join.", "thread_ts": "1741000000.0001"},
        ],
    }
    record, created = services.import_conversations(
        personas.rollout, slack_zip(files), "slack", personas.manager
    )
    assert created and record.threads == 1 and record.messages == 4
    question = Message.objects.get(external_id="1741000000.0001")
    assert question.is_question
    # The bot and the author's own follow-up do not count: Ben's reply two hours later does.
    assert question.response_seconds == 7200
    assert Message.objects.get(external_id="1741007200.0004").author == personas.member
    again, created = services.import_conversations(
        personas.rollout, slack_zip(files), "slack", personas.manager
    )
    assert not created and again == record
    assert ConversationImport.objects.count() == 1 and Message.objects.count() == 4


@pytest.mark.django_db
def test_a_later_export_deleting_the_reply_reopens_the_question(personas, slack_zip):
    first = {
        "help/2025-03-03.json": [
            {"ts": "1741000000.0001", "user": "U1", "text": "How do I join?"},
            {"ts": "1741000100.0002", "user": "U2", "text": "Press Join.", "thread_ts": "1741000000.0001"},
        ]
    }
    services.import_conversations(personas.rollout, slack_zip(first), "slack", personas.manager)
    assert not services.open_questions(personas.rollout).exists()
    later = {
        "help/2025-03-05.json": [
            {"subtype": "message_deleted", "deleted_ts": "1741000100.0002", "ts": "1741200000.0"}
        ]
    }
    services.import_conversations(personas.rollout, slack_zip(later, "later.zip"), "slack", personas.manager)
    assert Message.objects.get(external_id="1741000100.0002").deleted
    assert services.open_questions(personas.rollout).count() == 1


@pytest.mark.django_db
def test_a_bad_file_saves_nothing(personas, slack_zip):
    files = {
        "help/2025-03-03.json": [{"ts": "1741000000.0001", "user": "U1", "text": "fine"}],
        "help/2025-03-04.json": [{"user": "U1", "text": "no ts"}],
    }
    with pytest.raises(ImportFailed):
        services.import_conversations(personas.rollout, slack_zip(files), "slack", personas.manager)
    assert not Thread.objects.exists() and not ConversationImport.objects.exists()
