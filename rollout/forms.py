from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout
from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import PasswordResetForm
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .access import ADMINS, EDITORS
from .i18n import chosen_language
from .models import Invitation, Membership, Organization, Platform, Role, Rollout, Unit, User, WebhookEndpoint
from .webhooks import EVENTS, private_address

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ScopedForm(forms.ModelForm):
    """A model form for an object of the current organization (`scope`).

    Names must be unique within the organization; the database constraint includes the
    organization, which is not a form field, so the check happens here with a readable error.
    """

    unique_together_in_organization: tuple[str, ...] = ("name",)

    def __init__(self, *args, scope, **kwargs):
        self.scope = scope
        super().__init__(*args, **kwargs)

    def scoped_queryset(self):
        raise NotImplementedError

    def clean(self):
        cleaned = super().clean()
        fields = self.unique_together_in_organization
        if all(cleaned.get(name) not in (None, "") for name in fields):
            lookup = {f"{fields[0]}__iexact": cleaned[fields[0]]}
            lookup.update({name: cleaned[name] for name in fields[1:]})
            clash = self.scoped_queryset().filter(**lookup).exclude(pk=self.instance.pk)
            if clash.exists():
                self.add_error(
                    fields[0],
                    gettext("This organization already has one called “%(name)s”.")
                    % {"name": cleaned[fields[0]]},
                )
        return cleaned

    def save(self, commit=True):
        self.instance.organization = self.scope.organization
        return super().save(commit)


