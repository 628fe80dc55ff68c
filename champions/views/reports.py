"""The activity report for managers and leaders, and its CSV export."""

import csv
import zoneinfo

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from rollout import audit
from rollout.access import role_required
from rollout.csv_safety import safe_row
from rollout.i18n import Phrase
from rollout.paging import PAGE_SIZE

from ..models import Champion
from ..roles import READERS
from ..selectors import (
    csv_rows,
    follow_ups,
    frequent_free_text,
    months_back,
    quiet_champions,
    report_totals,
    sessions_by_champion_month,
    start_of,
    topics_by_month,
)


def _period(rollout):
    tz = zoneinfo.ZoneInfo(rollout.organization.timezone)
    months = months_back(timezone.localdate(timezone=tz))
    return tz, months, start_of(months[0], tz)


@role_required(READERS)
def report(request, pk):
    rollout = request.scope.rollout(pk)
    tz, months, since = _period(rollout)
    champions = rollout.champions.exclude(status=Champion.Status.NOMINATED).select_related("user")
    page = Paginator(champions.order_by("user__full_name", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    by_champion = sessions_by_champion_month(rollout, list(page.object_list), since, tz)
    champion_rows = [(c, [by_champion.get(c.pk, {}).get(m) for m in months]) for c in page.object_list]
    topics = topics_by_month(rollout, since, tz)
    topic_rows = sorted(
        ((name, [counts.get(m, 0) for m in months]) for name, counts in topics.items()),
        key=lambda row: (-sum(row[1]), row[0]),
    )
    quiet = quiet_champions(rollout)
    open_items = follow_ups(
        rollout.support_sessions.select_related("champion__user").prefetch_related("topics")
    )
    return render(
        request,
        "champions/report.html",
        {
            "rollout": rollout,
            "months": months,
            "page": page,
            "champion_rows": champion_rows,
            "topic_rows": topic_rows,
            "free_text": frequent_free_text(rollout, since),
            "totals": report_totals(rollout, since),
            "quiet": quiet[:10],
            "quiet_count": quiet.count(),
            "open_follow_ups": open_items[:10],
            "open_count": open_items.count(),
        },
    )


@role_required(READERS)
def report_csv(request, pk):
    rollout = request.scope.rollout(pk)
    tz, months, since = _period(rollout)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"champion-activity-{slugify(rollout.name)}-{months[-1]:%Y-%m}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    audit.record(
        request,
        audit.Action.EXPORTED,
        rollout,
        Phrase.gettext("Champion activity CSV of “%(rollout)s”", rollout=str(rollout)),
    )
    writer = csv.writer(response)
    writer.writerow(
        [
            _("Champion"),
            _("Email"),
            _("Month"),
            _("Sessions"),
            _("People helped"),
            _("Minutes"),
            _("Open follow-ups"),
        ]
    )
    for row in csv_rows(rollout, since, tz).iterator():
        month = row["month"]
        writer.writerow(
            safe_row(
                [
                    row["champion__user__full_name"],
                    row["champion__user__email"],
                    f"{month:%Y-%m}",
                    row["sessions"],
                    row["people"],
                    row["minutes"],
                    row["open_follow_ups"],
                ]
            )
        )
    return response
