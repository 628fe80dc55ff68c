from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    """The organization's directory: people and units kept in sync by SCIM or an HR file import."""

    name = "rollout.directory"
    label = "directory"
    verbose_name = "Directory (SCIM, HR import)"
