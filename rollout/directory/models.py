"""The directory's records: SCIM bearer tokens, what SCIM says of people and groups, HR file imports."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rollout.models import Membership, Organization, Unit


class ScimToken(models.Model):
    """A bearer token an identity provider (Entra ID, Okta) uses to provision one organization's
    people and units. Only its SHA-256 is stored; the token is shown once, when it is created."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="scim_tokens")
    name = models.CharField(max_length=100, help_text=_("What uses it, e.g. Entra ID provisioning."))
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12, help_text="The token's first characters, to tell tokens apart.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def active(self):
        return self.revoked_at is None


class ScimPerson(models.Model):
    """A person as an identity provider provisioned them over SCIM: their membership (whose pk is
    the SCIM id, stable for as long as the membership lives) and what the provider said of them
    that Rollout has no field for, returned as it was sent.

    Rollout's own fields stay the truth for everything else: the email and name on `User`, the
    unit, manager, external id and active flag on `Membership`, all written through sync.py.
    A DELETE deactivates the membership and sets `deleted_at`: the row and the person's history
    stay, but SCIM answers 404 for them (RFC 7644 §3.6) until the provider creates them again."""

    membership = models.OneToOneField(
        Membership, primary_key=True, on_delete=models.CASCADE, related_name="scim_person"
    )
    user_name = models.CharField(max_length=254, help_text="SCIM userName, unique in the organization.")
    display_name = models.CharField(max_length=150, blank=True)
    given_name = models.CharField(max_length=150, blank=True)
    family_name = models.CharField(max_length=150, blank=True)
    # [{"value": "...", "type": "work", "primary": true}], as the provider sent them.
    emails = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return self.user_name


class ScimGroup(models.Model):
    """A unit an identity provider manages as a SCIM group (its pk is the unit's, the group's id).
    A DELETE moves the group's people out of the unit and sets `deleted_at`; the unit stays, with
    its history, for the admins to keep or remove (Settings → Units)."""

    unit = models.OneToOneField(Unit, primary_key=True, on_delete=models.CASCADE, related_name="scim_group")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return str(self.unit)


class PeopleImport(models.Model):
    """One HR file (CSV or XLSX of people) checked, previewed and, once confirmed, applied."""

    class Status(models.TextChoices):
        CHECKING = "checking", _("Checking")
        REFUSED = "refused", _("Refused: problems found")
        CHECKED = "checked", _("Checked: waiting for confirmation")
        IMPORTING = "importing", _("Importing")
        DONE = "done", _("Imported")
        CANCELLED = "cancelled", _("Cancelled")
        FAILED = "failed", _("Failed")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="people_imports")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    file = models.FileField(upload_to="people_imports/%Y/%m/")
    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64, help_text="Of the file: the same file is not imported twice.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CHECKING)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0, help_text="Progress of the check or of the import.")
    # {"added": n, "changed": n, "moved": n, "deactivated": n, "unchanged": n, "examples": {...}}
    summary = models.JSONField(default=dict, blank=True)
    # [{"row": n, "column": "email", "message": "..."}]
    problems = models.JSONField(default=list, blank=True)
    deactivate_missing = models.BooleanField(
        default=False, help_text="Deactivate the organization's people who are not in the file."
    )
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    checked_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organization", "sha256"])]

    def __str__(self):
        return f"{self.file_name} ({self.get_status_display()})"
