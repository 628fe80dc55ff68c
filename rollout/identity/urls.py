"""Single sign-on's and two-step sign-in's URLs, included once at the root (config/urls.py).

allauth's two OpenID Connect views keep allauth's names (`openid_connect_login`,
`openid_connect_callback`: its provider reverses them), served by our wrappers; the rest of
allauth's URLs (its own login, signup, password pages) are not mounted at all.
"""

from django.urls import include, path

from . import mfa_views, views

identity_patterns = [
    path("settings/sso/", views.provider_settings, name="sso"),
    path("settings/sso/remove/", views.provider_remove, name="sso_remove"),
    # Two-step sign-in (mfa_views.py): the login's second step, a person's own page, the policy
    # (on the Single sign-on page) and an admin's reset from Settings → Members.
    path("accounts/login/code/", mfa_views.login_code, name="login_code"),
    path("account/two-step/", mfa_views.account, name="mfa"),
    path("account/two-step/set-up/", mfa_views.setup, name="mfa_setup"),
    path("account/two-step/recovery-codes/", mfa_views.recovery_codes, name="mfa_recovery_codes"),
    path("account/two-step/off/", mfa_views.turn_off, name="mfa_off"),
    path("settings/sso/two-step/", mfa_views.policy, name="mfa_policy"),
    path("settings/members/<int:pk>/two-step/reset/", mfa_views.member_reset, name="mfa_member_reset"),
]

urlpatterns = [
    path("accounts/sso/<str:provider_id>/login/", views.sso_login, name="openid_connect_login"),
    path(
        "accounts/sso/<str:provider_id>/login/callback/", views.sso_callback, name="openid_connect_callback"
    ),
    path("", include((identity_patterns, "identity"))),
]
