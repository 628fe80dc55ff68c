"""Who may sign in through an organization's provider, and who may still use a password.

Plain functions on plain values, called by the allauth adapter (adapter.py) and the login view.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from rollout.i18n import Phrase
from rollout.models import Membership, Role, User

from .models import PROVIDER_ID_PREFIX, IdentityProvider


class Refused(Exception):
    """A sign-in refused: `reason` (a Phrase) is shown to the person in their language and written
    to the audit trail in English."""

    def __init__(self, reason: Phrase):
        super().__init__(reason)
        self.reason = reason


def domain_of(email):
    return (email or "").rpartition("@")[2].strip().lower()


def provider_for_email(email):
    """The provider that signs in this email's domain, or None."""
    domain = domain_of(email)
    if not domain:
        return None
    return (
        IdentityProvider.objects.select_related("organization").filter(allowed_domains__domain=domain).first()
    )


def provider_by_id(provider_id):
    """The provider allauth names `provider_id` ("org-idp-<organization pk>"), or None."""
    pk = str(provider_id or "").removeprefix(PROVIDER_ID_PREFIX)
    if not pk.isdigit() or not str(provider_id).startswith(PROVIDER_ID_PREFIX):
        return None
    return IdentityProvider.objects.select_related("organization").filter(organization_id=int(pk)).first()


def check_sign_in(provider, email, email_verified):
    """The existing user this verified email signs in as (None: a new account), or Refused.

    Signs in a person who is in the organization's directory (an active membership) or whose
    email is in one of the provider's allowed domains. A deactivated person is refused, whatever
    their domain: the directory said they left.
    """
    organization = provider.organization
    if not email:
        raise Refused(
            Phrase.gettext(
                "%(provider)s did not send an email address, so Rollout cannot tell who you are.",
                provider=provider.name,
            )
        )
    if not email_verified:
        raise Refused(
            Phrase.gettext(
                "%(provider)s has not verified the email address %(email)s.",
                provider=provider.name,
                email=email,
            )
        )
    user = User.objects.filter(email__iexact=email).first()
    membership = Membership.all_objects.filter(organization=organization, user=user).first() if user else None
    if membership is not None and not membership.is_active:
        raise Refused(
            Phrase.gettext(
                "Your access to %(organization)s has been removed. Ask one of its admins if this is a mistake.",
                organization=organization,
            )
        )
    if user is not None and not user.is_active:
        raise Refused(Phrase.gettext("The Rollout account %(email)s is disabled.", email=email))
    if membership is None and domain_of(email) not in provider.domains:
        raise Refused(
            Phrase.gettext(
                "%(email)s is not in %(organization)s's directory and its domain is not one that %(provider)s "
                "may sign in to %(organization)s. Ask one of its admins to invite you.",
                email=email,
                organization=organization,
                provider=provider.name,
            )
        )
    return user


def join(provider, user):
    """Give `user` a membership of the provider's organization if they have none: the provider's
    default role, which is member (never more), from a first single sign-on."""
    role = provider.default_role if provider.default_role == Role.MEMBER else Role.MEMBER
    with transaction.atomic():
        membership, created = Membership.all_objects.get_or_create(
            organization=provider.organization,
            user=user,
            defaults={"role": role, "source": Membership.Source.SSO},
        )
    return membership, created


def password_policy(user):
    """(refusal, break_glass): a message if the user may not log in with a password, else the
    organizations whose SSO requirement they pass as an admin (the break-glass way in)."""
    memberships = Membership.objects.filter(
        user=user, organization__identity_provider__require_sso=True
    ).select_related("organization__identity_provider")
    break_glass = []
    for membership in memberships:
        if membership.role != Role.ADMIN:
            provider = membership.organization.identity_provider
            return (
                _(
                    "%(organization)s requires single sign-on: continue with your email and "
                    "choose “Sign in with %(provider)s”."
                )
                % {"organization": membership.organization, "provider": provider.name},
                [],
            )
        break_glass.append(membership.organization)
    return None, break_glass
