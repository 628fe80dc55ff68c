"""The people behind the Engage figures (a drill-down with its CSV) and matching the export's
people to members. The rows name people: leaders, managers and admins read them (the portfolio's
readers); managers and admins match."""

import csv

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_POST

from rollout import audit
from rollout.access import LEADERS, role_required
from rollout.csv_safety import safe_row
from rollout.i18n import Phrase
from rollout.paging import PAGE_SIZE
from rollout.steps import marked
from rollout.tasks import enqueue_on_commit
from strategy.audiences import audiences

from .. import matching, people, selectors
from ..forms import PersonMatchForm
from ..models import PersonMatch
from ..tasks import apply_person_matches
from . import IMPORTERS

GROUPS = {
    people.ALL: gettext_lazy("Everyone active"),
    people.OUTSIDE: gettext_lazy("Outside the rollout's audiences"),
    people.NOT_MATCHED: gettext_lazy("Matched to no member"),
}


def _rows(request, rollout, group=None):
    """(title, rows, window's last day, audience) of the group asked for; 404 for an unknown
    group or audience, and an audience under the privacy minimum is not listed."""
    on = selectors.last_data_day(rollout)
    if on is None:
        return Phrase.gettext("No activity imported yet"), [], None, None
    everyone = people.active_people(rollout, on)
    audience_id = None if group else request.GET.get("audience")
    if audience_id:
        spec = next((a for a in audiences(rollout) if str(a.id) == audience_id), None)
        if spec is None:
            raise Http404("No such audience in this rollout.")
        rows = people.in_group(everyone, "", spec)
        if 0 < len(rows) < rollout.organization.privacy_min_group:
            rows = []  # too few to name, as the figure itself is not shown for too few
        return Phrase.gettext("Active in %(audience)s", audience=spec.name), rows, on, spec
    group = group or request.GET.get("group", people.ALL)
    if group not in GROUPS:
        raise Http404("No such group.")
    return marked(GROUPS[group]), people.in_group(everyone, group), on, None


@role_required(LEADERS)
def people_page(request, pk):
    return _people_page(request, request.scope.rollout(pk))


def _people_page(request, rollout, match_form=None):
    """The people page; with `match_form`, a refused match shown again with its errors (400)."""
    # A refused match comes back to the unmatched people, where its form is.
    group = people.NOT_MATCHED if match_form is not None else request.GET.get("group", people.ALL)
    title, rows, on, audience = _rows(request, rollout, group if match_form is not None else None)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "rollout": rollout,
        "title": title,
        "page": page,
        "count": len(rows),
        "on": on,
        "group": group,
        "audience": audience,
        "query": request.GET.urlencode(),
        "keep": f"audience={audience.id}&" if audience else f"group={group}&",
    }
    if group == people.NOT_MATCHED and audience is None and request.scope.has_role(IMPORTERS):
        form = match_form or PersonMatchForm(organization=request.scope.organization)
        context.update(
            domains=matching.unmatched_domains(rollout),
            match_form=form,
            match_fields=[
                (form["export_key"], form["export_key"].help_text),
                (form["member_domain"], gettext("For a domain.")),
                (form["member_email"], gettext("For one person.")),
            ],
            matches=PersonMatch.objects.filter(organization=request.scope.organization).select_related(
                "user"
            ),
        )
    return render(request, "engage/people.html", context, status=400 if match_form is not None else 200)


@role_required(LEADERS)
def people_csv(request, pk):
    rollout = request.scope.rollout(pk)
    title, rows, on, _ = _rows(request, rollout)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = on.isoformat() if on else timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="people-{rollout.pk}-{stamp}.csv"'
    writer = csv.writer(response)
    heading = (
        gettext("%(title)s, 28 days to %(day)s") % {"title": title, "day": f"{on:%Y-%m-%d}"} if on else title
    )
    writer.writerow(safe_row([heading]))
    writer.writerow(
        safe_row(
            [
                gettext("person"),
                gettext("name"),
                gettext("unit"),
                gettext("active days"),
                gettext("last active"),
                gettext("audiences"),
                gettext("matched to a member"),
            ]
        )
    )
    for row in rows:
        writer.writerow(
            safe_row(
                [
                    row.person_key,
                    row.name,
                    row.unit,
                    row.active_days,
                    row.last_active.isoformat(),
                    "; ".join(row.audiences),
                    gettext("yes") if row.matched else gettext("no"),
                ]
            )
        )
    audit.record(
        request,
        audit.Action.EXPORTED,
        rollout,
        Phrase.gettext(
            "People behind the Engage figures of “%(rollout)s”: %(title)s", rollout=str(rollout), title=title
        ),
    )
    return response


@role_required(IMPORTERS)
@require_POST
def match_add(request, pk):
    rollout = request.scope.rollout(pk)
    organization = request.scope.organization
    form = PersonMatchForm(request.POST, organization=organization)
    if not form.is_valid():
        return _people_page(request, rollout, match_form=form)
    match = matching.add_match(
        organization,
        export_key=form.cleaned_data["export_key"],
        member_domain=form.cleaned_data.get("member_domain", ""),
        user=form.cleaned_data.get("user"),
        by=request.user,
    )
    audit.record(
        request,
        audit.Action.SETTINGS_CHANGED,
        match,
        Phrase.gettext("People matched: %(match)s", match=str(match)),
    )
    enqueue_on_commit(apply_person_matches, organization.pk)
    messages.success(
        request,
        gettext(
            "Matched %(match)s. The imported activity is being matched again; the figures follow in a minute."
        )
        % {"match": match},
    )
    return redirect(f"{_people_url(rollout)}?group={people.NOT_MATCHED}")


@role_required(IMPORTERS)
@require_POST
def match_delete(request, pk, match):
    rollout = request.scope.rollout(pk)
    organization = request.scope.organization
    found = get_object_or_404(PersonMatch.objects.filter(organization=organization), pk=match)
    shown = str(found)
    audit.record(
        request,
        audit.Action.DELETED,
        found,
        Phrase.gettext("Match of people removed: %(match)s", match=shown),
    )
    found.delete()
    enqueue_on_commit(apply_person_matches, organization.pk)
    messages.success(
        request, gettext("Removed the match %(match)s. The figures follow in a minute.") % {"match": shown}
    )
    return redirect(f"{_people_url(rollout)}?group={people.NOT_MATCHED}")


def _people_url(rollout):
    return reverse("engage:people", kwargs={"pk": rollout.pk})
