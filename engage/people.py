"""The people behind the Engage figures: who was active in a 28-day window, and where they count.

Each person is placed as the window places them (engage/rollups.py): at their latest active day
in the window, by unit, member without a unit, or matched to no member. Then each is put in the
groups of the figures (engage/figures.py): an audience, outside every audience, matched to no
member. The rows of a group are exactly the people its figure counts, so a figure and its rows
never disagree (tests/engage/test_figures_properties.py holds them together).

A drill-down page, not a hot path: one query reads the window's records of named people.
"""

from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext

from strategy.audiences import AudienceSpec, audiences

from .figures import OrganizationUnits, window_start
from .models import ActivityRecord
from .rollups import NO_UNIT, UNMATCHED

ALL, OUTSIDE, NOT_MATCHED = "all", "outside", "unmatched"


@dataclass
class PersonRow:
    person_key: str
    name: str
    place: str  # "<unit id>", NO_UNIT or UNMATCHED, as the window places them
    unit: str  # the unit's name, "Other" when the unit is under the privacy minimum, "" for none
    active_days: int
    last_active: date
    audiences: list = field(default_factory=list)  # the names of the audiences they count in
    audience_ids: set = field(default_factory=set)

    @property
    def matched(self) -> bool:
        return self.place != UNMATCHED


def active_people(rollout, on: date) -> list[PersonRow]:
    """The named people active in the 28 days to `on`, most active days first."""
    rows = (
        ActivityRecord.objects.filter(
            rollout=rollout,
            superseded=False,
            aggregated=False,
            active_people__gt=0,
            period_end__gte=window_start(on),
            period_end__lte=on,
        )
        .values_list("person_key", "display_name", "period_end", "unit_id", "member")
        .order_by("person_key", "period_end")
    )
    units = OrganizationUnits.of([rollout.organization_id])[rollout.organization_id]
    minimum = rollout.organization.privacy_min_group
    people: dict[str, PersonRow] = {}
    days: dict[str, set] = {}
    for key, name, day, unit_id, member in rows:
        place = str(unit_id) if unit_id is not None else (NO_UNIT if member else UNMATCHED)
        row = people.get(key)
        if row is None:
            row = people[key] = PersonRow(key, name, place, "", 0, day)
        row.name, row.place, row.last_active = name or row.name, place, day
        days.setdefault(key, set()).add(day)
    for key, row in people.items():
        row.active_days = len(days[key])
        if row.place not in (NO_UNIT, UNMATCHED):
            name, _, _, headcount = units.units.get(int(row.place), ("", "", None, 0))
            row.unit = name if headcount and headcount >= minimum else gettext("Other")
    found = sorted(people.values(), key=lambda row: (-row.active_days, row.person_key))
    place_in_audiences(found, audiences(rollout), units)
    return found


def place_in_audiences(people, specs: list[AudienceSpec], units: OrganizationUnits):
    """Fill in each person's audiences, as engage/figures.py counts them."""
    covered = {spec.id: units.within(spec.unit_id) for spec in specs if spec.by == "unit"}
    for row in people:
        for spec in specs:
            if (
                (
                    spec.by == "unit"
                    and row.place not in (NO_UNIT, UNMATCHED)
                    and int(row.place) in covered[spec.id]
                )
                or (spec.by == "list" and row.person_key in spec.people)
                or (spec.by == "organization" and row.matched)
            ):
                row.audiences.append(spec.name)
                row.audience_ids.add(spec.id)


def in_group(people, group: str, audience: AudienceSpec | None = None):
    """The rows of one figure: everyone, an audience's active people, those outside every
    audience, or those matched to no member (and listed in no audience)."""
    if audience is not None:
        return [row for row in people if audience.id in row.audience_ids]
    if group == OUTSIDE:
        return [row for row in people if row.matched and not row.audiences]
    if group == NOT_MATCHED:
        return [row for row in people if not row.matched and not row.audiences]
    return list(people)
