"""Microsoft Teams channel conversations pulled through Microsoft Graph, for the channels a rollout
names (`ConnectedChannel` with provider "teams", a team id and a channel id), with the shared
Graph client (rollout/connections/microsoft.py).

A pull of one channel reads its top-level messages with Graph's delta query
(`GET /teams/{team}/channels/{channel}/messages/delta`): the first round reads the last 90 days
and ends with an `@odata.deltaLink`, each later round starts from it and brings only new or changed
messages. Where Graph offers no delta for a channel, its messages are paged newest first
(`.../messages`) back to the last pull, less a short look-back. Delta does not carry replies, so
`.../messages/{id}/replies` is read for every thread the round brought, every thread started
within the look-back, and every thread whose question still waits (the root itself is read again
for those, `.../messages/{id}`, so that the thread keeps its start).

Each poster is matched to the organization's members by email: `GET /users/{id}` once per person
and run (`User.Read.All`); without that permission the messages still arrive, unmatched.

Everything is fetched before anything is written, and written in one transaction per channel that
also moves the deltaLink: a pull that fails half-way stores nothing for its channel and the next
pull starts from the same place. The messages are stored as every other source's
(`services.store_messages`: thread `<channel id>:<first message id>`, the message id), so a
message is never stored twice, and the question rule and the queue's response state follow.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import strip_tags
from django.utils.translation import pgettext, pgettext_lazy

from rollout.connections.microsoft import GraphClient, GraphProblem
from rollout.connections.models import Connection

from .. import services
from ..importers import ParsedMessage
from ..models import ConnectedChannel, Thread

PERMISSION = "ChannelMessage.Read.All"
USERS_PERMISSION = "User.Read.All"
PURPOSE = pgettext_lazy("Microsoft Graph refused to …", "read the channel's messages")
# A channel named for the first time: how far back its first pull reads.
FIRST_PULL = timedelta(days=90)
# Threads started this recently have their replies read again on every pull.
LOOK_BACK = timedelta(days=3)
# Threads re-read because a question in them still waits: the newest, this young.
RECHECK_AGE = timedelta(days=30)
RECHECK_LIMIT = 100
PAGE_SIZE = "50"  # Graph's largest page for channel messages
# Graph's answers to a request for a channel's delta where it offers none.
NO_DELTA = {400, 501}
SPACES = re.compile(r"\s+")


def graph_client(connection: Connection) -> GraphClient:
    return GraphClient.for_connection(connection, permission=PERMISSION, purpose=PURPOSE)


def messages_url(client: GraphClient, channel: ConnectedChannel, tail: str = "") -> str:
    team, channel_id = quote(channel.team_id, safe=""), quote(channel.channel_id, safe=":@")
    return client.url(f"/v1.0/teams/{team}/channels/{channel_id}/messages{tail}")


def thread_key(channel: ConnectedChannel, root_id: str) -> str:
    return f"{channel.channel_id}:{root_id}"


class People:
    """The email address of each poster (`GET /users/{id}`), once per person and run. Without
    User.Read.All, no address: `denied` says so, and nobody is asked again."""

    def __init__(self, client: GraphClient) -> None:
        self.client = client
        self.emails: dict[str, str] = {}
        self.denied = False

    def email(self, user_id: str) -> str:
        if not user_id or self.denied:
            return ""
        if user_id not in self.emails:
            try:
                found = self.client.get_json(
                    self.client.url(f"/v1.0/users/{quote(user_id, safe='')}"),
                    {"$select": "mail,userPrincipalName"},
                    permission=USERS_PERMISSION,
                    purpose=pgettext(
                        "Microsoft Graph refused to …", "read the email addresses of the people who post"
                    ),
                )
            except GraphProblem as problem:
                if problem.status == 403:
                    self.denied = True
                    return ""
                if problem.status != 404:  # a person deleted since: unmatched
                    raise
                found = {}
            address = str(found.get("mail") or found.get("userPrincipalName") or "").strip().lower()
            self.emails[user_id] = "" if "#ext#" in address else address
        return self.emails[user_id]


def plain_text(body: dict) -> str:
    """A message body as text: Teams sends HTML (mentions as <at>, images and cards as tags)."""
    content = str(body.get("content") or "")
    if body.get("contentType") == "html":
        content = html.unescape(strip_tags(content.replace("<br>", "\n")))
    return SPACES.sub(" ", content).strip()


def read_message(channel: ConnectedChannel, raw: dict, people: People) -> ParsedMessage | None:
    """A Graph chatMessage as a ParsedMessage; None for a system event (members added, renames)."""
    if raw.get("messageType", "message") != "message" or not raw.get("id"):
        return None
    created = parse_datetime(str(raw.get("createdDateTime") or ""))
    if created is None:
        return None
    sender = raw.get("from") or {}
    user, app = sender.get("user") or {}, sender.get("application") or {}
    deleted = bool(raw.get("deletedDateTime"))
    parent = str(raw.get("replyToId") or "")
    return ParsedMessage(
        thread_id=thread_key(channel, parent or str(raw["id"])),
        message_id=str(raw["id"]),
        parent_id=parent,
        author_key=str(user.get("id") or app.get("id") or ""),
        author_name=str(user.get("displayName") or app.get("displayName") or ""),
        email="" if deleted else people.email(str(user.get("id") or "")),
        is_bot=bool(app) and not user,
        created_at=created,
        text="" if deleted else plain_text(raw.get("body") or {}),
        has_files=bool(raw.get("attachments")) and not deleted,
        edited=bool(raw.get("lastEditedDateTime")),
        deleted=deleted,
        channel=channel.channel_name,
    )


@dataclass
class Pulled:
    """What one channel's pull fetched: its messages and the deltaLink to start from next."""

    messages: list[ParsedMessage]
    delta_link: str


