import re
from datetime import timedelta

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from rollout.models import Role

from .models import (
    AppraisalObjective,
    BadgeClass,
    BadgeLevel,
    PlannedIncentive,
    PointsClaim,
    PointsRule,
    Recognition,
)

# Thanking is cheap; more than this many a day from one person looks like a game, not gratitude.
RECOGNITIONS_PER_DAY = 10
BADGE_IMAGE_FORMATS = {"PNG", "JPEG", "WEBP"}
BADGE_IMAGE_MAX_SIDE = 2048


def people_choices(scope):
    return scope.people().order_by("full_name", "email")


class PlannedIncentiveForm(forms.ModelForm):
    class Meta:
        model = PlannedIncentive
        fields = ["incentive", "audience", "rationale"]
        widgets = {"rationale": forms.Textarea(attrs={"rows": 2})}
        labels = {"incentive": _("Incentive"), "audience": _("Audience"), "rationale": _("Rationale")}

    def __init__(self, *args, rollout, audiences=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.rollout = rollout
        self.instance.rollout = rollout
        self.fields["audience"].widget.attrs["list"] = "strategy-audiences"
        self.audiences = audiences

    def clean(self):
        cleaned = super().clean()
        incentive, audience = cleaned.get("incentive"), cleaned.get("audience")
        if incentive and audience:
            clash = self.rollout.planned_incentives.filter(incentive=incentive, audience__iexact=audience)
            if clash.exclude(pk=self.instance.pk).exists():
                self.add_error("audience", gettext("This incentive is already planned for this audience."))
        return cleaned


class PointsRuleForm(forms.ModelForm):
    class Meta:
        model = PointsRule
        fields = ["event", "points", "daily_cap", "active"]
        labels = {
            "event": _("Event"),
            "points": _("Points"),
            "daily_cap": _("Daily cap"),
            "active": _("Active"),
        }

    def __init__(self, *args, rollout, **kwargs):
        super().__init__(*args, **kwargs)
        self.rollout = rollout
        self.instance.rollout = rollout
        if self.instance.pk:
            self.fields["event"].disabled = True

    def clean_event(self):
        event = self.cleaned_data["event"]
        if self.rollout.points_rules.filter(event=event).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(
                gettext("This rollout already has a rule for this event; change that one.")
            )
        return event


class CorrectionForm(forms.Form):
    person: forms.ModelChoiceField = forms.ModelChoiceField(queryset=None, label=_("Person"))
    points = forms.IntegerField(
        min_value=-10000,
        max_value=10000,
        label=_("Points"),
        help_text=_("Negative to take points away, e.g. -20."),
    )
    reason = forms.CharField(
        max_length=180, label=_("Reason"), help_text=_("Why, for the person and for the record.")
    )

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people_choices(scope)

    def clean_points(self):
        points = self.cleaned_data["points"]
        if points == 0:
            raise forms.ValidationError(
                gettext("A correction of 0 points changes nothing; enter a number other than 0.")
            )
        return points


class PointsClaimForm(forms.ModelForm):
    evidence_url = forms.URLField(
        label=_("Evidence link"), required=False, assume_scheme="https", max_length=200
    )

    class Meta:
        model = PointsClaim
        fields = ["reason", "points", "evidence_url", "evidence"]
        widgets = {"evidence": forms.Textarea(attrs={"rows": 3})}
        labels = {"reason": _("Reason"), "points": _("Points"), "evidence": _("Evidence (optional)")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["points"].help_text = _("Between 1 and 100; a manager approves or rejects the claim.")


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])


HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
LEVEL_FIELDS = {
    BadgeLevel.Rank.BRONZE: "bronze",
    BadgeLevel.Rank.SILVER: "silver",
    BadgeLevel.Rank.GOLD: "gold",
}


