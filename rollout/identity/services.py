"""Changes to an organization's provider, each written to the audit trail (never a secret)."""

from allauth.socialaccount.models import SocialAccount
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from rollout import audit
from rollout.i18n import Phrase
from rollout.models import AuditEvent, Role
from rollout.steps import listing, marked

from .discovery import origin

# What an admin changed, as the audit trail names it (in the reader's language).
FIELD_NAMES = {
    "name": _("display name"),
    "issuer": _("issuer URL"),
    "client_id": _("client ID"),
    "default_role": _("role of new people"),
}

# A role inside an audit sentence ("… joined Acme as admin"): lower case in English.
ROLES_IN_AUDIT = {
    Role.ADMIN: _("admin"),
    Role.MANAGER: _("manager"),
    Role.CHAMPION: _("champion"),
    Role.LEADER: _("leader"),
    Role.MEMBER: _("member"),
}


def role_in_audit(role):
    """The role (its code) as an audit summary names it: a Phrase value read in the reader's
    language, "admin" in English."""
    found = ROLES_IN_AUDIT.get(role)
    return marked(found) if found is not None else str(role)


def save_provider(request, form, document=None):
    """Save the admin's form; `document` is the discovery document if it was fetched."""
    created = form.instance.pk is None
    changes = [marked(label) for field, label in FIELD_NAMES.items() if field in form.changed_data]
    if form.cleaned_data.get("client_secret"):
        changes.append(Phrase.gettext("client secret replaced"))
    if "domains" in form.changed_data:
        changes.append(
            Phrase.gettext("allowed domains: %(domains)s", domains=", ".join(form.cleaned_data["domains"]))
        )
    if "require_sso" in form.changed_data:
        if form.cleaned_data["require_sso"]:
            changes.append(Phrase.gettext("require single sign-on: on"))
        else:
            changes.append(Phrase.gettext("require single sign-on: off"))
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
            Phrase.gettext("%(summary)s: %(changes)s", summary=summary, changes=listing(changes))
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
