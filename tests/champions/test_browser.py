"""The demo champion logs a session from their phone, in a real browser (Debian's Chromium)."""

import io
import os
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command

from champions.models import SupportSession
from rollout.models import Rollout

from ..conftest import skip_unless_ci

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parent.parent.parent / "var" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 375, "height": 812}


@pytest.fixture(scope="module")
def browser():
    executable = shutil.which("chromium")
    if not executable:
        skip_unless_ci("Chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are safe
    # because nothing else runs concurrently here.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    yield page
    context.close()


def test_the_demo_champion_logs_a_session_from_the_home_page_on_a_phone(live_server, phone):
    call_command("seed_demo", stdout=io.StringIO())
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    live = Rollout.objects.get(name="Viva Engage for all staff")
    before = SupportSession.objects.count()

    phone.goto(f"{live_server.url}/accounts/login/")
    phone.get_by_label("Email").fill("champion@northwind.example")
    phone.get_by_label("Password").fill("rollout-demo")
    phone.get_by_role("button", name="Log in").click()
    phone.wait_for_url(f"{live_server.url}/rollouts/")

    home = f"{live_server.url}/r/{live.pk}/champion/"
    phone.goto(home)
    assert phone.get_by_role("heading", name="My recent sessions").is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    phone.screenshot(path=SCREENSHOTS / "champion-home-phone.png", full_page=True)

    phone.get_by_role("link", name="Log a session").first.tap()
    phone.wait_for_url(f"{home}log/")
    phone.get_by_role("button", name="30 min").tap()
    phone.get_by_label("Mobile set-up").check()
    phone.get_by_label("Other topic").fill("Notifications on a shared ward phone")
    phone.get_by_label("Chat").check()
    assert not phone.get_by_label("Follow up by").is_visible()  # only for follow-ups
    phone.screenshot(path=SCREENSHOTS / "champion-log-phone.png", full_page=True)
    phone.get_by_role("button", name="Log session").tap()

    phone.wait_for_url(home)
    assert phone.get_by_text("Session logged").is_visible()
    recent = phone.locator("#recent-sessions li").first
    assert "Notifications on a shared ward phone" in recent.inner_text()
    assert "30 min" in recent.inner_text()
    phone.screenshot(path=SCREENSHOTS / "champion-home-after-logging-phone.png", full_page=True)

    assert SupportSession.objects.count() == before + 1
    session = SupportSession.objects.latest("created_at")
    assert (session.champion.user.email, session.minutes, session.channel) == (
        "champion@northwind.example",
        30,
        "chat",
    )


def test_the_demo_manager_sees_coverage_worst_first_and_the_activity_report(live_server, browser):
    call_command("seed_demo", stdout=io.StringIO())
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    live = Rollout.objects.get(name="Viva Engage for all staff")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("manager@northwind.example")
    page.get_by_label("Password").fill("rollout-demo")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/portfolio/")

    page.goto(f"{live_server.url}/r/{live.pk}/champion/coverage/")
    tiles = page.locator(".coverage-tile").all_inner_texts()
    # The two uncovered units come first, the larger first.
    assert [tile.splitlines() for tile in tiles[:2]] == [
        ["Emergency night shift", "none"],
        ["Finance", "none"],
    ]
    page.screenshot(path=SCREENSHOTS / "champion-coverage.png", full_page=True)

    page.get_by_role("link", name="Activity report").click()
    assert page.get_by_role("heading", name="Topics over time").is_visible()
    assert page.get_by_role("link", name="Export CSV").is_visible()
    page.screenshot(path=SCREENSHOTS / "champion-report.png", full_page=True)
    context.close()
