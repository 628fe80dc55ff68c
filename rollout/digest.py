"""The weekly engagement digest: one email per rollout to its managers and champions, and one
portfolio email per organization to its leaders, at the organization's digest weekday and hour
in the organization's time zone.

The producer below runs on every dispatcher tick. Once an organization's digest moment of the
current ISO week (in its own time zone) has passed, it yields that week's digests and records a
DigestRun, so later ticks of the week skip the organization. Keys carry the ISO week, so each
recipient gets exactly one digest per week whatever the daylight-saving changes.

Steps add their own section through the step registry: `Step.digest_section(rollout, membership,
since)` returns a DigestSection (or None); the digest itself names no step.

Cost: what is the same for every recipient of a rollout's digest (the rollout, the steps' health,
the sections a step builds per role, see `Step.digest_key`) is computed once per rollout, week and
data version and cached; the outbox claims and loads a batch of digests, with the recipients'
memberships, in a few queries (outbox.send_many). A digest then costs the queries of its personal
sections and the one that marks it sent, whatever the organization's size and the number of digests.
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from . import data_versions, figures, portfolio, retention
from .models import DigestRun, Membership, Organization, Role, Rollout
from .notifications import Cancel, Due, producer, register_kind
from .steps import DigestSection, overall_score, registry

ROLLOUT_ROLES = (Role.ADMIN, Role.MANAGER, Role.CHAMPION)
PORTFOLIO_ROLES = (Role.LEADER,)
DIGEST_STATUSES = (Rollout.Status.PILOT, Rollout.Status.LIVE)


def digest_moment(organization, now):
    """(ISO week label, the digest moment of that week as an aware datetime), in local time."""
    zone = ZoneInfo(organization.timezone)
    local = now.astimezone(zone)
    year, week, weekday = local.isocalendar()
    day = local.date() + timedelta(days=organization.digest_weekday - (weekday - 1))
    # A wall-clock time that a DST change skips (e.g. 02:30) resolves to the first valid instant.
    moment = datetime.combine(day, time(organization.digest_hour), tzinfo=zone)
    return f"{year}-W{week:02d}", moment


@producer
def weekly_digests(now):
    organizations = list(Organization.objects.only("pk", "timezone", "digest_weekday", "digest_hour"))
    done = set(
        DigestRun.objects.filter(created_at__gte=now - timedelta(days=8)).values_list(
            "organization_id", "week"
        )
    )
    due = {}
    for organization in organizations:
        week, moment = digest_moment(organization, now)
        if moment <= now and (organization.pk, week) not in done:
            due[organization.pk] = (week, moment)
    if not due:
        return
    rollouts = Rollout.objects.filter(organization_id__in=due, status__in=DIGEST_STATUSES).values_list(
        "pk", "organization_id"
    )
    people = Membership.objects.filter(
        organization_id__in=due,
        role__in=ROLLOUT_ROLES + PORTFOLIO_ROLES,
        weekly_digest=True,
        user__is_active=True,
    ).values_list("user_id", "organization_id", "role")
    by_org = {}
    for rollout_id, organization_id in rollouts:
        by_org.setdefault(organization_id, []).append(rollout_id)
    for user_id, organization_id, role in people:
        week, moment = due[organization_id]
        if role in PORTFOLIO_ROLES:
            yield Due(
                "portfolio-digest",
                f"portfolio-digest:{organization_id}:{user_id}:{week}",
                organization_id,
                user_id,
                moment,
                {"week": week},
            )
            continue
        for rollout_id in by_org.get(organization_id, []):
            yield Due(
                "digest",
                f"digest:{rollout_id}:{user_id}:{week}",
                organization_id,
                user_id,
                moment,
                {"rollout": rollout_id, "week": week},
            )
    DigestRun.objects.bulk_create(
        [DigestRun(organization_id=pk, week=week) for pk, (week, _) in due.items()], ignore_conflicts=True
    )


def _membership(notification):
    # From the recipient's memberships, which the outbox loads for its whole batch (one query,
    # not one per digest; see outbox.send_many); loaded here when the notification came alone.
    membership = next(
        (
            membership
            for membership in notification.recipient.memberships.all()
            if membership.organization_id == notification.organization_id
        ),
        None,
    )
    if membership is None or not membership.weekly_digest:
        raise Cancel(gettext_noop("The recipient no longer receives this organization's digest."))
    return membership


def _shared(notification, since):
    """(cache key, figures) that every recipient of this rollout's digest for the week since
    `since` sees alike: the rollout, the six steps' health (the stored figures, computed now if a write left them out of date) and the
    sections a step builds per role (`Step.digest_key`). Cached under the data version, so a digest
    run reads the rollout and computes the figures once per rollout, not once per recipient, and a
    write (closing the rollout, too) makes them fresh again."""
    organization = notification.organization
    rollout_pk = notification.payload.get("rollout")
    # Not "digest": entries cached under that name before a deploy hold no rollout.
    # The language too: a step's section may hold text translated for the recipient (outbox.build_message).
    key = data_versions.versioned_key(
        "digest-run", rollout_pk, since, translation.get_language(), organization=organization.pk
    )
    found = data_versions.cached(key)
    if found is not None:
        return key, {**found, "sections": dict(found["sections"])}  # the cached value stays as it is
    rollout = (
        Rollout.objects.filter(pk=rollout_pk, organization=organization).select_related("platform").first()
    )
    if rollout is None or rollout.status not in DIGEST_STATUSES:
        raise Cancel(gettext_noop("The rollout is no longer in pilot or live."))
    rollout.organization = organization  # already loaded; the sections read it
    healths = figures.of_rollout(rollout, fresh=True).healths()
    return key, {
        "rollout": rollout,
        "healths": {step.key: health for step, health in healths},
        "sections": {},
        "new": True,
    }


def _sections(steps, shared, rollout, membership, since):
    """Every step's section for this recipient: personal ones built now, the others from `shared`."""
    sections = []
    for step in steps:
        part = step.digest_key(membership)
        if part is None:
            section = step.digest_section(rollout, membership, since)
        else:
            slot = (step.key, part)
            if slot not in shared["sections"]:
                shared["sections"][slot] = step.digest_section(rollout, membership, since)
                shared["new"] = True
            section = shared["sections"][slot]
        if section is not None:
            sections.append(section)
    return sections


