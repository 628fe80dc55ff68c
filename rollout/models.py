"""The centre of Rollout: people, organizations and their units, platforms and rollouts."""

import uuid
import zoneinfo
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .secrets import EncryptedTextField
from .steps import RetentionPolicy

TIMEZONE_CHOICES = [(name, name) for name in sorted(zoneinfo.available_timezones())]


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("Users need an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Signs in with their email address; roles live on Membership, per organization."""

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text=_("Can sign in to the Django admin."))
    date_joined = models.DateTimeField(default=timezone.now)
    # Empty: the organization's default language and time zone.
    language = models.CharField(max_length=10, choices=settings.LANGUAGES, blank=True)
    time_zone = models.CharField(max_length=64, choices=TIMEZONE_CHOICES, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        ordering = ["full_name", "email"]

    def __str__(self):
        return self.full_name or self.email

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def get_full_name(self):
        return self.full_name or self.email

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email


class Organization(models.Model):
    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    name = models.CharField(max_length=150)
    slug = models.SlugField(unique=True)
    timezone = models.CharField(max_length=64, choices=TIMEZONE_CHOICES, default="UTC")
    language = models.CharField(
        _("default language"),
        max_length=10,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("For people who have not chosen one. Empty: each person's browser decides."),
    )
    digest_weekday = models.PositiveSmallIntegerField(
        choices=Weekday.choices,
        default=Weekday.MONDAY,
        help_text=_("Day the weekly engagement digest goes out, in the organization's time zone."),
    )
    digest_hour = models.PositiveSmallIntegerField(
        default=8,
        validators=[MaxValueValidator(23)],
        help_text=_("Hour (0-23) the weekly digest goes out, in the organization's time zone."),
    )
    response_target_hours = models.PositiveSmallIntegerField(
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 14)],
        help_text=_(
            "A question should get its first reply within this many hours: the default for "
            "rollouts whose strategy sets no response-time target."
        ),
    )
    privacy_min_group = models.PositiveSmallIntegerField(
        _("minimum group size"),
        default=5,
        validators=[MinValueValidator(2), MaxValueValidator(100)],
        help_text=_(
            "No figures are broken down for a group smaller than this; smaller groups merge into 'other'."
        ),
    )
    champion_target_ratio = models.PositiveIntegerField(
        _("target people per champion"),
        default=50,
        validators=[MinValueValidator(1), MaxValueValidator(10000)],
        help_text=_("Champion coverage target: one active champion per this many people in a unit."),
    )
    # Retention (docs/operations.md, "Privacy"): how long each kind of record is kept, in days;
    # empty keeps it. The nightly retention task removes what is older.
    keep_activity_days = models.PositiveIntegerField(
        _("keep activity records for (days)"),
        null=True,
        blank=True,
        default=730,
        validators=[MinValueValidator(30)],
        help_text=_("Per-person rows of imported usage reports. The figures computed from them stay."),
    )
    keep_conversation_text_days = models.PositiveIntegerField(
        _("keep conversation text for (days)"),
        null=True,
        blank=True,
        default=365,
        validators=[MinValueValidator(30)],
        help_text=_("The text of imported messages and questions. Response times and counts stay."),
    )
    keep_email_days = models.PositiveIntegerField(
        _("keep sent emails for (days)"),
        null=True,
        blank=True,
        default=90,
        validators=[MinValueValidator(7)],
        help_text=_("The outbox's copies of sent emails and their details."),
    )
    keep_audit_days = models.PositiveIntegerField(
        _("keep the audit trail for (days)"),
        null=True,
        blank=True,
        default=730,
        validators=[MinValueValidator(90)],
        help_text=_("Sign-ins, changes, exports and erasures."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def digest_weekdays_display(self):
        """The digest's weekday as a habit, "Mondays" (the person's email settings)."""
        return WEEKDAYS_AS_HABIT.get(self.digest_weekday, self.get_digest_weekday_display())

    @property
    def retention(self) -> RetentionPolicy:
        return RetentionPolicy(
            activity_days=self.keep_activity_days,
            conversation_text_days=self.keep_conversation_text_days,
            email_body_days=self.keep_email_days,
            audit_days=self.keep_audit_days,
        )


# "Mondays at 8:00": a weekday as what happens every week on it.
WEEKDAYS_AS_HABIT = {
    Organization.Weekday.MONDAY: _("Mondays"),
    Organization.Weekday.TUESDAY: _("Tuesdays"),
    Organization.Weekday.WEDNESDAY: _("Wednesdays"),
    Organization.Weekday.THURSDAY: _("Thursdays"),
    Organization.Weekday.FRIDAY: _("Fridays"),
    Organization.Weekday.SATURDAY: _("Saturdays"),
    Organization.Weekday.SUNDAY: _("Sundays"),
}


class Unit(models.Model):
    """A department, location or team: the grain of coverage and segmentation."""

    class Kind(models.TextChoices):
        DEPARTMENT = "department", _("Department")
        LOCATION = "location", _("Location")
        TEAM = "team", _("Team")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="units")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.DEPARTMENT)
    name = models.CharField(max_length=150)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class HeadcountSource(models.TextChoices):
        MANUAL = "manual", _("Entered by hand")
        DIRECTORY = "directory", _("Counted from the directory")

    headcount = models.PositiveIntegerField(
        default=0, help_text=_("People in this unit, for coverage and participation rates.")
    )
    # Where `headcount` comes from. A unit kept by the directory (SCIM, an HR import) has its
    # headcount counted from its active members on each sync; an admin who types a headcount for it
    # overrides that, and the unit is marked as entered by hand until they give it back.
    headcount_source = models.CharField(
        max_length=20, choices=HeadcountSource.choices, default=HeadcountSource.MANUAL
    )
    # The directory's id of the unit (a SCIM group's externalId, an HR file's department): blank for
    # units made in Rollout.
    external_id = models.CharField(max_length=200, blank=True)
    synced_at = models.DateTimeField(null=True, blank=True, help_text=_("Last changed by the directory."))

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "kind", "name"], name="unit_unique_name_per_kind")
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.parent_id is None:
            return
        if self.parent.organization_id != self.organization_id:
            raise ValidationError({"parent": _("The parent unit must belong to the same organization.")})
        ancestor, seen = self.parent, set()
        while ancestor is not None and ancestor.pk not in seen:
            if self.pk and ancestor.pk == self.pk:
                raise ValidationError({"parent": _("A unit cannot sit inside itself.")})
            seen.add(ancestor.pk)
            ancestor = ancestor.parent


