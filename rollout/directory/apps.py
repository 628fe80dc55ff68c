from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    """The organization's directory: people and units kept in sync by SCIM, an HR file import or
    Microsoft Graph's users (a kind of connection, registered here)."""

    name = "rollout.directory"
    label = "directory"
    verbose_name = "Directory (SCIM, HR import)"

    def ready(self):
        from rollout.connections.registry import register

        from .graph_users import GraphUsers

        register(GraphUsers())
