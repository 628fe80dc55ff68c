"""Guidelines: versions, acknowledgement, material changes, rates per unit with the privacy threshold."""

import pytest
from django.urls import reverse

from rollout.events import activity
from trust.models import Acknowledgement, Guideline
from trust.selectors import guideline_figures, has_acknowledged, outstanding, unit_table
from trust.services import acknowledge, publish_version

from ..factories import MembershipFactory
from .factories import GuidelineFactory

pytestmark = pytest.mark.django_db


def test_a_material_change_asks_everyone_to_acknowledge_again(personas, guideline):
    acknowledge(guideline, guideline.current, personas.member)
    assert has_acknowledged(guideline, personas.member)

    publish_version(guideline, "# Be kind\n\nThink twice.", personas.manager, changes="Typo", material=False)
    guideline.refresh_from_db()
    assert guideline.current.number == 2
    assert has_acknowledged(guideline, personas.member), "a minor change keeps the acknowledgement"

    publish_version(
        guideline, "# New rule\n\nNo patient data.", personas.manager, changes="Rule", material=True
    )
    guideline.refresh_from_db()
    assert (guideline.current.number, guideline.acknowledge_from) == (3, 3)
    assert not has_acknowledged(guideline, personas.member)
    assert personas.member in [m.user for m in outstanding(guideline)]

    acknowledge(guideline, guideline.current, personas.member)
    assert has_acknowledged(guideline, personas.member)
    assert Acknowledgement.objects.filter(user=personas.member).count() == 2  # the history is kept


def test_the_member_is_asked_again_after_a_material_change(client_as, personas, guideline):
    client = client_as(personas.member)
    mine = reverse("trust_org:mine")
    assert "Please read and acknowledge" in client.get(mine).content.decode()
    url = reverse("trust_org:my_guideline", args=[guideline.pk])
    response = client.post(url, {"version": guideline.current_id, "confirm": "on"})
    assert response.status_code == 302
    assert "Please read and acknowledge" not in client.get(mine).content.decode()

    publish_version(guideline, "# New\n\nChanged.", personas.manager, changes="New rule", material=True)
    page = client.get(mine).content.decode()
    assert "Please read and acknowledge" in page and "changed since you acknowledged version 1" in page


def test_acknowledging_records_who_which_version_and_when_and_emits_once(
    personas, guideline, django_capture_on_commit_callbacks
):
    events = []
    activity.connect(receiver := lambda sender, event, **kw: events.append(event))
    try:
        with django_capture_on_commit_callbacks(execute=True):
            ack, created = acknowledge(guideline, guideline.current, personas.member)
            again, created_again = acknowledge(guideline, guideline.current, personas.member)
    finally:
        activity.disconnect(receiver)
    assert created and not created_again and again == ack
    assert (ack.user, ack.version.number, ack.acknowledged_at is not None) == (personas.member, 1, True)
    assert [(e.name, e.user_id, e.source_id) for e in events] == [
        ("guideline_acknowledged", personas.member.pk, ack.pk)
    ]


def test_an_acknowledgement_of_a_superseded_version_is_refused_with_a_plain_message(
    client_as, personas, guideline
):
    old = guideline.current_id
    publish_version(guideline, "# New\n\nChanged.", personas.manager, changes="New rule", material=True)
    response = client_as(personas.member).post(
        reverse("trust_org:my_guideline", args=[guideline.pk]), {"version": old, "confirm": "on"}
    )
    assert response.status_code == 200
    assert "A new version was published while you were reading" in response.content.decode()
    assert not Acknowledgement.objects.exists()


def test_acknowledging_without_ticking_the_box_shows_a_field_error(client_as, personas, guideline):
    response = client_as(personas.member).post(
        reverse("trust_org:my_guideline", args=[guideline.pk]), {"version": guideline.current_id}
    )
    assert response.status_code == 200
    assert "Tick the box" in response.content.decode()
    assert not Acknowledgement.objects.exists()


def test_a_guideline_with_a_script_renders_inert(client_as, personas):
    body = '# Hello\n\n<script>alert("x")</script>\n\n[click](javascript:alert(1)) <img src=x onerror="alert(1)">\n\n[site](https://example.com)'
    guideline = GuidelineFactory(organization=personas.org, body=body)
    for client, url in (
        (client_as(personas.member), reverse("trust_org:my_guideline", args=[guideline.pk])),
        (client_as(personas.manager), reverse("trust_org:guideline", args=[guideline.pk])),
    ):
        page = client.get(url).content.decode()
        assert "<h1>Hello</h1>" in page
        assert 'alert("x")' not in page and "<script>alert" not in page
        assert "javascript:" not in page and "onerror" not in page
        assert '<a href="https://example.com" rel="noopener noreferrer">site</a>' in page


