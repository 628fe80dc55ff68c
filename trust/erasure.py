"""Erasing a person from the trust step of one organization (GDPR article 17; see
`rollout.steps.Step.erase_person`), set-based: a fixed number of statements whatever the number of
rows, and nothing of another organization.

What happens to each kind of record, and why:

- **Kept, with the person**: their acknowledgements of the guidelines and their training results.
  They are counts the step's figures rely on (acknowledgement and training rates) and need their
  person (the foreign key is NOT NULL): the centre pseudonymises the User row itself when the
  person has no other membership.
- **Detached** (set to NULL): the incidents they reported by name or handle, and the guideline
  versions they published. The register and its figures are the organization's; an incident with
  no reporter reads like an anonymous one, and one with no handler asks for a new one.
- **Scrubbed**: their name and email in every free-text field of the organization's trust rows (an
  incident's description, resolution and lessons, a guideline's text, a lesson, a boundary's
  restrictions), replaced by the pseudonym's. Guideline versions are never edited otherwise: this
  is the one exception, and it changes no version number, so no acknowledgement is lost.

Nothing is deleted: the step holds no record that is the person's alone and feeds no figure.
"""

from __future__ import annotations

from django.db import transaction

from rollout.models import Membership
from rollout.steps import Pseudonym, detach_and_scrub

from .models import Boundary, Choice, Guideline, GuidelineVersion, Incident, Question, TrainingModule

# {model: its lookup of the organization id}: the rows whose free text is scrubbed.
# Acknowledgements and completions hold no text.
SCRUBBED = {
    Guideline: "organization_id",
    GuidelineVersion: "guideline__organization_id",
    TrainingModule: "organization_id",
    Question: "module__organization_id",
    Choice: "question__module__organization_id",
    Boundary: "organization_id",
    Incident: "organization_id",
}

# Foreign keys to the person where the record is the organization's: {model: [field]}, set to NULL.
DETACHED = {
    Incident: ["reported_by", "handler"],
    GuidelineVersion: ["published_by"],
}


def erase_person(membership: Membership, pseudonym: Pseudonym) -> int:
    """Erase the person of `membership` from the trust step of its organization (see the module
    docstring); the number of rows changed."""
    organization_id, user_id = membership.organization_id, membership.user_id
    changed = 0
    with transaction.atomic():
        changed += detach_and_scrub(pseudonym, user_id, organization_id, SCRUBBED, DETACHED)
    return changed
