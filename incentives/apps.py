from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncentivesConfig(AppConfig):
    name = "incentives"
    verbose_name = _("Step 2: Incentivize")

    def ready(self):
        from rollout.events import activity
        from rollout.metrics import Metric, catalogue
        from rollout.steps import registry

        from . import selectors, services
        from .step import IncentivizeStep

        registry.register(IncentivizeStep())
        # Events of the other apps become points and badges (services.on_activity, then a task).
        activity.connect(services.on_activity, dispatch_uid="incentives.on_activity")
        catalogue.register(
            Metric(
                key="recognitions_given",
                label=_("Recognitions given"),
                unit=_("recognitions in 30 days"),
                help=_(
                    "Public thank-yous (kudos) given in the rollout in the 30 days up to the date, "
                    "in the organization's time zone."
                ),
                compute=selectors.recognitions_in_30_days,
            )
        )
        catalogue.register(
            Metric(
                key="people_recognised_share",
                label=_("People recognised or rewarded"),
                # xgettext:no-python-format
                unit=_("% of the organization's people"),
                help=_(
                    "Share of the organization's people who received a recognition, points or a badge "
                    "in the rollout in the 30 days up to the date."
                ),
                compute=selectors.people_recognised_share,
            )
        )
        catalogue.register(
            Metric(
                key="badges_awarded",
                label=_("Badges awarded"),
                unit=_("badges in 30 days"),
                help=_(
                    "Badge levels awarded in the rollout (earned or by a manager) in the 30 days up to the date."
                ),
                compute=selectors.badges_in_30_days,
            )
        )
