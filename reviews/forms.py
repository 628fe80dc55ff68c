"""The review form: one page, several parts, validated together and saved in one transaction.

`ReviewSheet` binds the parts of one review (its header, the KPI table, the findings per step,
the actions, the platform landscape and new platforms) and, when the manager completes the
review, the scheduling of the next one.
"""

from django import forms
from django.db.models import Q
from django.forms import BaseFormSet, BaseModelFormSet, formset_factory, modelformset_factory
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from rollout.access import EDITORS
from rollout.forms import DATE_WIDGET
from rollout.models import Platform

from .models import Action, Finding, PlatformAssessment, Review

BLANK = [("", "---------")]


def people_choices(scope):
    """The organization's people as select choices, fetched once for every row of a formset."""
    return BLANK + [(user.pk, str(user)) for user in scope.people().order_by("full_name", "email")]


class ReviewForm(forms.ModelForm):
    class Meta:
        model = Review
        fields = ["due_date", "owner", "decisions", "share_decisions", "shared_summary", "shared_said"]
        labels = Review.LABELS
        widgets = {
            "due_date": DATE_WIDGET,
            "decisions": forms.Textarea(attrs={"rows": 4}),
            "shared_summary": forms.Textarea(attrs={"rows": 2}),
            "shared_said": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = scope.people(EDITORS).order_by("full_name", "email")
        self.fields["owner"].help_text = gettext("A manager or admin; gets the reminders.")


class ScheduleForm(forms.Form):
    """The first review of a rollout (later ones are scheduled by completing a review)."""

    due_date = forms.DateField(widget=DATE_WIDGET, label=_("First review on"))
    owner: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=None, required=False, label=_("Owner"), help_text=_("Gets the reminders.")
    )

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = scope.people(EDITORS).order_by("full_name", "email")


class ShareForm(forms.ModelForm):
    """What employees may read of a completed review: its decisions and the actions raised in it."""

    actions: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Actions to share with employees in “You said, we did”"),
        help_text=_("Employees see each chosen action with its state (done, in progress, its due date)."),
    )

    class Meta:
        model = Review
        fields = ["share_decisions", "shared_summary", "shared_said"]
        widgets = {
            "shared_summary": forms.Textarea(attrs={"rows": 3}),
            "shared_said": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        raised = self.instance.raised_actions.order_by("due_date", "pk")
        self.fields["actions"].queryset = raised
        self.fields["actions"].label_from_instance = lambda action: (
            gettext("%(action)s (%(status)s)")
            % {
                "action": action.title,
                "status": action.status_in_sentence,
            }
        )
        if not self.is_bound:
            self.initial["actions"] = [action.pk for action in raised if action.shared]


class CompleteForm(forms.Form):
    next_due_date = forms.DateField(
        widget=DATE_WIDGET,
        label=_("Next review on"),
        help_text=_("Proposed from the strategy's review cadence."),
    )
    next_owner: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=None, required=False, label=_("Next review's owner"), help_text=_("Gets the reminders.")
    )

    def __init__(self, *args, scope, today, **kwargs):
        self.today = today
        super().__init__(*args, prefix="next", **kwargs)
        self.fields["next_owner"].queryset = scope.people(EDITORS).order_by("full_name", "email")

    def clean_next_due_date(self):
        due = self.cleaned_data["next_due_date"]
        if due <= self.today:
            raise forms.ValidationError(
                _("The next review must come after today (%(today)s)."),
                params={"today": date_format(self.today, "j M Y")},
            )
        return due


