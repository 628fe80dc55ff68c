from django.apps import AppConfig


class IncentivesConfig(AppConfig):
    name = "incentives"
    verbose_name = "Step 2: Incentivize"

    def ready(self):
        from rollout.steps import registry

        from .step import IncentivizeStep

        registry.register(IncentivizeStep())
