"""Applying a checked HR file: `sync.apply_person`'s rules for many people at once.

`sync.apply_person` looks a person up, writes them and returns, three to five queries each: right
for SCIM, which sends one person per call, and 40,000 queries for a file of 10,000 people. Here the
people of a file are written in batches (users, then memberships, then deactivations), each batch a
fixed number of queries, with the same outcome for every person as `apply_person` (held to it by
tests/directory_import/test_import.py) and `sync`'s own `unit_named`, `recount_headcounts` and
`outcome_counts`. The caller holds the transaction: everything or nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from importlib import import_module
from typing import TypeVar

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.db.models import Exists, OuterRef
from django.utils import timezone

from rollout.data_versions import new_data_version
from rollout.models import Membership, Organization, Role, Unit, User

from . import sync
from .hr_check import Check, Directory, Person

BATCH = 1000
MEMBERSHIP_FIELDS = [
    "unit",
    "location",
    "shift",
    "manager",
    "external_id",
    "is_active",
    "deactivated_at",
    "synced_at",
]
T = TypeVar("T")


def batches(items: Sequence[T], size: int = BATCH) -> Iterable[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def apply(
    organization: Organization,
    check: Check,
    directory: Directory,
    *,
    source: str = Membership.Source.HR_IMPORT,
    progress: Callable[[int], object] | None = None,
) -> dict[str, int]:
    """Write what `check` found to do; the outcome counts (`sync.outcome_counts`)."""
    now = timezone.now()
    units = _units(organization, check, directory, now)
    users = _users(check, directory)
    members = directory.members
    managers = {email: member.user_id for email, member in members.items()}
    managers.update(users)
    added, updated, moving_ids = [], [], []
    for done, person in enumerate(check.people, start=1):
        if progress is not None and done % BATCH == 0:
            progress(done)
        member = members.get(person.email)
        if member is None:
            added.append(_membership(organization, person, users[person.email], units, managers, source, now))
        elif person.outcome != sync.UNCHANGED:
            updated.append(_updated(member, person, units, managers, now))
            if updated[-1].external_id != member.external_id:
                moving_ids.append(member.pk)
    Membership.all_objects.bulk_create(added, batch_size=BATCH)
    # An employee id may pass from one person to another within the file: clear the changed ids
    # first, so no moment has two memberships with one id (the constraint is checked per row).
    for chunk in batches(moving_ids):
        Membership.all_objects.filter(pk__in=chunk).update(external_id="")
    Membership.all_objects.bulk_update(updated, MEMBERSHIP_FIELDS, batch_size=BATCH)
    _deactivate(check, now)
    sync.recount_headcounts(organization)
    new_data_version(organization.pk)  # bulk writes send no signal
    outcomes = [person.outcome for person in check.people] + [sync.DEACTIVATED] * len(check.deactivated)
    return sync.outcome_counts(outcomes)


def _units(organization: Organization, check: Check, directory: Directory, now) -> dict[tuple[str, str], int]:
    """Every unit and location the file names, by (kind, lower-case name): made with
    `sync.unit_named` (as the directory's) when new; an existing one found by name is marked as
    known to the directory (`synced_at`), so its form offers to count it from the directory."""
    units = dict(directory.units)
    for (kind, key), name in check.new_units.items():
        units[(kind, key)] = sync.unit_named(organization, name, kind).pk
    named = {
        units[(kind, name.lower())]
        for person in check.people
        for kind, name in ((Unit.Kind.DEPARTMENT, person.unit), (Unit.Kind.LOCATION, person.location))
        if name
    }
    for chunk in batches(sorted(named)):
        Unit.objects.filter(pk__in=chunk).update(synced_at=now)
    return units


def _users(check: Check, directory: Directory) -> dict[str, int]:
    """The user id of every person in the file: existing users are found (by email, in batches),
    the others made; names the file changes and sign-ins a returning person regains are written."""
    emails = [person.email for person in check.people]
    found: dict[str, User] = {}
    for chunk in batches(emails):
        for user in User.objects.filter(email__in=chunk).only("pk", "email", "full_name", "is_active"):
            found[user.email.lower()] = user
    new = []
    for person in check.people:
        if person.email not in found:
            user = User(email=person.email, full_name=(person.name or "").strip())
            user.set_unusable_password()
            new.append(user)
    User.objects.bulk_create(new, batch_size=BATCH)
    renamed: list[User] = []
    reactivated: list[int] = []
    for person in check.people:
        known = found.get(person.email)
        if known is None:
            continue
        if person.name and known.full_name != person.name:
            known.full_name = person.name
            renamed.append(known)
        member = directory.members.get(person.email)
        if not known.is_active and (member is None or not member.is_active):
            reactivated.append(known.pk)  # added or reactivated here: their sign-in comes back
    User.objects.bulk_update(renamed, ["full_name"], batch_size=BATCH)
    for pks in batches(reactivated):
        User.objects.filter(pk__in=pks).update(is_active=True)
    ids = {email: user.pk for email, user in found.items()}
    for chunk in batches([user.email for user in new]):
        ids.update(User.objects.filter(email__in=chunk).values_list("email", "pk"))
    return ids


def _unit(units: dict[tuple[str, str], int], kind: str, name: str) -> int | None:
    return units[(kind, name.lower())] if name else None


def _membership(organization, person: Person, user_id: int, units, managers, source: str, now) -> Membership:
    return Membership(
        organization=organization,
        user_id=user_id,
        role=Role.MEMBER,
        source=source,
        unit_id=_unit(units, Unit.Kind.DEPARTMENT, person.unit or ""),
        location_id=_unit(units, Unit.Kind.LOCATION, person.location or ""),
        shift=person.shift or "",
        manager_id=managers.get(person.manager) if person.manager else None,
        external_id=person.employee_id or "",
        synced_at=now,
        is_active=True,
    )


def _updated(member, person: Person, units, managers, now) -> Membership:
    """The member's membership with what the file gives (a column it lacks leaves the field)."""
    given = {
        "unit_id": member.unit_id if person.unit is None else _unit(units, Unit.Kind.DEPARTMENT, person.unit),
        "location_id": member.location_id
        if person.location is None
        else _unit(units, Unit.Kind.LOCATION, person.location),
        "shift": member.shift if person.shift is None else person.shift,
        "manager_id": member.manager_id
        if person.manager is None
        else (managers.get(person.manager) if person.manager else None),
        "external_id": member.external_id if person.employee_id is None else person.employee_id,
    }
    return Membership(pk=member.pk, is_active=True, deactivated_at=None, synced_at=now, **given)


def _deactivate(check: Check, now) -> None:
    """`sync.deactivate` for many: the memberships stop giving access, the people left with no
    active membership cannot sign in, and their signed-in sessions end (one pass over the live
    sessions for all of them, where `sync.end_sessions` makes one per person)."""
    pks = [member.pk for member in check.deactivated]
    user_ids = {member.user_id for member in check.deactivated}
    if not pks:
        return
    for chunk in batches(pks):
        Membership.all_objects.filter(pk__in=chunk, is_active=True).update(
            is_active=False, deactivated_at=now
        )
    for chunk in batches(sorted(user_ids)):
        User.objects.filter(pk__in=chunk, is_active=True).exclude(
            Exists(Membership.objects.filter(user=OuterRef("pk")))
        ).update(is_active=False)
    engine = import_module(settings.SESSION_ENGINE)
    signed_in = {str(pk) for pk in user_ids}
    for session in Session.objects.filter(expire_date__gt=now).iterator():
        if session.get_decoded().get(SESSION_KEY) in signed_in:
            engine.SessionStore(session.session_key).delete()
