"""Speak up: any employee reports a problem to the incident register, by name or anonymously."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from rollout.access import EVERYONE, role_required
from rollout.ratelimits import TOO_MANY, limit, person

from .. import services
from ..forms import SpeakUpForm
from ..models import SPEAK_UP_CONCERNS
from ..selectors import reports_of

# A named reporter's own reports shown on the page; "My figures" lists them all.
MY_REPORTS_SHOWN = 20


@role_required(EVERYONE)
@limit("employee_messages", key=person, what=TOO_MANY)
def speak_up(request):
    scope = request.scope
    form = SpeakUpForm(request.POST or None, scope=scope)
    if form.is_valid():
        anonymous = form.cleaned_data["anonymous"]
        services.report_incident(scope.organization, reporter=request.user, **form.cleaned_data)
        # The message names no report: it travels in a cookie and must not tie one to the person.
        if anonymous:
            messages.success(
                request,
                _(
                    "Thank you. Your report is in the incident register, without your name; the "
                    "managers are told within the hour. You will not see it below: nobody can link it "
                    "to you, not even you."
                ),
            )
        else:
            messages.success(
                request,
                _(
                    "Thank you. Your report is in the incident register and the managers are told. "
                    "You can follow its status below."
                ),
            )
        return redirect("trust_org:speak_up")
    reports = list(reports_of(scope.membership).select_related("rollout")[: MY_REPORTS_SHOWN + 1])
    return render(
        request,
        "trust/speak_up.html",
        {
            "form": form,
            "concerns": [
                (key, label, explanation) for key, (label, explanation, _kind) in SPEAK_UP_CONCERNS.items()
            ],
            "reports": reports[:MY_REPORTS_SHOWN],
            "more_reports": len(reports) > MY_REPORTS_SHOWN,
        },
    )
