"""Outgoing webhooks (rollout/webhooks.py) against a real HTTP receiver on a local port
(pytest-httpserver): signed bodies, retries with backoff, giving up, each event from the action
that causes it, and one delivery per event however many senders race."""

import hashlib
import hmac
import json
import threading
from datetime import date, timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from werkzeug import Response

from rollout import webhooks
from rollout.models import WebhookDelivery, WebhookEndpoint

from ..conftest import skip_unless_ci

pytestmark = pytest.mark.django_db

SECRET = "whsec_test-secret"


@pytest.fixture
def endpoint(personas, httpserver):
    return WebhookEndpoint.objects.create(
        organization=personas.org,
        url=httpserver.url_for("/hook"),
        events=list(webhooks.EVENTS),
        secret=SECRET,
    )


def emit_review(personas, key="review.completed:1"):
    return webhooks.emit(personas.org.pk, "review.completed", {"review": {"id": 1}}, key=key)


def later(minutes=60 * 24):
    return timezone.now() + timedelta(minutes=minutes)


def test_a_delivery_is_signed_over_its_raw_body(personas, endpoint, httpserver):
    emit_review(personas)
    httpserver.expect_oneshot_request("/hook", method="POST").respond_with_data("ok")
    assert webhooks.deliver_due() == {"delivered": 1}
    [(request, _)] = httpserver.log
    expected = "sha256=" + hmac.new(SECRET.encode(), request.get_data(), hashlib.sha256).hexdigest()
    assert hmac.compare_digest(request.headers["X-Rollout-Signature"], expected)
    delivery = WebhookDelivery.objects.get()
    assert request.headers["X-Rollout-Event"] == "review.completed"
    assert request.headers["X-Rollout-Delivery"] == str(delivery.delivery_id)
    assert abs(int(request.headers["X-Rollout-Timestamp"]) - timezone.now().timestamp()) < 60
    body = json.loads(request.get_data())
    assert body["event"] == "review.completed" and body["data"] == {"review": {"id": 1}}
    assert delivery.status == "delivered" and delivery.last_response_code == 200


def test_the_same_event_is_queued_once_per_endpoint(personas, endpoint):
    emit_review(personas)
    emit_review(personas)
    assert WebhookDelivery.objects.count() == 1


def test_an_endpoint_hears_only_its_events_and_only_while_active(personas, endpoint):
    endpoint.events = ["incident.opened"]
    endpoint.save()
    emit_review(personas)
    endpoint.events, endpoint.active = ["review.completed"], False
    endpoint.save()
    emit_review(personas, key="review.completed:2")
    assert not WebhookDelivery.objects.exists()


def test_a_500_is_retried_with_backoff_until_it_succeeds(personas, endpoint, httpserver):
    emit_review(personas)
    httpserver.expect_ordered_request("/hook").respond_with_data("down", status=500)
    httpserver.expect_ordered_request("/hook").respond_with_data("ok")
    assert webhooks.deliver_due() == {"pending": 1}
    delivery = WebhookDelivery.objects.get()
    assert delivery.last_response_code == 500 and "HTTP 500" in delivery.last_error
    assert delivery.next_attempt_at > timezone.now() + timedelta(seconds=40)
    assert webhooks.deliver_due() == {}  # not due yet
    assert webhooks.deliver_due(now=later()) == {"delivered": 1}
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("delivered", 2, "")


def test_a_429_waits_as_long_as_retry_after_says(personas, endpoint, httpserver):
    emit_review(personas)
    httpserver.expect_oneshot_request("/hook").respond_with_response(
        Response("slow down", status=429, headers={"Retry-After": "900"})
    )
    webhooks.deliver_due()
    delivery = WebhookDelivery.objects.get()
    wait = delivery.next_attempt_at - timezone.now()
    assert delivery.status == "pending" and timedelta(seconds=890) < wait <= timedelta(seconds=900)


def test_a_network_error_is_retried(personas, endpoint, httpserver):
    endpoint.url = "http://127.0.0.1:9/hook"  # the discard port: connection refused
    endpoint.save()
    emit_review(personas)
    assert webhooks.deliver_due() == {"pending": 1}
    assert "ConnectionError" in WebhookDelivery.objects.get().last_error


