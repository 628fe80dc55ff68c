"""The Slack and Teams channels and the Viva Engage communities a rollout names: their conversations
arrive through the organization's Slack, Microsoft Teams or Viva Engage connection
(conversations/connectors/slack.py, teams.py, viva_engage.py)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from rollout.models import Rollout

from .connectors import slack
from .connectors.slack_kind import client_for
from .models import ConnectedChannel


class ChannelRefused(Exception):
    """The channel cannot be named; the message says why and what to do."""


def name_slack_channel(rollout: Rollout, *, channel_id: str = "", channel_name: str = "") -> ConnectedChannel:
    """Name a Slack channel for the rollout. Given its ID and its name, no call to Slack is made;
    given one of them, the other is looked up through the organization's Slack connection."""
    channel_name = channel_name.strip().lstrip("#")
    if not (channel_id and channel_name):
        api = client_for(rollout.organization)
        if api is None:
            raise ChannelRefused(
                gettext(
                    "Give both the channel's ID and its name, or connect Slack under Settings → "
                    "Connections to look one up from the other."
                )
            )
        try:
            channel_id, channel_name = slack.find_channel(api, name=channel_name, channel_id=channel_id)
        except slack.SlackProblem as problem:
            raise ChannelRefused(problem.message) from None
    try:
        with transaction.atomic():
            return ConnectedChannel.objects.create(
                rollout=rollout,
                provider=ConnectedChannel.Provider.SLACK,
                channel_id=channel_id,
                channel_name=channel_name,
            )
    except IntegrityError:
        raise ChannelRefused(
            gettext("#%(channel)s (%(id)s) is already one of this rollout's channels.")
            % {"channel": channel_name, "id": channel_id}
        ) from None


def name_teams_channel(
    rollout: Rollout, *, team_id: str, channel_id: str, channel_name: str
) -> ConnectedChannel:
    """Name a Teams channel for the rollout, by its team and channel IDs (no call to Graph: the
    pull says if the app cannot read it)."""
    try:
        with transaction.atomic():
            return ConnectedChannel.objects.create(
                rollout=rollout,
                provider=ConnectedChannel.Provider.TEAMS,
                team_id=team_id,
                channel_id=channel_id,
                channel_name=channel_name.strip()[:80],
            )
    except IntegrityError:
        raise ChannelRefused(
            gettext("%(channel)s is already one of this rollout's channels.") % {"channel": channel_name}
        ) from None


def name_viva_engage_community(rollout: Rollout, *, community_id: str, name: str) -> ConnectedChannel:
    """Name a Viva Engage community for the rollout, by its numeric group id (no call to the
    API: the pull says if the person who connected cannot read it)."""
    try:
        with transaction.atomic():
            return ConnectedChannel.objects.create(
                rollout=rollout,
                provider=ConnectedChannel.Provider.VIVA_ENGAGE,
                channel_id=community_id,
                channel_name=name.strip()[:80],
            )
    except IntegrityError:
        raise ChannelRefused(
            gettext("%(community)s is already one of this rollout's communities.") % {"community": name}
        ) from None


def remove_channel(channel: ConnectedChannel) -> None:
    """Stop pulling the channel. What it brought stays in the conversations."""
    channel.delete()
