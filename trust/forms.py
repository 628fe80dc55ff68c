from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from rollout.access import EDITORS
from rollout.forms import DATE_WIDGET, ScopedForm

from .models import SPEAK_UP_CONCERNS, Boundary, Guideline, GuidelineVersion, Incident, TrainingModule
from .selectors import MEMBER_ROLLOUT_STATUSES, today_in
from .services import INCIDENT_FIELDS

BODY_HELP = _(
    "Markdown: # heading, **bold**, - list item, [link text](https://…). "
    "HTML is not allowed and is removed. Aim for something people read in five minutes."
)
QUESTIONS_HELP = _(
    "One question per paragraph: the question on its first line, then one answer per line "
    "starting with “- ”, the correct one starting with “* ”. Leave a blank line between questions."
)
QUESTIONS_EXAMPLE = _("""What should you do with a link from a sender you do not know?
- Open it to see what it is
* Report it without opening it
- Forward it to a colleague to check""")


class GuidelineForm(ScopedForm):
    """Title, rollout and audience of a guideline (its text is in its versions)."""

    unique_together_in_organization = ("title",)

    class Meta:
        model = Guideline
        fields = ["title", "rollout", "audience_unit"]
        labels = {"title": _("Title"), "rollout": _("Rollout")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.organization = self.scope.organization
        self.fields["rollout"].queryset = self.scope.rollouts()
        self.fields["rollout"].empty_label = _("Every rollout")
        self.fields["audience_unit"].queryset = self.scope.units()
        self.fields["audience_unit"].empty_label = _("Everyone in the organization")

    def scoped_queryset(self):
        return Guideline.objects.filter(organization=self.scope.organization)


class NewGuidelineForm(GuidelineForm):
    body = forms.CharField(
        label=_("Guidelines"), widget=forms.Textarea(attrs={"rows": 16}), help_text=BODY_HELP
    )

    field_order = ["title", "rollout", "audience_unit", "body"]


class VersionForm(forms.ModelForm):
    class Meta:
        model = GuidelineVersion
        fields = ["body", "changes", "material"]
        widgets = {"body": forms.Textarea(attrs={"rows": 18})}
        labels = {
            "body": _("Guidelines"),
            "material": _("This is a material change: ask everyone to acknowledge again"),
        }
        help_texts = {"body": BODY_HELP}

    def __init__(self, *args, guideline, **kwargs):
        super().__init__(*args, **kwargs)
        self.guideline = guideline
        self.fields["changes"].required = True

    def clean_body(self):
        body = self.cleaned_data["body"]
        current = self.guideline.current
        if current is not None and body.strip() == current.body.strip():
            raise forms.ValidationError(
                gettext("The text is the same as the current version; change it or cancel.")
            )
        return body


class AcknowledgeForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    confirm = forms.BooleanField(
        label=_("I have read these guidelines and will follow them"),
        error_messages={"required": _("Tick the box to confirm you have read the guidelines.")},
    )

    def __init__(self, *args, guideline, **kwargs):
        super().__init__(*args, **kwargs)
        self.guideline = guideline
        self.fields["version"].initial = guideline.current_id

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("version") is not None and cleaned["version"] != self.guideline.current_id:
            raise forms.ValidationError(
                gettext(
                    "A new version was published while you were reading. Please read it and confirm again."
                )
            )
        return cleaned


def parse_questions(text):
    """[(question, [(answer, correct), ...]), ...] from the text format, or ValidationError."""
    questions, errors = [], []
    blocks = [block for block in text.replace("\r\n", "\n").split("\n\n") if block.strip()]
    for number, block in enumerate(blocks, start=1):
        lines = [line.strip() for line in block.strip().splitlines() if line.strip()]
        question, answers = lines[0], []
        if question[:2] in ("- ", "* "):
            errors.append(
                gettext("Question %(number)s: the first line must be the question, not an answer.")
                % {"number": number}
            )
            continue
        for line in lines[1:]:
            if line[:2] not in ("- ", "* ") or not line[2:].strip():
                errors.append(
                    gettext(
                        "Question %(number)s: “%(line)s” should start with “- ” (wrong) or “* ” (correct)."
                    )
                    % {"number": number, "line": line}
                )
                continue
            answers.append((line[2:].strip()[:300], line.startswith("*")))
        if len(answers) < 2:
            errors.append(gettext("Question %(number)s needs at least two answers.") % {"number": number})
        elif sum(correct for _answer, correct in answers) != 1:
            errors.append(
                gettext("Question %(number)s needs exactly one correct answer, marked with “* ”.")
                % {"number": number}
            )
        questions.append((question[:500], answers))
    if not blocks:
        errors.append(gettext("Write at least one question."))
    if errors:
        raise forms.ValidationError(errors)
    return questions


def format_questions(module):
    return "\n\n".join(
        "\n".join([question.text] + [f"{'*' if c.correct else '-'} {c.text}" for c in question.choices.all()])
        for question in module.questions.prefetch_related("choices")
    )


class TrainingModuleForm(ScopedForm):
    unique_together_in_organization = ("title",)
    questions = forms.CharField(
        label=_("Quiz"),
        widget=forms.Textarea(attrs={"rows": 12, "placeholder": QUESTIONS_EXAMPLE}),
        help_text=QUESTIONS_HELP,
    )

    class Meta:
        model = TrainingModule
        fields = ["title", "topic", "lesson", "questions", "pass_mark", "guideline_version", "active"]
        widgets = {"lesson": forms.Textarea(attrs={"rows": 12})}
        labels = {
            "title": _("Title"),
            "topic": _("Topic"),
            "lesson": _("Lesson"),
            "guideline_version": _("Guideline version"),
            "active": _("Active"),
        }
        help_texts = {"lesson": BODY_HELP}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.organization = self.scope.organization
        self.fields["guideline_version"].queryset = GuidelineVersion.objects.filter(
            guideline__organization=self.scope.organization
        ).select_related("guideline")
        if self.instance.pk:
            self.initial.setdefault("questions", format_questions(self.instance))

    def scoped_queryset(self):
        return TrainingModule.objects.filter(organization=self.scope.organization)

    def clean_questions(self):
        return parse_questions(self.cleaned_data["questions"])

    @property
    def questions_changed(self):
        return "questions" in self.changed_data or not self.instance.questions.exists()


class QuizForm(forms.Form):
    """One radio group per question; the answers are scored by services.score()."""

    def __init__(self, *args, questions, **kwargs):
        super().__init__(*args, **kwargs)
        for number, question in enumerate(questions, start=1):
            self.fields[f"q{question.pk}"] = forms.TypedChoiceField(
                label=f"{number}. {question.text}",
                choices=[(choice.pk, choice.text) for choice in question.choices.all()],
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": gettext("Choose an answer.")},
            )

    def answers(self):
        return {int(name[1:]): value for name, value in self.cleaned_data.items()}


class BoundaryForm(forms.ModelForm):
    class Meta:
        model = Boundary
        fields = ["platform", "permission", "unit", "devices", "restrictions"]
        labels = {
            "platform": _("Platform"),
            "permission": _("Permission"),
            "devices": _("Devices"),
            "restrictions": _("Restrictions"),
        }

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope = scope
        self.instance.organization = scope.organization
        self.fields["platform"].queryset = scope.platforms()
        self.fields["platform"].help_text = _("Platforms are managed under Settings.")
        self.fields["unit"].queryset = scope.units()
        self.fields["unit"].empty_label = _("Everyone")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("permission") == Boundary.Permission.RESTRICTED and not cleaned.get("restrictions"):
            self.add_error("restrictions", gettext("Say what the restrictions are."))
        return cleaned


class IncidentForm(forms.ModelForm):
    class Meta:
        model = Incident
        fields = list(INCIDENT_FIELDS)  # what services.save_incident takes
        widgets = {
            "occurred_on": DATE_WIDGET,
            "what_happened": forms.Textarea(attrs={"rows": 4}),
            "resolution": forms.Textarea(attrs={"rows": 3}),
            "lessons": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {
            "title": _("Title"),
            "kind": _("Kind"),
            "severity": _("Severity"),
            "occurred_on": _("Occurred on"),
            "rollout": _("Rollout"),
            "platform": _("Platform"),
            "what_happened": _("What happened"),
            "status": _("Status"),
            "resolution": _("Resolution"),
        }
        help_texts = {
            "what_happened": _("Facts only: what, where, who was affected. No blame."),
            "lessons": _("What we change so it does not happen again; feeds the review's Trust findings."),
        }

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.organization = scope.organization
        self.fields["rollout"].queryset = scope.rollouts()
        self.fields["rollout"].empty_label = _("Not tied to one rollout")
        self.fields["handler"].queryset = scope.people(EDITORS).order_by("full_name", "email")
        self.fields["handler"].help_text = _("A manager or admin.")
        self.fields["platform"].queryset = scope.platforms()
        self.fields["platform"].empty_label = _("Not tied to one platform")

    def clean_occurred_on(self):
        occurred_on = self.cleaned_data["occurred_on"]
        if occurred_on > timezone.localdate():
            raise forms.ValidationError(gettext("The date is in the future; enter the day it happened."))
        return occurred_on

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status") == Incident.Status.RESOLVED and not cleaned.get("resolution", "").strip():
            self.add_error(
                "resolution", gettext("Describe how the incident was resolved before marking it resolved.")
            )
        return cleaned


class IncidentFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Any status")), ("open_any", _("Open or investigating")), *Incident.Status.choices],
        required=False,
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("Any kind")), *Incident.Kind.choices], required=False
    )
    severity = forms.ChoiceField(
        label=_("Severity"), choices=[("", _("Any severity")), *Incident.Severity.choices], required=False
    )
    source = forms.ChoiceField(
        label=_("Reported"),
        choices=[
            ("", _("Any way")),
            ("register", _("Recorded in the register")),
            ("employee", _("By an employee")),
            ("named", _("By an employee, by name")),
            ("anonymous", _("By an employee, anonymously")),
        ],
        required=False,
    )

    def filter(self, incidents):
        """`incidents` narrowed to the valid filters' choices (all of them while invalid)."""
        if not self.is_valid():
            return incidents
        data = self.cleaned_data
        if data["status"] == "open_any":
            incidents = incidents.filter(status__in=Incident.OPEN_STATUSES)
        elif data["status"]:
            incidents = incidents.filter(status=data["status"])
        if data["kind"]:
            incidents = incidents.filter(kind=data["kind"])
        if data["severity"]:
            incidents = incidents.filter(severity=data["severity"])
        if data["source"] in ("register", "employee"):
            incidents = incidents.filter(source=data["source"])
        elif data["source"] in ("named", "anonymous"):
            incidents = incidents.filter(
                source=Incident.Source.EMPLOYEE, anonymous=data["source"] == "anonymous"
            )
        return incidents


