"""Activity imports and daily rollups (Engage, part 1).

An uploaded export becomes an `ImportBatch`: it is checked row by row (`ImportProblem` keeps every
problem with its row, column and value), confirmed by a manager, then imported all or nothing into
`ActivityRecord` rows, one per person and reporting period (or one aggregate row per period when the
export conceals names). `ActivityRollup` holds the figures the pages read, per day, week and month
and per unit, rebuilt in the database after every import.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from rollout.models import Rollout, Unit

__all__ = [
    "CONCEALED_KEY",
    "ActivityRecord",
    "ActivityRollup",
    "ActivityWindow",
    "CadenceBand",
    "ImportBatch",
    "ImportProblem",
    "OfficialAccount",
    "PersonMatch",
    "Source",
]

# The person key of an aggregate row: an export with concealed names keeps no per-person rows.
CONCEALED_KEY = "(concealed names)"


class Source(models.TextChoices):
    VIVA_ENGAGE = "viva_engage", _("Viva Engage user activity")
    TEAMS = "teams", _("Teams user activity")
    SLACK = "slack", _("Slack member analytics")
    GENERIC = "generic", _("Rollout activity template")


class ImportBatch(models.Model):
    """One uploaded file, from upload through checking and confirmation to its result."""

    class Status(models.TextChoices):
        CHECKING = "checking", _("Checking the file")
        READY = "ready", _("Ready to import")
        INVALID = "invalid", _("Has problems; nothing imported")
        QUEUED = "queued", _("Waiting for a worker")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed; nothing imported")
        CANCELLED = "cancelled", _("Cancelled")

    # While a file holds one of these, the same file cannot be imported again into the rollout.
    CLAIMING = (Status.QUEUED, Status.RUNNING, Status.DONE)
    IN_PROGRESS = (Status.CHECKING, Status.QUEUED, Status.RUNNING)

    rollout = models.ForeignKey(Rollout, on_delete=models.CASCADE, related_name="activity_imports")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    file_name = models.CharField(max_length=255)
    stored_path = models.CharField(max_length=500, help_text="Relative to MEDIA_ROOT.")
    file_hash = models.CharField(max_length=64, help_text="SHA-256 of the file's bytes.")
    size = models.PositiveBigIntegerField(default=0)
    source = models.CharField(max_length=20, choices=Source.choices, blank=True)
    variant = models.CharField(max_length=80, blank=True, help_text="e.g. 'current header'.")
    column_map = models.JSONField(default=list, blank=True)  # [[file column, what it feeds], ...]
    concealed = models.BooleanField(default=False, help_text="The export replaced names with hashes.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CHECKING)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    problem_count = models.PositiveIntegerField(default=0)
    preview = models.JSONField(default=list, blank=True)  # the first rows, as parsed
    matched_people = models.PositiveIntegerField(default=0)
    unmatched_people = models.PositiveIntegerField(default=0)
    unmatched_sample = models.JSONField(default=list, blank=True)
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["rollout", "file_hash"],
                condition=Q(status__in=["queued", "running", "done"]),
                name="engage_one_import_per_file",
            )
        ]
        # The import history: one rollout's batches, newest first.
        indexes = [models.Index(fields=["rollout", "created_at"])]

    def __str__(self):
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def in_progress(self):
        return self.status in self.IN_PROGRESS

    @property
    def percent(self):
        if self.status in (self.Status.DONE, self.Status.READY, self.Status.INVALID):
            return 100
        if not self.rows_total:
            return 0
        return min(100, round(100 * self.rows_done / self.rows_total))


class ImportProblem(models.Model):
    """One problem in a file: row number (as a spreadsheet shows it), column and value."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="problems")
    row = models.PositiveIntegerField(null=True, blank=True)
    column = models.CharField(max_length=200, blank=True)
    value = models.CharField(max_length=200, blank=True)
    message = models.CharField(max_length=500)

    class Meta:
        ordering = ["row", "pk"]

    def __str__(self):
        return self.message


