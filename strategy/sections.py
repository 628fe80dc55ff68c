"""The six sections of the worksheet: their order, guidance, form and row formsets."""

from dataclasses import dataclass, field

from . import forms


@dataclass(frozen=True)
class Part:
    prefix: str
    formset: type
    title: str
    help: str


@dataclass(frozen=True)
class Section:
    number: int
    key: str
    title: str
    intro: str
    form: type | None = None
    parts: tuple = field(default_factory=tuple)


SECTIONS = (
    Section(
        1,
        "purpose",
        "Purpose and objectives",
        "Start with why. A platform launched without a purpose becomes a ghost town; one with a purpose "
        "people recognise becomes part of the work.",
        forms.PurposeForm,
        (
            Part(
                "objectives",
                forms.ObjectiveFormSet,
                "Objectives",
                "What should the organization get out of it? Two to five, each one checkable.",
            ),
            Part(
                "allowances",
                forms.TimeAllowanceFormSet,
                "Time people are expected to spend",
                "Say it out loud: hours per week, per audience. People will not spend time they have not been given.",
            ),
        ),
    ),
    Section(
        2,
        "stakeholders",
        "Stakeholders and their needs",
        "Finding out what the stakeholders need is the heart of this step. Ask them; write down their words, "
        "not yours. High influence and low interest means: go and talk to them first.",
        None,
        (
            Part(
                "stakeholders",
                forms.StakeholderFormSet,
                "Stakeholders",
                "A person or a group, what they need, and how they take part.",
            ),
        ),
    ),
    Section(
        3,
        "audiences",
        "Audiences and awareness",
        "Who is it for, how many are they, and how will each audience come to know about it? "
        "Participation is measured against the sizes you give here.",
        None,
        (
            Part(
                "audiences",
                forms.AudienceFormSet,
                "Target audiences",
                "Employees (tie them to a unit if you can), customers, suppliers, partners or the public.",
            ),
            Part(
                "channels",
                forms.ChannelFormSet,
                "How each audience hears about it",
                "Launch email, town hall, intranet, manager cascade, training — with a date. Save new audiences first to plan their channels.",
            ),
        ),
    ),
    Section(
        4,
        "ownership",
        "Ownership and budget",
        "Someone owns it, someone pays for it, and someone runs it every day. Three names, possibly the same person.",
        forms.OwnershipForm,
    ),
    Section(
        5,
        "operating",
        "Operating model",
        "How it works in practice: when someone is there to answer, how fast questions get a reply, and how "
        "conversations are moderated.",
        forms.OperatingForm,
    ),
    Section(
        6,
        "evaluation",
        "Evaluation",
        "How will you know it works? Bind each success metric to an audience, a baseline, a target and a date; "
        "the reviews compare the actuals against the straight path from baseline to target.",
        forms.EvaluationForm,
        (
            Part(
                "metrics",
                forms.MetricFormSet,
                "Success metrics",
                "Each metric: where you are, where you want to be, and by when.",
            ),
        ),
    ),
)

BY_KEY = {section.key: section for section in SECTIONS}


def next_section(section):
    later = [s for s in SECTIONS if s.number == section.number + 1]
    return later[0] if later else None
