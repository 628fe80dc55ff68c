"""Incentivize step at enterprise scale (`seed_demo --scale enterprise`): every rollout gets the
demo's incentive plan, points rules, badges and seasons; the points ledger stays empty (its size
is not what the benchmark measures)."""

from django.utils import timezone

from .demo import seed_badges, seed_plan_and_rules, seed_seasons


def seed_enterprise(ctx):
    now = timezone.now()
    for rollout in ctx.rollouts.values():
        rules = seed_plan_and_rules(rollout)
        seed_badges(rollout, rules)
        seed_seasons(rollout, now)
    if ctx.stdout:
        ctx.stdout.write(f"Incentives: plans, rules and badges for {len(ctx.rollouts)} rollouts.")
