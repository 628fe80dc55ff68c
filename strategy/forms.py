import re
import zoneinfo

from django import forms
from django.core.exceptions import ValidationError
from django.forms import inlineformset_factory
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from rollout.forms import DATE_WIDGET
from rollout.metrics import CUSTOM, catalogue

from .models import (
    AUDIENCE_LABELS,
    CHANNEL_LABELS,
    METRIC_LABELS,
    OBJECTIVE_LABELS,
    STAKEHOLDER_LABELS,
    TIME_ALLOWANCE_LABELS,
    WORKSHEET_LABELS,
    Audience,
    AwarenessChannel,
    Objective,
    Stakeholder,
    SuccessMetric,
    TimeAllowance,
    Worksheet,
    split_people,
)
from .selectors import split_time_zones


def _capitalized(labels):
    """Form labels from verbose names, as Django makes them: "main purpose" -> "Main purpose"."""
    return {name: capfirst(label) for name, label in labels.items()}


# An email address or a UPN (the same shape): something@domain.tld, no spaces.
EMAIL_OR_UPN = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class WorksheetPartForm(forms.ModelForm):
    """A section's own fields on the Worksheet; `rollout` and `scope` come from the view."""

    def __init__(self, *args, rollout, scope, **kwargs):
        self.rollout = rollout
        self.scope = scope
        super().__init__(*args, **kwargs)


class PurposeForm(WorksheetPartForm):
    class Meta:
        model = Worksheet
        fields = ["main_purpose", "purpose_notes"]
        labels = _capitalized(WORKSHEET_LABELS)
        widgets = {"purpose_notes": forms.Textarea(attrs={"rows": 3})}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("main_purpose") == Worksheet.Purpose.OTHER and not cleaned.get("purpose_notes"):
            self.add_error(
                "purpose_notes", gettext("You chose 'Other': say in a sentence what the purpose is.")
            )
        return cleaned


