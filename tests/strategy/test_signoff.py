from datetime import date

import pytest
from django.urls import reverse

from strategy.models import Audience, Objective, SuccessMetric, Worksheet

from ..factories import RolloutFactory

pytestmark = pytest.mark.django_db


def post(client, name, rollout, data=None):
    return client.post(reverse(name, args=[rollout.pk]), data or {}, follow=True)


def test_a_worksheet_without_the_minimum_cannot_be_submitted(client_as, personas):
    Worksheet.objects.create(rollout=personas.rollout)
    response = post(client_as(personas.manager), "strategy:submit", personas.rollout)
    assert "Add at least one objective" in response.text
    assert "Add at least one success metric" in response.text
    assert Worksheet.objects.get().status == "draft"


def test_submit_then_the_owner_approves_and_it_becomes_read_only(client_as, personas, worksheet):
    manager = client_as(personas.manager)
    post(manager, "strategy:submit", personas.rollout)
    worksheet.refresh_from_db()
    assert (worksheet.status, worksheet.submitted_by) == ("submitted", personas.manager)
    post(manager, "strategy:approve", personas.rollout)  # the manager owns this rollout
    worksheet.refresh_from_db()
    assert (worksheet.status, worksheet.approved_by) == ("approved", personas.manager)
    response = manager.post(
        reverse("strategy:section", args=[personas.rollout.pk, "purpose"]),
        {"main_purpose": "other"},
        follow=True,
    )
    assert "reopen it to make changes" in response.text
    worksheet.refresh_from_db()
    assert worksheet.main_purpose == "knowledge_sharing"


def test_only_the_owner_or_an_admin_approves(client_as, personas, worksheet):
    personas.rollout.owner = personas.admin
    personas.rollout.save()
    manager = client_as(personas.manager)
    post(manager, "strategy:submit", personas.rollout)
    assert manager.post(reverse("strategy:approve", args=[personas.rollout.pk])).status_code == 403
    post(client_as(personas.admin), "strategy:approve", personas.rollout)
    assert Worksheet.objects.get().status == "approved"


def test_sending_back_needs_a_comment_and_shows_it(client_as, personas, worksheet):
    client = client_as(personas.manager)
    post(client, "strategy:submit", personas.rollout)
    response = post(client, "strategy:send_back", personas.rollout, {"comment": ""})
    assert "Say what needs another look" in response.text
    assert Worksheet.objects.get().status == "submitted"
    response = post(client, "strategy:send_back", personas.rollout, {"comment": "Add the works council."})
    assert Worksheet.objects.get().status == "draft"
    assert "Add the works council." in response.text


def test_reopening_an_approved_worksheet_allows_edits_again(client_as, personas, worksheet):
    client = client_as(personas.manager)
    post(client, "strategy:submit", personas.rollout)
    post(client, "strategy:approve", personas.rollout)
    post(client, "strategy:reopen", personas.rollout)
    worksheet.refresh_from_db()
    assert worksheet.status == "draft" and worksheet.approved_by is None


def test_approving_twice_is_refused_plainly(client_as, personas, worksheet):
    client = client_as(personas.manager)
    post(client, "strategy:submit", personas.rollout)
    post(client, "strategy:approve", personas.rollout)
    response = post(client, "strategy:approve", personas.rollout)
    assert "changed in the meantime" in response.text


def test_the_history_shows_who_changed_what(client_as, personas, worksheet):
    client = client_as(personas.manager)
    data = {
        "main_purpose": "project_collaboration",
        "purpose_notes": "",
        "objectives-TOTAL_FORMS": "1",
        "objectives-INITIAL_FORMS": "1",
        "objectives-0-id": worksheet.objectives.get().pk,
        "objectives-0-title": "Answers in an hour",
        "allowances-TOTAL_FORMS": "0",
        "allowances-INITIAL_FORMS": "0",
    }
    assert (
        client.post(reverse("strategy:section", args=[personas.rollout.pk, "purpose"]), data).status_code
        == 302
    )
    response = client_as(personas.leader).get(reverse("strategy:history", args=[personas.rollout.pk]))
    entries = response.context["entries"]
    by_what = {(e.what, e.kind): e for e in entries}
    objective = by_what[("Objective", "changed")]
    assert objective.who == personas.manager
    assert ("title", "Answers in a day", "Answers in an hour") in objective.fields
    assert ("main purpose", "Knowledge sharing", "Project collaboration") in by_what[
        ("Worksheet", "changed")
    ].fields


def test_copying_another_worksheet_as_a_template(client_as, personas, worksheet):
    new = RolloutFactory(organization=personas.org, name="Teams pilot", start_date=date(2027, 3, 1))
    response = post(client_as(personas.manager), "strategy:copy", new, {"source": personas.rollout.pk})
    assert "Copied from Engage for all" in response.text
    copy = Worksheet.objects.get(rollout=new)
    assert copy.status == "draft" and copy.main_purpose == "knowledge_sharing"
    assert list(Objective.objects.filter(worksheet=copy).values_list("title", flat=True)) == [
        "Answers in a day"
    ]
    metric = SuccessMetric.objects.get(worksheet=copy)
    assert metric.target_date is None  # dates belong to the other rollout's timeline
    assert metric.audience == Audience.objects.get(worksheet=copy)
    assert Objective.objects.filter(worksheet=worksheet).count() == 1  # the source is untouched


