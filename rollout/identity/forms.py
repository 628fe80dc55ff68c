import re

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from rollout.models import User

from . import signin
from .models import AllowedDomain, IdentityProvider

DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


class ProviderForm(forms.ModelForm):
    """An organization's provider. The client secret is write-only: never rendered back."""

    client_secret = forms.CharField(
        label=_("Client secret"),
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    domains = forms.CharField(
        label=_("Allowed email domains"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "One per line or separated by commas, e.g. acme.com. People with these addresses may "
            "sign in and join as members; the login page offers this provider to them."
        ),
    )

    issuer = forms.URLField(
        label=_("Issuer URL"),
        assume_scheme="https",
        max_length=300,
        help_text=IdentityProvider._meta.get_field("issuer").help_text,
    )

    class Meta:
        model = IdentityProvider
        fields = ["name", "issuer", "client_id", "client_secret", "domains", "default_role", "require_sso"]

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        if self.instance.pk:
            self.initial["domains"] = "\n".join(self.instance.domains)
            self.fields["client_secret"].help_text = _(
                "Stored encrypted and never shown. Leave empty to keep it."
            )
        else:
            self.fields["client_secret"].required = True
            self.fields["client_secret"].help_text = _("Stored encrypted and never shown again.")

    def clean_issuer(self):
        return self.cleaned_data["issuer"].strip().rstrip("/")

    def clean_domains(self):
        names = []
        for name in re.split(r"[\s,;]+", self.cleaned_data["domains"].lower()):
            name = name.strip().lstrip("@")
            if not name or name in names:
                continue
            if not DOMAIN.match(name):
                raise forms.ValidationError(
                    gettext("“%(name)s” is not a domain name (e.g. acme.com)."), params={"name": name}
                )
            names.append(name)
        if not names:
            raise forms.ValidationError(gettext("Give at least one email domain."))
        taken = AllowedDomain.objects.filter(domain__in=names).exclude(
            provider__organization=self.organization
        )
        if taken:
            raise forms.ValidationError(
                gettext(
                    "%(domains)s already belongs to another organization's "
                    "provider: a domain can sign in to one organization only."
                ),
                params={"domains": ", ".join(sorted(row.domain for row in taken))},
            )
        return names

    def save(self, commit=True):
        provider = super().save(commit=False)
        provider.organization = self.organization
        if self.cleaned_data.get("client_secret"):
            provider.client_secret = self.cleaned_data["client_secret"]
        provider.save()
        provider.allowed_domains.exclude(domain__in=self.cleaned_data["domains"]).delete()
        for name in self.cleaned_data["domains"]:
            AllowedDomain.objects.get_or_create(provider=provider, domain=name)
        return provider

    def _post_clean(self):
        # The model form would copy the blank secret field onto the instance: keep the stored one.
        secret = self.instance.client_secret
        super()._post_clean()
        self.instance.client_secret = secret


class PasswordLoginForm(AuthenticationForm):
    """Django's login form, refusing a password where the organization requires single sign-on
    (its admins excepted: the break-glass way in, recorded by the login view)."""

    break_glass = ()

    def clean(self):
        # Refused before the password is checked: the answer must not tell whether it was right.
        user = User.objects.filter(email__iexact=self.cleaned_data.get("username") or "").first()
        if user is not None:
            refusal, _ = signin.password_policy(user)
            if refusal:
                raise forms.ValidationError(refusal, code="sso_required")
        return super().clean()

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        _, self.break_glass = signin.password_policy(user)
