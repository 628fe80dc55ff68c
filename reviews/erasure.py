"""Erasing a person from the review step of one organization (GDPR article 17; see
`rollout.steps.Step.erase_person`), set-based: a fixed number of statements whatever the number of
rows, and nothing of another organization.

What happens to each kind of record, and why:

- **Detached** (set to NULL): the reviews they own or completed and the actions assigned to them.
  A review and its actions are the rollout's, and the figures count them (reviews done, actions
  open or overdue); without an owner, a review or an action asks for a new one, as when the
  person's account is deleted.
- **Scrubbed**: their name and email in every free-text field of the organization's review rows
  (the decisions, what employees were told, findings, an action's title, KPI notes, platform
  notes), replaced by the pseudonym's.

Nothing is deleted: every record of the step is the rollout's, none the person's alone.
"""

from __future__ import annotations

from django.db import transaction

from rollout.models import Membership
from rollout.steps import Pseudonym, detach_and_scrub

from .models import Action, Finding, KpiResult, PlatformAssessment, Review

# {model: its lookup of the organization id}: the rows whose free text is scrubbed.
SCRUBBED = {
    Review: "rollout__organization_id",
    KpiResult: "review__rollout__organization_id",
    Finding: "review__rollout__organization_id",
    Action: "rollout__organization_id",
    PlatformAssessment: "review__rollout__organization_id",
}

# Foreign keys to the person where the record is the rollout's: {model: [field]}, set to NULL.
DETACHED = {
    Review: ["owner", "completed_by"],
    Action: ["owner"],
}


def erase_person(membership: Membership, pseudonym: Pseudonym) -> int:
    """Erase the person of `membership` from the review step of its organization (see the module
    docstring); the number of rows changed."""
    organization_id, user_id = membership.organization_id, membership.user_id
    changed = 0
    with transaction.atomic():
        changed += detach_and_scrub(pseudonym, user_id, organization_id, SCRUBBED, DETACHED)
    return changed
