"""Activity imports and engagement metrics (Engage, part 1), included by engage/urls.py."""

from django.urls import path  # noqa: F401

urlpatterns = []
