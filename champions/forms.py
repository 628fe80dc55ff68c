import uuid
from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from rollout.forms import DATE_WIDGET
from rollout.models import Unit

from .models import Champion, ChampionEvent, Skill, SupportSession

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
# A session is logged soon after it happened; older ones are a mistake more often than not.
OLDEST_LOGGABLE = timedelta(days=60)
CLOCK_SKEW = timedelta(minutes=10)


class NominationForm(forms.Form):
    """A manager nominates anyone in the organization; anyone else nominates themselves."""

    person: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=None, label=_("Person"), help_text=_("Anyone in the organization.")
    )
    units: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Units"),
        help_text=_("The units whose people they would support."),
    )
    motivation = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
        label=_("Why them?"),
        help_text=_("What makes them a good person to turn to."),
    )

    def __init__(self, *args, scope, rollout, nominate_others, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope, self.rollout = scope, rollout
        self.fields["units"].queryset = scope.units().order_by("kind", "name")
        if nominate_others:
            self.fields["person"].queryset = scope.people().order_by("full_name", "email")
        else:
            del self.fields["person"]
            self.fields["motivation"].label = _("Why you?")

    def clean(self):
        cleaned = super().clean()
        person = cleaned.get("person", self.scope.user)
        current = self.rollout.champions.filter(
            user=person, status__in=[Champion.Status.NOMINATED, Champion.Status.ACTIVE]
        ).first()
        if current is not None:
            nominated = current.status == Champion.Status.NOMINATED
            if person == self.scope.user:
                message = (
                    gettext("You are already nominated for this rollout.")
                    if nominated
                    else gettext("You are already active for this rollout.")
                )
                raise forms.ValidationError(message)
            message = (
                gettext("%(person)s is already nominated for this rollout.")
                if nominated
                else gettext("%(person)s is already active for this rollout.")
            )
            raise forms.ValidationError(message, params={"person": person})
        return cleaned


class ChampionProfileForm(forms.ModelForm):
    """What a champion keeps up to date about themselves."""

    chat_link = forms.URLField(
        label=_("Chat link"),
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text=Champion._meta.get_field("chat_link").help_text,
    )

    class Meta:
        model = Champion
        fields = ["location", "skills", "languages", "shift", "time_zone", "chat_link", "office_hours"]
        widgets: dict[str, object] = {"skills": forms.CheckboxSelectMultiple}
        labels = {
            "location": _("Location"),
            "skills": _("Skills"),
            "languages": _("Languages"),
            "shift": _("Shift"),
            "time_zone": _("Time zone"),
            "office_hours": _("Office hours"),
        }

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope = scope
        self.fields["location"].queryset = scope.units().filter(kind=Unit.Kind.LOCATION)
        self.fields["skills"].queryset = Skill.objects.filter(organization=scope.organization, active=True)
        self.fields["skills"].help_text = _("From the organization's skills taxonomy.")
        self.fields["time_zone"].help_text = _("With the shift, this shows who covers a 24/7 operation.")
        self.fields["chat_link"].widget.attrs["placeholder"] = (
            "https://teams.microsoft.com/l/chat/0/0?users=…"
        )


class ChampionManageForm(ChampionProfileForm):
    """A manager's view of a champion: also the units covered, the start and the status."""

    status = forms.ChoiceField(
        label=_("Status"), choices=[(s.value, s.label) for s in Champion.Status if s != "nominated"]
    )

    class Meta(ChampionProfileForm.Meta):
        fields = [
            "units",
            "location",
            "skills",
            "languages",
            "shift",
            "time_zone",
            "chat_link",
            "office_hours",
            "start_date",
            "status",
        ]
        widgets: dict[str, object] = {
            "units": forms.CheckboxSelectMultiple,
            "skills": forms.CheckboxSelectMultiple,
            "start_date": DATE_WIDGET,
        }
        labels = {
            **ChampionProfileForm.Meta.labels,
            "units": _("Units"),
            "start_date": _("Start date"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = self.scope.units().order_by("kind", "name")
        if self.instance.status == Champion.Status.NOMINATED:
            # A nomination is decided with Approve / Decline, not by editing.
            del self.fields["status"]

    def save(self, commit=True):
        champion = self.instance
        if "status" in self.changed_data:
            champion.stepped_down_on = (
                timezone.localdate() if champion.status == Champion.Status.STEPPED_DOWN else None
            )
        if champion.status == Champion.Status.ACTIVE and champion.start_date is None:
            champion.start_date = timezone.localdate()
        return super().save(commit)


class SupportSessionForm(forms.ModelForm):
    """The 30-second log: sensible defaults everywhere, only minutes and a topic to pick."""

    token = forms.UUIDField(widget=forms.HiddenInput)
    helped_email = forms.EmailField(
        required=False,
        label=_("Who (optional)"),
        help_text=_("Their work email, if you want to note who you helped."),
        widget=forms.EmailInput(attrs={"autocomplete": "off", "inputmode": "email"}),
    )

    class Meta:
        model = SupportSession
        fields = [
            "happened_at",
            "minutes",
            "people_helped",
            "topics",
            "other_topic",
            "channel",
            "outcome",
            "follow_up_on",
            "helped_unit",
        ]
        labels = {
            "happened_at": _("When"),
            "minutes": _("Minutes"),
            "people_helped": _("People helped"),
            "topics": _("Topics"),
            "other_topic": _("Other topic"),
            "channel": _("Channel"),
            "outcome": _("Outcome"),
            "follow_up_on": _("Follow up by"),
            "helped_unit": _("Their unit (optional)"),
        }
        widgets: dict[str, object] = {
            "happened_at": DATETIME_WIDGET,
            "minutes": forms.NumberInput(attrs={"inputmode": "numeric", "min": 1, "max": 480}),
            "people_helped": forms.NumberInput(attrs={"inputmode": "numeric", "min": 1, "max": 500}),
            "topics": forms.CheckboxSelectMultiple,
            "channel": forms.RadioSelect,
            "outcome": forms.RadioSelect,
            "follow_up_on": DATE_WIDGET,
        }

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope = scope
        self.fields["happened_at"].initial = timezone.localtime().replace(second=0, microsecond=0)
        self.fields["minutes"].initial = 15
        self.fields["topics"].queryset = Skill.objects.filter(organization=scope.organization, active=True)
        self.fields["topics"].required = False
        self.fields["other_topic"].widget.attrs["placeholder"] = _("Anything else it was about")
        self.fields["helped_unit"].queryset = scope.units().order_by("kind", "name")
        self.fields["follow_up_on"].help_text = _("Needed when the outcome is “Follow-up needed”.")
        if self.instance.pk:
            del self.fields["token"]
            if self.instance.helped_person_id:
                self.fields["helped_email"].initial = self.instance.helped_person.email
        else:
            self.fields["token"].initial = uuid.uuid4()

    def clean_happened_at(self):
        when = self.cleaned_data["happened_at"]
        now = timezone.now()
        if when > now + CLOCK_SKEW:
            raise forms.ValidationError(gettext("This is in the future; log a session once it has happened."))
        if when < now - OLDEST_LOGGABLE:
            raise forms.ValidationError(
                gettext("Sessions older than %(days)s days cannot be logged; ask a manager."),
                params={"days": OLDEST_LOGGABLE.days},
            )
        return when

    def clean_helped_email(self):
        email = self.cleaned_data["helped_email"]
        if not email:
            self.helped_person = None
            return email
        membership = self.scope.memberships().filter(user__email__iexact=email).first()
        if membership is None:
            raise forms.ValidationError(
                gettext("No one with this email is in %(organization)s. Leave it empty or pick their unit."),
                params={"organization": self.scope.organization},
            )
        self.helped_person = membership
        return email

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("topics") and not cleaned.get("other_topic", "").strip():
            self.add_error("topics", gettext("Pick at least one topic, or describe it under “Other topic”."))
        outcome, follow_up = cleaned.get("outcome"), cleaned.get("follow_up_on")
        if outcome == SupportSession.Outcome.FOLLOW_UP and not follow_up:
            self.add_error("follow_up_on", gettext("Say by when you will follow up."))
        when = cleaned.get("happened_at")
        if follow_up and when and follow_up < timezone.localdate(when):
            self.add_error("follow_up_on", gettext("The follow-up date cannot be before the session."))
        return cleaned

    def session_values(self):
        """The valid form as services.log_support_session's keyword arguments (the page and the
        API both log through it)."""
        data = self.cleaned_data
        return {
            "token": data["token"],
            "happened_at": data["happened_at"],
            "minutes": data["minutes"],
            "people_helped": data["people_helped"],
            "topics": data["topics"],
            "other_topic": data["other_topic"],
            "channel": data["channel"],
            "outcome": data["outcome"],
            "follow_up_on": data["follow_up_on"],
            "helped_unit": data["helped_unit"],
            "helped": getattr(self, "helped_person", None),  # the membership clean_helped_email found
        }

    def save(self, commit=True):
        session = super().save(commit=False)
        membership = getattr(self, "helped_person", None)
        session.helped_person = membership.user if membership else None
        if membership and session.helped_unit_id is None:
            session.helped_unit_id = membership.unit_id
        if commit:
            session.save()
            self.save_m2m()
        return session


class SessionFilterForm(forms.Form):
    champion: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=None, required=False, label=_("Champion"), empty_label=_("All champions")
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[("", _("All outcomes")), *SupportSession.Outcome.choices, ("open", _("Open follow-ups"))],
        required=False,
    )

    def __init__(self, *args, rollout, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["champion"].queryset = rollout.champions.select_related("user")
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select"


class ChampionFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("All statuses")), *Champion.Status.choices, ("quiet", _("Gone quiet (30 days)"))],
        required=False,
    )
    q = forms.CharField(required=False, label=_("Search"), max_length=100)


