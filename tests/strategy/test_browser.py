"""The strategy journey in Chromium: the demo manager plans a new rollout and fills all six
sections, submits the worksheet, and the owner (the demo admin) approves it."""

import pytest

from strategy.models import Worksheet

from ..browser import SCREENSHOTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill(page, values):
    for name, value in values.items():
        field = page.locator(f'[name="{name}"]')
        if field.evaluate("el => el.tagName") == "SELECT":
            field.select_option(label=value) if not value.isdigit() else field.select_option(value)
        else:
            field.fill(value)


def save_and_continue(page):
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_load_state()
    assert page.locator(".alert-success").count() == 1, page.locator("main").inner_text()[:2000]


def test_a_manager_fills_the_worksheet_and_the_owner_approves_it(live_server, demo, page):
    base = live_server.url
    log_in(page, base, "manager@northwind.example")

    page.goto(f"{base}/rollouts/new/")
    fill(
        page,
        {
            "name": "Yammer for Pharmacy",
            "platform": "Viva Engage",
            "status": "Planning",
            "owner": "Avery Admin",
            "start_date": "2027-02-01",
            "target_date": "2027-09-30",
        },
    )
    page.get_by_role("button", name="Create rollout").click()
    page.get_by_role("link", name="Write the strategy worksheet").click()
    page.get_by_role("link", name="Start with section 1").click()

    # 1. Purpose: one objective, then a second row added in place.
    fill(
        page,
        {
            "main_purpose": "Knowledge sharing",
            "purpose_notes": "Pharmacists answer once, for everyone.",
            "objectives-0-title": "Medication questions answered in a day",
            "allowances-0-audience": "Pharmacists",
            "allowances-0-hours_per_week": "1",
        },
    )
    page.locator('[data-add-row="objectives"]').click()
    fill(page, {"objectives-1-title": "Fewer calls to the pharmacy desk"})
    save_and_continue(page)
    # 2. Stakeholders: a row added by mistake and removed again does not block the save.
    page.locator('[data-add-row="stakeholders"]').click()
    page.locator('[data-formset="stakeholders"] [data-remove-row]').last.click()
    fill(
        page,
        {
            "stakeholders-0-name": "Chief Pharmacist",
            "stakeholders-0-need": "Fewer interruptions",
            "stakeholders-0-influence": "High",
            "stakeholders-0-involvement": "Sponsor",
        },
    )
    save_and_continue(page)
    # 3. Audiences: save the audience first, then plan its channel.
    fill(
        page, {"audiences-0-name": "Pharmacy staff", "audiences-0-unit": "Pharmacy", "audiences-0-size": "60"}
    )
    page.get_by_role("button", name="Save", exact=True).click()
    fill(
        page,
        {
            "channels-0-audience": "Pharmacy staff",
            "channels-0-channel": "Town hall",
            "channels-0-planned_date": "2027-02-03",
        },
    )
    save_and_continue(page)
    # 4. Ownership and budget
    fill(
        page,
        {
            "business_owner": "Avery Admin",
            "budget_holder": "Lee Leader",
            "process_manager": "Morgan Manager",
            "budget_amount": "12000",
            "budget_currency": "USD",
        },
    )
    save_and_continue(page)
    # 5. Operating model
    fill(
        page,
        {
            "coverage": "Business hours",
            "coverage_time_zones": "America/Los_Angeles",
            "response_target_hours": "8",
        },
    )
    page.get_by_label("Reactive (members flag, moderators act)").check()
    save_and_continue(page)
    # 6. Evaluation: a bad target first (same as baseline) is refused next to the field.
    fill(
        page,
        {
            "review_cadence": "Monthly",
            "first_review_date": "2027-03-01",
            "metrics-0-metric_key": "Participation rate",
            "metrics-0-audience": "Pharmacy staff",
            "metrics-0-baseline": "10",
            "metrics-0-target": "10",
            "metrics-0-target_date": "2027-09-30",
        },
    )
    page.get_by_role("button", name="Save", exact=True).click()
    assert page.get_by_text("The target must differ from the baseline").is_visible()
    fill(page, {"metrics-0-target": "70"})
    page.get_by_role("button", name="Save", exact=True).click()
    assert page.locator(".alert-success").count() == 1

    page.get_by_role("link", name="Back to the worksheet").click()
    assert page.get_by_role("heading", name="Complete: 100%").is_visible()
    page.get_by_role("button", name="Submit for approval").click()
    assert page.get_by_test_id("worksheet-status").inner_text() == "Submitted for approval"
    page.screenshot(path=SCREENSHOTS / "strategy-worksheet.png", full_page=True)

    # The owner approves.
    page.context.clear_cookies()
    log_in(page, base, "admin@northwind.example")
    worksheet = Worksheet.objects.get(rollout__name="Yammer for Pharmacy")
    page.goto(f"{base}/r/{worksheet.rollout_id}/strategize/")
    page.get_by_role("button", name="Approve").click()
    assert page.get_by_test_id("worksheet-status").inner_text() == "Approved"
    worksheet.refresh_from_db()
    assert worksheet.status == "approved" and worksheet.metrics.get().target == 70

    page.get_by_role("link", name="Print view").click()
    page.emulate_media(media="print")
    assert not page.locator("nav.navbar").is_visible()
    page.screenshot(path=SCREENSHOTS / "strategy-print.png", full_page=True)
