from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    """Engage, part 2: conversations, the unanswered-question queue, momentum and pulses.

    Not a step of its own: the Engage step (engage/step.py) reads it through `step_parts` and
    `selectors`, and its pages are included by engage/urls.py under /r/<pk>/engage/.
    """

    name = "conversations"
    verbose_name = "Step 5: Engage (conversations)"

    def ready(self):
        # Listed after engage in INSTALLED_APPS: metrics.py gives a `compute` to the metrics that
        # engage's ready() puts in the catalogue. notifications.py registers its outbox producers
        # and kinds, demo.py its demo seeder. Slack and Microsoft Teams are registered as kinds of
        # connection (Settings → Connections) that pull the channels the rollouts name, and Viva
        # Engage as one that pulls the communities they name.
        from rollout.connections.registry import register

        from . import demo, metrics, notifications  # noqa: F401
        from .connectors.slack_kind import SlackConnector
        from .connectors.teams_kind import TeamsConversations
        from .connectors.viva_engage_kind import VivaEngageConversations

        register(SlackConnector())
        register(TeamsConversations())
        register(VivaEngageConversations())
