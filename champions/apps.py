from django.apps import AppConfig


class ChampionsConfig(AppConfig):
    name = "champions"
    verbose_name = "Step 4: Champion"

    def ready(self):
        from rollout.steps import registry

        from .step import ChampionStep

        registry.register(ChampionStep())
