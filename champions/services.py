"""The writes of the champion step: nominate, decide, log a session, close a follow-up."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from uuid import UUID

from django.db import IntegrityError, transaction
from django.utils import timezone

from rollout.data_versions import new_data_version, owner_of, topic_of
from rollout.events import emit
from rollout.models import Membership, Role, Rollout, Unit, User

from .models import Champion, Skill, SupportSession


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


@transaction.atomic
def decide(champion: Champion, approve: bool, decided_by: User) -> bool:
    """Approve or decline a nomination; True if this call decided it (a second click changes nothing).

    An approved member becomes a champion in the organization, so the champion pages open to them.
    """
    now = timezone.now()
    changes: dict[str, object] = {"decided_by": decided_by, "decided_at": now}
    if approve:
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
    if decided:
        # update() sends no signal; the health counts the active and the nominated champions.
        new_data_version(champion.rollout.organization_id, rollout=champion.rollout_id)
    return bool(decided)


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
