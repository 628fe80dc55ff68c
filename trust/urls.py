"""Pages of this step, mounted by config/urls.py under /r/<pk>/trust/ (the rollout's pk)."""

from django.urls import path

from .views import home

app_name = "trust"

urlpatterns = [
    path("", home.home, name="home"),
]
