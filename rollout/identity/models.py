"""An organization's OpenID Connect identity provider, and the email domains it signs in."""

from urllib.parse import urlsplit

from django.db import models
from django.utils.translation import gettext_lazy as _

from rollout.models import Organization, Role
from rollout.secrets import EncryptedTextField

# allauth names a provider's URLs and social accounts by this prefix and the provider's pk.
PROVIDER_ID_PREFIX = "org-idp-"


def provider_id_of(organization_id):
    return f"{PROVIDER_ID_PREFIX}{organization_id}"


class IdentityProvider(models.Model):
    """One per organization. allauth never stores it: the adapter builds an unsaved SocialApp from
    it on each request (rollout/identity/adapter.py), so the client secret lives here alone,
    encrypted."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="identity_provider"
    )
    name = models.CharField(
        _("display name"), max_length=100, help_text=_("Shown on the button: “Sign in with <display name>”.")
    )
    issuer = models.URLField(
        _("issuer URL"),
        max_length=300,
        help_text=_(
            "The provider's issuer; its discovery document is at <issuer>/.well-known/openid-configuration."
        ),
    )
    client_id = models.CharField(_("client ID"), max_length=300)
    client_secret = EncryptedTextField()
    # Only member: nothing above member is ever granted without an admin (Settings → Members).
    default_role = models.CharField(
        _("role of new people"),
        max_length=20,
        choices=[(Role.MEMBER.value, Role.MEMBER.label)],
        default=Role.MEMBER,
        help_text=_("People who sign in for the first time join as members; only an admin raises a role."),
    )
    require_sso = models.BooleanField(
        _("require single sign-on"),
        default=False,
        help_text=_(
            "Members can no longer log in with a password. Admins keep their password as a "
            "break-glass way in, and each such login is recorded in the audit trail."
        ),
    )
    # The origin of the discovery document's authorization endpoint, if it is not the issuer's:
    # the login page's Content-Security-Policy lets its form go there (form-action).
    authorization_origin = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.name} ({self.organization})"

    @property
    def provider_id(self):
        """allauth's id of this provider, in its URLs and on the social accounts it signs in: named
        after the organization, so the redirect URI is known before the provider is saved."""
        return provider_id_of(self.organization_id)

    @property
    def domains(self):
        return [row.domain for row in self.allowed_domains.all()]

    def form_origins(self):
        """Where the login page's "Sign in with …" form may lead (the issuer and its endpoint)."""
        parts = urlsplit(self.issuer)
        origins = {f"{parts.scheme}://{parts.netloc}"}
        if self.authorization_origin:
            origins.add(self.authorization_origin)
        return sorted(origins)


class AllowedDomain(models.Model):
    """An email domain whose people may sign in through the provider (and join as members).

    A domain belongs to one provider at most, so the login page knows where an email goes."""

    provider = models.ForeignKey(IdentityProvider, on_delete=models.CASCADE, related_name="allowed_domains")
    domain = models.CharField(max_length=253, unique=True)

    class Meta:
        ordering = ["domain"]

    def __str__(self):
        return self.domain


class TwoStepPolicy(models.Model):
    """An organization's rule for two-step sign-in (Settings → Single sign-on). Without a row the
    rule is off: nobody is made to set up a second factor."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="two_step_policy"
    )
    required_for_admins_and_managers = models.BooleanField(
        _("require two-step sign-in for admins and managers"),
        default=False,
        help_text=_(
            "An admin or manager who logs in with a password and has no authenticator app set up is "
            "sent to set one up before anything else. Single sign-on is not asked: the identity provider "
            "does its own second step."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        state = "required" if self.required_for_admins_and_managers else "optional"
        return f"Two-step sign-in {state} for admins and managers of {self.organization}"
