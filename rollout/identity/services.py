"""Changes to an organization's provider, each written to the audit trail (never a secret)."""

from allauth.socialaccount.models import SocialAccount
from django.db import transaction

from rollout import audit
from rollout.i18n import Phrase
from rollout.models import AuditEvent

from .discovery import origin

FIELD_NAMES = {
    "name": "display name",
    "issuer": "issuer URL",
    "client_id": "client ID",
    "default_role": "role of new people",
}


def save_provider(request, form, document=None):
    """Save the admin's form; `document` is the discovery document if it was fetched."""
    created = form.instance.pk is None
    changes = [label for field, label in FIELD_NAMES.items() if field in form.changed_data]
    if form.cleaned_data.get("client_secret"):
        changes.append("client secret replaced")
    if "domains" in form.changed_data:
        changes.append(f"allowed domains: {', '.join(form.cleaned_data['domains'])}")
    if "require_sso" in form.changed_data:
        changes.append(f"require single sign-on: {'on' if form.cleaned_data['require_sso'] else 'off'}")
    with transaction.atomic():
        if document is not None:
            form.instance.authorization_origin = origin(document["authorization_endpoint"])
        provider = form.save()
        if created:
            summary = Phrase.gettext("Single sign-on provider %(name)s added", name=provider.name)
        else:
            summary = Phrase.gettext("Single sign-on provider %(name)s changed", name=provider.name)
        audit.record(
            request,
            AuditEvent.Action.SETTINGS_CHANGED,
            provider,
            Phrase.gettext("%(summary)s: %(changes)s", summary=summary, changes="; ".join(changes))
            if changes
            else summary,
            organization=provider.organization,
        )
    return provider


def remove_provider(request, provider):
    """Remove the provider and the links it made between its accounts and Rollout's users (the
    users and their memberships stay: they can still be invited or reset their password)."""
    with transaction.atomic():
        SocialAccount.objects.filter(provider=provider.provider_id).delete()
        audit.record(
            request,
            AuditEvent.Action.SETTINGS_CHANGED,
            provider,
            Phrase.gettext("Single sign-on provider %(name)s removed", name=provider.name),
            organization=provider.organization,
        )
        provider.delete()
