"""Checking an HR file against the organization: every problem by row and column, and what
importing it would do to each person it names (added, changed, moved, reactivated, unchanged) and,
when asked, to the people it does not name (deactivated; never an admin or the importing admin).

The organization is read once (`Directory.of`: its memberships with their people and managers, and
its units), so a check costs the same few queries whatever the file's length; the import reads it
again under its transaction and checks the file anew against what it finds then.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import translation

from rollout.i18n import Phrase, dump_text
from rollout.models import Membership, Organization, Role, Shift, Unit

from . import hr_file
from .sync import ADDED, CHANGED, DEACTIVATED, MOVED, REACTIVATED, UNCHANGED

MAX_LENGTHS = {"email": 254, "name": 150, "unit": 150, "location": 150, "employee_id": 200}
MAX_PROBLEMS = 1000  # listed; a file wrong throughout says how many more there are
EXAMPLES = 10  # first rows of each group shown in the preview
PROGRESS_EVERY = 500
NEW_UNIT = -1  # a unit the import will make: equal to no existing unit's id


@cache
def shifts() -> dict[str, str]:
    """{a shift as a file may give it, in lower case: its value}: the value, or its label in any
    language Rollout speaks."""
    found = {}
    for value, label in Shift.choices:
        found[value] = value
        for language, _ in settings.LANGUAGES:
            with translation.override(language):
                found.setdefault(str(label).lower(), value)
    return found


def accepted_shifts() -> Phrase:
    """The shifts a file may give, as "day (Day (07-15)), …": each label in the reader's language."""
    with translation.override("en"):
        parts = {
            f"shift{index}": Phrase(f"{value} (%(label)s)", {"label": Phrase(str(label))})
            for index, (value, label) in enumerate(Shift.choices)
        }
    return Phrase(", ".join(f"%({key})s" for key in parts), parts)


def max_rows() -> int:
    return int(getattr(settings, "PEOPLE_IMPORT_MAX_ROWS", 50_000))


@dataclass(frozen=True)
class Member:
    pk: int
    user_id: int
    email: str
    full_name: str
    role: str
    is_active: bool
    unit_id: int | None
    location_id: int | None
    shift: str
    manager_id: int | None
    manager_email: str
    external_id: str


@dataclass
class Directory:
    """The organization as the check and the import find it: two queries."""

    members: dict[str, Member]  # by email, lower case; active or not
    units: dict[tuple[str, str], int]  # (kind, name in lower case) -> id
    unit_names: dict[int, str]

    @classmethod
    def of(cls, organization: Organization) -> Directory:
        rows = Membership.all_objects.filter(organization=organization).values_list(
            "pk",
            "user_id",
            "user__email",
            "user__full_name",
            "role",
            "is_active",
            "unit_id",
            "location_id",
            "shift",
            "manager_id",
            "manager__email",
            "external_id",
        )
        members = {}
        for pk, user_id, email, name, role, active, unit, location, shift, manager, boss, external in rows:
            members[email.lower()] = Member(
                pk, user_id, email.lower(), name, role, active, unit, location, shift, manager,
                (boss or "").lower(), external,
            )  # fmt: skip
        units: dict[tuple[str, str], int] = {}
        names: dict[int, str] = {}
        for pk, kind, name in Unit.objects.filter(
            organization=organization, kind__in=[Unit.Kind.DEPARTMENT, Unit.Kind.LOCATION]
        ).values_list("pk", "kind", "name"):
            units.setdefault((kind, name.strip().lower()), pk)
            names[pk] = name
        return cls(members, units, names)

    def unit_id(self, kind: str, name: str | None) -> int | None:
        if not name:
            return None
        return self.units.get((kind, name.lower()), NEW_UNIT)


@dataclass
class Person:
    """One row of the file, checked. For each column, None means the file has no such column (the
    import leaves that field alone) and "" an empty cell (the import clears the field)."""

    row: int
    email: str
    name: str | None = None
    unit: str | None = None
    location: str | None = None
    shift: str | None = None  # a Shift value
    manager: str | None = None  # an email, lower case
    employee_id: str | None = None
    outcome: str = ""
    changes: list[str] = field(default_factory=list)


