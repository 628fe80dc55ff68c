"""Step 1, Strategize: the strategy worksheet of a rollout, its rows, and its sign-off.

Every model keeps its history (django-simple-history): who changed what, and when.
"""

import re

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from rollout.i18n import Phrase, number
from rollout.metrics import CUSTOM, catalogue
from rollout.models import Rollout, Unit

LEVELS = [("low", _("Low")), ("medium", _("Medium")), ("high", _("High"))]

# The verbose names of the fields whose verbose name Django derives from the field's name ("main
# purpose"), translated: an explicit verbose_name would need a migration, so the forms (Meta.labels,
# capitalized) and the history page read them here. {field name: verbose name}, per model below.
WORKSHEET_LABELS = {
    "status": _("status"),
    "main_purpose": _("main purpose"),
    "business_owner": _("business owner"),
    "budget_holder": _("budget holder"),
    "budget_amount": _("budget amount"),
    "budget_currency": _("budget currency"),
    "process_manager": _("process manager"),
    "coverage": _("coverage"),
    "coverage_notes": _("coverage notes"),
    "moderation": _("moderation"),
    "moderation_notes": _("moderation notes"),
    "review_cadence": _("review cadence"),
    "first_review_date": _("first review date"),
    "submitted_by": _("submitted by"),
    "submitted_at": _("submitted at"),
    "approved_by": _("approved by"),
    "approved_at": _("approved at"),
    "review_comment": _("review comment"),
}
OBJECTIVE_LABELS = {"title": _("title"), "description": _("description")}
TIME_ALLOWANCE_LABELS = {"audience": _("audience"), "hours_per_week": _("hours per week")}
STAKEHOLDER_LABELS = {"influence": _("influence"), "interest": _("interest")}
AUDIENCE_LABELS = {"kind": _("kind"), "name": _("name"), "unit": _("unit"), "size": _("size")}
CHANNEL_LABELS = {
    "audience": _("audience"),
    "channel": _("channel"),
    "planned_date": _("planned date"),
    "notes": _("notes"),
}
METRIC_LABELS = {
    "custom_name": _("custom name"),
    "audience": _("audience"),
    "baseline": _("baseline"),
    "target": _("target"),
    "target_date": _("target date"),
}


