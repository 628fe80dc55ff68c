"""Settings → Webhooks (admins): the organization's endpoints, their delivery log, "Send again"."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import webhooks
from ..access import ADMINS, role_required
from ..forms import WebhookEndpointForm
from ..models import WebhookDelivery
from ..paging import PAGE_SIZE

NEW_SECRET = "webhook_new_secret"  # session key: the secret of the endpoint just created, shown once


@role_required(ADMINS)
def webhook_list(request):
    endpoints = request.scope.organization.webhook_endpoints.order_by("url", "pk")
    form = WebhookEndpointForm(request.POST or None, initial={"active": True})
    if form.is_valid():
        endpoint = form.save(commit=False)
        endpoint.organization = request.scope.organization
        endpoint.created_by = request.user
        endpoint.secret = webhooks.new_secret()
        endpoint.save()
        request.session[NEW_SECRET] = [endpoint.pk, endpoint.secret]
        return redirect("rollout:webhook_detail", pk=endpoint.pk)
    return render(request, "rollout/settings/webhooks.html", {"endpoints": endpoints, "form": form})


@role_required(ADMINS)
def webhook_detail(request, pk):
    endpoint = get_object_or_404(request.scope.organization.webhook_endpoints, pk=pk)
    form = WebhookEndpointForm(request.POST or None, instance=endpoint)
    if form.is_valid():
        form.save()
        messages.success(request, _("The endpoint is saved."))
        return redirect("rollout:webhook_detail", pk=pk)
    shown = request.session.pop(NEW_SECRET, None)
    secret = shown[1] if shown and shown[0] == endpoint.pk else None
    deliveries = Paginator(endpoint.deliveries.order_by("-created_at", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "rollout/settings/webhook_detail.html",
        {"endpoint": endpoint, "form": form, "secret": secret, "page": deliveries},
    )


@role_required(ADMINS)
@require_POST
def webhook_delete(request, pk):
    endpoint = get_object_or_404(request.scope.organization.webhook_endpoints, pk=pk)
    endpoint.delete()
    messages.success(
        request, _("The endpoint %(url)s and its delivery log are deleted.") % {"url": endpoint.url}
    )
    return redirect("rollout:webhooks")


@role_required(ADMINS)
@require_POST
def webhook_send_again(request, pk):
    delivery = get_object_or_404(
        WebhookDelivery.objects.filter(endpoint__organization=request.scope.organization), pk=pk
    )
    if webhooks.send_again(delivery):
        messages.success(request, _("Queued again: it is sent within a minute."))
    else:
        messages.error(
            request,
            _("Only delivered or failed deliveries can be sent again; this one is %(status)s.")
            % {"status": str(delivery.get_status_display()).lower()},
        )
    return redirect("rollout:webhook_detail", pk=delivery.endpoint_id)
