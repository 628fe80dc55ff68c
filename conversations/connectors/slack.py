"""Slack conversations pulled through the Web API, for the channels a rollout names
(`ConnectedChannel`), with a bot token.

A pull of one channel asks `conversations.history` for the top-level messages newer than the
channel's cursor (less a short look-back, so that new replies to recent threads are seen through
their parent's `latest_reply`), `conversations.replies` for every thread with new replies and for
every thread whose question still waits, and `users.info` for each author once per run. The
messages have the shape of a workspace export's, so the export importer reads them
(`importers.slack.read_message`) and `services.store_messages` stores them: the same thread keys
(`<channel name>:<thread ts>`), so an export imported before and the pull never hold a message
twice.

Everything is fetched before anything is written, and written in one transaction that also moves
the cursor: a pull that fails half-way (an error page, a rate limit that outlasts the retries)
stores nothing for its channel and the next pull starts from the same place.

Slack answers a rate-limited call with HTTP 429 and `Retry-After`; slack-sdk's retry handler waits
and retries twice, then `SlackThrottled(retry_after)` tells the caller when to come back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from functools import partial
from urllib.error import URLError

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler
from slack_sdk.web import SlackResponse

from .. import services
from ..importers import ParsedMessage
from ..importers import slack as export
from ..models import ConnectedChannel, Thread

logger = logging.getLogger(__name__)

# The bot token scopes the pull needs, and why (docs/connectors.md lists the same).
SCOPES = {
    "channels:history": _("to read the messages of public channels"),
    "groups:history": _("to read the messages of private channels the app is invited to"),
    "channels:read": _("to find a channel's ID from its name"),
    "users:read": _("to name the people who post"),
    "users:read.email": _("to match the people who post to the organization's members by email"),
}
ANALYTICS_UNAVAILABLE = _("Member analytics needs Slack Enterprise Grid; conversations still work.")
WRONG_TOKEN = {"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive"}
# A channel named for the first time: how far back its first pull reads.
FIRST_PULL = timedelta(days=90)
# How far before the cursor conversations.history is read again, for the parents' latest_reply.
LOOK_BACK = timedelta(days=3)
# Threads re-read for their replies because a question in them still waits: the newest, this young.
RECHECK_AGE = timedelta(days=30)
RECHECK_LIMIT = 100
PAGE_SIZE = 200


class SlackProblem(Exception):
    """A pull or a connection test failed; the message says what to do. `permission` names the
    missing scope when that is the cause, `code` Slack's error code when it gave one."""

    def __init__(self, message: str, *, permission: str | None = None, code: str = ""):
        super().__init__(message)
        self.message = message
        self.permission = permission
        self.code = code


class SlackThrottled(SlackProblem):
    """Slack still answered `ratelimited` after the retries: try again in `retry_after` seconds."""

    def __init__(self, retry_after: int):
        super().__init__(
            gettext("Slack is limiting Rollout's requests: the pull tries again in %(seconds)s s.")
            % {"seconds": retry_after}
        )
        self.retry_after = retry_after


def client(token: str) -> WebClient:
    """A Web API client for `token`, at settings.SLACK_API_URL, retrying a rate-limited call twice
    (after Slack's Retry-After) and a dropped connection once."""
    return WebClient(
        token=token,
        base_url=settings.SLACK_API_URL,
        timeout=30,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=1),
            RateLimitErrorRetryHandler(max_retry_count=2),
        ],
    )


def _problem(error: SlackApiError, method: str, channel_name: str = "") -> SlackProblem:
    response = error.response
    code = response.get("error") if isinstance(response.data, dict) else None
    problem = _explained(response, code, method, channel_name)
    problem.code = code or ""
    return problem


def _explained(response: SlackResponse, code: str | None, method: str, channel_name: str) -> SlackProblem:
    where = f"#{channel_name}" if channel_name else gettext("the channel")
    if response.status_code == 429 or code == "ratelimited":
        headers = {key.lower(): value for key, value in (response.headers or {}).items()}
        try:
            retry_after = int(headers.get("retry-after", 60))
        except ValueError:
            retry_after = 60
        return SlackThrottled(retry_after)
    if response.status_code >= 500:
        return SlackProblem(
            gettext(
                "Slack answered HTTP %(status)s to %(method)s: nothing was stored, "
                "the next pull starts again from the same place."
            )
            % {"status": response.status_code, "method": method}
        )
    if code in WRONG_TOKEN:
        return SlackProblem(
            gettext(
                "Slack refused the bot token (%(code)s): paste the app's Bot User OAuth Token (xoxb-…) "
                "from its OAuth & Permissions page."
            )
            % {"code": code}
        )
    if code == "missing_scope":
        needed = response.get("needed") or gettext("a scope")
        why = SCOPES.get(needed, "")
        values = {"scope": needed, "why": why}
        if why:
            message = gettext(
                "The Slack app lacks the %(scope)s scope (%(why)s): add it under "
                "OAuth & Permissions → Bot Token Scopes, reinstall the app and paste its new token."
            )
        else:
            message = gettext(
                "The Slack app lacks the %(scope)s scope: add it under "
                "OAuth & Permissions → Bot Token Scopes, reinstall the app and paste its new token."
            )
        return SlackProblem(message % values, permission=needed)
    if code == "channel_not_found":
        return SlackProblem(
            gettext(
                "Slack has no channel %(channel)s that the Rollout app can see: check the channel ID, and "
                "invite the app first if the channel is private."
            )
            % {"channel": where}
        )
    if code == "not_in_channel":
        return SlackProblem(
            gettext("The Rollout app is not a member of %(channel)s: invite the Rollout app to %(channel)s.")
            % {"channel": where}
        )
    if code:
        return SlackProblem(
            gettext("Slack answered %(code)s to %(method)s.") % {"code": code, "method": method}
        )
    return SlackProblem(gettext("Slack answered an error to %(method)s.") % {"method": method})


