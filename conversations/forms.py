"""Forms of Engage part 2. Choice fields are limited to the scope's organization."""

import re
from datetime import timedelta
from urllib.parse import parse_qs, unquote, urlparse

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from rollout.forms import DATE_WIDGET
from rollout.models import Role

from .connectors.viva_engage import community_id
from .models import ConversationImport, MomentumSettings, Pulse
from .pulses import READINESS_QUESTIONS

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
MAX_UPLOAD = 200 * 1024 * 1024
QUEUE_PEOPLE = (Role.ADMIN, Role.MANAGER, Role.CHAMPION)
CHANNEL_ID = re.compile(r"[CG][A-Z0-9]{6,}")
TEAMS_CHANNEL_ID = re.compile(r"19:[^/\s]+@thread\.[a-z0-9]+")
TEAM_ID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


class UploadField(forms.FileField):
    def __init__(self, *args, extensions, **kwargs):
        self.extensions = extensions
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload is None:
            return upload
        if not upload.name.lower().endswith(self.extensions):
            first, *rest = self.extensions
            if rest:
                message = gettext("Upload a %(first)s or %(second)s file.") % {
                    "first": first,
                    "second": rest[0],
                }
            else:
                message = gettext("Upload a %(first)s file.") % {"first": first}
            raise forms.ValidationError(message)
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError(_("The file is larger than 200 MB: export fewer channels or months."))
        return upload


class ConversationImportForm(forms.Form):
    source = forms.ChoiceField(
        choices=[
            (ConversationImport.Source.SLACK, _("Slack workspace export (.zip)")),
            (ConversationImport.Source.CSV, _("Generic conversations CSV (.csv)")),
        ],
        widget=forms.RadioSelect,
        initial=ConversationImport.Source.SLACK,
        label=_("Source"),
    )
    file = UploadField(extensions=(".zip", ".csv"), label=_("File"))

    def clean(self):
        cleaned = super().clean()
        upload, source = cleaned.get("file"), cleaned.get("source")
        if upload and source:
            wanted = ".zip" if source == ConversationImport.Source.SLACK else ".csv"
            if not upload.name.lower().endswith(wanted):
                self.add_error(
                    "file", gettext("This source needs a %(extension)s file.") % {"extension": wanted}
                )
        return cleaned


class AttendanceImportForm(forms.Form):
    file = UploadField(
        extensions=(".csv",),
        label=_("File"),
        help_text=_("Columns: email, trained_on (YYYY-MM-DD) and optionally unit."),
    )


class LogQuestionForm(forms.Form):
    text = forms.CharField(label=_("The question"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)
    asked_at = forms.DateTimeField(
        label=_("Asked at"),
        widget=DATETIME_WIDGET,
        initial=lambda: timezone.localtime().replace(second=0, microsecond=0),
    )
    asker: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label=_("Asked by"),
        help_text=_("Someone in the organization, or a name below."),
    )
    asker_name = forms.CharField(label=_("…or their name"), max_length=200, required=False)
    unit: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=None, required=False, label=_("Unit"), help_text=_("Defaults to the asker's unit.")
    )
    where = forms.CharField(
        max_length=200,
        required=False,
        label=_("Where"),
        help_text=_("e.g. 'In person on ward 7' or 'Private chat'."),
    )

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["asker"].queryset = scope.people().order_by("full_name", "email")
        self.fields["unit"].queryset = scope.units().order_by("kind", "name")

    def clean_asked_at(self):
        value = self.cleaned_data["asked_at"]
        if value > timezone.now() + timedelta(minutes=10):
            raise forms.ValidationError(_("A question logged by hand was asked in the past."))
        if value < timezone.now() - timedelta(days=365):
            raise forms.ValidationError(_("Log questions from the last twelve months only."))
        return value

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("asker") and not (cleaned.get("asker_name") or "").strip():
            raise forms.ValidationError(_("Say who asked: pick a person or type a name."))
        return cleaned


