"""The writes of the incentive step: events in, points out, badges, claims, recognition, seasons.

Everything automatic is idempotent through a unique constraint, so a task that runs twice (a
redelivered message, a sweep, two workers) changes nothing the second time:

- an event is recorded once (`ReceivedEvent.key`);
- a rule pays an event once (`PointsEntry(rule, event_key)`) and at most `daily_cap` times per
  person per day (`PointsEntry(rule, person, day, slot)`, slot 1..cap);
- a badge level is awarded to a person once (`BadgeAward(level, person)`).
"""

from __future__ import annotations

import logging
import zoneinfo
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext

from rollout.events import Event, emit
from rollout.models import Membership, Organization, Role, Rollout, User

from .models import (
    CLAIM_APPROVED,
    CORRECTION,
    EVENT_LABELS,
    BadgeAward,
    BadgeClass,
    BadgeLevel,
    LeaderboardOptOut,
    LeaderVisibility,
    PointsClaim,
    PointsEntry,
    PointsRule,
    ReceivedEvent,
    Recognition,
    Season,
)

log = logging.getLogger(__name__)

# More than this many claims by one person within the window flags the claim for the approver.
BURST_CLAIMS = 3
BURST_WINDOW = timedelta(hours=1)


# Events ---------------------------------------------------------------------------------------


def on_activity(sender: object, event: Event, **kwargs: object) -> None:
    """The listener of `rollout.events.activity`: record the event and hand it to a task.

    Cheap on purpose: one insert (skipped if the key is known) and an enqueue on commit.
    """
    from rollout.tasks import enqueue_on_commit

    from .tasks import process_event

    if event.name not in EVENT_LABELS:
        return
    received = record_event(event)
    if received is not None:
        enqueue_on_commit(process_event, received.pk)


def record_event(event: Event) -> ReceivedEvent | None:
    """The ReceivedEvent row of `event`, created once; None if it was processed already."""
    try:
        with transaction.atomic():
            received, _ = ReceivedEvent.objects.get_or_create(
                key=event.key,
                defaults={
                    "name": event.name,
                    "organization_id": event.organization_id,
                    "rollout_id": event.rollout_id,
                    "person_id": event.user_id,
                    "source_type": event.source_type,
                    "source_id": event.source_id,
                    "occurred_at": event.occurred_at,
                },
            )
    except IntegrityError:
        received = ReceivedEvent.objects.get(key=event.key)
    return None if received.processed_at else received


def process(received: ReceivedEvent) -> None:
    """Pay the event's points rules and evaluate the person's badges; safe to run twice."""
    rules = PointsRule.objects.filter(
        event=received.name, active=True, rollout__organization_id=received.organization_id
    ).select_related("rollout__organization")
    if received.rollout_id is not None:
        rules = rules.filter(rollout_id=received.rollout_id)
    rollouts: set[Rollout] = set()
    for rule in rules:
        pay(rule, received.person_id, received.key, received.occurred_at)
        rollouts.add(rule.rollout)
    for rollout in rollouts:
        evaluate_badges(rollout, received.person_id)
    ReceivedEvent.objects.filter(pk=received.pk, processed_at__isnull=True).update(
        processed_at=timezone.now()
    )


def pay(rule: PointsRule, person_id: int, event_key: str, occurred_at: datetime) -> PointsEntry | None:
    """The entry paying `event_key` under `rule`, or None when the person's daily cap is reached."""
    existing = PointsEntry.objects.filter(rule=rule, event_key=event_key).first()
    if existing is not None:
        return existing
    zone = zoneinfo.ZoneInfo(rule.rollout.organization.timezone)
    day = timezone.localdate(occurred_at, timezone=zone)
    with translation.override("en"):  # stored in English; PointsEntry.shown_reason translates it
        reason = str(rule.event_label)
    used = PointsEntry.objects.filter(rule=rule, person_id=person_id, day=day).count()
    for slot in range(used + 1, rule.daily_cap + 1):
        try:
            with transaction.atomic():
                return PointsEntry.objects.create(
                    rollout_id=rule.rollout_id,
                    person_id=person_id,
                    points=rule.points,
                    reason=reason,
                    rule=rule,
                    event_key=event_key,
                    day=day,
                    slot=slot,
                    created_at=occurred_at,
                )
        except IntegrityError:
            paid = PointsEntry.objects.filter(rule=rule, event_key=event_key).first()
            if paid is not None:
                return paid  # another worker paid this very event
            # another event of the same day took this slot: try the next one
    log.info("Daily cap of rule %s reached for person %s on %s", rule.pk, person_id, day)
    return None


# Badges ---------------------------------------------------------------------------------------