class Role(models.TextChoices):
    ADMIN = "admin", _("Admin")
    MANAGER = "manager", _("Manager")
    CHAMPION = "champion", _("Champion")
    LEADER = "leader", _("Leader")
    MEMBER = "member", _("Member")


# A role inside a sentence ("You are invited as admin"): lower case in English and French, a noun
# in German.
ROLES_IN_SENTENCE = {
    Role.ADMIN: pgettext_lazy("a role inside a sentence", "admin"),
    Role.MANAGER: pgettext_lazy("a role inside a sentence", "manager"),
    Role.CHAMPION: pgettext_lazy("a role inside a sentence", "champion"),
    Role.LEADER: pgettext_lazy("a role inside a sentence", "leader"),
    Role.MEMBER: pgettext_lazy("a role inside a sentence", "member"),
}


def role_in_sentence(role) -> str:
    """The role as a sentence names it: "admin" in English, "Administrator" in German."""
    found = ROLES_IN_SENTENCE.get(role)
    return str(found) if found is not None else str(role)


class Shift(models.TextChoices):
    DAY = "day", _("Day (07-15)")
    EVENING = "evening", _("Evening (15-23)")
    NIGHT = "night", _("Night (23-07)")
    FLEXIBLE = "flexible", _("Flexible / on call")


class ActiveMembershipManager(models.Manager):
    """Memberships that give access: a deactivated one (the directory said the person left) is kept
    for its history but is, for every page, query and count through this manager, not there.
    `Membership.all_objects` sees both, for the directory's own code."""

    def get_queryset(self):
        return super().get_queryset().filter(is_active=True)


