"""Background work of the centre. Web requests only enqueue, on commit, and never wait on it."""

import logging
from collections import Counter
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation

from .emails import render_email, send_rendered
from .i18n import email_language
from .models import Heartbeat, Invitation

log = logging.getLogger(__name__)

EMAIL_MAX_RETRIES = 5


def enqueue_on_commit(task, *args, fallback=None):
    """Send `task` to the broker once the current transaction commits.

    If the broker is unreachable, the user's request still succeeds: work backed by a row (an
    invitation) is picked up by its periodic sweep; work without one passes a `fallback`
    that does it in the request instead (e.g. sends the password-reset email directly).
    Publishing gives up quickly (two attempts, two-second timeouts: config/settings.py), so a
    broker that is down or hangs delays the request by seconds at most.
    """

    def send():
        try:
            task.delay(*args)
        except Exception:
            if fallback is None:
                log.exception("Could not enqueue %s%r; its periodic sweep will pick it up.", task.name, args)
                return
            log.exception("Could not enqueue %s%r; doing it in the request instead.", task.name, args)
            fallback()

    transaction.on_commit(send)


@shared_task
def heartbeat():
    """Prove that beat schedules and a worker runs: /healthz reports the age of this row."""
    Heartbeat.objects.update_or_create(name="worker", defaults={"beat_at": timezone.now()})


@shared_task(bind=True, max_retries=EMAIL_MAX_RETRIES)
def send_invitation(self, invitation_id):
    """Email an invitation once. The claim (a conditional UPDATE) makes a second send impossible."""
    from .invitations import invitation_link

    claimed = Invitation.objects.filter(
        pk=invitation_id, email_sent_at__isnull=True, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(email_sent_at=timezone.now(), email_attempts=F("email_attempts") + 1)
    if claimed != 1:
        return "already sent or no longer pending"
    invitation = Invitation.objects.select_related("organization", "invited_by").get(pk=invitation_id)
    # The invited person has no language of their own yet: the organization's, else English.
    with translation.override(email_language(None, invitation.organization)):
        subject, text, html = render_email(
            "invitation", {"invitation": invitation, "link": invitation_link(invitation)}
        )
    try:
        send_rendered(subject, text, html, [invitation.email])
    except Exception as exc:
        # Release the claim so a retry (or the sweep) can send it, and show the error to admins.
        Invitation.objects.filter(pk=invitation_id).update(email_sent_at=None, email_error=str(exc)[:500])
        raise self.retry(exc=exc, countdown=60 * 2**self.request.retries) from exc
    Invitation.objects.filter(pk=invitation_id).update(email_error="")
    return "sent"


@shared_task
def send_pending_invitations():
    """Sweep: enqueue pending invitations whose email task never reached a worker.

    Only invitations never attempted (the broker was down when they were created): failed sends
    are retried by the task itself, with backoff, and then wait for an admin's "Resend".
    """
    now = timezone.now()
    pending = Invitation.objects.filter(
        email_sent_at__isnull=True,
        email_attempts=0,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        created_at__lte=now - timedelta(minutes=2),
        created_at__gt=now - timedelta(days=settings.INVITATION_MAX_AGE_DAYS),
    ).values_list("pk", flat=True)
    pending = list(pending)
    for pk in pending:
        send_invitation.delay(pk)
    return len(pending)


@shared_task(bind=True, max_retries=EMAIL_MAX_RETRIES)
def send_email(self, subject, text, html, to):
    """Send an already rendered email (password resets), retrying with backoff on failure."""
    try:
        send_rendered(subject, text, html, to)
    except Exception as exc:
        log.warning("Sending %r to %s failed: %s", subject, to, exc)
        raise self.retry(exc=exc, countdown=60 * 2**self.request.retries) from exc


@shared_task
def dispatch_notifications():
    """The one beat entry of the outbox: insert what is due, release dead claims, hand out work."""
    from . import outbox

    now = timezone.now()
    inserted = outbox.insert_due(now)
    released = outbox.release_stuck(now)
    ready = outbox.take_ready(now)
    for start in range(0, len(ready), outbox.CHUNK):
        send_notifications.delay(ready[start : start + outbox.CHUNK])
    return {"inserted": inserted, "released": released, "queued": len(ready)}


@shared_task
def send_notifications(pks):
    """Send a chunk of the outbox over one connection to the mail server (outbox.send_many)."""
    from . import outbox

    return dict(Counter(str(status) for status in outbox.send_many(pks).values()))


@shared_task
def send_notification(pk):
    """One notification: what the dispatcher queued before it handed out chunks."""
    from . import outbox

    return outbox.send(pk)


@shared_task
def recompute_figures(rollout_ids):
    """Recompute the stored figures of these rollouts, after a write to their data (figures.py)."""
    from . import figures
    from .models import Rollout

    rollouts = Rollout.objects.filter(pk__in=rollout_ids).select_related("organization", "platform", "owner")
    return len(figures.recompute_out_of_date_ones(rollouts))


@shared_task
def recompute_organization_figures(organization_id):
    """Recompute the figures of every rollout of an organization, together, after a write that
    concerns them all (a unit's headcount, the organization's settings)."""
    from . import figures
    from .models import Rollout

    rollouts = Rollout.objects.filter(organization_id=organization_id).select_related(
        "organization", "platform", "owner"
    )
    return len(figures.recompute_out_of_date_ones(rollouts))


@shared_task
def recompute_out_of_date():
    """Sweep: recompute figures still out of date (their task never reached a worker), each
    organization's together."""
    from . import figures
    from .models import Rollout

    rollouts = Rollout.objects.filter(figures__computed_version__lt=F("figures__version")).select_related(
        "organization", "platform", "owner"
    )
    by_organization = {}
    for rollout in rollouts:
        by_organization.setdefault(rollout.organization_id, []).append(rollout)
    return sum(len(figures.recompute(found)) for found in by_organization.values())


@shared_task
def snapshot_health():
    """Once a day: compute every rollout's figures afresh (their windows and due dates move with the
    day) and record its health, for "changed since last month" on the portfolio."""
    from . import figures, portfolio
    from .models import Organization, Rollout

    day = timezone.localdate()
    recorded = 0
    for organization in Organization.objects.all():
        rollouts = list(
            Rollout.objects.filter(organization=organization).select_related(
                "organization", "platform", "owner"
            )
        )
        if rollouts:
            recorded += portfolio.snapshot(rollouts, day, figures.recompute(rollouts))
    return recorded


@shared_task
def apply_retention():
    """Remove what each organization keeps no longer, once a night in its time zone (rollout/retention.py)."""
    from .retention import run_due

    return run_due(timezone.now())


@shared_task
def deliver_webhooks():
    """Send the outgoing webhooks that are due (rollout/webhooks.py)."""
    from . import webhooks

    return webhooks.deliver_due()
