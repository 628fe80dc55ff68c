from django.apps import AppConfig


class EngageConfig(AppConfig):
    name = "engage"
    verbose_name = "Step 5: Engage"

    def ready(self):
        from rollout.steps import registry

        from .step import EngageStep

        registry.register(EngageStep())
