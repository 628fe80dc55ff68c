"""Pulse feedback: short surveys sent by email link and answered anonymously.

A readiness pulse asks the five ADKAR elements, each scored 1 to 5; an element whose average is 3
or less is a barrier, and the first barrier in ADKAR order says which step to work on. Results are
shown only for groups of at least the organization's privacy threshold: a unit with fewer
responses merges into "other", and a pulse with fewer responses in all shows no figures at all.
"""

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Avg, Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from rollout.models import Membership
from rollout.steps import registry

from .models import ADKAR, Pulse, PulseAnswer, PulseInvitation, PulseQuestion, PulseResponse

SALT = "engage.pulse"
BARRIER_AT = 3
OTHER = _("Other (small groups)")
# Stored in English with each readiness pulse, shown in the reader's language (PulseQuestion.shown_text).
READINESS_QUESTIONS = {
    ADKAR.AWARENESS: gettext_noop("I understand why we are introducing this platform."),
    ADKAR.DESIRE: gettext_noop("I want to use it in my work."),
    ADKAR.KNOWLEDGE: gettext_noop("I know how to use it for what I need."),
    ADKAR.ABILITY: gettext_noop("I can use it in my daily work (time, access, device)."),
    ADKAR.REINFORCEMENT: gettext_noop("Using it is noticed and valued where I work."),
}
# The step to work on when an element is a barrier, and why.
REMEDIES = {
    ADKAR.AWARENESS: (
        "strategize",
        _("Explain the why again: the strategy's purpose, audiences and awareness channels."),
    ),
    ADKAR.DESIRE: (
        "incentivize",
        _("Give people a reason to take part: incentives, recognition, leaders by example."),
    ),
    ADKAR.KNOWLEDGE: ("champion", _("More training: champions' training sessions and office hours.")),
    ADKAR.ABILITY: ("champion", _("Hands-on help where people work: champions' support sessions.")),
    ADKAR.REINFORCEMENT: ("incentivize", _("Recognise and reward use, so that it sticks.")),
}


@transaction.atomic
def create_pulse(rollout, *, title, kind, closes_on, audience, questions, created_by):
    pulse = Pulse.objects.create(
        rollout=rollout, title=title, kind=kind, closes_on=closes_on, created_by=created_by
    )
    pulse.audience.set(audience)
    if kind == Pulse.Kind.READINESS:
        items = [(text, element) for element, text in READINESS_QUESTIONS.items()]
    else:
        items = [(text, "") for text in questions]
    PulseQuestion.objects.bulk_create(
        [
            PulseQuestion(pulse=pulse, order=i, text=text, element=element)
            for i, (text, element) in enumerate(items, 1)
        ]
    )
    return pulse


def audience(pulse):
    """Memberships of the organization in the pulse's units (everyone when it names none)."""
    members = Membership.objects.filter(organization_id=pulse.rollout.organization_id, user__is_active=True)
    units = list(pulse.audience.values_list("pk", flat=True))
    return members.filter(unit__in=units) if units else members


@transaction.atomic
def open_pulse(pulse):
    """Open a draft pulse and invite its audience; the outbox sends the emails. Returns the number
    invited, or None if the pulse was not a draft any more (someone opened it first)."""
    if (
        Pulse.objects.filter(pk=pulse.pk, status=Pulse.Status.DRAFT).update(
            status=Pulse.Status.OPEN, opened_at=timezone.now()
        )
        != 1
    ):
        return None
    users = list(audience(pulse).values_list("user_id", flat=True))
    PulseInvitation.objects.bulk_create(
        [PulseInvitation(pulse=pulse, user_id=user) for user in users], ignore_conflicts=True, batch_size=1000
    )
    return len(users)


def close_pulse(pulse):
    return (
        Pulse.objects.filter(pk=pulse.pk, status=Pulse.Status.OPEN).update(
            status=Pulse.Status.CLOSED, closed_at=timezone.now()
        )
        == 1
    )


def close_expired(today):
    return Pulse.objects.filter(status=Pulse.Status.OPEN, closes_on__lt=today).update(
        status=Pulse.Status.CLOSED, closed_at=timezone.now()
    )


def record_outcome(pulse: Pulse, text: str) -> bool:
    """Save "what we did about it" on a closed pulse. A changed text is published anew (its time
    moves), so the week's "You said, we did" carries it; the same text again changes nothing.
    Returns whether it changed; a pulse that is not closed is refused (ValueError)."""
    if pulse.status != Pulse.Status.CLOSED:
        raise ValueError("Only a closed pulse says what was done about its answers.")
    text = text.strip()
    if text == pulse.outcome:
        return False
    pulse.outcome = text
    pulse.outcome_written_at = timezone.now() if text else None
    pulse.save(update_fields=["outcome", "outcome_written_at"])
    return True


def token(invitation):
    return signing.dumps([invitation.pk, invitation.nonce.hex], salt=SALT, compress=True)


def link(invitation):
    return settings.SITE_URL + reverse("pulse:answer", args=[token(invitation)])


