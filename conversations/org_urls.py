"""Organization-wide pages of conversations, mounted by config/urls.py under /questions/: a
person asks for help and follows their own questions, whatever their role."""

from django.urls import path

from .views import asking

app_name = "conversations_org"

urlpatterns = [
    path("", asking.mine, name="mine"),
    path("ask/", asking.ask, name="ask"),
]