@dataclass
class Check:
    rows: int = 0
    people: list[Person] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)
    problem_count: int = 0
    deactivated: list[Member] = field(default_factory=list)
    kept: list[Member] = field(default_factory=list)  # admins (and the importing admin) not in the file
    header: hr_file.Header = field(default_factory=hr_file.Header)
    new_units: dict[tuple[str, str], str] = field(default_factory=dict)  # (kind, lower case) -> name

    def problem(self, row: int | None, column: str, value: str, message: Phrase) -> None:
        """`message` is kept as its English text and, under "phrase", as its message and values,
        so each reader of the import reads it in their language (hr_views.problems_of)."""
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            shown = self.header.names.get(column, column)
            with translation.override("en"):
                english = str(message)
            self.problems.append(
                {
                    "row": row,
                    "column": shown,
                    "value": value[:200],
                    "message": english,
                    "phrase": dump_text(message),
                }
            )

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys((ADDED, CHANGED, MOVED, REACTIVATED, UNCHANGED), 0)
        for person in self.people:
            counts[person.outcome] += 1
        counts[DEACTIVATED] = len(self.deactivated)
        return counts

    def summary(self, directory: Directory) -> dict[str, Any]:
        """What the preview shows: counts, the first rows of each group, the columns read."""
        examples: dict[str, list[dict[str, Any]]] = {key: [] for key in (ADDED, CHANGED, MOVED, REACTIVATED)}
        for person in self.people:
            shown = examples.get(person.outcome)
            if shown is not None and len(shown) < EXAMPLES:
                shown.append(_example(person, directory))
        examples[DEACTIVATED] = [
            {
                "row": None,
                "email": m.email,
                "name": m.full_name,
                "detail": directory.unit_names.get(m.unit_id or 0, ""),
            }
            for m in self.deactivated[:EXAMPLES]
        ]
        return {
            **self.counts(),
            "examples": examples,
            "kept": len(self.kept),
            "columns": [
                [self.header.names[column], column]
                for column in hr_file.COLUMNS
                if column in self.header.names
            ],
            "ignored": self.header.ignored,
            "new_units": sorted(f"{name} ({kind})" for (kind, _), name in self.new_units.items())[:50],
            # The same as [name, kind], for the preview to say the kind in the reader's language.
            "new_unit_kinds": sorted([name, kind] for (kind, _), name in self.new_units.items())[:50],
            "new_unit_count": len(self.new_units),
        }


def _example(person: Person, directory: Directory) -> dict[str, Any]:
    """One row of the preview. `detail` is English; `moved` ([from, to] unit, "" for none) and
    `changes` (the fields, as keys) let the preview say it in the reader's language."""
    member = directory.members.get(person.email)
    example = {"row": person.row, "email": person.email, "name": person.name or ""}
    if person.outcome == MOVED and member is not None:
        before, after = directory.unit_names.get(member.unit_id or 0, ""), person.unit or ""
        example["detail"] = f"{before or 'no unit'} → {after or 'no unit'}"
        example["moved"] = [before, after]
    elif person.outcome == CHANGED:
        example["detail"] = ", ".join(person.changes)
        example["changes"] = list(person.changes)
    else:
        example["detail"] = person.unit or ""
    return example


def check_file(
    path: Path | str,
    directory: Directory,
    *,
    deactivate_missing: bool = False,
    protected_user_ids: Collection[int] = (),
    progress: Callable[[int], object] | None = None,
) -> Check:
    """Read the whole file and check every row against the others and the organization."""
    found = Check()
    try:
        _read(found, hr_file.rows(path), progress)
    except hr_file.Unreadable as error:
        found.problem(error.row, "", "", error.message)
        return found
    if found.problem_count:
        return found
    _check_managers(found, directory, deactivate_missing, protected_user_ids)
    _check_employee_ids(found, directory)
    if not found.problem_count:
        _plan(found, directory, deactivate_missing, protected_user_ids)
    return found