class Worksheet(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted for approval")
        APPROVED = "approved", _("Approved")

    class Purpose(models.TextChoices):
        KNOWLEDGE_SHARING = "knowledge_sharing", _("Knowledge sharing")
        PROJECT_COLLABORATION = "project_collaboration", _("Project collaboration")
        NEW_AUDIENCES = "new_audiences", _("Reaching new audiences")
        CUSTOMER_FEEDBACK = "customer_feedback", _("Customer feedback")
        OTHER = "other", _("Other")

    class Coverage(models.TextChoices):
        ALWAYS = "24_7", _("24/7")
        BUSINESS_HOURS = "business_hours", _("Business hours")
        CUSTOM = "custom", _("Custom")

    class Moderation(models.TextChoices):
        PRE = "pre", _("Pre-moderation (posts are approved before they appear)")
        POST = "post", _("Post-moderation (moderators review what appears)")
        REACTIVE = "reactive", _("Reactive (members flag, moderators act)")

    class Cadence(models.TextChoices):
        MONTHLY = "monthly", _("Monthly")
        QUARTERLY = "quarterly", _("Quarterly")
        EVERY_N_WEEKS = "weeks", _("Every N weeks")

    rollout = models.OneToOneField(Rollout, on_delete=models.CASCADE, related_name="worksheet")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)

    # 1. Purpose and objectives
    main_purpose = models.CharField(
        max_length=30,
        choices=Purpose.choices,
        blank=True,
        help_text=_(
            "The one thing this rollout is mainly for. Pick the closest; explain below if it is 'Other'."
        ),
    )
    purpose_notes = models.TextField(
        _("in your own words"),
        blank=True,
        help_text=_("What will be different for the organization when this works?"),
    )

    # 4. Ownership and budget
    business_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Answers for the rollout to leadership."),
    )
    budget_holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Signs off the spending."),
    )
    budget_amount = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("Licences, training, champion time, communication — the whole first year."),
    )
    budget_currency = models.CharField(
        max_length=3, default="EUR", help_text=_("ISO code, e.g. EUR, USD, GBP.")
    )
    process_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Runs it day to day: community management, champions, reporting."),
    )

    # 5. Operating model
    coverage = models.CharField(
        max_length=20,
        choices=Coverage.choices,
        blank=True,
        help_text=_(
            "When must someone be there to answer? 24/7 means champions across shifts and time zones."
        ),
    )
    coverage_time_zones = models.CharField(
        _("time zones covered"),
        max_length=300,
        blank=True,
        help_text=_(
            "For business hours: the time zones, separated by commas (e.g. Europe/London, America/New_York)."
        ),
    )
    coverage_notes = models.CharField(
        max_length=300,
        blank=True,
        help_text=_("Hours, or how the custom coverage works (e.g. 07:00-19:00 on weekdays)."),
    )
    response_target_hours = models.PositiveSmallIntegerField(
        _("response-time target (hours)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 14)],
        help_text=_("Every question should get a first reply within this many hours."),
    )
    moderation = models.CharField(
        max_length=20,
        choices=Moderation.choices,
        blank=True,
        help_text=_(
            "Most organizations trust people and act on flags; pre-moderation slows conversation down."
        ),
    )
    moderation_notes = models.TextField(blank=True, help_text=_("Who moderates, and how quickly they act."))

    # 6. Evaluation: cadence (the metrics are SuccessMetric rows)
    review_cadence = models.CharField(
        max_length=20,
        choices=Cadence.choices,
        blank=True,
        help_text=_("How often the rollout is reviewed against this strategy."),
    )
    review_every_weeks = models.PositiveSmallIntegerField(
        _("every N weeks"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(52)],
        help_text=_("Only for 'Every N weeks'."),
    )
    first_review_date = models.DateField(
        null=True, blank=True, help_text=_("The first review; the next ones follow the cadence.")
    )

    # Sign-off
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    def __str__(self):
        return f"Strategy of {self.rollout}"

    @property
    def is_locked(self):
        return self.status != self.Status.DRAFT


class Objective(models.Model):
    worksheet = models.ForeignKey(Worksheet, on_delete=models.CASCADE, related_name="objectives")
    title = models.CharField(
        max_length=200, help_text=_("Short and checkable, e.g. 'Answers found in one day, not one week'.")
    )
    description = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return self.title


class TimeAllowance(models.Model):
    worksheet = models.ForeignKey(Worksheet, on_delete=models.CASCADE, related_name="time_allowances")
    audience = models.CharField(max_length=150, help_text=_("Who, e.g. 'Ward nurses' or 'All office staff'."))
    hours_per_week = models.DecimalField(
        max_digits=4, decimal_places=1, validators=[MinValueValidator(0), MaxValueValidator(40)]
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return gettext("%(audience)s: %(hours)s h/week") % {
            "audience": self.audience,
            "hours": number(self.hours_per_week, 1),
        }


class Stakeholder(models.Model):
    worksheet = models.ForeignKey(Worksheet, on_delete=models.CASCADE, related_name="stakeholders")
    name = models.CharField(_("stakeholder"), max_length=150, help_text=_("A person or a group."))
    need = models.TextField(
        _("what they need"), help_text=_("In their words: what would make this worth it for them?")
    )
    influence = models.CharField(max_length=10, choices=LEVELS, default="medium")
    interest = models.CharField(max_length=10, choices=LEVELS, default="medium")
    involvement = models.CharField(_("how they will be involved"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return self.name


class Audience(models.Model):
    class Kind(models.TextChoices):
        EMPLOYEES = "employees", _("Employees")
        CUSTOMERS = "customers", _("Customers")
        SUPPLIERS = "suppliers", _("Suppliers")
        PARTNERS = "partners", _("Partners")
        PUBLIC = "public", _("Public")

    worksheet = models.ForeignKey(Worksheet, on_delete=models.CASCADE, related_name="audiences")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.EMPLOYEES)
    name = models.CharField(max_length=150, help_text=_("e.g. 'Nurses at Seattle General'."))
    unit = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Employees only: their unit."),
    )
    people = models.TextField(
        _("listed people"),
        blank=True,
        help_text=_(
            "Or name the people: their emails (or UPNs), one per line. A listed audience is "
            "exactly these people; its size is their number."
        ),
    )
    size = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text=_(
            "How many people, when neither a unit's headcount nor a list says it "
            "(e.g. the whole organization)."
        ),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return self.name

    @property
    def kind_in_sentence(self):
        """The kind as it reads inside a sentence ("employees"), in the reader's language."""
        return KINDS_IN_SENTENCE.get(self.kind, self.get_kind_display())

    @property
    def listed(self):
        """The listed people's keys, lower case, each once, in the order given."""
        return list(dict.fromkeys(split_people(self.people)))


KINDS_IN_SENTENCE = {
    Audience.Kind.EMPLOYEES: _("employees"),
    Audience.Kind.CUSTOMERS: _("customers"),
    Audience.Kind.SUPPLIERS: _("suppliers"),
    Audience.Kind.PARTNERS: _("partners"),
    Audience.Kind.PUBLIC: _("public"),
}


def split_people(text):
    """Emails or UPNs from a list typed or pasted by a person: one per line, or separated by
    commas or semicolons; case and spaces do not matter."""
    return [item.strip().lower() for item in re.split(r"[\s,;]+", text) if item.strip()]


class AwarenessChannel(models.Model):
    class Channel(models.TextChoices):
        LAUNCH_EMAIL = "launch_email", _("Launch email")
        TOWN_HALL = "town_hall", _("Town hall")
        INTRANET = "intranet", _("Intranet")
        MANAGER_CASCADE = "manager_cascade", _("Manager cascade")
        TRAINING = "training", _("Training")
        OTHER = "other", _("Other")

    worksheet = models.ForeignKey(Worksheet, on_delete=models.CASCADE, related_name="channels")
    audience = models.ForeignKey(Audience, on_delete=models.CASCADE, related_name="channels")
    channel = models.CharField(max_length=20, choices=Channel.choices)
    planned_date = models.DateField(null=True, blank=True)
    notes = models.CharField(max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["planned_date", "pk"]

    def __str__(self):
        return gettext("%(channel)s for %(audience)s") % {
            "channel": self.get_channel_display(),
            "audience": self.audience,
        }


class SuccessMetric(models.Model):
    worksheet = models.ForeignKey(Worksheet, on_delete=models.CASCADE, related_name="metrics")
    metric_key = models.CharField(_("metric"), max_length=50)
    custom_name = models.CharField(
        max_length=150, blank=True, help_text=_("For a custom metric: what is counted.")
    )
    audience = models.ForeignKey(
        Audience,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="metrics",
        help_text=_("Whom it measures."),
    )
    baseline = models.DecimalField(max_digits=12, decimal_places=2, help_text=_("Where you are today."))
    target = models.DecimalField(
        max_digits=12, decimal_places=2, help_text=_("Where you want to be by the target date.")
    )
    target_date = models.DateField(null=True, blank=True)
    source = models.CharField(
        _("data source"),
        max_length=200,
        blank=True,
        help_text=_("Where the number comes from, if not from Rollout itself."),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return str(self.name)

    @property
    def name(self):
        """The metric's name: a catalogue metric's as a Phrase (English as a str, shown in the
        reader's language), a custom metric's as written."""
        metric = catalogue.get(self.metric_key)
        if metric is None:
            return self.custom_name or Phrase.gettext("Custom metric")
        with translation.override("en"):
            english = str(metric.label)
        return Phrase.gettext(english)

    @property
    def is_custom(self):
        return self.metric_key == CUSTOM
