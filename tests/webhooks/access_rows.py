"""Access-matrix rows of Settings → Webhooks (admins only; another organization's objects 404)."""

from rollout.models import WebhookDelivery, WebhookEndpoint

from ..access import ADMINS, page


def _endpoint(p):
    return WebhookEndpoint.objects.create(
        organization=p.org, url="https://hooks.example/rollout", events=["review.completed"], secret="whsec_x"
    )


def endpoint(p):
    return {"pk": _endpoint(p).pk}


def delivery(p):
    row = WebhookDelivery.objects.create(
        endpoint=_endpoint(p), event="review.completed", key="review.completed:1", status="failed"
    )
    return {"pk": row.pk}


ROWS = {
    "rollout:webhooks": page(ADMINS),
    "rollout:webhook_detail": page(ADMINS, endpoint),
    "rollout:webhook_delete": page(ADMINS, endpoint, ok=302, method="post"),
    "rollout:webhook_send_again": page(ADMINS, delivery, ok=302, method="post"),
}
