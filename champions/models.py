"""Step 4, Champion: the champion network of a rollout, the skills taxonomy and the support-session log."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rollout.models import TIMEZONE_CHOICES, Organization, Rollout, Unit

# A champion may change or delete a session they logged for this long; managers any time.
EDIT_WINDOW = timedelta(days=7)
# A champion with no session for this many days has "gone quiet".
QUIET_AFTER_DAYS = 30


class Skill(models.Model):
    """One entry of the organization's taxonomy: what champions know and what sessions were about."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="champion_skills")
    name = models.CharField(max_length=80)
    description = models.CharField(max_length=200, blank=True)
    active = models.BooleanField(
        default=True, help_text=_("Retired skills stay on past sessions but are no longer offered.")
    )

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="skill_unique_name")]

    def __str__(self):
        return self.name


class Champion(models.Model):
    """A person's role as local "super user" in one rollout, from nomination to stepping down."""

    class Status(models.TextChoices):
        NOMINATED = "nominated", _("Nominated")
        ACTIVE = "active", _("Active")
        STEPPED_DOWN = "stepped_down", _("Stepped down")
        DECLINED = "declined", _("Declined")

    class Shift(models.TextChoices):
        DAY = "day", _("Day (07-15)")
        EVENING = "evening", _("Evening (15-23)")
        NIGHT = "night", _("Night (23-07)")
        FLEXIBLE = "flexible", _("Flexible / on call")

    rollout = models.ForeignKey(Rollout, on_delete=models.CASCADE, related_name="champions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="champion_roles"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NOMINATED)
    units = models.ManyToManyField(
        Unit,
        related_name="champions",
        blank=True,
        help_text=_("The units whose people this champion supports."),
    )
    location = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        limit_choices_to={"kind": Unit.Kind.LOCATION},
        help_text=_("Where the champion is based."),
    )
    skills = models.ManyToManyField(Skill, related_name="champions", blank=True)
    languages = models.CharField(
        max_length=200, blank=True, help_text=_("Comma-separated, e.g. English, Spanish.")
    )
    shift = models.CharField(max_length=20, choices=Shift.choices, default=Shift.DAY)
    time_zone = models.CharField(max_length=64, choices=TIMEZONE_CHOICES, default="UTC")
    start_date = models.DateField(null=True, blank=True)
    stepped_down_on = models.DateField(null=True, blank=True)
    chat_link = models.URLField(
        _("chat link"),
        max_length=500,
        blank=True,
        help_text=_("A link that opens a chat with you, e.g. a Teams or Slack deep link."),
    )
    office_hours = models.CharField(
        max_length=200,
        blank=True,
        help_text=_("When and where people can drop by, e.g. “Tuesdays 12:00–13:00, Ward B staff room”."),
    )
    motivation = models.TextField(blank=True, help_text=_("Why this person would make a good champion."))
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # A manager approved the nominee although they had not acknowledged the guidelines or passed
    # the required training (trust/readiness.py): why, by whom and when. Also in the audit trail.
    readiness_override = models.CharField(
        _("readiness override reason"),
        max_length=500,
        blank=True,
        help_text=_("Why the nominee was approved before being ready."),
    )
    readiness_override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    readiness_override_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["user__full_name", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["rollout", "user"], name="one_champion_role_per_rollout")
        ]
        # Coverage and health count the active champions of a rollout.
        indexes = [models.Index(fields=["rollout", "status"])]

    def __str__(self):
        return f"{self.user} ({self.get_status_display().lower()})"

    @property
    def is_active(self):
        return self.status == self.Status.ACTIVE

    @property
    def language_list(self):
        return [part.strip() for part in self.languages.split(",") if part.strip()]


def active_on(as_of, prefix=""):
    """Q for champions serving on `as_of`: started by then and not yet stepped down."""
    p = prefix
    started = Q(**{f"{p}start_date__isnull": True}) | Q(**{f"{p}start_date__lte": as_of})
    serving = Q(**{f"{p}status": Champion.Status.ACTIVE}) | Q(
        **{f"{p}status": Champion.Status.STEPPED_DOWN, f"{p}stepped_down_on__gt": as_of}
    )
    return started & serving


class SupportSession(models.Model):
    """One occasion on which a champion helped people, logged by the champion."""

    # Cached values that read sessions name this topic (rollout/data_versions.py): logging one
    # leaves the champions' coverage, which does not read them, cached.
    DATA_TOPIC = "champions.sessions"

    class Channel(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        CHAT = "chat", _("Chat")
        CALL = "call", _("Call")
        OFFICE_HOURS = "office_hours", _("Office hours")
        TRAINING = "training", _("Training session")

    class Outcome(models.TextChoices):
        RESOLVED = "resolved", _("Resolved")
        FOLLOW_UP = "follow_up", _("Follow-up needed")
        ESCALATED = "escalated", _("Escalated")

    rollout = models.ForeignKey(Rollout, on_delete=models.CASCADE, related_name="support_sessions")
    champion = models.ForeignKey(Champion, on_delete=models.CASCADE, related_name="sessions")
    happened_at = models.DateTimeField(default=timezone.now)
    minutes = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(480)])
    people_helped = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(500)]
    )
    helped_person = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    helped_unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    topics = models.ManyToManyField(Skill, related_name="sessions", blank=True)
    other_topic = models.CharField(_("other topic"), max_length=200, blank=True)
    channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.IN_PERSON)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.RESOLVED)
    follow_up_on = models.DateField(_("follow up by"), null=True, blank=True)
    follow_up_done_at = models.DateTimeField(null=True, blank=True)
    # The log form carries a fresh token; a double tap posts it twice and the unique index refuses
    # the second row, so one tap = one session.
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-happened_at", "-pk"]
        indexes = [
            # The report and health aggregate a rollout's sessions by date.
            models.Index(fields=["rollout", "happened_at"]),
            # "My recent sessions" and "gone quiet" look up a champion's latest session.
            models.Index(fields=["champion", "happened_at"]),
        ]

    def __str__(self):
        return f"{self.champion.user} on {self.happened_at:%Y-%m-%d}"

    @property
    def follow_up_open(self):
        return self.outcome == self.Outcome.FOLLOW_UP and self.follow_up_done_at is None

    def editable_by_champion_until(self):
        return self.created_at + EDIT_WINDOW


def open_follow_ups():
    return Q(outcome=SupportSession.Outcome.FOLLOW_UP, follow_up_done_at__isnull=True)


class ChampionEvent(models.Model):
    """A drop-in or a training session champions run, for everyone or for some units' people."""

    class Kind(models.TextChoices):
        DROP_IN = "drop_in", _("Drop-in")
        TRAINING = "training", _("Training session")

    rollout = models.ForeignKey(Rollout, on_delete=models.CASCADE, related_name="champion_events")
    champion = models.ForeignKey(
        Champion,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
        help_text=_("Who runs it, if one champion does."),
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.DROP_IN)
    title = models.CharField(max_length=150)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    where = models.CharField(
        max_length=300, help_text=_("A place (“Ward B staff room”) or a link to join online.")
    )
    units = models.ManyToManyField(
        Unit,
        related_name="champion_events",
        blank=True,
        help_text=_("Whose people it is for (a unit includes the units inside it). None: everyone."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="champion_event_ends_after_start"
            )
        ]
        # "The next drop-in": a rollout's events from now on, soonest first.
        indexes = [models.Index(fields=["rollout", "starts_at"])]

    def __str__(self):
        return f"{self.title} ({self.starts_at:%Y-%m-%d %H:%M})"

    @property
    def where_is_link(self):
        return self.where.startswith(("https://", "http://"))