def _roots(client: GraphClient, channel: ConnectedChannel) -> tuple[list[dict], str]:
    """The channel's top-level messages new or changed since the last pull, and the deltaLink."""
    if channel.delta_link:
        fetched = client.collect(channel.delta_link)
        return fetched.items, fetched.delta_link
    since = timezone.now() - FIRST_PULL
    try:
        fetched = client.collect(
            messages_url(client, channel, "/delta"),
            {"$top": PAGE_SIZE, "$filter": f"lastModifiedDateTime gt {since:%Y-%m-%dT%H:%M:%SZ}"},
        )
        return fetched.items, fetched.delta_link
    except GraphProblem as problem:
        if problem.status not in NO_DELTA:
            raise
    # No delta for this channel: newest first, back to the last pull (less the look-back).
    if channel.last_pulled_at:
        since = max(since, channel.last_pulled_at - LOOK_BACK)
    roots: list[dict] = []
    for page in client.pages(messages_url(client, channel), {"$top": PAGE_SIZE}):
        batch = [item for item in page.get("value") or [] if isinstance(item, dict)]
        roots += batch
        times = [parse_datetime(str(item.get("createdDateTime") or "")) for item in batch]
        if any(moment is not None and moment < since for moment in times):
            break
    return roots, ""


def waiting_threads(channel: ConnectedChannel) -> list[str]:
    """The first message id of the channel's recent threads and of those whose question still
    waits (newest first): their replies are read again, since a reply changes no delta page."""
    now = timezone.now()
    threads = Thread.objects.filter(
        rollout_id=channel.rollout_id,
        source=Thread.Source.TEAMS,
        external_id__startswith=f"{channel.channel_id}:",
    )
    recent = threads.filter(started_at__gte=now - LOOK_BACK)
    waiting = threads.filter(
        messages__is_question=True,
        messages__first_response_at__isnull=True,
        messages__created_at__gte=now - RECHECK_AGE,
    )
    keys = list(recent.order_by("-started_at").values_list("external_id", flat=True)[:RECHECK_LIMIT])
    keys += waiting.order_by("-started_at").values_list("external_id", flat=True).distinct()[:RECHECK_LIMIT]
    return list(dict.fromkeys(key.rsplit(":", 1)[1] for key in keys))


def fetch_channel(client: GraphClient, channel: ConnectedChannel, people: People) -> Pulled:
    """Fetch what is new in the channel, with the replies of its threads. Writes nothing."""
    roots, delta_link = _roots(client, channel)
    raws = {str(raw["id"]): raw for raw in roots if raw.get("id")}
    threads = list(raws)
    for root_id in waiting_threads(channel):
        if root_id in raws:
            continue
        try:
            raws[root_id] = client.get_json(messages_url(client, channel, f"/{quote(root_id, safe='')}"))
        except GraphProblem as problem:
            if problem.status != 404:
                raise
            continue  # the thread's first message was deleted for good: what is stored stays
        threads.append(root_id)
    for root_id in threads:
        try:
            replies = client.collect(
                messages_url(client, channel, f"/{quote(root_id, safe='')}/replies"), {"$top": PAGE_SIZE}
            )
        except GraphProblem as problem:
            if problem.status != 404:
                raise
            continue
        raws.update({str(raw["id"]): raw for raw in replies.items if raw.get("id")})
    messages = [message for raw in raws.values() if (message := read_message(channel, raw, people))]
    return Pulled(messages, delta_link)


def pull_channel(client: GraphClient, channel: ConnectedChannel, people: People) -> int:
    """Pull one channel and store what is new in one transaction with its deltaLink. Returns how
    many messages were new. On a failure nothing is stored, the deltaLink stays, and the channel's
    `last_error` says what went wrong."""
    try:
        pulled = fetch_channel(client, channel, people)
    except GraphProblem as problem:
        ConnectedChannel.objects.filter(pk=channel.pk).update(last_error=problem.message)
        channel.last_error = problem.message
        raise
    with transaction.atomic():
        # Two pulls of the same channel at once queue here: the second stores the same messages
        # again, which changes nothing.
        locked = ConnectedChannel.objects.select_for_update().get(pk=channel.pk)
        new = services.count_new(locked.rollout_id, Thread.Source.TEAMS, pulled.messages)
        thread_ids = services.store_messages(locked.rollout, Thread.Source.TEAMS, pulled.messages)
        services.refresh_questions(thread_ids)
        if pulled.delta_link:
            locked.delta_link = pulled.delta_link
        locked.last_pulled_at = timezone.now()
        locked.last_error = ""
        # A save (not an update) so that the data-version receiver marks the rollout's figures stale.
        locked.save(update_fields=["delta_link", "last_pulled_at", "last_error"])
    channel.delta_link, channel.last_pulled_at, channel.last_error = (
        locked.delta_link,
        locked.last_pulled_at,
        "",
    )
    return new
