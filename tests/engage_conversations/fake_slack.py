"""A local Slack Web API for the connector's tests, served by pytest-httpserver.

It answers as Slack documents its methods: POST with a form or JSON body and `Authorization:
Bearer <token>`; `{"ok": true, ..., "response_metadata": {"next_cursor": ...}}` with opaque
cursors; `{"ok": false, "error": ...}` for a wrong token (`invalid_auth`, `not_authed`), a missing
scope (`missing_scope` with `needed` and `provided`), an unknown channel or one the app was not
invited to; HTTP 429 with `Retry-After` and `ratelimited`; threads as parents with `reply_count`
and `latest_reply` in conversations.history and the whole thread in conversations.replies; the
granted scopes in the `X-OAuth-Scopes` header; users.info without the email unless the token has
users:read.email.
"""

import base64
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from werkzeug import Request, Response

ALL_SCOPES = ["channels:history", "groups:history", "channels:read", "users:read", "users:read.email"]
METHODS = [
    "auth.test",
    "admin.analytics.getFile",
    "conversations.history",
    "conversations.replies",
    "conversations.list",
    "users.info",
]


def ts(moment: datetime, n: int = 0) -> str:
    """A Slack ts: seconds since the epoch and a six-digit suffix."""
    return f"{int(moment.timestamp())}.{n:06d}"


@dataclass
class Failure:
    status: int
    error: str
    retry_after: int | None = None
    paged: bool = False  # only requests for a second or later page


@dataclass
class Channel:
    id: str
    name: str
    member: bool = True
    messages: list[dict] = field(default_factory=list)