class Membership(models.Model):
    class Source(models.TextChoices):
        INVITATION = "invitation", _("Invited in Rollout")
        SCIM = "scim", _("Directory (SCIM)")
        HR_IMPORT = "hr_import", _("HR file import")
        GRAPH = "graph", _("Directory (Microsoft Graph)")
        SSO = "sso", _("First single sign-on")
        SEED = "seed", _("Demo data")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.MEMBER)
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="memberships"
    )
    weekly_digest = models.BooleanField(
        default=True, help_text=_("Receive the weekly engagement digest of this organization's rollouts.")
    )
    announcements = models.BooleanField(
        default=True,
        help_text=_("Receive the organization's news for employees: new champions, “You said, we did”."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # What the organization's directory says of the person (SCIM, an HR import), beside `unit`.
    location = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="located_memberships",
        limit_choices_to={"kind": Unit.Kind.LOCATION},
    )
    shift = models.CharField(max_length=20, choices=Shift.choices, blank=True)
    manager = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    external_id = models.CharField(
        max_length=200,
        blank=True,
        help_text=_("The directory's id of the person (SCIM externalId, HR employee id)."),
    )
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.INVITATION)
    synced_at = models.DateTimeField(null=True, blank=True, help_text=_("Last changed by the directory."))
    # A deactivated membership gives no access and is left out of every count (see the managers);
    # the person's records (sessions logged, points, acknowledgements) stay.
    is_active = models.BooleanField(default=True)
    deactivated_at = models.DateTimeField(null=True, blank=True)

    objects = ActiveMembershipManager()
    all_objects = models.Manager()  # noqa: DJ012  (a manager, not a field)

    class Meta:
        ordering = ["organization__name", "user__full_name"]
        # The active manager is the default, so related managers (user.memberships) see active
        # memberships only; the base manager (a foreign key's target) sees all of them.
        base_manager_name = "all_objects"
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="one_membership_per_org"),
            models.UniqueConstraint(
                fields=["organization", "external_id"],
                condition=~Q(external_id=""),
                name="membership_unique_external_id",
            ),
        ]

    def __str__(self):
        return f"{self.user} - {self.get_role_display()} at {self.organization}"

    @property
    def role_in_sentence(self):
        return role_in_sentence(self.role)

    def clean(self):
        if self.unit_id and self.unit.organization_id != self.organization_id:
            raise ValidationError({"unit": _("The unit must belong to the same organization.")})


class Platform(models.Model):
    """A social technology the organization uses or considers; shared by rollouts and reviews."""

    class Kind(models.TextChoices):
        ENTERPRISE_SOCIAL = "enterprise_social", _("Enterprise social network")
        CHAT = "chat", _("Chat and collaboration (Teams, Slack)")
        SOCIAL_MEDIA = "social_media", _("Public social media")
        CROWDSOURCING = "crowdsourcing", _("Crowdsourcing / ideas")
        KNOWLEDGE = "knowledge", _("Knowledge sharing / wiki")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        EMERGING = "emerging", _("Emerging")
        IN_USE = "in_use", _("In use")
        DECLINING = "declining", _("Declining")
        RETIRED = "retired", _("Retired")

    class Product(models.TextChoices):
        """Which product the platform is, whatever the organization calls it: an activity export
        fits a rollout only if it comes from its platform's product (or one it also accepts)."""

        VIVA_ENGAGE = "viva_engage", _("Viva Engage (Yammer)")
        TEAMS = "teams", _("Microsoft Teams")
        SLACK = "slack", _("Slack")
        WORKPLACE = "workplace", _("Workplace from Meta")
        OTHER = "other", _("Other / not listed")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="platforms")
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=30, choices=Kind.choices, default=Kind.ENTERPRISE_SOCIAL)
    product = models.CharField(
        max_length=20,
        choices=Product.choices,
        default=Product.OTHER,
        help_text=_(
            "Which product this is. A rollout on it accepts only this product's activity exports "
            "(and Rollout's CSV template)."
        ),
    )
    url = models.URLField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.IN_USE)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="platform_unique_name")]

    def __str__(self):
        return self.name


