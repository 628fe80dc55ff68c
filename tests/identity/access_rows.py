"""Access matrix rows of rollout/identity: Settings → Single sign-on, allauth's two OpenID
Connect URLs, and two-step sign-in's pages."""

from rollout.identity.models import AllowedDomain, IdentityProvider
from tests.access import ADMINS, PERSONAS, ROLES, Row, membership_kwargs, page, public


def acme_provider(p):
    """Organization A's provider; its issuer is never contacted by these requests."""
    provider, _ = IdentityProvider.objects.get_or_create(
        organization=p.org,
        defaults={
            "name": "Acme ID",
            "issuer": "http://127.0.0.1:9",
            "client_id": "rollout",
            "client_secret": "s3cret",
        },
    )
    AllowedDomain.objects.get_or_create(provider=provider, domain="acme.example")
    return provider


def provider_kwargs(p):
    return {"provider_id": acme_provider(p).provider_id}


ROWS = {
    "identity:sso": page(ADMINS),
    # Removing needs a provider; the outsider has none in their own organization: 404.
    "identity:sso_remove": Row(
        {**page(ADMINS, ok=302).expect, "outsider": 404},
        kwargs=None,
        method="post",
        data=lambda p: {"_": acme_provider(p).pk},
    ),
    # Starting a sign-in is a POST from the login page, open to anyone. Here the issuer cannot be
    # reached (nothing listens on 127.0.0.1:9): back to the login page with a message.
    "openid_connect_login": Row(dict.fromkeys(PERSONAS, 302), kwargs=provider_kwargs, method="post"),
    # The provider's answer without a state this browser started: the refusal page, nobody signed in.
    "openid_connect_callback": Row(dict.fromkeys(PERSONAS, 400), kwargs=provider_kwargs),
    # Two-step sign-in. The second step of the login is public; with no password typed before it
    # (no pending sign-in in the session), it sends everyone back to the login page.
    "identity:login_code": public(ok=302),
    # A person's own second factor: any signed-in person, whatever their organization.
    "identity:mfa": page(ROLES),
    "identity:mfa_setup": page(ROLES),
    # Without a second factor (none of the personas has one), both go back to the page.
    "identity:mfa_recovery_codes": page(ROLES, ok=302, method="post"),
    "identity:mfa_off": page(ROLES, ok=302, method="post"),
    # The organization's policy (on the Single sign-on page); posting nothing leaves it off.
    "identity:mfa_policy": page(ADMINS, ok=302, method="post"),
    # An admin resets a member's second factor (Settings → Members).
    "identity:mfa_member_reset": page(ADMINS, membership_kwargs, ok=302, method="post"),
}
