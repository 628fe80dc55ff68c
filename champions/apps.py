from django.apps import AppConfig


class ChampionsConfig(AppConfig):
    name = "champions"
    verbose_name = "Step 4: Champion"

    def ready(self):
        from rollout.metrics import Metric, catalogue
        from rollout.steps import registry

        from . import selectors
        from .step import ChampionStep

        registry.register(ChampionStep())
        catalogue.register(
            Metric(
                key="support_sessions",
                label="Champion support sessions",
                unit="sessions in 30 days",
                help="Support sessions champions logged in the 30 days up to the date, "
                "in the organization's time zone.",
                compute=selectors.sessions_in_30_days,
                higher_is_better=True,
            )
        )
        catalogue.register(
            Metric(
                key="champion_coverage",
                label="Champion coverage",
                unit="% of units at target",
                help="Champion coverage (DESIGN.md section 4): the share of units with people whose active "
                "champions meet the organization's target ratio of 1 per N people.",
                compute=selectors.units_meeting_target,
                higher_is_better=True,
            )
        )
