"""The REST API: tokens, roles and scoping, writes, errors, throttling, caching headers."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from rollout.api.tokens import create_token, revoke
from rollout.models import ApiToken, Rollout

from .factories import PlatformFactory

pytestmark = pytest.mark.django_db


def client_with(token_text):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_text}")
    return client


@pytest.fixture
def token_of(personas):
    def make(user, scope="read", organization=None, **kwargs):
        return create_token(user, organization or personas.org, "test", scope, **kwargs)[1]

    return make


def test_a_token_reads_its_organizations_rollouts_only(personas, token_of):
    response = client_with(token_of(personas.leader)).get("/api/v1/rollouts/")
    assert response.status_code == 200
    assert [row["name"] for row in response.json()["results"]] == ["Engage for all"]
    assert (
        client_with(token_of(personas.leader))
        .get(f"/api/v1/rollouts/{personas.other_rollout.pk}/")
        .status_code
        == 404
    )


def test_the_token_is_stored_hashed_and_shown_once(personas, client_as):
    response = client_as(personas.manager).post(
        reverse("rollout:api_tokens"), {"name": "Nightly import", "scope": "write"}
    )
    shown = response.context["shown"]
    assert shown.startswith("rlt_")
    token = ApiToken.objects.get(name="Nightly import")
    assert shown.split("_", 2)[2] not in (token.key_hash, token.prefix)
    assert shown not in client_as(personas.manager).get(reverse("rollout:api_tokens")).text
    assert client_with(shown).get("/api/v1/rollouts/").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_revoked_expired_and_wrong_tokens_are_refused_with_one_error_shape(personas, token_of):
    text = token_of(personas.manager)
    revoke(ApiToken.objects.get())
    response = client_with(text).get("/api/v1/rollouts/")
    assert response.status_code == 401
    assert response.json()["error"]["message"].startswith("This token is not valid")
    expired = token_of(personas.manager, expires_at=timezone.now() + timedelta(days=1))
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        assert client_with(expired).get("/api/v1/rollouts/").status_code == 401
    assert client_with(expired[:-2] + "xx").get("/api/v1/rollouts/").status_code == 401
    assert APIClient().get("/api/v1/rollouts/").status_code == 401


def test_a_token_of_someone_who_left_stops_working(personas, token_of):
    text = token_of(personas.leader)
    personas.org.memberships.filter(user=personas.leader).delete()
    assert client_with(text).get("/api/v1/rollouts/").status_code == 401


def test_a_read_token_cannot_write_and_a_write_token_can(personas, token_of):
    payload = {"name": "Slack for sales", "platform": personas.platform.pk, "status": "planning"}
    response = client_with(token_of(personas.manager, "read")).post(
        "/api/v1/rollouts/", payload, format="json"
    )
    assert response.status_code == 403 and "read-only" in response.json()["error"]["message"]
    response = client_with(token_of(personas.manager, "write")).post(
        "/api/v1/rollouts/", payload, format="json"
    )
    assert response.status_code == 201, response.json()
    assert Rollout.objects.get(name="Slack for sales").organization == personas.org


def test_roles_apply_to_tokens_as_to_pages(personas, token_of):
    payload = {"name": "Leader's rollout", "platform": personas.platform.pk}
    response = client_with(token_of(personas.leader, "write")).post(
        "/api/v1/rollouts/", payload, format="json"
    )
    assert response.status_code == 403
    assert client_with(token_of(personas.member)).get("/api/v1/rollouts/").status_code == 403
    assert client_with(token_of(personas.manager)).get("/api/v1/notifications/").status_code == 403
    assert client_with(token_of(personas.admin)).get("/api/v1/notifications/").status_code == 200


def test_bad_input_gets_field_errors_in_one_shape_and_saves_nothing(personas, token_of):
    foreign = PlatformFactory(organization=personas.other_org)
    client = client_with(token_of(personas.manager, "write"))
    response = client.post(
        "/api/v1/rollouts/",
        {
            "name": "engage for ALL",
            "platform": foreign.pk,
            "start_date": "2027-02-01",
            "target_date": "2027-01-01",
        },
        format="json",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["status"] == 400 and set(error["fields"]) >= {"name", "platform"}
    assert "already has a rollout" in error["fields"]["name"][0]
    assert Rollout.objects.filter(organization=personas.org).count() == 1


def test_lists_filter_order_and_paginate(personas, token_of):
    Rollout.objects.create(
        organization=personas.org, name="Aardvark", platform=personas.platform, status="pilot"
    )
    client = client_with(token_of(personas.leader))
    assert [r["name"] for r in client.get("/api/v1/rollouts/?status=pilot").json()["results"]] == ["Aardvark"]
    names = [r["name"] for r in client.get("/api/v1/rollouts/?ordering=-name").json()["results"]]
    assert names == ["Engage for all", "Aardvark"]
    assert set(client.get("/api/v1/rollouts/").json()) == {"count", "next", "previous", "results"}


def test_health_per_rollout_and_step(personas, token_of):
    body = (
        client_with(token_of(personas.leader)).get(f"/api/v1/rollouts/{personas.rollout.pk}/health/").json()
    )
    assert [step["step"] for step in body["steps"]][:2] == ["strategize", "incentivize"]
    assert body["steps"][0]["status"] == "not_started"


def test_a_champion_logs_a_session_once_and_sees_only_their_own(personas, token_of):
    from champions.models import Champion, Skill, SupportSession

    Champion.objects.create(rollout=personas.rollout, user=personas.champion, status="active")
    skill = Skill.objects.create(organization=personas.org, name="Mobile set-up")
    client = client_with(token_of(personas.champion, "write"))
    payload = {
        "rollout": personas.rollout.pk,
        "minutes": 15,
        "people_helped": 2,
        "topics": [skill.pk],
        "channel": "chat",
        "outcome": "resolved",
        "happened_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        "token": "5b3c2a8e-1f4d-4c1e-9a7b-0c6d5e4f3a21",
    }
    first = client.post("/api/v1/support-sessions/", payload, format="json")
    assert first.status_code == 201, first.json()
    again = client.post("/api/v1/support-sessions/", payload, format="json")
    assert again.json()["id"] == first.json()["id"]
    assert SupportSession.objects.count() == 1
    bad = client.post(
        "/api/v1/support-sessions/",
        {**payload, "minutes": 0, "token": "6b3c2a8e-1f4d-4c1e-9a7b-0c6d5e4f3a21"},
        format="json",
    )
    assert bad.status_code == 400 and "minutes" in bad.json()["error"]["fields"]
    # The leader is no champion: refused.
    leader = client_with(token_of(personas.leader, "write")).post(
        "/api/v1/support-sessions/", payload, format="json"
    )
    assert leader.status_code == 403


def test_tokens_are_rate_limited(personas, token_of, settings):
    from rest_framework.settings import api_settings

    from rollout.api.throttling import TokenRateThrottle

    TokenRateThrottle.THROTTLE_RATES = {**api_settings.DEFAULT_THROTTLE_RATES, "token": "3/minute"}
    try:
        client = client_with(token_of(personas.leader))
        codes = [client.get("/api/v1/rollouts/").status_code for _ in range(4)]
    finally:
        TokenRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    assert codes == [200, 200, 200, 429]


def test_an_unchanged_answer_is_a_304_with_its_etag(personas, token_of):
    client = client_with(token_of(personas.leader))
    first = client.get("/api/v1/rollouts/")
    assert first.has_header("ETag")
    again = client.get("/api/v1/rollouts/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


def test_the_schema_and_its_docs_are_served_from_static(client_as, personas):
    client = client_as(personas.member)
    assert client.get("/api/v1/schema/").status_code == 200
    docs = client.get("/api/v1/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in docs and "cdn" not in docs.lower()


def test_a_champion_marks_a_question_answered_once(personas, token_of):
    from conversations.models import Message, Thread

    thread = Thread.objects.create(
        rollout=personas.rollout, source="manual", external_id="t", started_at=timezone.now()
    )
    question = Message.objects.create(
        thread=thread,
        rollout=personas.rollout,
        external_id="q",
        author_key="x",
        created_at=timezone.now(),
        text="Where is the guide?",
        is_question=True,
    )
    client = client_with(token_of(personas.champion, "write"))
    assert [q["id"] for q in client.get("/api/v1/questions/?open=true").json()["results"]] == [question.pk]
    bad = client.post(f"/api/v1/questions/{question.pk}/answered/", {"url": "not a link"}, format="json")
    assert bad.status_code == 400 and "url" in bad.json()["error"]["fields"]
    done = client.post(
        f"/api/v1/questions/{question.pk}/answered/", {"url": "https://chat.example/a"}, format="json"
    )
    assert done.status_code == 200 and done.json()["answer_url"] == "https://chat.example/a"
    again = client.post(
        f"/api/v1/questions/{question.pk}/answered/", {"url": "https://chat.example/b"}, format="json"
    )
    assert again.status_code == 409
    assert client.get("/api/v1/questions/?open=true").json()["results"] == []


def _upload(client, rollout, text, name="activity.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")
    return client.post(
        "/api/v1/activity-imports/", {"rollout": rollout.pk, "file": upload}, format="multipart"
    )


def test_activity_ingestion_uses_the_same_importer_all_or_nothing_and_idempotent(
    personas, token_of, django_capture_on_commit_callbacks
):
    from config.celery_app import app
    from engage.models import ActivityRecord

    good = (
        "person,name,unit,date,period_days,posts,replies,reads,reactions\r\n"
        f"{personas.member.email},Max,Sales,2026-11-20,1,1,2,10,3\r\n"
        f"{personas.leader.email},Lee,Sales,2026-11-20,1,0,1,4,0\r\n"
    )
    client = client_with(token_of(personas.manager, "write"))
    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            first = _upload(client, personas.rollout, good)
        assert first.status_code == 202, first.json()
        body = client.get(first.json()["status_url"]).json()
        assert body["status"] == "done" and body["created_count"] == 2
        with django_capture_on_commit_callbacks(execute=True):
            again = _upload(client, personas.rollout, good, name="same-again.csv")
    finally:
        app.conf.task_always_eager = False
    assert "Already imported" in again.json()["message"]
    assert ActivityRecord.objects.filter(rollout=personas.rollout).count() == 2

    bad = good.replace(",0,1,4,0", ",abc,1,4,0")
    refused = _upload(client, personas.rollout, bad, name="bad.csv")
    problem = refused.json()["problems"][0]
    assert refused.json()["status"] == "invalid" and problem["row"] == 3 and problem["column"] == "posts"
    assert ActivityRecord.objects.filter(rollout=personas.rollout).count() == 2  # nothing more


def test_activity_ingestion_needs_a_manager_and_a_rollout_of_the_organization(personas, token_of):
    leader = _upload(client_with(token_of(personas.leader, "write")), personas.rollout, "person\r\n")
    assert leader.status_code == 403
    foreign = _upload(client_with(token_of(personas.manager, "write")), personas.other_rollout, "person\r\n")
    assert foreign.status_code == 400 and "rollout" in foreign.json()["error"]["fields"]
