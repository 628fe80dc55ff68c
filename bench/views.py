"""The benchmark's baseline: the least a page can do, one query and a trivial template."""

from django.http import HttpResponse
from django.template import engines

from rollout.models import Organization

TEMPLATE = engines["django"].from_string(
    "<!doctype html><title>Baseline</title><p>{{ organization.name }} ({{ organization.slug }})</p>"
)


def baseline(request):
    organization = Organization.objects.order_by("pk").first()
    return HttpResponse(TEMPLATE.render({"organization": organization}))
