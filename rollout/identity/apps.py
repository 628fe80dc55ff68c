from django.apps import AppConfig


class IdentityConfig(AppConfig):
    """Single sign-on (each organization's OpenID Connect provider, handed to django-allauth) and
    two-step sign-in for password accounts (django-otp)."""

    name = "rollout.identity"
    label = "identity"
    verbose_name = "Identity (single sign-on, two-step sign-in)"

    def ready(self):
        from allauth.account.signals import user_logged_in
        from django.contrib.auth.signals import user_logged_in as django_user_logged_in

        from .audit import on_sso_login
        from .mfa import on_logged_in

        user_logged_in.connect(on_sso_login, dispatch_uid="identity-audit-sso-login")
        django_user_logged_in.connect(on_logged_in, dispatch_uid="identity-two-step-state")
