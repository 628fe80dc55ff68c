"""Settings → Directory (SCIM), under /settings/directory/."""

from django.urls import path

from . import token_views

app_name = "directory"

urlpatterns = [
    path("scim/", token_views.scim_tokens, name="scim_tokens"),
    path("scim/<int:pk>/revoke/", token_views.scim_token_revoke, name="scim_token_revoke"),
]
