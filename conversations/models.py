"""Conversations, the unanswered-question queue, momentum and pulse feedback (Engage, part 2).

These models began in the engage app and keep its table names (`db_table = "engage_..."`): moving
them to this app changed Django's state only, so no row was copied (migrations
engage/0007_move_conversations_out and conversations/0001_initial).

A `Thread` holds `Message`s imported from a Slack workspace export or the generic CSV, or logged
by hand. A message is a question by the rule in conversations/questions.py (or when marked
so by hand); a question carries its own response state (first reply, manual answer, claim), so the
queue, time to first response and "answered within target" are single-table queries.
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from rollout.models import Rollout, Unit

__all__ = [
    "ADKAR",
    "ConnectedChannel",
    "ConversationImport",
    "Message",
    "MomentumAlert",
    "MomentumCheck",
    "MomentumSettings",
    "Pulse",
    "PulseAnswer",
    "PulseInvitation",
    "PulseQuestion",
    "PulseResponse",
    "TextRemoved",
    "Thread",
    "TrainingAttendance",
]


class ConversationImport(models.Model):
    """One imported file of conversations (or training attendance). The file's hash is unique per
    rollout and kind, so importing the same file twice changes nothing."""

    class Source(models.TextChoices):
        SLACK = "slack", _("Slack workspace export")
        CSV = "csv", _("Generic conversations CSV")
        ATTENDANCE = "attendance", _("Training attendance CSV")

    rollout = models.ForeignKey(Rollout, on_delete=models.CASCADE, related_name="conversation_imports")
    source = models.CharField(max_length=20, choices=Source.choices)
    filename = models.CharField(max_length=255)
    file_hash = models.CharField(max_length=64)
    threads = models.PositiveIntegerField(default=0)
    messages = models.PositiveIntegerField(default=0)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "engage_conversationimport"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["rollout", "source", "file_hash"], name="conversation_import_once_per_file"
            )
        ]

    def __str__(self):
        return f"{self.get_source_display()}: {self.filename}"


class ConnectedChannel(models.Model):
    """A Slack or Teams channel whose conversations a rollout pulls through the organization's
    connection (conversations/connectors/slack.py, teams.py), or a Viva Engage community
    (viva_engage.py).

    The cursor says where the next pull starts: for Slack, `cursor_ts` is the `ts` of the newest
    top-level message stored (conversations.history is asked for what is newer), for Viva Engage
    the id of the newest message stored; for Teams,
    `delta_link` is the `@odata.deltaLink` of the channel's last delta round. Either moves only in
    the transaction that stores the messages, so a pull that fails half-way leaves it where it was."""

    class Provider(models.TextChoices):
        SLACK = "slack", "Slack"
        TEAMS = "teams", "Microsoft Teams"
        VIVA_ENGAGE = "viva_engage", "Viva Engage"

    rollout = models.ForeignKey(Rollout, on_delete=models.CASCADE, related_name="connected_channels")
    provider = models.CharField(max_length=20, choices=Provider.choices, default=Provider.SLACK)
    # Slack's "C0123ABCD"; Teams' "19:…@thread.tacv2", unique in the tenant; a Viva Engage
    # community's group id ("123456789").
    channel_id = models.CharField(_("channel ID"), max_length=120)
    # The team (its Microsoft 365 group id) a Teams channel belongs to; empty for Slack.
    team_id = models.CharField(_("team ID"), max_length=64, blank=True)
    channel_name = models.CharField(max_length=80)
    # Slack's ts ("1741000000.000100") kept as Slack writes it: a float would lose the suffix. For
    # a Viva Engage community, the id of the newest message stored (the API's `newer_than`).
    cursor_ts = models.CharField(max_length=32, blank=True)
    delta_link = models.TextField(blank=True)
    last_pulled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["channel_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["rollout", "provider", "channel_id"], name="connected_channel_once_per_rollout"
            )
        ]

    def __str__(self):
        if self.provider == self.Provider.TEAMS:
            return f"{self.channel_name} (Teams)"
        if self.provider == self.Provider.VIVA_ENGAGE:
            return f"{self.channel_name} (Viva Engage)"
        return f"#{self.channel_name} ({self.channel_id})"


class Thread(models.Model):
    class Source(models.TextChoices):
        SLACK = "slack", "Slack"
        TEAMS = "teams", "Microsoft Teams"
        VIVA_ENGAGE = "viva_engage", "Viva Engage"
        CSV = "csv", _("Imported CSV")
        MANUAL = "manual", _("Logged by hand")
        # A person asked for help on their own page (/questions/ask/): conversations/asking.py.
        ASKED = "asked", _("Asked in Rollout")

    rollout = models.ForeignKey(Rollout, on_delete=models.CASCADE, related_name="threads")
    source = models.CharField(max_length=20, choices=Source.choices)
    external_id = models.CharField(max_length=200)
    channel = models.CharField(max_length=200, blank=True)
    started_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "engage_thread"
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["rollout", "source", "external_id"], name="thread_unique_per_source"
            )
        ]
        # The conversations list: a rollout's threads, newest first.
        indexes = [models.Index(fields=["rollout", "started_at"])]

    def __str__(self):
        return f"{self.channel or self.get_source_display()} {self.external_id}"


class TextRemoved(models.TextChoices):
    RETENTION = "retention", _("Removed after the retention period")
    ERASURE = "erasure", _("Removed when its author's data was erased")


class Message(models.Model):
    """One message of a thread. Questions also carry the queue's state."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="messages")
    rollout = models.ForeignKey(Rollout, on_delete=models.CASCADE, related_name="+")
    external_id = models.CharField(max_length=200)
    parent_external_id = models.CharField(max_length=200, blank=True)
    author_key = models.CharField(max_length=200, help_text="The source's id of the author.")
    author_name = models.CharField(max_length=200, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    is_bot = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    text = models.TextField(blank=True)
    has_files = models.BooleanField(default=False)
    edited = models.BooleanField(default=False)
    deleted = models.BooleanField(default=False)
    # The question rule's verdict, or a person's: marked_question overrides the rule.
    is_question = models.BooleanField(default=False)
    marked_question = models.BooleanField(null=True, blank=True)
    # A question's response: the first reply by someone else (not a bot) from the messages, a
    # manual "answered" with its link, and the earlier of the two as the first response.
    first_reply_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answer_url = models.URLField(max_length=500, blank=True)
    # What the person who marked it answered wrote for the asker (optional; shown to them and
    # emailed for a question asked in Rollout).
    answer_text = models.TextField(blank=True, max_length=2000)
    first_response_at = models.DateTimeField(null=True, blank=True)
    response_seconds = models.PositiveIntegerField(null=True, blank=True)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    # Why the text is gone while the row stays for the queue's figures (conversations/privacy.py):
    # the organization's retention period ran out (after `text_kept_days` days), or its author's
    # data was erased. The pages show `removed_note` in its place rather than an empty message.
    text_removed = models.CharField(max_length=10, choices=TextRemoved.choices, blank=True)
    text_kept_days = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        db_table = "engage_message"
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["thread", "external_id"], name="message_unique_per_thread")
        ]
        indexes = [
            # The unanswered queue: a rollout's open questions, oldest first.
            models.Index(
                fields=["rollout", "created_at"],
                condition=Q(is_question=True, first_response_at__isnull=True),
                name="message_open_questions",
            ),
            # TTFR and "answered within target": a rollout's questions by period.
            models.Index(fields=["rollout", "is_question", "created_at"], name="message_questions_by_time"),
            # A person's own messages (their records, a subject-access export) by the key the
            # source gave them, for the messages imported before they were a member.
            models.Index(fields=["author_key"], name="message_by_author_key"),
        ]

    def __str__(self):
        return f"{self.author_name or self.author_key}: {self.text[:60]}"

    @property
    def is_open(self):
        return self.is_question and self.first_response_at is None

    @property
    def removed_note(self):
        """What a page shows instead of a removed text ("" while the text is there)."""
        if self.text_removed == TextRemoved.RETENTION:
            return gettext("Text removed after %(days)s days (retention).") % {"days": self.text_kept_days}
        if self.text_removed == TextRemoved.ERASURE:
            return gettext("Text removed: its author's data was erased.")
        return ""

    @property
    def shown_text(self):
        """The text, or the note that says why it was removed."""
        return self.text or self.removed_note

    @property
    def state(self):
        """A question's state as its asker reads it: "answered" or "waiting"."""
        return "waiting" if self.first_response_at is None else "answered"


