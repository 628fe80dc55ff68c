"""The "You said, we did" email: at most one a week, to the people a rollout is for, when
something came of their feedback that week.

Once an organization's digest moment of the ISO week has passed (its weekday and hour, in its time
zone: the same moment as the weekly digest), the producer looks at what the steps shared in the
seven days before and yields one email per person reached by a rollout with news, and records a
NewsRun so that the week's later ticks skip the organization. The key carries the ISO week, so
nobody gets two in a week. People who turned off employee news (Membership.announcements) get none.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from ..digest import digest_moment
from ..models import Membership, Organization, Rollout
from ..notifications import Cancel, Due, producer, register_kind
from . import selectors
from .models import NewsRun

KIND = "you-said-we-did"
WEEK = timedelta(days=7)


@producer
def weekly_news(now):
    done = set(
        NewsRun.objects.filter(created_at__gte=now - timedelta(days=8)).values_list("organization_id", "week")
    )
    for organization in Organization.objects.only("pk", "timezone", "digest_weekday", "digest_hour"):
        week, moment = digest_moment(organization, now)
        if moment > now or (organization.pk, week) in done:
            continue
        yield from _news_of(organization, week, moment)
        NewsRun.objects.get_or_create(organization=organization, week=week)


def _news_of(organization, week, moment):
    since = moment - WEEK
    rollouts = list(
        Rollout.objects.filter(
            organization=organization, status__in=(*selectors.IN_PROGRESS, Rollout.Status.CLOSED)
        )
    )
    outcomes = selectors.shared_outcomes(rollouts, since)
    with_news = {outcome.rollout_id for outcome in outcomes}
    if not with_news:
        return
    if None in with_news:  # an organization-wide change (a guideline): everyone who takes the news
        people = set(
            Membership.objects.filter(
                organization=organization, announcements=True, user__is_active=True
            ).values_list("user_id", flat=True)
        )
    else:
        reached = selectors.people_reached([rollout for rollout in rollouts if rollout.pk in with_news])
        people = set().union(*reached.values())
    payload = {"week": week, "since": since.isoformat()}
    for user_id in sorted(people):
        yield Due(
            KIND, f"{KIND}:{organization.pk}:{user_id}:{week}", organization.pk, user_id, moment, payload
        )


def news_context(notification):
    membership = (
        Membership.objects.filter(
            user_id=notification.recipient_id, organization_id=notification.organization_id
        )
        .select_related("organization", "user")
        .first()
    )
    if membership is None or not membership.announcements:
        raise Cancel(gettext_noop("The recipient left the organization or turned off employee news."))
    since = datetime.fromisoformat(notification.payload["since"])
    rollouts = selectors.rollouts_for(membership, statuses=(*selectors.IN_PROGRESS, Rollout.Status.CLOSED))
    by_id = {rollout.pk: rollout for rollout in rollouts}
    outcomes = selectors.shared_outcomes(rollouts, since)
    if not outcomes:
        raise Cancel(gettext_noop("Nothing was shared with this person this week."))
    return {
        "organization": membership.organization,
        "items": [(outcome, by_id.get(outcome.rollout_id)) for outcome in outcomes],
        "link": settings.SITE_URL + reverse("people:you_said"),
    }


register_kind(KIND, _("You said, we did"), news_context, unsubscribe=True, preference="announcements")
