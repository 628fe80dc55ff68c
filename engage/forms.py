"""Forms of the activity imports: the upload, the cadence band and the official accounts."""

from datetime import timedelta

from django import forms
from django.utils import timezone

from .models import CadenceBand, OfficialAccount


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Activity export (CSV)",
        help_text="Viva Engage or Teams user activity detail, Slack member analytics, or Rollout's template.",
    )
    period_end = forms.DateField(
        label="Slack only: last day of the exported period",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Slack's member analytics file does not say its period. Other formats ignore this.",
    )
    period_days = forms.IntegerField(
        label="Slack only: length of the period (days)",
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
                f"This file is {upload.size / 1048576:.1f} MB; the limit is {self.max_bytes // 1048576} MB. "
                "Export a shorter period or split the file."
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
            "min_posts_per_week": "At least (posts a week)",
            "max_posts_per_week": "At most (posts a week)",
        }

    def clean(self):
        data = super().clean()
        low, high = data.get("min_posts_per_week"), data.get("max_posts_per_week")
        if low is not None and high is not None and high < low:
            self.add_error("max_posts_per_week", "The most must not be less than the least.")
        return data


class OfficialAccountForm(forms.ModelForm):
    class Meta:
        model = OfficialAccount
        fields = ["label", "person_key"]
        help_texts = {"person_key": "As the exports name it: the email address or UPN."}

    def __init__(self, *args, rollout, **kwargs):
        super().__init__(*args, **kwargs)
        self.rollout = rollout

    def clean_person_key(self):
        key = self.cleaned_data["person_key"].strip().lower()
        if OfficialAccount.objects.filter(rollout=self.rollout, person_key=key).exists():
            raise forms.ValidationError("This account is already on the list.")
        return key

    def save(self, commit=True):
        self.instance.rollout = self.rollout
        return super().save(commit)


class PersonMatchForm(forms.Form):
    """Match the export's people to members: a whole domain, or one person to a member."""

    export_key = forms.CharField(
        label="In the export",
        max_length=254,
        help_text="A domain (northwind.onmicrosoft.com) or one person's email or UPN.",
    )
    member_domain = forms.CharField(
        label="Members' domain",
        max_length=254,
        required=False,
        help_text="For a domain: the domain of the members' emails (northwind.example).",
    )
    member_email = forms.EmailField(
        label="Member's email", required=False, help_text="For one person: the member they are."
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
                "Give either the members' domain (to match a whole domain) or one member's email "
                "(to match one person), not both."
            )
        if domain:
            key = normalize_domain(key)
            if "@" in key or "." not in key:
                self.add_error(
                    "export_key", f"'{key[:60]}' is not a domain (e.g. northwind.onmicrosoft.com)."
                )
            if normalize_domain(domain) == key:
                self.add_error("member_domain", "The two domains are the same: nothing to match.")
        else:
            if "@" not in key:
                self.add_error("export_key", f"'{key[:60]}' is not an email or UPN.")
            membership = (
                Membership.objects.filter(organization=self.organization, user__email__iexact=email)
                .select_related("user")
                .first()
            )
            if membership is None:
                self.add_error(
                    "member_email", f"No member of {self.organization.name} has the email {email}."
                )
            cleaned["user"] = membership.user if membership else None
        if PersonMatch.objects.filter(organization=self.organization, export_key=key).exists():
            self.add_error("export_key", f"'{key[:60]}' is matched already: remove that match first.")
        cleaned["export_key"] = key
        return cleaned