class Rollout(models.Model):
    """The introduction of one platform to an organization, planned and tracked in six steps."""

    class Status(models.TextChoices):
        PLANNING = "planning", _("Planning")
        PILOT = "pilot", _("Pilot")
        LIVE = "live", _("Live")
        PAUSED = "paused", _("Paused")
        CLOSED = "closed", _("Closed")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="rollouts")
    name = models.CharField(max_length=150)
    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="rollouts")
    also_accepts = models.ManyToManyField(
        Platform,
        blank=True,
        related_name="also_in_rollouts",
        verbose_name=_("Also accept activity exports from these platforms"),
        help_text=_(
            "Only if this rollout spans several platforms: their people and posts are added "
            "together in its figures."
        ),
    )
    purpose = models.TextField(
        blank=True, help_text=_("In a sentence or two: what the organization wants from it.")
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PLANNING)
    owner = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_rollouts"
    )
    start_date = models.DateField(null=True, blank=True)
    target_date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="rollout_unique_name"),
            models.CheckConstraint(
                condition=Q(target_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(target_date__gte=F("start_date")),
                name="rollout_target_after_start",
            ),
        ]
        # The rollout list filters by organization and status and sorts by name.
        indexes = [models.Index(fields=["organization", "status", "name"])]

    def __str__(self):
        return self.name

    def clean(self):
        if self.start_date and self.target_date and self.target_date < self.start_date:
            raise ValidationError({"target_date": _("The target date must not be before the start.")})
        if (
            self.platform_id
            and self.organization_id
            and self.platform.organization_id != self.organization_id
        ):
            raise ValidationError({"platform": _("Choose a platform of this organization.")})

    def activity_platforms(self):
        """The platforms whose activity exports this rollout takes: its own first, then those the
        manager added under "Also accept activity exports from these platforms"."""
        return [self.platform, *self.also_accepts.exclude(pk=self.platform_id).order_by("name")]


class Invitation(models.Model):
    """An admin's invitation to join an organization with a role, accepted through a signed link."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.MEMBER)
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.SET_NULL)
    invited_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Email delivery: the sender claims the row by setting email_sent_at in a conditional
    # UPDATE, so a retry and the periodic sweep can never both send it.
    email_sent_at = models.DateTimeField(null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.email} ({self.get_role_display()}) to {self.organization}"

    @property
    def expires_at(self):
        return self.created_at + timedelta(days=settings.INVITATION_MAX_AGE_DAYS)

    @property
    def is_pending(self):
        return not self.accepted_at and not self.revoked_at and timezone.now() < self.expires_at

    @property
    def email_gave_up(self):
        """All automatic attempts failed; an admin must press Resend."""
        from .tasks import EMAIL_MAX_RETRIES

        return self.email_sent_at is None and self.email_attempts > EMAIL_MAX_RETRIES

    @property
    def role_in_sentence(self):
        return role_in_sentence(self.role)

    @property
    def state_label(self):
        """The state as the members page shows it, in the reader's language."""
        return INVITATION_STATES.get(self.state, self.state)

    @property
    def state(self):
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if timezone.now() >= self.expires_at:
            return "expired"
        return "pending"


INVITATION_STATES = {
    "accepted": pgettext_lazy("an invitation's state", "accepted"),
    "revoked": pgettext_lazy("an invitation's state", "revoked"),
    "expired": pgettext_lazy("an invitation's state", "expired"),
    "pending": pgettext_lazy("an invitation's state", "pending"),
}


class Heartbeat(models.Model):
    """The last time a Celery worker ran the beat-scheduled heartbeat task (shown by /healthz)."""

    name = models.CharField(max_length=50, primary_key=True)
    beat_at = models.DateTimeField()

    def __str__(self):
        return f"{self.name} at {self.beat_at:%Y-%m-%d %H:%M:%S}"


