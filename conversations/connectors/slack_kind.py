"""Slack as a kind of connection (Settings → Connections, rollout/connections/registry.py): the
organization's bot token, tested with `slack.test_slack` and pulled, on the connection's
schedule, for every channel its rollouts name."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from rollout.connections.registry import ConnectionProblem, ConnectorKind, Throttled

from ..models import ConnectedChannel
from . import slack

if TYPE_CHECKING:
    from rollout.connections.models import Connection, ConnectionRun
    from rollout.models import Organization

KEY = "slack"


def _token(connection: Connection) -> str:
    token = str(connection.secrets.get("bot_token") or "").strip()
    if not token:
        raise ConnectionProblem(
            gettext("No bot token is stored: paste the app's Bot User OAuth Token (xoxb-…).")
        )
    return token


def _translated(problem: slack.SlackProblem) -> ConnectionProblem:
    if isinstance(problem, slack.SlackThrottled):
        return Throttled(problem.retry_after, problem.message)
    return ConnectionProblem(problem.message, permission=problem.permission)


def slack_connection(organization: Organization) -> Connection | None:
    """The organization's enabled Slack connection, if it has one (the channels page looks channels
    up by name through it)."""
    from rollout.connections.models import Connection

    return Connection.objects.filter(organization=organization, kind=KEY, enabled=True).order_by("pk").first()


def client_for(organization: Organization) -> slack.WebClient | None:
    connection = slack_connection(organization)
    if connection is None or not connection.secrets.get("bot_token"):
        return None
    return slack.client(_token(connection))


class SlackConnector(ConnectorKind):
    key = KEY
    label = "Slack"
    description = _(
        "Questions and replies from the Slack channels your rollouts name (Engage → Conversations → "
        "Slack channels), pulled with a Slack app's bot token."
    )
    credential_fields = [("bot_token", _("Bot User OAuth Token (xoxb-…)"), True)]
    setting_fields = []

    def test(self, connection: Connection) -> str:
        try:
            return slack.test_slack(_token(connection))
        except slack.SlackProblem as problem:
            raise _translated(problem) from None

    def pull(self, connection: Connection, run: ConnectionRun) -> int:
        """Every channel of the organization's rollouts, each in a transaction of its own with its
        cursor. A wrong token, a missing scope or a rate limit stops the run (the channels done so
        far keep what they stored); a channel that fails alone (not invited, gone) is named and the
        others are still pulled."""
        api = slack.client(_token(connection))
        channels = ConnectedChannel.objects.filter(
            rollout__organization=connection.organization, provider=ConnectedChannel.Provider.SLACK
        ).select_related("rollout__organization")
        users: dict[str, dict] = {}
        pulled, failed = 0, []
        for channel in channels:
            try:
                pulled += slack.pull_channel(api, channel, users=users)
            except slack.SlackProblem as problem:
                if isinstance(problem, slack.SlackThrottled) or problem.code not in CHANNEL_ERRORS:
                    raise _translated(problem) from None
                failed.append(problem.message)
        done = len(channels) - len(failed)
        channel_count = ngettext("%(count)s channel", "%(count)s channels", done) % {"count": done}
        run.detail = ngettext(
            "%(count)s new message from %(channels)s.", "%(count)s new messages from %(channels)s.", pulled
        ) % {"count": pulled, "channels": channel_count}
        if failed:
            others = (
                gettext("The other channels were pulled: %(detail)s") % {"detail": run.detail} if done else ""
            )
            raise ConnectionProblem(" ".join([*failed, others]).strip())
        return pulled


# Errors that concern one channel only: the run goes on with the others.
CHANNEL_ERRORS = {"channel_not_found", "not_in_channel", "is_archived"}
