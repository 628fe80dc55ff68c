"""How django-allauth meets Rollout: providers from our model, and who may sign in.

allauth runs the protocol (discovery, the authorization code flow with PKCE, state, the token
exchange, the ID token's signature and claims). What it is told here:
- the providers: `list_apps()` builds one unsaved SocialApp per IdentityProvider row (allauth's
  documented hook), so allauth's own SocialApp table stays empty and the client secret stays
  encrypted in ours;
- two checks it leaves out of its OpenID Connect provider: a `nonce` sent with each request and
  compared with the ID token's, and the ID token's signature checked even though the token came
  straight from the token endpoint (the specification allows skipping that over TLS; we do not);
- who may sign in: `pre_social_login()` applies rollout.identity.signin and links an existing
  account by verified email only; everybody else sees one clear page and is not signed in.
"""

import logging
import secrets

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.internal import jwtkit
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.base.constants import AuthError
from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from django.shortcuts import render

from rollout import audit
from rollout.i18n import Phrase
from rollout.models import AuditEvent

from . import signin
from .models import IdentityProvider
from .services import role_in_audit

log = logging.getLogger(__name__)
Action = AuditEvent.Action
OPENID_CONNECT = OpenIDConnectProvider.id


def social_app(provider):
    """The unsaved allauth SocialApp of an IdentityProvider row."""
    return SocialApp(
        provider=OPENID_CONNECT,
        provider_id=provider.provider_id,
        name=provider.name,
        client_id=provider.client_id,
        secret=provider.client_secret,
        settings={"server_url": provider.issuer, "oauth_pkce_enabled": True},
    )


class SignedIDTokenAdapter(OpenIDConnectOAuth2Adapter):
    """allauth's OpenID Connect adapter, checking the ID token's signature in every case."""

    def _decode_id_token(self, app, id_token):
        return jwtkit.verify_and_decode(
            credential=id_token,
            keys_url=self.openid_config["jwks_uri"],
            issuer=self.openid_config["issuer"],
            audience=app.client_id,
            lookup_kid=jwtkit.lookup_kid_jwk,
            verify_signature=True,
        )


class NonceOpenIDConnectProvider(OpenIDConnectProvider):
    """allauth's OpenID Connect provider, sending a fresh `nonce` and keeping it in the state that
    only this browser session can redeem; SocialAccountAdapter.pre_social_login compares it."""

    oauth2_adapter_class = SignedIDTokenAdapter

    def redirect(self, request, process, next_url=None, data=None, **kwargs):
        nonce = secrets.token_urlsafe(32)
        auth_params = kwargs.pop("auth_params", None)
        auth_params = dict(self.get_auth_params() if auth_params is None else auth_params, nonce=nonce)
        return super().redirect(
            request, process, next_url, data, auth_params=auth_params, nonce=nonce, **kwargs
        )


def refuse(request, provider, reason: Phrase, *, email="", user=None, status=403):
    """Record a refused sign-in and answer with the page that says why (nobody is signed in).
    `reason` is a Phrase: the audit trail keeps it in English, the page says it in the person's
    language."""
    summary = Phrase.gettext(
        "Single sign-on with %(provider)s refused for %(who)s: %(reason)s",
        provider=provider.name if provider else Phrase.gettext("an unknown provider"),
        who=email or Phrase.gettext("someone"),
        reason=reason,
    )
    audit.record(
        request,
        Action.LOGIN_FAILED,
        user,
        summary,
        organization=provider.organization if provider else False,
        actor=user,
    )
    response = render(
        request, "identity/refused.html", {"provider": provider, "reason": reason}, status=status
    )
    raise ImmediateHttpResponse(response)


def _claims(sociallogin):
    data = sociallogin.account.extra_data or {}
    return data.get("id_token") or {}, data.get("userinfo") or {}


def _email_is_verified(claims):
    # Standard claim; Microsoft Entra ID sends `xms_edov` (email domain owner verified) instead.
    return claims.get("email_verified") in (True, "true") or claims.get("xms_edov") in (True, "true", "1", 1)


