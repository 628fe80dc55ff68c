"""The trust step's part of the employee's page: the panels, the person's records and the
guideline changes shared as "You said, we did"."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.template.loader import render_to_string
from django.urls import reverse

from rollout.steps import registry
from trust.services import acknowledge, create_guideline, publish_version

from ..factories import MembershipFactory, RolloutFactory, UnitFactory
from .factories import CompletionFactory, GuidelineFactory, IncidentFactory, TrainingModuleFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 4, 9, tzinfo=UTC)


@pytest.fixture
def step():
    return registry.get("trust")


def membership_of(personas, role="member"):
    return personas.org.memberships.select_related("unit").get(user=personas.users[role])


def render_panel(panel):
    return render_to_string(panel.template, {"panel": panel})


# Panels -----------------------------------------------------------------------------------------


def test_the_guidelines_panel_counts_what_is_left_to_acknowledge_and_pass(step, personas, guideline):
    GuidelineFactory(organization=personas.org, title="Photos")
    other_unit = UnitFactory(organization=personas.org, name="Finance")
    GuidelineFactory(organization=personas.org, title="Finance only", audience_unit=other_unit)
    acknowledge(guideline, guideline.current, personas.member)
    modules = [TrainingModuleFactory(organization=personas.org) for _ in range(3)]
    TrainingModuleFactory(organization=personas.org, active=False)
    CompletionFactory(module=modules[0], user=personas.member)
    CompletionFactory(module=modules[1], user=personas.member, score=20, passed_at=None)
    CompletionFactory(module=modules[2], user=personas.admin)

    panels = {panel.key: panel for panel in step.member_panels(membership_of(personas))}
    context = panels["trust-guidelines"].context
    assert (context["guidelines"], context["to_acknowledge"], context["modules"], context["to_pass"]) == (
        2,
        1,
        3,
        2,
    )
    html = render_panel(panels["trust-guidelines"])
    assert "1 guideline to read and acknowledge" in html and "2 of 3 training modules to pass" in html
    assert reverse("trust_org:mine") in html


def test_the_guidelines_panel_says_when_everything_is_done(step, personas, guideline):
    acknowledge(guideline, guideline.current, personas.member)
    CompletionFactory(module=TrainingModuleFactory(organization=personas.org), user=personas.member)
    panel = step.member_panels(membership_of(personas))[0]
    html = render_panel(panel)
    assert "All 1 guideline acknowledged" in html and "All 1 training module passed" in html


def test_the_speak_up_panel_links_to_the_page_and_explains_anonymity(step, personas):
    panel = {panel.key: panel for panel in step.member_panels(membership_of(personas))}["speak-up"]
    html = render_panel(panel)
    assert reverse("trust_org:speak_up") in html and "anonymously" in html and "Report a problem" in html


@pytest.mark.parametrize("role", ["admin", "manager", "champion", "leader", "member"])
def test_every_role_gets_both_panels(step, personas, role):
    assert [panel.key for panel in step.member_panels(membership_of(personas, role))] == [
        "trust-guidelines",
        "speak-up",
    ]


def test_the_panels_cost_the_same_queries_whatever_the_organizations_size(
    step, personas, django_assert_max_num_queries
):
    def grow(n):
        for _ in range(n):
            unit = UnitFactory(organization=personas.org)
            user = MembershipFactory(organization=personas.org, unit=unit).user
            guideline = GuidelineFactory(organization=personas.org, audience_unit=unit if n % 2 else None)
            acknowledge(guideline, guideline.current, user)
            CompletionFactory(module=TrainingModuleFactory(organization=personas.org), user=user)

    grow(2)
    membership = membership_of(personas)
    with django_assert_max_num_queries(2):
        step.member_panels(membership)
    grow(20)
    with django_assert_max_num_queries(2):
        step.member_panels(membership)


# Personal records -------------------------------------------------------------------------------


def test_the_records_hold_their_acknowledgements_results_and_named_reports(step, personas, guideline):
    with time_machine.travel(NOW, tick=False):
        acknowledge(guideline, guideline.current, personas.member)
        module = TrainingModuleFactory(organization=personas.org, title="Suspicious links")
        CompletionFactory(module=module, user=personas.member, score=80, last_score=60, attempts=2)
        IncidentFactory(
            organization=personas.org,
            title="Named report",
            source="employee",
            reported_by=personas.member,
            kind="privacy",
            occurred_on=date(2026, 3, 2),
        )
    IncidentFactory(organization=personas.org, title="Anonymous report", source="employee", anonymous=True)
    IncidentFactory(organization=personas.org, title="Someone else's", reported_by=personas.champion)
    theirs = GuidelineFactory(organization=personas.other_org)
    acknowledge(theirs, theirs.current, personas.member)  # another organization's record

    records = {table.key: table for table in step.personal_records(membership_of(personas))}
    assert set(records) == {"acknowledgements", "training", "reports"}
    assert records["acknowledgements"].rows == (("Using Viva Engage", 1, NOW),)
    assert records["training"].rows == (("Suspicious links", 80, 60, 2, NOW, NOW),)
    assert records["reports"].rows == ((NOW.date(), date(2026, 3, 2), "Named report", "Privacy", "Open"),)
    assert records["reports"].summary.startswith("1 incident reported by name")
    assert records["training"].summary == "1 training module passed of 1 attempted."
    for table in records.values():
        assert len(table.columns) == len(table.rows[0])


def test_anonymous_reports_are_nobodys_records_not_even_their_reporters(client_as, step, personas):
    client_as(personas.member).post(
        reverse("trust_org:speak_up"),
        {
            "concern": "security",
            "what_happened": "A fake sign-in page.",
            "occurred_on": "2026-03-03",
            "anonymous": "on",
        },
    )
    for role in personas.users:
        records = {table.key: table for table in step.personal_records(membership_of(personas, role))}
        assert records["reports"].rows == ()


def test_a_handler_finds_the_incidents_they_handle_in_their_records(step, personas):
    IncidentFactory(organization=personas.org, title="Handled", handler=personas.manager)
    records = {table.key: table for table in step.personal_records(membership_of(personas, "manager"))}
    assert [row[2] for row in records["handled"].rows] == ["Handled"]


def test_the_records_cost_four_queries_whatever_their_number(step, personas, django_assert_max_num_queries):
    for _ in range(15):
        guideline = GuidelineFactory(organization=personas.org)
        acknowledge(guideline, guideline.current, personas.manager)
        CompletionFactory(module=TrainingModuleFactory(organization=personas.org), user=personas.manager)
        IncidentFactory(organization=personas.org, reported_by=personas.manager, handler=personas.manager)
    membership = membership_of(personas, "manager")
    with django_assert_max_num_queries(4):
        records = step.personal_records(membership)
    assert [len(table.rows) for table in records] == [15, 15, 15, 15]


# Shared outcomes --------------------------------------------------------------------------------


def test_guideline_changes_since_a_date_are_shared_for_the_rollouts_and_the_organization(step, personas):
    other = RolloutFactory(organization=personas.org, name="Teams for nurses")
    with time_machine.travel(NOW - timedelta(days=30), tick=False):
        everyone = GuidelineFactory(organization=personas.org, title="Social media guideline")
        publish_version(everyone, "v2", by=None, changes="Old change.")
    with time_machine.travel(NOW, tick=False):
        publish_version(everyone, "v3", by=None, changes="Personal phones: screen lock required.")
        publish_version(everyone, "v4 typo", by=None, changes="")  # says nothing: not shared
        create_guideline(
            personas.org, title="Engage etiquette", body="Be kind", by=None, rollout=personas.rollout
        )
        create_guideline(personas.org, title="Teams etiquette", body="Be kind", by=None, rollout=other)
        create_guideline(personas.other_org, title="Globex rules", body="Be kind", by=None)

    outcomes = step.shared_outcomes([personas.rollout], NOW - timedelta(days=7))
    assert [(o.rollout_id, o.kind, o.title, o.did) for o in outcomes] == [
        (personas.rollout.pk, "guideline", "Engage etiquette published", ("First version.",)),
        (
            None,
            "guideline",
            "Social media guideline updated (version 3)",
            ("Personal phones: screen lock required.",),
        ),
    ]
    assert all(o.published_at == NOW for o in outcomes)


def test_a_guideline_for_one_unit_is_not_news_for_the_whole_organization(step, personas):
    with time_machine.travel(NOW, tick=False):
        create_guideline(
            personas.org, title="Sales only", body="Be kind", by=None, audience_unit=personas.unit
        )
        create_guideline(personas.org, title="For everyone", body="Be kind", by=None)
    titles = [o.title for o in step.shared_outcomes([personas.rollout], NOW - timedelta(days=7))]
    assert titles == ["For everyone published"]


def test_shared_outcomes_cost_one_query_whatever_the_number_of_rollouts(
    step, personas, django_assert_max_num_queries
):
    rollouts = [RolloutFactory(organization=personas.org) for _ in range(10)]
    for index, rollout in enumerate(rollouts):
        create_guideline(personas.org, title=f"Guideline {index}", body="Be kind", by=None, rollout=rollout)
    with django_assert_max_num_queries(1):
        assert len(step.shared_outcomes(rollouts, NOW - timedelta(days=3650))) == 10
    assert step.shared_outcomes([], NOW) == []
