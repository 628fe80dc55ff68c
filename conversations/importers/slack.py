"""A Slack workspace export: a zip of `<channel>/YYYY-MM-DD.json` files, each a list of messages
with `ts`, `thread_ts`, `user`, `text` (and `reply_count` on a thread's parent), plus `users.json`
with names, emails and bots.

What the parser does with Slack's variants:
- thread replies carry `thread_ts` (the parent's `ts`); a message without one starts its own thread;
- `edited` marks an edited message (its text is already the new one); a `message_changed` event
  carries the new message under `message`;
- a deleted message is a `tombstone` (a parent whose replies remain) or a `message_deleted` event
  naming `deleted_ts`: stored as deleted, with no text, and never a question or a reply;
- a message with files and no text is kept (it may be a reply) with `has_files`;
- bots (`bot_message`, a `bot_id`, or `is_bot` in users.json) are kept and flagged, so they never
  count as a first response;
- channel joins, topics and other housekeeping subtypes are skipped.
"""

import json
import re
import zipfile
from datetime import UTC, datetime

from django.utils.translation import gettext

from . import ImportFailed, ParsedMessage

DAY_FILE = re.compile(r"^(?:[^/]+/)?(?P<channel>[^/]+)/(?P<day>\d{4}-\d{2}-\d{2})\.json$")
SKIPPED_SUBTYPES = {
    "channel_join",
    "channel_leave",
    "channel_topic",
    "channel_purpose",
    "channel_name",
    "channel_archive",
    "channel_unarchive",
    "group_join",
    "group_leave",
    "pinned_item",
    "unpinned_item",
    "reminder_add",
    "bot_add",
    "bot_remove",
}
MAX_FILES = 20000
MAX_BYTES = 300 * 1024 * 1024  # uncompressed; a zip bomb stops here


def _timestamp(ts):
    return datetime.fromtimestamp(float(ts), tz=UTC)


def _load(archive, info):
    if info.file_size > MAX_BYTES:
        raise ImportFailed([gettext("%(file)s is too large to import.") % {"file": info.filename}])
    try:
        return json.loads(archive.read(info).decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ImportFailed(
            [gettext("%(file)s is not valid JSON (%(error)s).") % {"file": info.filename, "error": error}]
        ) from None


def _users(archive, names):
    path = next((n for n in names if n.rsplit("/", 1)[-1] == "users.json"), None)
    if path is None:
        return {}
    data = _load(archive, archive.getinfo(path))
    if not isinstance(data, list):
        raise ImportFailed([gettext("users.json should hold a list of users.")])
    return {user["id"]: person(user) for user in data if isinstance(user, dict) and user.get("id")}


def person(user):
    """{name, email, is_bot} of a Slack user object, as users.json and the Web API's users.info
    give it."""
    profile = user.get("profile") or {}
    return {
        "name": profile.get("real_name") or user.get("real_name") or user.get("name") or "",
        "email": (profile.get("email") or "").lower(),
        "is_bot": bool(user.get("is_bot")) or user.get("id") == "USLACKBOT",
    }


def parse(upload):
    """[ParsedMessage] from a Slack export zip (a file object); ImportFailed if it is not one."""
    try:
        archive = zipfile.ZipFile(upload)
    except (zipfile.BadZipFile, OSError):
        raise ImportFailed(
            [gettext("This file is not a zip archive: upload the Slack workspace export as is.")]
        ) from None
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_FILES or sum(i.file_size for i in infos) > MAX_BYTES:
            raise ImportFailed(
                [gettext("This export is too large to import in one go: export fewer channels or months.")]
            )
        names = [i.filename for i in infos]
        days = [(m["channel"], i) for i in infos if (m := DAY_FILE.match(i.filename))]
        if not days:
            raise ImportFailed(
                [gettext("The zip holds no channel/YYYY-MM-DD.json files: is it a Slack workspace export?")]
            )
        users = _users(archive, names)
        messages, deleted, errors = {}, set(), []
        for channel, info in sorted(days, key=lambda item: item[1].filename):
            data = _load(archive, info)
            if not isinstance(data, list):
                errors.append(gettext("%(file)s: expected a list of messages.") % {"file": info.filename})
                continue
            for index, raw in enumerate(data, start=1):
                try:
                    read_message(channel, raw, users, messages, deleted)
                except (KeyError, TypeError, ValueError, OverflowError) as error:
                    errors.append(
                        gettext("%(file)s, message %(index)s: %(problem)s")
                        % {"file": info.filename, "index": index, "problem": _describe(error)}
                    )
    if errors:
        raise ImportFailed(errors)
    for key in deleted & messages.keys():
        _mark_deleted(messages[key])
    missing = {key for key in deleted if key not in messages}
    return list(messages.values()), missing


def _describe(error):
    if isinstance(error, KeyError):
        return gettext("the field %(field)s is missing.") % {"field": repr(error.args[0])}
    return gettext("a field has an unexpected value (%(error)s).") % {"error": error}


def _mark_deleted(message):
    message.deleted, message.text, message.has_files = True, "", False


def read_message(channel, raw, users, messages, deleted):
    """Add one raw Slack message to `messages` ({(channel, ts): ParsedMessage}) or its deletion to
    `deleted`. Shared with the Web API pull (conversations/connectors/slack.py), whose messages
    have the export's shape."""
    if not isinstance(raw, dict):
        raise TypeError("not a message object")
    subtype = raw.get("subtype")
    if raw.get("type", "message") != "message" or subtype in SKIPPED_SUBTYPES:
        return
    if subtype == "message_deleted":
        deleted.add((channel, str(raw["deleted_ts"])))
        return
    edited = False
    if subtype == "message_changed":
        raw, edited = raw["message"], True
        subtype = raw.get("subtype")
    ts = str(raw["ts"])
    created = _timestamp(ts)
    thread_ts = str(raw.get("thread_ts") or ts)
    author = raw.get("user") or raw.get("bot_id") or raw.get("username") or "unknown"
    person = users.get(author, {})
    text = raw.get("text") or ""
    if not isinstance(text, str):
        raise TypeError("text is not a string")
    message = ParsedMessage(
        thread_id=f"{channel}:{thread_ts}",
        message_id=ts,
        parent_id="" if thread_ts == ts else thread_ts,
        author_key=str(author),
        author_name=person.get("name")
        or (raw.get("user_profile") or {}).get("real_name")
        or raw.get("username")
        or "",
        email=person.get("email", ""),
        is_bot=subtype == "bot_message" or bool(raw.get("bot_id")) or person.get("is_bot", False),
        created_at=created,
        text=text,
        has_files=bool(raw.get("files")),
        edited=edited or bool(raw.get("edited")),
        channel=channel,
    )
    if subtype == "tombstone":
        _mark_deleted(message)
    previous = messages.get((channel, ts))
    if previous is not None and previous.edited and not message.edited:
        return  # a later edit already replaced this message
    messages[(channel, ts)] = message
