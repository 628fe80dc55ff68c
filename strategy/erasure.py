"""Erasing a person from the strategy of one organization's rollouts (GDPR article 17; see
`rollout.steps.Step.erase_person`), set-based: a fixed number of statements whatever the number of
rows, and nothing of another organization.

The strategy holds no record that is the person's alone, so nothing is deleted. It names them:

- **as an owner, or as who submitted or approved the worksheet**: detached (set to NULL), as the
  deletion of their account would; the worksheet then asks for a new business owner, budget holder
  or process manager, which is the truth once the person is gone;
- **in free text**: their name and email in every text field of the worksheet and its rows (a
  stakeholder, a listed audience, notes), replaced by the pseudonym's. A listed audience keeps its
  size: the pseudonym's email takes the place of theirs and matches nobody;
- **in the history** (django-simple-history keeps every earlier version of every row and who made
  each change): the same scrub and detachment on the historical rows, and their changes are left
  without an author ("system" on the history page).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F, QuerySet, Value
from django.db.models.functions import Lower, Replace

from rollout.models import Membership
from rollout.steps import Pseudonym, free_text

from .models import (
    Audience,
    AwarenessChannel,
    Objective,
    Stakeholder,
    SuccessMetric,
    TimeAllowance,
    Worksheet,
)

# {model: its lookup of the organization id}; each model's history is erased with it.
SCRUBBED: dict[Any, str] = {
    Worksheet: "rollout__organization_id",
    Objective: "worksheet__rollout__organization_id",
    TimeAllowance: "worksheet__rollout__organization_id",
    Stakeholder: "worksheet__rollout__organization_id",
    Audience: "worksheet__rollout__organization_id",
    AwarenessChannel: "worksheet__rollout__organization_id",
    SuccessMetric: "worksheet__rollout__organization_id",
}

# The worksheet's foreign keys to people, set to NULL where they name the person.
PEOPLE = ("business_owner", "budget_holder", "process_manager", "submitted_by", "approved_by")


def erase_person(membership: Membership, pseudonym: Pseudonym) -> int:
    """Erase the person of `membership` from the strategy of its organization's rollouts (see the
    module docstring); the number of rows changed."""
    organization_id, user_id = membership.organization_id, membership.user_id
    changed = 0
    with transaction.atomic():
        for model, lookup in SCRUBBED.items():
            history = model.history.model
            for tracked in (model, history):
                rows = tracked._default_manager.filter(**{lookup: organization_id})
                if model is Audience:
                    changed += _scrub_listed_people(rows, pseudonym)
                if model is Worksheet:
                    for name in PEOPLE:
                        changed += rows.filter(**{f"{name}_id": user_id}).update(**{name: None})
                changed += pseudonym.scrub(rows, *free_text(tracked))
            rows = history._default_manager.filter(**{lookup: organization_id}, history_user_id=user_id)
            changed += rows.update(history_user=None)
    return changed


def _scrub_listed_people(audiences: QuerySet[Any], pseudonym: Pseudonym) -> int:
    """The person's email in the audiences' lists of people, whatever its case. A list is read in
    lower case (`split_people`), so lower-casing the lists that name the person changes no audience."""
    email = next((text.lower() for text in pseudonym.personal if "@" in text), None)
    if email is None:
        return 0
    return audiences.filter(people__icontains=email).update(
        people=Replace(Lower(F("people")), Value(email), Value(pseudonym.email))
    )
