"""What the directory says of a person or a unit, applied to Rollout: one path for SCIM and the HR
import, so both add, change, move and deactivate people the same way.

- A person is a `User` (by email, shared between organizations) and their `Membership` of the
  organization. The directory never sets a role: a person it adds is a member, and a role an admin
  gave stays whatever the directory says.
- Deactivating keeps the membership and everything the person did (sessions logged, points,
  acknowledgements); it ends the person's access at once: the membership stops counting for
  access and figures, their signed-in sessions end, and a person left with no active membership
  anywhere can no longer sign in.
- Units the directory names are found by name (and kind), or made; they are marked as the
  directory's, and their headcount is counted from their active members (`recount_headcounts`)
  unless an admin typed one (`Unit.HeadcountSource.MANUAL`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from rollout import user_sessions
from rollout.models import Membership, Organization, Role, Unit, User

if TYPE_CHECKING:
    from collections.abc import Iterable

ADDED, CHANGED, MOVED, DEACTIVATED, REACTIVATED, UNCHANGED = (
    "added",
    "changed",
    "moved",
    "deactivated",
    "reactivated",
    "unchanged",
)


@dataclass
class PersonValues:
    """One person as the directory has them. `None` for a field means "the directory says nothing
    of it" (left as it is); "" or no unit means "the directory says there is none"."""

    email: str
    full_name: str | None = None
    external_id: str | None = None
    unit: Unit | None | bool = False  # False: not given
    location: Unit | None | bool = False
    shift: str | None = None
    manager: User | None | bool = False
    active: bool = True


def unit_named(organization: Organization, name: str, kind: str = Unit.Kind.DEPARTMENT) -> Unit:
    """The organization's unit of that name and kind, made (as the directory's) if there is none."""
    unit, created = Unit.objects.get_or_create(
        organization=organization,
        kind=kind,
        name=name.strip()[:150],
        defaults={"headcount_source": Unit.HeadcountSource.DIRECTORY, "synced_at": timezone.now()},
    )
    return unit


def membership_of(organization: Organization, email: str) -> Membership | None:
    """The person's membership of the organization, active or not."""
    return (
        Membership.all_objects.select_related("user", "unit", "location")
        .filter(organization=organization, user__email__iexact=email.strip())
        .first()
    )


@transaction.atomic
def apply_person(organization: Organization, values: PersonValues, *, source: str) -> tuple[Membership, str]:
    """Add or update one person; (their membership, what happened: ADDED, CHANGED, MOVED,
    DEACTIVATED, REACTIVATED or UNCHANGED). MOVED is a change of unit (whatever else changed)."""
    email = User.objects.normalize_email(values.email.strip()).lower()
    user = User.objects.filter(email__iexact=email).first()
    renamed = False
    if user is None:
        user = User.objects.create_user(email=email, full_name=(values.full_name or "").strip())
    elif (
        values.full_name is not None
        and values.full_name.strip()
        and user.full_name != values.full_name.strip()
    ):
        user.full_name = values.full_name.strip()
        user.save(update_fields=["full_name"])
        renamed = True  # a new name is a change of the person, though not of the membership
    membership = Membership.all_objects.filter(organization=organization, user=user).first()
    now = timezone.now()
    if membership is None:
        membership = Membership(organization=organization, user=user, role=Role.MEMBER, source=source)
        _set_fields(membership, values)
        membership.is_active = values.active
        membership.deactivated_at = None if values.active else now
        membership.synced_at = now
        membership.save()
        if values.active and not user.is_active:
            user.is_active = True
            user.save(update_fields=["is_active"])
        return membership, ADDED if values.active else DEACTIVATED
    old_unit = membership.unit_id
    changed = _set_fields(membership, values) or renamed
    outcome = MOVED if membership.unit_id != old_unit else (CHANGED if changed else UNCHANGED)
    if membership.is_active and not values.active:
        membership.is_active, membership.deactivated_at, outcome = False, now, DEACTIVATED
    elif not membership.is_active and values.active:
        membership.is_active, membership.deactivated_at, outcome = True, None, REACTIVATED
    if outcome != UNCHANGED:
        membership.synced_at = now
        membership.save()
    if outcome == DEACTIVATED:
        end_access(user)
    elif outcome == REACTIVATED and not user.is_active:
        user.is_active = True
        user.save(update_fields=["is_active"])
    return membership, outcome


def _set_fields(membership: Membership, values: PersonValues) -> bool:
    """Set what the directory gave; whether anything changed."""
    changed = False
    for field, value in (
        ("external_id", values.external_id),
        ("shift", values.shift),
        ("unit", values.unit),
        ("location", values.location),
        ("manager", values.manager),
    ):
        if value is None and field in ("external_id", "shift"):
            continue
        if value is False:
            continue
        current = getattr(membership, f"{field}_id" if field in ("unit", "location", "manager") else field)
        new = getattr(value, "pk", value) if field in ("unit", "location", "manager") else value
        if current != new:
            setattr(membership, field, value)
            changed = True
    return changed


@transaction.atomic
def deactivate(membership: Membership) -> bool:
    """Deactivate one membership (its history kept); whether it was active."""
    if not membership.is_active:
        return False
    membership.is_active, membership.deactivated_at = False, timezone.now()
    membership.save(update_fields=["is_active", "deactivated_at"])
    end_access(membership.user)
    return True


def end_access(user: User) -> int:
    """End the person's signed-in sessions, and their sign-in if no active membership is left;
    how many sessions ended. A person who is still active in another organization stays able to
    sign in there, but is signed out everywhere now (their next page asks them to sign in again)."""
    if not Membership.objects.filter(user=user).exists() and user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
    return end_sessions(user)


def end_sessions(user: User) -> int:
    """Sign the person out everywhere (rollout/user_sessions.py); how many sessions ended."""
    return user_sessions.end_all(user)


def recount_headcounts(organization: Organization, units: Iterable[Unit] | None = None) -> int:
    """Set the headcount of the organization's directory units (or of `units` among them) to their
    active members (a location counts the people located there); how many changed. Three queries
    to count, one to store."""
    rows = Unit.objects.filter(organization=organization, headcount_source=Unit.HeadcountSource.DIRECTORY)
    if units is not None:
        rows = rows.filter(pk__in=[unit.pk for unit in units])
    active = Membership.objects.filter(organization=organization)
    members = dict(active.values_list("unit").annotate(n=Count("pk")).order_by())
    located = dict(active.values_list("location").annotate(n=Count("pk")).order_by())
    changed = []
    for unit in rows:
        count = (located if unit.kind == Unit.Kind.LOCATION else members).get(unit.pk, 0)
        if unit.headcount != count:
            unit.headcount = count
            changed.append(unit)
    Unit.objects.bulk_update(changed, ["headcount"])
    if changed:
        from rollout.data_versions import new_data_version

        new_data_version(organization.pk)  # bulk_update sends no signal: the figures use headcounts
    return len(changed)


def outcome_counts(outcomes: Iterable[str]) -> dict[str, int]:
    counts = Counter(outcomes)
    return {key: counts.get(key, 0) for key in (ADDED, CHANGED, MOVED, DEACTIVATED, REACTIVATED, UNCHANGED)}