class Notification(models.Model):
    """One scheduled email in the outbox. `key` is unique: no schedule, retry or restart can
    create the same notification twice, and a sender must claim the row before sending it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=50)
    key = models.CharField(max_length=200, unique=True)
    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    cc = models.JSONField(default=list, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    scheduled_for = models.DateTimeField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    sent_file = models.CharField(
        max_length=300, blank=True, help_text=_("Embedded mode: the file the message was written to.")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-scheduled_for", "-pk"]
        indexes = [
            # The dispatcher's query: pending rows whose next attempt is due.
            models.Index(fields=["status", "next_attempt_at"]),
            # The outbox page: one organization's rows by status, newest first.
            models.Index(fields=["organization", "status", "scheduled_for"]),
        ]

    def __str__(self):
        return self.key


class DigestRun(models.Model):
    """The weekly digests of an organization for one ISO week have been queued (one row per week),
    so the dispatcher does not re-examine every recipient on every tick of that week."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    week = models.CharField(max_length=10)  # ISO week in the organization's time zone, e.g. "2026-W48"
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "week"], name="one_digest_run_per_week")
        ]

    def __str__(self):
        return f"Digests of {self.week}"


class HealthSnapshot(models.Model):
    """A rollout's health on one day, kept so the portfolio can say what changed since last month."""

    rollout = models.ForeignKey(Rollout, on_delete=models.CASCADE, related_name="health_snapshots")
    day = models.DateField()
    overall = models.PositiveSmallIntegerField(null=True, blank=True)
    scores = models.JSONField(default=dict, help_text="{step key: score or null}")

    class Meta:
        ordering = ["-day"]
        constraints = [models.UniqueConstraint(fields=["rollout", "day"], name="one_snapshot_per_day")]

    def __str__(self):
        return f"{self.rollout} on {self.day}"


class ApiToken(models.Model):
    """A personal API token. The secret is shown once; only its SHA-256 is stored.

    A token acts for its user in one organization (their membership there decides the role), with
    a scope: read, or read and write.
    """

    class Scope(models.TextChoices):
        READ = "read", _("Read")
        WRITE = "write", _("Read and write")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(
        max_length=100, help_text=_("What it is for, e.g. 'Nightly Microsoft 365 import'.")
    )
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.READ)
    # Looked up by prefix (indexed, unique), then the hash is compared in constant time.
    prefix = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self):
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()


class AuditEvent(models.Model):
    """A security-relevant event: sign-ins, role changes, exports, imports, deletions, tokens.

    Written through `rollout.audit.record()` only; never edited. Sign-in events carry no
    organization (a person may belong to several); an organization's audit page shows its own
    events and the sign-in events of its members.
    """

    class Action(models.TextChoices):
        LOGIN = "login", _("Logged in")
        LOGIN_FAILED = "login_failed", _("Login failed")
        LOCKED_OUT = "locked_out", _("Locked out after failed logins")
        LOGOUT = "logout", _("Logged out")
        MEMBER_CHANGED = "member_changed", _("Member's role or unit changed")
        MEMBER_REMOVED = "member_removed", _("Member removed")
        INVITED = "invited", _("Invitation sent")
        INVITATION_RESENT = "invitation_resent", _("Invitation sent again")
        INVITATION_REVOKED = "invitation_revoked", _("Invitation revoked")
        SETTINGS_CHANGED = "settings_changed", _("Organization settings changed")
        EXPORTED = "exported", _("Data exported")
        IMPORTED = "imported", _("Data imported")
        DELETED = "deleted", _("Deleted")
        TOKEN_CREATED = "token_created", _("API token created")
        TOKEN_REVOKED = "token_revoked", _("API token revoked")
        SESSIONS_ENDED = "sessions_ended", _("Sessions ended")
        PERSON_EXPORTED = "person_exported", _("A person's data exported")
        PERSON_ERASED = "person_erased", _("A person erased")
        RETENTION = "retention", _("Old records removed (retention)")

    SIGN_IN_ACTIONS = (Action.LOGIN, Action.LOGIN_FAILED, Action.LOCKED_OUT, Action.LOGOUT)

    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="audit_events"
    )
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=30, choices=Action.choices)
    target_type = models.CharField(max_length=100, blank=True, help_text="app_label.model of the target")
    target_id = models.CharField(max_length=64, blank=True)
    summary = models.CharField(max_length=500, blank=True)
    # The summary as a Phrase (`rollout.i18n`), shown in the reader's language; `summary` keeps its
    # English text for search, exports and erasure. Empty for events written with plain text.
    summary_phrase = models.JSONField(null=True, blank=True, editable=False)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The audit page: one organization's events, newest first, optionally of one action.
            models.Index(fields=["organization", "-created_at"], name="audit_org_recent"),
            models.Index(fields=["organization", "action", "-created_at"], name="audit_org_action_recent"),
            # Its members' sign-in events (organization is null) are found through the actor.
            models.Index(fields=["actor", "-created_at"], name="audit_actor_recent"),
        ]

    def __str__(self):
        return f"{self.get_action_display()} by {self.actor or 'someone unknown'} at {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def shown_summary(self):
        """The summary in the active language (a Phrase), else the text as it was written."""
        if self.summary_phrase:
            from .i18n import Phrase

            return Phrase.load(self.summary_phrase)
        return self.summary


