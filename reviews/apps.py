from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "Step 6: Review"

    def ready(self):
        from rollout.steps import registry

        from . import notifications  # noqa: F401  (registers the reminder kind and its producer)
        from .step import ReviewStep

        registry.register(ReviewStep())
