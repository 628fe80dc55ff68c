"""Erasing a person from the incentive step of one organization (GDPR article 17; see
`rollout.steps.Step.erase_person`): the scrubs and detaches are set-based (one statement each,
whatever the number of rows), the deletes of the person's own few rows plain QuerySet.delete()
calls; nothing of another organization.

What happens to each kind of record, and why:

- **Deleted**, being the person's alone and feeding no figure others rely on: their choice to be
  seen taking part as a leader (LeaderVisibility, a consent), the appraisal objectives set for them
  by name, and their points claims that paid nothing (pending or rejected; a pending one could
  otherwise still be approved for a person who is gone).
- **Kept, with the person**: the points ledger (append-only; balances, leaderboards and the
  "people reached" figure sum it), their badge awards, recognitions given and received (each is the
  other person's history too), the events recorded about them (lead-by-example counts) and their
  paid claims (a ledger entry points at each). These need their person (the foreign key is NOT
  NULL): the centre pseudonymises the User row itself when the person has no other membership.
- **Kept off the leaderboards**: the ledger rows stay under their User, whose name is real while
  they belong to another organization, so they get a leaderboard opt-out rather than lose one.
- **Revoked**: their badge awards still valid. A hosted Open Badges assertion is public and carries
  a hash of their email: revoked, it answers 410 and says nothing of them. The award rows stay
  (issued_at still counts in "badges in 30 days" and "people reached").
- **Detached** (set to NULL): where they acted for others (awarded points or a badge, decided a
  claim, created an objective): the record is the other person's.
- **Scrubbed**: their name and email in every free-text field of the organization's incentive rows
  (a thank-you message, a claim's evidence, a ledger reason, a plan's rationale), replaced by the
  pseudonym's.
"""

from __future__ import annotations

from typing import cast

from django.db import transaction
from django.utils import timezone

from rollout.models import Membership
from rollout.steps import Pseudonym, free_text

from .models import (
    AppendOnlyQuerySet,
    AppraisalObjective,
    BadgeAward,
    BadgeClass,
    LeaderboardOptOut,
    LeaderVisibility,
    PlannedIncentive,
    PointsClaim,
    PointsEntry,
    ReceivedEvent,
    Recognition,
    Season,
)

# {model: its lookup of the organization id}: the rows whose free text is scrubbed. The ledger is
# scrubbed on its own (`_scrub_ledger`): it refuses update(). Models without free text (points
# rules, badge levels, the issuer, the opt-outs) have nothing to scrub.
SCRUBBED = {
    PlannedIncentive: "rollout__organization_id",
    Season: "rollout__organization_id",
    BadgeClass: "rollout__organization_id",
    BadgeAward: "rollout__organization_id",
    PointsClaim: "rollout__organization_id",
    Recognition: "rollout__organization_id",
    AppraisalObjective: "rollout__organization_id",
    ReceivedEvent: "organization_id",
}

# Foreign keys to the person acting for someone else: {model: [field]}, set to NULL.
ACTED_FOR_OTHERS = {
    BadgeAward: ["awarded_by"],
    PointsClaim: ["decided_by"],
    AppraisalObjective: ["created_by"],
}


def erase_person(membership: Membership, pseudonym: Pseudonym) -> int:
    """Erase the person of `membership` from the incentive step of its organization (see the
    module docstring); the number of rows changed or deleted."""
    organization_id, user_id = membership.organization_id, membership.user_id
    in_org = {"rollout__organization_id": organization_id}
    changed = 0
    with transaction.atomic():
        # Plain deletes: a person has a handful of these rows, so the signals they send are cheap.
        changed += LeaderVisibility.objects.filter(organization_id=organization_id, user_id=user_id).delete()[
            0
        ]
        changed += AppraisalObjective.objects.filter(**in_org, person_id=user_id).delete()[0]
        changed += PointsClaim.objects.filter(**in_org, person_id=user_id, entry__isnull=True).delete()[0]
        _, created = LeaderboardOptOut.objects.get_or_create(organization_id=organization_id, user_id=user_id)
        changed += created
        changed += BadgeAward.objects.filter(**in_org, person_id=user_id, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        for model, fields in ACTED_FOR_OTHERS.items():
            for name in fields:
                changed += model._default_manager.filter(**in_org, **{f"{name}_id": user_id}).update(
                    **{name: None}
                )
        entries = cast(AppendOnlyQuerySet, PointsEntry.objects.filter(**in_org))
        changed += entries.filter(awarded_by_id=user_id).erase_personal_data(awarded_by=None)
        changed += pseudonym.scrub(entries, "reason")
        for model, lookup in SCRUBBED.items():
            changed += pseudonym.scrub(
                model._default_manager.filter(**{lookup: organization_id}), *free_text(model)
            )
    return changed
