"""Everything the incentive step holds about one person, as plain tables ("My figures", its
download and an admin's subject-access export; see `rollout.steps.Step.personal_records`).

One query per table. The other person of a recognition is named: a recognition is a public
thank-you, shown to everyone in the organization in its rollout's feed. Who approved a claim or
corrected a points entry is not part of the person's records and is left out.
"""

from __future__ import annotations

from django.db.models import Q

from rollout.models import Organization, User
from rollout.steps import PersonalRecords

from .models import (
    EVENT_LABELS,
    AppraisalObjective,
    BadgeAward,
    LeaderboardOptOut,
    LeaderVisibility,
    PointsClaim,
    PointsEntry,
    ReceivedEvent,
    Recognition,
)


def _plural(n: int, word: str, words: str = "") -> str:
    return f"{n} {word if n == 1 else words or word + 's'}"


def personal_records(organization: Organization, person: User) -> list[PersonalRecords]:
    """The person's recognitions received and given, badge awards, points entries, points claims,
    appraisal objectives, recorded events, and their leaderboard and leader-visibility choices."""
    in_org = Q(rollout__organization=organization)
    received = tuple(
        (r.created_at, r.rollout.name, str(r.giver), r.message)
        for r in Recognition.objects.filter(in_org, recipient=person)
        .select_related("rollout", "giver")
        .order_by("-created_at", "-pk")
    )
    given = tuple(
        (r.created_at, r.rollout.name, str(r.recipient), r.message)
        for r in Recognition.objects.filter(in_org, giver=person)
        .select_related("rollout", "recipient")
        .order_by("-created_at", "-pk")
    )
    badges = tuple(
        (a.issued_at, a.rollout.name, str(a.level), a.get_source_display(), a.evidence_url, a.revoked_at)
        for a in BadgeAward.objects.filter(in_org, person=person)
        .select_related("rollout", "level__badge")
        .order_by("-issued_at", "-pk")
    )
    entries = tuple(
        (e.created_at, e.rollout.name, e.points, e.reason)
        for e in PointsEntry.objects.filter(in_org, person=person)
        .select_related("rollout")
        .order_by("-created_at", "-pk")
    )
    claims = tuple(
        (
            c.created_at,
            c.rollout.name,
            c.points,
            c.reason,
            c.evidence_url,
            c.get_status_display(),
            c.decided_at,
        )
        for c in PointsClaim.objects.filter(in_org, person=person)
        .select_related("rollout")
        .order_by("-created_at", "-pk")
    )
    objectives = tuple(
        (o.created_at, o.rollout.name, o.objective, o.measure, o.period)
        for o in AppraisalObjective.objects.filter(in_org, person=person)
        .select_related("rollout")
        .order_by("-created_at", "-pk")
    )
    events = tuple(
        (e.occurred_at, e.rollout.name if e.rollout else "", EVENT_LABELS.get(e.name, e.name))
        for e in ReceivedEvent.objects.filter(organization=organization, person=person)
        .select_related("rollout")
        .order_by("-occurred_at", "-pk")
    )
    choices = _choices(organization, person)
    points = sum(row[2] for row in entries)
    return [
        PersonalRecords(
            "recognitions-received",
            "Recognitions you received",
            ("When", "Rollout", "From", "Message"),
            received,
            f"{_plural(len(received), 'recognition')} received.",
        ),
        PersonalRecords(
            "recognitions-given",
            "Recognitions you gave",
            ("When", "Rollout", "To", "Message"),
            given,
            f"{_plural(len(given), 'recognition')} given.",
        ),
        PersonalRecords(
            "badges",
            "Your badges",
            ("Awarded", "Rollout", "Badge", "How", "Evidence link", "Revoked"),
            badges,
            f"{_plural(sum(1 for row in badges if row[5] is None), 'badge')} held.",
        ),
        PersonalRecords(
            "points",
            "Your points",
            ("When", "Rollout", "Points", "Reason"),
            entries,
            f"{_plural(points, 'point')} in all, from {_plural(len(entries), 'entry', 'entries')}.",
        ),
        PersonalRecords(
            "claims",
            "Your points claims",
            ("When", "Rollout", "Points", "What you did", "Evidence link", "Status", "Decided"),
            claims,
            f"{_plural(len(claims), 'claim')}.",
        ),
        PersonalRecords(
            "objectives",
            "Your appraisal objectives",
            ("Set", "Rollout", "Objective", "Measure", "Period"),
            objectives,
            f"{_plural(len(objectives), 'objective')} set for you by name.",
        ),
        PersonalRecords(
            "activity",
            "Activity recorded for points and badges",
            ("When", "Rollout", "Activity"),
            events,
            f"{_plural(len(events), 'activity', 'activities')} recorded.",
        ),
        choices,
    ]


def _choices(organization: Organization, person: User) -> PersonalRecords:
    """The person's choices, each with when they made it: left off the leaderboards, seen taking
    part as a leader (two small queries)."""
    rows = [
        *(
            ("Left off the leaderboards", since)
            for since in LeaderboardOptOut.objects.filter(organization=organization, user=person).values_list(
                "created_at", flat=True
            )
        ),
        *(
            ("Seen taking part as a leader", since)
            for since in LeaderVisibility.objects.filter(organization=organization, user=person).values_list(
                "agreed_at", flat=True
            )
        ),
    ]
    summary = (
        "; ".join(kind for kind, _ in rows) or "Shown on the leaderboards; not seen taking part as a leader"
    )
    return PersonalRecords("choices", "Your choices", ("Choice", "Since"), tuple(rows), f"{summary}.")
