from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrustConfig(AppConfig):
    name = "trust"
    verbose_name = _("Step 3: Trust")

    def ready(self):
        from rollout.metrics import Metric, catalogue
        from rollout.steps import registry

        from . import notifications, selectors  # noqa: F401 - registers the reminder kind
        from .step import TrustStep

        registry.register(TrustStep())
        catalogue.replace(
            Metric(
                key="guideline_acknowledgement",
                label=_("Guideline acknowledgement rate"),
                unit="%",
                help=_(
                    "Share of the audience of the guidelines that apply to the rollout who acknowledged "
                    "the current version (or a version since the last material change), at the end of the date."
                ),
                compute=selectors.acknowledgement_rate,
            )
        )
        catalogue.replace(
            Metric(
                key="training_completion",
                label=_("Training completion"),
                unit="%",
                help=_(
                    "Safe-practice modules passed by the organization's members, as a share of "
                    "members x active modules, at the end of the date."
                ),
                compute=selectors.training_completion,
            )
        )
