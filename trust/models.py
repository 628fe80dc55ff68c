"""Step 3, Trust: usage guidelines (versioned) and their acknowledgements, safe-practice training,
the boundaries register and the incident register."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from rollout.models import Organization, Platform, Rollout, Unit


class Guideline(models.Model):
    """Usage guidelines of an organization, optionally for one rollout or one unit's people.

    The text lives in its versions. `current` is the latest published version; `acknowledge_from`
    is the number of the latest *material* version (or 1): an acknowledgement of that version or
    a later one counts, so a minor edit keeps everyone's acknowledgement and a material one asks
    everyone in the audience again.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="guidelines")
    title = models.CharField(max_length=150)
    rollout = models.ForeignKey(
        Rollout,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="guidelines",
        help_text=_("Leave empty for guidelines that apply to every rollout."),
    )
    audience_unit = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="guidelines",
        verbose_name=_("audience"),
        help_text=_("Leave empty for everyone in the organization. A unit includes its sub-units."),
    )
    current = models.ForeignKey(
        "GuidelineVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledge_from = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "title"], name="guideline_unique_title")
        ]

    def __str__(self):
        return self.title


class GuidelineVersion(models.Model):
    """One published text of a guideline. Versions are never edited: a change is a new version."""

    guideline = models.ForeignKey(Guideline, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    body = models.TextField(help_text=_("Markdown. HTML is not allowed and is removed."))
    changes = models.CharField(
        _("what changed"), max_length=300, blank=True, help_text=_("One line for the version history.")
    )
    material = models.BooleanField(
        default=False,
        help_text=_("A material change asks everyone in the audience to acknowledge again."),
    )
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["guideline", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["guideline", "number"], name="guideline_version_unique_number")
        ]

    def __str__(self):
        return gettext("%(guideline)s v%(number)s") % {"guideline": self.guideline, "number": self.number}


class Acknowledgement(models.Model):
    """A person confirmed they read one version of a guideline."""

    version = models.ForeignKey(GuidelineVersion, on_delete=models.CASCADE, related_name="acknowledgements")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="guideline_acknowledgements"
    )
    acknowledged_at = models.DateTimeField()

    class Meta:
        ordering = ["-acknowledged_at"]
        constraints = [models.UniqueConstraint(fields=["version", "user"], name="one_acknowledgement")]

    def __str__(self):
        return f"{self.user} acknowledged {self.version}"


class Topic(models.TextChoices):
    MALWARE = "malware", _("Malware and suspicious links")
    DEFAMATION = "defamation", _("Defamation")
    COPYRIGHT = "copyright", _("Copyright and using others' material")
    PRIVACY = "privacy", _("Privacy")
    CONDUCT = "conduct", _("Appropriate conduct")
    OTHER = "other", _("Other")


class TrainingModule(models.Model):
    """A short safe-practice lesson with a multiple-choice quiz and a pass mark."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="training_modules")
    title = models.CharField(max_length=150)
    topic = models.CharField(max_length=20, choices=Topic.choices)
    lesson = models.TextField(help_text=_("Markdown. Keep it short: five minutes of reading."))
    pass_mark = models.PositiveSmallIntegerField(
        _("pass mark (%)"),
        default=80,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("The share of questions to answer correctly to pass."),
    )
    guideline_version = models.ForeignKey(
        GuidelineVersion,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="training_modules",
        help_text=_("The guideline version this module teaches, if any."),
    )
    active = models.BooleanField(
        default=True, help_text=_("Retired modules are no longer offered or counted.")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "title"], name="training_module_unique_title")
        ]

    def __str__(self):
        return self.title


class Question(models.Model):
    module = models.ForeignKey(TrainingModule, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField()
    text = models.CharField(max_length=500)

    class Meta:
        ordering = ["module", "position"]

    def __str__(self):
        return self.text


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    position = models.PositiveSmallIntegerField()
    text = models.CharField(max_length=300)
    correct = models.BooleanField(default=False)

    class Meta:
        ordering = ["question", "position"]

    def __str__(self):
        return self.text


class Completion(models.Model):
    """A person's result in a module: the best score so far and when they first passed."""

    module = models.ForeignKey(TrainingModule, on_delete=models.CASCADE, related_name="completions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="training_completions"
    )
    score = models.PositiveSmallIntegerField(help_text=_("Best score, in percent."))
    last_score = models.PositiveSmallIntegerField()
    attempts = models.PositiveIntegerField(default=1)
    passed_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField()

    class Meta:
        ordering = ["-last_attempt_at"]
        constraints = [models.UniqueConstraint(fields=["module", "user"], name="one_completion_per_module")]
        # Training completion counts passed rows per module.
        indexes = [models.Index(fields=["module", "passed_at"])]

    def __str__(self):
        return f"{self.user}: {self.module} ({self.score}%)"

    @property
    def passed(self):
        return self.passed_at is not None