class KpiForm(forms.Form):
    metric = forms.IntegerField(widget=forms.HiddenInput)
    actual = forms.DecimalField(max_digits=12, decimal_places=2, required=False, label=_("Actual"))
    note = forms.CharField(max_length=300, required=False, label=_("Note"))

    def __init__(self, *args, row, **kwargs):
        self.row = row
        super().__init__(*args, **kwargs)
        if row.computed:
            # Computed from Rollout's own data: shown, never typed over.
            self.fields["actual"].disabled = True
            self.fields["actual"].help_text = gettext("Computed by Rollout.")

    def clean_metric(self):
        if self.cleaned_data["metric"] != self.row.metric_id:
            raise forms.ValidationError(
                _("The strategy's success metrics changed while you were editing: reload the page.")
            )
        return self.cleaned_data["metric"]


class BaseKpiFormSet(BaseFormSet):
    """One form per row of the KPI table, in the strategy's order."""

    def __init__(self, *args, rows, **kwargs):
        self.rows = rows
        initial = [{"metric": row.metric_id, "actual": row.actual, "note": row.note} for row in rows]
        super().__init__(*args, initial=initial, **kwargs)

    def total_form_count(self):
        return len(self.rows)

    def get_form_kwargs(self, index):
        return {"row": self.rows[index]}

    def clean(self):
        submitted = self.management_form.cleaned_data.get("TOTAL_FORMS") if self.is_bound else None
        if self.is_bound and submitted != len(self.rows):
            raise forms.ValidationError(
                _("The strategy's success metrics changed while you were editing: reload the page.")
            )


KpiFormSet = formset_factory(KpiForm, formset=BaseKpiFormSet, extra=0)


class FindingForm(forms.ModelForm):
    class Meta:
        model = Finding
        fields = ["working", "not_working"]
        widgets = {
            "working": forms.Textarea(attrs={"rows": 2}),
            "not_working": forms.Textarea(attrs={"rows": 2}),
        }


FindingFormSet = modelformset_factory(Finding, form=FindingForm, extra=0, can_delete=False)


class ActionForm(forms.ModelForm):
    class Meta:
        model = Action
        fields = ["title", "owner", "due_date", "status", "shared"]
        labels = Action.LABELS
        widgets = {"due_date": DATE_WIDGET}
        help_texts = {"shared": ""}  # the review form says once when employees see it

    def __init__(self, *args, review, scope, choices, **kwargs):
        self.review = review
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = scope.people()
        self.fields["owner"].widget.choices = choices

    @property
    def carried_over(self):
        return self.instance.pk is not None and self.instance.raised_in_id != self.review.pk


class BaseActionFormSet(BaseModelFormSet):
    def clean(self):
        super().clean()
        # A formset ignores the errors of forms marked for deletion, so this is the formset's error.
        kept = [
            form.instance.title for form in self.forms if self._should_delete_form(form) and form.carried_over
        ]
        if kept:
            raise forms.ValidationError(
                _(
                    "“%(actions)s” came from an earlier review: set the status to Dropped instead of removing it."
                ),
                params={"actions": "”, “".join(kept)},
            )


ActionFormSet = modelformset_factory(
    Action, form=ActionForm, formset=BaseActionFormSet, extra=1, can_delete=True
)


class AssessmentForm(forms.ModelForm):
    class Meta:
        model = PlatformAssessment
        fields = ["status", "relevance", "decision", "notes"]
        labels = PlatformAssessment.LABELS


AssessmentFormSet = modelformset_factory(PlatformAssessment, form=AssessmentForm, extra=0, can_delete=False)


