"""A person's API tokens: create (shown once), list, revoke."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from .. import audit
from ..api.tokens import create_token, revoke
from ..i18n import Phrase
from ..models import ApiToken


class TokenForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["name", "scope", "expires_at"]
        widgets = {"expires_at": forms.DateInput(attrs={"type": "date"})}
        labels = {
            "name": gettext_lazy("Name"),
            "scope": gettext_lazy("Scope"),
            "expires_at": gettext_lazy("Expires on (optional)"),
        }

    def clean_expires_at(self):
        expires = self.cleaned_data["expires_at"]
        if expires is not None and expires <= timezone.now():
            raise forms.ValidationError(_("Choose a date in the future, or leave it empty for no expiry."))
        return expires


@login_required
def api_tokens(request):
    scope = request.scope
    if scope.organization is None:
        return render(request, "rollout/no_organization.html")
    form = TokenForm(request.POST or None)
    shown = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        token, shown = create_token(
            request.user, scope.organization, data["name"], data["scope"], data["expires_at"]
        )
        audit.record(
            request,
            audit.Action.TOKEN_CREATED,
            token,
            Phrase.gettext("Token “%(name)s” (%(scope)s)", name=token.name, scope=token.scope),
        )
        messages.success(
            request, _("Token “%(name)s” created. Copy it now: it is not shown again.") % {"name": token.name}
        )
        form = TokenForm()
    tokens = ApiToken.objects.filter(user=request.user).select_related("organization")[:100]
    return render(request, "rollout/api_tokens.html", {"form": form, "tokens": tokens, "shown": shown})


@login_required
@require_POST
def api_token_revoke(request, pk):
    token = get_object_or_404(ApiToken.objects.filter(user=request.user), pk=pk)
    if revoke(token):
        audit.record(
            request, audit.Action.TOKEN_REVOKED, token, Phrase.gettext("Token “%(name)s”", name=token.name)
        )
        messages.success(request, _("Token “%(name)s” revoked; it stops working now.") % {"name": token.name})
    return redirect("rollout:api_tokens")
