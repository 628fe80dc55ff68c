"""The HR file upload form."""

from django import forms

from .hr_services import max_upload_bytes


class PeopleUploadForm(forms.Form):
    file = forms.FileField(
        label="HR file (CSV or XLSX)",
        help_text="One person per row: email, name, unit, location, shift, manager (their email), and "
        "optionally employee_id. Download the template below.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )
    deactivate_missing = forms.BooleanField(
        label="Deactivate people who are not in the file",
        required=False,
        help_text="Their access ends; their history stays. Admins, and you, are never deactivated.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > max_upload_bytes():
            raise forms.ValidationError(
                f"This file is {upload.size / 1048576:.1f} MB; the limit is {max_upload_bytes() // 1048576} MB. "
                "Split it into smaller files."
            )
        return upload
