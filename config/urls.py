from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from rollout.forms import QueuedPasswordResetForm
from rollout.identity import views as identity_views
from rollout.ratelimits import limit, reset_address
from rollout.views import accounts
from rollout.views.health import healthz
from rollout.views.outbox import unsubscribe

admin.site.site_header = "Rollout administration"
admin.site.site_title = "Rollout admin"

RESET_FLOOD = _("Several password reset emails were sent to this address recently: use the latest one.")

auth_patterns = [
    # Email first: single sign-on where the email's organization has a provider (rollout/identity).
    path(
        "login/",
        limit("login_client", what=_("Too many sign-in attempts came from your network."))(
            identity_views.LoginView.as_view()
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password/change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path(
        "password/reset/",
        # Per client, then per address asked for: a flood sends at most the limit's emails.
        limit("password_reset_client", what=_("Too many password resets were asked for from your network."))(
            limit("password_reset_address", key=reset_address, what=RESET_FLOOD)(
                auth_views.PasswordResetView.as_view(
                    form_class=QueuedPasswordResetForm,
                    email_template_name="emails/password-reset-body.txt",
                    html_email_template_name="emails/password-reset-body.html",
                    subject_template_name="emails/password-reset-subject.txt",
                    # Links are built from SITE_URL, never from the request's Host header.
                    extra_email_context={"site_url": settings.SITE_URL},
                )
            )
        ),
        name="password_reset",
    ),
    path("password/reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"
    ),
]

urlpatterns = [
    path("", accounts.home, name="home"),
    path("accounts/", include(auth_patterns)),
    path("invitations/<str:token>/", accounts.accept_invitation, name="accept_invitation"),
    path("healthz", healthz, name="healthz"),
    path("unsubscribe/<str:token>/", unsubscribe, name="unsubscribe"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api_urls")),
    # Step apps, before rollout's catch-all step guide at /r/<pk>/<step>/.
    path("r/<int:pk>/strategize/", include("strategy.urls")),
    path("r/<int:pk>/incentives/", include("incentives.urls")),
    path("incentives/", include("incentives.org_urls")),
    path("badges/", include("incentives.public_urls")),
    path("r/<int:pk>/trust/", include("trust.urls")),
    path("trust/", include("trust.org_urls")),
    path("r/<int:pk>/champion/", include("champions.urls")),
    path("champions/", include("champions.org_urls")),
    path("r/<int:pk>/review/", include("reviews.urls")),
    path("r/<int:pk>/engage/", include("engage.urls")),
    path("pulse/", include("conversations.public_urls")),
    path("questions/", include("conversations.org_urls")),
    path("me/", include("rollout.people.urls")),  # the employee's side
    path("", include("rollout.identity.urls")),  # single sign-on: /accounts/sso/…, /settings/sso/
    path("settings/people/", include(("rollout.directory.hr_urls", "people_import"))),
    path("scim/v2/", include("rollout.directory.scim_urls")),  # SCIM provisioning (bearer tokens)
    path("settings/directory/", include("rollout.directory.urls")),  # SCIM tokens
    path("settings/connections/", include("rollout.connections.urls")),  # scheduled pulls
    path("", include("rollout.urls")),
]
