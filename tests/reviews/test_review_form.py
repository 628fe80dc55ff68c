from datetime import date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from reviews.forms import ReviewSheet
from reviews.models import Action, Finding, KpiResult, PlatformAssessment, Review
from reviews.selectors import kpi_table
from reviews.services import ReviewError, complete_review, create_review
from reviews.views import review_changes
from rollout.models import Platform

from ..factories import RolloutFactory
from .helpers import by_name, detail_url, edit_url, form_data

pytestmark = pytest.mark.django_db

REVIEW_DAY = timezone.make_aware(datetime(2026, 2, 2, 10, 0))


@pytest.fixture(autouse=True)
def review_day():
    with time_machine.travel(REVIEW_DAY, tick=False):
        yield


def open_form(client, review):
    response = client.get(edit_url(review))
    assert response.status_code == 200
    return response.context["sheet"]


def good_data(sheet, **changes):
    findings = by_name(sheet, "findings", "step", "champion")
    teams = by_name(sheet, "landscape", "platform__name", "Teams")
    new_action = len(sheet.actions.forms) - 1
    return form_data(
        sheet,
        **{
            "kpis-1-actual": "14",
            "kpis-2-actual": "13",
            "kpis-2-note": "Counted by Internal Communications",
            f"findings-{findings}-working": "Night shift champions answer within the hour.",
            f"findings-{findings}-not_working": "Finance has no champion.",
            "decisions": "Recruit a champion in Finance before the next review.",
            f"actions-{new_action}-title": "Recruit a Finance champion",
            f"actions-{new_action}-owner": str(sheet.review.owner_id),
            f"actions-{new_action}-due_date": "2026-02-20",
            f"actions-{new_action}-status": "open",
            f"landscape-{teams}-status": "declining",
            f"landscape-{teams}-decision": "merge",
            f"landscape-{teams}-notes": "Channels move to Viva Engage communities.",
            **changes,
        },
    )


def test_the_review_form_opens_with_the_kpis_prefilled(client_as, personas, review):
    sheet = open_form(client_as(personas.manager), review)
    rows = sheet.kpi_rows
    assert [row.name for row in rows] == [
        "Champion support sessions",
        "Participation rate",
        "All-staff emails per month",
    ]
    sessions, participation, emails = rows
    # Computed from the champion step's data (no session yet), shown and not editable.
    assert sessions.computed and sessions.actual == 0 and sessions.form.fields["actual"].disabled
    # Hand-entered: empty until someone types it.
    assert not participation.computed and participation.actual is None
    # 28 of 360 days along the path from 10 to 60.
    assert participation.expected == Decimal("13.89")
    assert not emails.higher and emails.expected == Decimal("13.38")
    assert [form.instance.step for form in sheet.findings.forms] == [
        "strategize",
        "incentivize",
        "trust",
        "champion",
        "engage",
        "review",
    ]
    # Every platform in use or considered; the retired one is not assessed again.
    assert [form.instance.platform.name for form in sheet.landscape.forms] == ["Teams", "Viva Engage"]


def test_a_manager_saves_kpis_findings_an_action_and_a_platform_decision(client_as, personas, review):
    client = client_as(personas.manager)
    sheet = open_form(client, review)
    response = client.post(edit_url(review), good_data(sheet, save="1"))
    assert response.status_code == 302 and response["Location"] == edit_url(review)

    results = {result.name: result for result in KpiResult.objects.filter(review=review)}
    assert results["Participation rate"].actual == 14 and results["Participation rate"].status == "on_track"
    assert results["All-staff emails per month"].status == "on_track"
    assert results["All-staff emails per month"].note == "Counted by Internal Communications"
    assert (
        results["Champion support sessions"].computed
        and results["Champion support sessions"].status == "at_risk"  # 0 vs 7.78, within 10
    )
    finding = Finding.objects.get(review=review, step="champion")
    assert finding.not_working == "Finance has no champion."
    action = Action.objects.get()
    assert (action.rollout, action.raised_in, action.owner) == (personas.rollout, review, personas.manager)
    teams = PlatformAssessment.objects.get(review=review, platform__name="Teams")
    assert (teams.status, teams.decision) == ("declining", "merge")
    # Saving does not change the platform itself; completing does.
    assert Platform.objects.get(name="Teams").status == "in_use"
    review.refresh_from_db()
    assert review.is_open and review.decisions.startswith("Recruit")


