"""Two-step sign-in's forms. Each code form checks its code in clean(), as Django's login form
checks the password, and keeps the answer (`mfa.Check`) in `self.check` for the view."""

from django import forms
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from . import mfa
from .models import TwoStepPolicy


def wait_message(wait):
    return ngettext(
        "Too many wrong codes in a row: wait %(wait)s second, then try again.",
        "Too many wrong codes in a row: wait %(wait)s seconds, then try again.",
        wait,
    ) % {"wait": wait}


def _code_field(label, help_text, **attrs):
    return forms.CharField(
        label=label,
        max_length=40,
        help_text=help_text,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, **attrs}),
    )


class _CheckForm(forms.Form):
    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.check = mfa.Check()

    def refuse(self, field, message):
        if self.check.wait:
            message = wait_message(self.check.wait)
        raise forms.ValidationError({field: message})


class SignInCodeForm(_CheckForm):
    """The login's second step."""

    code = _code_field(
        _("Code"), _("Enter the 6-digit code from your app, or a recovery code."), spellcheck="false"
    )

    def clean(self):
        if "code" not in self.cleaned_data:
            return self.cleaned_data
        self.check = mfa.check_code(self.user, self.cleaned_data["code"])
        if self.check.device is None:
            self.refuse(
                "code",
                gettext(
                    "That code is not right. Type the 6 digits your app shows now for Rollout, "
                    "or one of your recovery codes."
                ),
            )
        return self.cleaned_data


class EnrolmentForm(forms.Form):
    """Confirming the app being set up with a code from it."""

    code = _code_field(
        _("Code from the app"), _("The 6 digits the app shows for Rollout."), inputmode="numeric"
    )

    def __init__(self, *args, device, **kwargs):
        super().__init__(*args, **kwargs)
        self.device = device
        self.codes = None  # the recovery codes, once confirmed

    def clean_code(self):
        code = mfa.normalize(self.cleaned_data["code"])
        if not mfa.CODE.match(code):
            raise forms.ValidationError(gettext("Type the 6 digits the app shows for Rollout."))
        self.codes = mfa.confirm_enrolment(self.device, code)
        if self.codes is None:
            raise forms.ValidationError(
                gettext(
                    "That code is not right. Check the app shows Rollout with your email, and that your "
                    "phone's clock is set automatically; then type the code it shows now."
                )
            )
        return code


class ConfirmForm(_CheckForm):
    """Proof that the person at the keyboard is the account's owner: a code or the password."""

    proof = forms.CharField(
        label=_("A code from your app, or your password"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def clean(self):
        if "proof" not in self.cleaned_data:
            return self.cleaned_data
        self.check = mfa.check_code_or_password(self.user, self.cleaned_data["proof"])
        if self.check.device is None:
            self.refuse("proof", gettext("That is neither the code your app shows now nor your password."))
        return self.cleaned_data


class PolicyForm(forms.ModelForm):
    class Meta:
        model = TwoStepPolicy
        fields = ["required_for_admins_and_managers"]
