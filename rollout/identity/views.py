"""The email-first login page, allauth's two OpenID Connect URLs, and Settings → Single sign-on.

Two-step sign-in's pages are in mfa_views.py; the login page hands over to its second step."""

import requests
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rollout.access import ADMINS, role_required

from . import mfa, services, signin
from .adapter import SignedIDTokenAdapter
from .audit import on_break_glass
from .discovery import DiscoveryError, discover
from .forms import PasswordLoginForm, ProviderForm
from .mfa_forms import PolicyForm
from .models import IdentityProvider, provider_id_of


class LoginView(auth_views.LoginView):
    """Email first: "Continue" with an email looks for its domain's provider and offers "Sign in
    with …" (and the password, unless the organization requires single sign-on); an email without
    one gets the password field. Typing email and password at once logs in as before."""

    form_class = PasswordLoginForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        if request.POST.get("password"):
            return super().post(request, *args, **kwargs)
        email = request.POST.get("username", "").strip()
        form = self.get_form_class()(request, initial={"username": email})
        if "@" not in email:
            context = self.get_context_data(
                form=form, email="", email_error=_("Type the email address you use at work.")
            )
            return self.render_to_response(context)
        return self.render_to_response(self.get_context_data(form=form, email=email))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        email = kwargs.get("email")
        if email is None and form.is_bound:
            email = form.data.get("username", "").strip()
        context["email"] = email or ""
        context["provider"] = signin.provider_for_email(email) if email else None
        return context

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        if context.get("provider"):
            # The "Sign in with …" form leads, through a redirect, to the provider's own page.
            response._csp_update = {"form-action": context["provider"].form_origins()}
        return response

    def form_valid(self, form):
        user = form.get_user()
        if mfa.has_two_step(user):
            # Not signed in yet: the second step (mfa_views.login_code) signs them in after the code.
            mfa.hold_sign_in(
                self.request, user, next_url=self.get_success_url(), break_glass=form.break_glass
            )
            return redirect("identity:login_code")
        response = super().form_valid(form)
        on_break_glass(self.request, user, form.break_glass)
        return response


@require_POST
def sso_login(request, provider_id):
    """allauth's login view (POST only) with our adapter. A provider that cannot be reached sends
    the person back to the login page with a message, not to an error page."""
    provider = signin.provider_by_id(provider_id)
    if provider is None:
        raise Http404
    try:
        return OAuth2LoginView.adapter_view(SignedIDTokenAdapter(request, provider_id))(request)
    except (requests.RequestException, ValueError, KeyError):
        messages.error(
            request,
            _("Rollout could not reach %(provider)s to start the sign-in. Try again in a moment.")
            % {"provider": provider.name},
        )
        return redirect("login")


def sso_callback(request, provider_id):
    """allauth's callback view, with our adapter (refusals are pages from adapter.refuse)."""
    if signin.provider_by_id(provider_id) is None:
        raise Http404
    return OAuth2CallbackView.adapter_view(SignedIDTokenAdapter(request, provider_id))(request)


@role_required(ADMINS)
def provider_settings(request):
    organization = request.scope.organization
    provider = IdentityProvider.objects.filter(organization=organization).first()
    form = ProviderForm(request.POST or None, instance=provider, organization=organization)
    test_result = None
    if request.method == "POST" and form.is_valid():
        issuer = form.cleaned_data["issuer"]
        try:
            document = discover(issuer) if "test" in request.POST or "issuer" in form.changed_data else None
        except DiscoveryError as error:
            document = None
            test_result = {"ok": False, "message": str(error)}
        if "test" in request.POST:
            test_result = test_result or {
                "ok": True,
                "message": _("Found the discovery document of %(issuer)s.") % {"issuer": issuer},
            }
        elif test_result is None:
            provider = services.save_provider(request, form, document)
            messages.success(
                request, _("Single sign-on with %(provider)s saved.") % {"provider": provider.name}
            )
            return redirect("identity:sso")
        else:
            form.add_error("issuer", test_result["message"])
            test_result = None
    callback = reverse("openid_connect_callback", kwargs={"provider_id": provider_id_of(organization.pk)})
    context = {
        "form": form,
        "provider": provider,
        "test_result": test_result,
        "redirect_uri": settings.SITE_URL + callback,
        "policy_form": PolicyForm(instance=mfa.policy_of(organization)),
    }
    return render(request, "identity/settings.html", context)


@role_required(ADMINS)
@require_POST
def provider_remove(request):
    provider = IdentityProvider.objects.filter(organization=request.scope.organization).first()
    if provider is None:
        raise Http404
    services.remove_provider(request, provider)
    messages.success(
        request,
        _("Single sign-on with %(provider)s removed: everyone logs in with a password again.")
        % {"provider": provider.name},
    )
    return redirect("identity:sso")
