"""Step 1, Strategize: the strategy worksheet of a rollout, its rows, and its sign-off.

Every model keeps its history (django-simple-history): who changed what, and when.
"""

import re

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from rollout.metrics import CUSTOM, catalogue
from rollout.models import Rollout, Unit

LEVELS = [("low", "Low"), ("medium", "Medium"), ("high", "High")]


class Worksheet(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted for approval"
        APPROVED = "approved", "Approved"

    class Purpose(models.TextChoices):
        KNOWLEDGE_SHARING = "knowledge_sharing", "Knowledge sharing"
        PROJECT_COLLABORATION = "project_collaboration", "Project collaboration"
        NEW_AUDIENCES = "new_audiences", "Reaching new audiences"
        CUSTOMER_FEEDBACK = "customer_feedback", "Customer feedback"
        OTHER = "other", "Other"

    class Coverage(models.TextChoices):
        ALWAYS = "24_7", "24/7"
        BUSINESS_HOURS = "business_hours", "Business hours"
        CUSTOM = "custom", "Custom"

    class Moderation(models.TextChoices):
        PRE = "pre", "Pre-moderation (posts are approved before they appear)"
        POST = "post", "Post-moderation (moderators review what appears)"
        REACTIVE = "reactive", "Reactive (members flag, moderators act)"

    class Cadence(models.TextChoices):
        MONTHLY = "monthly", "Monthly"
        QUARTERLY = "quarterly", "Quarterly"
        EVERY_N_WEEKS = "weeks", "Every N weeks"

    rollout = models.OneToOneField(Rollout, on_delete=models.CASCADE, related_name="worksheet")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)

    # 1. Purpose and objectives
    main_purpose = models.CharField(
        max_length=30,
        choices=Purpose.choices,
        blank=True,
        help_text="The one thing this rollout is mainly for. Pick the closest; explain below if it is 'Other'.",
    )
    purpose_notes = models.TextField(
        "in your own words",
        blank=True,
        help_text="What will be different for the organization when this works?",
    )

    # 4. Ownership and budget
    business_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Answers for the rollout to leadership.",
    )
    budget_holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Signs off the spending.",
    )
    budget_amount = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="Licences, training, champion time, communication — the whole first year.",
    )
    budget_currency = models.CharField(max_length=3, default="EUR", help_text="ISO code, e.g. EUR, USD, GBP.")
    process_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Runs it day to day: community management, champions, reporting.",
    )

    # 5. Operating model
    coverage = models.CharField(
        max_length=20,
        choices=Coverage.choices,
        blank=True,
        help_text="When must someone be there to answer? 24/7 means champions across shifts and time zones.",
    )
    coverage_time_zones = models.CharField(
        "time zones covered",
        max_length=300,
        blank=True,
        help_text="For business hours: the time zones, separated by commas (e.g. Europe/London, America/New_York).",
    )
    coverage_notes = models.CharField(
        max_length=300,
        blank=True,
        help_text="Hours, or how the custom coverage works (e.g. 07:00-19:00 on weekdays).",
    )
    response_target_hours = models.PositiveSmallIntegerField(
        "response-time target (hours)",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 14)],
        help_text="Every question should get a first reply within this many hours.",
    )
    moderation = models.CharField(
        max_length=20,
        choices=Moderation.choices,
        blank=True,
        help_text="Most organizations trust people and act on flags; pre-moderation slows conversation down.",
    )
    moderation_notes = models.TextField(blank=True, help_text="Who moderates, and how quickly they act.")

    # 6. Evaluation: cadence (the metrics are SuccessMetric rows)
    review_cadence = models.CharField(
        max_length=20,
        choices=Cadence.choices,
        blank=True,
        help_text="How often the rollout is reviewed against this strategy.",
    )
    review_every_weeks = models.PositiveSmallIntegerField(
        "every N weeks",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(52)],
        help_text="Only for 'Every N weeks'.",
    )
    first_review_date = models.DateField(
        null=True, blank=True, help_text="The first review; the next ones follow the cadence."
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
        max_length=200, help_text="Short and checkable, e.g. 'Answers found in one day, not one week'."
    )
    description = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return self.title


