"""Data of organization A in every app, and the hostile text written into every free-text field.

`seed(p)` fills organization A (the personas, tests/conftest.py) with rows in every step app: it
calls every access-matrix row's kwargs function (each makes the object its page shows) and adds
the rows that no row makes (recognitions, questions asked, incidents, review decisions, pulse
comments...). `poison(text_of)` then writes a value into every free-text column of every row at
once, straight through the ORM: what a form, an import or a connector could have stored there.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.apps import apps
from django.db import models, transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from rollout.models import Role

from ..test_access_matrix import MATRIX

# The project's own apps (Django's, allauth's, axes' and Celery's tables hold no text people type).
PROJECT_APPS = {
    "rollout",
    "directory",
    "connections",
    "people",
    "identity",
    "strategy",
    "incentives",
    "trust",
    "champions",
    "engage",
    "conversations",
    "reviews",
}

# Columns that no person writes free text into: identifiers, hashes, secrets, keys that other rows
# or code look up, and machine-made values. Every other CharField/TextField without choices is
# free text and gets the payload. `model label.field` or `*.field` for every model.
NOT_FREE_TEXT = {
    "*.password",
    "*.email",  # validated as an address on every way in
    "*.slug",
    "*.key",
    "*.key_hash",
    "*.token_hash",
    "*.prefix",
    "*.secret",
    "*.salt",
    "*.sha256",
    "*.file_hash",
    "*.stored_path",
    "*.kind",
    "*.event",
    "*.event_key",
    "*.metric_key",
    "*.week",
    "*.external_id",
    "*.parent_external_id",
    "*.cursor_ts",
    "*.delta_link",
    "*.variant",
    "*.source_type",
    "*.target_type",
    "*.target_id",
    "*.history_change_reason",  # django-simple-history's own column, never shown
    "rollout.Heartbeat.name",
    "rollout.Notification.sent_file",
    "connections.Connection.credentials",  # encrypted JSON
    "connections.ConnectionRun.trigger",
    "connections.ConnectionRun.import_ref",
    "identity.IdentityProvider.issuer",  # a URL the sign-in reaches (validated)
    "identity.IdentityProvider.client_id",
    "identity.IdentityProvider.client_secret",
    "identity.IdentityProvider.authorization_origin",
    "strategy.Worksheet.coverage_time_zones",  # a list of zone names parsed by the code
    "strategy.HistoricalWorksheet.coverage_time_zones",
    "directory.ScimPerson.user_name",  # the login, an email address
}

# What an attacker types: a script, and a tag that breaks out of an attribute value.
PAYLOAD = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'
# Found in a page only if the payload was written out unescaped.
RAW = ("<script>alert(1)", "<img src=x onerror")
ESCAPED = "&lt;script&gt;alert(1)"

# At least this much room for the payload and the row's pk, or the column is left alone.
SHORTEST = 34


@dataclass
class Seeded:
    """What `seed` made: the URL kwargs of each matrix row, and the rows whose kwargs failed."""

    kwargs: dict = field(default_factory=dict)
    failed: dict = field(default_factory=dict)


def free_text_fields():
    """{model: [field, ...]}: every free-text column of the project's own tables."""
    found = {}
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS or not model._meta.managed:
            continue
        names = []
        for column in model._meta.concrete_fields:
            if not isinstance(column, (models.CharField, models.TextField)) or column.choices:
                continue
            if isinstance(column, (models.EmailField, models.SlugField)):
                continue
            if {f"*.{column.name}", f"{model._meta.label}.{column.name}"} & NOT_FREE_TEXT:
                continue
            if column.max_length is not None and column.max_length < SHORTEST:
                continue
            names.append(column)
        if names:
            found[model] = names
    return found


def poison(text_of, exclude=None):
    """Write `text_of(column)` followed by the row's pk into every free-text column of every row
    (the pk keeps unique columns unique). `exclude(model)` may return a Q of rows to leave alone."""
    written = 0
    for model, columns in free_text_fields().items():
        values = {}
        for column in columns:
            text = text_of(column)
            if column.max_length is not None:
                text = text[: column.max_length - 10]
            values[column.name] = Concat(Value(text), Cast("pk", CharField()), output_field=column)
        rows = model._base_manager.all()
        if exclude is not None and (q := exclude(model)) is not None:
            rows = rows.exclude(q)
        rows.update(**values)
        written += len(columns)
    return written


