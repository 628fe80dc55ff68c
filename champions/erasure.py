"""Erasing a person from the champion step of one organization (GDPR article 17; see
`rollout.steps.Step.erase_person`), set-based: a fixed number of statements whatever the number of
rows, and nothing of another organization.

What happens to each kind of record, and why:

- **Contact details deleted**: a champion's own words and ways to reach them (chat link, office
  hours, languages, the motivation of their nomination, the reason a manager gave for approving
  them early) are theirs alone and feed no figure; the fields are emptied.
- **Champion roles kept, but no longer serving**: the role row carries the sessions they logged
  (the activity report and the health count them) and their units (past coverage), and needs its
  person (the foreign key is NOT NULL: the centre pseudonymises the User row itself when the
  person has no other membership). An erased person cannot be asked for help, so an active role
  is stepped down today (coverage on earlier dates still counts it, `active_on`) and a waiting
  nomination is declined; the current coverage then says the truth.
- **Detached** (set to NULL): the sessions where a champion helped them (the session and its
  minutes stay for the figures), and where they acted for others (nominated, decided on or
  approved a champion early, created an event).
- **Scrubbed**: their name and email in every free-text field of the organization's champion rows
  (a session's other topic, an event's title or place, the skills), replaced by the pseudonym's.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from rollout.models import Membership
from rollout.steps import Pseudonym, detach_and_scrub

from .models import Champion, ChampionEvent, Skill, SupportSession

# {model: its lookup of the organization id}: the rows whose free text is scrubbed.
SCRUBBED = {
    Skill: "organization_id",
    Champion: "rollout__organization_id",
    SupportSession: "rollout__organization_id",
    ChampionEvent: "rollout__organization_id",
}

# Foreign keys to the person where the record is someone else's: {model: [field]}, set to NULL.
DETACHED = {
    SupportSession: ["helped_person"],
    Champion: ["nominated_by", "decided_by", "readiness_override_by"],
    ChampionEvent: ["created_by"],
}

# A champion's own details, emptied.
CONTACT_DETAILS = {
    "chat_link": "",
    "office_hours": "",
    "languages": "",
    "motivation": "",
    "readiness_override": "",
}


def erase_person(membership: Membership, pseudonym: Pseudonym) -> int:
    """Erase the person of `membership` from the champion step of its organization (see the module
    docstring); the number of rows changed."""
    organization_id, user_id = membership.organization_id, membership.user_id
    roles = Champion.objects.filter(rollout__organization_id=organization_id, user_id=user_id)
    changed = 0
    with transaction.atomic():
        changed += roles.update(**CONTACT_DETAILS)
        roles.filter(status=Champion.Status.ACTIVE).update(
            status=Champion.Status.STEPPED_DOWN, stepped_down_on=timezone.localdate()
        )
        roles.filter(status=Champion.Status.NOMINATED).update(
            status=Champion.Status.DECLINED, decided_at=timezone.now()
        )
        changed += detach_and_scrub(pseudonym, user_id, organization_id, SCRUBBED, DETACHED)
    return changed
