"""A member receives a kudos and a badge and sees them on their page, in a real browser."""

import pytest

from rollout.models import Rollout

from ..browser import SCREENSHOTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_member_receives_a_kudos_and_a_badge_and_sees_them_on_their_page(live_server, demo, page):
    live = Rollout.objects.get(name="Viva Engage for all staff")
    base = live_server.url

    log_in(page, base, "leader@northwind.example")
    page.goto(f"{base}/r/{live.pk}/incentives/recognition/")
    page.get_by_label("Who would you like to thank?").select_option(label="Max Member")
    page.get_by_label("Message").fill("Thank you for the pinned pharmacy FAQ - it answers half my questions.")
    page.get_by_role("button", name="Send thanks").click()
    assert page.get_by_text("Thank you sent to Max Member").is_visible()
    page.screenshot(path=SCREENSHOTS / "incentives-recognition-feed.png", full_page=True)
    page.context.clear_cookies()

    log_in(page, base, "manager@northwind.example")
    page.goto(f"{base}/r/{live.pk}/incentives/badges/")
    page.get_by_role("link", name="Award Helper").click()
    page.get_by_label("Person").select_option(label="Max Member")
    page.get_by_label("Level").select_option(label="Bronze")
    page.get_by_label("Evidence link").fill("https://intranet.example/pharmacy-faq")
    page.locator("#id_evidence").fill("Helped the pharmacy team set up the app.")
    page.get_by_role("button", name="Award").click()
    assert page.get_by_text("Max Member now holds Helper (bronze)").is_visible()
    page.context.clear_cookies()

    log_in(page, base, "member@northwind.example")
    page.goto(f"{base}/incentives/me/")
    badges = page.locator("#badge-list").inner_text()
    assert "Helper (bronze)" in badges
    kudos = page.locator("#my-kudos-list").inner_text()
    assert "pinned pharmacy FAQ" in kudos and "From a leader" in kudos
    page.screenshot(path=SCREENSHOTS / "incentives-member-page.png", full_page=True)

    assertion = page.get_by_role("link", name="Open Badges 2.0 assertion of Helper (bronze)").get_attribute(
        "href"
    )
    page.context.clear_cookies()
    response = page.request.get(f"{base}{assertion}")
    assert response.ok and response.json()["type"] == "Assertion"


def test_a_leader_withdraws_and_gives_again_their_agreement_to_be_seen_taking_part(live_server, demo, page):
    from incentives.models import LeaderVisibility
    from tests.test_accessibility import blocking_violations

    base = live_server.url
    log_in(page, base, "leader@northwind.example")
    page.goto(f"{base}/incentives/me/")
    section = page.locator("#leader-visibility")
    assert section.get_by_test_id("leader-visible").is_visible()  # the demo leader agreed
    assert blocking_violations(page) == []

    section.get_by_role("button", name="Stop showing my participation").click()
    page.wait_for_load_state()
    assert page.get_by_text("People no longer see your participation").is_visible()
    assert not LeaderVisibility.objects.filter(user__email="leader@northwind.example").exists()

    page.locator("#leader-visibility").get_by_role("button", name="Let people see my participation").click()
    page.wait_for_load_state()
    assert page.locator("#leader-visibility").get_by_test_id("leader-visible").is_visible()
    assert LeaderVisibility.objects.filter(user__email="leader@northwind.example").exists()
