"""A local Viva Engage REST API for the connector tests, served over HTTPS (the fake Graph's
certificate) beside the fake Microsoft Entra ID of tests/fake_graph.py, which hands out the
delegated tokens it accepts. Only VIVA_ENGAGE_API_URL differs from production.

- `GET /api/v1/users/current.json`: the person the token belongs to.
- `GET /api/v1/messages/in_group/{group}.json`: the community's messages (replies included),
  newest first, at most 20, with `older_than` / `newer_than` (message ids) and
  `meta.older_available`; `references` carries each sender (type "user": id, full_name, email).
- `GET /api/v1/messages/in_thread/{thread}.json`: a thread's messages, the same way.
- 401 for a token Entra ID did not issue for the Viva Engage scope, or one that expired;
  403 for a community the person is not a member of, or everything when third-party apps are
  blocked; 404 for a community or thread that does not exist; and whatever fault a test scripts
  (429 with Retry-After).
"""

from __future__ import annotations

import datetime
import json
import re
import threading
from dataclasses import dataclass, field

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from conversations.connectors.viva_engage import PAGE_SIZE, SCOPE
from tests.fake_graph import FakeGraph

ROUTE = re.compile(
    r"^/api/v1/(?:(?P<current>users/current)|messages/(?P<kind>in_group|in_thread)/(?P<id>\d+))\.json$"
)


@dataclass
class FakeVivaEngage:
    server: HTTPServer
    entra: FakeGraph
    users: dict = field(default_factory=dict)  # oid -> {"id", "full_name", "email"}
    groups: dict = field(default_factory=dict)  # group id -> set of member oids
    messages: list = field(default_factory=list)
    third_party_blocked: bool = False
    # {request number (1 for the first API request): (status, headers)}
    faults: dict = field(default_factory=dict)
    requests: list = field(default_factory=list)  # (kind, id, args)
    next_id: int = 2_000_000_000
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def api_url(self) -> str:
        return self.server.url_for("/api/v1/")

    def person(self, oid: str, full_name: str, email: str) -> None:
        self.users[oid] = {"type": "user", "id": oid, "full_name": full_name, "email": email}

    def community(self, group_id: str, *members: str) -> None:
        self.groups[group_id] = set(members)

    def post(
        self,
        group_id: str,
        at: datetime.datetime,
        sender: str,
        text: str,
        *,
        reply_to: dict | None = None,
        message_type: str = "update",
    ) -> dict:
        with self.lock:
            self.next_id += 1
            message_id = self.next_id
        message = {
            "id": message_id,
            "sender_id": sender,
            "sender_type": "user",
            "replied_to_id": reply_to["id"] if reply_to else None,
            "thread_id": reply_to["thread_id"] if reply_to else message_id,
            "group_id": int(group_id),
            "created_at": at.astimezone(datetime.UTC).strftime("%Y/%m/%d %H:%M:%S +0000"),
            "message_type": message_type,
            "body": {"plain": text, "parsed": text, "rich": f"<p>{text}</p>"},
            "attachments": [],
        }
        self.messages.append(message)
        return message

    def fault(self, at: int, status: int, headers: dict | None = None) -> None:
        self.faults[at] = (status, headers or {})

    def requested(self, kind: str) -> list[dict]:
        return [args for requested, _, args in self.requests if requested == kind]

    def serve(self, request: Request) -> Response:
        route = ROUTE.match(request.path)
        if route is None:
            return _error(404, "Not found")
        kind = "current" if route["current"] else route["kind"]
        with self.lock:
            self.requests.append((kind, route["id"], dict(request.args)))
            fault = self.faults.pop(len(self.requests), None)
        token = self.entra.delegated.get(request.headers.get("Authorization", "").removeprefix("Bearer "))
        if token is None or token["expired"] or token["scope"] != SCOPE:
            return _error(401, "Token expired or invalid")
        if fault is not None:
            status, headers = fault
            return Response(json.dumps({"error": "fault"}), status=status, headers=headers)
        if self.third_party_blocked:
            return _error(403, "Third-party applications are disabled for this network.")
        person = token["user"]["oid"]
        if kind == "current":
            return _json(self.users.get(person, {"id": person, "full_name": token["user"]["name"]}))
        if kind == "in_group":
            if route["id"] not in self.groups:
                return _error(404, "Group not found")
            if person not in self.groups[route["id"]]:
                return _error(403, "You are not a member of this group.")
            chosen = [m for m in self.messages if str(m["group_id"]) == route["id"]]
        else:
            chosen = [m for m in self.messages if str(m["thread_id"]) == route["id"]]
            if not chosen:
                return _error(404, "Thread not found")
        return self._page(chosen, request.args)

    def _page(self, chosen: list[dict], args) -> Response:
        if args.get("older_than"):
            chosen = [m for m in chosen if m["id"] < int(args["older_than"])]
        if args.get("newer_than"):
            chosen = [m for m in chosen if m["id"] > int(args["newer_than"])]
        chosen = sorted(chosen, key=lambda m: m["id"], reverse=True)
        page = chosen[:PAGE_SIZE]
        senders = {m["sender_id"] for m in page}
        references = [self.users[oid] for oid in senders if oid in self.users]
        references += [{"type": "thread", "id": m["thread_id"]} for m in page]
        return _json(
            {"messages": page, "references": references, "meta": {"older_available": len(chosen) > PAGE_SIZE}}
        )


def _json(body: dict, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


def _error(status: int, message: str) -> Response:
    return _json({"response": {"message": message, "code": status, "stat": "fail"}}, status)


@pytest.fixture
def fake_viva_engage(fake_graph, graph_certificate, settings):
    """The local Viva Engage API, with VIVA_ENGAGE_API_URL pointed at it (and the fake Graph's
    Entra ID signing people in)."""
    import ssl

    cert, key = graph_certificate
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=context, threaded=True)
    fake = FakeVivaEngage(server, fake_graph)
    server.expect_request(re.compile(r"^/.*")).respond_with_handler(fake.serve)
    server.start()
    settings.VIVA_ENGAGE_API_URL = fake.api_url
    yield fake
    server.clear()
    if server.is_running():
        server.stop()
