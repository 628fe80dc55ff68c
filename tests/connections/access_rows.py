"""Access matrix rows of Settings → Connections (admins only; another organization's connection
is a 404). No row reaches a service: the connection tested is of a kind no longer installed."""

from rollout.connections.models import Connection
from tests.access import ADMINS, Row, page


def _connection(p, kind="graph_usage_reports"):
    return Connection.objects.create(
        organization=p.org,
        kind=kind,
        name="Microsoft 365",
        settings={"tenant_id": "acme.onmicrosoft.com", "client_id": "app", "period": "D7"},
        credentials='{"client_secret": "s3cret"}',
    )


def connection_kwargs(p):
    return {"pk": _connection(p).pk}


def unfinished_consent_kwargs(p):
    """A Viva Engage connection without its app registration: "Connect with Microsoft" says so
    before reaching Microsoft."""
    connection = Connection.objects.create(
        organization=p.org, kind="viva_engage_conversations", name="Viva Engage"
    )
    return {"pk": connection.pk}


def uninstalled_kwargs(p):
    return {"pk": _connection(p, kind="uninstalled").pk}


ROWS = {
    "connections:list": page(ADMINS),
    "connections:kinds": page(ADMINS),
    # A kind names no object: the outsider adds one to their own organization.
    "connections:create": Row(
        {**page(ADMINS).expect, "outsider": 200}, kwargs=lambda p: {"kind": "graph_usage_reports"}
    ),
    "connections:edit": page(ADMINS, connection_kwargs),
    "connections:runs": page(ADMINS, connection_kwargs),
    "connections:test": page(ADMINS, uninstalled_kwargs, ok=302, method="post"),
    "connections:run": page(ADMINS, connection_kwargs, ok=302, method="post"),
    "connections:enabled": page(ADMINS, connection_kwargs, ok=302, method="post"),
    "connections:delete": page(ADMINS, connection_kwargs, ok=302, method="post"),
    "connections:consent": page(ADMINS, unfinished_consent_kwargs, ok=302, method="post"),
    # The sign-in page's answer: without a sign-in under way in the session, back to the list.
    "connections:consented": page(ADMINS, ok=302),
}