def invitation_from_token(value):
    """The invitation a link names, or None if the link is bad."""
    try:
        pk, nonce = signing.loads(value, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    invitation = (
        PulseInvitation.objects.select_related("pulse__rollout__organization", "user").filter(pk=pk).first()
    )
    if invitation is None or invitation.nonce.hex != nonce:
        return None
    return invitation


def is_open(pulse, today=None):
    today = today or timezone.localdate()
    return pulse.status == Pulse.Status.OPEN and pulse.closes_on >= today


@transaction.atomic
def answer(invitation, scores, comment=""):
    """Store one anonymous response. False if this invitation was answered already.

    The invitation only learns *that* its person answered; the response keeps the unit and the day,
    never the person, and no timestamp that could pair the two.
    """
    if PulseInvitation.objects.filter(pk=invitation.pk, answered=False).update(answered=True) != 1:
        return False
    pulse = invitation.pulse
    unit = (
        Membership.objects.filter(user_id=invitation.user_id, organization_id=pulse.rollout.organization_id)
        .values_list("unit", flat=True)
        .first()
    )
    response = PulseResponse.objects.create(
        pulse=pulse, unit_id=unit, submitted_on=timezone.localdate(), comment=comment.strip()
    )
    PulseAnswer.objects.bulk_create(
        [
            PulseAnswer(response=response, question_id=question, score=score)
            for question, score in scores.items()
        ]
    )
    return True


def _scores(answers):
    return answers.values("question_id").annotate(
        mean=Avg("score"), n=Count("pk"), low=Count("pk", filter=Q(score__lte=BARRIER_AT))
    )


def low_share(row):
    """The share (whole %) of a question's answers at 3 or less, from a _scores() row."""
    return round(100 * row["low"] / row["n"]) if row["n"] else None


def overall_scores(pulse_ids):
    """{pulse id: {question id: (mean, share at 3 or less)}} of many pulses in one query: the
    figures of the results page's "All responses" table. The caller applies the threshold."""
    found = {}
    rows = (
        PulseAnswer.objects.filter(response__pulse__in=list(pulse_ids))
        .values("response__pulse_id", "question_id")
        .annotate(mean=Avg("score"), n=Count("pk"), low=Count("pk", filter=Q(score__lte=BARRIER_AT)))
        .order_by()
    )
    for row in rows:
        found.setdefault(row["response__pulse_id"], {})[row["question_id"]] = (row["mean"], low_share(row))
    return found


def results(pulse):
    """Everything the results page shows, in a fixed number of queries.

    {"responses", "invited", "threshold", "shown", "questions": [(question, mean, low share)],
     "units": [(name, responses, {question id: mean})], "barrier": (element, label, step, why, url)}
    """
    organization = pulse.rollout.organization
    threshold = organization.privacy_min_group
    questions = list(pulse.questions.all())
    responses = pulse.responses.count()
    invited = pulse.invitations.count()
    data = {
        "responses": responses,
        "invited": invited,
        "threshold": threshold,
        "shown": responses >= threshold,
    }
    if not data["shown"]:
        return data
    answers = PulseAnswer.objects.filter(response__pulse=pulse)
    overall = {row["question_id"]: row for row in _scores(answers)}
    data["questions"] = [
        (
            question,
            overall.get(question.pk, {}).get("mean"),
            low_share(overall[question.pk]) if question.pk in overall else None,
        )
        for question in questions
    ]
    data["units"] = _by_unit(pulse, answers, threshold)
    data["barrier"] = barrier(
        {
            question.element: mean
            for question, mean, _ in data["questions"]
            if question.element and mean is not None
        },
        pulse.rollout,
    )
    comments = pulse.responses.exclude(comment="").values_list("comment", flat=True)
    data["comments"] = list(comments.order_by("?")[:20])
    return data


def _by_unit(pulse, answers, threshold):
    sizes = dict(
        pulse.responses.values("unit_id").annotate(n=Count("pk")).values_list("unit_id", "n").order_by()
    )
    rows = (
        answers.values("response__unit_id", "response__unit__name", "question_id")
        .annotate(total=Count("pk"), points=Avg("score"))
        .order_by("response__unit__name")
    )
    units, other, other_n = {}, {}, 0
    for row in rows:
        unit = row["response__unit_id"]
        if unit is not None and sizes.get(unit, 0) >= threshold:
            units.setdefault((row["response__unit__name"], sizes[unit]), {})[row["question_id"]] = row[
                "points"
            ]
        else:
            bucket = other.setdefault(row["question_id"], [0, 0.0])
            bucket[0] += row["total"]
            bucket[1] += row["points"] * row["total"]
    other_n = sum(n for unit, n in sizes.items() if unit is None or n < threshold)
    shown = [(name, n, means) for (name, n), means in units.items()]
    # "Other" is shown only when it is itself large enough; otherwise its few answers stay in the
    # overall figures alone.
    if other_n >= threshold:
        shown.append((OTHER, other_n, {q: total / n for q, (n, total) in other.items()}))
    return shown


def barrier(means, rollout):
    """The first ADKAR element (in order) whose mean is 3 or less, with the step to work on."""
    for element in ADKAR.values:
        mean = means.get(element)
        if mean is not None and mean <= BARRIER_AT:
            key, why = REMEDIES[element]
            step = registry.get(key)
            return {
                "element": element,
                "label": ADKAR(element).label,
                "mean": mean,
                "step": step.name if step else key.title(),
                "why": why,
                "url": step.url(rollout) if step else "",
            }
    return None


def readiness_over_time(rollout):
    """[(pulse, {element: mean})] for the rollout's readiness pulses with enough responses, oldest
    first: two queries."""
    pulses = list(
        Pulse.objects.filter(rollout=rollout, kind=Pulse.Kind.READINESS)
        .exclude(status=Pulse.Status.DRAFT)
        .annotate(n=Count("responses"))
        .filter(n__gte=rollout.organization.privacy_min_group)
        .order_by("opened_at", "pk")
    )
    means = (
        PulseAnswer.objects.filter(response__pulse__in=pulses)
        .values("response__pulse_id", "question__element")
        .annotate(mean=Avg("score"))
        .order_by()
    )
    table = {}
    for row in means:
        table.setdefault(row["response__pulse_id"], {})[row["question__element"]] = row["mean"]
    return [(pulse, table.get(pulse.pk, {})) for pulse in pulses]
