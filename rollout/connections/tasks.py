"""The connections' background work: the sweep that starts due runs, and one run with retries.

A run writes what it says (its detail, the connection's last error) in the organization's
language, as its admins read it on Settings → Connections."""

from celery import shared_task
from django.utils import timezone, translation

from rollout.i18n import email_language

from . import services
from .models import Connection


@shared_task
def run_due_connections():
    """Beat, every 5 minutes: claim the connections whose hour has come and send a run of each."""
    claimed = services.claim_due(timezone.now())
    for pk in claimed:
        run_connection.delay(pk)
    return len(claimed)


def language_of(pk):
    """The language of the connection's organization (English when it chose none)."""
    connection = Connection.objects.select_related("organization").filter(pk=pk).first()
    return email_language(None, connection.organization if connection else None)


@shared_task(bind=True, max_retries=services.MAX_RETRIES)
def run_connection(self, pk, trigger="schedule"):
    """Pull one connection. A failure is retried after 2, 4, then 8 minutes, or after the
    service's Retry-After when it throttled; each attempt is a run in the history."""
    attempt = self.request.retries or 0
    with translation.override(language_of(pk)):
        outcome = services.run(pk, trigger="retry" if attempt else trigger, attempt=attempt)
    if outcome.retry_in is not None:
        raise self.retry(countdown=outcome.retry_in)
    return outcome.status
