"""Trust step at enterprise scale (`seed_demo --scale enterprise`): the organization's usage
guideline in two versions, acknowledged by most of its 10,000 people, and the training modules
with their completions (the demo's own functions, which insert in bulk)."""

import random

from django.utils import timezone

from .demo import seed_guideline, seed_modules
from .models import Acknowledgement


def seed_enterprise(ctx):
    now = timezone.now()
    rng = random.Random(3)
    if Acknowledgement.objects.filter(version__guideline__organization=ctx.organization).exists():
        return  # acknowledgements and completions are drawn at random: only once
    version = seed_guideline(ctx, now, rng)
    seed_modules(ctx, now, rng, version)
    if ctx.stdout:
        ctx.stdout.write("Trust: the usage guideline (2 versions) and 4 training modules with completions.")
