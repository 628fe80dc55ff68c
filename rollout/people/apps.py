from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    """The employee's side: a person's own page (/me/), their figures and download, and
    "You said, we did". The steps contribute through the registry (rollout/steps.py:
    `member_panels`, `personal_records`, `shared_outcomes`); this app only composes."""

    name = "rollout.people"
    label = "people"
    verbose_name = _("The employee's side")

    def ready(self):
        from . import notifications  # noqa: F401  (registers the "You said, we did" email)
