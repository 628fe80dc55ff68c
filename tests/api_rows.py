"""Access-matrix rows of the API (/api/v1/), beside the web rows."""

from datetime import date

from rollout.models import Notification, Role

from .access import ADMINS, API_ANONYMOUS, EDITORS, PERSONAS, ROLES, STAFF, Row, api

WORKERS = EDITORS | {Role.CHAMPION}


def _worksheet(p):
    from strategy.models import Worksheet

    return Worksheet.objects.get_or_create(rollout=p.rollout)[0]


def metric(p):
    from strategy.models import SuccessMetric

    return {
        "pk": SuccessMetric.objects.create(
            worksheet=_worksheet(p), metric_key="active_users", baseline=1, target=9
        ).pk
    }


def _champion(p):
    from champions.models import Champion

    return Champion.objects.get_or_create(rollout=p.rollout, user=p.champion, defaults={"status": "active"})[
        0
    ]


def champion(p):
    return {"pk": _champion(p).pk}


def session(p):
    from champions.models import SupportSession

    return {"pk": SupportSession.objects.create(rollout=p.rollout, champion=_champion(p), minutes=10).pk}


def _review(p):
    from reviews.models import Review

    return Review.objects.get_or_create(
        rollout=p.rollout, number=1, defaults={"due_date": date(2027, 1, 4), "owner": p.manager}
    )[0]


def review(p):
    return {"pk": _review(p).pk}


def kpi(p):
    from reviews.models import KpiResult

    result = KpiResult.objects.create(
        review=_review(p), metric_id=1, metric_key="custom", name="Emails", baseline=1, target=2
    )
    return {"pk": result.pk}


def notification(p):
    from django.utils import timezone

    now = timezone.now()
    row = Notification.objects.create(
        organization=p.org,
        kind="digest",
        key="api-row",
        recipient=p.member,
        scheduled_for=now,
        next_attempt_at=now,
    )
    return {"pk": row.pk}


def question(p):
    from django.utils import timezone

    from conversations.models import Message, Thread

    thread = Thread.objects.create(
        rollout=p.rollout, source="manual", external_id="t1", started_at=timezone.now()
    )
    message = Message.objects.create(
        thread=thread,
        rollout=p.rollout,
        external_id="m1",
        author_key="a",
        created_at=timezone.now(),
        text="How do I join?",
        is_question=True,
    )
    return {"pk": message.pk}


def activity_import(p):
    from engage.models import ImportBatch

    batch = ImportBatch.objects.create(
        rollout=p.rollout, file_name="a.csv", stored_path="", file_hash="h" * 64, status="invalid"
    )
    return {"pk": batch.pk}


def rollout(p):
    return {"pk": p.rollout.pk}


SIGNED_IN = Row({**dict.fromkeys([*ROLES, "outsider"], 200), "anonymous": API_ANONYMOUS})

ROWS = {
    "api:rollout-list": api(STAFF),
    "api:rollout-detail": api(STAFF, rollout),
    "api:rollout-health": api(STAFF, rollout),
    "api:health-list": api(STAFF),
    "api:notification-list": api(ADMINS),
    "api:notification-detail": api(ADMINS, notification),
    "api:success-metric-list": api(STAFF),
    "api:success-metric-detail": api(STAFF, metric),
    "api:champion-list": api(STAFF),
    "api:champion-detail": api(STAFF, champion),
    # A champion reads their own sessions; this one is the demo champion's own.
    "api:support-session-list": api(STAFF),
    "api:support-session-detail": api(STAFF, session),
    "api:review-list": api(STAFF),
    "api:review-detail": api(STAFF, review),
    "api:kpi-result-list": api(STAFF),
    "api:kpi-result-detail": api(STAFF, kpi),
    "api:question-list": api(STAFF),
    "api:question-detail": api(STAFF, question),
    "api:question-answered": api(
        WORKERS, question, ok=200, method="post", data=lambda p: {"url": "https://chat.example/answer/1"}
    ),
    "api:engage-figures-detail": api(STAFF, lambda p: {"pk": p.rollout.pk}),
    "api:activity-import-list": api(STAFF),
    "api:activity-import-detail": api(STAFF, activity_import),
    "api:activity-import-confirm": api(EDITORS, activity_import, ok=202, method="post"),
    "api:schema": SIGNED_IN,
    "api:docs": SIGNED_IN,
    "api:redoc": SIGNED_IN,
    # Any other path under /api/v1/: a 404 in the error shape, whoever asks.
    "api:not-found": Row(dict.fromkeys(PERSONAS, 404), lambda p: {"path": "rollouts/not-a-number/"}),
}

assert set(PERSONAS) == set(SIGNED_IN.expect)
assert Role.MEMBER in ROLES
