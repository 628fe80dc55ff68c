"""Security hardening: headers and CSP on every page, no inline script, login lockout, CSRF on
every state-changing view, formula-safe CSV exports, upload checks.

The header and CSRF walks reuse the access matrix (tests/test_access_matrix.py): every named URL
is requested as a persona the matrix allows, so a new page is covered the moment it has a row.
"""

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.apps import apps
from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from rollout.audit import client_ip
from rollout.models import AuditEvent, Role

from .factories import UserFactory
from .test_access_matrix import MATRIX, _request

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
PASSWORD = "correct horse battery staple"  # tests/factories.py


class HttpsClient(Client):
    """A test client whose every request arrives over HTTPS (as `secure=True` would)."""

    def request(self, **request):
        return super().request(**{**request, "wsgi.url_scheme": "https", "SERVER_PORT": "443"})


def _allowed_persona(row, outcomes):
    """The first role (or else the anonymous visitor) whose outcome in `row` is one of `outcomes`."""
    for persona in [Role.ADMIN, Role.MANAGER, Role.LEADER, Role.CHAMPION, Role.MEMBER, "anonymous"]:
        expected = row.expect[persona]
        accepted = expected if isinstance(expected, set) else {expected}
        if accepted & outcomes:
            return persona
    return None


def _login(client, personas, persona):
    if persona != "anonymous":
        client.force_login(personas.users[persona])
    return client


def csp_directives(header):
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def assert_security_headers(response, https=True):
    policy = csp_directives(response["Content-Security-Policy"])
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]
    assert policy["script-src"] == ["'self'"] or any(v.startswith("'nonce-") for v in policy["script-src"])
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response.get("X-Frame-Options") == "DENY" or policy["frame-ancestors"] == ["'none'"]
    if https:
        assert response["Strict-Transport-Security"].startswith("max-age=31536000")


@pytest.fixture
def production_https(settings):
    """Production's HTTPS settings (the test settings turn them off); the client speaks HTTPS."""
    settings.SECURE_SSL_REDIRECT = False
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True


# --- Headers on every HTML page ----------------------------------------------------------------


PAGE_ROWS = sorted(
    name for name, row in MATRIX.items() if row.method == "get" and _allowed_persona(row, {200})
)


@pytest.mark.parametrize("name", PAGE_ROWS)
def test_every_html_page_sends_the_security_headers(production_https, personas, name):
    row = MATRIX[name]
    persona = _allowed_persona(row, {200})
    client = _login(HttpsClient(), personas, persona)
    response = _request(client, personas, name, row)
    # Every answer, HTML or not, forbids content sniffing; HTML pages carry the whole set.
    assert response["X-Content-Type-Options"] == "nosniff"
    if response.get("Content-Type", "").startswith("text/html"):
        assert_security_headers(response)


def test_error_pages_and_the_admin_login_send_them_too(production_https, personas):
    client = HttpsClient()
    assert_security_headers(client.get("/no-such-page/"))
    assert_security_headers(client.get(reverse("admin:login")))
    client.force_login(personas.member)
    forbidden = client.get(reverse("rollout:list"))
    assert forbidden.status_code == 403
    assert_security_headers(forbidden)


def test_session_and_csrf_cookies_are_secure_and_http_only(production_https, personas):
    client = HttpsClient()
    client.get(reverse("login"))
    csrf = client.cookies["csrftoken"]
    assert csrf["secure"] and csrf["httponly"] and csrf["samesite"] == "Lax"
    response = client.post(
        reverse("login"),
        {"username": personas.member.email, "password": PASSWORD, "csrfmiddlewaretoken": csrf.value},
    )
    assert response.status_code == 302
    session = client.cookies["sessionid"]
    assert session["secure"] and session["httponly"]


def test_the_api_docs_need_no_inline_script(personas):
    client = _login(Client(), personas, Role.MANAGER)
    swagger = client.get(reverse("api:docs"))
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", swagger.text, re.S)
    assert scripts and all("src=" in attrs and not body.strip() for attrs, body in scripts)
    init = client.get(reverse("api:docs") + "?script=")
    assert init.status_code == 200 and "SwaggerUIBundle" in init.text
    redoc = client.get(reverse("api:redoc"))
    assert all(not body.strip() for _, body in re.findall(r"<script([^>]*)>(.*?)</script>", redoc.text, re.S))