def _award(
    level: BadgeLevel,
    person_id: int,
    source: str,
    awarded_by: User | None = None,
    evidence_url: str = "",
    evidence: str = "",
) -> BadgeAward | None:
    """Award `level` once; the award, or None if the person holds it already."""
    try:
        with transaction.atomic():
            return BadgeAward.objects.create(
                level=level,
                badge_id=level.badge_id,
                rollout_id=level.badge.rollout_id,
                person_id=person_id,
                source=source,
                awarded_by=awarded_by,
                evidence_url=evidence_url,
                evidence=evidence,
            )
    except IntegrityError:
        return None


def evaluate_badges(rollout: Rollout, person_id: int) -> list[BadgeAward]:
    """Award every level of `rollout`'s rule badges that the person has reached; new awards."""
    badges = list(
        BadgeClass.objects.filter(
            rollout=rollout, criterion__in=[BadgeClass.Criterion.EVENTS, BadgeClass.Criterion.POINTS]
        ).prefetch_related("levels")
    )
    new: list[BadgeAward] = []
    if badges:
        entries = PointsEntry.objects.filter(rollout=rollout, person_id=person_id)
        per_rule: dict[int | None, int] = dict(
            entries.exclude(rule=None).values("rule_id").annotate(n=Count("pk")).values_list("rule_id", "n")
        )
        total = entries.aggregate(total=Sum("points"))["total"] or 0
        held = set(
            BadgeAward.objects.filter(rollout=rollout, person_id=person_id).values_list("level_id", flat=True)
        )
        for badge in badges:
            reached = (
                total if badge.criterion == BadgeClass.Criterion.POINTS else per_rule.get(badge.rule_id, 0)
            )
            for level in badge.levels.all():
                if level.pk not in held and level.threshold and reached >= level.threshold:
                    level.badge = badge
                    if award := _award(level, person_id, BadgeAward.Source.RULE):
                        new.append(award)
    return new + evaluate_meta_badges(rollout, person_id)


def evaluate_meta_badges(rollout: Rollout, person_id: int) -> list[BadgeAward]:
    """Award each meta-badge whose required badges the person all holds (any level)."""
    metas = list(
        BadgeClass.objects.filter(rollout=rollout, criterion=BadgeClass.Criterion.META).prefetch_related(
            "requires", "levels"
        )
    )
    if not metas:
        return []
    held = set(
        BadgeAward.objects.filter(rollout=rollout, person_id=person_id).values_list("badge_id", flat=True)
    )
    new: list[BadgeAward] = []
    for meta in metas:
        required = {badge.pk for badge in meta.requires.all()}
        if meta.pk in held or not required or not required <= held:
            continue
        level = meta.levels.all()[0] if meta.levels.all() else None
        if level is not None:
            level.badge = meta
            if award := _award(level, person_id, BadgeAward.Source.META):
                new.append(award)
                held.add(meta.pk)
    return new


def award_manually(
    level: BadgeLevel, person: User, awarded_by: User, evidence_url: str = "", evidence: str = ""
) -> BadgeAward | None:
    """A manager's award with evidence; None if the person already holds this level."""
    award = _award(level, person.pk, BadgeAward.Source.MANUAL, awarded_by, evidence_url, evidence)
    if award is not None:
        evaluate_meta_badges(level.badge.rollout, person.pk)
    return award


# The fields of a badge that `save_badge` takes from its values (the image and `requires` apart).
BADGE_FIELDS = ("name", "description", "criteria", "color", "criterion", "rule")


@transaction.atomic
def save_badge(
    rollout: Rollout,
    values: Mapping[str, Any],
    levels: Mapping[int, int | None],
    badge: BadgeClass | None = None,
) -> BadgeClass:
    """Save `badge` (a new badge of `rollout` when None) and its levels; levels already awarded are kept.

    `values`: the cleaned data of a valid BadgeForm: name, description, criteria, color, criterion,
    rule, requires (the badges a meta-badge collects) and image (a new upload or the current file;
    None keeps the current image, False removes it). `levels`: {rank: threshold} of the levels the
    badge should have (BadgeForm.cleaned_levels()); the others go, unless someone holds them.
    """
    if badge is None:
        badge = BadgeClass(rollout=rollout)
    for name in BADGE_FIELDS:
        if name in values:
            setattr(badge, name, values[name])
    image = values.get("image")
    if image is not None:  # as a model form saves a file field: None is "no change"
        badge.image = image or ""
    badge.save()
    if "requires" in values:
        badge.requires.set(values["requires"])
    for rank, threshold in levels.items():
        BadgeLevel.objects.update_or_create(badge=badge, rank=rank, defaults={"threshold": threshold})
    badge.levels.exclude(rank__in=list(levels)).filter(awards__isnull=True).delete()
    return badge


