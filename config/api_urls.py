"""The API, version 1 (docs/api.md). Each app lists its viewsets in ROUTES; config composes them,
so the centre still imports no step app."""

from csp.constants import SELF
from csp.decorators import csp_update
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.permissions import IsAuthenticated
from rest_framework.routers import SimpleRouter

import champions.api
import conversations.api
import engage.api
import engage.figures_api
import reviews.api
import strategy.api
from rollout.api import views

router = SimpleRouter()
router.register("rollouts", views.RolloutViewSet, basename="rollout")
router.register("health", views.HealthViewSet, basename="health")
router.register("notifications", views.NotificationViewSet, basename="notification")
for module in (
    strategy.api,
    champions.api,
    reviews.api,
    engage.api,
    engage.figures_api,
    conversations.api,
):
    for prefix, viewset, basename in module.ROUTES:
        router.register(prefix, viewset, basename=basename)

app_name = "api"

urlpatterns = [
    path("", include(router.urls)),
    # The schema and its viewers are for any signed-in member or token holder.
    path("schema/", SpectacularAPIView.as_view(permission_classes=[IsAuthenticated]), name="schema"),
    # The split view serves Swagger UI's start-up code as a script file (?script), so the page
    # needs no inline script under the Content-Security-Policy (docs/api.md).
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api:schema", permission_classes=[IsAuthenticated]),
        name="docs",
    ),
    # Redoc runs its search index in a web worker it creates from a blob: URL; only this page
    # may do that (worker-src), its scripts still come from 'self' alone.
    path(
        "redoc/",
        csp_update({"worker-src": [SELF, "blob:"]})(
            SpectacularRedocView.as_view(url_name="api:schema", permission_classes=[IsAuthenticated])
        ),
        name="redoc",
    ),
    # Last: whatever else is asked under /api/v1/ gets a 404 in the error shape.
    re_path(r"^(?P<path>[\s\S]*)$", views.not_found, name="not-found"),
]
