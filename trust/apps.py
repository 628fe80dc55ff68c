from django.apps import AppConfig


class TrustConfig(AppConfig):
    name = "trust"
    verbose_name = "Step 3: Trust"

    def ready(self):
        from rollout.metrics import Metric, catalogue
        from rollout.steps import registry

        from . import notifications, selectors  # noqa: F401 - registers the reminder kind
        from .step import TrustStep

        registry.register(TrustStep())
        catalogue.replace(
            Metric(
                key="guideline_acknowledgement",
                label="Guideline acknowledgement rate",
                unit="%",
                help="Share of the audience of the guidelines that apply to the rollout who acknowledged "
                "the current version (or a version since the last material change), at the end of the date.",
                compute=selectors.acknowledgement_rate,
            )
        )
        catalogue.replace(
            Metric(
                key="training_completion",
                label="Training completion",
                unit="%",
                help="Safe-practice modules passed by the organization's members, as a share of "
                "members x active modules, at the end of the date.",
                compute=selectors.training_completion,
            )
        )
