from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EngageConfig(AppConfig):
    name = "engage"
    verbose_name = "Step 5: Engage"

    def ready(self):
        from rollout.connections import registry as connectors
        from rollout.metrics import Metric, catalogue
        from rollout.steps import registry

        from . import selectors
        from .connectors.graph import UsageReports
        from .step import EngageStep

        registry.register(EngageStep())
        # Settings → Connections: activity that arrives by itself (engage/connectors/).
        connectors.register(UsageReports())
        # Computed from the imported activity (engage/selectors.py, docs/metrics.md).
        catalogue.register(
            Metric(
                key="active_users",
                label=_("Active users"),
                unit=_("people"),
                help=_(
                    "People with at least one counted action in the 28 days up to the date "
                    "(Viva Engage posted, read or liked; Teams a post, chat, call or "
                    "meeting or another action; Slack read or posted), from the imported activity reports."
                ),
                compute=selectors.active_users,
            )
        )
        catalogue.register(
            Metric(
                key="participation_rate",
                label=_("Participation rate"),
                unit="%",
                help=_(
                    "Active users in the 28 days up to the date divided by the audience size "
                    "(the success metric's audience, else the organization's departments)."
                ),
                compute=selectors.participation_rate,
            )
        )
        catalogue.register(
            Metric(
                key="dialogue_ratio",
                label=_("Dialogue ratio"),
                unit="%",
                help=_(
                    "Replies / (posts + replies) in the 28 days up to the date; low means broadcasting. "
                    "Only exports that count replies apart (Teams' current report, Rollout's template)."
                ),
                compute=selectors.dialogue_ratio,
            )
        )
        catalogue.register(
            Metric(
                key="time_to_first_response",
                label=_("Time to first response"),
                unit=_("hours"),
                help=_("First reply time minus question time, excluding the author and bots."),
                higher_is_better=False,
            )
        )
        catalogue.register(
            Metric(
                key="answered_within_target",
                label=_("Answered within target"),
                unit="%",
                help=_(
                    "Share of questions whose first reply came within the organization's response target."
                ),
            )
        )