class RolloutFigures(models.Model):
    """A rollout's step figures (each step's health, the portfolio's key figures, the units it
    involves), computed on write rather than on read (rollout/figures.py).

    A write to the rollout's data adds one to `version`; a worker recomputes the figures and records
    the version it computed from. The figures are current while the two are equal, and pages say
    when they were computed (`computed_at`) either way.
    """

    rollout = models.OneToOneField(
        Rollout, on_delete=models.CASCADE, primary_key=True, related_name="figures"
    )
    data = models.JSONField(default=dict, help_text="{health: {step: …}, facts: […]}")
    # What a list of rollouts sorts and filters by, beside the document (a list reads only these).
    overall = models.PositiveSmallIntegerField(null=True, blank=True)
    units = models.JSONField(default=list, help_text="ids of the units the rollout involves")
    version = models.PositiveBigIntegerField(default=1)
    computed_version = models.PositiveBigIntegerField(default=0)
    computed_at = models.DateTimeField(null=True, blank=True)
    # Who made the last write: their next page computes this rollout's figures afresh instead of
    # showing the stored ones, unless a worker has already started on that version.
    changed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # The version a worker started computing from: the writer's page does not compute it a second
    # time alongside the worker.
    claimed_version = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name_plural = "rollout figures"

    def __str__(self):
        return f"Figures of {self.rollout_id} (version {self.computed_version} of {self.version})"

    @property
    def stale(self):
        return self.computed_version < self.version


class WebhookEndpoint(models.Model):
    """An organization's receiver of outgoing webhooks (rollout/webhooks.py, docs/api.md)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField("URL", max_length=500)
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(default=list, help_text="The event names this endpoint receives.")
    # The key its deliveries are signed with: shown once, stored encrypted (rollout/secrets.py).
    secret = EncryptedTextField()
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["url", "pk"]

    def __str__(self):
        return self.url


class WebhookDelivery(models.Model):
    """One event for one endpoint. (endpoint, key) is unique, so an event is delivered to an
    endpoint at most once however often it is emitted; a sender claims the row before sending."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=50)
    key = models.CharField(max_length=200, help_text="The event's own key, e.g. review.completed:12.")
    delivery_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["endpoint", "key"], name="webhook_delivery_once")]
        indexes = [
            # The sender's query: pending rows whose next attempt is due.
            models.Index(fields=["status", "next_attempt_at"]),
        ]

    def __str__(self):
        return f"{self.event} → {self.endpoint_id}"


class UserSession(models.Model):
    """A signed-in session of a person, recorded at sign-in so that an admin can see a person's
    sessions and end them, and deactivation ends them without reading every session. The session
    itself stays Django's (SESSION_ENGINE); this row only points at it."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="signed_in_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Session of {self.user} since {self.created_at:%Y-%m-%d %H:%M}"


class RetentionRun(models.Model):
    """One night's retention for an organization: how many records of each kind were removed."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    removed = models.JSONField(default=dict)  # {"activity records": 120, ...}
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "day"], name="one_retention_run_a_day")
        ]

    def __str__(self):
        return f"Retention of {self.organization_id} on {self.day}"