def _call(method: str, call: Callable[[], SlackResponse], channel_name: str = "") -> SlackResponse:
    try:
        return call()
    except SlackApiError as error:
        raise _problem(error, method, channel_name) from None
    except (URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise SlackProblem(
            gettext("Slack could not be reached (%(reason)s): nothing was stored, the next pull tries again.")
            % {"reason": reason}
        ) from None


def _pages(method: str, call: Callable[..., SlackResponse], channel_name: str, **params) -> Iterator[dict]:
    """Each page of a cursor-paged method (response_metadata.next_cursor)."""
    cursor = ""
    while True:
        page_params = {**params, "cursor": cursor} if cursor else params
        response = _call(method, partial(call, **page_params), channel_name)
        yield response.data if isinstance(response.data, dict) else {}
        cursor = (response.get("response_metadata") or {}).get("next_cursor") or ""
        if not cursor:
            return


def _ts(value: str) -> Decimal:
    return Decimal(value)


@dataclass
class Pulled:
    """What one channel's pull fetched: the messages, and the newest top-level `ts` seen."""

    messages: list[ParsedMessage]
    newest_ts: str
    threads_read: list[str] = field(default_factory=list)


def fetch_channel(
    api: WebClient,
    channel_id: str,
    channel_name: str,
    *,
    cursor_ts: str = "",
    recheck: Iterable[str] = (),
    users: dict[str, dict] | None = None,
) -> Pulled:
    """Fetch a channel's messages newer than `cursor_ts` (a Slack ts; empty: the last 90 days),
    the replies of their threads and of the threads in `recheck` (thread ts), as ParsedMessages.
    `users` caches users.info across channels of one run. Writes nothing."""
    users = {} if users is None else users
    now = timezone.now()
    if cursor_ts:
        oldest = str(_ts(cursor_ts) - int(LOOK_BACK.total_seconds()))
    else:
        oldest = f"{(now - FIRST_PULL).timestamp():.6f}"
    raws: list[dict] = []
    threads: list[str] = []
    newest = cursor_ts
    for page in _pages(
        "conversations.history",
        api.conversations_history,
        channel_name,
        channel=channel_id,
        oldest=oldest,
        limit=PAGE_SIZE,
    ):
        for raw in page.get("messages") or []:
            raws.append(raw)
            ts = str(raw["ts"])
            if not newest or _ts(ts) > _ts(newest):
                newest = ts
            is_parent = str(raw.get("thread_ts") or ts) == ts and raw.get("reply_count")
            latest_reply = str(raw.get("latest_reply") or ts)
            if is_parent and (not cursor_ts or _ts(latest_reply) > _ts(cursor_ts)):
                threads.append(ts)
    threads += [ts for ts in recheck if ts not in set(threads)]
    for thread_ts in threads:
        try:
            for page in _pages(
                "conversations.replies",
                api.conversations_replies,
                channel_name,
                channel=channel_id,
                ts=thread_ts,
                limit=PAGE_SIZE,
            ):
                raws.extend(page.get("messages") or [])
        except SlackProblem as problem:
            if problem.code != "thread_not_found":
                raise
            # The thread's opener was deleted since: its stored messages stay as they are.
    _look_up_users(api, {str(raw["user"]) for raw in raws if raw.get("user")}, users)
    messages: dict = {}
    deleted: set = set()
    for raw in raws:
        export.read_message(channel_name, raw, users, messages, deleted)
    return Pulled(list(messages.values()), newest, threads)


def _look_up_users(api: WebClient, user_ids: set[str], users: dict[str, dict]) -> None:
    """Add each user's {name, email, is_bot} to `users` (users.info, once per id)."""
    for user_id in sorted(user_ids - users.keys()):
        try:
            response = _call("users.info", partial(api.users_info, user=user_id))
        except SlackProblem as problem:
            if problem.code != "user_not_found":
                raise
            users[user_id] = {}
            continue
        users[user_id] = export.person(response.get("user") or {})


def open_threads(channel: ConnectedChannel) -> list[str]:
    """The thread ts of the channel's threads whose question still waits (newest first): their
    replies are read again on every pull, since a reply to an old thread changes no history page."""
    since = timezone.now() - RECHECK_AGE
    keys = (
        Thread.objects.filter(
            rollout_id=channel.rollout_id,
            source=Thread.Source.SLACK,
            external_id__startswith=f"{channel.channel_name}:",
            messages__is_question=True,
            messages__first_response_at__isnull=True,
            messages__created_at__gte=since,
        )
        .order_by("-started_at")
        .values_list("external_id", flat=True)
        .distinct()[:RECHECK_LIMIT]
    )
    return [key.rsplit(":", 1)[1] for key in keys]


def pull_channel(api: WebClient, channel: ConnectedChannel, *, users: dict[str, dict] | None = None) -> int:
    """Pull one channel and store what is new in one transaction with its cursor. Returns how
    many messages were new. On a SlackProblem nothing is stored, the cursor stays, and the
    channel's `last_error` says what went wrong."""
    try:
        pulled = fetch_channel(
            api,
            channel.channel_id,
            channel.channel_name,
            cursor_ts=channel.cursor_ts,
            recheck=open_threads(channel),
            users=users,
        )
    except SlackProblem as problem:
        ConnectedChannel.objects.filter(pk=channel.pk).update(last_error=problem.message)
        channel.last_error = problem.message
        raise
    with transaction.atomic():
        # Two pulls of the same channel at once (a scheduled one and a "pull now") queue here: the
        # second stores the same messages again, which changes nothing, and never moves the cursor back.
        locked = ConnectedChannel.objects.select_for_update().get(pk=channel.pk)
        new = services.count_new(locked.rollout_id, Thread.Source.SLACK, pulled.messages)
        thread_ids = services.store_messages(locked.rollout, Thread.Source.SLACK, pulled.messages)
        services.refresh_questions(thread_ids)
        if pulled.newest_ts and (not locked.cursor_ts or _ts(pulled.newest_ts) > _ts(locked.cursor_ts)):
            locked.cursor_ts = pulled.newest_ts
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


def find_channel(api: WebClient, *, name: str = "", channel_id: str = "") -> tuple[str, str]:
    """(id, name) of the channel the app can see with this ID, or else this name (with or
    without #), through conversations.list."""
    wanted = name.strip().lstrip("#").lower()
    for page in _pages(
        "conversations.list",
        api.conversations_list,
        "",
        types="public_channel,private_channel",
        exclude_archived=True,
        limit=PAGE_SIZE,
    ):
        for channel in page.get("channels") or []:
            if (channel_id and channel.get("id") == channel_id) or (
                not channel_id and str(channel.get("name", "")).lower() == wanted
            ):
                return str(channel["id"]), str(channel["name"])
    if channel_id:
        message = gettext(
            "The Rollout app sees no channel %(channel)s: check it, or invite the app to the channel if it is "
            "private."
        )
    else:
        message = gettext(
            "The Rollout app sees no channel named #%(channel)s: check it, or invite the app to the channel if it "
            "is private."
        )
    raise SlackProblem(message % {"channel": channel_id or wanted})


def test_slack(token: str) -> str:
    """Check a bot token: who it is, the scopes it lacks, and whether member analytics is open to
    it. Returns a sentence for the admin; raises SlackProblem naming what to fix."""
    api = client(token)
    response = _call("auth.test", api.auth_test)
    team = response.get("team") or gettext("the workspace")
    bot = response.get("user") or gettext("the app")
    granted = {key.lower(): value for key, value in (response.headers or {}).items()}.get("x-oauth-scopes")
    if granted is not None:
        have = {scope.strip() for scope in str(granted).split(",")}
        missing = [scope for scope in SCOPES if scope not in have]
        if missing:
            raise SlackProblem(
                ngettext(
                    "The Slack app lacks the %(scopes)s scope (%(why)s): add it under OAuth & "
                    "Permissions → Bot Token Scopes, reinstall the app and paste its new token.",
                    "The Slack app lacks the %(scopes)s scopes (%(why)s): add them under OAuth & "
                    "Permissions → Bot Token Scopes, reinstall the app and paste its new token.",
                    len(missing),
                )
                % {"scopes": ", ".join(missing), "why": SCOPES[missing[0]]},
                permission=missing[0],
            )
    connected = gettext("Connected to %(team)s as %(bot)s.") % {"team": team, "bot": bot}
    return f"{connected} {_analytics(api)}"


test_slack.__test__ = False  # type: ignore[attr-defined]  # a connection test, not a pytest one


def _analytics(api: WebClient) -> str:
    """Member analytics (admin.analytics.getFile) is open to an Enterprise Grid organization's
    tokens only; anywhere else Slack answers not_allowed_token_type, feature_not_enabled or
    team_not_found, and the conversations still work."""
    day = (timezone.now() - timedelta(days=2)).date().isoformat()
    try:
        _call("admin.analytics.getFile", lambda: api.admin_analytics_getFile(type="member", date=day))
    except SlackThrottled:
        return gettext("Member analytics could not be checked now (Slack is limiting requests).")
    except SlackProblem as problem:
        logger.info("Slack member analytics unavailable: %s", problem.message)
        return str(ANALYTICS_UNAVAILABLE)
    return gettext("Member analytics is available (Enterprise Grid).")
