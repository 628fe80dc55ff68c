"""Demo data: Northwind Health has a (test) single sign-on provider, not required.

Its issuer is the test provider the suite uses (tests/oidc/server.js) on port 9000, so that
"Continue" with a northwind.example email shows "Sign in with Northwind test sign-in" beside
the password. Start that provider to try it (docs/identity.md); the demo logins keep their passwords.
"""

from django_otp.plugins.otp_totp.models import TOTPDevice

from rollout.demo import demo_seeder

from . import mfa
from .models import AllowedDomain, IdentityProvider

DEMO_ISSUER = "http://127.0.0.1:9000"
DEMO_CLIENT_ID = "rollout-demo"
DEMO_CLIENT_SECRET = "rollout-demo-client-secret"  # a test provider's secret, public on purpose
DEMO_DOMAIN = "northwind.example"


@demo_seeder(90)
def seed_test_provider(ctx):
    provider, _ = IdentityProvider.objects.update_or_create(
        organization=ctx.organization,
        defaults={
            "name": "Northwind test sign-in",
            "issuer": DEMO_ISSUER,
            "client_id": DEMO_CLIENT_ID,
            "client_secret": DEMO_CLIENT_SECRET,
            "require_sso": False,
        },
    )
    AllowedDomain.objects.update_or_create(domain=DEMO_DOMAIN, defaults={"provider": provider})


@demo_seeder(91)
def seed_two_step_person(ctx):
    """One generated person (not a demo login: those stay password-only) has an authenticator app,
    so Settings → Members shows the "two-step" badge and the reset button."""
    logins = {user.pk for user in ctx.people.values()}
    generated = [user for user in ctx.members if user.pk not in logins]
    if not generated:
        return
    person = min(generated, key=lambda user: user.email)
    TOTPDevice.objects.get_or_create(user=person, defaults={"name": mfa.APP_DEVICE_NAME, "confirmed": True})
