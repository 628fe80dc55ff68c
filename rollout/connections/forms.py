"""A connection's form, built from its kind's fields. Secrets are write-only: never rendered back."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Connection
from .registry import ConnectorKind

SECRET_PREFIX = "secret_"
SETTING_PREFIX = "setting_"


class ConnectionForm(forms.ModelForm):
    class Meta:
        model = Connection
        fields = ["name", "schedule_hour", "enabled"]
        labels = {"name": _("Name"), "enabled": _("Enabled")}
        widgets = {"schedule_hour": forms.Select(choices=[(h, f"{h:02d}:00") for h in range(24)])}

    def __init__(self, *args, kind: ConnectorKind, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        editing = self.instance.pk is not None
        if not editing:
            self.initial.setdefault("name", kind.label)
            self.initial.setdefault("schedule_hour", kind.default_hour)
        stored = self.instance.settings or {}
        for field in kind.setting_fields:
            name, label, help_text, choices, default = field
            initial = stored.get(name, default)
            if choices:
                self.fields[SETTING_PREFIX + name] = forms.ChoiceField(
                    label=label, choices=choices, help_text=help_text, initial=initial
                )
            else:
                self.fields[SETTING_PREFIX + name] = forms.CharField(
                    label=label, max_length=300, help_text=help_text, initial=initial
                )
        for name, label, is_secret in kind.credential_fields:
            widget: forms.Widget
            if is_secret:
                widget = forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"})
            else:
                widget = forms.TextInput(attrs={"autocomplete": "off"})
            self.fields[SECRET_PREFIX + name] = forms.CharField(
                label=label,
                required=not editing,
                strip=True,
                widget=widget,
                help_text=_("Stored encrypted and never shown. Leave empty to keep it.")
                if editing
                else _("Stored encrypted and never shown again."),
            )

    def settings_values(self) -> dict:
        return {
            field.name: self.cleaned_data[SETTING_PREFIX + field.name].strip()
            for field in self.kind.setting_fields
        }

    def secret_values(self) -> dict:
        return {name: self.cleaned_data[SECRET_PREFIX + name] for name, _, _ in self.kind.credential_fields}
