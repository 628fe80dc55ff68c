from django.apps import AppConfig


class TrustConfig(AppConfig):
    name = "trust"
    verbose_name = "Step 3: Trust"

    def ready(self):
        from rollout.steps import registry

        from .step import TrustStep

        registry.register(TrustStep())