class SpeakUpForm(forms.Form):
    """An employee's report of a problem; services.report_incident takes its cleaned values."""

    concern = forms.ChoiceField(
        label=_("What do you want to report?"),
        choices=[(key, label) for key, (label, _explanation, _kind) in SPEAK_UP_CONCERNS.items()],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what kind of problem it is; “Something else” is fine.")},
    )
    what_happened = forms.CharField(
        label=_("What happened?"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=5000,
        help_text=_(
            "Where it happened, what you saw, who was affected if that matters. "
            "Facts help more than opinions; nobody will hold a rough description against you."
        ),
        error_messages={"required": _("Describe what happened, even in a few words.")},
    )
    occurred_on = forms.DateField(label=_("When did it happen?"), widget=DATE_WIDGET)
    rollout: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Which rollout (optional)"), queryset=None, required=False, empty_label=_("Not sure, or none")
    )
    platform: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Which platform (optional)"),
        queryset=None,
        required=False,
        empty_label=_("Not sure, or none"),
    )
    anonymous = forms.BooleanField(
        label=_("Report anonymously"),
        required=False,
        help_text=_(
            "Rollout will not keep your name with the report, and nobody, admins included, "
            "will be able to see who sent it. You will not be able to follow it here either."
        ),
    )

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today_in(scope.organization)
        self.fields["occurred_on"].initial = self.today
        self.fields["rollout"].queryset = (
            scope.rollouts().filter(status__in=MEMBER_ROLLOUT_STATUSES).order_by("name")
        )
        self.fields["platform"].queryset = scope.platforms().order_by("name")

    def clean_occurred_on(self):
        occurred_on = self.cleaned_data["occurred_on"]
        if occurred_on > self.today:
            raise forms.ValidationError(
                gettext("The date is in the future; enter the day it happened, or today.")
            )
        return occurred_on
