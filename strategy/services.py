"""Writes to the worksheet: saving a section, sign-off, and copying from another rollout."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from rollout.access import ADMINS, Scope
from rollout.models import Rollout, User

from .completeness import annotate_counts, sign_off_problems
from .models import (
    Audience,
    AwarenessChannel,
    Objective,
    Stakeholder,
    SuccessMetric,
    TimeAllowance,
    Worksheet,
)


class SignOffError(Exception):
    """The worksheet is not in a state that allows this step of the sign-off."""


LOCKED = _("This worksheet is submitted or approved; reopen it to make changes.")


# The rows a worksheet's sections edit in formsets.
WorksheetRow = Objective | TimeAllowance | Stakeholder | Audience | AwarenessChannel | SuccessMetric


@dataclass(frozen=True)
class RowChanges:
    """What a section page changes in one table of the worksheet's rows (one formset's worth).

    `saved`: the cleaned values of each new or changed row, in order; an existing row's values
    hold the row itself under "id" (None, or no "id", for a new row). `deleted`: the existing rows
    to delete. Only the model's own fields are taken from the values; the worksheet is the one
    being saved.
    """

    model: type[WorksheetRow]
    saved: Sequence[Mapping[str, Any]] = ()
    deleted: Sequence[WorksheetRow] = ()


@transaction.atomic
def save_section(
    worksheet: Worksheet,
    values: Mapping[str, Any] | None,
    rows: Sequence[RowChanges] = (),
) -> None:
    """Save a section's own fields of the worksheet and its rows together: all of it, or (on an
    exception) nothing.

    `values`: the cleaned data of the section's form, the worksheet fields it edits (None for a
    section without one); `rows`: the changes to each of its tables, in the section's order.

    The worksheet itself is created by the first section saved. The lock is checked under a row
    lock, and only the section's own fields are written, so a sign-off that happened while the
    page was open is neither bypassed nor undone.
    """
    if worksheet.pk is None:
        _assign(worksheet, values or {})
        worksheet.save()
    else:
        if Worksheet.objects.select_for_update().get(pk=worksheet.pk).is_locked:
            raise SignOffError(str(LOCKED))
        if values is not None:
            worksheet.save(update_fields=[*_assign(worksheet, values), "updated_at"])
    # Channels before audiences: deleting an audience deletes its channels.
    for changes in reversed(rows):
        _save_rows(worksheet, changes)


def _assign(instance: models.Model, values: Mapping[str, Any], parent: str = "") -> list[str]:
    """Set the instance's own fields (not its primary key, nor its `parent` link) from `values`;
    the names of the fields set."""
    names = {f.name for f in instance._meta.concrete_fields if not f.primary_key and f.name != parent}
    assigned = [name for name in values if name in names]
    for name in assigned:
        setattr(instance, name, values[name])
    return assigned


def _own_row(worksheet: Worksheet, row: WorksheetRow) -> WorksheetRow:
    """`row`, which must be one of the worksheet's rows (never another worksheet's)."""
    if row.worksheet_id != worksheet.pk:
        raise ValueError(f"{row!r} is not a row of {worksheet!r}.")
    return row


def _save_rows(worksheet: Worksheet, changes: RowChanges) -> None:
    """Delete, update and add a table's rows, one save() or delete() each, so that the history
    records every change (and who made it)."""
    for row in changes.deleted:
        if row.pk is not None:
            _own_row(worksheet, row).delete()
    for values in changes.saved:
        existing = values.get("id")
        row = _own_row(worksheet, existing) if existing is not None else changes.model()
        _assign(row, values, parent="worksheet")
        row.worksheet = worksheet
        row.save()


@transaction.atomic
def _transition(
    worksheet: Worksheet,
    allowed_from: Iterable[str],
    check: Callable[[Worksheet], None] | None = None,
    **changes: Any,
) -> None:
    """Move the worksheet to a new status if it is still in one of `allowed_from` (row-locked)."""
    current = Worksheet.objects.select_for_update().get(pk=worksheet.pk)
    if current.status not in allowed_from:
        raise SignOffError(gettext("The worksheet changed in the meantime; reload the page."))
    if check is not None:
        check(current)
    for name, value in changes.items():
        setattr(current, name, value)
    current.save()  # through save(), so the history records the transition and who made it
    worksheet.refresh_from_db()


def _ready_for_sign_off(worksheet: Worksheet) -> None:
    problems = sign_off_problems(annotate_counts(Worksheet.objects.filter(pk=worksheet.pk)).get())
    if problems:
        raise SignOffError(" ".join(problems))


def submit(worksheet: Worksheet, user: User) -> None:
    _transition(
        worksheet,
        [Worksheet.Status.DRAFT],
        check=_ready_for_sign_off,
        status=Worksheet.Status.SUBMITTED,
        submitted_by=user,
        submitted_at=timezone.now(),
        review_comment="",
    )


def approve(worksheet: Worksheet, user: User) -> None:
    _transition(
        worksheet,
        [Worksheet.Status.SUBMITTED],
        status=Worksheet.Status.APPROVED,
        approved_by=user,
        approved_at=timezone.now(),
    )


def send_back(worksheet: Worksheet, user: User, comment: str) -> None:
    _transition(
        worksheet, [Worksheet.Status.SUBMITTED], status=Worksheet.Status.DRAFT, review_comment=comment
    )


def reopen(worksheet: Worksheet, user: User) -> None:
    _transition(
        worksheet,
        [Worksheet.Status.APPROVED, Worksheet.Status.SUBMITTED],
        status=Worksheet.Status.DRAFT,
        approved_by=None,
        approved_at=None,
    )


def can_approve(rollout: Rollout, scope: Scope) -> bool:
    """The rollout's owner or an admin approves: managers submit the worksheet and the owner, who
    answers for the rollout, signs off its targets."""
    return scope.has_role(ADMINS) or rollout.owner_id == scope.user.pk


COPIED_FIELDS = [
    "main_purpose",
    "purpose_notes",
    "business_owner",
    "budget_holder",
    "process_manager",
    "budget_amount",
    "budget_currency",
    "coverage",
    "coverage_time_zones",
    "coverage_notes",
    "response_target_hours",
    "moderation",
    "moderation_notes",
    "review_cadence",
    "review_every_weeks",
]


@transaction.atomic
def copy_from(source_rollout: Rollout, rollout: Rollout) -> Worksheet:
    """Fill `rollout`'s draft worksheet from another rollout's worksheet, as a template.

    Dates belong to the other rollout's timeline, so they are left empty to be set again. Only an
    empty worksheet can be filled this way.
    """
    source = Worksheet.objects.get(rollout=source_rollout)
    worksheet, _created = Worksheet.objects.get_or_create(rollout=rollout)
    worksheet = Worksheet.objects.select_for_update().get(pk=worksheet.pk)
    if worksheet.is_locked:
        raise SignOffError(
            gettext("The worksheet is submitted or approved; reopen it before copying into it.")
        )
    if any(
        model.objects.filter(worksheet=worksheet).exists()
        for model in (Objective, Stakeholder, Audience, SuccessMetric)
    ):
        # Copying twice (a double click) would duplicate every row.
        raise SignOffError(
            gettext("This worksheet already has rows: a worksheet can only be copied into an empty one.")
        )
    for name in COPIED_FIELDS:
        setattr(worksheet, name, getattr(source, name))
    worksheet.save()
    for model, fields in (
        (Objective, ["title", "description"]),
        (TimeAllowance, ["audience", "hours_per_week"]),
        (Stakeholder, ["name", "need", "influence", "interest", "involvement"]),
    ):
        for row in model.objects.filter(worksheet=source):
            model.objects.create(worksheet=worksheet, **{f: getattr(row, f) for f in fields})
    audiences: dict[int | None, Audience] = {}
    for audience in Audience.objects.filter(worksheet=source):
        audiences[audience.pk] = Audience.objects.create(
            worksheet=worksheet,
            kind=audience.kind,
            name=audience.name,
            unit=audience.unit,
            size=audience.size,
        )
    for channel in AwarenessChannel.objects.filter(worksheet=source):
        AwarenessChannel.objects.create(
            worksheet=worksheet,
            audience=audiences[channel.audience_id],
            channel=channel.channel,
            notes=channel.notes,
        )
    for metric in SuccessMetric.objects.filter(worksheet=source):
        SuccessMetric.objects.create(
            worksheet=worksheet,
            metric_key=metric.metric_key,
            custom_name=metric.custom_name,
            audience=audiences.get(metric.audience_id),
            baseline=metric.baseline,
            target=metric.target,
            source=metric.source,
        )
    return worksheet