@pytest.mark.parametrize("code", [404, 410])
def test_a_gone_receiver_is_given_up_at_once_and_the_log_says_so(
    personas, endpoint, httpserver, client_as, code
):
    emit_review(personas)
    httpserver.expect_request("/hook").respond_with_data("gone", status=code)
    assert webhooks.deliver_due() == {"failed": 1}
    assert webhooks.deliver_due(now=later()) == {}
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_response_code) == ("failed", 1, code)
    page = client_as(personas.admin).get(f"/settings/webhooks/{endpoint.pk}/")
    assert "Failed" in page.text and f"HTTP {code}" in page.text and "Send again" in page.text


def test_a_receiver_that_keeps_failing_is_given_up_after_the_last_attempt(personas, endpoint, httpserver):
    emit_review(personas)
    httpserver.expect_request("/hook").respond_with_data("down", status=503)
    for attempt in range(webhooks.MAX_ATTEMPTS):
        webhooks.deliver_due(now=later(60 * 24 * (attempt + 1)))
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_response_code) == (
        "failed",
        webhooks.MAX_ATTEMPTS,
        503,
    )
    assert len(httpserver.log) == webhooks.MAX_ATTEMPTS


def test_send_again_delivers_a_failed_delivery_with_the_same_id(personas, endpoint, httpserver, client_as):
    emit_review(personas)
    httpserver.expect_ordered_request("/hook").respond_with_data("gone", status=410)
    httpserver.expect_ordered_request("/hook").respond_with_data("ok")
    webhooks.deliver_due()
    delivery = WebhookDelivery.objects.get()
    response = client_as(personas.admin).post(f"/settings/webhooks/deliveries/{delivery.pk}/send-again/")
    assert response.status_code == 302
    assert webhooks.deliver_due() == {"delivered": 1}
    ids = {request.headers["X-Rollout-Delivery"] for request, _ in httpserver.log}
    assert ids == {str(delivery.delivery_id)}


def test_an_admin_adds_an_endpoint_and_sees_its_secret_once(personas, client_as):
    client = client_as(personas.admin)
    response = client.post(
        "/settings/webhooks/",
        {
            "url": "https://hooks.example/rollout",
            "events": ["review.completed", "incident.opened"],
            "active": "on",
        },
    )
    endpoint = WebhookEndpoint.objects.get(organization=personas.org)
    assert response.status_code == 302 and endpoint.secret.startswith("whsec_")
    assert endpoint.secret in client.get(response["Location"]).text
    assert endpoint.secret not in client.get(response["Location"]).text  # shown once
    with connection.cursor() as cursor:  # stored encrypted
        cursor.execute("SELECT secret FROM rollout_webhookendpoint WHERE id = %s", [endpoint.pk])
        assert endpoint.secret not in cursor.fetchone()[0]


# Each event from the action that causes it --------------------------------------------------------


def payload(event):
    return WebhookDelivery.objects.get(event=event).payload


def test_completing_a_review_emits_review_completed(personas, endpoint):
    from reviews.services import ReviewChanges, complete_review, create_review

    review = create_review(personas.rollout, date(2026, 2, 2), personas.manager)
    header = {"due_date": review.due_date, "owner": personas.manager, "decisions": "Carry on."}
    complete_review(
        review,
        ReviewChanges(header=header),
        personas.manager,
        date(2026, 2, 2),
        next_due_date=date(2026, 5, 4),
    )
    data = payload("review.completed")["data"]
    assert data["review"]["id"] == review.pk and data["review"]["completed_on"] == "2026-02-02"
    assert data["rollout"] == {
        "id": personas.rollout.pk,
        "name": personas.rollout.name,
        "url": f"http://127.0.0.1:8000/r/{personas.rollout.pk}/",
    }


def test_opening_an_incident_emits_incident_opened_once_and_without_its_text(personas, endpoint):
    from trust.services import save_incident

    values = {
        "title": "Max posted a patient's name",
        "kind": "privacy",
        "severity": "high",
        "status": "open",
        "occurred_on": date(2026, 2, 2),
    }
    incident = save_incident(personas.org, values, personas.manager)
    save_incident(personas.org, {**values, "status": "investigating"}, personas.manager, incident)
    assert WebhookDelivery.objects.filter(event="incident.opened").count() == 1
    data = payload("incident.opened")["data"]
    assert data["incident"]["id"] == incident.pk and data["incident"]["severity"] == "high"
    assert "Max" not in json.dumps(data)