class RolloutForm(ScopedForm):
    class Meta:
        model = Rollout
        fields = [
            "name",
            "platform",
            "also_accepts",
            "status",
            "owner",
            "purpose",
            "start_date",
            "target_date",
        ]
        widgets = {
            "also_accepts": forms.CheckboxSelectMultiple,
            "purpose": forms.Textarea(attrs={"rows": 3}),
            "start_date": DATE_WIDGET,
            "target_date": DATE_WIDGET,
        }
        labels = {
            "name": _("Name"),
            "platform": _("Platform"),
            "status": _("Status"),
            "owner": _("Owner"),
            "purpose": _("Purpose"),
            "start_date": _("Start date"),
            "target_date": _("Target date"),
        }
        error_messages = {
            "also_accepts": {"invalid_choice": _("%(value)s is not a platform of this organization.")},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.organization = self.scope.organization
        self.fields["platform"].queryset = self.scope.platforms()
        self.fields["platform"].help_text = _("Platforms are managed under Settings.")
        # Only this organization's platforms, as for `platform`: a foreign id is refused by the field.
        self.fields["also_accepts"].queryset = self.scope.platforms()
        self.fields["owner"].queryset = self.scope.people(EDITORS).order_by("full_name", "email")
        self.fields["owner"].help_text = _("A manager or admin of this organization; approves the strategy.")

    def clean(self):
        cleaned = super().clean()
        # The rollout's own platform is always accepted: ticking it too would only repeat it.
        platform, extra = cleaned.get("platform"), cleaned.get("also_accepts")
        if platform is not None and extra is not None:
            cleaned["also_accepts"] = extra.exclude(pk=platform.pk)
        return cleaned

    def scoped_queryset(self):
        return self.scope.rollouts()


class PlatformForm(ScopedForm):
    url = forms.URLField(required=False, assume_scheme="https", label=_("Address"))

    class Meta:
        model = Platform
        fields = ["name", "product", "kind", "status", "url"]
        labels = {"name": _("Name"), "product": _("Product"), "kind": _("Kind"), "status": _("Status")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The select always sends a choice; a post without one (written before platforms had a
        # product) keeps the platform's product, "Other / not listed" for a new one.
        self.fields["product"].required = False

    def clean_product(self):
        return self.cleaned_data["product"] or self.instance.product

    def scoped_queryset(self):
        return self.scope.platforms()


class UnitForm(ScopedForm):
    unique_together_in_organization = ("name", "kind")

    class Meta:
        model = Unit
        fields = ["name", "kind", "parent", "headcount"]
        labels = {"name": _("Name"), "kind": _("Kind"), "parent": _("Parent"), "headcount": _("Headcount")}

    count_from_directory = forms.BooleanField(
        label=_("Count from the directory"),
        required=False,
        help_text=_(
            "Ticked, the headcount is counted from the people the directory (SCIM, an HR import) "
            "puts in this unit. Typing a headcount unticks it: your figure is kept until you tick it again."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.organization = self.scope.organization
        parents = self.scope.units()
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = parents
        directory = Unit.HeadcountSource.DIRECTORY
        if self.instance.synced_at is None and self.instance.headcount_source != directory:
            del self.fields["count_from_directory"]  # a unit the directory does not know
        else:
            self.fields["count_from_directory"].initial = self.instance.headcount_source == directory

    def clean(self):
        cleaned = super().clean()
        if "count_from_directory" in self.fields:
            counted = self.instance.headcount_source == Unit.HeadcountSource.DIRECTORY
            if cleaned.get("count_from_directory") and not counted:
                self.instance.headcount_source = Unit.HeadcountSource.DIRECTORY  # handed back
            elif "headcount" in self.changed_data or not cleaned.get("count_from_directory"):
                self.instance.headcount_source = Unit.HeadcountSource.MANUAL  # an override
        return cleaned

    def scoped_queryset(self):
        return self.scope.units()


class OrganizationForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = [
            "name",
            "timezone",
            "language",
            "digest_weekday",
            "digest_hour",
            "response_target_hours",
            "privacy_min_group",
            "champion_target_ratio",
            "keep_activity_days",
            "keep_conversation_text_days",
            "keep_email_days",
            "keep_audit_days",
        ]
        labels = {
            "name": _("Name"),
            "timezone": _("Timezone"),
            "digest_weekday": _("Digest weekday"),
            "digest_hour": _("Digest hour"),
            "response_target_hours": _("Response target hours"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        if self.instance.timezone:  # the hour is the organization's: name its zone
            self.fields["digest_hour"].help_text = gettext(
                "Hour (0-23) the weekly digest goes out, in the organization's time zone (now %(zone)s)."
            ) % {"zone": self.instance.timezone}
        general = [name for name in self.fields if not name.startswith("keep_")]
        kept = [name for name in self.fields if name.startswith("keep_")]
        self.helper.layout = Layout(
            Fieldset(_("The organization"), *general),
            Fieldset(_("Privacy: how long records are kept (empty: as long as they exist)"), *kept),
        )


def _last_admin_check(form, membership, new_role=None):
    """An organization must keep at least one admin."""
    if membership.role != Role.ADMIN or new_role == Role.ADMIN:
        return
    admins = Membership.objects.filter(organization=membership.organization, role__in=ADMINS)
    if not admins.exclude(pk=membership.pk).exists():
        form.add_error(
            None, gettext("This is the organization's only admin. Make someone else an admin first.")
        )


class MembershipForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["role", "unit"]
        labels = {"role": _("Role"), "unit": _("Unit")}

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = scope.units()
        self._original_role = self.instance.role

    def clean(self):
        cleaned = super().clean()
        original = Membership(
            pk=self.instance.pk, organization_id=self.instance.organization_id, role=self._original_role
        )
        _last_admin_check(self, original, cleaned.get("role"))
        return cleaned


class RemoveMembershipForm(forms.Form):
    def __init__(self, *args, membership, **kwargs):
        self.membership = membership
        super().__init__(*args, **kwargs)

    def clean(self):
        _last_admin_check(self, self.membership)
        return super().clean()


class PersonalSettingsForm(forms.ModelForm):
    """A person's language and time zone (empty: their organization's)."""

    class Meta:
        model = User
        fields = ["language", "time_zone"]
        labels = {"language": _("Language"), "time_zone": _("Time zone")}
        help_texts = {
            "language": _("Empty: your organization's language, or your browser's."),
            "time_zone": _("Empty: your organization's time zone. Dates and times are shown in it."),
        }


class EraseMembershipForm(forms.Form):
    """Erasing a person cannot be undone: the admin types the person's email to confirm."""

    confirm = forms.CharField(label=_("Type their email address to confirm"), max_length=254)

    def __init__(self, *args, membership, admin, **kwargs):
        self.membership, self.admin = membership, admin
        super().__init__(*args, **kwargs)

    def clean_confirm(self):
        typed = self.cleaned_data["confirm"].strip().lower()
        if typed != self.membership.user.email.lower():
            raise forms.ValidationError(_("That is not their email address: nothing was erased."))
        return typed

    def clean(self):
        if self.membership.user_id == self.admin.pk:
            raise forms.ValidationError(_("You cannot erase yourself. Ask another admin."))
        _last_admin_check(self, self.membership)
        return super().clean()


class InvitationForm(forms.ModelForm):
    class Meta:
        model = Invitation
        fields = ["email", "role", "unit"]
        labels = {"email": _("Email"), "role": _("Role"), "unit": _("Unit")}

    def __init__(self, *args, scope, **kwargs):
        self.scope = scope
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = scope.units()
        self.fields["unit"].required = False

    def clean_email(self):
        email = self.cleaned_data["email"].lower()
        if self.scope.memberships().filter(user__email__iexact=email).exists():
            raise forms.ValidationError(_("This person is already a member of the organization."))
        if any(i.is_pending for i in self.scope.invitations().filter(email__iexact=email)):
            raise forms.ValidationError(
                _("An invitation to this address is still pending; use “Resend” in the list below.")
            )
        return email


class AcceptInvitationForm(forms.Form):
    """Set a name and password for a new account created from an invitation."""

    full_name = forms.CharField(max_length=150, label=_("Your name"))
    password1 = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args, email, **kwargs):
        self.email = email
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", gettext("The two passwords differ."))
        elif p1:
            from .models import User

            try:
                password_validation.validate_password(
                    p1, User(email=self.email, full_name=cleaned.get("full_name", ""))
                )
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class QueuedPasswordResetForm(PasswordResetForm):
    """Password reset whose email is sent by a Celery worker, so the request never waits on SMTP."""

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        from .emails import send_rendered
        from .tasks import enqueue_on_commit, send_email

        # In the account's language, else its organization's, else the language of the page asked from.
        user = context["user"]
        membership = user.memberships.select_related("organization").first()
        language = chosen_language(user, membership.organization if membership else None)
        with translation.override(language or translation.get_language()):
            subject = "".join(render_to_string(subject_template_name, context).splitlines())
            text = render_to_string(email_template_name, context)
            html = render_to_string(html_email_template_name, context) if html_email_template_name else ""
        enqueue_on_commit(
            send_email,
            subject,
            text,
            html,
            [to_email],
            fallback=lambda: send_rendered(subject, text, html, [to_email]),
        )


class RolloutFilterForm(forms.Form):
    status = forms.ChoiceField(
        choices=[("", _("All statuses")), *Rollout.Status.choices], required=False, label=_("Status")
    )
    q = forms.CharField(required=False, label=_("Search"), max_length=100)


class MemberFilterForm(forms.Form):
    role = forms.ChoiceField(choices=[("", _("All roles")), *Role.choices], required=False, label=_("Role"))
    q = forms.CharField(required=False, label=_("Search"), max_length=100)


class PortfolioFilterForm(forms.Form):
    status = forms.ChoiceField(
        choices=[("", _("All statuses")), *Rollout.Status.choices], required=False, label=_("Status")
    )
    platform: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=None, required=False, empty_label=_("All platforms"), label=_("Platform")
    )
    unit = forms.ChoiceField(required=False, label=_("Unit"))
    sort = forms.ChoiceField(required=False, label=_("Sort"))

    def __init__(self, *args, platforms, units, **kwargs):
        from .portfolio import SORTS

        super().__init__(*args, **kwargs)
        self.fields["platform"].queryset = platforms
        # Units smaller than the privacy threshold are not offered one by one: a filter on one of
        # them would show figures about too few people (docs/metrics.md, "The privacy merge").
        self.fields["unit"].choices = [
            ("", _("All units")),
            *[(str(unit.pk), unit.name) for unit in units],
            ("other", _("Other (smaller) units")),
        ]
        self.fields["sort"].choices = list(SORTS.items())
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select"


class WebhookEndpointForm(forms.ModelForm):
    """Where an organization's webhooks go and which events they carry (the secret is made by
    Rollout, never typed)."""

    url = forms.URLField(
        max_length=500,
        assume_scheme="https",
        label=_("Payload URL"),
        help_text=_("Rollout POSTs each event here as signed JSON (https:// recommended)."),
    )
    events = forms.MultipleChoiceField(
        choices=list(EVENTS.items()), widget=forms.CheckboxSelectMultiple, label=_("Events to send")
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["url", "description", "events", "active"]
        labels = {"description": _("Description"), "active": _("Send events to this endpoint")}

    def clean_url(self):
        url = self.cleaned_data["url"]
        if not url.lower().startswith(("https://", "http://")):
            raise forms.ValidationError(_("Use an http:// or https:// address."))
        refusal = private_address(url)
        if refusal:
            raise forms.ValidationError(refusal)
        return url
