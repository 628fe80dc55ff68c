from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_save


class RolloutConfig(AppConfig):
    name = "rollout"
    verbose_name = "Rollout (organizations, people, rollouts)"

    def ready(self):
        from . import digest  # noqa: F401  registers the digest producer and kinds
        from .portfolio import bump_data_version

        # Any write to rollout or step data makes the cached portfolio figures stale.
        for signal in (post_save, post_delete, m2m_changed):
            signal.connect(bump_data_version, dispatch_uid=f"portfolio-{signal}")
