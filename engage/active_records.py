"""Activity records that say a person was active in a window: the part of Engage's activity that
the conversations app reads (its momentum check counts a person active from either source). It
lives here so that `conversations` never imports engage's models."""

from .models import ActivityRecord, Source


def active_records(rollout, start, end, max_days):
    """Activity records saying a person was active somewhere in [start, end), in periods of at
    most `max_days` (a 30-day report cannot say which week someone was active).

    `source IN (every source)` changes nothing in the result, but lets the natural key's index
    (rollout, source, person_key, period_end, ...) find one person's records (an EXISTS per
    person) with a few short index probes instead of reading the rollout's whole period.
    """
    return ActivityRecord.objects.filter(
        rollout=rollout,
        source__in=Source.values,
        superseded=False,
        aggregated=False,
        active_people__gt=0,
        period_days__lte=max_days,
        period_start__lt=end,
        period_end__gte=start,
    )
