"""Step 2, Incentivize: the plan, the points ledger and its rules, badges, recognition, seasons,
appraisal objectives and leaderboard opt-outs.

The ledger is append-only: `PointsEntry` refuses to be saved twice or deleted, and a correction is
a new entry with negative points. Every automatic write is idempotent through a unique constraint
(an event is received once, a rule pays an event once, a badge level is awarded to a person once).
"""

import functools
import secrets
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop, ngettext
from django.utils.translation import gettext_lazy as _

from rollout.models import Organization, Role, Rollout, Unit

# Events Rollout records (rollout/events.py) that a points rule or a badge may reward.
EVENT_CHOICES = [
    ("support_session_logged", _("A support session logged (champions)")),
    ("guideline_acknowledged", _("The usage guidelines acknowledged (trust)")),
    ("training_passed", _("A training passed (trust)")),
    ("question_answered", _("A question answered in the community (engage)")),
    ("recognition_given", _("A recognition given to a colleague")),
]
# In the reader's language (lazy): str() it before storing or comparing with stored text.
EVENT_LABELS = dict(EVENT_CHOICES)


class Incentive(models.TextChoices):
    RECOGNITION = "recognition", _("Public recognition")
    POINTS = "points", _("Points")
    BADGES = "badges", _("Badges")
    APPRAISAL = "appraisal", _("Appraisal objectives")
    LEADERSHIP = "leadership", _("Leadership participation")


class PlannedIncentive(models.Model):
    """One line of a rollout's incentive plan: an incentive, for an audience, and why."""

    rollout = models.ForeignKey(Rollout, on_delete=models.CASCADE, related_name="planned_incentives")
    incentive = models.CharField(max_length=20, choices=Incentive.choices)
    audience = models.CharField(
        max_length=150, help_text=_("Who it is for, e.g. an audience of the strategy: “Ward nurses”.")
    )
    rationale = models.TextField(
        max_length=1000, help_text=_("In a sentence or two: why it will work for them.")
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["audience", "incentive"]
        constraints = [
            models.UniqueConstraint(
                fields=["rollout", "incentive", "audience"], name="planned_incentive_unique_per_audience"
            )
        ]

    def __str__(self):
        return gettext("%(incentive)s for %(audience)s") % {
            "incentive": self.get_incentive_display(),
            "audience": self.audience,
        }


class Season(models.Model):
    """A leaderboard period of a rollout: points earned from `started_at` until `ended_at`."""

    rollout = models.ForeignKey(Rollout, on_delete=models.CASCADE, related_name="seasons")
    name = models.CharField(max_length=80)
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            # At most one open season per rollout: closing one and opening the next is one transaction.
            models.UniqueConstraint(
                fields=["rollout"], condition=Q(ended_at__isnull=True), name="one_open_season_per_rollout"
            )
        ]

    def __str__(self):
        return self.name

    @property
    def is_open(self):
        return self.ended_at is None


