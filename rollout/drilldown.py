"""The rows behind a figure: one page and one CSV per figure of the portfolio and the step pages,
listing exactly what the figure counts (docs/metrics.md says what each one counts).

A step app's view builds a `Rows` (what each row is, the window and the denominator in a sentence,
the columns, the items and how each becomes a row) and answers with `page()` or `csv_download()`,
so the page and its CSV list the same rows, in the organization's time zone, and every export
leaves an audit event. The centre knows no step: the step apps call it.

Groups smaller than the organization's minimum group size are merged, as the figures merge them:
`small_units()` names the units too small to be shown by name.
"""

import csv
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import audit
from .access import role_required
from .csv_safety import safe_row
from .i18n import Phrase, Text
from .models import Unit
from .paging import PAGE_SIZE
from .steps import marked

OTHER = _("Other")  # a unit too small to be named (the figures merge it), in the reader's language


class Link(NamedTuple):
    """A cell that links somewhere on the page; the CSV writes its text."""

    text: str
    url: str

    def __str__(self):
        return self.text


@dataclass(frozen=True)
class Rows:
    title: Text  # what the rows are, with the window: "Support sessions, 30 days to 12 May 2026"
    explanation: str  # what one row is, which rows count, the denominator, the privacy merge
    definition: str  # the figure's heading in docs/metrics.md
    columns: tuple  # the column headings
    items: object  # a queryset or a list: exactly the rows the figure counts
    row: Callable  # item -> [cells]; numbers stay numbers in the CSV
    csv_url: str  # the CSV of the same rows
    back: tuple = ()  # (label, url) of the step page the figure belongs to
    total: str = ""  # the sentence that adds the rows up to the figure ("3 of 8 leaders took part")
    noun: tuple = ("row", "rows")  # how the count names the rows: ("session", "sessions")
    empty: Text = _("Nothing to list.")


def page(request, rollout, rows):
    """The rows as a page of `PAGE_SIZE`, with their count, the sentence adding them up and a link
    to the CSV of the same rows."""
    listed = Paginator(rows.items, PAGE_SIZE).get_page(request.GET.get("page"))
    table = [rows.row(item) for item in listed.object_list]
    count = listed.paginator.count
    return render(
        request,
        "rollout/rows.html",
        {
            "rollout": rollout,
            "rows": rows,
            "page": listed,
            "table": table,
            "count": count,
            "noun": _noun(rows.noun, count),
            "csv_url": _with_query(rows.csv_url, request),
        },
    )


def _noun(noun, count):
    """The rows' noun for `count` in the reader's language: ("session", "sessions") as a plural
    entry of the catalogue when there is one, else each word as given (already translated, when a
    step passes gettext_lazy words)."""
    singular, plural = str(noun[0]), str(noun[1])
    return ngettext(singular, plural, count)


def csv_download(request, rollout, rows):
    """The same rows as a CSV (formula-safe), under a first line naming them; an audit event says
    who exported what."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    filename = f"{slugify(rows.title)[:80]}-{rollout.pk}-{stamp}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(safe_row([f"{rows.title}. {rows.total}".strip() if rows.total else rows.title]))
    writer.writerow(safe_row(rows.columns))
    # A queryset is read in chunks (its prefetches per chunk), not held whole in memory.
    items = rows.items.iterator(chunk_size=2000) if hasattr(rows.items, "iterator") else rows.items
    for item in items:
        writer.writerow(safe_row(rows.row(item)))
    # The table's title is read in the reader's language inside the translated sentence.
    title = rows.title if isinstance(rows.title, Phrase) else marked(rows.title)
    summary = Phrase.gettext("%(table)s of “%(rollout)s” (CSV)", table=title, rollout=str(rollout))
    audit.record(request, audit.Action.EXPORTED, rollout, summary)
    return response


def when(moment):
    """A date and time as the rows show it, in the organization's time zone (page and CSV)."""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def day(date):
    return date.isoformat() if date else ""


def small_units(organization):
    """The ids of the organization's units with fewer members than its minimum group size: rows
    that name people show such a unit as "Other", as the figures merge it."""
    return set(
        Unit.objects.filter(organization=organization)
        .annotate(members=Count("memberships"))
        .filter(members__lt=organization.privacy_min_group)
        .values_list("pk", flat=True)
    )


def unit_label(unit_id, name, small):
    """A unit's name, or "Other" for a unit in `small` (see small_units) or no unit at all."""
    if unit_id is None or unit_id in small:
        return str(OTHER)
    return name


def _with_query(url, request):
    """The CSV's URL with the page's filters (not its page number): the same rows, all of them."""
    query = request.GET.copy()
    query.pop("page", None)
    encoded = query.urlencode()
    return f"{url}?{encoded}" if encoded else url


def views(roles, build):
    """(page view, CSV view) of one figure's rows for `roles`: `build(request, rollout)` returns
    the `Rows`, so the page and its CSV always list the same rows."""

    @role_required(roles)
    def rows_page(request, pk):
        rollout = request.scope.rollout(pk)
        return page(request, rollout, build(request, rollout))

    @role_required(roles)
    def rows_csv(request, pk):
        rollout = request.scope.rollout(pk)
        return csv_download(request, rollout, build(request, rollout))

    return rows_page, rows_csv