class TrainingAttendance(models.Model):
    """A person who attended a training session on a day (imported attendance list)."""

    rollout = models.ForeignKey(Rollout, on_delete=models.CASCADE, related_name="training_attendance")
    person_key = models.CharField(max_length=254, help_text="Lower-case email address.")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    trained_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "engage_trainingattendance"
        ordering = ["-trained_on", "person_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["rollout", "person_key", "trained_on"], name="attendance_once_per_day"
            )
        ]

    def __str__(self):
        return f"{self.person_key} trained on {self.trained_on}"


class MomentumSettings(models.Model):
    rollout = models.OneToOneField(Rollout, on_delete=models.CASCADE, related_name="momentum_settings")
    drop_percent = models.PositiveSmallIntegerField(
        _("alert when below peak by (%)"),
        default=30,
        validators=[MinValueValidator(5), MaxValueValidator(95)],
        help_text=_("Alert when a unit's 4-week active users fall this much below its 8-week peak."),
    )

    class Meta:
        db_table = "engage_momentumsettings"

    def __str__(self):
        return f"Momentum settings of {self.rollout}"


class MomentumCheck(models.Model):
    """The momentum of a rollout was checked on this day (one row per day keeps the dispatcher
    from recomputing it on every tick)."""

    rollout = models.ForeignKey(Rollout, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()

    class Meta:
        db_table = "engage_momentumcheck"
        constraints = [models.UniqueConstraint(fields=["rollout", "day"], name="momentum_check_once_a_day")]

    def __str__(self):
        return f"Momentum of {self.rollout_id} checked on {self.day}"


class MomentumAlert(models.Model):
    """A unit whose 4-week active users fell too far below its 8-week peak, at most once a week."""

    rollout = models.ForeignKey(Rollout, on_delete=models.CASCADE, related_name="momentum_alerts")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    week = models.DateField(help_text="The Monday of the week the alert was raised.")
    peak = models.PositiveIntegerField()
    current = models.PositiveIntegerField()
    drop_percent = models.PositiveSmallIntegerField()
    notified = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "engage_momentumalert"
        ordering = ["-week", "unit__name"]
        constraints = [
            models.UniqueConstraint(fields=["rollout", "unit", "week"], name="momentum_alert_once_a_week")
        ]

    def __str__(self):
        return f"{self.unit}: {self.current} active vs peak {self.peak} (week of {self.week})"

    @property
    def fall_percent(self):
        return round(100 * (self.peak - self.current) / self.peak) if self.peak else 0


class ADKAR(models.TextChoices):
    AWARENESS = "awareness", _("Awareness")
    DESIRE = "desire", _("Desire")
    KNOWLEDGE = "knowledge", _("Knowledge")
    ABILITY = "ability", _("Ability")
    REINFORCEMENT = "reinforcement", _("Reinforcement")


class Pulse(models.Model):
    """A short survey sent to an audience by email link and answered anonymously."""

    class Kind(models.TextChoices):
        READINESS = "readiness", _("Readiness (ADKAR)")
        CUSTOM = "custom", _("Custom questions")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    rollout = models.ForeignKey(Rollout, on_delete=models.CASCADE, related_name="pulses")
    title = models.CharField(max_length=150)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.READINESS)
    audience = models.ManyToManyField(
        Unit, blank=True, related_name="+", help_text=_("Leave empty to ask everyone in the organization.")
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    closes_on = models.DateField(help_text=_("The last day answers are accepted."))
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # "What we did about it": written by a manager on a closed pulse, shared with the results as
    # "You said, we did" (conversations/step_parts.py) when the results reach the privacy threshold.
    outcome = models.TextField(
        _("what we did about it"),
        blank=True,
        max_length=2000,
        help_text=_("What came of the answers, in a few lines for everyone who was asked."),
    )
    outcome_written_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "engage_pulse"
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["rollout", "title"], name="pulse_unique_title")]

    def __str__(self):
        return self.title