class PointsRule(models.Model):
    """Points for an event Rollout records, at most `daily_cap` times per person per day."""

    rollout = models.ForeignKey(Rollout, on_delete=models.CASCADE, related_name="points_rules")
    event = models.CharField(max_length=50, choices=EVENT_CHOICES)
    points = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(1000)])
    daily_cap = models.PositiveSmallIntegerField(
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_(
            "A person earns these points at most this many times a day; further events count for nothing."
        ),
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["event"]
        constraints = [models.UniqueConstraint(fields=["rollout", "event"], name="one_points_rule_per_event")]

    def __str__(self):
        return ngettext("%(count)s point: %(event)s", "%(count)s points: %(event)s", self.points) % {
            "count": self.points,
            "event": self.event_label,
        }

    @property
    def event_label(self):
        return EVENT_LABELS.get(self.event, self.event)


class ReceivedEvent(models.Model):
    """An event another app emitted, recorded once (unique key) and then processed by a task."""

    key = models.CharField(max_length=200, unique=True)
    name = models.CharField(max_length=50)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    rollout = models.ForeignKey(Rollout, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    source_type = models.CharField(max_length=100)
    source_id = models.BigIntegerField()
    occurred_at = models.DateTimeField()
    processed_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-occurred_at"]
        indexes = [
            # The sweep looks for events whose task never ran.
            models.Index(fields=["processed_at", "received_at"]),
            # The lead-by-example table counts a person's events per rollout.
            models.Index(fields=["rollout", "person", "name"]),
        ]

    def __str__(self):
        return self.key


class AppendOnlyQuerySet(models.QuerySet):
    # What erasing a person may change of a points entry (see erase_personal_data).
    ERASABLE = frozenset({"reason", "awarded_by"})

    def update(self, **kwargs):
        raise TypeError("Points entries are never changed; add a correcting entry instead.")

    def delete(self):
        raise TypeError("Points entries are never deleted; add a correcting entry instead.")

    def erase_personal_data(self, **changes):
        """The one change the ledger allows: erasing a person (GDPR article 17, see
        incentives/erasure.py) scrubs their name from the `reason` of entries and detaches them
        from the entries they awarded. The points, their person, rule and dates are not among the
        fields it takes, so no balance, leaderboard or cap can change; returns the rows changed."""
        if not changes or set(changes) - self.ERASABLE:
            raise TypeError(f"Only {sorted(self.ERASABLE)} of a points entry may be erased.")
        return super().update(**changes)


@functools.cache
def _events_by_english_label():
    """{English label: event}: a rule's points entry stores its event's label in English."""
    with translation.override("en"):
        return {str(label): event for event, label in EVENT_CHOICES}


# The English prefixes of the reasons Rollout writes for an approved claim and a correction.
CLAIM_APPROVED = "Claim approved: "
CORRECTION = "Correction: "


class PointsEntry(models.Model):
    """One line of the append-only points ledger. A balance is the sum of a person's entries."""

    rollout = models.ForeignKey(Rollout, on_delete=models.CASCADE, related_name="points_entries")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="points_entries"
    )
    points = models.IntegerField(validators=[MinValueValidator(-10000), MaxValueValidator(10000)])
    reason = models.CharField(max_length=200)
    rule = models.ForeignKey(
        PointsRule, null=True, blank=True, on_delete=models.RESTRICT, related_name="entries"
    )
    event_key = models.CharField(max_length=200, blank=True)
    # Caps: the n-th paid event of a rule, for a person, on a day. The unique slot makes the cap
    # hold even when events arrive at the same moment in several workers.
    day = models.DateField(null=True, blank=True)
    slot = models.PositiveSmallIntegerField(null=True, blank=True)
    claim = models.OneToOneField(
        "PointsClaim", null=True, blank=True, on_delete=models.RESTRICT, related_name="entry"
    )
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.RESTRICT, related_name="corrections"
    )
    awarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "event_key"], condition=~Q(event_key=""), name="rule_pays_an_event_once"
            ),
            models.UniqueConstraint(
                fields=["rule", "person", "day", "slot"],
                condition=Q(slot__isnull=False),
                name="rule_daily_cap_slot",
            ),
            models.CheckConstraint(condition=~Q(points=0), name="points_entry_not_zero"),
        ]
        indexes = [
            # Leaderboards and balances sum a rollout's entries per person within a season.
            models.Index(fields=["rollout", "created_at"]),
            models.Index(fields=["rollout", "person", "created_at"]),
        ]

    def __str__(self):
        return f"{self.points:+d} for {self.person_id}: {self.reason}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("Points entries are never changed; add a correcting entry instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Points entries are never deleted; add a correcting entry instead.")

    @property
    def shown_reason(self):
        """The reason in the reader's language. What Rollout itself writes (a rule's event, "Claim
        approved: …", "Correction: …") is stored in English (services.pay, decide_claim, correct) and
        translated here; what a person wrote after the prefix stays as written."""
        if self.rule_id is not None:
            event = _events_by_english_label().get(self.reason)
            return str(EVENT_LABELS[event]) if event else self.reason
        if self.claim_id is not None and self.reason.startswith(CLAIM_APPROVED):
            return gettext("Claim approved: %(reason)s") % {"reason": self.reason[len(CLAIM_APPROVED) :]}
        if self.claim_id is None and self.reason.startswith(CORRECTION):
            return gettext("Correction: %(reason)s") % {"reason": self.reason[len(CORRECTION) :]}
        return self.reason


