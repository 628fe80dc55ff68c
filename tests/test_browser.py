"""The demo manager's first minute, in a real browser (Playwright driving Debian's Chromium)."""

import io
import os
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command

from .conftest import skip_unless_ci

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parent.parent / "var" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser():
    executable = shutil.which("chromium")
    if not executable:
        skip_unless_ci("Chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the Django ORM calls made by the
    # test itself (not the live server) are safe because nothing else runs concurrently here.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def test_the_demo_manager_logs_in_and_opens_a_rollout(live_server, page):
    call_command("seed_demo", stdout=io.StringIO())
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    page.goto(f"{live_server.url}/")
    page.get_by_label("Email").fill("manager@northwind.example")
    page.get_by_label("Password").fill("rollout-demo")
    page.get_by_role("button", name="Log in").click()

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

    page.get_by_role("link", name="Write the strategy worksheet").click()
    assert page.get_by_role("heading", name="Step 1: Strategize").is_visible()


def test_the_layout_works_on_a_phone(live_server, browser):
    call_command("seed_demo", stdout=io.StringIO())
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("leader@northwind.example")
    page.get_by_label("Password").fill("rollout-demo")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/rollouts/")
    # The navigation folds behind the toggler; the table does not overflow the page.
    toggler = page.get_by_role("button", name="Show navigation")
    assert toggler.is_visible()
    toggler.click()
    assert page.get_by_role("link", name="Rollouts", exact=True).is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.screenshot(path=SCREENSHOTS / "rollout-list-phone.png", full_page=True)
    context.close()
