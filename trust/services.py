"""The writes of the trust step: publish a guideline version, acknowledge it, remind the people
outstanding (through the notifications outbox), save a training module, score a quiz, record an
incident's resolution, take an employee's report (Speak up)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from rollout import webhooks
from rollout.events import emit
from rollout.i18n import email_language
from rollout.models import Notification, Organization, Platform, Rollout, Unit, User

from .models import (
    SPEAK_UP_CONCERNS,
    Acknowledgement,
    Choice,
    Completion,
    Guideline,
    GuidelineVersion,
    Incident,
    Question,
    TrainingModule,
)
from .selectors import outstanding, today_in

REMINDER_KIND = "guideline-reminder"

# A parsed quiz (trust.forms.parse_questions): [(question, [(answer, correct), ...]), ...].
Quiz = Sequence[tuple[str, Sequence[tuple[str, bool]]]]
# The fields of a module and of an incident that `save_module` and `save_incident` take from their values.
MODULE_FIELDS = ("title", "topic", "lesson", "pass_mark", "guideline_version", "active")
INCIDENT_FIELDS = (
    "title",
    "kind",
    "severity",
    "occurred_on",
    "rollout",
    "platform",
    "what_happened",
    "handler",
    "status",
    "resolution",
    "lessons",
)


@transaction.atomic
def publish_version(
    guideline: Guideline, body: str, by: User | None, changes: str = "", material: bool = False
) -> GuidelineVersion:
    """Publish a new version of `guideline`. The first version and a material one set the point
    from which acknowledgements count, so everyone in the audience is asked again."""
    guideline = Guideline.objects.select_for_update().get(pk=guideline.pk)  # one number at a time
    number = (guideline.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = GuidelineVersion.objects.create(
        guideline=guideline,
        number=number,
        body=body,
        changes=changes,
        material=material or number == 1,
        published_at=timezone.now(),
        published_by=by,
    )
    guideline.current = version
    if version.material:
        guideline.acknowledge_from = number
    guideline.save(update_fields=["current", "acknowledge_from"])
    return version


@transaction.atomic
def create_guideline(
    organization: Organization,
    *,
    title: str,
    body: str,
    by: User | None,
    rollout: Rollout | None = None,
    audience_unit: Unit | None = None,
    changes: str = "",
) -> Guideline:
    """A new guideline of `organization` (for one rollout and one unit's people, if given) with its
    first version, `body`, published by `by`."""
    guideline = Guideline(
        organization=organization, title=title, rollout=rollout, audience_unit=audience_unit
    )
    guideline.save()
    publish_version(guideline, body, by, changes=changes or gettext("First version."), material=True)
    guideline.refresh_from_db()
    return guideline


def acknowledge(guideline: Guideline, version: GuidelineVersion, user: User) -> tuple[Acknowledgement, bool]:
    """Record that `user` read `version` (the current one); (acknowledgement, created).

    Acknowledging twice changes nothing and emits nothing the second time.
    """
    try:
        with transaction.atomic():
            ack, created = Acknowledgement.objects.get_or_create(
                version=version, user=user, defaults={"acknowledged_at": timezone.now()}
            )
    except IntegrityError:  # the other click of a double click won
        return Acknowledgement.objects.get(version=version, user=user), False
    if created:
        emit(
            "guideline_acknowledged",
            user=user,
            organization_id=guideline.organization_id,
            source=ack,
            rollout=guideline.rollout,
        )
    return ack, created


def send_reminders(guideline: Guideline, now: datetime | None = None) -> tuple[int, int]:
    """Queue a reminder for everyone outstanding on the current version; (queued, already).

    The key names the version, the person and the organization's local date, so pressing the
    button twice (or two managers pressing it) reminds nobody twice on the same day.
    """
    now = now or timezone.now()
    version = guideline.current
    if version is None:
        raise ValueError(f"{guideline!r} has no published version to remind anyone of.")
    day = today_in(guideline.organization).isoformat()
    prefix = f"{REMINDER_KIND}:{version.pk}:"
    today = Notification.objects.filter(key__startswith=prefix, key__endswith=f":{day}")
    before = today.count()
    rows = [
        Notification(
            organization_id=guideline.organization_id,
            kind=REMINDER_KIND,
            key=f"{prefix}{user_id}:{day}",
            recipient_id=user_id,
            payload={"guideline": guideline.pk, "version": version.pk},
            scheduled_for=now,
            next_attempt_at=now,
        )
        for user_id in outstanding(guideline).values_list("user_id", flat=True).order_by()
    ]
    Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    queued = today.count() - before
    return queued, len(rows) - queued


@transaction.atomic
def save_module(
    organization: Organization,
    values: Mapping[str, Any],
    *,
    questions: Quiz | None = None,
    module: TrainingModule | None = None,
) -> TrainingModule:
    """Save `module` (a new module of `organization` when None) and replace its questions with
    `questions`, the parsed quiz (None keeps the questions it has).

    `values`: the cleaned data of a valid TrainingModuleForm (title, topic, lesson, pass_mark,
    guideline_version, active).
    """
    if module is None:
        module = TrainingModule(organization=organization)
    for name in MODULE_FIELDS:
        if name in values:
            setattr(module, name, values[name])
    module.save()
    if questions is not None:
        module.questions.all().delete()
        for position, (text, choices) in enumerate(questions, start=1):
            question = Question.objects.create(module=module, position=position, text=text)
            Choice.objects.bulk_create(
                Choice(question=question, position=index, text=choice, correct=correct)
                for index, (choice, correct) in enumerate(choices, start=1)
            )
    return module


def score(module: TrainingModule, answers: Mapping[int, int]) -> int:
    """Percentage of the module's questions answered correctly; `answers` maps question id to
    the chosen choice id."""
    correct = set(
        Choice.objects.filter(question__module=module, correct=True).values_list("question_id", "pk")
    )
    total = module.questions.count()
    if not total:
        return 0
    right = sum(1 for question_id, choice_id in answers.items() if (question_id, choice_id) in correct)
    return round(100 * right / total)


def record_attempt(module: TrainingModule, user: User, result: int) -> tuple[Completion, bool]:
    """Keep the best score; the first attempt at or above the pass mark passes the module.

    Returns (completion, passed_now): passed_now is True only on the attempt that first passed,
    which is when `training_passed` is emitted.
    """
    now = timezone.now()
    passed = result >= module.pass_mark
    with transaction.atomic():
        try:
            with transaction.atomic():  # the first attempt creates the row
                completion = Completion.objects.create(
                    module=module,
                    user=user,
                    score=result,
                    last_score=result,
                    passed_at=now if passed else None,
                    last_attempt_at=now,
                )
            passed_now = passed
        except IntegrityError:  # a later attempt (or a simultaneous one): update under a row lock
            completion = Completion.objects.select_for_update().get(module=module, user=user)
            passed_now = passed and completion.passed_at is None
            completion.score = max(completion.score, result)
            completion.last_score = result
            completion.attempts += 1
            completion.last_attempt_at = now
            if passed_now:
                completion.passed_at = now
            completion.save(update_fields=["score", "last_score", "attempts", "last_attempt_at", "passed_at"])
    if passed_now:
        emit("training_passed", user=user, organization_id=module.organization_id, source=completion)
    return completion, passed_now


def save_incident(
    organization: Organization,
    values: Mapping[str, Any],
    by: User | None,
    incident: Incident | None = None,
) -> Incident:
    """Save `incident` (a new incident of `organization` when None) with `values`, the cleaned data
    of a valid IncidentForm; the first save records the reporter (`by`), resolving records when."""
    if incident is None:
        incident = Incident(organization=organization)
    for name in INCIDENT_FIELDS:
        if name in values:
            setattr(incident, name, values[name])
    opened = incident.pk is None
    if opened:
        incident.reported_by = by
    if incident.status == Incident.Status.RESOLVED:
        incident.resolved_at = incident.resolved_at or timezone.now()
    else:
        incident.resolved_at = None
    with transaction.atomic():
        incident.save()
        if opened:
            emit_opened(incident)
    return incident


def report_incident(
    organization: Organization,
    *,
    reporter: User,
    concern: str,
    what_happened: str,
    occurred_on: date,
    rollout: Rollout | None = None,
    platform: Platform | None = None,
    anonymous: bool = False,
) -> Incident:
    """An employee's report from the Speak up page, entered in `organization`'s incident register.

    `concern` is a key of SPEAK_UP_CONCERNS. A named report keeps `reporter` as `reported_by`;
    an anonymous one keeps nothing that points at them: no reporter, no audit entry (the audit
    trail lists sign-ins to the second, so an entry beside them would point at whoever signed in
    just before), and a creation time rounded down to the hour. The admins and managers are told
    by the `incident-reported` producer (trust/notifications.py), at the next full hour for an
    anonymous report, which also sends the `incident.opened` webhook then.
    """
    label, _explanation, kind = SPEAK_UP_CONCERNS[concern]
    for chosen in (rollout, platform):
        if chosen is not None and chosen.organization_id != organization.pk:
            raise ValueError(f"{chosen!r} belongs to another organization.")
    now = timezone.now()
    summary = " ".join(what_happened.split())
    if len(summary) > 80:
        summary = f"{summary[:77].rstrip()}…"
    # The concern in the organization's language, never the reporter's own: an anonymous report
    # must not say which language its sender reads Rollout in.
    with translation.override(email_language(None, organization)):
        title = gettext("%(concern)s: %(summary)s") % {"concern": label, "summary": summary}
    return Incident.objects.create(
        organization=organization,
        source=Incident.Source.EMPLOYEE,
        anonymous=anonymous,
        reported_by=None if anonymous else reporter,
        title=title,
        kind=kind,
        occurred_on=occurred_on,
        what_happened=what_happened.strip(),
        rollout=rollout,
        platform=platform,
        created_at=now.replace(minute=0, second=0, microsecond=0) if anonymous else now,
    )


def emit_opened(incident: Incident) -> None:
    """The `incident.opened` webhook (rollout/webhooks.py). Its title and description stay in
    Rollout: they may name the people involved."""
    webhooks.emit(
        incident.organization_id,
        "incident.opened",
        {
            "incident": {
                "id": incident.pk,
                "kind": incident.kind,
                "severity": incident.severity,
                "status": incident.status,
                "url": webhooks.absolute(reverse("trust_org:incident_edit", args=[incident.pk])),
            },
            "rollout": webhooks.rollout_ref(incident.rollout) if incident.rollout_id else None,
        },
        key=f"incident.opened:{incident.pk}",
    )