class ActivityRecord(models.Model):
    """One person's activity over one reporting period, as an export reported it.

    The natural key (rollout, source, person, period end, period length) makes a re-import update
    the same row. A later export whose period overlaps an earlier one of the same person supersedes
    it (`superseded`), so overlapping exports never count the same activity twice.
    """

    # No foreign-key constraints in the database for this table of millions of rows: PostgreSQL
    # checks each constraint with a trigger per inserted row, which at a million rows cost more
    # than the import itself (three lookups a row, at commit). Django still cascades and nulls on
    # delete; the importer writes only the rollout and batch it runs for and units it looked up.
    # Nor an index per foreign key: every index is written for every imported row (a quarter of
    # a large import's time went to these three), and no query needs them. The rollout's is the
    # natural key's first column; the batch's and unit's serve only Django nulling them when a
    # batch or unit is deleted, which then reads the table once (a rare admin action).
    rollout = models.ForeignKey(
        Rollout,
        on_delete=models.CASCADE,
        related_name="activity_records",
        db_constraint=False,
        db_index=False,
    )
    batch = models.ForeignKey(
        ImportBatch,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="records",
        db_constraint=False,
        db_index=False,
    )
    source = models.CharField(max_length=20, choices=Source.choices)
    person_key = models.CharField(max_length=254, help_text="Lower-case email or UPN.")
    display_name = models.CharField(max_length=200, blank=True)
    unit = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    period_start = models.DateField()
    period_end = models.DateField()
    period_days = models.PositiveSmallIntegerField(default=1)
    aggregated = models.BooleanField(default=False, help_text="Concealed names: a whole file's totals.")
    people = models.PositiveIntegerField(default=1)
    active_people = models.PositiveIntegerField(default=0)
    posts = models.PositiveIntegerField(default=0)
    replies = models.PositiveIntegerField(default=0)
    reads = models.PositiveIntegerField(default=0)
    reactions = models.PositiveIntegerField(default=0)
    replies_known = models.BooleanField(
        default=False, help_text="The export counts replies apart from posts (dialogue ratio)."
    )
    last_activity = models.DateField(null=True, blank=True)
    superseded = models.BooleanField(default=False)
    member = models.BooleanField(
        default=False,
        help_text="The person was matched to a member of the organization (by email, or by a "
        "PersonMatch). Unmatched people count in no audience (docs/metrics.md).",
    )

    class Meta:
        ordering = ["-period_end", "person_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["rollout", "source", "person_key", "period_end", "period_days"],
                name="engage_activity_natural_key",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="engage_period_order"
            ),
        ]
        indexes = [
            # Rollup rebuilds read one rollout's current records by date.
            models.Index(fields=["rollout", "superseded", "period_end"]),
        ]

    def __str__(self):
        return f"{self.person_key} {self.period_start}..{self.period_end}"


class ActivityRollup(models.Model):
    """Figures per rollout, unit and day (or week, or month), computed in the database."""

    class Grain(models.TextChoices):
        DAY = "day", _("Day")
        WEEK = "week", _("Week")
        MONTH = "month", _("Month")

    rollout = models.ForeignKey(Rollout, on_delete=models.CASCADE, related_name="activity_rollups")
    grain = models.CharField(max_length=5, choices=Grain.choices)
    period_start = models.DateField()
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    people = models.PositiveIntegerField(default=0)
    active_users = models.PositiveIntegerField(default=0)
    posts = models.PositiveIntegerField(default=0)
    replies = models.PositiveIntegerField(default=0)
    reads = models.PositiveIntegerField(default=0)
    reactions = models.PositiveIntegerField(default=0)
    # Posts and replies from exports that count replies apart: the dialogue ratio's basis.
    dialogue_posts = models.PositiveIntegerField(default=0)
    dialogue_replies = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["grain", "period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["rollout", "grain", "period_start", "unit"],
                condition=Q(unit__isnull=False),
                name="engage_rollup_per_unit",
            ),
            models.UniqueConstraint(
                fields=["rollout", "grain", "period_start"],
                condition=Q(unit__isnull=True),
                name="engage_rollup_unassigned",
            ),
        ]
        # Every page reads one rollout's rollups of one grain over a date range.
        indexes = [models.Index(fields=["rollout", "grain", "period_start"])]

    def __str__(self):
        return f"{self.grain} {self.period_start} {self.unit_id}"


