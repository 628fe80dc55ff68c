"""The tenant's users in Microsoft Entra ID as the organization's directory, read from Microsoft
Graph where SCIM is not set up (a kind of connection: Settings → Connections).

Each run is one round of Graph's delta query for users (`GET /v1.0/users/delta`): the first round
lists every user, a page at a time (`@odata.nextLink`), and ends with an `@odata.deltaLink`; each
later round starts from the deltaLink of the last successful one and brings only the users changed
since, and the removed ones as `@removed`. A user becomes a person through `sync.apply_person`, as
SCIM's and the HR import's do: the department a unit, the office location a location (each found
by name or made, `sync.unit_named`), the manager the person's manager, and `accountEnabled: false`
or `@removed` a deactivation. Graph's id of the user is kept as the person's directory id
(`Membership.external_id`), which is how a removed user, who arrives with nothing but the id, is
found.

A round is fetched whole before anything is written, and written in one transaction: a failure on
the way (a 429, a 503, a dropped connection, an error while applying) writes nothing, and the run
keeps the deltaLink it started from, so the retry reads the same changes again. The new deltaLink
is the cursor of a run only when the whole round was applied.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext, ngettext, pgettext
from django.utils.translation import gettext_lazy as _

from rollout.connections import microsoft
from rollout.connections.microsoft import CREDENTIAL_FIELDS, SETTING_FIELDS, GraphClient, GraphProblem
from rollout.connections.models import ConnectionRun
from rollout.connections.registry import ConnectionProblem, ConnectorKind
from rollout.models import Membership, Organization, Unit, User

from . import sync

if TYPE_CHECKING:
    from rollout.connections.models import Connection

KEY = "graph_users"
PERMISSION = "User.Read.All"
DELTA = "/v1.0/users/delta"
# Only the selected properties are tracked for changes (Graph's delta query); the manager comes
# as `manager@delta` (its id), or as `manager` with what its $select asks for.
QUERY = {
    "$select": "id,displayName,mail,userPrincipalName,department,officeLocation,accountEnabled",
    "$expand": "manager($select=id,mail)",
}
# Graph's answers to a deltaLink it no longer knows: the round starts again from the beginning.
RESYNC_CODES = {"syncStateNotFound", "resyncRequired", "SyncStateNotFound"}


def graph_client(connection: Connection) -> GraphClient:
    return GraphClient.for_connection(
        connection,
        permission=PERMISSION,
        # The end of "Microsoft Graph refused to …" (microsoft.GraphClient.checked).
        purpose=pgettext("Microsoft Graph refused to …", "read the directory's users"),
    )


def last_delta_link(connection: Connection, run: ConnectionRun) -> str:
    """Where this run's round starts: the failed attempt's cursor it resumes, or else the deltaLink
    of the last successful run (empty: the first round)."""
    if link := (run.cursor or {}).get("delta_link"):
        return str(link)
    cursor = (
        connection.runs.filter(status=ConnectionRun.Status.SUCCEEDED)
        .order_by("-started_at", "-pk")
        .values_list("cursor", flat=True)
        .first()
    )
    return str((cursor or {}).get("delta_link") or "")


def email_of(user: dict) -> str:
    """The address a person signs in with: `mail`, else a user principal name that is one (not a
    guest's `…#EXT#@…`). Empty when the user has neither."""
    for candidate in (user.get("mail"), user.get("userPrincipalName")):
        address = str(candidate or "").strip().lower()
        if not address or "#ext#" in address:
            continue
        try:
            validate_email(address)
        except ValidationError:
            continue
        return address
    return ""


def manager_given(user: dict) -> tuple[bool, str, str]:
    """(given, manager id, manager email) of a user of the round: not given when the round says
    nothing of the manager (a later round whose user changed elsewhere)."""
    if "manager@delta" in user:
        current = [m for m in user.get("manager@delta") or [] if "@removed" not in m]
        found = current[0] if current else {}
        return True, str(found.get("id") or ""), str(found.get("mail") or "").lower()
    if "manager" in user:
        found = user.get("manager") or {}
        return True, str(found.get("id") or ""), str(found.get("mail") or "").lower()
    return False, "", ""


class Round:
    """Applying one delta round to the organization, through `sync`."""

    def __init__(self, organization: Organization, users: list[dict]) -> None:
        self.organization = organization
        self.present = [user for user in users if "@removed" not in user and user.get("id")]
        self.removed = [str(user["id"]) for user in users if "@removed" in user and user.get("id")]
        self.emails = {str(user["id"]): email for user in self.present if (email := email_of(user))}
        self.units: dict[tuple[str, str], Unit] = {}
        self.outcomes: dict[str, str] = {}
        self.skipped = 0
        ids = set(self.emails) | set(self.removed) | {manager_given(user)[1] for user in self.present}
        # Whom each Graph id is in Rollout already: the memberships that hold it.
        self.known = dict(
            Membership.all_objects.filter(
                organization=organization, external_id__in=sorted(i for i in ids if i)
            ).values_list("external_id", "user__email")
        )

    def apply(self) -> dict[str, int]:
        managers = {manager_given(user)[1] for user in self.present}
        pending: list[tuple[str, str]] = []
        # Managers first, so that most people find theirs already there.
        for user in sorted(self.present, key=lambda user: str(user["id"]) not in managers):
            graph_id = str(user["id"])
            email = self.emails.get(graph_id)
            if not email:
                self.skipped += 1
                continue
            self._release(graph_id, email)
            found, manager = self._manager(user)
            if not found:
                pending.append((graph_id, email))
            values = sync.PersonValues(
                email=email,
                full_name=str(user.get("displayName") or "").strip() or None,
                external_id=graph_id,
                unit=self._unit(user, "department", Unit.Kind.DEPARTMENT),
                location=self._unit(user, "officeLocation", Unit.Kind.LOCATION),
                manager=manager,
                active=user.get("accountEnabled") is not False,
            )
            _, self.outcomes[graph_id] = sync.apply_person(
                self.organization, values, source=Membership.Source.GRAPH
            )
            self.known[graph_id] = email
        by_id = {str(user["id"]): user for user in self.present}
        for graph_id, email in pending:
            found, manager = self._manager(by_id[graph_id])
            if not found:
                continue  # the manager has no address Rollout can use
            _, outcome = sync.apply_person(
                self.organization,
                sync.PersonValues(email=email, manager=manager),
                source=Membership.Source.GRAPH,
            )
            if self.outcomes[graph_id] == sync.UNCHANGED:
                self.outcomes[graph_id] = outcome
        for graph_id in self.removed:
            membership = Membership.all_objects.filter(
                organization=self.organization, external_id=graph_id
            ).first()
            if membership is not None and sync.deactivate(membership):
                self.outcomes[graph_id] = sync.DEACTIVATED
        sync.recount_headcounts(self.organization)
        return sync.outcome_counts(self.outcomes.values())

    def _unit(self, user: dict, field: str, kind: str) -> Unit | None | bool:
        if field not in user:
            return False  # the round says nothing of it
        name = str(user.get(field) or "").strip()
        if not name:
            return None
        if (kind, name) not in self.units:
            self.units[(kind, name)] = sync.unit_named(self.organization, name, kind)
        return self.units[(kind, name)]

    def _manager(self, user: dict) -> tuple[bool, User | None | bool]:
        """(found, the value for `PersonValues.manager`): not found while the manager is a person
        Rollout does not have yet (the value then leaves the manager as it is)."""
        given, manager_id, manager_email = manager_given(user)
        if not given:
            return True, False
        if not manager_id and not manager_email:
            return True, None
        email = self.known.get(manager_id) or self.emails.get(manager_id) or manager_email
        manager = User.objects.filter(email__iexact=email).first() if email else None
        return (True, manager) if manager is not None else (False, False)

    def _release(self, graph_id: str, email: str) -> None:
        """A user whose address changed in Entra ID arrives under the new one: the membership of
        the old address gives up the Graph id (one person per id) and is deactivated."""
        previous = self.known.get(graph_id)
        if not previous or previous == email:
            return
        membership = Membership.all_objects.filter(
            organization=self.organization, external_id=graph_id
        ).first()
        if membership is not None:
            Membership.all_objects.filter(pk=membership.pk).update(external_id="")
            membership.external_id = ""
            sync.deactivate(membership)


def outcome_text(outcome: str, number: int) -> str:
    """ "3 added": a count of people and what happened to them (sync's outcomes)."""
    texts = {
        sync.ADDED: ngettext("%(count)s added", "%(count)s added", number),
        sync.CHANGED: ngettext("%(count)s changed", "%(count)s changed", number),
        sync.MOVED: ngettext("%(count)s moved", "%(count)s moved", number),
        sync.DEACTIVATED: ngettext("%(count)s deactivated", "%(count)s deactivated", number),
        sync.REACTIVATED: ngettext("%(count)s reactivated", "%(count)s reactivated", number),
        sync.UNCHANGED: ngettext("%(count)s unchanged", "%(count)s unchanged", number),
    }
    return texts.get(outcome, f"%(count)s {outcome}") % {"count": number}


def summary(counts: dict[str, int], skipped: int, first: bool) -> str:
    """The run's detail, in the active language (the organization's, in a worker: connections.tasks)."""
    said = ", ".join(outcome_text(what, number) for what, number in counts.items() if number)
    said = said or gettext("no change")
    if first:
        text = gettext("First round from Microsoft Entra ID: %(outcomes)s.") % {"outcomes": said}
    else:
        text = gettext("Changes from Microsoft Entra ID: %(outcomes)s.") % {"outcomes": said}
    if skipped:
        left_out = ngettext(
            "%(count)s user without an email address (was) left out.",
            "%(count)s users without an email address (were) left out.",
            skipped,
        ) % {"count": skipped}
        text = gettext("%(summary)s %(left_out)s") % {"summary": text, "left_out": left_out}
    return text


class GraphUsers(ConnectorKind):
    key = KEY
    label = _("Microsoft Entra ID users")
    description = _(
        "The people of your Microsoft 365 tenant, with their department, office location and manager, "
        "kept in step every day through Microsoft Graph, for an organization that has not set up SCIM. "
        "Needs an app registration with the application permission User.Read.All (docs/connectors.md)."
    )
    credential_fields = CREDENTIAL_FIELDS
    setting_fields = SETTING_FIELDS

    def test(self, connection: Connection) -> str:
        client = graph_client(connection)
        next(iter(client.pages(client.url(DELTA), QUERY)))
        return gettext(
            "Connected to tenant %(tenant)s: Rollout signed in as the app and may read the "
            "directory's users (%(permission)s)."
        ) % {"tenant": client.tenant, "permission": PERMISSION}

    def pull(self, connection: Connection, run: ConnectionRun) -> int:
        client = graph_client(connection)
        link = last_delta_link(connection, run)
        run.cursor = {"delta_link": link} if link else {}
        users = fetch_round(client, link)
        if not users.delta_link:
            raise ConnectionProblem(
                gettext("Microsoft Graph ended the round of users without a deltaLink; the run is retried.")
            )
        with transaction.atomic():
            applied = Round(connection.organization, users.items)
            counts = applied.apply()
        run.cursor = {"delta_link": users.delta_link}
        run.detail = summary(counts, applied.skipped, first=not link)
        return len(users.items)


def fetch_round(client: GraphClient, link: str) -> microsoft.Round:
    """Every page of the round that starts at `link` (empty: the first round). A deltaLink Graph no
    longer knows starts a first round again."""
    if link:
        try:
            return client.collect(link)
        except GraphProblem as problem:
            if problem.status != 410 and problem.code not in RESYNC_CODES:
                raise
    return client.collect(client.url(DELTA), QUERY)