class TimeAllowance(models.Model):
    worksheet = models.ForeignKey(Worksheet, on_delete=models.CASCADE, related_name="time_allowances")
    audience = models.CharField(max_length=150, help_text="Who, e.g. 'Ward nurses' or 'All office staff'.")
    hours_per_week = models.DecimalField(
        max_digits=4, decimal_places=1, validators=[MinValueValidator(0), MaxValueValidator(40)]
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"{self.audience}: {self.hours_per_week} h/week"


class Stakeholder(models.Model):
    worksheet = models.ForeignKey(Worksheet, on_delete=models.CASCADE, related_name="stakeholders")
    name = models.CharField("stakeholder", max_length=150, help_text="A person or a group.")
    need = models.TextField(
        "what they need", help_text="In their words: what would make this worth it for them?"
    )
    influence = models.CharField(max_length=10, choices=LEVELS, default="medium")
    interest = models.CharField(max_length=10, choices=LEVELS, default="medium")
    involvement = models.CharField("how they will be involved", max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return self.name


class Audience(models.Model):
    class Kind(models.TextChoices):
        EMPLOYEES = "employees", "Employees"
        CUSTOMERS = "customers", "Customers"
        SUPPLIERS = "suppliers", "Suppliers"
        PARTNERS = "partners", "Partners"
        PUBLIC = "public", "Public"

    worksheet = models.ForeignKey(Worksheet, on_delete=models.CASCADE, related_name="audiences")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.EMPLOYEES)
    name = models.CharField(max_length=150, help_text="e.g. 'Nurses at Seattle General'.")
    unit = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Employees only: their unit.",
    )
    people = models.TextField(
        "listed people",
        blank=True,
        help_text="Or name the people: their emails (or UPNs), one per line. A listed audience is "
        "exactly these people; its size is their number.",
    )
    size = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="How many people, when neither a unit's headcount nor a list says it "
        "(e.g. the whole organization).",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return self.name

    @property
    def listed(self):
        """The listed people's keys, lower case, each once, in the order given."""
        return list(dict.fromkeys(split_people(self.people)))


def split_people(text):
    """Emails or UPNs from a list typed or pasted by a person: one per line, or separated by
    commas or semicolons; case and spaces do not matter."""
    return [item.strip().lower() for item in re.split(r"[\s,;]+", text) if item.strip()]


class AwarenessChannel(models.Model):
    class Channel(models.TextChoices):
        LAUNCH_EMAIL = "launch_email", "Launch email"
        TOWN_HALL = "town_hall", "Town hall"
        INTRANET = "intranet", "Intranet"
        MANAGER_CASCADE = "manager_cascade", "Manager cascade"
        TRAINING = "training", "Training"
        OTHER = "other", "Other"

    worksheet = models.ForeignKey(Worksheet, on_delete=models.CASCADE, related_name="channels")
    audience = models.ForeignKey(Audience, on_delete=models.CASCADE, related_name="channels")
    channel = models.CharField(max_length=20, choices=Channel.choices)
    planned_date = models.DateField(null=True, blank=True)
    notes = models.CharField(max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["planned_date", "pk"]

    def __str__(self):
        return f"{self.get_channel_display()} for {self.audience}"


class SuccessMetric(models.Model):
    worksheet = models.ForeignKey(Worksheet, on_delete=models.CASCADE, related_name="metrics")
    metric_key = models.CharField("metric", max_length=50)
    custom_name = models.CharField(
        max_length=150, blank=True, help_text="For a custom metric: what is counted."
    )
    audience = models.ForeignKey(
        Audience,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="metrics",
        help_text="Whom it measures.",
    )
    baseline = models.DecimalField(max_digits=12, decimal_places=2, help_text="Where you are today.")
    target = models.DecimalField(
        max_digits=12, decimal_places=2, help_text="Where you want to be by the target date."
    )
    target_date = models.DateField(null=True, blank=True)
    source = models.CharField(
        "data source",
        max_length=200,
        blank=True,
        help_text="Where the number comes from, if not from Rollout itself.",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return self.name

    @property
    def name(self):
        metric = catalogue.get(self.metric_key)
        return metric.label if metric else (self.custom_name or "Custom metric")

    @property
    def is_custom(self):
        return self.metric_key == CUSTOM
