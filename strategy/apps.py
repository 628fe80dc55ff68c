from django.apps import AppConfig


class StrategyConfig(AppConfig):
    name = "strategy"
    verbose_name = "Step 1: Strategize"

    def ready(self):
        from rollout.steps import registry

        from .step import StrategizeStep

        registry.register(StrategizeStep())
