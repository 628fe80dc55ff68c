"""The review journey in Chromium: the demo manager opens the review due next week, finds the
KPIs pre-filled, records findings, an action and a platform decision, and completes the review."""

import pytest

from reviews.models import Action, Review
from rollout.models import Platform, Rollout

from ..browser import SCREENSHOTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_demo_manager_completes_the_review_due_next_week(live_server, demo, page):
    base = live_server.url
    live = Rollout.objects.get(name="Viva Engage for all staff")
    due = Review.objects.get(rollout=live, status="open")
    log_in(page, base, "manager@northwind.example")

    page.goto(f"{base}/r/{live.pk}/review/")
    assert page.get_by_role("heading", name="Review 3").is_visible()
    page.get_by_role("link", name="Open the review form").click()
    page.wait_for_load_state()

    # KPIs: the computed ones are filled in and read-only, the others wait for a value.
    sessions = page.get_by_label("Actual Champion support sessions")
    assert sessions.input_value() != "" and sessions.is_disabled()
    participation = page.get_by_label("Actual Participation rate")  # from the imported activity
    assert participation.input_value() != "" and participation.is_disabled()
    assert page.get_by_label("Actual All-staff emails per month").input_value() == ""
    assert page.get_by_test_id("kpi-table").get_by_text("Review 2").is_visible()  # the comparison column

    # Completing without the hand-entered actuals is refused next to the fields.
    page.get_by_role("button", name="Complete the review").click()
    page.wait_for_load_state()
    assert page.get_by_text("Nothing was saved.").is_visible()
    assert page.get_by_text("Enter the actual, or say in the note why there is none.").first.is_visible()

    # KPIs with data in Rollout are computed and read-only; the others are typed in.
    for label, value in [
        ("Actual Participation rate", "41"),
        ("Actual Answered within target", "66"),
        ("Actual All-staff emails per month", "9"),
    ]:
        field = page.get_by_label(label)
        if field.is_enabled():
            field.fill(value)
        else:
            assert field.input_value(), f"{label} is computed but shows no value"
    assert page.get_by_label("Actual All-staff emails per month").is_enabled()  # a custom metric
    engage = page.locator('[data-step="engage"]')
    engage.get_by_label("What is working").fill("Clinical communities answer each other at night.")
    engage.get_by_label("What is not").fill("Office staff still read without posting.")
    page.get_by_role("textbox", name="Decisions").fill("Run a posting week for office staff.")

    page.get_by_role("button", name="Add an action").click()
    row = page.locator('[data-formset="actions"] [data-row]').last
    row.get_by_label("Action").fill("Run a posting week for office staff")
    row.get_by_label("Owner").select_option(label="Morgan Manager")
    row.get_by_label("Due date").fill(f"{due.due_date:%Y-%m-%d}")

    intranet = page.locator('[data-platform="SharePoint intranet news"]')
    intranet.get_by_label("Status").select_option(label="Retired")
    intranet.get_by_label("Decision").select_option(label="Retire")
    intranet.get_by_label("Notes").fill("Last news post on Friday; the archive stays read-only.")

    page.screenshot(path=SCREENSHOTS / "review-form.png", full_page=True)
    page.get_by_role("button", name="Complete the review").click()
    page.wait_for_load_state()
    assert page.locator(".alert-success").count() == 1, page.locator("main").inner_text()[:2000]
    assert page.get_by_test_id("review-due").inner_text().startswith("Completed")
    page.screenshot(path=SCREENSHOTS / "review-completed.png", full_page=True)

    due.refresh_from_db()
    assert due.status == "completed"
    following = Review.objects.get(rollout=live, status="open")
    assert following.number == 4 and following.owner.email == "manager@northwind.example"
    assert Action.objects.get(title="Run a posting week for office staff").raised_in == due
    assert (
        Platform.objects.get(organization=live.organization, name="SharePoint intranet news").status
        == "retired"
    )
    assert due.findings.get(step="engage").not_working == "Office staff still read without posting."
    # The completed review lists the actions it dealt with, including those carried over.
    assert page.get_by_role("cell", name="Recruit a champion in Finance").is_visible()

    page.goto(f"{base}/r/{live.pk}/review/landscape/")
    assert page.get_by_test_id("landscape-history").get_by_text("Review 4").is_visible()
    page.screenshot(path=SCREENSHOTS / "review-landscape.png", full_page=True)


