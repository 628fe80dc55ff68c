"""Public Open Badges documents, mounted by config/urls.py under /badges/ (no login)."""

from django.urls import path

from .views import public

app_name = "openbadges"

urlpatterns = [
    path("issuer/<uuid:public_id>", public.issuer, name="issuer"),
    path("class/<uuid:public_id>", public.badge_class, name="badge_class"),
    path("class/<uuid:public_id>/image", public.image, name="image"),
    path("assertion/<uuid:public_id>", public.assertion, name="assertion"),
    path("credential/<uuid:public_id>", public.credential, name="credential"),
]