class SkillForm(forms.ModelForm):
    class Meta:
        model = Skill
        fields = ["name", "description", "active"]
        labels = {"name": _("Name"), "description": _("Description"), "active": _("Active")}

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope = scope
        self.instance.organization = scope.organization

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        clash = Skill.objects.filter(organization=self.scope.organization, name__iexact=name)
        if clash.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(
                gettext("The taxonomy already has “%(name)s”."), params={"name": name}
            )
        return name


# Events, the help page and the directory ------------------------------------------------------

# An event lasts at most this long: a longer one is most likely a wrong date.
LONGEST_EVENT = timedelta(hours=12)


class ChampionEventForm(forms.ModelForm):
    """A drop-in or training session. Managers pick who runs it; a champion runs their own."""

    class Meta:
        model = ChampionEvent
        fields = ["kind", "title", "starts_at", "ends_at", "where", "units", "champion"]
        labels = {
            "kind": _("What"),
            "title": _("Title"),
            "starts_at": _("Starts"),
            "ends_at": _("Ends"),
            "where": _("Where"),
            "units": _("For whom"),
            "champion": _("Champion"),
        }
        widgets: dict[str, object] = {
            "kind": forms.RadioSelect,
            "starts_at": DATETIME_WIDGET,
            "ends_at": DATETIME_WIDGET,
            "units": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, scope, rollout, manager, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = scope.units().order_by("kind", "name")
        self.fields["units"].help_text = _(
            "Leave all unticked for everyone. A unit includes the units inside it."
        )
        self.fields["title"].widget.attrs["placeholder"] = _("E.g. Viva Engage drop-in")
        if manager:
            self.fields["champion"].queryset = rollout.champions.filter(
                status=Champion.Status.ACTIVE
            ).select_related("user")
            self.fields["champion"].label = _("Run by")
            self.fields["champion"].empty_label = _("No one in particular")
        else:
            del self.fields["champion"]  # a champion's events are their own

    def clean_starts_at(self):
        starts = self.cleaned_data["starts_at"]
        # The form shows minutes only: a start kept as it was may differ by its seconds.
        kept = self.instance.pk and abs(starts - self.instance.starts_at) < timedelta(minutes=1)
        if not kept and starts < timezone.now() - CLOCK_SKEW:
            raise forms.ValidationError(gettext("This is in the past; plan drop-ins and training ahead."))
        return starts

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts and ends:
            if ends <= starts:
                self.add_error("ends_at", gettext("The end must be after the start."))
            elif ends - starts > LONGEST_EVENT:
                self.add_error(
                    "ends_at",
                    gettext("A session lasts at most %(hours)s hours; check the dates.")
                    % {"hours": LONGEST_EVENT.seconds // 3600},
                )
        return cleaned

    def event_values(self):
        return {name: self.cleaned_data[name] for name in ("kind", "title", "starts_at", "ends_at", "where")}


class WriteForm(forms.Form):
    """A message to a champion, sent as an email with the writer copied."""

    token = forms.UUIDField(widget=forms.HiddenInput)
    message = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=4000,
        label=_("Your message"),
        help_text=_("What you need help with. The champion answers by email; you are copied."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["token"].initial = uuid.uuid4()

    def clean_message(self):
        message = self.cleaned_data["message"].strip()
        if not message:
            raise forms.ValidationError(gettext("Write what you need help with."))
        return message


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(required=False, label=_("Name"), max_length=100)
    unit: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=None, required=False, label=_("Unit"), empty_label=_("Any unit")
    )
    skill: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=None, required=False, label=_("Skill"), empty_label=_("Any skill")
    )
    language = forms.CharField(required=False, label=_("Language"), max_length=50)

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = scope.units().order_by("kind", "name")
        self.fields["skill"].queryset = Skill.objects.filter(organization=scope.organization, active=True)