class FakeSlack:
    def __init__(self, server, token="xoxb-good-token"):
        self.server = server
        self.token = token
        self.scopes = list(ALL_SCOPES)
        self.enterprise_grid = False
        self.page_size = 3  # small, so that every test pages
        self.channels: dict[str, Channel] = {}
        self.users: dict[str, dict] = {}
        self.failures: dict[str, list[Failure]] = {}
        self.calls: list[tuple[str, dict]] = []
        for method in METHODS:
            server.expect_request(f"/api/{method}", method="POST").respond_with_handler(
                lambda request, method=method: self.handle(method, request)
            )

    @property
    def url(self):
        return self.server.url_for("/api/")

    # Building the workspace -------------------------------------------------------------------

    def channel(self, channel_id, name, member=True):
        self.channels[channel_id] = Channel(channel_id, name, member)
        return self.channels[channel_id]

    def user(self, user_id, name, email, is_bot=False):
        self.users[user_id] = {
            "id": user_id,
            "name": name.split()[0].lower(),
            "real_name": name,
            "is_bot": is_bot,
            "profile": {"real_name": name, "email": email},
        }

    def post(self, channel_id, when, user, text, n=0, **extra):
        """A top-level message; returns its ts."""
        message = {"type": "message", "ts": ts(when, n), "user": user, "text": text, **extra}
        self.channels[channel_id].messages.append(message)
        return message["ts"]

    def reply(self, channel_id, thread_ts, when, user, text, n=0):
        message = {"type": "message", "ts": ts(when, n), "thread_ts": thread_ts, "user": user, "text": text}
        self.channels[channel_id].messages.append(message)
        return message["ts"]

    def fail(self, method, *, status=200, error="internal_error", times=1, retry_after=None, paged=False):
        self.failures.setdefault(method, []).extend(
            Failure(status, error, retry_after, paged) for _ in range(times)
        )

    def called(self, method):
        return [params for name, params in self.calls if name == method]

    # Answering --------------------------------------------------------------------------------

    def handle(self, method, request: Request) -> Response:
        params = dict(request.form) or (request.get_json(silent=True) or {})
        params.update(request.args)
        self.calls.append((method, params))
        failures = self.failures.get(method) or []
        failure = next((f for f in failures if not f.paged or params.get("cursor")), None)
        if failure is not None:
            failures.remove(failure)
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
            if failure.status >= 500:
                return Response(
                    "<html>upstream error</html>", status=failure.status, content_type="text/html"
                )
            return self.answer({"ok": False, "error": failure.error}, status=failure.status, headers=headers)
        authorization = request.headers.get("Authorization", "")
        if not authorization.startswith("Bearer ") or not authorization[7:]:
            return self.answer({"ok": False, "error": "not_authed"})
        if authorization[7:] != self.token:
            return self.answer({"ok": False, "error": "invalid_auth"})
        return getattr(self, method.replace(".", "_"))(params)

    def answer(self, body, status=200, headers=None):
        headers = {"X-OAuth-Scopes": ",".join(self.scopes), **(headers or {})}
        return Response(json.dumps(body), status=status, headers=headers, content_type="application/json")

    def needs(self, scope):
        if scope in self.scopes:
            return None
        return self.answer(
            {"ok": False, "error": "missing_scope", "needed": scope, "provided": ",".join(self.scopes)}
        )

    def page(self, items, params, key, **extra):
        start = int(base64.b64decode(params["cursor"]).decode().split(":")[1]) if params.get("cursor") else 0
        size = min(int(params.get("limit") or 100), self.page_size)
        chunk = items[start : start + size]
        more = start + size < len(items)
        cursor = base64.b64encode(f"offset:{start + size}".encode()).decode() if more else ""
        return self.answer(
            {"ok": True, key: chunk, "has_more": more, "response_metadata": {"next_cursor": cursor}, **extra}
        )

    def find(self, params):
        channel = self.channels.get(params.get("channel", ""))
        if channel is None:
            return None, self.answer({"ok": False, "error": "channel_not_found"})
        scope = "groups:history" if channel.id.startswith("G") else "channels:history"
        if denied := self.needs(scope):
            return None, denied
        if not channel.member:
            return None, self.answer({"ok": False, "error": "not_in_channel"})
        return channel, None

    def auth_test(self, params):
        return self.answer(
            {"ok": True, "url": "https://acme.slack.com/", "team": "Acme", "user": "rollout", "team_id": "T1"}
        )

    def admin_analytics_getFile(self, params):
        if not self.enterprise_grid:
            return self.answer({"ok": False, "error": "not_allowed_token_type"})
        return Response(b"\x1f\x8b", content_type="application/gzip")

    def conversations_list(self, params):
        if denied := self.needs("channels:read"):
            return denied
        channels = [{"id": c.id, "name": c.name, "is_member": c.member} for c in self.channels.values()]
        return self.page(channels, params, "channels")

    def conversations_history(self, params):
        channel, problem = self.find(params)
        if problem:
            return problem
        oldest = Decimal(params.get("oldest") or "0")
        parents = []
        for message in channel.messages:
            if message.get("thread_ts", message["ts"]) != message["ts"] or Decimal(message["ts"]) <= oldest:
                continue
            replies = [
                m for m in channel.messages if m.get("thread_ts") == message["ts"] and m is not message
            ]
            if replies:
                message = {
                    **message,
                    "thread_ts": message["ts"],
                    "reply_count": len(replies),
                    "latest_reply": max(m["ts"] for m in replies),
                }
            parents.append(message)
        parents.sort(key=lambda m: Decimal(m["ts"]), reverse=True)
        return self.page(parents, params, "messages")

    def conversations_replies(self, params):
        channel, problem = self.find(params)
        if problem:
            return problem
        parent = next((m for m in channel.messages if m["ts"] == params.get("ts")), None)
        if parent is None:
            return self.answer({"ok": False, "error": "thread_not_found"})
        thread = [parent] + sorted(
            (m for m in channel.messages if m.get("thread_ts") == parent["ts"] and m is not parent),
            key=lambda m: Decimal(m["ts"]),
        )
        return self.page(thread, params, "messages")

    def users_info(self, params):
        if denied := self.needs("users:read"):
            return denied
        user = self.users.get(params.get("user", ""))
        if user is None:
            return self.answer({"ok": False, "error": "user_not_found"})
        if "users:read.email" not in self.scopes:
            user = {**user, "profile": {k: v for k, v in user["profile"].items() if k != "email"}}
        return self.answer({"ok": True, "user": user})


def minutes_ago(now, minutes):
    return now - timedelta(minutes=minutes)
