"""Viva Engage conversations as a kind of connection (Settings → Connections,
rollout/connections/registry.py): the organization's app registration and one person's consent,
pulled on the connection's schedule for every Viva Engage community its rollouts name
(viva_engage.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from rollout.connections.microsoft import CREDENTIAL_FIELDS, SETTING_FIELDS, DelegatedSignIn
from rollout.connections.registry import ConnectionProblem, ConnectorKind

from ..models import ConnectedChannel
from . import viva_engage

if TYPE_CHECKING:
    from rollout.connections.models import Connection, ConnectionRun
    from rollout.models import Organization

KEY = "viva_engage_conversations"
# The API's answers that concern one community only (gone, or the person is not a member): the
# run goes on with the others.
COMMUNITY_ERRORS = {403, 404}


def viva_engage_connection(organization: Organization) -> Connection | None:
    """The organization's enabled Viva Engage conversations connection, if it has one (the
    channels page offers communities then)."""
    from rollout.connections.models import Connection

    return Connection.objects.filter(organization=organization, kind=KEY, enabled=True).order_by("pk").first()


def _communities(connection: Connection):
    return ConnectedChannel.objects.filter(
        rollout__organization=connection.organization, provider=ConnectedChannel.Provider.VIVA_ENGAGE
    ).select_related("rollout__organization")


def _keep_tokens(connection: Connection, sign_in: DelegatedSignIn) -> None:
    """Store MSAL's cache back when a run refreshed it (a new refresh token came with it)."""
    if sign_in.changed:
        connection.secrets = {**connection.secrets, "token_cache": sign_in.serialized()}
        connection.save(update_fields=["credentials"])


class VivaEngageConversations(ConnectorKind):
    key = KEY
    label = _("Viva Engage conversations")
    description = _(
        "Questions and replies from the Viva Engage communities your rollouts name (Engage → "
        "Conversations → Channels), pulled through the Viva Engage API. Needs an app registration "
        "with the delegated permission user_impersonation on the Viva Engage API, and a person who "
        "can read the communities pressing “Connect with Microsoft” once (docs/connectors.md)."
    )
    credential_fields = CREDENTIAL_FIELDS
    setting_fields = SETTING_FIELDS
    consent_label = _("Connect with Microsoft")

    def start_consent(self, connection: Connection, redirect_uri: str) -> tuple[str, dict]:
        flow = DelegatedSignIn.for_connection(connection, scope=viva_engage.SCOPE).start(redirect_uri)
        return str(flow["auth_uri"]), flow

    def finish_consent(self, connection: Connection, flow: dict, answer: dict[str, str]) -> str:
        # A new consent starts from an empty cache: the previous person's tokens go.
        sign_in = DelegatedSignIn.for_connection(connection, scope=viva_engage.SCOPE, cached=False)
        who = sign_in.finish(flow, answer)
        connection.secrets = {**connection.secrets, "token_cache": sign_in.serialized(), "signed_in_as": who}
        connection.save(update_fields=["credentials"])
        return gettext("Connected to Viva Engage as %(who)s. Press “Test connection” to check it.") % {
            "who": who
        }

    def consented_as(self, connection: Connection) -> str:
        secrets = connection.secrets
        return str(secrets.get("signed_in_as") or "") if secrets.get("token_cache") else ""

    def test(self, connection: Connection) -> str:
        client = viva_engage.EngageClient.for_connection(connection)
        try:
            try:
                me = client.current_user()
            except viva_engage.EngageProblem as problem:
                if problem.status == 403:
                    raise ConnectionProblem(
                        gettext(
                            "Viva Engage refused the app altogether (403): third-party apps are blocked for the "
                            "network. In the Viva Engage admin center, Settings → Security settings, allow "
                            "third-party applications, then test again."
                        )
                    ) from None
                raise
            who = str(me.get("full_name") or me.get("email") or gettext("the person who connected"))
            community = _communities(connection).first()
            if community is None:
                return gettext(
                    "Connected to Viva Engage as %(who)s. Name a community under Engage → Conversations → "
                    "Channels, then test again to check that they may read it."
                ) % {"who": who}
            client.get(
                f"messages/in_group/{community.channel_id}.json",
                what=gettext("the community %(community)s") % {"community": community.channel_name},
            )
        finally:
            _keep_tokens(connection, client.sign_in)
        return gettext("Connected to Viva Engage as %(who)s, who may read the community %(community)s.") % {
            "who": who,
            "community": community.channel_name,
        }

    def pull(self, connection: Connection, run: ConnectionRun) -> int:
        """Every Viva Engage community of the organization's rollouts, each in a transaction of its
        own with its cursor. Lost consent or throttling stops the run (the communities done so far
        keep what they stored); a community that fails alone (gone, not a member) is named and the
        others are still pulled."""
        client = viva_engage.EngageClient.for_connection(connection)
        communities = list(_communities(connection))
        pulled, failed = 0, []
        try:
            for community in communities:
                try:
                    pulled += viva_engage.pull_community(client, community)
                except viva_engage.EngageProblem as problem:
                    if problem.status not in COMMUNITY_ERRORS:
                        raise
                    failed.append(f"{community.channel_name}: {problem.message}")
        finally:
            _keep_tokens(connection, client.sign_in)
        done = len(communities) - len(failed)
        communities_done = ngettext("%(count)s community", "%(count)s communities", done) % {"count": done}
        run.detail = ngettext(
            "%(count)s new message from %(communities)s.",
            "%(count)s new messages from %(communities)s.",
            pulled,
        ) % {"count": pulled, "communities": communities_done}
        if failed:
            others = (
                gettext("The other communities were pulled: %(detail)s") % {"detail": run.detail}
                if done
                else ""
            )
            raise ConnectionProblem(" ".join([*failed, others]).strip())
        return pulled
