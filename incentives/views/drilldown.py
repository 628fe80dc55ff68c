"""The people behind the Incentivize figures (rollout/drilldown.py), with a CSV of the same rows:
the people reached by a recognition, points or a badge in the last 30 days, and the organization's
leaders with what each did in the rollout in those 30 days. The rows name people: leaders,
managers and admins read them (the portfolio's readers)."""

from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from rollout import drilldown
from rollout.access import LEADERS
from rollout.i18n import percent
from rollout.models import Membership, Role, User

from ..models import BadgeAward, PointsEntry, ReceivedEvent, Recognition
from ..selectors import RECENT

REACHED, LEADING = "reached", "leaders"


def _count(rows, field, outer):
    """The number of `rows` whose `field` is the outer row's `outer`, 0 when none."""
    counted = rows.filter(**{field: OuterRef(outer)}).order_by().values(field).annotate(n=Count("pk"))
    return Coalesce(Subquery(counted.values("n")[:1], output_field=IntegerField()), Value(0))


def _sum(rows, field, outer, summed):
    total = rows.filter(**{field: OuterRef(outer)}).order_by().values(field).annotate(t=Sum(summed))
    return Coalesce(Subquery(total.values("t")[:1], output_field=IntegerField()), Value(0))


def _membership(rollout, field):
    """The person's membership `field` in the rollout's organization (None for someone who left)."""
    found = Membership.objects.filter(user=OuterRef("pk"), organization_id=rollout.organization_id)
    return Subquery(found.values(field)[:1])


def _reached(rollout, since):
    """People with a recognition received, a points entry or a badge awarded in the rollout since
    `since`: each person once, as the step counts them (incentives.selectors.health_figures)."""
    points = PointsEntry.objects.filter(rollout=rollout, created_at__gte=since)
    thanked = Recognition.objects.filter(rollout=rollout, created_at__gte=since)
    badges = BadgeAward.objects.filter(rollout=rollout, issued_at__gte=since)
    people = (
        User.objects.filter(
            Q(pk__in=points.values("person_id"))
            | Q(pk__in=thanked.values("recipient_id"))
            | Q(pk__in=badges.values("person_id"))
        )
        .annotate(
            thanks=_count(thanked, "recipient_id", "pk"),
            entries=_count(points, "person_id", "pk"),
            points=_sum(points, "person_id", "pk", "points"),
            badges=_count(badges, "person_id", "pk"),
            unit_id=_membership(rollout, "unit_id"),
            unit_name=_membership(rollout, "unit__name"),
            member=_membership(rollout, "pk"),
        )
        .order_by("full_name", "email", "pk")
    )
    audience = Membership.objects.filter(organization_id=rollout.organization_id).count()
    small = drilldown.small_units(rollout.organization)
    reached = people.count()
    if audience and reached <= audience:
        total = ngettext(
            "%(reached)s reached: %(share)s of the organization's %(count)s member.",
            "%(reached)s reached: %(share)s of the organization's %(count)s members.",
            audience,
        ) % {"reached": reached, "share": percent(round(100 * reached / audience), 0), "count": audience}
    else:
        total = ngettext(
            "%(reached)s reached: the rate is not known: more than the organization's %(count)s member.",
            "%(reached)s reached: the rate is not known: more than the organization's %(count)s members.",
            audience,
        ) % {"reached": reached, "count": audience}
    gone = _("no longer a member")
    return drilldown.Rows(
        title=gettext_lazy("People reached in the last 30 days"),
        explanation=_(
            "Everyone who received a recognition, a points entry (a correction included) or a badge "
            "in this rollout in the 30 days up to now, each person once. The denominator is every "
            "member of the organization. Units with fewer members than the organization's minimum "
            "group size show as “Other”."
        ),
        definition="people-reached",
        columns=(
            _("Person"),
            _("Unit"),
            _("Recognitions received"),
            _("Points entries"),
            _("Points"),
            _("Badges"),
        ),
        items=people,
        row=lambda person: [
            f"{person.full_name or person.email} ({person.email})",
            drilldown.unit_label(person.unit_id, person.unit_name, small) if person.member else gone,
            person.thanks,
            person.entries,
            person.points,
            person.badges,
        ],
        csv_url=_csv_url(rollout),
        back=_back(rollout),
        total=total,
        noun=(_("person"), _("people")),
        empty=_("Nobody received a recognition, points or a badge in the last 30 days."),
    )


def _leading(rollout, since):
    """The organization's leaders, with the recognitions they gave, the points they earned and the
    events recorded for them in the rollout since `since`: those with any took part."""
    given = Recognition.objects.filter(rollout=rollout, created_at__gte=since)
    points = PointsEntry.objects.filter(rollout=rollout, created_at__gte=since)
    events = ReceivedEvent.objects.filter(rollout=rollout, occurred_at__gte=since)
    leaders = (
        Membership.objects.filter(organization_id=rollout.organization_id, role=Role.LEADER)
        .select_related("user", "unit")
        .annotate(
            given=_count(given, "giver_id", "user_id"),
            entries=_count(points, "person_id", "user_id"),
            events=_count(events, "person_id", "user_id"),
        )
        .annotate(
            activity=ExpressionWrapper(
                Q(given__gt=0) | Q(entries__gt=0) | Q(events__gt=0), output_field=BooleanField()
            )
        )
        .order_by("-activity", "user__full_name", "user__email", "pk")
    )
    small = drilldown.small_units(rollout.organization)
    took_part, everyone = leaders.filter(activity=True).count(), leaders.count()
    yes, no = _("yes"), _("no")
    return drilldown.Rows(
        title=gettext_lazy("Leaders taking part in the last 30 days"),
        explanation=_(
            "Every leader of the organization (the role “leader”), with the recognitions they gave, "
            "the points entries they received and the events recorded for them (questions answered, "
            "posts) in this rollout in the 30 days up to now. A leader with any of them took part. "
            "Units with fewer members than the organization's minimum group size show as “Other”."
        ),
        definition="leaders-taking-part",
        columns=(
            _("Leader"),
            _("Unit"),
            _("Recognitions given"),
            _("Points entries"),
            _("Events"),
            _("Took part"),
        ),
        items=leaders,
        row=lambda leader: [
            f"{leader.user.full_name or leader.user.email} ({leader.user.email})",
            drilldown.unit_label(leader.unit_id, leader.unit.name if leader.unit_id else "", small),
            leader.given,
            leader.entries,
            leader.events,
            yes if leader.activity else no,
        ],
        csv_url=_csv_url(rollout),
        back=_back(rollout),
        total=ngettext(
            "%(took_part)s of %(count)s leader took part.",
            "%(took_part)s of %(count)s leaders took part.",
            everyone,
        )
        % {"took_part": took_part, "count": everyone},
        noun=(_("leader"), _("leaders")),
        empty=_("The organization has no leader (nobody has the role “leader”)."),
    )


def _rows(request, rollout):
    group = request.GET.get("group", REACHED)
    build = {REACHED: _reached, LEADING: _leading}.get(group)
    if build is None:
        raise Http404("No such group.")
    return build(rollout, timezone.now() - RECENT)


def _csv_url(rollout):
    return reverse("incentives:reached_csv", kwargs={"pk": rollout.pk})


def _back(rollout):
    return (_("Incentivize"), reverse("incentives:home", kwargs={"pk": rollout.pk}))


reached, reached_csv = drilldown.views(LEADERS, _rows)
