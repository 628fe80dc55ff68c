from django.apps import AppConfig


class RolloutConfig(AppConfig):
    name = "rollout"
    verbose_name = "Rollout (organizations, people, rollouts)"

    def ready(self):
        from . import digest  # noqa: F401  registers the digest producer and kinds