class PointsClaim(models.Model):
    """A person asks for points for something Rollout does not record; a manager decides."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    rollout = models.ForeignKey(Rollout, on_delete=models.CASCADE, related_name="points_claims")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="points_claims"
    )
    points = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(100)])
    reason = models.CharField(
        max_length=200, help_text=_("What you did, e.g. “Ran a lunch-and-learn for my ward”.")
    )
    evidence_url = models.URLField(_("evidence link"), blank=True)
    evidence = models.TextField(max_length=2000, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    # Many claims in a short time: shown to the approver as a warning (possible gaming).
    burst = models.BooleanField(default=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["rollout", "status", "created_at"])]

    def __str__(self):
        return f"{self.person}: {self.reason}"


def badge_image_path(instance, filename):
    extension = filename.rsplit(".", 1)[-1].lower()
    return f"incentives/badges/{instance.public_id}.{extension}"


class BadgeClass(models.Model):
    """A badge a rollout awards, in one or more levels (e.g. bronze, silver, gold)."""

    class Criterion(models.TextChoices):
        MANUAL = "manual", _("Awarded by a manager, with evidence")
        EVENTS = "events", _("Earned by repeating an event (the points rule's count)")
        POINTS = "points", _("Earned by a points total in this rollout")
        META = "meta", _("Earned by holding every badge of a set")

    rollout = models.ForeignKey(Rollout, on_delete=models.CASCADE, related_name="badges")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=80)
    description = models.CharField(max_length=300)
    criteria = models.TextField(
        max_length=2000, help_text=_("What a person does to earn it, in plain words.")
    )
    image = models.ImageField(
        upload_to=badge_image_path,
        blank=True,
        validators=[FileExtensionValidator(["png", "jpg", "jpeg", "webp"])],
        help_text=_("A square PNG or JPEG; leave empty to use a generated image."),
    )
    color = models.CharField(
        max_length=7, default="#0d6efd", help_text=_("The generated image's colour, e.g. #0d6efd.")
    )
    criterion = models.CharField(max_length=20, choices=Criterion.choices, default=Criterion.MANUAL)
    rule = models.ForeignKey(
        PointsRule,
        null=True,
        blank=True,
        on_delete=models.RESTRICT,
        related_name="badges",
        help_text=_("For event badges: the points rule whose paid events count."),
    )
    requires = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="required_by", help_text=_("For a meta-badge.")
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["rollout", "name"], name="badge_unique_name")]

    def __str__(self):
        return self.name


class BadgeLevel(models.Model):
    """One level of a badge: an Open Badges BadgeClass of its own, earned at `threshold`."""

    class Rank(models.IntegerChoices):
        STANDARD = 0, _("Standard")
        BRONZE = 1, _("Bronze")
        SILVER = 2, _("Silver")
        GOLD = 3, _("Gold")

    badge = models.ForeignKey(BadgeClass, on_delete=models.CASCADE, related_name="levels")
    rank = models.PositiveSmallIntegerField(choices=Rank.choices, default=Rank.STANDARD)
    threshold = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("Events or points needed; empty for manual and meta badges.")
    )
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        ordering = ["badge", "rank"]
        constraints = [models.UniqueConstraint(fields=["badge", "rank"], name="badge_level_unique_rank")]

    # A level as it reads after the badge's name: "Contributor (silver)", „Contributor (Silber)“.
    IN_RUNNING_TEXT = {
        Rank.BRONZE: gettext_noop("bronze"),
        Rank.SILVER: gettext_noop("silver"),
        Rank.GOLD: gettext_noop("gold"),
    }

    def __str__(self):
        return str(self.phrase())

    def phrase(self):
        """The badge and its level, kept as message and values (a digest reads it in each language)."""
        from rollout.i18n import Phrase

        if self.rank == self.Rank.STANDARD:
            return self.badge.name
        level = Phrase.gettext(self.IN_RUNNING_TEXT[self.rank])
        return Phrase.gettext("%(badge)s (%(level)s)", badge=self.badge.name, level=level)


def new_salt():
    return secrets.token_hex(8)


class BadgeAward(models.Model):
    """A badge level awarded to a person: once, by a rule, a manager or a meta-badge."""

    class Source(models.TextChoices):
        RULE = "rule", _("Earned")
        MANUAL = "manual", _("Awarded by a manager")
        META = "meta", _("Earned (meta-badge)")

    level = models.ForeignKey(BadgeLevel, on_delete=models.RESTRICT, related_name="awards")
    badge = models.ForeignKey(BadgeClass, on_delete=models.RESTRICT, related_name="awards")
    rollout = models.ForeignKey(Rollout, on_delete=models.CASCADE, related_name="badge_awards")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="badge_awards"
    )
    source = models.CharField(max_length=10, choices=Source.choices)
    awarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    evidence_url = models.URLField(_("evidence link"), blank=True)
    evidence = models.TextField(max_length=2000, blank=True)
    # Open Badges: an unguessable public id, and the salt of the hashed recipient email.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    salt = models.CharField(max_length=32, default=new_salt, editable=False)
    issued_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["level", "person"], name="badge_level_awarded_once")]
        indexes = [
            models.Index(fields=["rollout", "issued_at"]),
            models.Index(fields=["person", "issued_at"]),
        ]

    def __str__(self):
        return f"{self.level} to {self.person_id}"


class Recognition(models.Model):
    """A public thank-you (kudos) from one person to another, tied to a rollout."""

    rollout = models.ForeignKey(Rollout, on_delete=models.CASCADE, related_name="recognitions")
    giver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recognitions_given"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recognitions_received"
    )
    message = models.TextField(max_length=500)
    # Snapshots at the time of giving: the feed is filtered by the recipient's unit, and a
    # leader's thanks stays marked as one even if their role changes later.
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    from_leader = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(giver=models.F("recipient")), name="recognition_not_to_self")
        ]
        indexes = [
            models.Index(fields=["rollout", "created_at"]),
            models.Index(fields=["rollout", "unit", "created_at"]),
        ]

    def __str__(self):
        return f"{self.giver_id} thanked {self.recipient_id}"


class AppraisalObjective(models.Model):
    """An objective tied to the rollout for a person's (or a role's) appraisal, and its measure."""

    rollout = models.ForeignKey(Rollout, on_delete=models.CASCADE, related_name="appraisal_objectives")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="appraisal_objectives",
    )
    role = models.CharField(max_length=20, choices=Role.choices, blank=True)
    objective = models.CharField(
        max_length=200, help_text=_("E.g. “Answers questions in the community within a day”.")
    )
    measure = models.CharField(
        max_length=200,
        # xgettext:no-python-format
        help_text=_("How it is measured, e.g. “80% of questions answered within 24 hours”."),
    )
    period = models.CharField(max_length=50, blank=True, help_text=_("E.g. “2026 appraisal year”."))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(person__isnull=False) & Q(role="")) | (Q(person__isnull=True) & ~Q(role="")),
                name="objective_for_a_person_or_a_role",
            )
        ]

    def __str__(self):
        return self.objective

    def clean(self):
        if bool(self.person_id) == bool(self.role):
            raise ValidationError(gettext("Choose either a person or a role."))


class LeaderboardOptOut(models.Model):
    """This person does not appear on the leaderboards of this organization."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="one_opt_out_per_person")
        ]

    def __str__(self):
        return f"{self.user_id} opted out in {self.organization_id}"


class LeaderVisibility(models.Model):
    """This leader agreed that the organization's people may see that they take part (the
    "Leaders taking part" panel of each person's own page), since `agreed_at`. Withdrawing
    deletes the row: a leader without one is never shown."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    agreed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="one_leader_visibility_per_person")
        ]

    def __str__(self):
        return f"{self.user_id} is seen taking part in {self.organization_id}"


class Issuer(models.Model):
    """The organization as an Open Badges issuer, at an unguessable public URL."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="badge_issuer")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    def __str__(self):
        return str(self.organization)
