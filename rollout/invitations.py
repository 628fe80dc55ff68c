"""Invitations: an admin invites by email and role; the link is signed and expires."""

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from .models import Invitation, Membership

SALT = "rollout.invitation"


def invitation_token(invitation):
    return signing.dumps(invitation.pk, salt=SALT)


def invitation_link(invitation):
    return settings.SITE_URL + reverse("accept_invitation", args=[invitation_token(invitation)])


def invitation_from_token(token):
    """The pending invitation a token names, or None if the link is bad, expired or used."""
    try:
        pk = signing.loads(token, salt=SALT, max_age=settings.INVITATION_MAX_AGE_DAYS * 86400)
    except signing.BadSignature:
        return None
    invitation = Invitation.objects.select_related("organization", "unit").filter(pk=pk).first()
    if invitation is None or not invitation.is_pending:
        return None
    return invitation


def invite(organization, email, role, unit, invited_by):
    """Create an invitation and send its email once the transaction commits."""
    from .tasks import enqueue_on_commit, send_invitation

    invitation = Invitation.objects.create(
        organization=organization, email=email.lower(), role=role, unit=unit, invited_by=invited_by
    )
    enqueue_on_commit(send_invitation, invitation.pk)
    return invitation


def resend(invitation):
    """Send the email again (e.g. the invitee lost it): a fresh claim for a new send."""
    from .tasks import enqueue_on_commit, send_invitation

    Invitation.objects.filter(pk=invitation.pk).update(email_sent_at=None, email_error="", email_attempts=0)
    enqueue_on_commit(send_invitation, invitation.pk)


@transaction.atomic
def accept(invitation, user):
    """Join `user` to the invitation's organization; False if someone accepted it first."""
    claimed = Invitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(accepted_at=timezone.now())
    if claimed != 1:
        return False
    membership, created = Membership.all_objects.get_or_create(
        user=user,
        organization=invitation.organization,
        defaults={"role": invitation.role, "unit": invitation.unit},
    )
    if not created and not membership.is_active:
        # Deactivated (the directory said they left): an admin's invitation brings them back, in
        # the invitation's role.
        membership.is_active, membership.deactivated_at, membership.role = True, None, invitation.role
        membership.save(update_fields=["is_active", "deactivated_at", "role"])
        if not user.is_active:
            user.is_active = True
            user.save(update_fields=["is_active"])
    return True
