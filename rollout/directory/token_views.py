"""Settings → Directory (SCIM): the organization's SCIM tokens, made (shown once) and revoked."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from rollout import audit
from rollout.access import ADMINS, role_required
from rollout.i18n import Phrase
from rollout.paging import PAGE_SIZE

from .models import ScimToken
from .scim_auth import create_token, revoke


class ScimTokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        initial=gettext_lazy("Entra ID provisioning"),
        help_text=gettext_lazy("What will use it, e.g. “Entra ID provisioning” or “Okta”."),
    )


def scim_base_url():
    return settings.SITE_URL + reverse("scim:root")


@role_required(ADMINS)
def scim_tokens(request):
    organization = request.scope.organization
    form = ScimTokenForm(request.POST or None)
    shown = None
    if request.method == "POST" and form.is_valid():
        token, shown = create_token(organization, form.cleaned_data["name"], request.user)
        audit.record(
            request,
            audit.Action.TOKEN_CREATED,
            token,
            Phrase.gettext("SCIM token “%(name)s” created", name=token.name),
        )
        messages.success(
            request,
            _("SCIM token “%(name)s” created. Copy it now: it is not shown again.") % {"name": token.name},
        )
        form = ScimTokenForm()
    tokens = ScimToken.objects.filter(organization=organization).select_related("created_by", "revoked_by")
    page = Paginator(tokens, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "shown": shown, "base_url": scim_base_url()}
    return render(request, "directory/scim_tokens.html", context)


@role_required(ADMINS)
@require_POST
def scim_token_revoke(request, pk):
    token = get_object_or_404(ScimToken.objects.filter(organization=request.scope.organization), pk=pk)
    if revoke(token, request.user):
        audit.record(
            request,
            audit.Action.TOKEN_REVOKED,
            token,
            Phrase.gettext("SCIM token “%(name)s” revoked", name=token.name),
        )
        messages.success(
            request, _("SCIM token “%(name)s” revoked: it stops working now.") % {"name": token.name}
        )
    return redirect("directory:scim_tokens")