class OwnershipForm(WorksheetPartForm):
    class Meta:
        model = Worksheet
        fields = ["business_owner", "budget_holder", "process_manager", "budget_amount", "budget_currency"]
        labels = _capitalized(WORKSHEET_LABELS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        people = self.scope.people().order_by("full_name", "email")
        for name in ("business_owner", "budget_holder", "process_manager"):
            self.fields[name].queryset = people

    def clean_budget_amount(self):
        amount = self.cleaned_data["budget_amount"]
        if amount is not None and amount < 0:
            raise forms.ValidationError(_("A budget cannot be negative."))
        return amount

    def clean_budget_currency(self):
        currency = self.cleaned_data["budget_currency"].strip().upper()
        if len(currency) != 3 or not currency.isalpha():
            raise forms.ValidationError(_("Use a three-letter currency code such as EUR, USD or GBP."))
        return currency


class OperatingForm(WorksheetPartForm):
    class Meta:
        model = Worksheet
        fields = [
            "coverage",
            "coverage_time_zones",
            "coverage_notes",
            "response_target_hours",
            "moderation",
            "moderation_notes",
        ]
        labels = _capitalized(WORKSHEET_LABELS)
        widgets = {"moderation": forms.RadioSelect, "moderation_notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Empty means the organization's default, which then follows Settings; pre-filling the
        # default would copy it into the strategy for good.
        default = self.rollout.organization.response_target_hours
        field = self.fields["response_target_hours"]
        field.widget.attrs["placeholder"] = str(default)
        field.help_text = gettext(
            "Every question should get a first reply within this many hours. Leave empty to use the "
            "organization's default (%(hours)s h, Settings)."
        ) % {"hours": default}

    def clean_coverage_time_zones(self):
        names = split_time_zones(self.cleaned_data["coverage_time_zones"])
        unknown = [name for name in names if name not in zoneinfo.available_timezones()]
        if unknown:
            raise forms.ValidationError(
                _("Not a time zone: %(names)s. Use names such as Europe/London or America/Chicago."),
                params={"names": ", ".join(unknown)},
            )
        return ", ".join(names)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("coverage") == Worksheet.Coverage.BUSINESS_HOURS and not cleaned.get(
            "coverage_time_zones"
        ):
            self.add_error(
                "coverage_time_zones", gettext("Business hours in which time zones? Name at least one.")
            )
        if cleaned.get("coverage") == Worksheet.Coverage.CUSTOM and not cleaned.get("coverage_notes"):
            self.add_error("coverage_notes", gettext("Describe the custom coverage."))
        return cleaned


class EvaluationForm(WorksheetPartForm):
    class Meta:
        model = Worksheet
        fields = ["review_cadence", "review_every_weeks", "first_review_date"]
        labels = _capitalized(WORKSHEET_LABELS)
        widgets = {"first_review_date": DATE_WIDGET}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("review_cadence") == Worksheet.Cadence.EVERY_N_WEEKS and not cleaned.get(
            "review_every_weeks"
        ):
            self.add_error("review_every_weeks", gettext("Every how many weeks?"))
        first = cleaned.get("first_review_date")
        if first and self.rollout.start_date and first < self.rollout.start_date:
            self.add_error(
                "first_review_date",
                gettext("The first review cannot come before the start (%(start)s).")
                % {"start": date_format(self.rollout.start_date, "j M Y")},
            )
        return cleaned


class RowForm(forms.ModelForm):
    """A formset row; `worksheet`, `rollout`, `scope` and `choices` come through form_kwargs.

    `choices` holds the choice lists of the row's foreign keys, fetched once for the whole
    formset (see `shared_choices`) so that rendering N rows does not run N queries.
    """

    def __init__(self, *args, worksheet, rollout, scope, choices=None, **kwargs):
        self.worksheet, self.rollout, self.scope = worksheet, rollout, scope
        super().__init__(*args, **kwargs)
        self.shared_choices = choices or {}

    def limit(self, name, queryset):
        field = self.fields[name]
        field.queryset = queryset
        if name in self.shared_choices:
            field.widget.choices = self.shared_choices[name]

    def save(self, commit=True):
        self.instance.worksheet = self.worksheet
        return super().save(commit)


class AudienceForm(RowForm):
    class Meta:
        model = Audience
        fields = ["kind", "name", "unit", "people", "size"]
        labels = _capitalized(AUDIENCE_LABELS)
        widgets = {"people": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.limit("unit", self.scope.units())

    def clean_people(self):
        text = self.cleaned_data.get("people", "")
        wrong = [item for item in split_people(text) if not EMAIL_OR_UPN.fullmatch(item)]
        if wrong:
            shown = ", ".join(f"'{item[:60]}'" for item in wrong[:3])
            raise ValidationError(
                ngettext(
                    "%(shown)s is not an email (one email or UPN per line, e.g. ana.silva@example.org).",
                    "%(shown)s are not emails (one email or UPN per line, e.g. ana.silva@example.org).",
                    len(wrong),
                ),
                params={"shown": shown},
            )
        return "\n".join(dict.fromkeys(split_people(text)))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("unit") and cleaned.get("kind") != Audience.Kind.EMPLOYEES:
            self.add_error("unit", gettext("Only an audience of employees belongs to a unit."))
        if cleaned.get("unit") and cleaned.get("people"):
            self.add_error(
                "people",
                gettext("Choose a unit or list the people, not both: an audience is one or the other."),
            )
        return cleaned


class ChannelForm(RowForm):
    class Meta:
        model = AwarenessChannel
        fields = ["audience", "channel", "planned_date", "notes"]
        labels = _capitalized(CHANNEL_LABELS)
        widgets = {"planned_date": DATE_WIDGET}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.limit("audience", worksheet_audiences(self.worksheet))


class MetricForm(RowForm):
    metric_key = forms.ChoiceField(label=_("Metric"), choices=())

    class Meta:
        model = SuccessMetric
        fields = ["metric_key", "custom_name", "audience", "baseline", "target", "target_date", "source"]
        labels = _capitalized(METRIC_LABELS)
        widgets = {"target_date": DATE_WIDGET}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["metric_key"].choices = [("", "---------"), *catalogue.choices()]
        self.fields["metric_key"].help_text = gettext(
            "Metrics Rollout computes itself, or a custom one you enter at each review."
        )
        self.limit("audience", worksheet_audiences(self.worksheet))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("metric_key") == CUSTOM and not cleaned.get("custom_name"):
            self.add_error("custom_name", gettext("Name the custom metric: what is counted?"))
        baseline, target = cleaned.get("baseline"), cleaned.get("target")
        if baseline is not None and target is not None and baseline == target:
            self.add_error(
                "target",
                gettext("The target must differ from the baseline — otherwise there is nothing to reach."),
            )
        target_date, start = cleaned.get("target_date"), self.rollout.start_date
        if target_date and start and target_date <= start:
            self.add_error(
                "target_date",
                gettext("The target date must come after the rollout's start (%(start)s).")
                % {"start": date_format(start, "j M Y")},
            )
        return cleaned


def worksheet_audiences(worksheet):
    return worksheet.audiences.all() if worksheet.pk else Audience.objects.none()


def shared_choices(worksheet, scope):
    """The foreign-key choices of every row form, fetched once per request."""
    blank = [("", "---------")]
    return {
        "unit": blank + [(unit.pk, str(unit)) for unit in scope.units()],
        "audience": blank + [(audience.pk, str(audience)) for audience in worksheet_audiences(worksheet)],
    }


def _formset(model, form=RowForm, fields=None, widgets=None, labels=None):
    return inlineformset_factory(
        Worksheet, model, form=form, fields=fields, widgets=widgets, labels=labels, extra=1, can_delete=True
    )


ObjectiveFormSet = _formset(
    Objective,
    fields=["title", "description"],
    widgets={"description": forms.Textarea(attrs={"rows": 2})},
    labels=_capitalized(OBJECTIVE_LABELS),
)
TimeAllowanceFormSet = _formset(
    TimeAllowance, fields=["audience", "hours_per_week"], labels=_capitalized(TIME_ALLOWANCE_LABELS)
)
StakeholderFormSet = _formset(
    Stakeholder,
    fields=["name", "need", "influence", "interest", "involvement"],
    widgets={"need": forms.Textarea(attrs={"rows": 2})},
    labels=_capitalized(STAKEHOLDER_LABELS),
)
AudienceFormSet = _formset(Audience, form=AudienceForm)
ChannelFormSet = _formset(AwarenessChannel, form=ChannelForm)
MetricFormSet = _formset(SuccessMetric, form=MetricForm)


class CopyFromForm(forms.Form):
    source: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=None,
        label=_("Start from the worksheet of"),
        empty_label=_("Choose a rollout"),
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )

    def __init__(self, *args, scope, rollout, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = (
            scope.rollouts().filter(worksheet__isnull=False).exclude(pk=rollout.pk)
        )


class SendBackForm(forms.Form):
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("Comment"),
        help_text=_("What needs another look? The manager sees this on the worksheet."),
    )
