"""Viva Engage conversations pulled through the Viva Engage REST API (VIVA_ENGAGE_API_URL), for the
communities a rollout names (`ConnectedChannel` with provider "viva_engage" and the community's
group id).

The API takes a person's delegated token only (scope `user_impersonation`), so the connection
holds one person's consent: MSAL's token cache, refreshed on each run
(rollout/connections/microsoft.py, `DelegatedSignIn`). It answers at most 20 messages a call,
newest first:

- a community's first pull reads `messages/in_group/{id}.json` back to FIRST_PULL, a page at a
  time with `older_than` (the oldest id of the page before);
- each later pull asks only for what is newer than the newest message stored (`newer_than`),
  paging the same way when more than 20 arrived;
- threads whose question still waits are read again (`messages/in_thread/{id}.json`), so that a
  reply closes them.

Authors are matched to the organization's members by the email of the user in the answer's
`references`. Everything is fetched before anything is written, and written in one transaction
per community that also moves its cursor: a pull that fails half-way stores nothing for its
community, and the next pull starts from the same place. Messages are stored as every other
source's (`services.store_messages`: thread `<group id>:<thread id>`, the message id), so a
message is never stored twice.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import requests
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from rollout.connections.microsoft import DelegatedSignIn, retry_after, unreachable
from rollout.connections.registry import ConnectionProblem, Throttled

from .. import services
from ..importers import ParsedMessage
from ..models import ConnectedChannel, Thread

if TYPE_CHECKING:
    from rollout.connections.models import Connection

log = logging.getLogger(__name__)

SCOPE = "https://api.yammer.com/user_impersonation"
PAGE_SIZE = 20  # the API's most messages per call
FIRST_PULL = timedelta(days=90)
# Threads re-read because a question in them still waits: the newest, this young.
RECHECK_AGE = timedelta(days=30)
RECHECK_LIMIT = 50
# A community's link: https://engage.cloud.microsoft/main/groups/<id> (or .../org/<domain>/groups/)
# and the classic https://www.yammer.com/<network>/groups/<id>. The new links may carry the id
# encoded as base64 JSON ({"_type":"Group","id":"123"}).
GROUP_LINK = re.compile(
    r"^https://(?:engage\.cloud\.microsoft|(?:www\.|web\.)?yammer\.com)/\S*?groups/([\w=-]+)(?:[/?#]\S*)?$"
)
GROUP_ID = re.compile(r"^\d{1,20}$")
THIRD_PARTY = _(
    "If every community is refused, third-party apps may be blocked for the network: in the Viva "
    "Engage admin center, Settings → Security settings, allow third-party applications."
)


def community_id(reference: str) -> str:
    """The community's numeric group id, from the id itself or a link to the community; "" when
    it is neither."""
    reference = reference.strip()
    if GROUP_ID.fullmatch(reference):
        return reference
    found = GROUP_LINK.match(reference)
    if not found:
        return ""
    segment = found.group(1)
    if GROUP_ID.fullmatch(segment):
        return segment
    try:
        decoded = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, binascii.Error):
        return ""
    group = str(decoded.get("id") or "") if isinstance(decoded, dict) else ""
    return group if GROUP_ID.fullmatch(group) else ""


class EngageProblem(ConnectionProblem):
    """The API's refusal of one request, with its HTTP status (404: the community is gone)."""

    def __init__(self, message: str, *, status: int, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.status = status


class EngageClient:
    """Calls to the Viva Engage REST API with the connection's delegated token. A 401 (the token
    expired mid-run) refreshes it once."""

    def __init__(self, sign_in: DelegatedSignIn) -> None:
        self.sign_in = sign_in
        self.api_url = settings.VIVA_ENGAGE_API_URL.rstrip("/") + "/"
        self.timeout = settings.CONNECTOR_TIMEOUT
        self.session = requests.Session()

    @classmethod
    def for_connection(cls, connection: Connection) -> EngageClient:
        return cls(DelegatedSignIn.for_connection(connection, scope=SCOPE))

    def get(self, path: str, params: dict[str, str] | None = None, *, what: str = "") -> dict:
        what = what or path
        for attempt in (1, 2):
            headers = {"Authorization": f"Bearer {self.sign_in.token(fresh=attempt == 2)}"}
            try:
                response = self.session.get(
                    self.api_url + path, params=params, headers=headers, timeout=self.timeout
                )
            except requests.RequestException as error:
                raise unreachable(self.api_url, error) from error
            if response.status_code == 401 and attempt == 1:
                log.info("Viva Engage refused the access token; refreshing it")
                continue
            return self._checked(response, what)
        raise AssertionError("unreachable")

    def _checked(self, response: requests.Response, what: str) -> dict:
        status = response.status_code
        if status == 200:
            try:
                body = response.json()
            except ValueError:
                raise EngageProblem(
                    gettext("Viva Engage answered %(what)s with something that is not JSON.")
                    % {"what": what},
                    status=200,
                ) from None
            return body if isinstance(body, dict) else {}
        if status == 429:
            wait = retry_after(response, 60)
            raise Throttled(
                wait,
                gettext(
                    "Viva Engage is throttling this network's requests (429); it asked to wait %(seconds)s seconds, "
                    "and the run is retried then."
                )
                % {"seconds": wait},
            )
        if status == 403:
            refused = gettext(
                "Viva Engage refused to let the person who connected read %(what)s (403). They must be a "
                "member of the community (a private community shows its messages to members only): "
                "join it, or connect again as a member."
            ) % {"what": what}
            raise EngageProblem(f"{refused} {THIRD_PARTY}", status=status)
        if status == 404:
            raise EngageProblem(
                gettext(
                    "Viva Engage does not know %(what)s (404): the community was deleted, or its id is wrong. "
                    "Remove it from the rollout's channels, or add it again from its link."
                )
                % {"what": what},
                status=status,
            )
        if status == 401:
            raise EngageProblem(
                gettext(
                    "Viva Engage refused the connection's token even after a refresh (401). Check that the app "
                    "registration has the delegated permission user_impersonation on the Viva Engage API, then "
                    "press “Connect with Microsoft” again."
                ),
                status=status,
            )
        raise EngageProblem(
            gettext("Viva Engage answered %(status)s for %(what)s; the run is retried.")
            % {"status": status, "what": what},
            status=status,
        )

    def current_user(self) -> dict:
        return self.get("users/current.json", what=gettext("the signed-in person"))


def _created(raw: dict) -> datetime | None:
    try:
        return datetime.strptime(str(raw.get("created_at") or ""), "%Y/%m/%d %H:%M:%S %z")
    except ValueError:
        return None


def thread_key(channel: ConnectedChannel, thread_id: str) -> str:
    return f"{channel.channel_id}:{thread_id}"


def read_message(channel: ConnectedChannel, raw: dict, users: dict[str, dict]) -> ParsedMessage | None:
    """A Viva Engage message as a ParsedMessage; None for a system message (joins, renames)."""
    created = _created(raw)
    if raw.get("message_type") == "system" or not raw.get("id") or created is None:
        return None
    message_id = str(raw["id"])
    sender = users.get(str(raw.get("sender_id") or ""), {})
    body = raw.get("body") or {}
    return ParsedMessage(
        thread_id=thread_key(channel, str(raw.get("thread_id") or message_id)),
        message_id=message_id,
        parent_id=str(raw.get("replied_to_id") or ""),
        author_key=str(raw.get("sender_id") or ""),
        author_name=str(sender.get("full_name") or ""),
        email=str(sender.get("email") or "").strip().lower(),
        is_bot=raw.get("sender_type", "user") != "user",
        created_at=created,
        text=" ".join(str(body.get("plain") or "").split()),
        has_files=bool(raw.get("attachments")),
        # A post of the "question" type is a question whatever its wording.
        marked_question=True if raw.get("message_type") == "question" else None,
        channel=channel.channel_name,
    )


@dataclass
class Fetched:
    """What one community's pull fetched: its messages, by id, and the people they name; `newest`
    is the newest message id the community's own list gave (the next pull's `newer_than`)."""

    raws: dict[str, dict]
    users: dict[str, dict]
    newest: int = 0

    def add(self, page: dict) -> list[dict]:
        batch = [raw for raw in page.get("messages") or [] if isinstance(raw, dict) and raw.get("id")]
        self.raws.update({str(raw["id"]): raw for raw in batch})
        self.users.update(
            {str(ref["id"]): ref for ref in page.get("references") or [] if ref.get("type") == "user"}
        )
        return batch


def _paged(
    client: EngageClient,
    path: str,
    params: dict[str, str],
    fetched: Fetched,
    what: str,
    since: datetime | None = None,
) -> None:
    """Read a newest-first collection 20 at a time with `older_than`, to its end or past `since`."""
    while True:
        batch = fetched.add(client.get(path, params, what=what))
        if len(batch) < PAGE_SIZE:
            return
        if since and any((moment := _created(raw)) is not None and moment < since for raw in batch):
            return
        params = {**params, "older_than": str(min(int(raw["id"]) for raw in batch))}


def waiting_threads(channel: ConnectedChannel) -> list[str]:
    """The thread ids of the community's recent threads whose question still waits (newest first)."""
    keys = (
        Thread.objects.filter(
            rollout_id=channel.rollout_id,
            source=Thread.Source.VIVA_ENGAGE,
            external_id__startswith=f"{channel.channel_id}:",
            messages__is_question=True,
            messages__first_response_at__isnull=True,
            messages__created_at__gte=timezone.now() - RECHECK_AGE,
        )
        .order_by("-started_at")
        .values_list("external_id", flat=True)
        .distinct()[:RECHECK_LIMIT]
    )
    return [key.rsplit(":", 1)[1] for key in keys]


def fetch_community(client: EngageClient, channel: ConnectedChannel) -> Fetched:
    """Fetch what is new in the community and the threads whose question waits. Writes nothing."""
    fetched = Fetched({}, {})
    what = gettext("the community %(community)s") % {"community": channel.channel_name}
    params = {"newer_than": channel.cursor_ts} if channel.cursor_ts else {}
    since = None if channel.cursor_ts else timezone.now() - FIRST_PULL
    _paged(client, f"messages/in_group/{channel.channel_id}.json", params, fetched, what, since)
    # Only the community's list moves the cursor: a reply read from a thread may be newer than a
    # message posted elsewhere in the community meanwhile.
    fetched.newest = max((int(message_id) for message_id in fetched.raws), default=0)
    for thread_id in waiting_threads(channel):
        try:
            _paged(
                client,
                f"messages/in_thread/{thread_id}.json",
                {},
                fetched,
                gettext("a thread of %(what)s") % {"what": what},
            )
        except EngageProblem as problem:
            if problem.status != 404:  # a thread deleted since: what is stored stays
                raise
    return fetched


def pull_community(client: EngageClient, channel: ConnectedChannel) -> int:
    """Pull one community and store what is new in one transaction with its cursor. Returns how
    many messages were new. On a failure nothing is stored, the cursor stays, and the community's
    `last_error` says what went wrong."""
    try:
        fetched = fetch_community(client, channel)
    except EngageProblem as problem:
        ConnectedChannel.objects.filter(pk=channel.pk).update(last_error=problem.message)
        channel.last_error = problem.message
        raise
    messages = [
        message for raw in fetched.raws.values() if (message := read_message(channel, raw, fetched.users))
    ]
    with transaction.atomic():
        # Two pulls of the same community queue here: the second stores the same messages again,
        # which changes nothing.
        locked = ConnectedChannel.objects.select_for_update().get(pk=channel.pk)
        new = services.count_new(locked.rollout_id, Thread.Source.VIVA_ENGAGE, messages)
        thread_ids = services.store_messages(locked.rollout, Thread.Source.VIVA_ENGAGE, messages)
        services.refresh_questions(thread_ids)
        if fetched.newest > int(locked.cursor_ts or 0):
            locked.cursor_ts = str(fetched.newest)
        locked.last_pulled_at = timezone.now()
        locked.last_error = ""
        # A save (not an update) so that the data-version receiver marks the rollout's figures stale.
        locked.save(update_fields=["cursor_ts", "last_pulled_at", "last_error"])
    channel.cursor_ts, channel.last_pulled_at, channel.last_error = (
        locked.cursor_ts,
        locked.last_pulled_at,
        "",
    )
    return new