class ActivityWindow(models.Model):
    """A rollout's figures over the 28 days up to `day`: active users (docs/metrics.md: distinct
    people, plus the totals of exports with concealed names), the dialogue's posts and replies, and
    how many records fall in the window. One row per day from the first day with data to 27 days
    after the last, rebuilt with the rollups (engage/rollups.py), so the step's health, the
    portfolio and the Engage page read a row or two instead of counting the people in 28 days of
    records."""

    rollout = models.ForeignKey(Rollout, on_delete=models.CASCADE, related_name="activity_windows")
    day = models.DateField(help_text="The window's last day.")
    active_users = models.PositiveIntegerField(default=0)
    dialogue_posts = models.PositiveIntegerField(default=0)
    dialogue_replies = models.PositiveIntegerField(default=0)
    records = models.PositiveIntegerField(default=0, help_text="Records in the window (0: no data).")
    last_day = models.DateField(null=True, blank=True, help_text="The latest day with data in the window.")
    # Who the active users are, so that every audience's participation reads this row: the named
    # people matched to a member, by the unit of their latest active day in the window ("" for
    # members without a unit); those matched to no member; the totals of concealed exports.
    # active_users = sum(by_unit) + unmatched_users + concealed_users.
    by_unit = models.JSONField(default=dict, blank=True)
    unmatched_users = models.PositiveIntegerField(default=0)
    concealed_users = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["rollout", "day"]
        # Readers ask for a few rollouts' rows on one or two days: this index.
        constraints = [models.UniqueConstraint(fields=["rollout", "day"], name="engage_window_per_day")]

    def __str__(self):
        return f"28 days to {self.day}: {self.active_users} active"


class PersonMatch(models.Model):
    """A way to match the people of an export to members of the organization when the export's
    key is not the member's email: a whole domain (UPNs on `northwind.onmicrosoft.com` are the
    members on `northwind.example`) or one person (an alias). Matching sets `ActivityRecord.member`
    and the unit, at import and again for the records already imported (engage/matching.py)."""

    class Kind(models.TextChoices):
        DOMAIN = "domain", _("A whole email/UPN domain")
        PERSON = "person", _("One person")

    organization = models.ForeignKey(
        "rollout.Organization", on_delete=models.CASCADE, related_name="person_matches"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    export_key = models.CharField(
        _("in the export"),
        max_length=254,
        help_text=_("The domain (for a domain) or the email/UPN (for a person)."),
    )
    member_domain = models.CharField(
        _("members' domain"),
        max_length=254,
        blank=True,
        help_text=_("For a domain: the domain of the members' emails."),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("For a person: the member they are."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "export_key"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "export_key"], name="engage_person_match_once"),
            models.CheckConstraint(
                condition=(Q(kind="domain") & ~Q(member_domain="") & Q(user__isnull=True))
                | (Q(kind="person") & Q(member_domain="") & Q(user__isnull=False)),
                name="engage_person_match_shape",
            ),
        ]

    def __str__(self):
        if self.kind == self.Kind.DOMAIN:
            return f"@{self.export_key} = @{self.member_domain}"
        return f"{self.export_key} = {self.user}"


class OfficialAccount(models.Model):
    """An account that speaks for the rollout (a comms team, a leader); its cadence is watched."""

    rollout = models.ForeignKey(Rollout, on_delete=models.CASCADE, related_name="official_accounts")
    person_key = models.CharField(_("email or UPN"), max_length=254)
    label = models.CharField(max_length=100, help_text=_("e.g. 'Internal communications'."))

    class Meta:
        ordering = ["label"]
        constraints = [
            models.UniqueConstraint(fields=["rollout", "person_key"], name="engage_official_account_once")
        ]

    def __str__(self):
        return self.label


class CadenceBand(models.Model):
    """How often the official accounts should post: often, but not too much."""

    rollout = models.OneToOneField(Rollout, on_delete=models.CASCADE, related_name="cadence_band")
    min_posts_per_week = models.PositiveSmallIntegerField(default=2)
    max_posts_per_week = models.PositiveSmallIntegerField(default=10)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(max_posts_per_week__gte=F("min_posts_per_week")), name="engage_cadence_band_order"
            )
        ]

    def __str__(self):
        return f"{self.min_posts_per_week}-{self.max_posts_per_week} posts a week"
