"""Building blocks of the access matrix (see tests/test_access_matrix.py).

Each step app's tests add their URLs' rows in `tests/<app>/access_rows.py` as `ROWS = {...}`,
built with `page()` and `public()` below. `kwargs` and `data` are functions of the personas
fixture (tests/conftest.py) returning URL kwargs / POST data naming objects of organization A.
"""

from dataclasses import dataclass

from rollout.models import Role

from .factories import InvitationFactory, NotificationFactory

LOGIN = "login"
ADMIN_LOGIN = "admin-login"
ROLES = list(Role.values)
STAFF = {Role.ADMIN, Role.MANAGER, Role.LEADER, Role.CHAMPION}
EDITORS = {Role.ADMIN, Role.MANAGER}
LEADERS = {Role.ADMIN, Role.MANAGER, Role.LEADER}
ADMINS = {Role.ADMIN}
PERSONAS = [*ROLES, "outsider", "anonymous"]


@dataclass
class Row:
    expect: dict  # persona -> outcome
    kwargs: object = None  # personas -> URL kwargs (objects of organization A)
    method: str = "get"
    data: object = None  # personas -> POST data


def page(roles, kwargs=None, ok=200, method="get", data=None):
    """A login-required URL open to `roles`; everyone else with a membership gets 403."""
    expect = {role: ok if role in roles else 403 for role in ROLES}
    expect["outsider"] = 404 if kwargs else ok
    expect["anonymous"] = LOGIN
    return Row(expect, kwargs, method, data)


def public(ok=200, kwargs=None, signed_in=None, method="get"):
    """A URL anyone may use; `signed_in` is the outcome for logged-in users if it differs."""
    expect = dict.fromkeys(PERSONAS, ok)
    if signed_in is not None:
        expect.update(dict.fromkeys([*ROLES, "outsider"], signed_in))
    return Row(expect, kwargs, method)


def rollout_kwargs(p):
    return {"pk": p.rollout.pk}


def membership_kwargs(p):
    return {"pk": p.org.memberships.get(user=p.member).pk}


def invitation_kwargs(p):
    return {"pk": InvitationFactory(organization=p.org).pk}


def notification_kwargs(p):
    return {"pk": NotificationFactory(organization=p.org, recipient=p.member, status="failed").pk}


API_ANONYMOUS = 401  # the API answers 401 (with WWW-Authenticate: Bearer), never a login redirect


def api(roles, kwargs=None, ok=200, method="get", data=None):
    """An API endpoint open to `roles`: others with a membership get 403, anonymous callers 401."""
    expect = {role: ok if role in roles else 403 for role in ROLES}
    expect["outsider"] = 404 if kwargs else ok
    expect["anonymous"] = API_ANONYMOUS
    return Row(expect, kwargs, method, data)