class Boundary(models.Model):
    """One line of the boundaries register: where a platform may be used, by whom, on what."""

    class Permission(models.TextChoices):
        ALLOWED = "allowed", _("Allowed")
        RESTRICTED = "restricted", _("Allowed with restrictions")
        NOT_ALLOWED = "not_allowed", _("Not allowed")

    class Devices(models.TextChoices):
        ANY = "any", _("Any device")
        MANAGED = "managed", _("Organization-managed devices only")
        PERSONAL = "personal", _("Personal devices with the official app")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="boundaries")
    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="boundaries")
    permission = models.CharField(max_length=20, choices=Permission.choices, default=Permission.ALLOWED)
    unit = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="boundaries",
        verbose_name=_("for whom"),
        help_text=_("Leave empty for everyone."),
    )
    devices = models.CharField(max_length=20, choices=Devices.choices, default=Devices.ANY)
    restrictions = models.CharField(
        max_length=500, blank=True, help_text=_("E.g. “No patient information, ever.”")
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["platform__name", "unit__name", "pk"]
        verbose_name_plural = _("boundaries")

    def __str__(self):
        return f"{self.platform}: {self.get_permission_display()}"


class Incident(models.Model):
    """Something that went wrong despite the boundaries: who handles it, how it ended, what we learnt.

    Managers record incidents in the register; any employee may report one on the Speak up page
    (`source` EMPLOYEE), by name or anonymously. An anonymous report keeps nothing that points at
    its reporter: no `reported_by` (the database refuses one), its `created_at` only to the hour,
    and the managers are told at the next full hour (trust/notifications.py).
    """

    class Source(models.TextChoices):
        REGISTER = "register", _("Recorded in the register")
        EMPLOYEE = "employee", _("Reported by an employee")

    class Kind(models.TextChoices):
        SECURITY = "security", _("Security (malware, phishing, account)")
        DEFAMATION = "defamation", _("Defamation")
        COPYRIGHT = "copyright", _("Copyright")
        PRIVACY = "privacy", _("Privacy")
        CONDUCT = "conduct", _("Conduct")
        OTHER = "other", _("Other")

    class Severity(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")
        CRITICAL = "critical", _("Critical")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        INVESTIGATING = "investigating", _("Investigating")
        RESOLVED = "resolved", _("Resolved")

    OPEN_STATUSES = (Status.OPEN, Status.INVESTIGATING)

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="incidents")
    rollout = models.ForeignKey(
        Rollout, null=True, blank=True, on_delete=models.SET_NULL, related_name="incidents"
    )
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    severity = models.CharField(max_length=20, choices=Severity.choices, default=Severity.MEDIUM)
    occurred_on = models.DateField()
    what_happened = models.TextField()
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="handled_incidents",
        verbose_name=_("handled by"),
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    resolution = models.TextField(blank=True)
    lessons = models.TextField(_("lessons learnt"), blank=True)
    platform = models.ForeignKey(
        Platform, null=True, blank=True, on_delete=models.SET_NULL, related_name="incidents"
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.REGISTER)
    anonymous = models.BooleanField(default=False, help_text=_("Reported without the reporter's name."))
    # Employee reports: the admins and managers have been told by email (the producer's flag).
    told_managers = models.BooleanField(default=False)
    # Not auto_now_add: an anonymous report is stamped with the hour only (services.report_incident).
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-occurred_on", "-pk"]
        indexes = [
            # The register and the health filter one organization's incidents by status.
            models.Index(fields=["organization", "status"]),
            # The notification producer looks, on every tick, for employee reports not told yet.
            models.Index(
                fields=["created_at"],
                condition=Q(source="employee", told_managers=False),
                name="incident_report_untold",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="resolved") | ~Q(resolution=""), name="resolved_incident_has_resolution"
            ),
            # The promise made to anonymous reporters, kept by the database whatever the code does.
            models.CheckConstraint(
                condition=Q(anonymous=False) | Q(reported_by__isnull=True),
                name="anonymous_incident_has_no_reporter",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_open(self):
        return self.status in self.OPEN_STATUSES


# What an employee can report on the Speak up page: {concern: (label, explanation, Incident.Kind)}.
# Abuse and misuse both land in Conduct; the incident's title keeps the concern's label.
SPEAK_UP_CONCERNS = {
    "misuse": (
        _("Misuse of the platform"),
        _(
            "Something posted or shared that breaks the guidelines: confidential or patient information, "
            "someone else's photos or articles, claims about people that may not be true."
        ),
        Incident.Kind.CONDUCT,
    ),
    "security": (
        _("A security worry"),
        _("A suspicious link or message, a fake sign-in page, an account that seems taken over."),
        Incident.Kind.SECURITY,
    ),
    "abuse": (
        _("Abuse or harassment"),
        _("Someone is being insulted, threatened, singled out or harassed."),
        Incident.Kind.CONDUCT,
    ),
    "privacy": (
        _("A privacy problem"),
        _("Personal information about someone is visible to people who should not see it."),
        Incident.Kind.PRIVACY,
    ),
    "other": (
        _("Something else"),
        _("Anything else that worries you about how the tools are used."),
        Incident.Kind.OTHER,
    ),
}
