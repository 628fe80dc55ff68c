"""Step 6, Review: review cycles of a rollout, KPI results, findings, actions and the platform landscape.

A rollout has at most one open review at a time (a partial unique constraint); completing it
creates the next one. KPI results are snapshots of the strategy's success metrics at the review,
so a later change to the strategy does not rewrite history.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from rollout.metrics import CUSTOM
from rollout.models import Platform, Rollout

STEPS = [
    ("strategize", pgettext_lazy("step", "Strategize")),
    ("incentivize", pgettext_lazy("step", "Incentivize")),
    ("trust", pgettext_lazy("step", "Trust")),
    ("champion", pgettext_lazy("step", "Champion")),
    ("engage", pgettext_lazy("step", "Engage")),
    ("review", pgettext_lazy("step", "Review")),
]


class KpiStatus(models.TextChoices):
    ON_TRACK = "on_track", _("On track")
    AT_RISK = "at_risk", _("At risk")
    OFF_TRACK = "off_track", _("Off track")
    NO_DATA = "no_data", _("No actual yet")


class Review(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        COMPLETED = "completed", _("Completed")

    rollout = models.ForeignKey(Rollout, on_delete=models.CASCADE, related_name="reviews")
    number = models.PositiveIntegerField(help_text=_("1 for the rollout's first review, then 2, 3, ..."))
    due_date = models.DateField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_reviews",
        help_text=_("Prepares and holds the review; gets the reminders."),
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    decisions = models.TextField(blank=True, help_text=_("What was decided, in a few sentences."))
    # What employees may read of the review once it is completed ("You said, we did" on their side
    # of Rollout): nothing unless a manager chose to share it.
    share_decisions = models.BooleanField(
        _("Share the decisions with employees in “You said, we did”"),
        default=False,
        help_text=_("Employees see the summary below, or the decisions as written if it is empty."),
    )
    shared_summary = models.TextField(
        _("In plain words, for employees"),
        blank=True,
        help_text=_("Optional: the decisions in plain language, as employees will read them."),
    )
    shared_said = models.TextField(
        _("What people told us"),
        blank=True,
        help_text=_(
            "Optional, shown to employees: what people said that led to these decisions, "
            "one point per line, in words that name nobody."
        ),
    )
    # When employees could first read something of it (set by completing or sharing a review).
    shared_at = models.DateTimeField(null=True, blank=True)
    completed_on = models.DateField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # The labels of the fields whose verbose name Django derives from the field's name (an explicit
    # verbose_name would need a migration): the forms read them (Meta.labels).
    LABELS = {"due_date": _("Due date"), "owner": _("Owner"), "decisions": _("Decisions")}

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
    computed = models.BooleanField(default=False, help_text=_("The actual came from Rollout's own data."))
    status = models.CharField(max_length=20, choices=KpiStatus.choices, default=KpiStatus.NO_DATA)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["review", "metric_id"], name="kpi_once_per_review")]

    def __str__(self):
        return f"{self.name} at {self.review}"

    @property
    def display_name(self):
        """The name in the reader's language: a catalogue metric's name is stored in English, its
        message id; a custom metric's as written."""
        if self.metric_key == CUSTOM or not self.name:
            return self.name
        return gettext(self.name)


class Finding(models.Model):
    """What is working and what is not, for one of the six steps, at one review."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="findings")
    step = models.CharField(max_length=20, choices=STEPS)
    working = models.TextField(_("what is working"), blank=True)
    not_working = models.TextField(_("what is not"), blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["review", "step"], name="finding_once_per_step")]

    def __str__(self):
        return f"{self.get_step_display()} at {self.review}"


class Action(models.Model):
    """A decision turned into work. It belongs to the rollout and comes back at every review until done."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        DROPPED = "dropped", _("Dropped")

    OPEN_STATUSES = (Status.OPEN, Status.IN_PROGRESS)
    LABELS = {"owner": _("Owner"), "due_date": _("Due date"), "status": _("Status")}
    # The status as it reads inside a sentence ("Send the survey (in progress)").
    STATUS_IN_SENTENCE = {
        Status.OPEN: pgettext_lazy("action status in a sentence", "open"),
        Status.IN_PROGRESS: pgettext_lazy("action status in a sentence", "in progress"),
        Status.DONE: pgettext_lazy("action status in a sentence", "done"),
        Status.DROPPED: pgettext_lazy("action status in a sentence", "dropped"),
    }

    rollout = models.ForeignKey(Rollout, on_delete=models.CASCADE, related_name="review_actions")
    raised_in = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="raised_actions")
    closed_in = models.ForeignKey(
        Review, null=True, blank=True, on_delete=models.SET_NULL, related_name="closed_actions"
    )
    title = models.CharField(_("action"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    shared = models.BooleanField(
        _("Share with employees in “You said, we did”"),
        default=False,
        help_text=_("Employees see the action and its state once the review that raised it is completed."),
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

    @property
    def status_in_sentence(self):
        return self.STATUS_IN_SENTENCE.get(self.status, self.get_status_display())


class PlatformAssessment(models.Model):
    """One platform of the organization as seen at one review."""

    class Relevance(models.TextChoices):
        HIGH = "high", _("High")
        MEDIUM = "medium", _("Medium")
        LOW = "low", _("Low")
        NONE = "none", _("None")

    class Decision(models.TextChoices):
        KEEP = "keep", _("Keep")
        GROW = "grow", _("Grow")
        MERGE = "merge", _("Merge")
        RETIRE = "retire", _("Retire")
        EVALUATE = "evaluate", _("Evaluate")

    LABELS = {"status": _("Status"), "decision": _("Decision"), "notes": _("Notes")}
    # A platform's status and the decision as they read inside a sentence ("in use, keep").
    STATUS_IN_SENTENCE = {
        Platform.Status.EMERGING: pgettext_lazy("platform status in a sentence", "emerging"),
        Platform.Status.IN_USE: pgettext_lazy("platform status in a sentence", "in use"),
        Platform.Status.DECLINING: pgettext_lazy("platform status in a sentence", "declining"),
        Platform.Status.RETIRED: pgettext_lazy("platform status in a sentence", "retired"),
    }
    DECISION_IN_SENTENCE = {
        Decision.KEEP: pgettext_lazy("platform decision in a sentence", "keep"),
        Decision.GROW: pgettext_lazy("platform decision in a sentence", "grow"),
        Decision.MERGE: pgettext_lazy("platform decision in a sentence", "merge"),
        Decision.RETIRE: pgettext_lazy("platform decision in a sentence", "retire"),
        Decision.EVALUATE: pgettext_lazy("platform decision in a sentence", "evaluate"),
    }

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="assessments")
    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="assessments")
    status = models.CharField(max_length=20, choices=Platform.Status.choices)
    relevance = models.CharField(
        _("relevance to the audiences"),
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

    @property
    def status_in_sentence(self):
        return self.STATUS_IN_SENTENCE.get(self.status, self.get_status_display())

    @property
    def decision_in_sentence(self):
        return self.DECISION_IN_SENTENCE.get(self.decision, self.get_decision_display())
