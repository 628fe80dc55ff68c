"""The access matrix: every URL x every role x own/other organization x anonymous.

`MATRIX` holds one row per named URL pattern. The first test walks the URL resolver and fails
if a pattern has no row (or a row names a pattern that no longer exists), so a new page cannot
ship without saying who may use it. The second test requests each URL as each persona and
checks the status code against the row.

Outcomes: a status code, LOGIN (redirect to the login page) or a set of acceptable codes.
The outsider is an admin of another organization: on a URL naming an object of organization A
they must get 404; on a URL without an object they act in their own organization.
"""

import importlib
from pathlib import Path

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from rollout.invitations import invitation_token
from rollout.models import Role
from rollout.outbox import unsubscribe_token

from .access import (
    ADMIN_LOGIN,
    ADMINS,
    EDITORS,
    LEADERS,
    LOGIN,
    PERSONAS,
    ROLES,
    STAFF,
    Row,
    invitation_kwargs,
    membership_kwargs,
    notification_kwargs,
    page,
    public,
    rollout_kwargs,
)
from .api_rows import ROWS as API_ROWS
from .conftest import make_personas
from .factories import InvitationFactory, NotificationFactory


def api_token_kwargs(p):
    """The requesting persona's own token: another person's token is a 404 for everyone else."""
    from rollout.api.tokens import create_token

    token, _ = create_token(p.member, p.org, "matrix", "read")
    return {"pk": token.pk}


MATRIX = {
    "home": Row({**dict.fromkeys(STAFF, 302), Role.MEMBER: 200, "outsider": 302, "anonymous": LOGIN}),
    "login": public(signed_in=302),
    "logout": public(ok=302, method="post"),
    "password_change": page(ROLES),
    "password_change_done": page(ROLES),
    "password_reset": public(),
    "password_reset_done": public(),
    "password_reset_confirm": public(kwargs=lambda p: {"uidb64": "MQ", "token": "set-password"}),
    "password_reset_complete": public(),
    "accept_invitation": public(
        kwargs=lambda p: {
            "token": invitation_token(InvitationFactory(organization=p.org, email="new@acme.example"))
        }
    ),
    "healthz": public(ok={200, 503}),
    "admin:*": Row(dict.fromkeys(PERSONAS, ADMIN_LOGIN)),
    "rollout:list": page(STAFF),
    "rollout:create": page(EDITORS),
    "rollout:overview": page(STAFF, rollout_kwargs),
    "rollout:edit": page(EDITORS, rollout_kwargs),
    "rollout:step": page(STAFF, lambda p: {"pk": p.rollout.pk, "step": "incentivize"}),
    "rollout:switch_organization": page(
        ROLES, ok=302, method="post", data=lambda p: {"organization": p.org.pk}
    ),
    "rollout:settings": page(ADMINS),
    "rollout:members": page(ADMINS),
    "rollout:member_edit": page(ADMINS, membership_kwargs),
    "rollout:member_remove": page(ADMINS, membership_kwargs, ok=302, method="post"),
    "rollout:member_sessions_end": page(ADMINS, membership_kwargs, ok=302, method="post"),
    "rollout:member_export": page(ADMINS, membership_kwargs, method="post"),
    # GET asks for the email to confirm; the matrix never erases anyone.
    "rollout:member_erase": page(ADMINS, membership_kwargs),
    "rollout:invitation_create": page(
        ADMINS, ok=302, method="post", data=lambda p: {"email": "someone.new@example.com", "role": "member"}
    ),
    "rollout:invitation_resend": page(ADMINS, invitation_kwargs, ok=302, method="post"),
    "rollout:invitation_revoke": page(ADMINS, invitation_kwargs, ok=302, method="post"),
    "rollout:units": page(ADMINS),
    "rollout:unit_create": page(ADMINS),
    "rollout:unit_edit": page(ADMINS, lambda p: {"pk": p.unit.pk}),
    "rollout:unit_delete": page(ADMINS, lambda p: {"pk": p.unit.pk}, ok=302, method="post"),
    "rollout:platforms": page(ADMINS),
    "rollout:platform_create": page(ADMINS),
    "rollout:platform_edit": page(ADMINS, lambda p: {"pk": p.platform.pk}),
    "rollout:portfolio": page(LEADERS),
    "rollout:portfolio_csv": page(LEADERS),
    # The definitions of the figures: any signed-in person, whatever their organization.
    "rollout:metrics": page(ROLES),
    "rollout:trends": page(LEADERS, rollout_kwargs),
    "rollout:report": page(LEADERS, rollout_kwargs),
    "rollout:outbox": page(ADMINS),
    "rollout:audit": page(ADMINS),
    "rollout:outbox_detail": page(ADMINS, notification_kwargs),
    "rollout:outbox_retry": page(ADMINS, notification_kwargs, ok=302, method="post"),
    "rollout:notification_settings": page(ROLES),
    "rollout:personal_settings": page(ROLES),
    "rollout:api_tokens": page(ROLES),
    # A token is its owner's alone (here the member's): anyone else gets a 404.
    "rollout:api_token_revoke": Row(
        {**dict.fromkeys([*ROLES, "outsider"], 404), Role.MEMBER: 302, "anonymous": LOGIN},
        api_token_kwargs,
        "post",
    ),
    "unsubscribe": public(
        kwargs=lambda p: {
            "token": unsubscribe_token(NotificationFactory(organization=p.org, recipient=p.member))
        }
    ),
}

