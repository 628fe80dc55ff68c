"""The API, version 1 (docs/api.md). Each app lists its viewsets in ROUTES; config composes them,
so the centre still imports no step app."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.permissions import IsAuthenticated
from rest_framework.routers import SimpleRouter

import champions.api
import engage.conversations.api
import reviews.api
import strategy.api
from rollout.api import views

router = SimpleRouter()
router.register("rollouts", views.RolloutViewSet, basename="rollout")
router.register("health", views.HealthViewSet, basename="health")
router.register("notifications", views.NotificationViewSet, basename="notification")
for module in (strategy.api, champions.api, reviews.api, engage.conversations.api):
    for prefix, viewset, basename in module.ROUTES:
        router.register(prefix, viewset, basename=basename)

app_name = "api"

urlpatterns = [
    path("", include(router.urls)),
    # The schema and its viewers are for any signed-in member or token holder.
    path("schema/", SpectacularAPIView.as_view(permission_classes=[IsAuthenticated]), name="schema"),
    path(
        "docs/",
        SpectacularSwaggerView.as_view(url_name="api:schema", permission_classes=[IsAuthenticated]),
        name="docs",
    ),
    path(
        "redoc/",
        SpectacularRedocView.as_view(url_name="api:schema", permission_classes=[IsAuthenticated]),
        name="redoc",
    ),
]
