"""The six sections of the worksheet: their order, guidance, form and row formsets."""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from rollout.i18n import Text

from . import forms


@dataclass(frozen=True)
class Part:
    prefix: str
    formset: type
    title: Text
    help: Text


@dataclass(frozen=True)
class Section:
    number: int
    key: str
    title: Text
    intro: Text
    form: type | None = None
    parts: tuple = field(default_factory=tuple)
    # The title as it reads inside a sentence ("Section 1, purpose and objectives, saved."): lower
    # case in English and French, as written in German.
    in_sentence: Text = ""


SECTIONS = (
    Section(
        1,
        "purpose",
        _("Purpose and objectives"),
        _(
            "Start with why. A platform launched without a purpose becomes a ghost town; one with a purpose "
            "people recognise becomes part of the work."
        ),
        forms.PurposeForm,
        (
            Part(
                "objectives",
                forms.ObjectiveFormSet,
                _("Objectives"),
                _("What should the organization get out of it? Two to five, each one checkable."),
            ),
            Part(
                "allowances",
                forms.TimeAllowanceFormSet,
                _("Time people are expected to spend"),
                _(
                    "Say it out loud: hours per week, per audience. People will not spend time they have not been given."
                ),
            ),
        ),
        in_sentence=_("purpose and objectives"),
    ),
    Section(
        2,
        "stakeholders",
        _("Stakeholders and their needs"),
        _(
            "Finding out what the stakeholders need is the heart of this step. Ask them; write down their words, "
            "not yours. High influence and low interest means: go and talk to them first."
        ),
        None,
        (
            Part(
                "stakeholders",
                forms.StakeholderFormSet,
                _("Stakeholders"),
                _("A person or a group, what they need, and how they take part."),
            ),
        ),
        in_sentence=_("stakeholders and their needs"),
    ),
    Section(
        3,
        "audiences",
        _("Audiences and awareness"),
        _(
            "Who is it for, how many are they, and how will each audience come to know about it? "
            "Participation is measured against the sizes you give here."
        ),
        None,
        (
            Part(
                "audiences",
                forms.AudienceFormSet,
                _("Target audiences"),
                _("Employees (tie them to a unit if you can), customers, suppliers, partners or the public."),
            ),
            Part(
                "channels",
                forms.ChannelFormSet,
                _("How each audience hears about it"),
                _(
                    "Launch email, town hall, intranet, manager cascade, training — with a date. Save new audiences first to plan their channels."
                ),
            ),
        ),
        in_sentence=_("audiences and awareness"),
    ),
    Section(
        4,
        "ownership",
        _("Ownership and budget"),
        _(
            "Someone owns it, someone pays for it, and someone runs it every day. Three names, possibly the same person."
        ),
        forms.OwnershipForm,
        in_sentence=_("ownership and budget"),
    ),
    Section(
        5,
        "operating",
        _("Operating model"),
        _(
            "How it works in practice: when someone is there to answer, how fast questions get a reply, and how "
            "conversations are moderated."
        ),
        forms.OperatingForm,
        in_sentence=_("operating model"),
    ),
    Section(
        6,
        "evaluation",
        _("Evaluation"),
        _(
            "How will you know it works? Bind each success metric to an audience, a baseline, a target and a date; "
            "the reviews compare the actuals against the straight path from baseline to target."
        ),
        forms.EvaluationForm,
        (
            Part(
                "metrics",
                forms.MetricFormSet,
                _("Success metrics"),
                _("Each metric: where you are, where you want to be, and by when."),
            ),
        ),
        in_sentence=_("evaluation"),
    ),
)

BY_KEY = {section.key: section for section in SECTIONS}


def next_section(section):
    later = [s for s in SECTIONS if s.number == section.number + 1]
    return later[0] if later else None