# The API's rows (tests/api_rows.py), and the step apps' rows: tests/<app>/access_rows.py.
MATRIX.update(API_ROWS)
for rows_module in sorted(Path(__file__).parent.glob("*/access_rows.py")):
    rows = importlib.import_module(f"tests.{rows_module.parent.name}.access_rows").ROWS
    assert not rows.keys() & MATRIX.keys(), f"{rows_module} repeats rows"
    MATRIX.update(rows)


def url_names(patterns=None, namespace=""):
    """Every URL pattern's full name; an unnamed pattern is reported as '<unnamed: route>'."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            if inner == "admin:":
                yield "admin:*"  # Django's own admin: one row, checked on its index
                continue
            yield from url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}{pattern.name}" if pattern.name else f"<unnamed: {pattern.pattern}>"


def test_every_url_pattern_has_a_row_in_the_matrix():
    names = set(url_names())
    assert sorted(names - MATRIX.keys()) == [], "URL patterns without a row in MATRIX"
    assert sorted(MATRIX.keys() - names) == [], "MATRIX rows for URL patterns that no longer exist"


def test_the_matrix_walker_notices_a_new_url(settings):
    from django.urls import clear_url_caches, path

    import config.urls

    extra = type(
        "urls", (), {"urlpatterns": [*config.urls.urlpatterns, path("new/", lambda r: None, name="new")]}
    )
    settings.ROOT_URLCONF = extra
    clear_url_caches()
    try:
        assert "new" in set(url_names()) - MATRIX.keys()
    finally:
        clear_url_caches()


def _request(client, personas, name, row):
    if name == "admin:*":
        url = reverse("admin:index")
    else:
        url = reverse(name, kwargs=row.kwargs(personas) if row.kwargs else None)
    if row.method == "post" and name.startswith("api:"):  # the API reads JSON bodies
        return client.post(url, row.data(personas) if row.data else {}, content_type="application/json")
    if row.method == "post":
        return client.post(url, row.data(personas) if row.data else {})
    return client.get(url)


@pytest.fixture(scope="module")
def module_personas(django_db_setup, django_db_blocker):
    """The personas, made once for the module's 1,400-odd requests (making them was half of its
    time): inside a transaction that the module rolls back, each test in a savepoint of its own."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield make_personas()
        transaction.set_rollback(True)


@pytest.fixture
def personas(db, module_personas):
    return module_personas


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_access(client, personas, name, persona):
    row = MATRIX[name]
    if persona == "outsider":
        client.force_login(personas.outsider)
    elif persona != "anonymous":
        client.force_login(personas.users[persona])
    response = _request(client, personas, name, row)
    expected = row.expect[persona]
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    elif expected == ADMIN_LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
    elif isinstance(expected, set):
        assert response.status_code in expected
    else:
        assert response.status_code == expected, f"{name} as {persona}"
