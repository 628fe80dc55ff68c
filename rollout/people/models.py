from django.db import models

from ..models import Organization


class NewsRun(models.Model):
    """The "You said, we did" email of an organization was considered for this ISO week: later
    dispatcher ticks of the week skip the organization (as DigestRun does for the digest)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    week = models.CharField(max_length=10)  # e.g. "2026-W49", in the organization's time zone
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "week"], name="one_news_run_per_week")]

    def __str__(self):
        return f"News of {self.organization_id} for {self.week}"