def _read(
    found: Check, stream: Iterable[tuple[int, list[str]]], progress: Callable[[int], object] | None
) -> None:
    stream = iter(stream)
    first = next(stream, None)
    if first is None:
        found.problem(None, "", "", Phrase.gettext("The file is empty: it has no header line and no rows."))
        return
    found.header = header = hr_file.columns(first[1])
    for repeated in header.repeated:
        found.problem(
            1,
            "",
            repeated,
            Phrase.gettext(
                "The header names the same column twice (%(columns)s); keep one.", columns=repeated
            ),
        )
    if "email" not in header.positions:
        found.problem(
            1,
            "email",
            "",
            Phrase.gettext(
                "The header has no email column: name one “email” (or E-mail, Email address, UPN)."
            ),
        )
    if found.problem_count:
        return
    width = len(first[1])
    rows_of: dict[str, int] = {}
    ids_of: dict[str, int] = {}
    for number, cells in stream:
        found.rows += 1
        if found.rows > max_rows():
            found.problem(
                number,
                "",
                "",
                Phrase.gettext(
                    "The file has more than %(limit)s people; split it into smaller files.", limit=max_rows()
                ),
            )
            return
        if len(cells) > width and "".join(cells[width:]).strip():
            found.problem(
                number,
                "",
                "",
                Phrase.ngettext(
                    "This row has %(values)s values but the header has %(count)s column.",
                    "This row has %(values)s values but the header has %(count)s columns.",
                    width,
                    values=len(cells),
                    count=width,
                ),
            )
            continue
        person = _person(found, number, cells, header)
        if person is None:
            continue
        if person.email in rows_of:
            found.problem(
                number,
                "email",
                person.email,
                Phrase.gettext(
                    "%(email)s is also on row %(row)s: list each person once.",
                    email=person.email,
                    row=str(rows_of[person.email]),  # a row number: no grouping
                ),
            )
            continue
        rows_of[person.email] = number
        if person.employee_id:
            if person.employee_id in ids_of:
                found.problem(
                    number,
                    "employee_id",
                    person.employee_id,
                    Phrase.gettext(
                        "Employee id %(id)s is also on row %(row)s.",
                        id=person.employee_id,
                        row=str(ids_of[person.employee_id]),
                    ),
                )
                continue
            ids_of[person.employee_id] = number
        found.people.append(person)
        if progress is not None and found.rows % PROGRESS_EVERY == 0:
            progress(found.rows)
    if not found.rows:
        found.problem(None, "", "", Phrase.gettext("The file has a header but no people."))


def _person(found: Check, number: int, cells: list[str], header: hr_file.Header) -> Person | None:
    values: dict[str, str | None] = {}
    for column in hr_file.COLUMNS:
        position = header.positions.get(column)
        values[column] = (
            None if position is None else (cells[position] if position < len(cells) else "").strip()
        )
    problems = found.problem_count
    email = (values["email"] or "").lower()
    if not email:
        found.problem(number, "email", "", Phrase.gettext("The email is missing: every person needs one."))
    elif not _is_email(email):
        found.problem(
            number, "email", email, Phrase.gettext("“%(value)s” is not an email address.", value=email)
        )
    for column, limit in MAX_LENGTHS.items():
        value = values.get(column)
        if column != "email" and value and len(value) > limit:
            found.problem(
                number,
                column,
                value,
                Phrase.ngettext(
                    "This is %(length)s characters long; at most %(count)s fits.",
                    "This is %(length)s characters long; at most %(count)s fit.",
                    limit,
                    length=len(value),
                    count=limit,
                ),
            )
    shift = values["shift"]
    if shift:
        if shift.lower() not in shifts():
            found.problem(
                number,
                "shift",
                shift,
                Phrase.gettext(
                    "“%(value)s” is not a shift; use one of: %(shifts)s.",
                    value=shift,
                    shifts=accepted_shifts(),
                ),
            )
        shift = shifts().get(shift.lower(), shift)
    manager = values["manager"]
    if manager:
        manager = manager.lower()
        if not _is_email(manager):
            found.problem(
                number,
                "manager",
                manager,
                Phrase.gettext("“%(value)s” is not an email address (the manager's email).", value=manager),
            )
    if found.problem_count > problems:
        return None
    return Person(
        number,
        email,
        values["name"],
        values["unit"],
        values["location"],
        shift,
        manager,
        values["employee_id"],
    )


def _is_email(text: str) -> bool:
    try:
        validate_email(text)
    except ValidationError:
        return False
    return len(text) <= MAX_LENGTHS["email"]


