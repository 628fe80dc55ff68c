from django.apps import AppConfig


class EngageConfig(AppConfig):
    name = "engage"
    verbose_name = "Step 5: Engage"

    def ready(self):
        from rollout.metrics import Metric, catalogue
        from rollout.steps import registry

        from .step import EngageStep

        registry.register(EngageStep())
        # Offered to the strategy's success metrics now; values are entered by hand at reviews
        # until this step imports the data to compute them.
        catalogue.register(
            Metric(
                key="active_users",
                label="Active users",
                unit="people",
                help="People with at least one counted action in the period (DESIGN.md section 4).",
            )
        )
        catalogue.register(
            Metric(
                key="participation_rate",
                label="Participation rate",
                unit="%",
                help="Active users divided by the audience size.",
            )
        )
        catalogue.register(
            Metric(
                key="dialogue_ratio",
                label="Dialogue ratio",
                unit="%",
                help="Replies / (posts + replies); low means broadcasting.",
            )
        )
        catalogue.register(
            Metric(
                key="time_to_first_response",
                label="Time to first response",
                unit="hours",
                help="First reply time minus question time, excluding the author and bots.",
                higher_is_better=False,
            )
        )
        catalogue.register(
            Metric(
                key="answered_within_target",
                label="Answered within target",
                unit="%",
                help="Share of questions whose first reply came within the organization's response target.",
            )
        )
        # Part 2 last: its outbox producers and kinds, and its demo seeder.
        from .conversations import demo, notifications  # noqa: F401
