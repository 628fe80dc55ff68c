"""The writes of the champion step: nominate, decide, log a session, close a follow-up."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from rollout.events import emit
from rollout.models import Membership, Role
from rollout.portfolio import new_data_version, organization_of

from .models import Champion, SupportSession


@transaction.atomic
def nominate(rollout, user, nominated_by, motivation="", units=()):
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
        if membership and membership.unit_id and membership.unit.kind == membership.unit.Kind.LOCATION:
            Champion.objects.filter(pk=champion.pk).update(location=membership.unit)
            new_data_version(rollout.organization_id)  # update() sends no signal
    return champion


@transaction.atomic
def decide(champion, approve, decided_by):
    """Approve or decline a nomination; True if this call decided it (a second click changes nothing).

    An approved member becomes a champion in the organization, so the champion pages open to them.
    """
    now = timezone.now()
    changes = {"decided_by": decided_by, "decided_at": now}
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
        new_data_version(champion.rollout.organization_id)
    return bool(decided)


def log_support_session(form, champion):
    """Save a valid SupportSessionForm for `champion`; (session, created).

    The form's token makes this idempotent: posting the same form twice (a double tap, a retried
    request) returns the session saved the first time.
    """
    token = form.cleaned_data["token"]
    existing = SupportSession.objects.filter(token=token, champion=champion).first()
    if existing is not None:
        return existing, False
    session = form.save(commit=False)
    session.champion = champion
    session.rollout_id = champion.rollout_id
    session.token = token
    try:
        with transaction.atomic():
            session.save()
            form.save_m2m()
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


def close_follow_up(session):
    """Mark a session's follow-up done; False if it was not open."""
    closed = SupportSession.objects.filter(
        pk=session.pk, outcome=SupportSession.Outcome.FOLLOW_UP, follow_up_done_at__isnull=True
    ).update(follow_up_done_at=timezone.now())
    if closed:
        new_data_version(organization_of(session))  # update() sends no signal; the digest counts them
    return bool(closed)


def step_down(champion, on_date):
    champion.status = Champion.Status.STEPPED_DOWN
    champion.stepped_down_on = on_date
    champion.save(update_fields=["status", "stepped_down_on"])
