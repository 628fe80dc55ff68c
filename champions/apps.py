from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChampionsConfig(AppConfig):
    name = "champions"
    verbose_name = _("Step 4: Champion")

    def ready(self):
        from rollout.metrics import Metric, catalogue
        from rollout.steps import registry

        from . import notifications, selectors  # noqa: F401 - registers the emails' kinds
        from .step import ChampionStep

        registry.register(ChampionStep())
        catalogue.register(
            Metric(
                key="support_sessions",
                label=_("Champion support sessions"),
                unit=_("sessions in 30 days"),
                help=_(
                    "Support sessions champions logged in the 30 days up to the date, "
                    "in the organization's time zone."
                ),
                compute=selectors.sessions_in_30_days,
                higher_is_better=True,
            )
        )
        catalogue.register(
            Metric(
                key="champion_coverage",
                label=_("Champion coverage"),
                unit=_("people per champion"),
                help=_(
                    "Champion coverage, shown as 1 per N: the headcount of the "
                    "organization's departments divided by the rollout's active champions on the date. "
                    "The coverage page breaks it down per unit against the organization's target ratio."
                ),
                compute=selectors.people_per_champion,
                higher_is_better=False,
            )
        )
