"""Forms of the activity imports: the upload, the cadence band and the official accounts."""

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from rollout.i18n import number

from .models import CadenceBand, OfficialAccount


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Activity export (CSV)"),
        help_text=_(
            "Viva Engage or Teams user activity detail, Slack member analytics, or Rollout's template."
        ),
    )
    period_end = forms.DateField(
        label=_("Slack only: last day of the exported period"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Slack's member analytics file does not say its period. Other formats ignore this."),
    )
    period_days = forms.IntegerField(
        label=_("Slack only: length of the period (days)"),
        min_value=1,
        max_value=366,
        initial=30,
        required=False,
    )

    def __init__(self, *args, max_bytes, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_bytes = max_bytes

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.max_bytes:
            raise forms.ValidationError(
                gettext(
                    "This file is %(size)s MB; the limit is %(limit)s MB. Export a shorter period or split the file."
                )
                % {"size": number(upload.size / 1048576, 1), "limit": self.max_bytes // 1048576}
            )
        return upload

    def options(self):
        return {
            "period_end": self.cleaned_data.get("period_end") or timezone.localdate() - timedelta(days=1),
            "period_days": self.cleaned_data.get("period_days") or 30,
        }


class CadenceBandForm(forms.ModelForm):
    class Meta:
        model = CadenceBand
        fields = ["min_posts_per_week", "max_posts_per_week"]
        labels = {
            "min_posts_per_week": _("At least (posts a week)"),
            "max_posts_per_week": _("At most (posts a week)"),
        }

    def clean(self):
        data = super().clean()
        low, high = data.get("min_posts_per_week"), data.get("max_posts_per_week")
        if low is not None and high is not None and high < low:
            self.add_error("max_posts_per_week", _("The most must not be less than the least."))
        return data


class OfficialAccountForm(forms.ModelForm):
    class Meta:
        model = OfficialAccount
        fields = ["label", "person_key"]
        labels = {"label": _("Label")}
        help_texts = {"person_key": _("As the exports name it: the email address or UPN.")}

    def __init__(self, *args, rollout, **kwargs):
        super().__init__(*args, **kwargs)
        self.rollout = rollout

    def clean_person_key(self):
        key = self.cleaned_data["person_key"].strip().lower()
        if OfficialAccount.objects.filter(rollout=self.rollout, person_key=key).exists():
            raise forms.ValidationError(_("This account is already on the list."))
        return key

    def save(self, commit=True):
        self.instance.rollout = self.rollout
        return super().save(commit)


class PersonMatchForm(forms.Form):
    """Match the export's people to members: a whole domain, or one person to a member."""

    export_key = forms.CharField(
        label=_("In the export"),
        max_length=254,
        help_text=_("A domain (northwind.onmicrosoft.com) or one person's email or UPN."),
    )
    member_domain = forms.CharField(
        label=_("Members' domain"),
        max_length=254,
        required=False,
        help_text=_("For a domain: the domain of the members' emails (northwind.example)."),
    )
    member_email = forms.EmailField(
        label=_("Member's email"), required=False, help_text=_("For one person: the member they are.")
    )

    def __init__(self, *args, organization, **kwargs):
        self.organization = organization
        super().__init__(*args, **kwargs)

    def clean(self):
        from rollout.models import Membership

        from .matching import normalize_domain
        from .models import PersonMatch

        cleaned = super().clean()
        key = cleaned.get("export_key", "").strip().lower()
        domain, email = cleaned.get("member_domain", "").strip(), cleaned.get("member_email", "")
        if not key:
            return cleaned
        if bool(domain) == bool(email):
            raise forms.ValidationError(
                _(
                    "Give either the members' domain (to match a whole domain) or one member's email "
                    "(to match one person), not both."
                )
            )
        if domain:
            key = normalize_domain(key)
            if "@" in key or "." not in key:
                self.add_error(
                    "export_key",
                    gettext("'%(key)s' is not a domain (e.g. northwind.onmicrosoft.com).")
                    % {"key": key[:60]},
                )
            if normalize_domain(domain) == key:
                self.add_error("member_domain", _("The two domains are the same: nothing to match."))
        else:
            if "@" not in key:
                self.add_error("export_key", gettext("'%(key)s' is not an email or UPN.") % {"key": key[:60]})
            membership = (
                Membership.objects.filter(organization=self.organization, user__email__iexact=email)
                .select_related("user")
                .first()
            )
            if membership is None:
                self.add_error(
                    "member_email",
                    gettext("No member of %(organization)s has the email %(email)s.")
                    % {"organization": self.organization.name, "email": email},
                )
            cleaned["user"] = membership.user if membership else None
        if PersonMatch.objects.filter(organization=self.organization, export_key=key).exists():
            self.add_error(
                "export_key",
                gettext("'%(key)s' is matched already: remove that match first.") % {"key": key[:60]},
            )
        cleaned["export_key"] = key
        return cleaned