class PulseQuestion(models.Model):
    pulse = models.ForeignKey(Pulse, on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveSmallIntegerField()
    text = models.CharField(max_length=300)
    element = models.CharField(max_length=20, choices=ADKAR.choices, blank=True)

    class Meta:
        db_table = "engage_pulsequestion"
        ordering = ["order"]
        constraints = [models.UniqueConstraint(fields=["pulse", "order"], name="pulse_question_order")]

    def __str__(self):
        return self.text

    @property
    def shown_text(self):
        """The statement in the reader's language: a readiness pulse's statements are Rollout's own
        (conversations/pulses.py, stored in English); a custom one is shown as its author wrote it."""
        return gettext(self.text) if self.element and self.text else self.text


class PulseInvitation(models.Model):
    """Who was asked. `answered` says that they answered, never what: the response is stored apart
    with no link back, and no time that could match the two."""

    pulse = models.ForeignKey(Pulse, on_delete=models.CASCADE, related_name="invitations")
    # None once the person was erased (conversations/privacy.py) or their account deleted: the
    # invitation stays, detached, so that a pulse's "invited" and "answered" counts do not change.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    queued = models.BooleanField(default=False, help_text="Handed to the notifications outbox.")
    answered = models.BooleanField(default=False)
    nonce = models.UUIDField(default=uuid.uuid4, editable=False)

    class Meta:
        db_table = "engage_pulseinvitation"
        constraints = [models.UniqueConstraint(fields=["pulse", "user"], name="one_invitation_per_person")]
        # The outbox producer's query: invitations not yet handed to the outbox.
        indexes = [models.Index(fields=["queued", "pulse"])]

    def __str__(self):
        return f"{self.user} asked in {self.pulse}"


class PulseResponse(models.Model):
    """One anonymous set of answers: the respondent's unit and day only."""

    pulse = models.ForeignKey(Pulse, on_delete=models.CASCADE, related_name="responses")
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    submitted_on = models.DateField()
    comment = models.TextField(blank=True, max_length=2000)

    class Meta:
        db_table = "engage_pulseresponse"
        ordering = ["-submitted_on", "-pk"]

    def __str__(self):
        return f"Response to {self.pulse}"


class PulseAnswer(models.Model):
    response = models.ForeignKey(PulseResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(PulseQuestion, on_delete=models.CASCADE, related_name="answers")
    score = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])

    class Meta:
        db_table = "engage_pulseanswer"
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="one_answer_per_question"),
            models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="pulse_score_1_to_5"),
        ]

    def __str__(self):
        return f"{self.question}: {self.score}"
