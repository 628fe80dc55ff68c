"""What the employee's side reads: the rollouts a person is part of, what the steps hold about
them, and what came of people's feedback. Every function asks the step registry, never a step app."""

from collections.abc import Collection
from datetime import datetime, timedelta

from django.db.models import Count, Q
from django.utils import timezone

from ..models import Membership, Rollout
from ..steps import PersonalRecords, SharedOutcome, Step, registry

# The statuses in which a rollout is "being rolled out to you".
IN_PROGRESS = (Rollout.Status.PILOT, Rollout.Status.LIVE)
# "You said, we did" looks back this far on its page.
OUTCOMES_DAYS = 365
NOBODY = Q(pk__in=[])


def audience_filters(rollouts: Collection[Rollout]) -> dict[int, Q]:
    """{rollout id: Q over Membership of the people it is for}: the steps' answers combined (a step
    that says nothing leaves the rollout open to the whole organization)."""
    filters: dict[int, Q] = {rollout.pk: Q() for rollout in rollouts}
    for step in registry.steps():
        for pk, condition in step.audience_filter(rollouts).items():
            filters[pk] &= condition
    return filters


def rollouts_for(membership: Membership, statuses=IN_PROGRESS) -> list[Rollout]:
    """The organization's rollouts in `statuses` whose audiences include the person (two queries
    for the audiences, one for the answer, whatever the number of rollouts)."""
    rollouts = list(
        Rollout.objects.filter(organization_id=membership.organization_id, status__in=statuses)
        .select_related("platform")
        .order_by("name", "pk")
    )
    filters = {pk: q for pk, q in audience_filters(rollouts).items() if q != NOBODY}
    counted = {pk: q for pk, q in filters.items() if q}
    reached = set(filters) - set(counted)
    if counted:
        found = Membership.all_objects.filter(pk=membership.pk).aggregate(
            **{f"r{pk}": Count("pk", filter=q) for pk, q in counted.items()}
        )
        reached |= {pk for pk in counted if found[f"r{pk}"]}
    return [rollout for rollout in rollouts if rollout.pk in reached]


def people_reached(rollouts: Collection[Rollout]) -> dict[int, set[int]]:
    """{rollout id: user ids of the active members it is for who take employee news}."""
    people = Membership.objects.filter(announcements=True, user__is_active=True)
    filters = audience_filters(rollouts)
    found: dict[int, set[int]] = {}
    for rollout in rollouts:
        condition = filters[rollout.pk]
        if condition == NOBODY:
            found[rollout.pk] = set()
            continue
        found[rollout.pk] = set(
            people.filter(condition, organization_id=rollout.organization_id).values_list(
                "user_id", flat=True
            )
        )
    return found


def shared_outcomes(
    rollouts: Collection[Rollout], since: datetime, organization_wide: bool = True
) -> list[SharedOutcome]:
    """Every step's "You said, we did" items for `rollouts` since `since`, newest first; the
    organization-wide ones (rollout None) only if `organization_wide`."""
    if not rollouts:
        return []
    found = [
        outcome
        for step in registry.steps()
        for outcome in step.shared_outcomes(rollouts, since)
        if outcome.rollout_id is not None or organization_wide
    ]
    return sorted(found, key=lambda outcome: outcome.published_at, reverse=True)


def outcomes_for(membership: Membership, now: datetime | None = None, days: int = OUTCOMES_DAYS):
    """(rollouts the person is part of, by id; their "You said, we did" items of the last `days`)."""
    since = (now or timezone.now()) - timedelta(days=days)
    statuses = (*IN_PROGRESS, Rollout.Status.CLOSED)
    rollouts = rollouts_for(membership, statuses=statuses)
    return {rollout.pk: rollout for rollout in rollouts}, shared_outcomes(rollouts, since)


def personal_records(membership: Membership) -> list[tuple[Step, list[PersonalRecords]]]:
    """[(step, its tables)] of everything the steps hold about the person, in step order."""
    found = []
    for step in registry.steps():
        tables = step.personal_records(membership)
        if tables:
            found.append((step, tables))
    return found