class AccountAdapter(DefaultAccountAdapter):
    """Rollout's own pages handle password login, signup (invitations) and password reset."""

    def is_open_for_signup(self, request):
        return False


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def list_apps(self, request, provider=None, client_id=None):
        providers = IdentityProvider.objects.select_related("organization")
        if provider and provider != OPENID_CONNECT:
            found = signin.provider_by_id(provider)
            providers = providers.filter(pk=found.pk) if found else providers.none()
        if client_id:
            providers = providers.filter(client_id=client_id)
        return [social_app(row) for row in providers]

    def get_provider(self, request, provider, client_id=None):
        app = self.get_app(request, provider=provider, client_id=client_id)
        return NonceOpenIDConnectProvider(request, app=app)

    def pre_social_login(self, request, sociallogin):
        provider = signin.provider_by_id(sociallogin.account.provider)
        id_token, userinfo = _claims(sociallogin)
        claims = {**id_token, **userinfo}
        email = (claims.get("email") or "").strip().lower()
        expected_nonce = (sociallogin.state or {}).get("nonce")
        if not expected_nonce or not secrets.compare_digest(str(id_token.get("nonce", "")), expected_nonce):
            refuse(
                request,
                provider,
                Phrase.gettext("the identity token does not answer this sign-in (its nonce differs)."),
                email=email,
            )
        if userinfo and userinfo.get("sub") != id_token.get("sub"):
            refuse(
                request,
                provider,
                Phrase.gettext("the provider's user information is about someone else."),
                email=email,
            )
        try:
            user = signin.check_sign_in(provider, email, _email_is_verified(claims))
        except signin.Refused as refused:
            existing = sociallogin.user if sociallogin.is_existing else None
            refuse(request, provider, refused.reason, email=email, user=existing)
        if sociallogin.is_existing and sociallogin.user != user:
            refuse(
                request,
                provider,
                Phrase.gettext(
                    "this %(provider)s account is linked to another Rollout account than %(email)s.",
                    provider=provider.name,
                    email=email,
                ),
                email=email,
                user=sociallogin.user,
            )
        request.rollout_sso_provider = provider
        if user is not None:
            if not sociallogin.is_existing:
                sociallogin.connect(request, user)  # linked by verified email
            _join(request, provider, user)

    def is_open_for_signup(self, request, sociallogin):
        # Only a sign-in that pre_social_login admitted gets this far.
        return getattr(request, "rollout_sso_provider", None) is not None

    def is_auto_signup_allowed(self, request, sociallogin):
        return True

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        user.email = (user.email or "").lower()
        user.full_name = (data.get("name") or "").strip()[:150]
        return user

    def save_user(self, request, sociallogin, form=None):
        user = super().save_user(request, sociallogin, form)
        _join(request, request.rollout_sso_provider, user)
        return user

    def on_authentication_error(self, request, provider, error=None, exception=None, extra_context=None):
        row = signin.provider_by_id(getattr(getattr(provider, "app", None), "provider_id", ""))
        refuse(request, row, _error_reason(provider, error, exception, extra_context or {}), status=400)


def _join(request, provider, user):
    membership, created = signin.join(provider, user)
    if created:
        role = role_in_audit(membership.role)  # read in the reader's language
        summary = Phrase.gettext(
            "%(email)s joined %(organization)s as %(role)s at their first sign-in with %(provider)s",
            email=user.email,
            organization=str(provider.organization),
            role=role,
            provider=provider.name,
        )
        audit.record(
            request,
            Action.MEMBER_CHANGED,
            membership,
            summary,
            organization=provider.organization,
            actor=user,
        )


def _error_reason(provider, error, exception, context):
    name = getattr(provider, "name", None) or Phrase.gettext("The provider")
    if "state" not in context and "state_id" in context:
        return Phrase.gettext(
            "this sign-in was not started in this browser, was already used, or is more than ten minutes "
            "old (its state does not match). Start again from the login page."
        )
    if error == AuthError.CANCELLED:
        return Phrase.gettext("the sign-in was cancelled at %(provider)s.", provider=name)
    message = str(exception or "")
    if "id_token" in message or "token already used" in message:
        return Phrase.gettext(
            "the identity token from %(provider)s is not valid: it has expired, was issued for another "
            "application, or its signature or issuer does not match.",
            provider=name,
        )
    if "access token" in message:
        return Phrase.gettext(
            "%(provider)s did not accept the sign-in code (a code works once, and only for a short time).",
            provider=name,
        )
    if exception is not None:
        log.warning("Single sign-on with %s failed: %s", name, type(exception).__name__)
        return Phrase.gettext(
            "Rollout could not complete the sign-in with %(provider)s (%(error)s).",
            provider=name,
            error=type(exception).__name__,
        )
    return Phrase.gettext("%(provider)s answered with an error instead of signing you in.", provider=name)