# Points: claims and corrections ------------------------------------------------------------------


def submit_claim(
    rollout: Rollout,
    person: User,
    *,
    reason: str,
    points: int,
    evidence_url: str = "",
    evidence: str = "",
) -> PointsClaim:
    """Save a claim of `person` (the values of a valid PointsClaimForm); flagged as a burst when the
    person claims often in a short time."""
    recent = PointsClaim.objects.filter(
        rollout=rollout, person=person, created_at__gte=timezone.now() - BURST_WINDOW
    ).count()
    claim = PointsClaim(reason=reason, points=points, evidence_url=evidence_url, evidence=evidence)
    claim.rollout, claim.person, claim.burst = rollout, person, recent >= BURST_CLAIMS
    claim.save()
    return claim


def decide_claim(claim: PointsClaim, approve: bool, decided_by: User) -> bool:
    """Approve (a ledger entry) or reject a pending claim; False if it was decided already."""
    status = PointsClaim.Status.APPROVED if approve else PointsClaim.Status.REJECTED
    with transaction.atomic():
        # Claim the row with a conditional update, so two approvers cannot both pay it.
        decided = PointsClaim.objects.filter(pk=claim.pk, status=PointsClaim.Status.PENDING).update(
            status=status, decided_by=decided_by, decided_at=timezone.now()
        )
        if decided and approve:
            PointsEntry.objects.create(
                rollout_id=claim.rollout_id,
                person_id=claim.person_id,
                points=claim.points,
                reason=f"{CLAIM_APPROVED}{claim.reason}"[:200],  # English: see PointsEntry.shown_reason
                claim=claim,
                awarded_by=decided_by,
            )
    if decided and approve:
        from rollout.tasks import enqueue_on_commit

        from .tasks import evaluate_person

        enqueue_on_commit(evaluate_person, claim.rollout_id, claim.person_id)
    return bool(decided)


def correct(rollout: Rollout, person: User, points: int, reason: str, by: User) -> PointsEntry:
    """A correction is a new entry (negative to take points away); the ledger is never edited."""
    return PointsEntry.objects.create(
        rollout=rollout,
        person=person,
        points=points,
        reason=f"{CORRECTION}{reason}"[:200],  # English: see PointsEntry.shown_reason
        awarded_by=by,
    )


# Recognition ----------------------------------------------------------------------------------


@transaction.atomic
def give_recognition(rollout: Rollout, giver: User, recipient: User, message: str) -> Recognition:
    memberships = dict(
        Membership.objects.filter(
            organization_id=rollout.organization_id, user__in=[giver, recipient]
        ).values_list("user_id", "role")
    )
    unit_id = (
        Membership.objects.filter(organization_id=rollout.organization_id, user=recipient)
        .values_list("unit_id", flat=True)
        .first()
    )
    recognition = Recognition.objects.create(
        rollout=rollout,
        giver=giver,
        recipient=recipient,
        message=message,
        unit_id=unit_id,
        from_leader=memberships.get(giver.pk) == Role.LEADER,
    )
    emit(
        "recognition_given",
        user=giver,
        organization_id=rollout.organization_id,
        rollout=rollout,
        source=recognition,
    )
    return recognition


# Seasons and opt-out --------------------------------------------------------------------------


@transaction.atomic
def start_new_season(rollout: Rollout, name: str) -> Season:
    """Close the open season (the first one opens at the rollout's creation) and open `name`."""
    now = timezone.now()
    locked = Rollout.objects.select_for_update().get(pk=rollout.pk)  # one season change at a time
    current = Season.objects.filter(rollout=locked, ended_at__isnull=True).first()
    if current is None:
        first = (
            PointsEntry.objects.filter(rollout=locked)
            .order_by("created_at")
            .values_list("created_at", flat=True)
        )
        started = min([locked.created_at, *first[:1]])
        # Named in the language of the manager who closes it, as they name the next one.
        Season.objects.create(rollout=locked, name=gettext("Season 1"), started_at=started, ended_at=now)
    else:
        Season.objects.filter(pk=current.pk).update(ended_at=now)
    return Season.objects.create(rollout=locked, name=name, started_at=now)


def set_opt_out(organization: Organization, user: User, opted_out: bool) -> None:
    if opted_out:
        LeaderboardOptOut.objects.get_or_create(organization=organization, user=user)
    else:
        LeaderboardOptOut.objects.filter(organization=organization, user=user).delete()


def set_leader_visibility(organization: Organization, user: User, visible: bool) -> None:
    """A leader agrees that people may see their participation, or withdraws (the row goes)."""
    if visible:
        LeaderVisibility.objects.get_or_create(organization=organization, user=user)
    else:
        LeaderVisibility.objects.filter(organization=organization, user=user).delete()
