"""The audit trail's single sign-on events (refusals are recorded where they happen, adapter.py)."""

from rollout import audit
from rollout.i18n import Phrase
from rollout.models import AuditEvent

from . import signin


def on_sso_login(sender, request, user, sociallogin=None, **kwargs):
    """allauth's user_logged_in: a sign-in through an organization's provider."""
    if sociallogin is None:
        return
    provider = signin.provider_by_id(sociallogin.account.provider)
    audit.record(
        request,
        AuditEvent.Action.LOGIN,
        user,
        Phrase.gettext(
            "%(email)s signed in with single sign-on (%(provider)s)",
            email=user.email,
            provider=provider.name if provider else Phrase.gettext("a removed provider"),
        ),
        organization=provider.organization if provider else False,
        actor=user,
    )


def on_break_glass(request, user, organizations):
    """A password login by an admin of organizations that require single sign-on."""
    for organization in organizations:
        audit.record(
            request,
            AuditEvent.Action.LOGIN,
            user,
            Phrase.gettext(
                "%(email)s logged in with a password although %(organization)s requires single sign-on "
                "(admin break-glass)",
                email=user.email,
                organization=str(organization),
            ),
            organization=organization,
            actor=user,
        )
