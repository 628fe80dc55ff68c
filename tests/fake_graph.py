"""A local Microsoft Graph for the connector tests: Microsoft Entra ID's token endpoint and Graph's
usage reports, served over HTTPS by pytest-httpserver on two local ports ("login" and "graph"),
behaving as Microsoft documents them.

- `GET /{tenant}/v2.0/.well-known/openid-configuration` (MSAL's tenant discovery) and
  `POST /{tenant}/oauth2/v2.0/token` (client credentials, form-encoded): an access token as JSON;
  `400 invalid_request` AADSTS90002 for an unknown tenant, `401 invalid_client` AADSTS7000215 for
  a wrong secret, `400 unauthorized_client` AADSTS700016 for an unknown client id.
- A person's sign-in (delegated, for the Viva Engage API): `GET /{tenant}/oauth2/v2.0/authorize`
  signs `signed_in` in at once and redirects to the `redirect_uri` with a code and the state (or
  `error=access_denied` when `consent_denied`); the token endpoint redeems the code
  (`authorization_code`, PKCE checked) and a refresh token (`refresh_token`, rotated) for an access
  token, a refresh token, an id token carrying the request's nonce and `client_info`, as Entra ID
  answers; a revoked refresh token is `400 invalid_grant` AADSTS50173.
- `GET /v1.0/reports/getYammerActivityUserDetail(period='D7')` (and Teams', and `(date=…)`):
  `302` to a pre-authenticated download URL serving the CSV, UTF-8 BOM first, with the documented
  header; `401 InvalidAuthenticationToken` for an expired token, `403 Authorization_RequestDenied`
  without Reports.Read.All, and whatever fault a test scripts (`429` with Retry-After, `503`).
- `GET /v1.0/users/delta` (User.Read.All): the tenant's users, a page at a time with
  `@odata.nextLink`, the last page ending with `@odata.deltaLink`; from a deltaLink, the users
  changed since (whole, as Graph returns them without `Prefer: return=minimal`) and the removed
  ones as `{"id", "@removed": {"reason"}}`; the manager as `manager@delta`. `GET /v1.0/users/{id}`.
- `GET /v1.0/teams/{team}/channels/{channel}/messages/delta` (ChannelMessage.Read.All): a
  channel's top-level messages, paged, ending with a deltaLink from which only new or changed ones
  come; `.../messages` (newest first, for a channel where delta is not offered) and
  `.../messages/{id}/replies`, paged. Without the permission, Graph's own 403 body.

The HTTPS certificate is made per test session for 127.0.0.1; requests (and MSAL through it) trust
it through REQUESTS_CA_BUNDLE, so the connector runs exactly as in production.
"""

from __future__ import annotations

import base64
import csv
import datetime
import hashlib
import io
import ipaddress
import json
import re
import ssl
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from engage.importers import teams, viva_engage

TENANT = "11111111-2222-3333-4444-555555555555"
CLIENT_ID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
SECRET = "correct~horse~battery~staple"
BOM = "\ufeff"
REPORT = re.compile(
    r"^/v1\.0/reports/(?P<function>\w+)\((?P<argument>period='D\d+'|date=\d{4}-\d{2}-\d{2})\)$"
)


