"""The notifications outbox page (admins), unsubscribe links, and a person's email preferences."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.core.signing import BadSignature, TimestampSigner
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import outbox
from ..access import ADMINS, memberships_of, role_required
from ..models import Membership, Notification
from ..notifications import PREFERENCES, kinds
from ..paging import PAGE_SIZE
from ..ratelimits import limit_failures


@role_required(ADMINS)
def outbox_list(request):
    rows = request.scope.organization.notifications.select_related("recipient").order_by(
        "-scheduled_for", "-pk"
    )
    status = request.GET.get("status", "")
    if status in Notification.Status.values:
        rows = rows.filter(status=status)
    counts = dict(request.scope.organization.notifications.values_list("status").annotate(n=Count("pk")))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    labels = {name: spec.label for name, spec in kinds().items()}
    for notification in page:
        notification.kind_label = labels.get(notification.kind, notification.kind)
    tabs = [(value, label, counts.get(value, 0)) for value, label in Notification.Status.choices]
    return render(request, "rollout/settings/outbox.html", {"page": page, "status": status, "tabs": tabs})


@role_required(ADMINS)
def outbox_detail(request, pk):
    notification = get_object_or_404(
        request.scope.organization.notifications.select_related("recipient"), pk=pk
    )
    return render(
        request,
        "rollout/settings/outbox_detail.html",
        {"notification": notification, "message_text": outbox.sent_file_text(notification)},
    )


@role_required(ADMINS)
@require_POST
def outbox_retry(request, pk):
    notification = get_object_or_404(request.scope.organization.notifications, pk=pk)
    if outbox.retry(notification):
        messages.success(request, _("Queued again: the dispatcher sends it within a minute."))
    else:
        messages.error(
            request,
            _("Only failed or cancelled notifications can be retried; this one is %(status)s.")
            % {"status": str(notification.get_status_display()).lower()},
        )
    return redirect("rollout:outbox_detail", pk=pk)


def _preference_from_token(token):
    """(membership, preference) the signed unsubscribe link names, or (None, ""). Links sent
    before preferences had names ("<user>:<organization>") turn off the weekly digest."""
    try:
        value = TimestampSigner(salt=outbox.UNSUBSCRIBE_SALT).unsign(token)
        user_id, organization_id, *rest = value.split(":")
        preference = rest[0] if rest else "weekly_digest"
        user_id, organization_id = int(user_id), int(organization_id)
    except (BadSignature, ValueError):
        return None, ""
    if preference not in PREFERENCES:
        return None, ""
    membership = (
        Membership.objects.filter(user_id=user_id, organization_id=organization_id)
        .select_related("organization", "user")
        .first()
    )
    return membership, preference


@limit_failures("unsubscribe")
def unsubscribe(request, token):
    """One-click unsubscribe from digests or employee news. GET only asks (mail scanners follow links)."""
    membership, preference = _preference_from_token(token)
    if membership is None:
        return render(request, "rollout/unsubscribe.html", {"invalid": True}, status=404)
    done = False
    if request.method == "POST":
        Membership.objects.filter(pk=membership.pk).update(**{preference: False})
        done = True
    return render(
        request,
        "rollout/unsubscribe.html",
        {"membership": membership, "done": done, "what": PREFERENCES[preference]},
    )


@login_required
def notification_settings(request):
    memberships = list(memberships_of(request.user))
    if request.method == "POST":
        for preference in PREFERENCES:
            chosen = {int(pk) for pk in request.POST.getlist(preference) if pk.isdigit()}
            for membership in memberships:
                wanted = membership.pk in chosen
                if getattr(membership, preference) != wanted:
                    Membership.objects.filter(pk=membership.pk, user=request.user).update(
                        **{preference: wanted}
                    )
        messages.success(request, _("Your email settings are saved."))
        return redirect("rollout:notification_settings")
    return render(request, "rollout/notification_settings.html", {"memberships": memberships})