def digest_context(notification):
    membership = _membership(notification)
    since = notification.scheduled_for - timedelta(days=7)
    steps = registry.steps()
    # The outbox reads the data versions once for its batch (data_versions.one_data_version).
    key, shared = _shared(notification, since)
    rollout = shared["rollout"]
    healths = [(step, shared["healths"][step.key]) for step in steps]
    overall = overall_score(health for _, health in healths)
    sections = _sections(steps, shared, rollout, membership, since)
    if shared.pop("new", False):
        data_versions.cache_value(key, shared)
    if membership.role == Role.ADMIN:
        lines = retention.week_lines(notification.organization, since)
        if lines:
            sections.append(DigestSection(_("Retention: old records removed"), lines))
    return {
        "rollout": rollout,
        "membership": membership,
        "week": notification.payload.get("week", ""),
        "healths": healths,
        "overall": overall,
        "sections": sections,
        "rollout_url": reverse("rollout:overview", args=[rollout.pk]),
    }


def portfolio_context(notification):
    _membership(notification)
    rollouts = list(
        Rollout.objects.filter(
            organization=notification.organization, status__in=DIGEST_STATUSES
        ).select_related("platform")
    )
    if not rollouts:
        raise Cancel(gettext_noop("No rollout is in pilot or live."))
    table = portfolio.healths_for(rollouts, fresh=True)
    lines = []
    for rollout in rollouts:
        healths = [health for _, health in table[rollout.pk]]
        worst = min((h for h in healths if h.score is not None), key=lambda h: h.score, default=None)
        lines.append(
            {
                "rollout": rollout,
                "overall": overall_score(healths),
                "next_action": worst.next_action if worst else healths[0].next_action,
                "url": reverse("rollout:overview", args=[rollout.pk]),
            }
        )
    lines.sort(key=lambda line: (line["overall"] is None, line["overall"] or 0))
    return {
        "lines": lines,
        "week": notification.payload.get("week", ""),
        "organization": notification.organization,
    }


register_kind("digest", gettext_lazy("Weekly engagement digest"), digest_context, unsubscribe=True)
register_kind(
    "portfolio-digest", gettext_lazy("Weekly portfolio digest (leaders)"), portfolio_context, unsubscribe=True
)
