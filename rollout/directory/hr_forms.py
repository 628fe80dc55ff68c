"""The HR file upload form."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from rollout.i18n import number

from .hr_services import max_upload_bytes


class PeopleUploadForm(forms.Form):
    file = forms.FileField(
        label=_("HR file (CSV or XLSX)"),
        help_text=_(
            "One person per row: email, name, unit, location, shift, manager (their email), and "
            "optionally employee_id. Download the template below."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )
    deactivate_missing = forms.BooleanField(
        label=_("Deactivate people who are not in the file"),
        required=False,
        help_text=_("Their access ends; their history stays. Admins, and you, are never deactivated."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > max_upload_bytes():
            raise forms.ValidationError(
                gettext("This file is %(size)s MB; the limit is %(limit)s MB. Split it into smaller files."),
                params={"size": number(upload.size / 1048576, 1), "limit": max_upload_bytes() // 1048576},
            )
        return upload
