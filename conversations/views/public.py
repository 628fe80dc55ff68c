"""The pulse answer page behind the emailed link: the signed token is the only key, so the
recipient answers without signing in or browsing any other page."""

from django.shortcuts import render
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from rollout.i18n import chosen_language
from rollout.ratelimits import limit_failures

from .. import pulses
from ..forms import PulseAnswerForm


@never_cache
@csrf_protect
@limit_failures("pulse")
def answer(request, token):
    invitation = pulses.invitation_from_token(token)
    if invitation is None:
        return render(request, "engage/conversations/pulse_answer.html", {"state": "invalid"}, status=404)
    pulse = invitation.pulse
    # The page is in the invited person's language (else their organization's, else the browser's).
    language = chosen_language(invitation.user, pulse.rollout.organization)
    with translation.override(language or translation.get_language()):
        return _answer(request, invitation, pulse)


def _answer(request, invitation, pulse):
    context = {"pulse": pulse, "organization": pulse.rollout.organization}
    if invitation.answered:
        return render(request, "engage/conversations/pulse_answer.html", {**context, "state": "answered"})
    if not pulses.is_open(pulse):
        return render(request, "engage/conversations/pulse_answer.html", {**context, "state": "closed"})
    form = PulseAnswerForm(request.POST or None, questions=pulse.questions.all())
    if form.is_valid():
        done = pulses.answer(invitation, form.scores(), form.cleaned_data["comment"])
        return render(
            request,
            "engage/conversations/pulse_answer.html",
            {**context, "state": "thanks" if done else "answered"},
        )
    return render(
        request, "engage/conversations/pulse_answer.html", {**context, "state": "form", "form": form}
    )
