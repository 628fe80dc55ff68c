"""Everything the incentive step holds about one person, as plain tables ("My figures", its
download and an admin's subject-access export; see `rollout.steps.Step.personal_records`).

One query per table. The other person of a recognition is named: a recognition is a public
thank-you, shown to everyone in the organization in its rollout's feed. Who approved a claim or
corrected a points entry is not part of the person's records and is left out.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

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
        (e.created_at, e.rollout.name, e.points, e.shown_reason)
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
        (e.occurred_at, e.rollout.name if e.rollout else "", str(EVENT_LABELS.get(e.name, e.name)))
        for e in ReceivedEvent.objects.filter(organization=organization, person=person)
        .select_related("rollout")
        .order_by("-occurred_at", "-pk")
    )
    choices = _choices(organization, person)
    points = sum(row[2] for row in entries)
    held = sum(1 for row in badges if row[5] is None)
    return [
        PersonalRecords(
            "recognitions-received",
            gettext_lazy("Recognitions you received"),
            (gettext_lazy("When"), gettext_lazy("Rollout"), gettext_lazy("From"), gettext_lazy("Message")),
            received,
            ngettext("%(count)s recognition received.", "%(count)s recognitions received.", len(received))
            % {"count": len(received)},
        ),
        PersonalRecords(
            "recognitions-given",
            gettext_lazy("Recognitions you gave"),
            (gettext_lazy("When"), gettext_lazy("Rollout"), gettext_lazy("To"), gettext_lazy("Message")),
            given,
            ngettext("%(count)s recognition given.", "%(count)s recognitions given.", len(given))
            % {"count": len(given)},
        ),
        PersonalRecords(
            "badges",
            gettext_lazy("Your badges"),
            (
                gettext_lazy("Awarded"),
                gettext_lazy("Rollout"),
                gettext_lazy("Badge"),
                gettext_lazy("How"),
                gettext_lazy("Evidence link"),
                gettext_lazy("Revoked"),
            ),
            badges,
            ngettext("%(count)s badge held.", "%(count)s badges held.", held) % {"count": held},
        ),
        PersonalRecords(
            "points",
            gettext_lazy("Your points"),
            (gettext_lazy("When"), gettext_lazy("Rollout"), gettext_lazy("Points"), gettext_lazy("Reason")),
            entries,
            ngettext(
                "%(count)s point in all, from %(entries)s.",
                "%(count)s points in all, from %(entries)s.",
                points,
            )
            % {
                "count": points,
                "entries": ngettext("%(count)s entry", "%(count)s entries", len(entries))
                % {"count": len(entries)},
            },
        ),
        PersonalRecords(
            "claims",
            gettext_lazy("Your points claims"),
            (
                gettext_lazy("When"),
                gettext_lazy("Rollout"),
                gettext_lazy("Points"),
                gettext_lazy("What you did"),
                gettext_lazy("Evidence link"),
                gettext_lazy("Status"),
                gettext_lazy("Decided"),
            ),
            claims,
            ngettext("%(count)s claim.", "%(count)s claims.", len(claims)) % {"count": len(claims)},
        ),
        PersonalRecords(
            "objectives",
            gettext_lazy("Your appraisal objectives"),
            (
                gettext_lazy("Set"),
                gettext_lazy("Rollout"),
                gettext_lazy("Objective"),
                gettext_lazy("Measure"),
                gettext_lazy("Period"),
            ),
            objectives,
            ngettext(
                "%(count)s objective set for you by name.",
                "%(count)s objectives set for you by name.",
                len(objectives),
            )
            % {"count": len(objectives)},
        ),
        PersonalRecords(
            "activity",
            gettext_lazy("Activity recorded for points and badges"),
            (gettext_lazy("When"), gettext_lazy("Rollout"), gettext_lazy("Activity")),
            events,
            ngettext("%(count)s activity recorded.", "%(count)s activities recorded.", len(events))
            % {"count": len(events)},
        ),
        choices,
    ]


def _choices(organization: Organization, person: User) -> PersonalRecords:
    """The person's choices, each with when they made it: left off the leaderboards, seen taking
    part as a leader (two small queries)."""
    rows = [
        *(
            (_("Left off the leaderboards"), since)
            for since in LeaderboardOptOut.objects.filter(organization=organization, user=person).values_list(
                "created_at", flat=True
            )
        ),
        *(
            (_("Seen taking part as a leader"), since)
            for since in LeaderVisibility.objects.filter(organization=organization, user=person).values_list(
                "agreed_at", flat=True
            )
        ),
    ]
    summary = "; ".join(kind for kind, _since in rows) or _(
        "Shown on the leaderboards; not seen taking part as a leader"
    )
    return PersonalRecords(
        "choices",
        gettext_lazy("Your choices"),
        (gettext_lazy("Choice"), gettext_lazy("Since")),
        tuple(rows),
        f"{summary}.",
    )
