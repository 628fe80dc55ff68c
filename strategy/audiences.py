"""What other apps may read of a rollout's audiences (section 3 of the strategy worksheet).

An audience is people, said in one of three ways (docs/metrics.md, "Audiences"):

- **by unit**: the members whose unit is the audience's unit or a unit inside it; its size is
  the unit's headcount (the audience's stated size when the unit has no headcount);
- **by list**: exactly the listed emails or UPNs; its size is their number;
- **the whole organization**: an audience of employees with neither a unit nor a list means every
  member of the organization; its size is the stated size, else the departments' headcount.

Any other audience (customers, partners, the public without a list) has no known members: its
participation cannot be measured from an export, and the figures say so.
"""

from dataclasses import dataclass

from django.db.models import Q

from rollout.units import unit_tree, with_descendants

from .models import Audience


@dataclass(frozen=True)
class AudienceSpec:
    id: int
    name: str
    kind: str
    unit_id: int | None
    people: frozenset  # the listed keys (lower case); empty unless the audience is a list
    stated_size: int | None

    @property
    def by(self) -> str:
        """ "unit", "list", "organization" or "unknown": how its members are known."""
        if self.unit_id is not None:
            return "unit"
        if self.people:
            return "list"
        if self.kind == Audience.Kind.EMPLOYEES:
            return "organization"
        return "unknown"


def _spec(audience: Audience) -> AudienceSpec:
    return AudienceSpec(
        id=audience.pk,
        name=audience.name,
        kind=audience.kind,
        unit_id=audience.unit_id,
        people=frozenset(audience.listed),
        stated_size=audience.size,
    )


def audiences_for(rollouts) -> dict[int, list[AudienceSpec]]:
    """{rollout id: [AudienceSpec]} in the worksheet's order, for many rollouts in one query."""
    result: dict[int, list[AudienceSpec]] = {rollout.pk: [] for rollout in rollouts}
    for audience in Audience.objects.filter(worksheet__rollout__in=list(result)).select_related("worksheet"):
        result[audience.worksheet.rollout_id].append(_spec(audience))
    return result


def audiences(rollout) -> list[AudienceSpec]:
    return audiences_for([rollout])[rollout.pk]


def reach(rollouts) -> dict[int, Q]:
    """{rollout id: Q over Membership selecting the people the rollout is for}, in two queries
    (for the rollouts of one organization).

    A person is reached through any audience with known members: by unit (their unit or their
    location is the audience's unit or inside it), by list (their email is listed) or the whole
    organization. A rollout whose worksheet names no audience yet is taken to be for the whole
    organization; one whose audiences are all outside it (customers, the public) reaches no employee.
    """
    rollouts = list(rollouts)
    specs = audiences_for(rollouts)
    trees = {pk: unit_tree(pk) for pk in {rollout.organization_id for rollout in rollouts}}
    found: dict[int, Q] = {}
    for rollout in rollouts:
        known = [spec for spec in specs[rollout.pk] if spec.by != "unknown"]
        if not specs[rollout.pk] or any(spec.by == "organization" for spec in known):
            found[rollout.pk] = Q()
            continue
        reached = Q(pk__in=[])
        for spec in known:
            if spec.unit_id is not None:  # by unit
                units = with_descendants(trees[rollout.organization_id], [spec.unit_id])
                reached |= Q(unit_id__in=units) | Q(location_id__in=units)
            else:
                reached |= Q(user__email__in=sorted(spec.people))
        found[rollout.pk] = reached
    return found
