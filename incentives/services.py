"""The writes of the incentive step: events in, points out, badges, claims, recognition, seasons.

Everything automatic is idempotent through a unique constraint, so a task that runs twice (a
redelivered message, a sweep, two workers) changes nothing the second time:

- an event is recorded once (`ReceivedEvent.key`);
- a rule pays an event once (`PointsEntry(rule, event_key)`) and at most `daily_cap` times per
  person per day (`PointsEntry(rule, person, day, slot)`, slot 1..cap);
- a badge level is awarded to a person once (`BadgeAward(level, person)`).
"""

import logging
import zoneinfo
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.utils import timezone

from rollout.events import emit
from rollout.models import Membership, Role, Rollout

from .models import (
    EVENT_LABELS,
    BadgeAward,
    BadgeClass,
    BadgeLevel,
    LeaderboardOptOut,
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


def on_activity(sender, event, **kwargs):
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


def record_event(event):
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


def process(received):
    """Pay the event's points rules and evaluate the person's badges; safe to run twice."""
    rules = PointsRule.objects.filter(
        event=received.name, active=True, rollout__organization_id=received.organization_id
    ).select_related("rollout__organization")
    if received.rollout_id is not None:
        rules = rules.filter(rollout_id=received.rollout_id)
    rollouts = set()
    for rule in rules:
        pay(rule, received.person_id, received.key, received.occurred_at)
        rollouts.add(rule.rollout)
    for rollout in rollouts:
        evaluate_badges(rollout, received.person_id)
    ReceivedEvent.objects.filter(pk=received.pk, processed_at__isnull=True).update(
        processed_at=timezone.now()
    )


def pay(rule, person_id, event_key, occurred_at):
    """The entry paying `event_key` under `rule`, or None when the person's daily cap is reached."""
    existing = PointsEntry.objects.filter(rule=rule, event_key=event_key).first()
    if existing is not None:
        return existing
    zone = zoneinfo.ZoneInfo(rule.rollout.organization.timezone)
    day = timezone.localdate(occurred_at, timezone=zone)
    used = PointsEntry.objects.filter(rule=rule, person_id=person_id, day=day).count()
    for slot in range(used + 1, rule.daily_cap + 1):
        try:
            with transaction.atomic():
                return PointsEntry.objects.create(
                    rollout_id=rule.rollout_id,
                    person_id=person_id,
                    points=rule.points,
                    reason=rule.event_label,
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


def _award(level, person_id, source, awarded_by=None, evidence_url="", evidence=""):
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


def evaluate_badges(rollout, person_id):
    """Award every level of `rollout`'s rule badges that the person has reached; new awards."""
    badges = list(
        BadgeClass.objects.filter(
            rollout=rollout, criterion__in=[BadgeClass.Criterion.EVENTS, BadgeClass.Criterion.POINTS]
        ).prefetch_related("levels")
    )
    new = []
    if badges:
        entries = PointsEntry.objects.filter(rollout=rollout, person_id=person_id)
        per_rule = dict(
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


def evaluate_meta_badges(rollout, person_id):
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
    new = []
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


def award_manually(level, person, awarded_by, evidence_url="", evidence=""):
    """A manager's award with evidence; None if the person already holds this level."""
    award = _award(level, person.pk, BadgeAward.Source.MANUAL, awarded_by, evidence_url, evidence)
    if award is not None:
        evaluate_meta_badges(level.badge.rollout, person.pk)
    return award


@transaction.atomic
def save_badge(form):
    """Save a valid BadgeForm and its levels; levels already awarded are kept."""
    badge = form.save()
    wanted = form.cleaned_levels()
    for rank, threshold in wanted.items():
        BadgeLevel.objects.update_or_create(badge=badge, rank=rank, defaults={"threshold": threshold})
    badge.levels.exclude(rank__in=wanted).filter(awards__isnull=True).delete()
    return badge


# Points: claims and corrections ------------------------------------------------------------------


def submit_claim(rollout, person, form):
    """Save a valid claim form; flagged as a burst when the person claims often in a short time."""
    recent = PointsClaim.objects.filter(
        rollout=rollout, person=person, created_at__gte=timezone.now() - BURST_WINDOW
    ).count()
    claim = form.save(commit=False)
    claim.rollout, claim.person, claim.burst = rollout, person, recent >= BURST_CLAIMS
    claim.save()
    return claim


def decide_claim(claim, approve, decided_by):
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
                reason=f"Claim approved: {claim.reason}"[:200],
                claim=claim,
                awarded_by=decided_by,
            )
    if decided and approve:
        from rollout.tasks import enqueue_on_commit

        from .tasks import evaluate_person

        enqueue_on_commit(evaluate_person, claim.rollout_id, claim.person_id)
    return bool(decided)


def correct(rollout, person, points, reason, by):
    """A correction is a new entry (negative to take points away); the ledger is never edited."""
    return PointsEntry.objects.create(
        rollout=rollout, person=person, points=points, reason=f"Correction: {reason}"[:200], awarded_by=by
    )


# Recognition ----------------------------------------------------------------------------------


@transaction.atomic
def give_recognition(rollout, giver, recipient, message):
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
def start_new_season(rollout, name):
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
        Season.objects.create(rollout=locked, name="Season 1", started_at=started, ended_at=now)
    else:
        Season.objects.filter(pk=current.pk).update(ended_at=now)
    return Season.objects.create(rollout=locked, name=name, started_at=now)


def set_opt_out(organization, user, opted_out):
    if opted_out:
        LeaderboardOptOut.objects.get_or_create(organization=organization, user=user)
    else:
        LeaderboardOptOut.objects.filter(organization=organization, user=user).delete()
