from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_save


class RolloutConfig(AppConfig):
    name = "rollout"
    verbose_name = "Rollout (organizations, people, rollouts)"

    def ready(self):
        from axes.signals import user_locked_out
        from django.contrib.auth import get_user_model
        from django.contrib.auth import signals as auth_signals

        from . import (
            access,
            audit,
            digest,  # noqa: F401  registers the digest producer and kinds
            user_sessions,
        )
        from .data_versions import data_changed, user_shown_changed

        # Any write to rollout or step data makes its cached values stale and its rollout's stored
        # figures out of date (rollout/data_versions.py), and a new name of a person the values of
        # their organizations.
        for signal in (post_save, post_delete, m2m_changed):
            signal.connect(data_changed, dispatch_uid=f"data-changed-{signal}")
        post_save.connect(user_shown_changed, sender=get_user_model(), dispatch_uid="data-changed-user-shown")

        # The audit trail's sign-in events.
        auth_signals.user_logged_in.connect(audit.on_logged_in, dispatch_uid="audit-login")
        auth_signals.user_logged_in.connect(
            access.start_in_oldest_organization, dispatch_uid="start-in-oldest-organization"
        )
        auth_signals.user_logged_out.connect(audit.on_logged_out, dispatch_uid="audit-logout")
        # Each signed-in session, so that admins can see and end a person's (rollout/user_sessions.py).
        auth_signals.user_logged_in.connect(user_sessions.on_logged_in, dispatch_uid="user-session-start")
        auth_signals.user_logged_out.connect(user_sessions.on_logged_out, dispatch_uid="user-session-end")
        auth_signals.user_login_failed.connect(audit.on_login_failed, dispatch_uid="audit-login-failed")
        user_locked_out.connect(audit.on_locked_out, dispatch_uid="audit-locked-out")