# --- No inline script in any template ------------------------------------------------------------

SCRIPT_TAG = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.I | re.S)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I | re.S)
JAVASCRIPT_URL = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.I)


def inline_code_in(text):
    problems = []
    for attrs, body in SCRIPT_TAG.findall(text):
        if body.strip() and "application/json" not in attrs:
            problems.append("an inline <script>")
        if "src=" not in attrs and "application/json" not in attrs and not body.strip():
            problems.append("an empty <script> without src")
    if EVENT_HANDLER.search(text):
        problems.append("an on*= event handler attribute")
    if JAVASCRIPT_URL.search(text):
        problems.append("a javascript: URL")
    return problems


def test_the_inline_code_detector_notices_each_kind():
    assert inline_code_in('<button type="button" onclick="window.print()">') != []
    assert inline_code_in('<select\n  name="x" onChange="this.form.submit()">') != []
    assert inline_code_in("<script>alert(1)</script>") != []
    assert inline_code_in('<a href="javascript:void(0)">') != []
    assert inline_code_in('<script src="/static/js/rollout.js"></script>') == []
    assert inline_code_in('<button data-print type="button">Print</button> questions on=3') == []


def test_no_template_contains_inline_script_or_event_handlers():
    found = {
        str(path.relative_to(TEMPLATES)): problems
        for path in sorted(TEMPLATES.rglob("*.html"))
        if (problems := inline_code_in(path.read_text(encoding="utf-8")))
    }
    assert found == {}, "Move the code to static/js/ and wire it with a data attribute (see rollout.js)"


# --- Login lockout (django-axes) -----------------------------------------------------------------


def _try(client, email, password):
    return client.post(reverse("login"), {"username": email, "password": password})


def test_repeated_wrong_passwords_lock_out_even_the_right_one_until_the_cool_off(settings, db):
    user = UserFactory(email="target@acme.example")
    client = Client(REMOTE_ADDR="203.0.113.7")
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
            assert _try(client, user.email, f"guess-{attempt}").status_code == 200
        locked = _try(client, user.email, "one-guess-too-many")
        assert locked.status_code == 429
        assert "Login paused" in locked.text and "15 minutes" in locked.text
        assert "_auth_user_id" not in client.session

        refused = _try(client, user.email, PASSWORD)
        assert refused.status_code == 429 and "_auth_user_id" not in client.session

        # Every attempt while paused starts the cool-off again, so a guessing script stays out.
        clock.shift(timedelta(minutes=14))
        assert _try(client, user.email, PASSWORD).status_code == 429
        clock.shift(timedelta(minutes=14))
        assert _try(client, user.email, PASSWORD).status_code == 429

        clock.shift(timedelta(minutes=16))
        assert _try(client, user.email, PASSWORD).status_code == 302
        assert client.session["_auth_user_id"] == str(user.pk)

    actions = list(AuditEvent.objects.filter(actor=user).order_by("pk").values_list("action", flat=True))
    assert actions.count("login_failed") >= settings.AXES_FAILURE_LIMIT
    assert "locked_out" in actions and actions[-1] == "login"
    assert set(AuditEvent.objects.filter(action="locked_out").values_list("ip", flat=True)) == {"203.0.113.7"}


def test_the_lockout_is_per_email_and_address(settings, db):
    user = UserFactory(email="target@acme.example")
    other = UserFactory(email="bystander@acme.example")
    attacker = Client(REMOTE_ADDR="203.0.113.7")
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        _try(attacker, user.email, f"guess-{attempt}")
    assert _try(attacker, user.email, PASSWORD).status_code == 429
    # The same person from their own network, and another person from the attacker's, still get in.
    assert _try(Client(REMOTE_ADDR="198.51.100.20"), user.email, PASSWORD).status_code == 302
    assert _try(attacker, other.email, PASSWORD).status_code == 302


