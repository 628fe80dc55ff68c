"""Retention: each organization keeps activity records, conversation text, sent emails and its
audit trail for as long as its settings say (Settings → Organization, "Privacy"), and no longer.

Once a night in the organization's time zone (from 02:00), `run_due` asks every step to remove
what is older than its policy (`Step.apply_retention`: activity records, conversation text), then
clears the outbox's copies of old emails and deletes old audit events, all set-based. Each run is
a `RetentionRun` (what was removed, by kind), an audit event, and a line in the admins' next
weekly digest."""

import contextlib
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import formats
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import audit
from .i18n import Phrase, number
from .models import AuditEvent, Notification, Organization, RetentionRun
from .steps import marked, registry

RUN_FROM = time(2)  # local time: the quiet hours
# What a run removes, by the name it is stored under (RetentionRun.removed), as people read it.
KINDS = {
    "activity records": _("activity records"),
    "conversation texts": _("conversation texts"),
    "copies of sent emails": _("copies of sent emails"),
    "audit events": _("audit events"),
}


def run_due(now: datetime) -> int:
    """Apply retention to every organization whose night has come and that has no run today;
    how many ran."""
    ran = 0
    for organization in Organization.objects.all():
        today = now.astimezone(ZoneInfo(organization.timezone))
        if (
            today.time() < RUN_FROM
            or RetentionRun.objects.filter(organization=organization, day=today.date()).exists()
        ):
            continue
        apply(organization, now, today.date())
        ran += 1
    return ran


def apply(organization: Organization, now: datetime, day=None) -> dict[str, int]:
    """Remove what the organization keeps no longer; {what: how many}."""
    policy = organization.retention
    removed: dict[str, int] = {}
    with transaction.atomic():
        for step in registry.steps():
            removed.update(step.apply_retention(organization, policy, now))
        if policy.email_body_days is not None:
            removed["copies of sent emails"] = _clear_emails(
                organization, now - timedelta(days=policy.email_body_days)
            )
        if policy.audit_days is not None:
            old = AuditEvent.objects.filter(
                organization=organization, created_at__lt=now - timedelta(days=policy.audit_days)
            )
            removed["audit events"] = old.delete()[0]
        run, _ = RetentionRun.objects.update_or_create(
            organization=organization, day=day or now.date(), defaults={"removed": removed}
        )
        parts = _phrase_parts(removed)  # read in the reader's language
        summary = (
            Phrase.gettext("Removed %(parts)s.", parts=parts)
            if parts
            else Phrase.gettext("Nothing was old enough to remove.")
        )
        audit.record(None, AuditEvent.Action.RETENTION, None, summary, organization=organization)
    return removed


def _clear_emails(organization: Organization, before: datetime) -> int:
    """The outbox keeps each notification's row (its key stops it being sent twice) but not what
    the email said: the subject, the context's ids, the copies and the file written in the
    embedded mode go."""
    old = Notification.objects.filter(
        organization=organization, created_at__lt=before, status__in=("sent", "failed", "cancelled")
    ).exclude(subject="", payload={}, cc=[], last_error="", sent_file="")
    for path in old.exclude(sent_file="").values_list("sent_file", flat=True):
        remove_file(path)
    return old.update(subject="", payload={}, cc=[], last_error="", sent_file="")


def remove_file(path: str) -> None:
    """Delete a file the outbox wrote (the embedded mode's copy of a sent email), if it is there."""
    # A file already moved, or on a read-only disk: the row no longer points at it either way.
    with contextlib.suppress(OSError):
        Path(path).unlink(missing_ok=True)


def summarize(removed: dict[str, int]) -> str:
    """ "Removed activity records: 120, audit events: 3." (kinds with nothing removed left out), in
    the active language."""
    parts = _parts(removed)
    return gettext("Removed %(parts)s.") % {"parts": parts} if parts else ""


def _parts(removed: dict[str, int]) -> str:
    return ", ".join(f"{KINDS.get(what, what)}: {number(count)}" for what, count in removed.items() if count)


def _phrase_parts(removed: dict[str, int]):
    """`_parts` as a Phrase (stored in English, read in the reader's language), or "" for nothing."""
    text = ""
    for what, count in removed.items():
        if not count:
            continue
        kind = marked(KINDS[what]) if what in KINDS else what
        # Translators: what a retention run removed and how many, e.g. "audit events: 3".
        part = Phrase.gettext("%(kind)s: %(count)s", kind=kind, count=count)
        # Translators: a list of what was removed, e.g. "activity records: 120, audit events: 3".
        text = Phrase.gettext("%(list)s, %(item)s", list=text, item=part) if text else part
    return text


def week_lines(organization: Organization, since: datetime) -> list[str]:
    """The admins' digest lines: the retention runs of the week, with what they removed."""
    runs = RetentionRun.objects.filter(organization=organization, created_at__gte=since).order_by("day")
    return [
        f"{formats.date_format(run.day, 'D d M')}: {summarize(run.removed)}"
        for run in runs
        if summarize(run.removed)
    ]
