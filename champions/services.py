"""The writes of the champion step: nominate, decide (and announce the appointment), log a
session, close a follow-up, write to a champion, plan drop-ins and training sessions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.db import IntegrityError, transaction
from django.utils import timezone

from rollout.data_versions import new_data_version, owner_of, topic_of
from rollout.events import emit
from rollout.models import Membership, Notification, Role, Rollout, Unit, User
from trust.readiness import Readiness, readiness_of

from .member import covered_people
from .models import Champion, ChampionEvent, Skill, SupportSession

# The emails of this step (templates/emails/<kind>-subject.txt, -body.txt, -body.html).
MESSAGE_KIND = "champion-message"
ANNOUNCEMENT_KIND = "champion-announcement"
WELCOME_KIND = "champion-welcome"


class NotReady(Exception):
    """A nominee cannot be approved: they have not done what the Trust step asks (`readiness`)."""

    def __init__(self, readiness: Readiness):
        super().__init__(readiness.summary)
        self.readiness = readiness


@transaction.atomic
def nominate(
    rollout: Rollout,
    user: User,
    nominated_by: User | None,
    motivation: str = "",
    units: Iterable[Unit] = (),
) -> Champion:
    """Nominate `user` as a champion of `rollout` (again, if they declined or stepped down before)."""
    champion, _ = Champion.objects.update_or_create(
        rollout=rollout,
        user=user,
        defaults={
            "status": Champion.Status.NOMINATED,
            "nominated_by": nominated_by,
            "motivation": motivation,
            "decided_by": None,
            "decided_at": None,
            "stepped_down_on": None,
        },
    )
    if units:
        champion.units.set(units)
    if champion.location_id is None:
        membership = Membership.objects.filter(organization=rollout.organization, user=user).first()
        unit = membership.unit if membership and membership.unit_id else None
        if unit is not None and unit.kind == Unit.Kind.LOCATION:
            Champion.objects.filter(pk=champion.pk).update(location=unit)
            new_data_version(rollout.organization_id, rollout=rollout.pk)  # update() sends no signal
    return champion


def nominee_readiness(champion: Champion) -> Readiness:
    """Whether the nominee acknowledged the guidelines and passed the training of the rollout."""
    return readiness_of(champion.rollout.organization, champion.user_id, champion.rollout)


@transaction.atomic
def decide(champion: Champion, approve: bool, decided_by: User, override_reason: str = "") -> bool:
    """Approve or decline a nomination; True if this call decided it (a second click changes nothing).

    A nominee who is not ready (trust/readiness.py) is approved only with an `override_reason`,
    stored on the champion with who overrode and when; otherwise NotReady is raised and nothing
    changes. An approved member becomes a champion in the organization, so the champion pages
    open to them, and the appointment is announced (`announce_appointment`).
    """
    now = timezone.now()
    changes: dict[str, object] = {"decided_by": decided_by, "decided_at": now}
    if approve:
        # A nomination decided already is left to the claim below, which changes nothing.
        ready = nominee_readiness(champion)
        if not ready.ready and champion.status == Champion.Status.NOMINATED:
            if not override_reason.strip():
                raise NotReady(ready)
            changes.update(
                readiness_override=override_reason.strip()[:500],
                readiness_override_by=decided_by,
                readiness_override_at=now,
            )
        changes["status"] = Champion.Status.ACTIVE
        changes["start_date"] = champion.start_date or timezone.localdate()
    else:
        changes["status"] = Champion.Status.DECLINED
    # Claim the nomination with a conditional update, so two managers cannot both decide it.
    decided = Champion.objects.filter(pk=champion.pk, status=Champion.Status.NOMINATED).update(**changes)
    if decided and approve:
        Membership.objects.filter(
            organization_id=champion.rollout.organization_id, user_id=champion.user_id, role=Role.MEMBER
        ).update(role=Role.CHAMPION)
        champion.refresh_from_db()
        announce_appointment(champion, now)
    if decided:
        # update() sends no signal; the health counts the active and the nominated champions.
        new_data_version(champion.rollout.organization_id, rollout=champion.rollout_id)
    return bool(decided)


def announce_appointment(champion: Champion, now: datetime | None = None) -> int:
    """Queue the emails of a new appointment; the number of announcements queued.

    Everyone active in the champion's units (and the units inside them) who takes the
    organization's news (`Membership.announcements`) gets one announcement, the champion a welcome
    with their guide, coverage and readiness. The keys name the appointment (the champion and the
    time of the decision), so one appointment announces once to each person however often this
    runs; an appointment after stepping down is announced again.
    """
    now = now or timezone.now()
    appointment = f"{champion.pk}:{int((champion.decided_at or now).timestamp())}"
    people = covered_people(champion).filter(announcements=True).values_list("user_id", flat=True)
    rows = [
        Notification(
            organization_id=champion.rollout.organization_id,
            kind=ANNOUNCEMENT_KIND,
            key=f"{ANNOUNCEMENT_KIND}:{appointment}:{user_id}",
            recipient_id=user_id,
            payload={"champion": champion.pk},
            scheduled_for=now,
            next_attempt_at=now,
        )
        for user_id in people.order_by()
    ]
    rows.append(
        Notification(
            organization_id=champion.rollout.organization_id,
            kind=WELCOME_KIND,
            key=f"{WELCOME_KIND}:{appointment}",
            recipient_id=champion.user_id,
            payload={"champion": champion.pk},
            scheduled_for=now,
            next_attempt_at=now,
        )
    )
    Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    return len(rows) - 1


def write_to_champion(champion: Champion, sender: Membership, message: str, token: UUID) -> bool:
    """Queue `message` from the person of `sender` to `champion` as an email, the sender copied so
    that a reply to all reaches them. The token of the form makes a double submit send once:
    True if this call queued it."""
    now = timezone.now()
    key = f"{MESSAGE_KIND}:{champion.pk}:{sender.user_id}:{token}"
    if Notification.objects.filter(key=key).exists():
        return False
    row = Notification(
        organization_id=sender.organization_id,
        kind=MESSAGE_KIND,
        key=key,
        recipient_id=champion.user_id,
        cc=[sender.user.email],
        payload={"champion": champion.pk, "sender": sender.user_id, "message": message},
        scheduled_for=now,
        next_attempt_at=now,
    )
    # The unique key refuses the second of two posts that raced past the check above.
    Notification.objects.bulk_create([row], ignore_conflicts=True)
    return True


EVENT_FIELDS = ("kind", "title", "starts_at", "ends_at", "where")


@transaction.atomic
def save_event(
    rollout: Rollout,
    values: Mapping[str, Any],
    *,
    champion: Champion | None,
    units: Iterable[Unit] = (),
    created_by: User | None = None,
    event: ChampionEvent | None = None,
) -> ChampionEvent:
    """Save a drop-in or training session of `rollout` (a new one when `event` is None).

    `values`: kind, title, starts_at, ends_at and where, from a valid ChampionEventForm.
    """
    if event is None:
        event = ChampionEvent(rollout=rollout, created_by=created_by)
    for name in EVENT_FIELDS:
        setattr(event, name, values[name])
    event.champion = champion
    event.save()
    event.units.set(units)
    return event


def log_support_session(
    champion: Champion,
    *,
    token: UUID,
    happened_at: datetime,
    minutes: int,
    people_helped: int = 1,
    topics: Iterable[Skill] = (),
    other_topic: str = "",
    channel: str = SupportSession.Channel.IN_PERSON,
    outcome: str = SupportSession.Outcome.RESOLVED,
    follow_up_on: date | None = None,
    helped_unit: Unit | None = None,
    helped: Membership | None = None,
) -> tuple[SupportSession, bool]:
    """Save a support session of `champion`; (session, created).

    The values are those of a valid SupportSessionForm. `helped` is the membership of the person
    helped, if the champion named them: its unit stands in for `helped_unit` when none is given.

    The `token` makes this idempotent: logging with the same token twice (a double tap, a retried
    request) returns the session saved the first time.
    """
    existing = SupportSession.objects.filter(token=token, champion=champion).first()
    if existing is not None:
        return existing, False
    session = SupportSession(
        happened_at=happened_at,
        minutes=minutes,
        people_helped=people_helped,
        other_topic=other_topic,
        channel=channel,
        outcome=outcome,
        follow_up_on=follow_up_on,
        helped_unit=helped_unit,
    )
    if helped is not None:
        session.helped_person_id = helped.user_id
        if session.helped_unit_id is None:
            session.helped_unit_id = helped.unit_id
    session.champion = champion
    session.rollout_id = champion.rollout_id
    session.token = token
    try:
        with transaction.atomic():
            session.save()
            session.topics.set(topics)
    except IntegrityError:
        # The other tap of a double tap won the race on the unique token.
        existing = SupportSession.objects.filter(token=token, champion=champion).first()
        if existing is None:
            raise
        return existing, False
    emit(
        "support_session_logged",
        user=champion.user,
        organization_id=champion.rollout.organization_id,
        rollout=champion.rollout,
        source=session,
    )
    return session, True


def close_follow_up(session: SupportSession) -> bool:
    """Mark a session's follow-up done; False if it was not open."""
    closed = SupportSession.objects.filter(
        pk=session.pk, outcome=SupportSession.Outcome.FOLLOW_UP, follow_up_done_at__isnull=True
    ).update(follow_up_done_at=timezone.now())
    if closed:
        organization_id, rollout_id = owner_of(session)
        # update() sends no signal; the digest counts them
        new_data_version(organization_id, rollout=rollout_id, app=topic_of(session))
    return bool(closed)


def step_down(champion: Champion, on_date: date) -> None:
    champion.status = Champion.Status.STEPPED_DOWN
    champion.stepped_down_on = on_date
    champion.save(update_fields=["status", "stepped_down_on"])
