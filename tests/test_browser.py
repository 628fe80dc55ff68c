"""The demo manager's first minute, in a real browser (Playwright driving Debian's Chromium)."""

import pytest

from .browser import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_demo_manager_logs_in_and_opens_a_rollout(live_server, demo, page):
    page.goto(f"{live_server.url}/")
    page.get_by_label("Email").fill("manager@northwind.example")
    page.get_by_label("Password").fill("rollout-demo")
    page.get_by_role("button", name="Log in").click()

    page.wait_for_url(f"{live_server.url}/portfolio/")  # managers land on the portfolio
    page.get_by_role("link", name="Rollouts", exact=True).click()
    page.wait_for_url(f"{live_server.url}/rollouts/")
    assert page.get_by_role("heading", name="Rollouts").is_visible()
    assert page.get_by_role("link", name="Viva Engage for all staff").is_visible()
    assert page.get_by_role("link", name="Teams for clinical teams").is_visible()
    page.screenshot(path=SCREENSHOTS / "rollout-list.png", full_page=True)

    page.get_by_role("link", name="Viva Engage for all staff").click()
    assert page.get_by_role("heading", name="Viva Engage for all staff").is_visible()
    steps = page.locator("section.step-card h3").all_inner_texts()
    assert [text.split(":")[-1].strip() for text in steps] == [
        "Strategize",
        "Incentivize",
        "Trust",
        "Champion",
        "Engage",
        "Review",
    ]
    # Styles and scripts come from static/: Bootstrap's layout applies.
    assert page.evaluate("getComputedStyle(document.querySelector('.navbar')).display") == "flex"
    page.screenshot(path=SCREENSHOTS / "rollout-overview.png", full_page=True)

    page.get_by_role("link", name="Review the strategy at the next review").click()
    assert page.get_by_role("heading", name="Strategy of Viva Engage for all staff").is_visible()


def test_the_layout_works_on_a_phone(live_server, demo, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("leader@northwind.example")
    page.get_by_label("Password").fill("rollout-demo")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/portfolio/")
    # The navigation folds behind the toggler; the table does not overflow the page.
    toggler = page.get_by_role("button", name="Show navigation")
    assert toggler.is_visible()
    toggler.click()
    assert page.get_by_role("link", name="Portfolio", exact=True).is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.screenshot(path=SCREENSHOTS / "portfolio-phone.png", full_page=True)
    context.close()


def test_the_demo_leader_filters_the_portfolio_and_sees_a_rollouts_charts(live_server, demo, page):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("leader@northwind.example")
    page.get_by_label("Password").fill("rollout-demo")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/portfolio/")
    rows = page.locator("table.portfolio tbody tr")
    assert rows.count() == 2
    assert page.get_by_text("▲").first.is_visible()  # the live rollout gained ground this month
    page.screenshot(path=SCREENSHOTS / "portfolio.png", full_page=True)

    page.get_by_label("Status").select_option("live")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_load_state()
    assert rows.count() == 1
    page.get_by_role("link", name="Viva Engage for all staff").click()
    page.wait_for_selector("canvas[data-rendered]")
    assert page.locator("canvas[data-rendered]").count() >= 2  # support sessions and at least one KPI
    assert page.locator('canvas[data-chart="participation"][data-rendered]').count() == 1
    page.screenshot(path=SCREENSHOTS / "rollout-trends.png", full_page=True)

    page.get_by_role("link", name="One-page report").click()
    page.emulate_media(media="print")
    assert not page.locator("nav.navbar").is_visible()
    page.screenshot(path=SCREENSHOTS / "rollout-report-print.png", full_page=True)
