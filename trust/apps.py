from django.apps import AppConfig


class TrustConfig(AppConfig):
    name = "trust"
    verbose_name = "Step 3: Trust"

    def ready(self):
        from rollout.metrics import Metric, catalogue
        from rollout.steps import registry

        from .step import TrustStep

        registry.register(TrustStep())
        # Offered to the strategy's success metrics now; values are entered by hand at reviews
        # until this step imports the data to compute them.
        catalogue.register(
            Metric(
                key="guideline_acknowledgement",
                label="Guideline acknowledgement rate",
                unit="%",
                help="Share of the audience that acknowledged the current guidelines.",
            )
        )
        catalogue.register(
            Metric(
                key="training_completion",
                label="Training completion",
                unit="%",
                help="Share of the audience that passed the safe-practice training.",
            )
        )
