"""Microsoft Teams conversations as a kind of connection (Settings → Connections,
rollout/connections/registry.py): the organization's app registration, pulled on the connection's
schedule for every Teams channel its rollouts name (teams.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.text import format_lazy
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from rollout.connections.microsoft import CREDENTIAL_FIELDS, SETTING_FIELDS, GraphProblem
from rollout.connections.registry import ConnectionProblem, ConnectorKind

from ..models import ConnectedChannel
from . import teams

if TYPE_CHECKING:
    from rollout.connections.models import Connection, ConnectionRun
    from rollout.models import Organization

KEY = "graph_teams_conversations"
# Graph's answers that concern one channel only (gone, or not a channel of that team): the run
# goes on with the others.
CHANNEL_ERRORS = {404}
UNMATCHED = _(
    "Without the application permission User.Read.All the people who post could not be matched to "
    "the organization's members, so their questions have no unit: add it to the app registration."
)


def teams_connection(organization: Organization) -> Connection | None:
    """The organization's enabled Teams conversations connection, if it has one (the channels
    page offers Teams channels then)."""
    from rollout.connections.models import Connection

    return Connection.objects.filter(organization=organization, kind=KEY, enabled=True).order_by("pk").first()


def _channels(connection: Connection):
    return ConnectedChannel.objects.filter(
        rollout__organization=connection.organization, provider=ConnectedChannel.Provider.TEAMS
    ).select_related("rollout__organization")


class TeamsConversations(ConnectorKind):
    key = KEY
    label = _("Microsoft Teams conversations")
    description = format_lazy(
        _(
            "Questions and replies from the Teams channels your rollouts name (Engage → Conversations → "
            "Channels), pulled through Microsoft Graph. Needs an app registration with the application "
            "permissions {permission} and {users_permission} (docs/connectors.md)."
        ),
        permission=teams.PERMISSION,
        users_permission=teams.USERS_PERMISSION,
    )
    credential_fields = CREDENTIAL_FIELDS
    setting_fields = SETTING_FIELDS

    def test(self, connection: Connection) -> str:
        client = teams.graph_client(connection)
        client.token()
        channel = _channels(connection).first()
        if channel is None:
            return gettext(
                "Rollout signed in to tenant %(tenant)s as the app. Name a Teams channel under "
                "Engage → Conversations → Channels, then test again to check %(permission)s."
            ) % {"tenant": client.tenant, "permission": teams.PERMISSION}
        client.get_json(teams.messages_url(client, channel), {"$top": "1"})
        return gettext(
            "Connected to tenant %(tenant)s: Rollout signed in as the app and may read the messages "
            "of %(channel)s (%(permission)s)."
        ) % {"tenant": client.tenant, "channel": channel.channel_name, "permission": teams.PERMISSION}

    def pull(self, connection: Connection, run: ConnectionRun) -> int:
        """Every Teams channel of the organization's rollouts, each in a transaction of its own with
        its deltaLink. A refused secret, a missing permission or throttling stops the run (the
        channels done so far keep what they stored); a channel that fails alone (gone) is named and
        the others are still pulled."""
        client = teams.graph_client(connection)
        people = teams.People(client)
        channels = list(_channels(connection))
        pulled, failed = 0, []
        for channel in channels:
            try:
                pulled += teams.pull_channel(client, channel, people)
            except GraphProblem as problem:
                if problem.status not in CHANNEL_ERRORS:
                    raise
                failed.append(f"{channel.channel_name}: {problem.message}")
        done = len(channels) - len(failed)
        channel_count = ngettext("%(count)s channel", "%(count)s channels", done) % {"count": done}
        run.detail = ngettext(
            "%(count)s new message from %(channels)s.", "%(count)s new messages from %(channels)s.", pulled
        ) % {"count": pulled, "channels": channel_count}
        if people.denied:
            run.detail = f"{run.detail} {UNMATCHED}"
        if failed:
            others = (
                gettext("The other channels were pulled: %(detail)s") % {"detail": run.detail} if done else ""
            )
            raise ConnectionProblem(" ".join([*failed, others]).strip())
        return pulled
