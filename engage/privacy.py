"""Erasing a person and the retention of activity records (Engage, part 1).

An export names people by email or UPN (`ActivityRecord.person_key`). Erasing a person replaces
each of their keys by a pseudonymous one and their name by the pseudonym's, in place: the rollups
and the 28-day windows count people, not names, so every figure reads the same after as before,
and a rebuild of the rollups still counts them once per key, as before. Retention removes the
records of the days older than the organization keeps them and leaves the rollups and windows
built from them, so the figures of those days do not change either.

Set-based throughout: one statement per key or per string to scrub, never one per record.
"""

import json
import logging
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from rollout.data_versions import new_data_version
from rollout.models import Membership, Organization, Rollout
from rollout.steps import Pseudonym

from .matching import keys_of
from .models import ActivityRecord, ImportBatch, ImportProblem, OfficialAccount, PersonMatch, Source

log = logging.getLogger(__name__)

# An import no worker or manager still needs the stored file of.
FINISHED = (
    ImportBatch.Status.DONE,
    ImportBatch.Status.INVALID,
    ImportBatch.Status.FAILED,
    ImportBatch.Status.CANCELLED,
)


def pseudonymous_keys(membership: Membership, pseudonym: Pseudonym) -> dict[str, str]:
    """{every key an export may use for the person: the key that replaces it}, in one query.

    Their email becomes the pseudonym's email; each other key (an alias, their email on a matched
    domain) a numbered one at the same reserved domain. One per key, not one for all: two keys of
    one person are two people to the rollups (they were counted apart), and the natural key of a
    record is unique per key, so merging them could change a rebuilt figure or collide."""
    email = membership.user.email.lower()
    keys = keys_of(membership.organization_id, email, membership.user_id)
    local, _, domain = pseudonym.email.rpartition("@")
    ordered = [email, *sorted(keys - {email})]
    return {key: pseudonym.email if n == 0 else f"{local}-{n + 1}@{domain}" for n, key in enumerate(ordered)}


@transaction.atomic
def erase_person(membership: Membership, pseudonym: Pseudonym, keys: dict[str, str]) -> int:
    """Erase the membership's person from the activity part of its organization's rollouts (keys
    from pseudonymous_keys); the number of rows changed or deleted."""
    user = membership.user
    organization_id = membership.organization_id
    rollout_ids = list(Rollout.objects.filter(organization_id=organization_id).values_list("pk", flat=True))
    scrubbing = Pseudonym(
        name=pseudonym.name,
        email=pseudonym.email,
        key=pseudonym.key,
        personal=tuple(dict.fromkeys((*pseudonym.personal, user.email.lower(), *sorted(keys)))),
    )
    changed = 0
    records = ActivityRecord.objects.filter(rollout_id__in=rollout_ids)
    for key, pseudonymous in keys.items():
        # Their records stay, under the pseudonymous key: the rollups and windows count them.
        # Every source named, so that the natural key's index (rollout, source, person key)
        # finds the rows instead of a scan of the rollouts' records.
        changed += records.filter(source__in=Source.values, person_key=key).update(
            person_key=pseudonymous, display_name=pseudonym.name
        )
    # Their name under a key not matched to them (an export's own alias): renamed wherever it is.
    changed += scrubbing.scrub(records.exclude(display_name=""), "display_name")
    # An official account keeps its cadence: its key follows the records' key.
    accounts = OfficialAccount.objects.filter(rollout_id__in=rollout_ids)
    for key, pseudonymous in keys.items():
        changed += accounts.filter(person_key=key).update(person_key=pseudonymous)
    changed += scrubbing.scrub(accounts, "label")
    # A one-person match is theirs alone: their records no longer need it (their keys are gone, and
    # re-matching leaves pseudonymous keys alone: engage/matching.py).
    matches = PersonMatch.objects.filter(organization_id=organization_id)
    changed += matches.filter(
        Q(user=user) | Q(kind=PersonMatch.Kind.PERSON, export_key__in=sorted(keys))
    ).delete()[0]
    changed += matches.filter(created_by=user).update(created_by=None)
    # Imports: who uploaded and confirmed them goes; the file's name, message and problems are
    # scrubbed; the preview and the unmatched sample hold rows of the file (rewritten below).
    batches = ImportBatch.objects.filter(rollout_id__in=rollout_ids)
    changed += batches.filter(uploaded_by=user).update(uploaded_by=None)
    changed += batches.filter(confirmed_by=user).update(confirmed_by=None)
    changed += scrubbing.scrub(batches, "file_name", "message")
    changed += scrubbing.scrub(
        ImportProblem.objects.filter(batch__rollout_id__in=rollout_ids), "value", "message"
    )
    changed += _rewrite_samples(batches, scrubbing, keys)
    # The stored export files hold their rows too and cannot be scrubbed in place; a finished
    # import never reads its file again, so the organization's are removed.
    changed += _remove_files(batches.filter(status__in=FINISHED))
    if changed:
        new_data_version(organization_id, app="engage")
    return changed


