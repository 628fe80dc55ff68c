"""Review step at enterprise scale (`seed_demo --scale enterprise`): 100 reviews over the 30
rollouts, monthly, the earlier ones completed with findings, KPI results and actions, the latest
one open."""

from datetime import timedelta

from rollout.enterprise import counts

from .cycles import add_months
from .demo import _actions, _kpis, _review
from .models import Review
from .selectors import today_in


def seed_enterprise(ctx):
    n = counts(ctx.factor)
    rollouts = list(ctx.rollouts.values())
    if Review.objects.filter(rollout__in=rollouts).exists():
        return
    due = today_in(ctx.organization) + timedelta(days=7)
    per_rollout, extra = divmod(n["reviews"], len(rollouts))
    for position, rollout in enumerate(rollouts):
        total = per_rollout + (1 if position < extra else 0)
        owner = rollout.owner
        reviews = {}
        for number in range(1, total + 1):
            completed = number < total
            # A monthly calendar anchored on review 1 (reviews/cycles.py), the last one near `due`.
            when = add_months(add_months(due + timedelta(days=position % 14), 1 - total), number - 1)
            reviews[number] = _review(rollout, number, when, owner, completed)
            if completed:
                _kpis(rollout, reviews[number], min(number - 1, 1))
        if total >= 2:
            _actions(ctx, rollout, reviews, due)
    if ctx.stdout:
        ctx.stdout.write(f"Reviews: {Review.objects.filter(rollout__in=rollouts).count()} reviews.")
