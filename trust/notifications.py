"""The trust step's emails, sent through the notifications outbox (rollout/notifications.py).

Guideline reminders (`guideline-reminder`)
------------------------------------------
A manager presses "Send reminders" on a guideline; services.send_reminders() inserts one row per
outstanding person with the key `guideline-reminder:<version>:<user>:<local date>`, so nobody is
chased twice for the same version on the same day. The context is built when the email is sent:
a person who acknowledged in the meantime, left the organization or the audience, or a version
that is no longer current cancels the reminder.

Employee reports (`incident-reported`)
--------------------------------------
An employee reports a problem on the Speak up page (services.report_incident). On each tick the
producer tells the organization's admins and managers of every report not told yet, and sends the
`incident.opened` webhook with it. A named report is told at the next tick; an anonymous one at
the next full hour after the hour it is stamped with, so that neither the email's time nor the
outbox row's points at whoever signed in just before. The email names nobody and does not quote
the report (it may name the people involved): it links to the register.
"""

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from rollout.access import EDITORS
from rollout.models import Membership
from rollout.notifications import Cancel, Due, producer, register_kind

from .models import Guideline, Incident
from .selectors import audience, has_acknowledged
from .services import REMINDER_KIND, emit_opened

REPORTED_KIND = "incident-reported"
ANONYMOUS_DELAY = timedelta(hours=1)  # after the hour an anonymous report is stamped with
BATCH = 500


def reminder_context(notification):
    guideline = (
        Guideline.objects.filter(
            pk=notification.payload.get("guideline"), organization=notification.organization
        )
        .select_related("current", "organization")
        .first()
    )
    if guideline is None or guideline.current is None:
        raise Cancel(gettext_noop("The guideline no longer exists."))
    if not Membership.objects.filter(
        user=notification.recipient, organization=notification.organization
    ).exists():
        raise Cancel(gettext_noop("The person has left the organization."))
    if not audience(guideline).filter(user=notification.recipient).exists():
        raise Cancel(gettext_noop("The person is no longer in the guideline's audience."))
    if has_acknowledged(guideline, notification.recipient):
        raise Cancel(gettext_noop("The person acknowledged the guideline in the meantime."))
    path = reverse("trust_org:my_guideline", args=[guideline.pk])
    return {
        "guideline": guideline,
        "version": guideline.current,
        "new_version": notification.payload.get("version") != guideline.current_id,
        "link": f"{settings.SITE_URL}{path}",
    }


register_kind(REMINDER_KIND, _("Guideline reminder"), context=reminder_context)


@producer
def incident_reports(now):
    """One `incident-reported` email per admin and manager for each employee report due."""
    due = Incident.objects.filter(source=Incident.Source.EMPLOYEE, told_managers=False).filter(
        Q(anonymous=False) | Q(created_at__lte=now - ANONYMOUS_DELAY)
    )
    reports = list(due.order_by("created_at", "pk")[:BATCH])
    if not reports:
        return
    handlers: dict[int, list[int]] = {}
    for organization_id, user_id in (
        Membership.objects.filter(
            organization_id__in={report.organization_id for report in reports},
            role__in=EDITORS,
            user__is_active=True,
        )
        .values_list("organization_id", "user_id")
        .order_by("user_id")
    ):
        handlers.setdefault(organization_id, []).append(user_id)
    for report in reports:
        for user_id in handlers.get(report.organization_id, ()):
            yield Due(
                REPORTED_KIND,
                f"{REPORTED_KIND}:{report.pk}:{user_id}",
                report.organization_id,
                user_id,
                now,
                {"incident": report.pk},
            )
        emit_opened(report)
    Incident.objects.filter(pk__in=[report.pk for report in reports]).update(told_managers=True)


def reported_context(notification):
    if not Membership.objects.filter(
        user_id=notification.recipient_id, organization_id=notification.organization_id, role__in=EDITORS
    ).exists():
        raise Cancel(gettext_noop("The recipient is no longer an admin or manager of the organization."))
    incident = (
        Incident.objects.filter(
            pk=notification.payload.get("incident"), organization=notification.organization
        )
        .select_related("organization", "rollout", "platform")
        .first()
    )
    if incident is None:
        raise Cancel(gettext_noop("The report was deleted."))
    return {
        "incident": incident,
        "organization": incident.organization,
        "link": settings.SITE_URL + reverse("trust_org:incident_edit", args=[incident.pk]),
        "register": settings.SITE_URL + reverse("trust_org:incidents") + "?source=employee",
    }


register_kind(REPORTED_KIND, _("Employee report of a problem (admins and managers)"), reported_context)