def _rewrite_samples(batches, pseudonym: Pseudonym, keys: dict[str, str]) -> int:
    """Replace the person in the preview and unmatched sample of the batches that name them (one
    query to find them, one to write them back: a few batches, each with a few dozen rows)."""
    texts = [text for text in pseudonym.personal if text]
    # JSON as the database stores it: SQLite keeps non-ASCII letters escaped ("Jos\u00e9").
    variants = {variant for text in texts for variant in (text, json.dumps(text)[1:-1])}
    named = Q()
    for variant in variants:
        named |= Q(preview_text__icontains=variant) | Q(sample_text__icontains=variant)
    found = list(
        batches.annotate(
            preview_text=Cast("preview", TextField()), sample_text=Cast("unmatched_sample", TextField())
        )
        .filter(named)
        .only("pk", "preview", "unmatched_sample")
    )
    if not found:
        return 0
    pattern = re.compile("|".join(re.escape(text) for text in sorted(texts, key=len, reverse=True)), re.I)

    def replaced(value: Any) -> Any:
        if isinstance(value, str):
            if value.lower() in keys:
                return keys[value.lower()]
            return pattern.sub(lambda m: pseudonym.email if "@" in m.group(0) else pseudonym.name, value)
        if isinstance(value, list):
            return [replaced(item) for item in value]
        if isinstance(value, dict):
            return {key: replaced(item) for key, item in value.items()}
        return value

    for batch in found:
        batch.preview = replaced(batch.preview)
        batch.unmatched_sample = replaced(batch.unmatched_sample)
    return ImportBatch.objects.bulk_update(found, ["preview", "unmatched_sample"])


def _remove_files(batches) -> int:
    """Forget the stored files of `batches` (two queries) and delete them once this commits."""
    paths = list(batches.exclude(stored_path="").values_list("stored_path", flat=True))
    if not paths:
        return 0
    removed = batches.exclude(stored_path="").update(stored_path="")
    root = Path(settings.MEDIA_ROOT)

    def delete_files():
        for path in paths:
            try:
                (root / path).unlink(missing_ok=True)
            except OSError:  # a file that cannot be deleted must not undo the erasure
                log.warning("Could not delete the stored import %s", path)

    transaction.on_commit(delete_files)
    return removed


def apply_retention(organization: Organization, days: int | None, now: datetime) -> int:
    """Delete the activity records of the organization's rollouts that describe a day more than
    `days` days before `now` (their period's last day); the number deleted. None keeps them.

    The rollups and 28-day windows built from them stay: every figure of those days (and the
    trends) reads them, never the records, so nothing a page shows changes. A later rebuild of
    every period (engage/rollups.py `rebuild_all`) leaves the periods before the records alone.
    The imports whose whole period is gone lose their preview, unmatched sample, problems and
    stored file too: they quote rows of the file."""
    if days is None:
        return 0
    cutoff = timezone.localdate(now) - timedelta(days=days)
    rollout_ids = list(Rollout.objects.filter(organization=organization).values_list("pk", flat=True))
    if not rollout_ids:
        return 0
    with transaction.atomic():
        deleted = _delete_records(rollout_ids, cutoff)
        old = ImportBatch.objects.filter(rollout_id__in=rollout_ids, period_end__lt=cutoff)
        ImportProblem.objects.filter(batch__in=old).delete()
        old.exclude(preview=[], unmatched_sample=[]).update(preview=[], unmatched_sample=[])
        _remove_files(old.filter(status__in=FINISHED))
        if deleted:
            new_data_version(organization.pk, app="engage")
    return deleted


def _delete_records(rollout_ids: list[int], before) -> int:
    """DELETE the records of the rollouts whose period ends before `before`, in one statement.

    Not `QuerySet.delete()`: that loads every row to send its post_delete signal (the data-version
    receiver listens to every model), millions of rows for a year of a large rollout. Nothing
    refers to a record, and the caller marks the figures out of date once (see rollups._delete)."""
    quote = connection.ops.quote_name
    table = quote(ActivityRecord._meta.db_table)
    rollout = quote(ActivityRecord._meta.get_field("rollout").get_attname())
    period_end = quote(ActivityRecord._meta.get_field("period_end").get_attname())
    marks = ", ".join(["%s"] * len(rollout_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table} WHERE {rollout} IN ({marks}) AND {period_end} < %s",  # noqa: S608
            [*rollout_ids, before],
        )
        return cursor.rowcount
