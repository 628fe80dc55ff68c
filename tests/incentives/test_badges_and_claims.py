"""Badges (levels, rules, meta-badges, manual awards) and points claims (approval, bursts)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from incentives import services
from incentives.models import BadgeAward, BadgeClass, PointsClaim, PointsEntry
from incentives.selectors import balance

from .factories import BadgeFactory, PointsClaimFactory, PointsEntryFactory, PointsRuleFactory

pytestmark = pytest.mark.django_db


def levels_of(person):
    return sorted(BadgeAward.objects.filter(person=person).values_list("badge__name", "level__rank"))


@pytest.fixture
def helper_badge(personas):
    rule = PointsRuleFactory(rollout=personas.rollout, event="support_session_logged", daily_cap=50)
    return BadgeFactory(
        rollout=personas.rollout,
        name="Helper",
        criterion=BadgeClass.Criterion.EVENTS,
        rule=rule,
        levels=[(1, 1), (2, 3), (3, 5)],
    )


def test_event_badges_award_each_level_once_as_the_count_grows(personas, helper_badge, event_of, deliver):
    for n in range(1, 6):
        deliver(event_of("support_session_logged", personas.champion))
        if n == 1:
            assert levels_of(personas.champion) == [("Helper", 1)]
    assert levels_of(personas.champion) == [("Helper", 1), ("Helper", 2), ("Helper", 3)]
    # Evaluating again (a redelivered task) awards nothing new.
    assert services.evaluate_badges(personas.rollout, personas.champion.pk) == []
    assert BadgeAward.objects.count() == 3


def test_points_badges_count_the_balance(personas):
    BadgeFactory(rollout=personas.rollout, name="Century", criterion="points", levels=[(0, 100)])
    PointsEntryFactory(rollout=personas.rollout, person=personas.member, points=60)
    assert services.evaluate_badges(personas.rollout, personas.member.pk) == []
    PointsEntryFactory(rollout=personas.rollout, person=personas.member, points=40)
    [award] = services.evaluate_badges(personas.rollout, personas.member.pk)
    assert award.level.badge.name == "Century"


def test_a_meta_badge_is_earned_when_every_badge_of_the_set_is_held(personas):
    parts = [BadgeFactory(rollout=personas.rollout, name=name) for name in ("Thanker", "Answerer", "Trainer")]
    meta = BadgeFactory(rollout=personas.rollout, name="All-rounder", criterion="meta")
    meta.requires.set(parts)
    for badge in parts[:2]:
        services.award_manually(badge.levels.get(), personas.member, personas.manager, evidence="Seen it")
    assert ("All-rounder", 0) not in levels_of(personas.member)
    services.award_manually(parts[2].levels.get(), personas.member, personas.manager, evidence="Seen it")
    assert ("All-rounder", 0) in levels_of(personas.member)
    assert BadgeAward.objects.get(badge=meta).source == "meta"


def test_a_manager_awards_a_badge_with_evidence_and_a_second_award_is_refused(client_as, personas):
    badge = BadgeFactory(rollout=personas.rollout, name="Storyteller")
    url = reverse("incentives:award", args=[personas.rollout.pk, badge.pk])
    data = {
        "person": personas.member.pk,
        "level": badge.levels.get().pk,
        "evidence_url": "intranet.example/story",
        "evidence": "Wrote the ward's first success story.",
    }
    client = client_as(personas.manager)
    assert client.post(url, data).status_code == 302
    award = BadgeAward.objects.get()
    assert (award.awarded_by, award.evidence_url) == (personas.manager, "https://intranet.example/story")
    response = client.post(url, data)
    assert response.status_code == 200
    assert "already holds" in str(response.context["form"].non_field_errors())
    assert BadgeAward.objects.count() == 1


def test_a_badge_is_created_with_levels_and_a_generated_image(client_as, personas):
    rule = PointsRuleFactory(rollout=personas.rollout)
    url = reverse("incentives:badge_create", args=[personas.rollout.pk])
    data = {
        "name": "Helper",
        "description": "Helps colleagues",
        "criteria": "Log support sessions",
        "color": "#198754",
        "criterion": "events",
        "rule": rule.pk,
        "bronze": "1",
        "silver": "10",
        "gold": "25",
    }
    assert client_as(personas.manager).post(url, data).status_code == 302
    badge = BadgeClass.objects.get()
    assert list(badge.levels.values_list("rank", "threshold")) == [(1, 1), (2, 10), (3, 25)]
    image = client_as(personas.manager).get(
        reverse("openbadges:image", args=[badge.levels.first().public_id])
    )
    assert image["Content-Type"] == "image/svg+xml"
    assert b"<svg" in image.content and b"#198754" in image.content


def test_badge_levels_must_grow_and_an_earned_badge_needs_a_number(client_as, personas):
    url = reverse("incentives:badge_create", args=[personas.rollout.pk])
    base = {"name": "Helper", "description": "d", "criteria": "c", "color": "#198754", "criterion": "points"}
    response = client_as(personas.manager).post(url, {**base, "bronze": "10", "silver": "5"})
    assert "more than the one below" in str(response.context["form"].errors["gold"])
    response = client_as(personas.manager).post(url, base)
    assert "at least one level" in str(response.context["form"].errors["bronze"])
    response = client_as(personas.manager).post(url, {**base, "criterion": "events", "bronze": "1"})
    assert "points rule" in str(response.context["form"].errors["rule"])
    assert not BadgeClass.objects.exists()


def test_an_uploaded_badge_image_is_served_by_the_public_image_url(client, personas, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), "orange").save(buffer, "PNG")
    badge = BadgeFactory(rollout=personas.rollout)
    badge.image = SimpleUploadedFile("badge.png", buffer.getvalue(), content_type="image/png")
    badge.save()
    response = client.get(reverse("openbadges:image", args=[badge.levels.get().public_id]))
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == buffer.getvalue()


def test_a_member_claims_points_and_a_manager_approves_them_once(client_as, personas, queued):
    url = reverse("incentives:claim", args=[personas.rollout.pk])
    data = {
        "reason": "Ran a lunch-and-learn",
        "points": "20",
        "evidence_url": "",
        "evidence": "Slides on the intranet",
    }
    assert client_as(personas.member).post(url, data).status_code == 302
    claim = PointsClaim.objects.get()
    assert (claim.status, claim.person) == ("pending", personas.member)
    assert balance(personas.rollout, personas.member) == 0
    decide = reverse("incentives:decide", args=[personas.rollout.pk, claim.pk])
    client = client_as(personas.manager)
    client.post(decide, {"decision": "approve"})
    client.post(decide, {"decision": "approve"})  # a double click pays once
    assert balance(personas.rollout, personas.member) == 20
    assert PointsEntry.objects.get().claim == claim
    assert PointsClaim.objects.get().status == "approved"


def test_a_rejected_claim_pays_nothing(personas):
    claim = PointsClaimFactory(rollout=personas.rollout, person=personas.member)
    assert services.decide_claim(claim, False, personas.manager)
    assert not services.decide_claim(claim, True, personas.manager)
    assert not PointsEntry.objects.exists()


def test_a_manager_cannot_approve_their_own_claim(client_as, personas):
    claim = PointsClaimFactory(rollout=personas.rollout, person=personas.manager)
    url = reverse("incentives:decide", args=[personas.rollout.pk, claim.pk])
    assert client_as(personas.manager).post(url, {"decision": "approve"}).status_code == 403
    assert not PointsEntry.objects.exists()


def test_a_claim_with_too_many_points_re_renders_with_the_error(client_as, personas):
    url = reverse("incentives:claim", args=[personas.rollout.pk])
    response = client_as(personas.member).post(url, {"reason": "Everything", "points": "5000"})
    assert response.status_code == 200
    assert "points" in response.context["form"].errors
    assert not PointsClaim.objects.exists()


def test_a_burst_of_claims_is_flagged_for_the_approver(client_as, personas):
    client = client_as(personas.member)
    url = reverse("incentives:claim", args=[personas.rollout.pk])
    for n in range(5):
        client.post(url, {"reason": f"Thing {n}", "points": "5"})
    assert (
        list(PointsClaim.objects.order_by("pk").values_list("burst", flat=True)) == [False] * 3 + [True] * 2
    )
    page = client_as(personas.manager).get(reverse("incentives:claims", args=[personas.rollout.pk]))
    assert "check for gaming" in page.content.decode()


def test_save_badge_takes_plain_values_and_keeps_levels_people_hold(personas, helper_badge):
    rule = helper_badge.rule
    bronze = helper_badge.levels.get(rank=1)
    services.award_manually(bronze, personas.member, personas.manager, evidence="Seen it")
    values = {
        "name": "Helper",
        "description": "Helps people",
        "criteria": "Log sessions",
        "color": "#123456",
        "criterion": BadgeClass.Criterion.EVENTS,
        "rule": rule,
        "requires": [],
        "image": None,
        "bronze": 2,  # the form's level fields: ignored, the levels come apart
    }
    badge = services.save_badge(personas.rollout, values, {1: 2, 2: 4}, badge=helper_badge)
    assert badge.pk == helper_badge.pk and badge.color == "#123456" and badge.rule == rule
    # Gold goes (nobody holds it); bronze stays, with its new threshold.
    assert list(badge.levels.values_list("rank", "threshold")) == [(1, 2), (2, 4)]
    new = services.save_badge(
        personas.rollout,
        {"name": "Newcomer", "description": "Welcome", "criteria": "Join", "criterion": "manual"},
        {0: None},
    )
    assert (new.rollout, new.criterion, new.color) == (personas.rollout, "manual", "#0d6efd")
    assert list(new.levels.values_list("rank", "threshold")) == [(0, None)]


def test_submit_claim_takes_plain_values(personas):
    claim = services.submit_claim(
        personas.rollout, personas.member, reason="Ran a lunch-and-learn", points=20, evidence="Slides"
    )
    claim.refresh_from_db()
    assert (claim.rollout, claim.person, claim.points, claim.reason, claim.evidence, claim.burst) == (
        personas.rollout,
        personas.member,
        20,
        "Ran a lunch-and-learn",
        "Slides",
        False,
    )
    assert claim.status == PointsClaim.Status.PENDING
