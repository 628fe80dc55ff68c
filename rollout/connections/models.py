"""An organization's connection to a platform, and the record of every run."""

import json

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from rollout.models import Organization, User
from rollout.secrets import EncryptedTextField

from . import registry


class Connection(models.Model):
    """One connection of an organization to a service, pulled daily at `schedule_hour` (in the
    organization's time zone). The kind (registry.py) says what it pulls and how."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="connections")
    kind = models.CharField(max_length=50)
    name = models.CharField(max_length=100)
    # The kind's secret fields as a JSON object, encrypted at rest (rollout/secrets.py); never
    # rendered back to a page.
    credentials = EncryptedTextField(blank=True)
    settings = models.JSONField(default=dict, blank=True)  # non-secret: tenant id, period, ...
    enabled = models.BooleanField(default=True)
    schedule_hour = models.PositiveSmallIntegerField(
        _("hour of the daily pull"),
        default=5,
        help_text=_("In the organization's time zone (0–23)."),
    )
    next_run_at = models.DateTimeField(null=True, blank=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    # When the current run of failures began: names the one email it sends (notifications.py).
    failing_since = models.DateTimeField(null=True, blank=True)
    failure_emailed = models.BooleanField(default=False)  # the admins were told of this run of failures
    # What the kind wants the admin to know and change (e.g. concealed names), from the last run.
    notice = models.TextField(blank=True)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "pk"]
        # The beat's query: enabled connections whose next run is due.
        indexes = [models.Index(fields=["enabled", "next_run_at"])]

    def __str__(self):
        return self.name

    @property
    def connector(self):
        """The registered kind, or None if the app that registered it is gone."""
        return registry.get(self.kind)

    @property
    def kind_label(self):
        connector = self.connector
        return connector.label if connector else gettext("%(kind)s (not installed)") % {"kind": self.kind}

    @property
    def secrets(self) -> dict:
        return json.loads(self.credentials) if self.credentials else {}

    @secrets.setter
    def secrets(self, values: dict) -> None:
        self.credentials = json.dumps(values) if values else ""

    def last_run(self):
        return self.runs.order_by("-started_at", "-pk").first()


class ConnectionRun(models.Model):
    """One attempt to pull a connection: when, how it ended, how many rows, what it imported."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        THROTTLED = "throttled", _("Throttled; retrying")

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="runs")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RUNNING)
    trigger = models.CharField(max_length=20, default="schedule")  # schedule, retry, manual
    rows_pulled = models.PositiveIntegerField(default=0)
    detail = models.TextField(blank=True)
    # Where a later attempt resumes (the kind's own JSON: files fetched, imports done).
    cursor = models.JSONField(default=dict, blank=True)
    # What the run imported, named without importing the app: "engage.ImportBatch:12,13".
    import_ref = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["connection", "started_at"])]

    def __str__(self):
        return f"{self.connection} at {self.started_at:%Y-%m-%d %H:%M} ({self.get_status_display()})"
