"""A local Microsoft Graph for the connector tests: Microsoft Entra ID's token endpoint and Graph's
usage reports, served over HTTPS by pytest-httpserver on two local ports ("login" and "graph"),
behaving as Microsoft documents them.

- `GET /{tenant}/v2.0/.well-known/openid-configuration` (MSAL's tenant discovery) and
  `POST /{tenant}/oauth2/v2.0/token` (client credentials, form-encoded): an access token as JSON;
  `400 invalid_request` AADSTS90002 for an unknown tenant, `401 invalid_client` AADSTS7000215 for
  a wrong secret, `400 unauthorized_client` AADSTS700016 for an unknown client id.
- `GET /v1.0/reports/getYammerActivityUserDetail(period='D7')` (and Teams', and `(date=…)`):
  `302` to a pre-authenticated download URL serving the CSV, UTF-8 BOM first, with the documented
  header; `401 InvalidAuthenticationToken` for an expired token, `403 Authorization_RequestDenied`
  without Reports.Read.All, and whatever fault a test scripts (`429` with Retry-After, `503`).

The HTTPS certificate is made per test session for 127.0.0.1; requests (and MSAL through it) trust
it through REQUESTS_CA_BUNDLE, so the connector runs exactly as in production.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import ipaddress
import json
import re
import ssl
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path

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


@dataclass
class FakeGraph:
    """The two servers and what the tenant holds. Tests change the attributes to script faults."""

    login: HTTPServer
    graph: HTTPServer
    tenants: dict = field(default_factory=lambda: {TENANT: {CLIENT_ID: SECRET}})
    permissions: set = field(default_factory=lambda: {"Reports.Read.All"})
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
        return _json(404, {"error": "not_found"})

    def _token(self, tenant: str, form) -> Response:
        with self.lock:
            self.token_requests += 1
        if form.get("grant_type") != "client_credentials":
            return _json(400, {"error": "unsupported_grant_type", "error_codes": [70003]})
        if form.get("scope") != f"{self.api_url}/.default":
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


def _json(status: int, body: dict) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


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