def make_certificate(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fake-graph.test")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "fake-graph.pem", folder / "fake-graph.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


@dataclass
class User:
    upn: str
    name: str = ""
    posts: int = 0
    reads: int = 0
    likes: int = 0
    replies: int = 0
    chats: int = 0


def graph_time(moment: datetime.datetime) -> str:
    """Graph's ISO 8601 with milliseconds and Z."""
    return (
        moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


@dataclass
class DirectoryUser:
    """A user of the tenant as Graph's user resource has them (the properties Rollout selects)."""

    id: str
    mail: str | None
    display_name: str = ""
    upn: str = ""
    department: str | None = None
    office: str | None = None
    enabled: bool = True
    manager: str | None = None  # the manager's id

    def resource(self) -> dict:
        body = {
            "@odata.type": "#microsoft.graph.user",
            "id": self.id,
            "displayName": self.display_name,
            "mail": self.mail,
            "userPrincipalName": self.upn or self.mail or f"{self.id}@acme.onmicrosoft.com",
            "department": self.department,
            "officeLocation": self.office,
            "accountEnabled": self.enabled,
        }
        if self.manager:
            body["manager@delta"] = [{"@odata.type": "#microsoft.graph.user", "id": self.manager}]
        return body


@dataclass
class FakeGraph:
    """The two servers and what the tenant holds. Tests change the attributes to script faults."""

    login: HTTPServer
    graph: HTTPServer
    tenants: dict = field(default_factory=lambda: {TENANT: {CLIENT_ID: SECRET}})
    permissions: set = field(
        default_factory=lambda: {"Reports.Read.All", "User.Read.All", "ChannelMessage.Read.All"}
    )
    users: list = field(default_factory=list)
    refresh_date: str = "2026-05-31"
    concealed: bool = False
    # Faults the report endpoints answer: by the number of the report request (1 for the first),
    # or, under 0, to the next request whatever its number. (status, headers, body) tuples.
    faults: dict = field(default_factory=dict)
    expire_tokens_after: int | None = None  # report requests a token serves before it "expires"
    tokens: dict = field(default_factory=dict)  # token -> report requests served with it
    token_requests: int = 0
    report_requests: list = field(default_factory=list)
    downloads: dict = field(default_factory=dict)
    download_headers: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # The directory: users by id, each with the change number that last touched it; removed ids.
    directory: dict = field(default_factory=dict)
    changed_at: dict = field(default_factory=dict)
    removed_at: dict = field(default_factory=dict)  # id -> (change number, reason)
    change: int = 0
    page_size: int = 2  # small, so that every test pages
    rounds: dict = field(default_factory=dict)  # skiptoken -> (items, delta token)
    # Teams: {(team, channel): [chatMessage]}; a change number per message, like the directory's.
    channels: dict = field(default_factory=dict)
    no_delta: set = field(default_factory=set)  # channels where Graph offers no delta
    # Faults of the directory and Teams endpoints: {endpoint: {request number: (status, headers, body)}}
    # with the endpoints "users", "user", "messages" (a channel's, delta or not), "message", "replies".
    api_faults: dict = field(default_factory=dict)
    api_requests: list = field(default_factory=list)  # (endpoint, path, args)
    # A person's sign-in: who signs in at the authorize endpoint, the codes it handed out, the
    # delegated tokens (access token -> {"user", "scope", "expired"}) and refresh tokens
    # (-> {"user", "scope"}); `revoked` refresh tokens answer invalid_grant.
    signed_in: dict = field(
        default_factory=lambda: {
            "oid": "aad-admin",
            "name": "Ada Admin",
            "preferred_username": "ada@acme.example",
        }
    )
    consent_denied: bool = False
    codes: dict = field(default_factory=dict)
    delegated: dict = field(default_factory=dict)
    refresh_tokens: dict = field(default_factory=dict)
    revoked: set = field(default_factory=set)
    grants: list = field(default_factory=list)  # the grant_type of each token request

    @property
    def login_url(self) -> str:
        return self.login.url_for("/").rstrip("/")

    @property
    def api_url(self) -> str:
        return self.graph.url_for("/").rstrip("/")

    # Microsoft Entra ID ----------------------------------------------------------------------

    def serve_login(self, request: Request) -> Response:
        parts = request.path.strip("/").split("/")
        tenant = parts[0] if parts else ""
        if tenant not in self.tenants:
            return _json(
                400,
                {
                    "error": "invalid_request" if request.method == "POST" else "invalid_tenant",
                    "error_description": f"AADSTS90002: Tenant '{tenant}' not found. Check to make sure you "
                    "have the correct tenant ID and are signing into the correct cloud.\r\n"
                    "Trace ID: 0\r\nCorrelation ID: 0\r\nTimestamp: 2026-05-31 05:00:00Z",
                    "error_codes": [90002],
                },
            )
        base = f"{self.login_url}/{tenant}"
        if request.method == "GET" and parts[1:] == ["v2.0", ".well-known", "openid-configuration"]:
            return _json(
                200,
                {
                    "issuer": f"{base}/v2.0",
                    "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                    "token_endpoint": f"{base}/oauth2/v2.0/token",
                    "jwks_uri": f"{base}/discovery/v2.0/keys",
                },
            )
        if request.method == "POST" and parts[1:] == ["oauth2", "v2.0", "token"]:
            return self._token(tenant, request.form)
        if request.method == "GET" and parts[1:] == ["oauth2", "v2.0", "authorize"]:
            return self._authorize(tenant, request.args)
        return _json(404, {"error": "not_found"})

    def _authorize(self, tenant: str, args) -> Response:
        """The sign-in page: `signed_in` signs in and consents at once (or declines)."""
        redirect_uri, state = args.get("redirect_uri", ""), args.get("state", "")
        if args.get("client_id") not in self.tenants[tenant] or args.get("response_type") != "code":
            return _json(400, {"error": "invalid_request", "error_codes": [900144]})
        if self.consent_denied:
            answer = {
                "error": "access_denied",
                "error_description": "AADSTS65004: User declined to consent to access the app.",
                "state": state,
            }
        else:
            code = uuid.uuid4().hex
            self.codes[code] = {
                "client_id": args["client_id"],
                "redirect_uri": redirect_uri,
                "scope": args.get("scope", ""),
                "nonce": args.get("nonce", ""),
                "challenge": args.get("code_challenge", ""),
            }
            answer = {"code": code, "state": state, "session_state": uuid.uuid4().hex}
        separator = "&" if "?" in redirect_uri else "?"
        query = "&".join(f"{name}={_quote(value)}" for name, value in answer.items())
        return Response("", status=302, headers={"Location": f"{redirect_uri}{separator}{query}"})

    def _delegated_tokens(
        self, tenant: str, client_id: str, user: dict, scope: str, nonce: str = ""
    ) -> Response:
        access, refresh = uuid.uuid4().hex, uuid.uuid4().hex
        resource_scopes = " ".join(
            part for part in scope.split() if part not in ("openid", "profile", "offline_access")
        )
        with self.lock:
            self.delegated[access] = {"user": user, "scope": resource_scopes, "expired": False}
            self.refresh_tokens[refresh] = {"user": user, "scope": scope}
        now = int(time.time())
        claims = {
            "iss": f"{self.login_url}/{tenant}/v2.0",
            "aud": client_id,
            "iat": now,
            "nbf": now,
            "exp": now + 3600,
            "sub": f"sub-{user['oid']}",
            "oid": user["oid"],
            "tid": tenant,
            "name": user["name"],
            "preferred_username": user["preferred_username"],
            **({"nonce": nonce} if nonce else {}),
        }
        id_token = ".".join([_b64({"typ": "JWT", "alg": "RS256"}), _b64(claims), "c2lnbmF0dXJl"])
        return _json(
            200,
            {
                "token_type": "Bearer",
                "scope": resource_scopes,
                "expires_in": 3599,
                "ext_expires_in": 3599,
                "access_token": access,
                "refresh_token": refresh,
                "id_token": id_token,
                "client_info": _b64({"uid": user["oid"], "utid": tenant}),
            },
        )

    def _redeem(self, tenant: str, client_id: str, form) -> Response:
        grant = self.codes.pop(form.get("code", ""), None)
        if (
            grant is None
            or grant["client_id"] != client_id
            or grant["redirect_uri"] != form.get("redirect_uri")
        ):
            return _invalid_grant(70000, "The provided authorization code or refresh token has expired.")
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if grant["challenge"] and challenge != grant["challenge"]:
            return _invalid_grant(501481, "The Code_Verifier does not match the code_challenge.")
        return self._delegated_tokens(tenant, client_id, self.signed_in, grant["scope"], grant["nonce"])

    def _refresh(self, tenant: str, client_id: str, form) -> Response:
        token = form.get("refresh_token", "")
        with self.lock:
            held = None if token in self.revoked else self.refresh_tokens.pop(token, None)
        if held is None:
            return _invalid_grant(
                50173,
                "The provided grant has expired due to it being revoked, a fresh auth token is needed. The "
                "user might have changed or reset their password.",
            )
        return self._delegated_tokens(tenant, client_id, held["user"], held["scope"])

    def revoke_consent(self) -> None:
        """The person (or an admin) revoked the app's consent: every refresh token and every
        delegated access token stops working."""
        with self.lock:
            self.revoked.update(self.refresh_tokens)
            for token in self.delegated.values():
                token["expired"] = True

    def expire_delegated_tokens(self) -> None:
        with self.lock:
            for token in self.delegated.values():
                token["expired"] = True

    def _token(self, tenant: str, form) -> Response:
        with self.lock:
            self.token_requests += 1
            self.grants.append(form.get("grant_type"))
        grant_type = form.get("grant_type")
        if grant_type not in ("client_credentials", "authorization_code", "refresh_token"):
            return _json(400, {"error": "unsupported_grant_type", "error_codes": [70003]})
        if grant_type == "client_credentials" and form.get("scope") != f"{self.api_url}/.default":
            return _json(
                400,
                {"error": "invalid_scope", "error_description": "AADSTS1002012", "error_codes": [1002012]},
            )
        apps = self.tenants[tenant]
        client_id = form.get("client_id", "")
        if client_id not in apps:
            return _json(
                400,
                {
                    "error": "unauthorized_client",
                    "error_description": f"AADSTS700016: Application with identifier '{client_id}' was not "
                    f"found in the directory '{tenant}'.",
                    "error_codes": [700016],
                },
            )
        if form.get("client_secret") != apps[client_id]:
            return _json(
                401,
                {
                    "error": "invalid_client",
                    "error_description": "AADSTS7000215: Invalid client secret provided. Ensure the secret "
                    f"being sent in the request is the client secret value, not the client secret ID, for a "
                    f"secret added to app '{client_id}'.",
                    "error_codes": [7000215],
                },
            )
        if grant_type == "authorization_code":
            return self._redeem(tenant, client_id, form)
        if grant_type == "refresh_token":
            return self._refresh(tenant, client_id, form)
        token = uuid.uuid4().hex
        with self.lock:
            self.tokens[token] = 0
        return _json(
            200, {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": token}
        )

    # Microsoft Graph ---------------------------------------------------------------------------

    def serve_graph(self, request: Request) -> Response:
        if request.path.startswith("/download/"):
            return self._download(request)
        if request.path.startswith(("/v1.0/users", "/v1.0/teams/")):
            return self._api(request)
        match = REPORT.match(request.path)
        if match is None:
            return _graph_error(400, "BadRequest", f"Resource not found for the segment '{request.path}'.")
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        with self.lock:
            self.report_requests.append(request.path)
            used = self.tokens.get(token)
            if used is None:
                return _graph_error(401, "InvalidAuthenticationToken", "Access token validation failure.")
            if self.expire_tokens_after is not None and used >= self.expire_tokens_after:
                return _graph_error(
                    401, "InvalidAuthenticationToken", "Lifetime validation failed, the token is expired."
                )
            self.tokens[token] = used + 1
            fault = self.faults.pop(len(self.report_requests), None) or self.faults.pop(0, None)
            if fault is not None:
                status, headers, body = fault
                return Response(
                    json.dumps(body), status=status, headers=headers, content_type="application/json"
                )
        if "Reports.Read.All" not in self.permissions:
            return _graph_error(
                403,
                "Authorization_RequestDenied",
                "Insufficient privileges to complete the operation.",
            )
        function, argument = match["function"], match["argument"]
        if function not in ("getYammerActivityUserDetail", "getTeamsUserActivityUserDetail"):
            return _graph_error(400, "BadRequest", f"Unknown report {function}.")
        days = 1 if argument.startswith("date=") else int(argument.split("'")[1][1:])
        refresh = argument[5:] if argument.startswith("date=") else self.refresh_date
        key = uuid.uuid4().hex
        self.downloads[key] = self.csv(function, days, refresh)
        location = f"{self.api_url}/download/{key}?sv=2026-01-01&sig=pre-authenticated"
        return Response("", status=302, headers={"Location": location})

    # The directory and Teams -------------------------------------------------------------------

    def _api(self, request: Request) -> Response:
        path = request.path
        teams = re.match(
            r"^/v1\.0/teams/(?P<team>[^/]+)/channels/(?P<channel>[^/]+)/messages"
            r"(?:/(?P<delta>delta)|/(?P<message>[^/]+)(?P<replies>/replies)?)?$",
            path,
        )
        if path == "/v1.0/users/delta":
            endpoint, permission = "users", "User.Read.All"
        elif path.startswith("/v1.0/users/"):
            endpoint, permission = "user", "User.Read.All"
        elif teams is not None:
            endpoint = "replies" if teams["replies"] else "message" if teams["message"] else "messages"
            permission = "ChannelMessage.Read.All"
        else:
            return _graph_error(400, "BadRequest", f"Resource not found for the segment '{path}'.")
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        with self.lock:
            self.api_requests.append((endpoint, path, dict(request.args)))
            used = self.tokens.get(token)
            if used is None:
                return _graph_error(401, "InvalidAuthenticationToken", "Access token validation failure.")
            if self.expire_tokens_after is not None and used >= self.expire_tokens_after:
                return _graph_error(
                    401, "InvalidAuthenticationToken", "Lifetime validation failed, the token is expired."
                )
            self.tokens[token] = used + 1
            faults = self.api_faults.get(endpoint, {})
            number = sum(1 for seen, _, _ in self.api_requests if seen == endpoint)
            fault = faults.pop(number, None) or faults.pop(0, None)
        if fault is not None:
            status, headers, body = fault
            return Response(json.dumps(body), status=status, headers=headers, content_type="application/json")
        if permission not in self.permissions:
            if endpoint in ("users", "user"):
                return _graph_error(
                    403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation."
                )
            return _graph_error(
                403,
                "Forbidden",
                "Missing role permissions on the request. API requires one of 'ChannelMessage.Read.All, "
                "ChannelMessage.Read.Group'. Roles on the request 'Reports.Read.All'.",
            )
        if endpoint == "users":
            return self._users_delta(request)
        if endpoint == "user":
            return self._user(path.removeprefix("/v1.0/users/"))
        assert teams is not None
        key = (teams["team"], teams["channel"])
        if key not in self.channels:
            return _graph_error(404, "NotFound", "Resource not found for the segment 'channels'.")
        if teams["replies"]:
            return self._replies(request, key, teams["message"])
        if teams["message"]:
            found = [m for m in self.channels[key] if m["id"] == teams["message"]]
            if not found:
                return _graph_error(404, "NotFound", f"Message {teams['message']} was not found.")
            return _json(200, _public(found[0]))
        if teams["delta"]:
            if key[1] in self.no_delta:
                return _graph_error(400, "BadRequest", "Delta is not supported for this channel.")
            return self._messages_delta(request, key)
        return self._messages(request, key)

    def _paged(self, request: Request, items_then_delta) -> Response:
        """A page of a round: the first request makes the round (its items and, for a delta query,
        the token of its deltaLink), the nextLink's $skiptoken names it and the offset."""
        skip = request.args.get("$skiptoken")
        if skip:
            key, offset = skip.rsplit(".", 1)
            items, delta = self.rounds[key]
            start = int(offset)
        else:
            items, delta = items_then_delta()
            key, start = uuid.uuid4().hex, 0
            self.rounds[key] = (items, delta)
        size = int(request.args.get("$top") or self.page_size)
        size = min(size, self.page_size)
        page: dict = {"value": items[start : start + size]}
        base = f"{self.api_url}{request.path}"
        if start + size < len(items):
            page["@odata.nextLink"] = f"{base}?$skiptoken={key}.{start + size}"
        elif delta is not None:
            page["@odata.deltaLink"] = f"{base}?$deltatoken={delta}"
        return _json(200, page)

    def _users_delta(self, request: Request) -> Response:
        if not request.args.get("$skiptoken") and not request.args.get("$deltatoken"):
            expected = {"$select", "$expand"}
            if not expected <= set(request.args):
                return _graph_error(
                    400, "BadRequest", "The first request of a round names $select and $expand."
                )
        since = int(request.args.get("$deltatoken") or 0)

        def round_items():
            items = [
                user.resource()
                for user_id, user in self.directory.items()
                if self.changed_at.get(user_id, 0) > since or not since
            ]
            items += [
                {"@odata.type": "#microsoft.graph.user", "id": user_id, "@removed": {"reason": reason}}
                for user_id, (number, reason) in self.removed_at.items()
                if since and number > since
            ]
            return items, self.change

        return self._paged(request, round_items)

    def _user(self, user_id: str) -> Response:
        user = self.directory.get(user_id)
        if user is None:
            return _graph_error(404, "Request_ResourceNotFound", f"Resource '{user_id}' does not exist.")
        return _json(
            200, {"id": user.id, "mail": user.mail, "userPrincipalName": user.resource()["userPrincipalName"]}
        )

    def _messages_delta(self, request: Request, key) -> Response:
        since = int(request.args.get("$deltatoken") or 0)

        def round_items():
            roots = [m for m in self.channels[key] if not m["replyToId"] and m["_change"] > since]
            return [_public(m) for m in roots], self.change

        return self._paged(request, round_items)

    def _messages(self, request: Request, key) -> Response:
        def round_items():
            roots = [m for m in self.channels[key] if not m["replyToId"]]
            roots.sort(key=lambda m: m["createdDateTime"], reverse=True)
            return [_public(m) for m in roots], None

        return self._paged(request, round_items)

    def _replies(self, request: Request, key, message_id: str) -> Response:
        if not any(m["id"] == message_id for m in self.channels[key]):
            return _graph_error(404, "NotFound", f"Message {message_id} was not found.")

        def round_items():
            replies = [m for m in self.channels[key] if m["replyToId"] == message_id]
            return [_public(m) for m in replies], None

        return self._paged(request, round_items)

    # Scripting the directory and Teams -----------------------------------------------------------

    def _changed(self) -> int:
        self.change += 1
        return self.change

    def put_user(self, user: DirectoryUser) -> DirectoryUser:
        """Add or change a user of the tenant."""
        self.directory[user.id] = user
        self.changed_at[user.id] = self._changed()
        self.removed_at.pop(user.id, None)
        return user

    def remove_user(self, user_id: str, reason: str = "changed") -> None:
        """Delete a user ("changed": to the recycle bin, restorable; "deleted": for good)."""
        self.directory.pop(user_id, None)
        self.removed_at[user_id] = (self._changed(), reason)

    def channel(self, team: str, channel: str) -> None:
        self.channels.setdefault((team, channel), [])

    def post(
        self,
        team: str,
        channel: str,
        when: datetime.datetime,
        user: str | None,
        text: str,
        *,
        reply_to: str | None = None,
        bot: str | None = None,
        html: bool = True,
    ) -> str:
        """A message (a reply when `reply_to` names its thread's first message) by a user's id,
        or by an app when `bot` names it. Its id is Teams': the epoch milliseconds."""
        messages = self.channels[(team, channel)]
        message_id = str(int(when.timestamp() * 1000))
        while any(m["id"] == message_id for m in messages):
            message_id = str(int(message_id) + 1)
        author = self.directory.get(user) if user else None
        messages.append(
            {
                "id": message_id,
                "replyToId": reply_to,
                "etag": message_id,
                "messageType": "message",
                "createdDateTime": graph_time(when),
                "lastModifiedDateTime": graph_time(when),
                "lastEditedDateTime": None,
                "deletedDateTime": None,
                "subject": None,
                "importance": "normal",
                "from": {
                    "application": {"id": bot, "displayName": bot, "applicationIdentityType": "bot"}
                    if bot
                    else None,
                    "device": None,
                    "user": None
                    if bot
                    else {
                        "id": user,
                        "displayName": author.display_name if author else "",
                        "userIdentityType": "aadUser",
                    },
                },
                "body": {"contentType": "html", "content": f"<p>{text}</p>"}
                if html
                else {"contentType": "text", "content": text},
                "attachments": [],
                "mentions": [],
                "reactions": [],
                "channelIdentity": {"teamId": team, "channelId": channel},
                "_change": self._changed(),
            }
        )
        return message_id

    def fault(self, endpoint: str, at: int, status: int, body: dict, headers: dict | None = None) -> None:
        """The `at`-th request to the endpoint (0: the next one) answers this."""
        self.api_faults.setdefault(endpoint, {})[at] = (status, headers or {}, body)

    def requested(self, endpoint: str) -> list[tuple[str, dict]]:
        return [(path, args) for seen, path, args in self.api_requests if seen == endpoint]

    def _download(self, request: Request) -> Response:
        self.download_headers.append(dict(request.headers))
        content = self.downloads.get(request.path.removeprefix("/download/"))
        if content is None or request.args.get("sig") != "pre-authenticated":
            return Response("<Error><Code>AuthenticationFailed</Code></Error>", status=403)
        return Response(content, status=200, content_type="application/octet-stream")

    def csv(self, function: str, days: int, refresh: str) -> bytes:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        if function == "getYammerActivityUserDetail":
            writer.writerow(viva_engage.HEADER.split(","))
            for user in self.users:
                writer.writerow(
                    [
                        refresh,
                        self._upn(user),
                        "" if self.concealed else user.name,
                        "Active",
                        "",
                        refresh,
                        user.posts,
                        user.reads,
                        user.likes,
                        "MICROSOFT 365 E3",
                        days,
                    ]
                )
        else:
            header = teams.CURRENT_HEADER.split(",")
            writer.writerow(header)
            for user in self.users:
                values = dict.fromkeys(header, "0")
                values.update(
                    {
                        "Report Refresh Date": refresh,
                        "Tenant Display Name": "Acme, Inc.",
                        "User Id": str(uuid.uuid5(uuid.NAMESPACE_DNS, user.upn)),
                        "User Principal Name": self._upn(user),
                        "Last Activity Date": refresh,
                        "Is Deleted": "False",
                        "Deleted Date": "",
                        "Assigned Products": "MICROSOFT 365 E5+MICROSOFT TEAMS",
                        "Team Chat Message Count": str(user.posts + user.replies),
                        "Private Chat Message Count": str(user.chats),
                        "Has Other Action": "No",
                        "Post Messages": str(user.posts),
                        "Reply Messages": str(user.replies),
                        "Is Licensed": "Yes",
                        "Report Period": str(days),
                    }
                )
                writer.writerow(values.values())
        return (BOM + out.getvalue()).encode("utf-8")

    def _upn(self, user: User) -> str:
        return hashlib.md5(user.upn.encode()).hexdigest().upper() if self.concealed else user.upn

    # Scripting faults --------------------------------------------------------------------------

    def throttle(self, seconds: int = 7, at: int = 0) -> None:
        self.faults[at] = (
            429,
            {"Retry-After": str(seconds)},
            {"error": {"code": "TooManyRequests", "message": "Too many requests."}},
        )

    def unavailable(self, at: int = 0) -> None:
        self.faults[at] = (
            503,
            {},
            {"error": {"code": "serviceNotAvailable", "message": "Service is temporarily unavailable."}},
        )


def _public(message: dict) -> dict:
    return {name: value for name, value in message.items() if not name.startswith("_")}


def _json(status: int, body: dict) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


def _b64(value: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


def _quote(value: str) -> str:
    return quote(value, safe="")


def _invalid_grant(code: int, message: str) -> Response:
    return _json(
        400,
        {
            "error": "invalid_grant",
            "error_description": f"AADSTS{code}: {message}\r\nTrace ID: 0\r\nCorrelation ID: 0",
            "error_codes": [code],
            "suberror": "bad_token",
        },
    )


def _graph_error(status: int, code: str, message: str) -> Response:
    body = {"error": {"code": code, "message": message, "innerError": {"request-id": str(uuid.uuid4())}}}
    return _json(status, body)


def start(cert: Path, key: Path) -> FakeGraph:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    login = HTTPServer(host="127.0.0.1", port=0, ssl_context=context, threaded=True)
    graph = HTTPServer(host="127.0.0.1", port=0, ssl_context=context, threaded=True)
    fake = FakeGraph(login, graph)
    login.expect_request(re.compile(r"^/.*")).respond_with_handler(fake.serve_login)
    graph.expect_request(re.compile(r"^/.*")).respond_with_handler(fake.serve_graph)
    login.start()
    graph.start()
    return fake


def stop(fake: FakeGraph) -> None:
    for server in (fake.login, fake.graph):
        server.clear()
        if server.is_running():
            server.stop()


# Fixtures (imported by the conftest of the test folders that use them) -----------------------


@pytest.fixture(scope="session")
def graph_certificate(tmp_path_factory):
    return make_certificate(tmp_path_factory.mktemp("fake-graph"))


@pytest.fixture
def fake_graph(graph_certificate, settings, monkeypatch):
    """The local Microsoft Graph, with Rollout's GRAPH_* settings pointed at it."""
    cert, key = graph_certificate
    fake = start(cert, key)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
    settings.GRAPH_LOGIN_URL, settings.GRAPH_API_URL = fake.login_url, fake.api_url
    settings.CONNECTOR_TIMEOUT = 10
    yield fake
    stop(fake)