def test_an_import_finishing_emits_import_finished(personas, endpoint, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from rest_framework.test import APIClient

    from config.celery_app import app
    from rollout.api.tokens import create_token

    csv = (
        "person,name,unit,date,period_days,posts,replies,reads,reactions\r\n"
        f"{personas.member.email},Max,Sales,2026-11-20,1,1,2,10,3\r\n"
    )
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Bearer {create_token(personas.manager, personas.org, 't', 'write')[1]}"
    )
    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            upload = SimpleUploadedFile("activity.csv", csv.encode(), content_type="text/csv")
            answer = client.post(
                "/api/v1/activity-imports/",
                {"rollout": personas.rollout.pk, "file": upload},
                format="multipart",
            )
    finally:
        app.conf.task_always_eager = False
    data = payload("import.finished")["data"]
    assert data["import"]["id"] == answer.json()["id"] and data["import"]["status"] == "done"
    assert data["import"]["created"] == 1 and data["rollout"]["id"] == personas.rollout.pk


def test_a_question_past_its_target_is_emitted_once(personas, endpoint):
    from conversations.models import Message, Thread
    from conversations.webhooks import emit_late_questions

    now = timezone.now()
    thread = Thread.objects.create(rollout=personas.rollout, source="manual", external_id="t", started_at=now)

    def question(n, hours_ago):
        return Message.objects.create(
            thread=thread,
            rollout=personas.rollout,
            external_id=f"q{n}",
            author_key="x",
            created_at=now - timedelta(hours=hours_ago),
            text="Where is the guide?",
            is_question=True,
        )

    late, young = question(1, hours_ago=30), question(2, hours_ago=1)  # the default target is 24 h
    assert emit_late_questions() == 1
    assert emit_late_questions() == 0
    data = payload("question.late")["data"]
    assert data["question"]["id"] == late.pk and data["question"]["response_target_hours"] == 24
    assert "Where is the guide" not in json.dumps(data)
    assert not WebhookDelivery.objects.filter(key=f"question.late:{young.pk}").exists()


# Two senders ---------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_senders_deliver_each_event_exactly_once(personas, httpserver):
    if connection.vendor != "postgresql":
        skip_unless_ci("the race needs PostgreSQL's concurrent writers")
    WebhookEndpoint.objects.create(
        organization=personas.org, url=httpserver.url_for("/hook"), events=["review.completed"], secret=SECRET
    )
    for n in range(30):
        emit_review(personas, key=f"review.completed:{n}")
    httpserver.expect_request("/hook").respond_with_data("ok")
    barrier = threading.Barrier(2)

    def sender():
        barrier.wait()
        webhooks.deliver_due()
        connection.close()

    threads = [threading.Thread(target=sender) for _ in range(2)]
    [thread.start() for thread in threads]
    [thread.join() for thread in threads]
    delivered = [request.headers["X-Rollout-Delivery"] for request, _ in httpserver.log]
    assert len(delivered) == len(set(delivered)) == 30
    assert set(WebhookDelivery.objects.values_list("status", "attempts")) == {("delivered", 1)}


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://10.0.0.5/hook",
        "http://169.254.169.254/latest/",
        "http://[::1]/x",
    ],
)
def test_an_endpoint_inside_rollouts_own_network_is_refused(client_as, personas, settings, url):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    response = client_as(personas.admin).post(
        reverse("rollout:webhooks"), {"url": url, "events": ["review.completed"], "active": "on"}
    )
    assert "private or local address" in response.text
    assert not WebhookEndpoint.objects.filter(url=url).exists()


def test_a_delivery_to_an_address_that_turned_private_fails_without_calling_it(
    personas, endpoint, httpserver, settings
):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    emit_review(personas)
    assert webhooks.deliver_due() == {"failed": 1}
    delivery = WebhookDelivery.objects.get()
    assert "private or local address" in delivery.last_error
    assert len(httpserver.log) == 0
