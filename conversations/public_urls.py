"""The public pulse answer page, mounted by config/urls.py under /pulse/ (namespace "pulse")."""

from django.urls import path

from .views import public

app_name = "pulse"

urlpatterns = [
    path("<str:token>/", public.answer, name="answer"),
]