def test_another_organizations_worksheet_cannot_be_copied(client_as, personas):
    foreign = Worksheet.objects.create(rollout=personas.other_rollout)
    Objective.objects.create(worksheet=foreign, title="Secret plan")
    response = post(
        client_as(personas.manager), "strategy:copy", personas.rollout, {"source": personas.other_rollout.pk}
    )
    assert "Choose a rollout of this organization" in response.text
    assert not Objective.objects.filter(title="Secret plan").exclude(worksheet=foreign).exists()


def test_the_print_view_is_one_document(client_as, personas, worksheet):
    response = client_as(personas.champion).get(reverse("strategy:print", args=[personas.rollout.pk]))
    text = response.text
    for heading in [
        "1. Purpose and objectives",
        "2. Stakeholders",
        "3. Audiences",
        "4. Ownership",
        "5. Operating model",
        "6. Evaluation",
    ]:
        assert heading in text
    assert "Participation rate" in text and "data-print" in text


def test_selectors_give_other_apps_the_metrics_and_cadence(personas, worksheet):
    from strategy.selectors import review_cadence, success_metrics

    worksheet.review_cadence = "weeks"
    worksheet.review_every_weeks = 6
    worksheet.save()
    [metric] = success_metrics(personas.rollout)
    assert (metric.metric_key, metric.audience, metric.audience_size, metric.target) == (
        "participation_rate",
        "Sales team",
        60,
        50,
    )
    cadence = review_cadence(personas.rollout)
    assert (cadence.cadence, cadence.every_weeks) == ("weeks", 6)


def test_the_overview_shows_strategy_health_and_its_next_action(client_as, personas, worksheet):
    response = client_as(personas.leader).get(reverse("rollout:overview", args=[personas.rollout.pk]))
    assert "Worksheet" in response.text and "% complete" in response.text
    assert "Say how much time people are expected to spend on it" in response.text
    assert reverse("strategy:worksheet", args=[personas.rollout.pk]) in response.text


def test_the_metric_catalogue_is_fed_by_the_step_apps():
    from rollout.metrics import catalogue

    keys = {metric.key for metric in catalogue.all()}
    assert {
        "active_users",
        "participation_rate",
        "dialogue_ratio",
        "time_to_first_response",
        "answered_within_target",
        "guideline_acknowledgement",
        "training_completion",
    } <= keys
    assert catalogue.choices()[-1][0] == "custom"


def test_a_section_saved_from_a_page_opened_before_approval_changes_nothing(client_as, personas, worksheet):
    """The page was opened while in draft; meanwhile the owner approved. Saving must not undo it."""
    client = client_as(personas.manager)
    post(client, "strategy:submit", personas.rollout)
    post(client, "strategy:approve", personas.rollout)
    data = {
        "main_purpose": "other",
        "purpose_notes": "Sneaky",
        "objectives-TOTAL_FORMS": "0",
        "objectives-INITIAL_FORMS": "0",
        "allowances-TOTAL_FORMS": "0",
        "allowances-INITIAL_FORMS": "0",
    }
    client.post(reverse("strategy:section", args=[personas.rollout.pk, "purpose"]), data)
    worksheet.refresh_from_db()
    assert (worksheet.status, worksheet.main_purpose, worksheet.approved_by) == (
        "approved",
        "knowledge_sharing",
        personas.manager,
    )


def test_saving_a_section_does_not_touch_the_sign_off_fields(personas, worksheet):
    """Only the section's own fields are written, so a stale copy cannot overwrite the status."""
    from rollout.access import Scope
    from strategy import services
    from strategy.forms import PurposeForm

    stale = Worksheet.objects.get(pk=worksheet.pk)
    Worksheet.objects.filter(pk=worksheet.pk).update(review_comment="Look at the budget")
    scope = Scope(personas.manager, personas.org.memberships.get(user=personas.manager))
    form = PurposeForm(
        {"main_purpose": "project_collaboration", "purpose_notes": ""},
        instance=stale,
        rollout=personas.rollout,
        scope=scope,
    )
    assert form.is_valid()
    services.save_section(stale, form.cleaned_data, [])
    worksheet.refresh_from_db()
    assert (worksheet.main_purpose, worksheet.review_comment) == (
        "project_collaboration",
        "Look at the budget",
    )


def test_copying_twice_does_not_duplicate_rows(client_as, personas, worksheet):
    new = RolloutFactory(organization=personas.org, name="Teams pilot")
    client = client_as(personas.manager)
    post(client, "strategy:copy", new, {"source": personas.rollout.pk})
    response = post(client, "strategy:copy", new, {"source": personas.rollout.pk})
    assert "can only be copied into an empty one" in response.text
    assert Objective.objects.filter(worksheet__rollout=new).count() == 1


def test_a_manager_who_does_not_own_the_rollout_cannot_send_back_or_reopen(client_as, personas, worksheet):
    personas.rollout.owner = personas.admin
    personas.rollout.save()
    client = client_as(personas.manager)
    post(client, "strategy:submit", personas.rollout)
    assert (
        client.post(reverse("strategy:send_back", args=[personas.rollout.pk]), {"comment": "x"}).status_code
        == 403
    )
    assert client.post(reverse("strategy:reopen", args=[personas.rollout.pk])).status_code == 403
    assert Worksheet.objects.get().status == "submitted"
