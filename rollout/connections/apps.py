from django.apps import AppConfig


class ConnectionsConfig(AppConfig):
    """Connections: an organization's platforms pulled on a schedule (Settings → Connections).

    The kinds of connection are registered by the apps that own them (registry.py)."""

    name = "rollout.connections"
    label = "connections"
    verbose_name = "Connections (scheduled pulls from the platforms)"

    def ready(self):
        from . import notifications  # noqa: F401  (registers the repeated-failure email and its producer)
