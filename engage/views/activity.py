"""The Engage step's page (participation, dialogue, units), the accounts table and the cadence."""

import csv
from datetime import timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rollout.access import LEADERS, role_required
from rollout.csv_safety import safe_row
from rollout.data_versions import remember
from rollout.i18n import percent
from rollout.paging import PAGE_SIZE
from rollout.portfolio import step_context
from rollout.steps import registry

from .. import selectors
from ..figures_api import engage_figures
from ..forms import CadenceBandForm, OfficialAccountForm
from ..models import ImportBatch, OfficialAccount
from . import IMPORTERS, READERS


@role_required(READERS)
def home(request, pk):
    rollout = request.scope.rollout(pk)
    rollout.organization = request.scope.organization  # the same row, loaded with the membership
    step = registry.get("engage")
    can_import = request.scope.has_role(IMPORTERS)
    recent = list(ImportBatch.objects.filter(rollout=rollout).select_related("uploaded_by")[:5])
    return render(
        request,
        "engage/home.html",
        {
            "rollout": rollout,
            "step": step,
            # The same stored figures as the portfolio and the overview.
            **step_context(rollout, step.key, request.user),  # its health and when it was computed
            "can_import": can_import,
            "recent_imports": recent,
            "concealed": selectors.concealed_import(rollout, recent),
            "activity": remember(
                # Rendered in the reader's language: one copy per language.
                (
                    "engage-activity",
                    rollout.pk,
                    can_import,
                    request.scope.has_role(LEADERS),
                    translation.get_language(),
                ),
                lambda: _activity(request, rollout, can_import),
                organization=rollout.organization_id,
                # Imports and accounts, the strategy's audiences, conversations' replies.
                rollout=rollout.pk,
                apps={"engage", "strategy", "conversations"},
            ),
        },
    )


def _activity(request, rollout, can_import):
    """The page's activity figures, rendered. They change only with a write (an import's rollups,
    the accounts, the band, the strategy's target), which makes a new data version, so the page
    renders them once per version, however many people look (see rollout.data_versions.remember)."""
    figures = selectors.home_figures(rollout)
    context = {
        "rollout": rollout,
        "can_import": can_import,
        "can_read_people": request.scope.has_role(LEADERS),
        "privacy_min_group": rollout.organization.privacy_min_group,
        **figures,
    }
    return render_to_string("engage/_activity.html", context)


@role_required(READERS)
def accounts(request, pk):
    rollout = request.scope.rollout(pk)
    last_day = selectors.last_data_day(rollout) or timezone.localdate()
    since = last_day - timedelta(days=89)
    page = Paginator(selectors.account_rows(rollout, since), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for row in page.object_list:
        known = row["d_posts"] + row["d_replies"]
        rows.append(dict(row, dialogue=round(100 * row["d_replies"] / known) if known else None))
    return render(
        request,
        "engage/accounts.html",
        {"rollout": rollout, "page": page, "rows": rows, "since": since, "until": last_day},
    )


@role_required(IMPORTERS)
def cadence(request, pk):
    rollout = request.scope.rollout(pk)
    band = selectors.cadence_band(rollout)
    band_form = CadenceBandForm(
        request.POST if "band" in request.POST else None, instance=band, prefix="band"
    )
    account_form = OfficialAccountForm(
        request.POST if "account" in request.POST else None, rollout=rollout, prefix="account"
    )
    if request.method == "POST":
        if "band" in request.POST and band_form.is_valid():
            band_form.instance.rollout = rollout
            band_form.save()
            messages.success(request, _("Cadence band saved."))
            return redirect("engage:cadence", pk=rollout.pk)
        if "account" in request.POST and account_form.is_valid():
            account_form.save()
            messages.success(request, _("Official account added."))
            return redirect("engage:cadence", pk=rollout.pk)
    return render(
        request,
        "engage/cadence.html",
        {
            "rollout": rollout,
            "band_form": band_form,
            "account_form": account_form,
            "accounts": OfficialAccount.objects.filter(rollout=rollout),
        },
        status=400 if request.method == "POST" else 200,
    )


@role_required(IMPORTERS)
@require_POST
def account_delete(request, pk, account):
    rollout = request.scope.rollout(pk)
    get_object_or_404(OfficialAccount.objects.filter(rollout=rollout), pk=account).delete()
    messages.success(request, _("Official account removed."))
    return redirect("engage:cadence", pk=rollout.pk)


@role_required(READERS)
def figures_csv(request, pk):
    """The Engage page's figures as a CSV: one row per figure, with its window, numerator,
    denominator and the same sentence as the page and the digest (engage/figures.py)."""
    rollout = request.scope.rollout(pk)
    found = engage_figures(rollout)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="engage-figures-{rollout.pk}.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            _("figure"),
            _("window start"),
            _("window end"),
            _("value"),
            _("numerator"),
            _("denominator"),
            _("definition"),
        ]
    )
    share, dialogue = found["participation"], found["dialogue_ratio"]
    if share is not None:
        window = [share.start.isoformat(), share.end.isoformat()]
        rows = [
            [_("Active users"), *window, share.active_users, share.active_users, "", share.window],
            [
                _("In the rollout's audiences"),
                *window,
                share.in_audiences,
                share.in_audiences,
                share.active_users,
                "",
            ],
            [
                _("Outside the rollout's audiences"),
                *window,
                share.outside,
                share.outside,
                share.active_users,
                "",
            ],
            [_("Matched to no member"), *window, share.unmatched, share.unmatched, share.active_users, ""],
            [
                _("Participation rate"),
                *window,
                _rate(share.rate),
                share.headline.active if share.headline else "",
                share.headline.size if share.headline else "",
                share.text,
            ],
        ]
        for audience in share.audiences:
            rows.append(
                [
                    _("Participation: %(audience)s") % {"audience": audience.name},
                    *window,
                    _rate(audience.rate),
                    audience.active,
                    audience.size,
                    audience.text,
                ]
            )
        rows.append(
            [
                _("Dialogue ratio"),
                *window,
                _rate(dialogue.rate),
                dialogue.replies,
                dialogue.posts + dialogue.replies,
                dialogue.text,
            ]
        )
        for row in rows:
            writer.writerow(safe_row(row))
    return response


def _rate(rate):
    return _("not known") if rate is None else percent(rate, 1)
