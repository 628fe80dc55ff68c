from django.urls import path

from .views import accounts, audit, definitions, organization, outbox, portfolio, rollouts, tokens, webhooks

app_name = "rollout"

urlpatterns = [
    path("rollouts/", rollouts.rollout_list, name="list"),
    path("rollouts/new/", rollouts.rollout_create, name="create"),
    path("r/<int:pk>/", rollouts.rollout_overview, name="overview"),
    path("r/<int:pk>/edit/", rollouts.rollout_edit, name="edit"),
    path("r/<int:pk>/trends/", portfolio.rollout_trends, name="trends"),
    path("r/<int:pk>/report/", portfolio.rollout_report, name="report"),
    path("portfolio/", portfolio.portfolio_page, name="portfolio"),
    path("portfolio/export.csv", portfolio.portfolio_csv, name="portfolio_csv"),
    path("metrics/", definitions.metric_definitions, name="metrics"),
    # Step apps mount their own pages under /r/<pk>/<step>/ before this catch-all guide page.
    path("r/<int:pk>/<slug:step>/", rollouts.step_page, name="step"),
    path("organization/switch/", accounts.switch, name="switch_organization"),
    path("settings/", organization.organization_settings, name="settings"),
    path("settings/members/", organization.member_list, name="members"),
    path("settings/members/<int:pk>/", organization.member_edit, name="member_edit"),
    path("settings/members/<int:pk>/remove/", organization.member_remove, name="member_remove"),
    path("settings/invitations/", organization.invitation_create, name="invitation_create"),
    path("settings/invitations/<int:pk>/resend/", organization.invitation_resend, name="invitation_resend"),
    path("settings/invitations/<int:pk>/revoke/", organization.invitation_revoke, name="invitation_revoke"),
    path("settings/units/", organization.unit_list, name="units"),
    path("settings/units/new/", organization.unit_edit, name="unit_create"),
    path("settings/units/<int:pk>/", organization.unit_edit, name="unit_edit"),
    path("settings/units/<int:pk>/delete/", organization.unit_delete, name="unit_delete"),
    path("settings/platforms/", organization.platform_list, name="platforms"),
    path("settings/platforms/new/", organization.platform_edit, name="platform_create"),
    path("settings/platforms/<int:pk>/", organization.platform_edit, name="platform_edit"),
    path("settings/outbox/", outbox.outbox_list, name="outbox"),
    path("settings/outbox/<int:pk>/", outbox.outbox_detail, name="outbox_detail"),
    path("settings/outbox/<int:pk>/retry/", outbox.outbox_retry, name="outbox_retry"),
    path("settings/audit/", audit.audit_list, name="audit"),
    path("settings/webhooks/", webhooks.webhook_list, name="webhooks"),
    path("settings/webhooks/<int:pk>/", webhooks.webhook_detail, name="webhook_detail"),
    path("settings/webhooks/<int:pk>/delete/", webhooks.webhook_delete, name="webhook_delete"),
    path(
        "settings/webhooks/deliveries/<int:pk>/send-again/",
        webhooks.webhook_send_again,
        name="webhook_send_again",
    ),
    path("account/email/", outbox.notification_settings, name="notification_settings"),
    path("account/api-tokens/", tokens.api_tokens, name="api_tokens"),
    path("account/api-tokens/<int:pk>/revoke/", tokens.api_token_revoke, name="api_token_revoke"),
]