def organization_lookup(model, depth=4):
    """The ORM lookup from `model` to its Organization ("organization", "rollout__organization",
    "review__rollout__organization"...), following required foreign keys; None if there is none."""
    from rollout.models import Organization, User

    if model is Organization:
        return "pk"
    if model is User:
        return "memberships__organization"
    paths = [("", model)]
    for _ in range(depth):
        following = []
        for prefix, current in paths:
            for column in current._meta.concrete_fields:
                if not column.is_relation or column.related_model is None:
                    continue
                if column.related_model is Organization:
                    return f"{prefix}{column.name}"
                if column.related_model is not User and not column.null:
                    following.append((f"{prefix}{column.name}__", column.related_model))
        paths = following
    return None


def _savepoint(function, *args):
    with transaction.atomic():
        return function(*args)


def seed(p):
    """Rows of organization A in every app that no matrix row makes (see the module's docstring)."""
    from rollout.models import Rollout

    Rollout.objects.filter(pk__in=[p.rollout.pk, p.other_rollout.pk]).update(status=Rollout.Status.LIVE)
    p.rollout.refresh_from_db()
    p.other_rollout.refresh_from_db()
    _savepoint(_extras, p)


def seed_rows(p):
    """Every matrix row's object at once, as far as they can live together (each row's kwargs
    function runs in a savepoint; those that clash with an earlier one are reported, not made)."""
    seeded = Seeded()
    for name, row in sorted(MATRIX.items()):
        if row.kwargs is None:
            continue
        try:
            seeded.kwargs[name] = _savepoint(row.kwargs, p)
        except Exception as error:  # noqa: BLE001 - a clash with an earlier row: reported in `failed`
            seeded.failed[name] = repr(error)
    return seeded