def _check_managers(
    found: Check, directory: Directory, deactivate_missing: bool, protected_user_ids: Collection[int]
) -> None:
    in_file = {person.email: person for person in found.people}
    members = directory.members
    for person in found.people:
        if not person.manager or person.manager in in_file:
            continue
        member = members.get(person.manager)
        if member is None or not member.is_active:
            found.problem(
                person.row,
                "manager",
                person.manager,
                Phrase.gettext(
                    "The manager %(email)s is neither in the file nor a member of the organization.",
                    email=person.manager,
                ),
            )
        elif deactivate_missing and member.role != Role.ADMIN and member.user_id not in protected_user_ids:
            found.problem(
                person.row,
                "manager",
                person.manager,
                Phrase.gettext(
                    "The manager %(email)s is not in the file, so the import would deactivate them; "
                    "add them to the file.",
                    email=person.manager,
                ),
            )

    def manager_of(email: str) -> str:
        person = in_file.get(email)
        if person is not None and person.manager is not None:
            return person.manager
        member = members.get(email)
        return member.manager_email if member is not None else ""

    done: set[str] = set()
    for person in found.people:
        path: list[str] = []
        email = person.email
        while email and email not in done and email not in path:
            path.append(email)
            email = manager_of(email)
        if email in path:  # back to someone on this path: a loop
            loop = path[path.index(email) :]
            chain = " → ".join([*loop, email])
            for looped in loop:
                if looped in in_file and looped not in done:
                    found.problem(
                        in_file[looped].row,
                        "manager",
                        in_file[looped].manager or "",
                        Phrase.gettext("The managers form a loop: %(chain)s.", chain=chain),
                    )
        done.update(path)


def _check_employee_ids(found: Check, directory: Directory) -> None:
    """An employee id the file gives must not be another member's (unless the file changes theirs)."""
    holders = {m.external_id: m.email for m in directory.members.values() if m.external_id}
    given = {person.email: person.employee_id for person in found.people}
    for person in found.people:
        holder = holders.get(person.employee_id or "")
        if holder is None or holder == person.email:
            continue
        if given.get(holder) is None or given.get(holder) == person.employee_id:
            found.problem(
                person.row,
                "employee_id",
                person.employee_id or "",
                Phrase.gettext(
                    "Employee id %(id)s is %(email)s's in Rollout; each person's id must be their own.",
                    id=person.employee_id,
                    email=holder,
                ),
            )


def _plan(
    found: Check, directory: Directory, deactivate_missing: bool, protected_user_ids: Collection[int]
) -> None:
    for person in found.people:
        for kind, name in ((Unit.Kind.DEPARTMENT, person.unit), (Unit.Kind.LOCATION, person.location)):
            if name and directory.unit_id(kind, name) == NEW_UNIT:
                found.new_units.setdefault((kind, name.lower()), name)
        person.outcome, person.changes = outcome(person, directory.members.get(person.email), directory)
    if deactivate_missing:
        named = {person.email for person in found.people}
        for member in directory.members.values():
            if member.is_active and member.email not in named:
                protected = member.role == Role.ADMIN or member.user_id in protected_user_ids
                (found.kept if protected else found.deactivated).append(member)


def outcome(person: Person, member: Member | None, directory: Directory) -> tuple[str, list[str]]:
    """What importing the row does to the person, as `sync.apply_person` would tell it, and which
    fields change."""
    if member is None:
        return ADDED, []
    changes = []
    if person.unit is not None and directory.unit_id(Unit.Kind.DEPARTMENT, person.unit) != member.unit_id:
        changes.append("unit")
    if (
        person.location is not None
        and directory.unit_id(Unit.Kind.LOCATION, person.location) != member.location_id
    ):
        changes.append("location")
    if person.shift is not None and person.shift != member.shift:
        changes.append("shift")
    if person.manager is not None and person.manager != member.manager_email:
        changes.append("manager")
    if person.employee_id is not None and person.employee_id != member.external_id:
        changes.append("employee id")
    if person.name and person.name != member.full_name:
        changes.append("name")
    if not member.is_active:
        return REACTIVATED, changes
    if "unit" in changes:
        return MOVED, changes
    return (CHANGED if changes else UNCHANGED), changes
