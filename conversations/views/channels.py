"""The Slack and Teams channels and Viva Engage communities of a rollout: named and removed by its
managers, pulled by the organization's Slack, Microsoft Teams or Viva Engage connection."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rollout.access import role_required

from .. import channels
from ..connectors.slack_kind import slack_connection
from ..connectors.teams_kind import teams_connection
from ..connectors.viva_engage_kind import viva_engage_connection
from ..forms import SlackChannelForm, TeamsChannelForm, VivaEngageCommunityForm
from ..roles import EDITORS


def _page(request, rollout, slack_form, teams_form, engage_form=None):
    return render(
        request,
        "engage/conversations/channels.html",
        {
            "rollout": rollout,
            "form": slack_form,
            "teams_form": teams_form,
            "channels": rollout.connected_channels.all(),
            "connection": slack_connection(rollout.organization),
            "teams_connection": teams_connection(rollout.organization),
            "engage_form": engage_form or VivaEngageCommunityForm(),
            "engage_connection": viva_engage_connection(rollout.organization),
        },
    )


@role_required(EDITORS)
def channel_list(request, pk):
    rollout = request.scope.rollout(pk)
    form = SlackChannelForm(request.POST or None)
    if form.is_valid():
        try:
            channel = channels.name_slack_channel(
                rollout,
                channel_id=form.cleaned_data["channel_id"],
                channel_name=form.cleaned_data["channel_name"],
            )
        except channels.ChannelRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(
                request,
                _("#%(channel)s is pulled with the next Slack run.") % {"channel": channel.channel_name},
            )
            return redirect("engage:conversations_channels", pk=rollout.pk)
    return _page(request, rollout, form, TeamsChannelForm())


@role_required(EDITORS)
def teams_channel_add(request, pk):
    """Name a Teams channel: offered once the organization has a Microsoft Teams connection."""
    rollout = request.scope.rollout(pk)
    if request.method != "POST" or teams_connection(rollout.organization) is None:
        return redirect("engage:conversations_channels", pk=rollout.pk)
    form = TeamsChannelForm(request.POST)
    if form.is_valid():
        values = form.cleaned_data
        try:
            channel = channels.name_teams_channel(
                rollout,
                team_id=values["team_id"],
                channel_id=values["channel_id"],
                channel_name=values["channel_name"],
            )
        except channels.ChannelRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(
                request,
                _("%(channel)s is pulled with the next Teams run.") % {"channel": channel.channel_name},
            )
            return redirect("engage:conversations_channels", pk=rollout.pk)
    return _page(request, rollout, SlackChannelForm(), form)


@role_required(EDITORS)
def viva_engage_community_add(request, pk):
    """Name a Viva Engage community: offered once the organization has a Viva Engage connection."""
    rollout = request.scope.rollout(pk)
    if request.method != "POST" or viva_engage_connection(rollout.organization) is None:
        return redirect("engage:conversations_channels", pk=rollout.pk)
    form = VivaEngageCommunityForm(request.POST)
    if form.is_valid():
        try:
            community = channels.name_viva_engage_community(
                rollout, community_id=form.cleaned_data["community"], name=form.cleaned_data["community_name"]
            )
        except channels.ChannelRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(
                request,
                _("%(community)s is pulled with the next Viva Engage run.")
                % {"community": community.channel_name},
            )
            return redirect("engage:conversations_channels", pk=rollout.pk)
    return _page(request, rollout, SlackChannelForm(), TeamsChannelForm(), form)


@role_required(EDITORS)
@require_POST
def channel_remove(request, pk, channel):
    rollout = request.scope.rollout(pk)
    connected = get_object_or_404(rollout.connected_channels, pk=channel)
    channels.remove_channel(connected)
    messages.success(
        request, _("%(channel)s is no longer pulled; its conversations stay.") % {"channel": connected}
    )
    return redirect("engage:conversations_channels", pk=rollout.pk)