class BadgeForm(forms.ModelForm):
    bronze = forms.IntegerField(min_value=1, required=False, label=_("Bronze at"))
    silver = forms.IntegerField(min_value=1, required=False, label=_("Silver at"))
    gold = forms.IntegerField(min_value=1, required=False, label=_("Gold at"))

    class Meta:
        model = BadgeClass
        fields = ["name", "description", "criteria", "image", "color", "criterion", "rule", "requires"]
        widgets = {
            "criteria": forms.Textarea(attrs={"rows": 3}),
            "color": forms.TextInput(attrs={"type": "color"}),
            "requires": forms.CheckboxSelectMultiple,
        }
        labels = {
            "name": _("Name"),
            "description": _("Description"),
            "criteria": _("Criteria"),
            "image": _("Image"),
            "color": _("Color"),
            "criterion": _("Criterion"),
            "rule": _("Rule"),
            "requires": _("Requires"),
        }

    def __init__(self, *args, rollout, **kwargs):
        super().__init__(*args, **kwargs)
        self.rollout = rollout
        self.instance.rollout = rollout
        self.fields["rule"].queryset = rollout.points_rules.all()
        self.fields["requires"].queryset = rollout.badges.exclude(pk=self.instance.pk).exclude(
            criterion=BadgeClass.Criterion.META
        )
        for field in LEVEL_FIELDS.values():
            self.fields[field].help_text = _("Events (or points) needed; empty for no such level.")
        if self.instance.pk:
            for level in self.instance.levels.all():
                if level.rank in LEVEL_FIELDS:
                    self.initial[LEVEL_FIELDS[level.rank]] = level.threshold

    def clean_image(self):
        """An upload must be small and really a PNG, JPEG or WebP image, whatever its name says.

        Django's ImageField has already opened it with Pillow and verified it; here the size and
        the format Pillow found (not the extension or the browser's content type) decide.
        """
        image = self.cleaned_data.get("image")
        uploaded = getattr(image, "image", None)  # set only on a new upload, by forms.ImageField
        if uploaded is None:
            return image
        limit = settings.BADGE_IMAGE_MAX_BYTES
        if image.size > limit:
            raise forms.ValidationError(
                gettext("The image is %(size)s; choose one of at most %(limit)s.")
                % {"size": filesizeformat(image.size), "limit": filesizeformat(limit)}
            )
        if uploaded.format not in BADGE_IMAGE_FORMATS:
            if uploaded.format:
                message = gettext("This file is a %(format)s image; upload a PNG, JPEG or WebP image.")
            else:
                message = gettext(
                    "This file is an image of an unknown format; upload a PNG, JPEG or WebP image."
                )
            raise forms.ValidationError(message % {"format": uploaded.format})
        width, height = uploaded.size
        if width > BADGE_IMAGE_MAX_SIDE or height > BADGE_IMAGE_MAX_SIDE:
            raise forms.ValidationError(
                gettext("The image is %(width)s×%(height)s pixels; use one of at most %(side)s×%(side)s.")
                % {"width": width, "height": height, "side": BADGE_IMAGE_MAX_SIDE}
            )
        return image

    def clean_color(self):
        color = self.cleaned_data["color"]
        if not HEX_COLOUR.match(color):
            raise forms.ValidationError(
                gettext("Enter a colour as # and six hexadecimal digits, e.g. #0d6efd.")
            )
        return color

    def clean_name(self):
        name = self.cleaned_data["name"]
        if self.rollout.badges.filter(name__iexact=name).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(
                gettext("This rollout already has a badge called “%(name)s”.") % {"name": name}
            )
        return name

    def clean(self):
        cleaned = super().clean()
        criterion = cleaned.get("criterion")
        thresholds = [cleaned.get(field) for field in LEVEL_FIELDS.values()]
        given = [value for value in thresholds if value]
        if given != sorted(set(given)):
            self.add_error(
                "gold", gettext("Each level needs more than the one below it (bronze < silver < gold).")
            )
        if criterion in (BadgeClass.Criterion.EVENTS, BadgeClass.Criterion.POINTS) and not given:
            self.add_error(
                "bronze", gettext("An earned badge needs at least one level with a number to reach.")
            )
        if criterion == BadgeClass.Criterion.EVENTS and not cleaned.get("rule"):
            self.add_error("rule", gettext("Choose the points rule whose events count towards this badge."))
        if criterion == BadgeClass.Criterion.META and len(cleaned.get("requires") or []) < 2:
            self.add_error("requires", gettext("A meta-badge needs at least two badges to collect."))
        if criterion == BadgeClass.Criterion.META and given:
            self.add_error("bronze", gettext("A meta-badge has one level: leave the level numbers empty."))
        if self.instance.pk:
            awarded = set(self.instance.levels.filter(awards__isnull=False).values_list("rank", flat=True))
            for rank, field in LEVEL_FIELDS.items():
                if rank in awarded and not cleaned.get(field):
                    self.add_error(field, gettext("People already hold this level; it cannot be removed."))
        return cleaned

    def cleaned_levels(self):
        """{rank: threshold} of the levels this badge should have."""
        levels = {
            rank: self.cleaned_data[field]
            for rank, field in LEVEL_FIELDS.items()
            if self.cleaned_data.get(field)
        }
        if levels and self.cleaned_data["criterion"] == BadgeClass.Criterion.MANUAL:
            return dict.fromkeys(levels)  # a manager picks the level; no numbers to reach
        return levels or {BadgeLevel.Rank.STANDARD: None}


