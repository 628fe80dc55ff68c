"""Points: the rules that pay for events, the ledger and its corrections, claims and approvals."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from rollout.access import role_required
from rollout.paging import PAGE_SIZE

from .. import services
from ..forms import CorrectionForm, DecisionForm, PointsClaimForm, PointsRuleForm
from ..models import PointsClaim
from ..roles import EDITORS, EVERYONE


@role_required(EDITORS)
def rules(request, pk):
    rollout = request.scope.rollout(pk)
    form = PointsRuleForm(request.POST or None, rollout=rollout)
    if form.is_valid():
        rule = form.save()
        messages.success(request, _("Rule saved: %(rule)s.") % {"rule": rule})
        return redirect("incentives:rules", pk=rollout.pk)
    listed = rollout.points_rules.annotate(paid=Count("entries"))
    return render(request, "incentives/rules.html", {"rollout": rollout, "form": form, "rules": listed})


@role_required(EDITORS)
def rule_edit(request, pk, rule):
    rollout = request.scope.rollout(pk)
    rule = get_object_or_404(rollout.points_rules, pk=rule)
    form = PointsRuleForm(request.POST or None, instance=rule, rollout=rollout)
    if form.is_valid():
        form.save()
        messages.success(
            request, _("Rule saved: %(rule)s. Points already paid stay as they are.") % {"rule": rule}
        )
        return redirect("incentives:rules", pk=rollout.pk)
    return render(request, "incentives/rule_form.html", {"rollout": rollout, "form": form, "rule": rule})


@role_required(EDITORS)
def ledger(request, pk):
    rollout = request.scope.rollout(pk)
    form = CorrectionForm(request.POST or None, scope=request.scope)
    if form.is_valid():
        data = form.cleaned_data
        services.correct(rollout, data["person"], data["points"], data["reason"], request.user)
        messages.success(
            request,
            ngettext(
                "Correction of %(points)s point recorded for %(person)s.",
                "Correction of %(points)s points recorded for %(person)s.",
                abs(data["points"]),
            )
            % {"points": f"{data['points']:+d}", "person": data["person"]},
        )
        return redirect("incentives:ledger", pk=rollout.pk)
    entries = rollout.points_entries.select_related("person", "awarded_by", "rule")
    if person := request.GET.get("person", "").strip():
        entries = entries.filter(Q(person__full_name__icontains=person) | Q(person__email__icontains=person))
    page = Paginator(entries.order_by("-created_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "incentives/ledger.html", {"rollout": rollout, "form": form, "page": page, "person": person}
    )


@role_required(EVERYONE)
def claim(request, pk):
    rollout = request.scope.rollout(pk)
    form = PointsClaimForm(request.POST or None)
    if form.is_valid():
        data = form.cleaned_data
        services.submit_claim(
            rollout,
            request.user,
            reason=data["reason"],
            points=data["points"],
            evidence_url=data["evidence_url"],
            evidence=data["evidence"],
        )
        messages.success(request, _("Claim sent. A manager will approve or reject it."))
        return redirect("incentives:claim", pk=rollout.pk)
    mine = rollout.points_claims.filter(person=request.user).select_related("decided_by")[:10]
    return render(request, "incentives/claim.html", {"rollout": rollout, "form": form, "mine": mine})


@role_required(EDITORS)
def claims(request, pk):
    rollout = request.scope.rollout(pk)
    status = request.GET.get("status") if request.GET.get("status") in PointsClaim.Status else "pending"
    listed = rollout.points_claims.filter(status=status).select_related("person", "decided_by")
    page = Paginator(listed.order_by("created_at", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "incentives/claims.html",
        {"rollout": rollout, "page": page, "status": status, "statuses": PointsClaim.Status.choices},
    )


@role_required(EDITORS)
@require_POST
def decide(request, pk, claim):
    rollout = request.scope.rollout(pk)
    claim = get_object_or_404(rollout.points_claims.select_related("person"), pk=claim)
    if claim.person_id == request.user.pk:
        raise PermissionDenied("Another manager decides on your own claims.")
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve or reject."))
    elif services.decide_claim(claim, form.cleaned_data["decision"] == "approve", request.user):
        if form.cleaned_data["decision"] == "approve":
            messages.success(request, _("Claim of %(person)s approved.") % {"person": claim.person})
        else:
            messages.success(request, _("Claim of %(person)s rejected.") % {"person": claim.person})
    else:
        messages.error(request, _("The claim of %(person)s was already decided.") % {"person": claim.person})
    return redirect("incentives:claims", pk=rollout.pk)