class NewPlatformForm(forms.Form):
    """A platform that has appeared since the last review: added to the organization and assessed."""

    name = forms.CharField(max_length=100, label=_("Name"))
    kind = forms.ChoiceField(choices=Platform.Kind.choices, initial=Platform.Kind.OTHER, label=_("Kind"))
    url = forms.URLField(required=False, assume_scheme="https", label=_("Address"))
    status = forms.ChoiceField(
        choices=Platform.Status.choices, initial=Platform.Status.EMERGING, label=_("Status")
    )
    relevance = forms.ChoiceField(
        choices=PlatformAssessment.Relevance.choices,
        initial=PlatformAssessment.Relevance.MEDIUM,
        label=_("Relevance"),
    )
    decision = forms.ChoiceField(
        choices=PlatformAssessment.Decision.choices,
        initial=PlatformAssessment.Decision.EVALUATE,
        label=_("Decision"),
    )
    notes = forms.CharField(max_length=300, required=False, label=_("Notes"))

    def __init__(self, *args, review, scope, **kwargs):
        self.review, self.scope = review, scope
        super().__init__(*args, **kwargs)

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        existing = self.scope.platforms().filter(name__iexact=name).first()
        if existing is not None and existing.assessments.filter(review=self.review).exists():
            raise forms.ValidationError(
                _("“%(name)s” is already in this review's landscape."), params={"name": existing.name}
            )
        self.existing = existing
        return name


class BaseNewPlatformFormSet(BaseFormSet):
    def clean(self):
        names = [
            form.cleaned_data["name"].lower()
            for form in self.forms
            if form.has_changed() and form.cleaned_data.get("name")
        ]
        if len(names) != len(set(names)):
            raise forms.ValidationError(_("The same new platform is named twice."))


NewPlatformFormSet = formset_factory(NewPlatformForm, formset=BaseNewPlatformFormSet, extra=1)


def review_actions(review):
    """The actions a review shows: every open action of the rollout (carried over until done),
    and those raised or closed in this review."""
    return (
        Action.objects.filter(rollout_id=review.rollout_id)
        .filter(Q(status__in=Action.OPEN_STATUSES) | Q(raised_in=review) | Q(closed_in=review))
        .select_related("raised_in", "owner")
        .order_by("raised_in__number", "due_date", "pk")
    )


class ReviewSheet:
    """Every part of the review form, bound together."""

    def __init__(self, review, rollout, scope, kpi_rows, today, data=None, completion_initial=None):
        self.review, self.rollout, self.kpi_rows = review, rollout, kpi_rows
        self.form = ReviewForm(data, instance=review, scope=scope)
        self.kpis = KpiFormSet(data, prefix="kpis", rows=kpi_rows)
        for form in self.kpis.forms:
            form.row.form = form  # the KPI table renders each row beside its form
        self.findings = FindingFormSet(data, prefix="findings", queryset=review.findings.all())
        self.actions = ActionFormSet(
            data,
            prefix="actions",
            queryset=review_actions(review),
            form_kwargs={"review": review, "scope": scope, "choices": people_choices(scope)},
        )
        self.landscape = AssessmentFormSet(
            data, prefix="landscape", queryset=review.assessments.select_related("platform")
        )
        self.new_platforms = NewPlatformFormSet(
            data, prefix="platforms", form_kwargs={"review": review, "scope": scope}
        )
        self.complete = CompleteForm(
            data if data and "complete" in data else None,
            scope=scope,
            today=today,
            initial=completion_initial,
        )

    def show_previous(self, findings, assessments):
        """Put the previous review's finding and assessment beside each row, for comparison."""
        for form in self.findings.forms:
            form.before = findings.get(form.instance.step)
        for form in self.landscape.forms:
            form.before = assessments.get(form.instance.platform_id)

    @property
    def parts(self):
        return [self.form, self.kpis, self.findings, self.actions, self.landscape, self.new_platforms]

    def is_valid(self, completing=False):
        results = [part.is_valid() for part in self.parts]  # validate every part, to show every error
        valid = all(results)
        if completing:
            valid = self.complete.is_valid() and valid
            valid = self._ready_to_complete() and valid
        return valid

    def _ready_to_complete(self):
        """A hand-entered KPI needs its actual, or a note saying why there is none."""
        ready = True
        for form in self.kpis.forms:
            missing = form.is_valid() and form.cleaned_data.get("actual") is None
            if not form.row.computed and missing and not form.cleaned_data.get("note"):
                form.add_error("actual", gettext("Enter the actual, or say in the note why there is none."))
                ready = False
        return ready
