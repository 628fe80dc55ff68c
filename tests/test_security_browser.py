"""In a real browser, the Content-Security-Policy blocks nothing Rollout itself needs."""

import pytest

from .browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _violations(page):
    found = []
    page.on("console", lambda m: found.append(m.text) if "Content Security Policy" in m.text else None)
    return found


def test_pages_with_scripts_and_the_api_docs_run_under_the_policy(page, live_server, demo):
    from rollout.models import Rollout

    violations = _violations(page)
    log_in(page, live_server.url, "manager@northwind.example")
    rollout = Rollout.objects.get(name="Viva Engage for all staff")
    page.goto(f"{live_server.url}/r/{rollout.pk}/trends/")
    page.wait_for_selector("canvas")
    page.goto(f"{live_server.url}/api/v1/docs/")
    page.wait_for_selector(".swagger-ui .info", timeout=15000)
    page.goto(f"{live_server.url}/api/v1/redoc/")
    page.wait_for_selector("redoc .api-info, [role=search], h1", timeout=15000)
    # Redoc's Google web fonts and its "powered by" logo from its CDN are refused by design (no
    # third-party requests); nothing else may be.
    external = ("fonts.googleapis.com", "cdn.redoc.ly")
    assert [v for v in violations if not any(host in v for host in external)] == []


def test_the_print_button_and_the_autosubmitting_filter_work_without_inline_script(page, live_server, demo):
    from rollout.models import Rollout

    violations = _violations(page)
    log_in(page, live_server.url, "manager@northwind.example")
    rollout = Rollout.objects.get(name="Viva Engage for all staff")
    page.goto(f"{live_server.url}/r/{rollout.pk}/review/actions/")
    page.select_option("#id_status", "")
    page.wait_for_url("**status=*")
    page.goto(f"{live_server.url}/r/{rollout.pk}/report/")
    page.evaluate("window.print = () => { window.printed = true; }")
    page.get_by_role("button", name="Print").click()
    assert page.evaluate("window.printed") is True
    assert violations == []
