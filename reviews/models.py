"""Step 6, Review: review cycles of a rollout, KPI results, findings, actions and the platform landscape.

A rollout has at most one open review at a time (a partial unique constraint); completing it
creates the next one. KPI results are snapshots of the strategy's success metrics at the review,
so a later change to the strategy does not rewrite history.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from rollout.models import Platform, Rollout

STEPS = [
    ("strategize", "Strategize"),
    ("incentivize", "Incentivize"),
    ("trust", "Trust"),
    ("champion", "Champion"),
    ("engage", "Engage"),
    ("review", "Review"),
]


class KpiStatus(models.TextChoices):
    ON_TRACK = "on_track", "On track"
    AT_RISK = "at_risk", "At risk"
    OFF_TRACK = "off_track", "Off track"
    NO_DATA = "no_data", "No actual yet"


class Review(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        COMPLETED = "completed", "Completed"

    rollout = models.ForeignKey(Rollout, on_delete=models.CASCADE, related_name="reviews")
    number = models.PositiveIntegerField(help_text="1 for the rollout's first review, then 2, 3, ...")
    due_date = models.DateField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_reviews",
        help_text="Prepares and holds the review; gets the reminders.",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    decisions = models.TextField(blank=True, help_text="What was decided, in a few sentences.")
    # What employees may read of the review once it is completed ("You said, we did" on their side
    # of Rollout): nothing unless a manager chose to share it.
    share_decisions = models.BooleanField(
        "Share the decisions with employees in “You said, we did”",
        default=False,
        help_text="Employees see the summary below, or the decisions as written if it is empty.",
    )
    shared_summary = models.TextField(
        "In plain words, for employees",
        blank=True,
        help_text="Optional: the decisions in plain language, as employees will read them.",
    )
    shared_said = models.TextField(
        "What people told us",
        blank=True,
        help_text="Optional, shown to employees: what people said that led to these decisions, "
        "one point per line, in words that name nobody.",
    )
    # When employees could first read something of it (set by completing or sharing a review).
    shared_at = models.DateTimeField(null=True, blank=True)
    completed_on = models.DateField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["rollout", "number"], name="review_unique_number"),
            # Completing a review and creating the next one can never leave two open reviews.
            models.UniqueConstraint(
                fields=["rollout"], condition=Q(status="open"), name="review_one_open_per_rollout"
            ),
        ]
        # The reminder producer and the health read open reviews by due date.
        indexes = [models.Index(fields=["status", "due_date"])]

    def __str__(self):
        return f"Review {self.number} of {self.rollout}"

    @property
    def is_open(self):
        return self.status == self.Status.OPEN

    @property
    def decisions_for_employees(self):
        """What employees read of the decisions: the plain-language summary, else the decisions as
        written; "" while the decisions are not shared."""
        if not self.share_decisions:
            return ""
        return (self.shared_summary or self.decisions).strip()


class KpiResult(models.Model):
    """One success metric at one review: a snapshot of its definition, the actual and the status."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="kpis")
    # The strategy's SuccessMetric id (read through strategy.selectors; no foreign key across steps).
    metric_id = models.PositiveIntegerField()
    metric_key = models.CharField(max_length=50)
    name = models.CharField(max_length=150)
    audience = models.CharField(max_length=150, blank=True)
    baseline = models.DecimalField(max_digits=12, decimal_places=2)
    target = models.DecimalField(max_digits=12, decimal_places=2)
    target_date = models.DateField(null=True, blank=True)
    expected = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    actual = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    computed = models.BooleanField(default=False, help_text="The actual came from Rollout's own data.")
    status = models.CharField(max_length=20, choices=KpiStatus.choices, default=KpiStatus.NO_DATA)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["review", "metric_id"], name="kpi_once_per_review")]

    def __str__(self):
        return f"{self.name} at {self.review}"


class Finding(models.Model):
    """What is working and what is not, for one of the six steps, at one review."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="findings")
    step = models.CharField(max_length=20, choices=STEPS)
    working = models.TextField("what is working", blank=True)
    not_working = models.TextField("what is not", blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["review", "step"], name="finding_once_per_step")]

    def __str__(self):
        return f"{self.get_step_display()} at {self.review}"


class Action(models.Model):
    """A decision turned into work. It belongs to the rollout and comes back at every review until done."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        DROPPED = "dropped", "Dropped"

    OPEN_STATUSES = (Status.OPEN, Status.IN_PROGRESS)

    rollout = models.ForeignKey(Rollout, on_delete=models.CASCADE, related_name="review_actions")
    raised_in = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="raised_actions")
    closed_in = models.ForeignKey(
        Review, null=True, blank=True, on_delete=models.SET_NULL, related_name="closed_actions"
    )
    title = models.CharField("action", max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    shared = models.BooleanField(
        "Share with employees in “You said, we did”",
        default=False,
        help_text="Employees see the action and its state once the review that raised it is completed.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_date", "pk"]
        # Health and reminders count a rollout's open actions past their due date.
        indexes = [models.Index(fields=["rollout", "status", "due_date"])]

    def __str__(self):
        return self.title

    @property
    def is_open(self):
        return self.status in self.OPEN_STATUSES


class PlatformAssessment(models.Model):
    """One platform of the organization as seen at one review."""

    class Relevance(models.TextChoices):
        HIGH = "high", "High"
        MEDIUM = "medium", "Medium"
        LOW = "low", "Low"
        NONE = "none", "None"

    class Decision(models.TextChoices):
        KEEP = "keep", "Keep"
        GROW = "grow", "Grow"
        MERGE = "merge", "Merge"
        RETIRE = "retire", "Retire"
        EVALUATE = "evaluate", "Evaluate"

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="assessments")
    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="assessments")
    status = models.CharField(max_length=20, choices=Platform.Status.choices)
    relevance = models.CharField(
        "relevance to the audiences",
        max_length=10,
        choices=Relevance.choices,
        default=Relevance.MEDIUM,
    )
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.KEEP)
    notes = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["platform__name"]
        constraints = [
            models.UniqueConstraint(fields=["review", "platform"], name="assessment_once_per_review")
        ]

    def __str__(self):
        return f"{self.platform} at {self.review}"
