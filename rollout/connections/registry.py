"""The connector registry: what kinds of connection Rollout can make, registered by the apps that
own them.

A step app defines a `ConnectorKind` for each service it can pull from and registers it in its
`AppConfig.ready()` (engage registers the Microsoft Graph usage reports). The centre lists the
kinds on Settings → Connections, builds each connection's form from `credential_fields` and
`setting_fields`, and calls `test()` and `pull()`; it never imports the app that owns a kind.

- `test(connection)` returns a sentence saying what worked ("Connected to tenant … : the app may
  read the usage reports.") or raises `ConnectionProblem` with a precise message: the secret was
  refused, the permission (named) is missing, the tenant is unknown, the service cannot be reached.
- `pull(connection, run)` fetches and imports, and returns the number of rows pulled. It keeps
  what a later attempt can resume from in `run.cursor` (saved by the caller whatever happens), may
  set `run.import_ref` ("engage.ImportBatch:12,13") and `run.detail`, and raises
  `ConnectionProblem` or `Throttled` when it cannot finish. A pull that raises leaves nothing
  half-imported: each unit it imports (a report into a rollout, a channel) is all or nothing, and
  the cursor says which are done, so the retry neither repeats nor skips one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

from django.utils.translation import ngettext

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

    from .models import Connection, ConnectionRun

    # Labels and descriptions are shown to admins: a lazy translation (gettext_lazy) or plain text.
    Text = str | _StrPromise


class ConnectionProblem(Exception):
    """Why a test or a pull failed, in words an admin can act on, in the active language: the
    admin's for a test, the organization's for a scheduled run (connections.tasks).

    `permission` names the permission the service says is missing (e.g. "Reports.Read.All");
    `retry_after` (seconds) is when the service asked to be called again, if it said.
    """

    def __init__(self, message: str, *, permission: str | None = None, retry_after: int | None = None):
        super().__init__(message)
        self.message = message
        self.permission = permission
        self.retry_after = retry_after

    def __str__(self) -> str:
        return self.message


class Throttled(ConnectionProblem):
    """The service asked to be called again later (HTTP 429 with Retry-After)."""

    def __init__(self, retry_after: int, message: str = ""):
        super().__init__(
            message
            or ngettext(
                "The service is throttling requests; it asked to wait %(wait)s second.",
                "The service is throttling requests; it asked to wait %(wait)s seconds.",
                retry_after,
            )
            % {"wait": retry_after},
            retry_after=retry_after,
        )


class CredentialField(NamedTuple):
    name: str
    label: Text
    is_secret: bool = True


class SettingField(NamedTuple):
    name: str
    label: Text
    help: Text = ""
    choices: tuple[tuple[str, Text], ...] = ()  # empty: free text
    default: str = ""


class ConnectorKind:
    """One kind of connection. Subclasses set the attributes and implement `test` and `pull`."""

    key: str = ""
    label: Text = ""
    description: Text = ""  # one or two sentences on the add page
    credential_fields: Sequence[tuple[str, Text, bool]] = []  # (name, label, is_secret)
    setting_fields: list[SettingField] = []
    default_hour: int = 5  # when the daily pull runs, in the organization's time zone

    def test(self, connection: Connection) -> str:
        raise NotImplementedError

    def pull(self, connection: Connection, run: ConnectionRun) -> int:
        raise NotImplementedError

    # A kind whose service takes a person's delegated token (Viva Engage) sets `consent_label`
    # ("Connect with Microsoft"): the edit page offers it, the person signs in at the URL that
    # `start_consent` returns (its flow is kept in their session), and the answer, sent back to
    # connections:consented, goes to `finish_consent`, which stores what the kind keeps (in the
    # encrypted secrets) and returns a sentence saying who connected, or raises ConnectionProblem.
    consent_label: Text = ""

    def start_consent(self, connection: Connection, redirect_uri: str) -> tuple[str, dict]:
        """(the sign-in page's URL, the flow to keep until the answer comes back)."""
        raise NotImplementedError

    def finish_consent(self, connection: Connection, flow: dict, answer: dict[str, str]) -> str:
        raise NotImplementedError

    def consented_as(self, connection: Connection) -> str:
        """Who gave the consent the connection uses, or "" when nobody has."""
        return ""


_kinds: dict[str, ConnectorKind] = {}


def register(kind: ConnectorKind) -> ConnectorKind:
    if not kind.key:
        raise ValueError(f"{type(kind).__name__} has no key.")
    if kind.key in _kinds:
        raise ValueError(f"Connector kind {kind.key!r} is already registered.")
    _kinds[kind.key] = kind
    return kind


def kinds() -> list[ConnectorKind]:
    """The registered kinds, by label (in the active language)."""
    return sorted(_kinds.values(), key=lambda kind: str(kind.label))


def get(key: str) -> ConnectorKind | None:
    return _kinds.get(key)


def unregister(key: str) -> None:
    """For tests that register a kind of their own."""
    _kinds.pop(key, None)