def test_the_rate_per_unit_merges_groups_below_the_privacy_threshold_into_other(
    personas, guideline, grow_unit
):
    nursing = grow_unit("Nursing", 6)
    pharmacy = grow_unit("Pharmacy", 3)  # below the threshold of 5
    for user in nursing[:3] + pharmacy[:1]:
        acknowledge(guideline, guideline.current, user)
    rows, other, total = unit_table(guideline)
    assert [(r["name"], r["total"], r["acknowledged"], r["rate"]) for r in rows] == [
        ("Nursing", 6, 3, 50),
        ("Sales", 5, 0, 0),  # the five personas
    ]
    assert (other["total"], other["acknowledged"], other["hidden"]) == (3, 1, True)
    assert (total["total"], total["acknowledged"], total["rate"]) == (14, 4, 29)


def test_without_the_threshold_biting_every_unit_has_its_own_row(personas, guideline, grow_unit):
    personas.org.privacy_min_group = 2
    personas.org.save()
    guideline.refresh_from_db()
    grow_unit("Nursing", 6)
    pharmacy = grow_unit("Pharmacy", 3)
    acknowledge(guideline, guideline.current, pharmacy[0])
    rows, other, _ = unit_table(guideline)
    assert [(r["name"], r["total"], r["rate"]) for r in rows] == [
        ("Nursing", 6, 0),
        ("Pharmacy", 3, 33),
        ("Sales", 5, 0),
    ]
    assert other is None


def test_the_manager_page_hides_a_small_merged_group(client_as, personas, guideline, grow_unit):
    grow_unit("Nursing", 6)
    grow_unit("Pharmacy", 3)
    page = (
        client_as(personas.manager).get(reverse("trust_org:guideline", args=[guideline.pk])).content.decode()
    )
    assert "Nursing" in page and "Pharmacy" not in page.split("Outstanding")[0]
    assert "Too few people to show" in page


def test_a_guideline_for_one_unit_counts_that_unit_and_its_sub_units_only(personas, grow_unit):
    nursing = grow_unit("Nursing", 5)
    guideline = GuidelineFactory(organization=personas.org, audience_unit=nursing[0].memberships.get().unit)
    acknowledge(guideline, guideline.current, nursing[0])
    acknowledge(guideline, guideline.current, personas.member)  # not in the audience: does not count
    figures = guideline_figures([guideline])[guideline.pk]
    assert figures == {"audience": 5, "acknowledged": 1, "rate": 20}
    assert personas.member not in [m.user for m in outstanding(guideline)]


def test_people_who_left_are_not_counted(personas, guideline):
    leaver = MembershipFactory(organization=personas.org, unit=personas.unit)
    acknowledge(guideline, guideline.current, leaver.user)
    assert guideline_figures([guideline])[guideline.pk]["acknowledged"] == 1
    leaver.delete()
    assert guideline_figures([guideline])[guideline.pk] == {"audience": 5, "acknowledged": 0, "rate": 0}


def test_a_member_cannot_open_a_guideline_of_another_unit(client_as, personas, grow_unit):
    nursing = grow_unit("Nursing", 5)
    guideline = GuidelineFactory(organization=personas.org, audience_unit=nursing[0].memberships.get().unit)
    url = reverse("trust_org:my_guideline", args=[guideline.pk])
    assert client_as(personas.member).get(url).status_code == 404
    assert client_as(nursing[0]).get(url).status_code == 200


def test_the_manager_publishes_a_new_guideline_and_a_material_version(client_as, personas):
    client = client_as(personas.manager)
    response = client.post(
        reverse("trust_org:guideline_create"), {"title": "Social media", "body": "# Rules\n\nBe kind."}
    )
    guideline = Guideline.objects.get(title="Social media")
    assert response.status_code == 302 and guideline.current.number == 1 and guideline.acknowledge_from == 1
    response = client.post(
        reverse("trust_org:publish", args=[guideline.pk]),
        {"body": "# Rules\n\nBe kind. No patient data.", "changes": "Patient data", "material": "on"},
    )
    guideline.refresh_from_db()
    assert response.status_code == 302
    assert (guideline.current.number, guideline.acknowledge_from, guideline.current.published_by) == (
        2,
        2,
        personas.manager,
    )


def test_bad_input_re_renders_with_field_errors_and_saves_nothing(client_as, personas, guideline):
    client = client_as(personas.manager)
    response = client.post(reverse("trust_org:guideline_create"), {"title": guideline.title, "body": ""})
    assert response.status_code == 200
    assert "already has one called" in response.content.decode()
    assert Guideline.objects.count() == 1
    response = client.post(
        reverse("trust_org:publish", args=[guideline.pk]),
        {"body": guideline.current.body, "changes": "Nothing"},
    )
    assert "The text is the same as the current version" in response.content.decode()
    assert guideline.versions.count() == 1


def test_another_organizations_guideline_is_not_found(client_as, personas):
    theirs = GuidelineFactory(organization=personas.other_org)
    assert (
        client_as(personas.manager).get(reverse("trust_org:guideline", args=[theirs.pk])).status_code == 404
    )
    assert (
        client_as(personas.member).get(reverse("trust_org:my_guideline", args=[theirs.pk])).status_code == 404
    )