def test_the_demo_manager_shares_the_decisions_and_one_action_but_not_another(live_server, demo, page):
    from django.utils import timezone

    from reviews.step import ReviewStep
    from tests.test_accessibility import blocking_violations

    base = live_server.url
    live = Rollout.objects.get(name="Viva Engage for all staff")
    due = Review.objects.get(rollout=live, status="open")
    log_in(page, base, "manager@northwind.example")
    page.goto(f"{base}/r/{live.pk}/review/{due.pk}/edit/")

    for label, value in [
        ("Actual Participation rate", "41"),
        ("Actual Answered within target", "66"),
        ("Actual All-staff emails per month", "9"),
    ]:
        field = page.get_by_label(label)
        if field.is_enabled():
            field.fill(value)
    page.get_by_role("textbox", name="Decisions", exact=True).fill(
        "Office staff get a posting week; budget for the idea portal stays internal."
    )
    assert blocking_violations(page) == []  # the form, with a "Share" box on every action
    sharing = page.locator('[data-share="decisions"]')
    assert sharing.get_by_text("Share with employees in “You said, we did”").is_visible()
    sharing.get_by_label("Share the decisions with employees in “You said, we did”").check()
    sharing.get_by_label("In plain words, for employees").fill("Office staff get a posting week.")
    sharing.get_by_label("What people told us").fill("We read the news but rarely post.")

    for title, shared in [("Run a posting week for office staff", True), ("Cost the idea portal", False)]:
        page.get_by_role("button", name="Add an action").click()
        row = page.locator('[data-formset="actions"] [data-row]').last
        row.get_by_label("Action").fill(title)
        row.get_by_label("Due date").fill(f"{due.due_date:%Y-%m-%d}")
        share = row.get_by_label("Share with employees in “You said, we did”")
        share.check() if shared else share.uncheck()

    page.get_by_role("button", name="Complete the review").click()
    page.wait_for_load_state()
    assert page.locator(".alert-success").count() == 1, page.locator("main").inner_text()[:2000]
    assert (
        page.get_by_test_id("shared-decisions")
        .inner_text()
        .strip()
        .startswith("Decisions shared with employees")
    )
    posting = page.get_by_role("row", name="Run a posting week for office staff")
    assert posting.get_by_role("cell", name="Shared", exact=True).is_visible()
    portal = page.get_by_role("row", name="Cost the idea portal")
    assert portal.get_by_role("cell", name="Not shared", exact=True).is_visible()
    page.screenshot(path=SCREENSHOTS / "review-shared.png", full_page=True)

    [outcome] = ReviewStep().shared_outcomes([live], timezone.now() - timezone.timedelta(hours=1))
    assert outcome.title == "Review 3 of Viva Engage for all staff"
    assert outcome.said == ("We read the news but rarely post.",)
    assert "Decided: Office staff get a posting week." in outcome.did
    assert any(line.startswith("Run a posting week for office staff: Planned") for line in outcome.did)
    assert not any("idea portal" in line or "budget" in line for line in outcome.did)

    # Later, on the completed review's sharing page, the manager withdraws the decisions.
    page.get_by_role("link", name="Share with employees").click()
    page.wait_for_load_state()
    assert blocking_violations(page) == []
    page.get_by_label("Share the decisions with employees in “You said, we did”").uncheck()
    page.get_by_role("button", name="Save what employees see").click()
    page.wait_for_load_state()
    [outcome] = ReviewStep().shared_outcomes([live], timezone.now() - timezone.timedelta(hours=1))
    assert outcome.did == (next(line for line in outcome.did if line.startswith("Run a posting week")),)