class AnsweredForm(forms.Form):
    url = forms.URLField(
        label=_("Link to the answer"),
        max_length=500,
        assume_scheme="https",
        help_text=_("Where the answer can be read, e.g. the reply's link in the channel."),
    )
    text = forms.CharField(
        label=_("A few words for the person who asked"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional. A question asked in Rollout emails its asker this with the link."),
    )


class HandOnForm(forms.Form):
    person: forms.ModelChoiceField = forms.ModelChoiceField(queryset=None, label=_("Hand on to"))

    def __init__(self, *args, scope, exclude=None, **kwargs):
        super().__init__(*args, **kwargs)
        people = scope.people(QUEUE_PEOPLE).order_by("full_name", "email")
        if exclude is not None:
            people = people.exclude(pk=exclude.pk)
        self.fields["person"].queryset = people.distinct()


class AskForm(forms.Form):
    """Ask for help: the rollout (of the organization's in pilot or live) and the question."""

    rollout: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=None, label=_("About"), empty_label=None, help_text=_("The rollout your question is about.")
    )
    text = forms.CharField(
        label=_("Your question"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("A champion of your unit gets it and answers you; you get an email when they do."),
    )

    def __init__(self, *args, rollouts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rollout"].queryset = rollouts
        self.rollouts = list(rollouts)
        if len(self.rollouts) == 1:  # the only choice is chosen
            self.fields["rollout"].initial = self.rollouts[0].pk

    def clean_text(self):
        text = self.cleaned_data["text"].strip()
        if not text:
            raise forms.ValidationError(_("Write your question."))
        return text


class OutcomeForm(forms.Form):
    """ "What we did about it" on a closed pulse (an empty text withdraws it)."""

    outcome = forms.CharField(
        label=_("What we did about it"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("A few lines, one per action, for everyone who was asked. Shared with the results."),
    )


class PeriodForm(forms.Form):
    days = forms.TypedChoiceField(
        choices=[(30, _("Last 30 days")), (90, _("Last 90 days")), (365, _("Last 12 months"))],
        coerce=int,
        initial=90,
        required=False,
        label=_("Period"),
    )


class MomentumSettingsForm(forms.ModelForm):
    class Meta:
        model = MomentumSettings
        fields = ["drop_percent"]


class PulseForm(forms.Form):
    title = forms.CharField(max_length=150, label=_("Title"))
    kind = forms.ChoiceField(
        choices=Pulse.Kind.choices, widget=forms.RadioSelect, initial=Pulse.Kind.READINESS, label=_("Kind")
    )
    questions = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        label=_("Questions"),
    )
    audience: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Audience"),
        help_text=_("Leave empty to ask everyone in the organization."),
    )
    closes_on = forms.DateField(
        widget=DATE_WIDGET, label=_("Closes on"), help_text=_("The last day answers are accepted.")
    )

    def __init__(self, *args, scope, rollout, **kwargs):
        super().__init__(*args, **kwargs)
        self.rollout = rollout
        self.fields["audience"].queryset = scope.units().order_by("kind", "name")
        self.fields["closes_on"].initial = timezone.localdate() + timedelta(days=14)
        self.fields["questions"].help_text = gettext(
            "Custom pulses: one statement per line (2 to 8), each scored 1 (disagree) to 5 (agree). "
            "A readiness pulse asks the five ADKAR statements: %(statements)s"
        ) % {"statements": " / ".join(gettext(text) for text in READINESS_QUESTIONS.values())}

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        if Pulse.objects.filter(rollout=self.rollout, title__iexact=title).exists():
            raise forms.ValidationError(_("This rollout already has a pulse with this title."))
        return title

    def clean_closes_on(self):
        value = self.cleaned_data["closes_on"]
        if value < timezone.localdate():
            raise forms.ValidationError(_("The closing day cannot be in the past."))
        return value

    def clean(self):
        cleaned = super().clean()
        lines = [line.strip() for line in (cleaned.get("questions") or "").splitlines() if line.strip()]
        if cleaned.get("kind") == Pulse.Kind.CUSTOM:
            if not 2 <= len(lines) <= 8:
                self.add_error("questions", _("A custom pulse asks 2 to 8 statements, one per line."))
            elif any(len(line) > 300 for line in lines):
                self.add_error("questions", _("Keep each statement under 300 characters."))
        cleaned["question_lines"] = lines
        return cleaned


class PulseAnswerForm(forms.Form):
    """One radio group of 1-5 per question, and an optional comment."""

    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        required=False,
        max_length=2000,
        label=_("Anything else? (optional)"),
        help_text=_("Please leave out names: comments are shown to the rollout's team."),
    )

    SCALE = [(i, str(i)) for i in range(1, 6)]

    def __init__(self, *args, questions, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        for question in self.questions:
            self.fields[f"q{question.pk}"] = forms.TypedChoiceField(
                label=question.shown_text, choices=self.SCALE, coerce=int, widget=forms.RadioSelect
            )
        self.order_fields([f"q{q.pk}" for q in self.questions] + ["comment"])

    def scores(self):
        return {q.pk: self.cleaned_data[f"q{q.pk}"] for q in self.questions}


class SlackChannelForm(forms.Form):
    channel_id = forms.CharField(
        label=_("Channel ID"),
        max_length=40,
        required=False,
        help_text=_("In Slack: the channel's name → About → Channel ID, e.g. C0123ABCD."),
    )
    channel_name = forms.CharField(
        label=_("Channel name"),
        max_length=80,
        required=False,
        help_text=_(
            "Without the #. Give one of the two when Slack is connected: Rollout looks up the other."
        ),
    )

    def clean_channel_id(self):
        channel_id = self.cleaned_data["channel_id"].strip().upper()
        if channel_id and not CHANNEL_ID.fullmatch(channel_id):
            raise forms.ValidationError(
                _("A Slack channel ID starts with C (or G for an old private channel), e.g. C0123ABCD.")
            )
        return channel_id

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not (cleaned.get("channel_id") or cleaned.get("channel_name", "").strip()):
            raise forms.ValidationError(_("Give the channel's ID, its name, or both."))
        return cleaned


def parse_teams_link(link: str) -> dict[str, str]:
    """{team_id, channel_id, channel_name} of a link Teams gives for a channel (its ⋯ → Get link
    to channel): https://teams.microsoft.com/l/channel/<channel id>/<name>?groupId=<team id>&…"""
    parsed = urlparse(link.strip())
    parts = [unquote(part) for part in parsed.path.split("/")]
    if parsed.scheme != "https" or len(parts) < 5 or parts[1:3] != ["l", "channel"]:
        return {}
    team = parse_qs(parsed.query).get("groupId", [""])[0]
    return {"team_id": team, "channel_id": parts[3], "channel_name": parts[4]}


class TeamsChannelForm(forms.Form):
    link = forms.CharField(
        label=_("Link to the channel"),
        max_length=1000,
        required=False,
        help_text=_(
            "In Teams: the channel's ⋯ → Get link to channel → Copy. It holds the team, the channel and its name."
        ),
    )
    team_id = forms.CharField(label=_("Team ID"), max_length=64, required=False)
    channel_id = forms.CharField(label=_("Channel ID"), max_length=120, required=False)
    channel_name = forms.CharField(
        label=_("Channel name"),
        max_length=80,
        required=False,
        help_text=_("Taken from the link if left empty."),
    )

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        link = cleaned.get("link", "").strip()
        found = parse_teams_link(link) if link else {}
        if link and not found:
            raise forms.ValidationError(
                _(
                    "That is not a Teams channel link: in Teams, open the channel's ⋯ menu → Get link to "
                    "channel, and copy it (it starts with https://teams.microsoft.com/l/channel/)."
                )
            )
        for field in ("team_id", "channel_id", "channel_name"):
            cleaned[field] = (cleaned.get(field) or "").strip() or found.get(field, "")
        if not TEAM_ID.fullmatch(cleaned["team_id"]) or not TEAMS_CHANNEL_ID.fullmatch(cleaned["channel_id"]):
            raise forms.ValidationError(
                _(
                    "Give the channel's link, or its team ID (a GUID, the link's groupId) and channel ID "
                    "(19:…@thread.tacv2)."
                )
            )
        if not cleaned["channel_name"]:
            raise forms.ValidationError(_("Give the channel's name."))
        return cleaned


class VivaEngageCommunityForm(forms.Form):
    community = forms.CharField(
        label=_("Link to the community, or its ID"),
        max_length=1000,
        help_text=_(
            "In Viva Engage, open the community and copy the address from the browser "
            "(…/groups/…), or give its numeric group ID."
        ),
    )
    community_name = forms.CharField(label=_("Community name"), max_length=80)

    def clean_community(self):
        found = community_id(self.cleaned_data["community"])
        if not found:
            raise forms.ValidationError(
                _(
                    "That is neither a community's link nor its ID: open the community in Viva Engage and copy "
                    "the address (https://engage.cloud.microsoft/…/groups/… or https://www.yammer.com/…/groups/…), "
                    "or give its numeric group ID."
                )
            )
        return found