def test_behind_a_proxy_the_forwarded_address_counts_and_cannot_be_forged(settings, rf):
    request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7", REMOTE_ADDR="10.0.0.2")
    settings.PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.2"
    settings.PROXY_COUNT = 1
    assert client_ip(request) == "203.0.113.7"  # the proxy's entry; 6.6.6.6 came from the client
    settings.PROXY_COUNT = 2
    assert client_ip(request) == "6.6.6.6"
    settings.PROXY_COUNT = 3  # fewer entries than proxies: fall back to the connection's address
    assert client_ip(request) == "10.0.0.2"


def test_a_locked_out_person_is_unlocked_by_the_management_command(settings, db):
    from django.core.management import call_command

    user = UserFactory(email="target@acme.example")
    client = Client(REMOTE_ADDR="203.0.113.7")
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        _try(client, user.email, f"guess-{attempt}")
    assert _try(client, user.email, PASSWORD).status_code == 429
    call_command("axes_reset_username", user.email, stdout=io.StringIO())
    assert _try(client, user.email, PASSWORD).status_code == 302


# --- CSRF on every state-changing view -----------------------------------------------------------


def _database_state():
    """Every row of every table (but sessions): small with the personas, and catches updates."""
    return {
        model._meta.label: list(model.objects.order_by("pk").values_list())
        for model in apps.get_models()
        if model is not Session and model._meta.managed
    }


POST_ROWS = sorted(name for name, row in MATRIX.items() if row.method == "post")


def test_the_csrf_walk_covers_the_state_changing_rows():
    assert {"logout", "rollout:member_remove", "rollout:unit_delete", "rollout:api_token_revoke"} <= set(
        POST_ROWS
    )


@pytest.mark.parametrize("name", POST_ROWS)
def test_every_post_view_refuses_a_request_without_csrf_token(personas, name):
    row = MATRIX[name]
    persona = _allowed_persona(row, {200, 201, 202, 204, 302, 303})
    assert persona is not None, f"{name}: no persona may post here"
    client = _login(Client(enforce_csrf_checks=True), personas, persona)
    url = reverse(name, kwargs=row.kwargs(personas) if row.kwargs else None)
    data = row.data(personas) if row.data else {}
    before = _database_state()
    response = client.post(url, data)
    assert response.status_code == 403, f"{name} as {persona}"
    assert _database_state() == before


def _api_writes(personas):
    from champions.models import Champion

    Champion.objects.create(rollout=personas.rollout, user=personas.champion, status="active")
    rollout_url = reverse("api:rollout-detail", kwargs={"pk": personas.rollout.pk})
    return [
        (Role.MANAGER, "post", reverse("api:rollout-list"), {"name": "Sneaky", "status": "planning"}),
        (Role.MANAGER, "patch", rollout_url, {"name": "Renamed"}),
        (Role.MANAGER, "put", rollout_url, {"name": "Renamed", "status": "live"}),
        (
            Role.CHAMPION,
            "post",
            reverse("api:support-session-list"),
            {"rollout": personas.rollout.pk, "minutes": 10, "token": "5b3c2a8e-1f4d-4c1e-9a7b-0c6d5e4f3a21"},
        ),
    ]


def test_the_api_refuses_session_writes_without_csrf_token(personas):
    for role, method, url, data in _api_writes(personas):
        client = _login(Client(enforce_csrf_checks=True), personas, role)
        before = _database_state()
        response = getattr(client, method)(url, data, content_type="application/json")
        assert response.status_code == 403, (method, url)
        assert "CSRF" in response.json()["error"]["message"]
        assert _database_state() == before