def test_bad_input_re_renders_with_errors_and_saves_nothing(client_as, personas, review):
    client = client_as(personas.manager)
    sheet = open_form(client, review)
    new_action = len(sheet.actions.forms) - 1
    data = good_data(
        sheet,
        **{
            "kpis-1-actual": "fourteen",
            f"actions-{new_action}-due_date": "someday",
            "platforms-0-name": "Teams",  # already in this review's landscape
        },
    )
    response = client.post(edit_url(review), data)
    assert response.status_code == 400
    sheet = response.context["sheet"]
    assert "Enter a number." in sheet.kpis.forms[1].errors["actual"]
    assert "Enter a valid date." in sheet.actions.forms[new_action].errors["due_date"]
    assert "already in this review's landscape" in sheet.new_platforms.forms[0].errors["name"][0]
    assert "Nothing was saved" in response.text
    assert not KpiResult.objects.exists()
    assert not Action.objects.exists()
    assert Finding.objects.get(review=review, step="champion").not_working == ""
    assert PlatformAssessment.objects.get(review=review, platform__name="Teams").decision == "evaluate"
    review.refresh_from_db()
    assert review.decisions == ""


def test_completing_freezes_the_review_updates_platforms_and_schedules_the_next(client_as, personas, review):
    client = client_as(personas.manager)
    sheet = open_form(client, review)
    assert sheet.complete.initial["next_due_date"] == date(2026, 3, 2)  # monthly, from the due date
    data = good_data(sheet, complete="1", **{"platforms-0-name": "Slack", "platforms-0-kind": "chat"})
    response = client.post(edit_url(review), data)
    assert response.status_code == 302 and response["Location"] == detail_url(review)

    review.refresh_from_db()
    assert review.status == "completed" and review.completed_on == date(2026, 2, 2)
    assert review.completed_by == personas.manager
    following = Review.objects.get(rollout=personas.rollout, status="open")
    assert (following.number, following.due_date, following.owner) == (2, date(2026, 3, 2), personas.manager)
    # The landscape's statuses become the platforms' status; new platforms join the organization.
    assert Platform.objects.get(name="Teams").status == "declining"
    slack = Platform.objects.get(organization=personas.org, name="Slack")
    assert slack.status == "emerging" and slack.kind == "chat"
    # The next review starts from this one's decisions, and includes the new platform.
    carried = {a.platform.name: a for a in following.assessments.select_related("platform")}
    assert set(carried) == {"Slack", "Teams", "Viva Engage"}
    assert (carried["Teams"].status, carried["Teams"].decision) == ("declining", "merge")
    assert following.findings.count() == 6