def _extras(p):
    """The rows no matrix row makes: what people write in each app."""
    from champions.models import Champion, SupportSession
    from conversations.models import Pulse, PulseQuestion, PulseResponse, Thread
    from engage.models import ActivityRecord, ImportBatch, ImportProblem
    from incentives.models import PointsEntry, Season
    from reviews.models import Action, Finding, KpiResult, PlatformAssessment, Review
    from rollout.directory.models import ScimPerson
    from rollout.models import ApiToken, AuditEvent, Membership, WebhookEndpoint
    from strategy.models import (
        Audience,
        AwarenessChannel,
        Objective,
        Stakeholder,
        SuccessMetric,
        TimeAllowance,
        Worksheet,
    )  # fmt: skip
    from trust.models import Incident

    from ..engage_conversations.factories import MessageFactory, QuestionFactory, ThreadFactory
    from ..factories import MembershipFactory
    from ..incentives.factories import BadgeAwardFactory, BadgeFactory, PointsClaimFactory, RecognitionFactory
    from ..trust.factories import BoundaryFactory, GuidelineFactory, IncidentFactory, TrainingModuleFactory

    now = timezone.now()
    rollout, org = p.rollout, p.org
    # Strategy: the worksheet and its parts.
    worksheet, _ = Worksheet.objects.get_or_create(rollout=rollout)
    Worksheet.objects.filter(pk=worksheet.pk).update(
        purpose_notes="notes", coverage_notes="notes", moderation_notes="notes", review_comment="comment"
    )
    Objective.objects.create(worksheet=worksheet, title="Objective", description="Description")
    Stakeholder.objects.create(worksheet=worksheet, name="Works council", need="To be told")
    audience = Audience.objects.create(worksheet=worksheet, name="Nurses", unit=p.unit, people="All", size=40)
    AwarenessChannel.objects.create(worksheet=worksheet, audience=audience, channel="email", notes="Notes")
    TimeAllowance.objects.create(worksheet=worksheet, audience="Nurses", hours_per_week=1)
    SuccessMetric.objects.create(
        worksheet=worksheet, metric_key="participation_rate", audience=audience, baseline=5, target=60,
        custom_name="Custom", source="Source",
    )  # fmt: skip
    # Incentives.
    Season.objects.create(rollout=rollout, name="Spring")
    RecognitionFactory(rollout=rollout, giver=p.manager, recipient=p.member)
    PointsEntry.objects.create(rollout=rollout, person=p.member, points=5, reason="Helped a colleague")
    PointsClaimFactory(rollout=rollout, person=p.member)
    BadgeAwardFactory(level=BadgeFactory(rollout=rollout).levels.get(), person=p.member)
    # Trust.
    GuidelineFactory(organization=org, title="Guideline")
    TrainingModuleFactory(organization=org, title="Module")
    BoundaryFactory(organization=org, platform=p.platform)
    IncidentFactory(organization=org, rollout=rollout, platform=p.platform)
    IncidentFactory(organization=org, source=Incident.Source.EMPLOYEE, reported_by=p.member)
    # Champions: an active champion (a colleague: the matrix's rows make the persona one) with office
    # hours and a session.
    colleague = MembershipFactory(
        organization=org, role=Role.CHAMPION, unit=p.unit, user__full_name="Colleague"
    )
    champion = Champion.objects.create(
        rollout=rollout, user=colleague.user, status=Champion.Status.ACTIVE, office_hours="Tuesdays",
        motivation="I like it",
    )  # fmt: skip
    champion.units.add(p.unit)
    SupportSession.objects.create(rollout=rollout, champion=champion, minutes=15, other_topic="Other")
    # Engage: an activity export imported as the upload page and the worker do, naming people.
    from ..engage import files
    from ..engage.conftest import import_now, upload

    rows = [files.viva_row(user.email, "Person", 3, 10, 2) for user in (p.member, p.champion, p.manager)]
    import_now(upload(rollout, files.viva_file(rows), p.manager), p.manager)
    # An import with problems, questions asked and answered, pulses.
    batch = ImportBatch.objects.create(
        rollout=rollout, file_name="export.csv", stored_path="imports/x.csv", file_hash="1" * 64,
        status=ImportBatch.Status.INVALID, message="Problems",
    )  # fmt: skip
    ImportProblem.objects.create(
        batch=batch, row=2, column="Posted Count", value="abc", message="Not a number"
    )
    for user in (p.member, p.champion):
        ActivityRecord.objects.create(
            rollout=rollout, source="viva_engage", person_key=user.email, display_name="Person",
            unit=p.unit, period_start=date.today() - timedelta(days=30), period_end=date.today(),
            posts=3, replies=1, reads=10, reactions=2, last_activity=date.today(),
        )  # fmt: skip
    thread = ThreadFactory(rollout=rollout, source=Thread.Source.ASKED)
    QuestionFactory(thread=thread, rollout=rollout, author=p.member, unit=p.unit, author_name="Asker")
    answered = QuestionFactory(
        thread=thread, rollout=rollout, author=p.member, unit=p.unit, answered_by=p.champion,
        first_response_at=now, answered_at=now, answer_text="The answer", answer_url="https://x.example/a",
    )  # fmt: skip
    MessageFactory(thread=answered.thread, rollout=rollout, text="A reply")
    pulse = Pulse.objects.create(
        rollout=rollout, title="Pulse", closes_on=date.today() + timedelta(days=7), outcome="We did it"
    )
    PulseQuestion.objects.create(pulse=pulse, order=1, text="How ready are you?")
    PulseResponse.objects.create(pulse=pulse, unit=p.unit, submitted_on=date.today(), comment="Comment")
    # Reviews: a completed review with its decisions, findings, KPIs, platforms and actions.
    review = Review.objects.create(
        rollout=rollout, number=7, due_date=date.today() - timedelta(days=3), status=Review.Status.COMPLETED,
        completed_on=date.today() - timedelta(days=2), decisions="Decisions", shared_summary="Summary",
        shared_said="You said", shared_at=now, share_decisions=True,
    )  # fmt: skip
    Finding.objects.create(review=review, step="engage", working="Working", not_working="Not working")
    KpiResult.objects.create(
        review=review, metric_id=1, metric_key="active_rate", name="KPI", baseline=1, target=2, note="Note"
    )
    PlatformAssessment.objects.create(review=review, platform=p.platform, status="keep", notes="Notes")
    Action.objects.create(rollout=rollout, raised_in=review, title="Action", owner=p.manager, shared=True)
    # The centre: audit, API token, webhook, SCIM person.
    AuditEvent.objects.create(organization=org, actor=p.admin, action="login", summary="Summary")
    ApiToken.objects.create(user=p.admin, organization=org, name="Token", prefix="rk_x", key_hash="0" * 64)
    WebhookEndpoint.objects.create(
        organization=org, url="https://hooks.example/x", description="Hook", secret="s"
    )
    membership = Membership.objects.get(organization=org, user=p.member)
    ScimPerson.objects.create(membership=membership, user_name=p.member.email, display_name="Member")
    Membership.objects.filter(organization=org, role=Role.MEMBER).update(external_id="E1")