class AwardForm(forms.Form):
    person: forms.ModelChoiceField = forms.ModelChoiceField(queryset=None, label=_("Person"))
    level: forms.ModelChoiceField = forms.ModelChoiceField(queryset=None, empty_label=None, label=_("Level"))
    evidence_url = forms.URLField(label=_("Evidence link"), required=False, assume_scheme="https")
    evidence = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        label=_("Evidence"),
        help_text=_("What they did to earn it."),
    )

    def __init__(self, *args, scope, badge, **kwargs):
        super().__init__(*args, **kwargs)
        self.badge = badge
        self.fields["person"].queryset = people_choices(scope)
        self.fields["level"].queryset = badge.levels.all()
        self.fields["level"].label_from_instance = lambda level: level.get_rank_display()

    def clean(self):
        cleaned = super().clean()
        person, level = cleaned.get("person"), cleaned.get("level")
        if person and level and level.awards.filter(person=person).exists():
            raise forms.ValidationError(
                gettext("%(person)s already holds %(badge)s.") % {"person": person, "badge": level}
            )
        return cleaned


class RecognitionForm(forms.ModelForm):
    class Meta:
        model = Recognition
        fields = ["recipient", "message"]
        widgets = {"message": forms.Textarea(attrs={"rows": 2, "placeholder": _("Thank you for…")})}
        labels = {"recipient": _("Who would you like to thank?"), "message": _("Message")}

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope = scope
        self.fields["recipient"].queryset = people_choices(scope).exclude(pk=scope.user.pk)

    def clean(self):
        cleaned = super().clean()
        since = timezone.now() - timedelta(days=1)
        given = Recognition.objects.filter(giver=self.scope.user, created_at__gte=since).count()
        if given >= RECOGNITIONS_PER_DAY:
            raise forms.ValidationError(
                ngettext(
                    "You have thanked %(count)s person in the last 24 hours, the daily limit. "
                    "Please try again tomorrow.",
                    "You have thanked %(count)s people in the last 24 hours, the daily limit. "
                    "Please try again tomorrow.",
                    given,
                )
                % {"count": given}
            )
        return cleaned


class AppraisalObjectiveForm(forms.ModelForm):
    class Meta:
        model = AppraisalObjective
        fields = ["person", "role", "objective", "measure", "period"]
        labels = {
            "person": _("Person"),
            "role": _("Role"),
            "objective": _("Objective"),
            "measure": _("Measure"),
            "period": _("Period"),
        }
        help_texts = {"person": _("A person, or leave empty and choose a role.")}

    def __init__(self, *args, scope, rollout, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.rollout = rollout
        self.fields["person"].queryset = people_choices(scope)
        self.fields["role"].choices = [("", "---------"), *Role.choices]
        self.fields["role"].help_text = _("Everyone with this role, when no person is chosen.")

    def clean(self):
        cleaned = super().clean()
        if bool(cleaned.get("person")) == bool(cleaned.get("role")):
            raise forms.ValidationError(
                gettext("Choose either a person or a role, not both and not neither.")
            )
        return cleaned


class SeasonForm(forms.Form):
    name = forms.CharField(
        max_length=80, label=_("Name of the new season"), help_text=_("E.g. “Autumn 2026”.")
    )


class LeaderboardFilterForm(forms.Form):
    season: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=None, required=False, empty_label=_("Current season"), label=_("Season")
    )
    unit: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=None, required=False, empty_label=_("Every unit"), label=_("Unit")
    )

    def __init__(self, *args, scope, rollout, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["season"].queryset = rollout.seasons.all()
        self.fields["unit"].queryset = scope.units()


class UnitFilterForm(forms.Form):
    unit: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=None, required=False, empty_label=_("Every unit"), label=_("Unit")
    )

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = scope.units()