def test_with_the_token_a_post_goes_through(personas):
    """The walk's 403s come from CSRF, not from the role: the same post with its token works."""
    client = _login(Client(enforce_csrf_checks=True), personas, Role.ADMIN)
    client.get(reverse("rollout:units"))
    token = client.cookies["csrftoken"].value
    response = client.post(
        reverse("rollout:unit_delete", kwargs={"pk": personas.unit.pk}), {"csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302


# --- CSV exports are formula-safe ----------------------------------------------------------------

EVIL = '=HYPERLINK("http://evil.example","x")'


def test_the_portfolio_csv_escapes_formulas(client_as, personas):
    personas.rollout.name = EVIL
    personas.rollout.save()
    response = client_as(personas.leader).get(reverse("rollout:portfolio_csv"))
    text = response.content.decode()
    assert "'=HYPERLINK" in text and ',"=HYPERLINK' not in text and ",=HYPERLINK" not in text
    assert not text.startswith("=")


def test_the_champion_report_csv_escapes_formulas(client_as, personas):
    from champions.models import Champion, SupportSession

    personas.champion.full_name = "@SUM(1+1)*cmd|' /C calc'!A0"
    personas.champion.save()
    champion = Champion.objects.create(rollout=personas.rollout, user=personas.champion, status="active")
    SupportSession.objects.create(rollout=personas.rollout, champion=champion, minutes=10)
    response = client_as(personas.leader).get(reverse("champions:report_csv", args=[personas.rollout.pk]))
    text = response.content.decode()
    assert "'@SUM" in text
    assert not any(line.startswith("@") for line in text.splitlines())


# CSV writes that are not exports of data people typed, each with its reason (file, call).
NOT_DATA_EXPORTS = {
    # COPY input for PostgreSQL when seeding the enterprise data set; never downloaded.
    ("rollout/enterprise.py", "[_copy_value(value)forvalueinrow]"),
    # The import templates offered for download: constant header and example rows from the code.
    ("engage/views/imports.py", 'generic.HEADER.split(",")'),
    ("engage/views/imports.py", "generic.EXAMPLE"),
}


def test_every_csv_export_goes_through_safe_row():
    """A new export that writes data rows without rollout.csv_safety.safe_row fails here.

    Allowed: `writer.writerow(safe_row(...))`, a header row that is a list literal starting with a
    quoted column name or a translated one (`_("…")`), and the calls listed in NOT_DATA_EXPORTS.
    """
    root = Path(__file__).resolve().parent.parent
    offenders = []
    for path in sorted(root.glob("*/**/*.py")):
        relative = path.relative_to(root)
        if {".venv", "tests", "migrations"} & set(relative.parts):
            continue
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"\.writerows?\(", text):
            following = re.sub(r"\s+", "", text[match.end() : match.end() + 80])
            if following.startswith("safe_row(") or re.match(r"\[(f?\"|_\(\")", following):
                continue
            if any(str(relative) == file and following.startswith(call) for file, call in NOT_DATA_EXPORTS):
                continue
            offenders.append(f"{relative}: {following[:40]}")
    assert offenders == []


# --- Uploads -------------------------------------------------------------------------------------


def _png(size=(64, 64)):
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, "#198754").save(buffer, "PNG")
    return buffer.getvalue()


def _badge_post(client, personas, upload):
    return client.post(
        reverse("incentives:badge_create", args=[personas.rollout.pk]),
        {
            "name": "Helper",
            "description": "Helps",
            "criteria": "Help people",
            "color": "#198754",
            "criterion": "manual",
            "image": upload,
        },
    )


def test_a_badge_image_must_really_be_an_image(client_as, personas, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = client_as(personas.manager)
    fake = SimpleUploadedFile("badge.png", b"<svg onload='alert(1)'></svg>", content_type="image/png")
    response = _badge_post(client, personas, fake)
    assert response.status_code == 200
    assert "image" in response.context["form"].errors
    gif = io.BytesIO()
    from PIL import Image

    Image.new("RGB", (8, 8)).save(gif, "GIF")
    renamed = SimpleUploadedFile("badge.png", gif.getvalue(), content_type="image/png")
    response = _badge_post(client, personas, renamed)
    assert "GIF image" in response.context["form"].errors["image"][0]
    assert not list(tmp_path.rglob("*.*"))


def test_a_badge_image_is_size_limited(client_as, personas, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.BADGE_IMAGE_MAX_BYTES = 1000
    client = client_as(personas.manager)
    big = SimpleUploadedFile("badge.png", _png((400, 400)) + b"\0" * 2000, content_type="image/png")
    response = _badge_post(client, personas, big)
    assert "choose one of at most" in response.context["form"].errors["image"][0]
    settings.BADGE_IMAGE_MAX_BYTES = 1024 * 1024
    response = _badge_post(
        client, personas, SimpleUploadedFile("badge.png", _png(), content_type="image/png")
    )
    assert response.status_code == 302


def test_request_bodies_are_limited(settings):
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 2_621_440
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE == 2_621_440
