"""Organization-wide champion pages, mounted by config/urls.py under /champions/."""

from django.urls import path  # noqa: F401

app_name = "champions_org"

urlpatterns = []
