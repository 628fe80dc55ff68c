"""Pages of this step, mounted by config/urls.py under /r/<pk>/<step key>/ (the rollout's pk)."""

from django.urls import path  # noqa: F401

app_name = "champions"

urlpatterns = []
