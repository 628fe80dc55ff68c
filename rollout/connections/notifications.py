"""The email to an organization's admins when a connection fails three times in a row.

The producer yields one notification per admin for each run of failures (the key names the
connection and when its failures began), marks the connection, and the outbox sends each once.
A success starts the count again (services._succeeded), so a later run of failures emails again.
"""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy, gettext_noop

from rollout.notifications import Cancel, Due, producer, register_kind

from .models import Connection
from .services import FAILURES_BEFORE_EMAIL, admins_of

KIND = "connection-failing"


@producer
def failing_connections(now):
    failing = list(
        Connection.objects.filter(
            enabled=True, failure_emailed=False, consecutive_failures__gte=FAILURES_BEFORE_EMAIL
        ).select_related("organization")[:500]
    )
    for connection in failing:
        since = (connection.failing_since or now).strftime("%Y%m%dT%H%M%S.%f")
        for user_id in admins_of(connection.organization).values_list("user_id", flat=True):
            yield Due(
                KIND,
                f"{KIND}:{connection.pk}:{since}:{user_id}",
                connection.organization_id,
                user_id,
                now,
                {"connection": connection.pk},
            )
    Connection.objects.filter(pk__in=[c.pk for c in failing]).update(failure_emailed=True)


def failing_context(notification):
    connection = Connection.objects.filter(
        pk=notification.payload.get("connection"), organization_id=notification.organization_id
    ).first()
    if connection is None or not connection.enabled:
        raise Cancel(gettext_noop("The connection was deleted or disabled."))
    if not admins_of(connection.organization).filter(user_id=notification.recipient_id).exists():
        raise Cancel(gettext_noop("The recipient is no longer an admin of the organization."))
    if connection.consecutive_failures == 0:
        raise Cancel(gettext_noop("The connection has worked again since."))
    return {
        "connection": connection,
        "link": settings.SITE_URL + reverse("connections:runs", args=[connection.pk]),
    }


register_kind(KIND, gettext_lazy("Connection failing (admins)"), failing_context)
