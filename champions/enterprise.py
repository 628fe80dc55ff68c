"""Champion step at enterprise scale (`seed_demo --scale enterprise`): 300 champions, ten per
rollout, and 150,000 support sessions over the last half year, inserted in bulk."""

import uuid
from datetime import timedelta

from django.db import connection
from django.utils import timezone

from rollout.enterprise import bulk_insert, counts
from rollout.models import Membership, Role, Unit

from .demo import seed_skills
from .models import Champion, SupportSession

CHANNELS = list(SupportSession.Channel.values)
# Of every twenty sessions: seventeen resolved, two need a follow-up, one escalated.
OUTCOMES = [SupportSession.Outcome.RESOLVED] * 17 + [SupportSession.Outcome.FOLLOW_UP] * 2
OUTCOMES += [SupportSession.Outcome.ESCALATED]
TOKENS = uuid.UUID("6f1c2d1e-2b1a-4c59-9a53-7c0e9f3f2a10")


def seed_enterprise(ctx):
    n = counts(ctx.factor)
    org = ctx.organization
    skills = seed_skills(org)
    rollouts = list(ctx.rollouts.values())
    champions = _champions(ctx, rollouts, skills, n)
    _sessions(rollouts, champions, skills, n)
    if ctx.stdout:
        ctx.stdout.write(
            f"Champions: {len(champions)} champions, "
            f"{SupportSession.objects.filter(rollout__in=rollouts).count()} support sessions."
        )


def _champions(ctx, rollouts, skills, n):
    memberships = list(
        Membership.objects.filter(organization=ctx.organization, role=Role.CHAMPION)
        .order_by("user_id")
        .values_list("user_id", "unit_id")
    )
    per_rollout = max(1, n["champions"] // len(rollouts))
    locations = list(Unit.objects.filter(organization=ctx.organization, kind=Unit.Kind.LOCATION))
    start = timezone.localdate() - timedelta(days=200)
    wanted = []
    for index in range(per_rollout * len(rollouts)):
        user_id, unit_id = memberships[index % len(memberships)]
        wanted.append(
            Champion(
                rollout=rollouts[index // per_rollout],
                user_id=user_id,
                status=Champion.Status.ACTIVE,
                location=locations[index % len(locations)] if locations else None,
                languages="English",
                start_date=start,
                decided_by=ctx.people[Role.MANAGER],
            )
        )
    if not Champion.objects.filter(rollout__in=rollouts).exists():
        Champion.objects.bulk_create(wanted, ignore_conflicts=True, batch_size=2000)
        champions = list(Champion.objects.filter(rollout__in=rollouts).order_by("pk"))
        units = dict(memberships)
        Champion.units.through.objects.bulk_create(
            [
                Champion.units.through(champion_id=champion.pk, unit_id=units[champion.user_id])
                for champion in champions
                if units.get(champion.user_id)
            ],
            ignore_conflicts=True,
        )
        Champion.skills.through.objects.bulk_create(
            [
                Champion.skills.through(
                    champion_id=champion.pk, skill_id=skills[(champion.pk + k) % len(skills)].pk
                )
                for champion in champions
                for k in range(3)
            ],
            ignore_conflicts=True,
        )
    return list(Champion.objects.filter(rollout__in=rollouts).order_by("pk").prefetch_related("units"))


def _sessions(rollouts, champions, skills, n):
    if SupportSession.objects.filter(rollout__in=rollouts).exists():
        return
    by_rollout = {}
    for champion in champions:
        by_rollout.setdefault(champion.rollout_id, []).append(champion)
    units = {champion.pk: next(iter(champion.units.all()), None) for champion in champions}
    now = timezone.now()
    per_rollout = max(1, n["support_sessions"] // len(rollouts))

    def rows():
        for rollout in rollouts:
            team = by_rollout[rollout.pk]
            for k in range(per_rollout):
                champion = team[k % len(team)]
                happened = now - timedelta(minutes=(k * 53) % (180 * 24 * 60) + 30)
                outcome = OUTCOMES[k % len(OUTCOMES)]
                unit = units[champion.pk]
                yield (
                    rollout.pk,
                    champion.pk,
                    happened,
                    5 + (k * 7) % 56,
                    1 + k % 5,
                    None,
                    unit.pk if unit else None,
                    "",
                    CHANNELS[k % len(CHANNELS)],
                    outcome,
                    (happened + timedelta(days=7)).date()
                    if outcome == SupportSession.Outcome.FOLLOW_UP
                    else None,
                    None,
                    uuid.uuid5(TOKENS, f"{rollout.pk}:{k}"),
                    happened,
                )

    fields = [
        "rollout_id",
        "champion_id",
        "happened_at",
        "minutes",
        "people_helped",
        "helped_person_id",
        "helped_unit_id",
        "other_topic",
        "channel",
        "outcome",
        "follow_up_on",
        "follow_up_done_at",
        "token",
        "created_at",
    ]
    bulk_insert(SupportSession, rows(), fields)
    # One topic per session, chosen by its id, in one statement.
    topics = SupportSession.topics.through._meta.db_table
    sessions = SupportSession._meta.db_table
    skill_ids = [skill.pk for skill in skills]
    cases = " ".join(f"WHEN {i} THEN {pk}" for i, pk in enumerate(skill_ids))
    placeholders = ", ".join(["%s"] * len(rollouts))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {topics} (supportsession_id, skill_id) "
            f"SELECT id, CASE id %% {len(skill_ids)} {cases} END FROM {sessions} "
            f"WHERE rollout_id IN ({placeholders})",
            [rollout.pk for rollout in rollouts],
        )