def test_open_actions_carry_over_until_done(client_as, personas, review):
    client = client_as(personas.manager)
    client.post(edit_url(review), good_data(open_form(client, review), complete="1"))
    action = Action.objects.get()
    following = Review.objects.get(status="open")

    sheet = open_form(client, following)
    index = by_name(sheet, "actions", "pk", action.pk)
    assert sheet.actions.forms[index].carried_over
    assert "From review 1" in client.get(edit_url(following)).text

    response = client.post(
        edit_url(following), form_data(sheet, save="1", **{f"actions-{index}-status": "done"})
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == "done" and action.closed_in == following
    # Done: it shows in the review that closed it, and no longer in later ones.
    following.status = "completed"
    following.save()
    third = create_review(personas.rollout, date(2026, 4, 6), personas.manager)
    assert action.pk not in [form.instance.pk for form in open_form(client, third).actions.forms]


def test_an_action_from_an_earlier_review_cannot_be_removed(client_as, personas, review):
    action = Action.objects.create(rollout=personas.rollout, raised_in=review, title="Old action")
    review.status = "completed"
    review.save()
    following = create_review(personas.rollout, date(2026, 3, 2), personas.manager)
    client = client_as(personas.manager)
    sheet = open_form(client, following)
    index = by_name(sheet, "actions", "pk", action.pk)
    response = client.post(edit_url(following), form_data(sheet, **{f"actions-{index}-DELETE": "on"}))
    assert response.status_code == 400
    assert "set the status to Dropped" in response.text
    assert Action.objects.filter(pk=action.pk).exists()


def test_completing_needs_every_hand_entered_actual_or_a_note(client_as, personas, review):
    client = client_as(personas.manager)
    sheet = open_form(client, review)
    data = good_data(sheet, complete="1", **{"kpis-1-actual": "", "kpis-2-note": "", "kpis-2-actual": ""})
    data["kpis-1-note"] = "Not measured this month: the export failed."
    response = client.post(edit_url(review), data)
    assert response.status_code == 400
    errors = response.context["sheet"].kpis.forms[2].errors["actual"]
    assert errors == ["Enter the actual, or say in the note why there is none."]
    assert not response.context["sheet"].kpis.forms[1].errors
    review.refresh_from_db()
    assert review.is_open and Review.objects.count() == 1 and not KpiResult.objects.exists()


def test_the_next_review_must_come_after_today(client_as, personas, review):
    client = client_as(personas.manager)
    data = good_data(open_form(client, review), complete="1", **{"next-next_due_date": "2026-02-02"})
    response = client.post(edit_url(review), data)
    assert response.status_code == 400
    assert "must come after today" in response.text
    assert Review.objects.count() == 1


def test_a_review_completed_meanwhile_is_not_completed_twice(client_as, personas, review, rf):
    client = client_as(personas.manager)
    sheet = open_form(client, review)
    data = good_data(sheet, complete="1", decisions="Second attempt")
    request = rf.post("/", data)
    from rollout.access import Scope

    scope = Scope(personas.manager, personas.org.memberships.get(user=personas.manager))
    rows = kpi_table(review, personas.rollout, date(2026, 2, 2), None)
    bound = ReviewSheet(review, personas.rollout, scope, rows, date(2026, 2, 2), request.POST)
    assert bound.is_valid(completing=True)
    Review.objects.filter(pk=review.pk).update(status="completed")  # another manager was faster
    following = bound.complete.cleaned_data
    with pytest.raises(ReviewError):
        complete_review(
            review,
            review_changes(bound),
            personas.manager,
            date(2026, 2, 2),
            next_due_date=following["next_due_date"],
            next_owner=following["next_owner"],
        )
    review.refresh_from_db()
    assert review.decisions == "" and Review.objects.count() == 1 and not Action.objects.exists()


def test_a_completed_review_is_read_only(client_as, personas, review):
    review.status = "completed"
    review.save()
    client = client_as(personas.manager)
    response = client.get(edit_url(review))
    assert response.status_code == 302 and response["Location"] == detail_url(review)
    assert client.post(edit_url(review), {"decisions": "x"}).status_code == 302
    review.refresh_from_db()
    assert review.decisions == ""


def test_another_rollouts_review_is_not_found(client_as, personas, review):
    other = create_review(personas.other_rollout, date(2026, 2, 2), None)
    sibling = RolloutFactory(organization=personas.org)
    client = client_as(personas.manager)
    # Another organization's review under our rollout, and our review under another rollout.
    assert (
        client.get(
            edit_url(other).replace(f"/r/{other.rollout_id}/", f"/r/{personas.rollout.pk}/")
        ).status_code
        == 404
    )
    assert (
        client.get(edit_url(review).replace(f"/r/{personas.rollout.pk}/", f"/r/{sibling.pk}/")).status_code
        == 404
    )


def test_a_leader_reads_the_review_but_cannot_edit_it(client_as, personas, review):
    client = client_as(personas.leader)
    response = client.get(detail_url(review))
    assert response.status_code == 200 and "Participation rate" in response.text
    assert edit_url(review) not in response.text
    assert client.post(edit_url(review), {}).status_code == 403


def test_the_detail_compares_with_the_previous_review(client_as, personas, review):
    client = client_as(personas.manager)
    client.post(edit_url(review), good_data(open_form(client, review), complete="1"))
    following = Review.objects.get(status="open")
    with time_machine.travel(timezone.make_aware(datetime(2026, 3, 2, 10, 0)), tick=False):
        client = client_as(personas.manager)
        sheet = open_form(client, following)
        participation = sheet.kpi_rows[1]
        assert participation.previous.actual == 14
        client.post(edit_url(following), form_data(sheet, save="1", **{"kpis-1-actual": "20"}))
        response = client.get(detail_url(following))
    assert response.context["kpi_rows"][1].change == 6
    assert "Finance has no champion." in response.text  # the champion finding of review 1
    assert "At review 1" in response.text
