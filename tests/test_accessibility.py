"""Every page of the access matrix, as every role that may open it, passes axe-core.

For each role, every GET row of the access matrix (tests/test_access_matrix.py) that answers 200
to that role is opened once in a real browser signed in as that role; axe-core then checks the
rendered page and the test fails on any violation whose impact is serious or critical (colour
contrast, missing names of links, buttons and fields, invalid ARIA, ...).

Not swept: the JSON API and its schema viewers, Open Badges (JSON-LD and images), and file
downloads (CSV templates and exports); an htmx fragment (a response that is not a whole HTML
document) is not a page either. axe-core comes from the axe-playwright-python package, which
ships its script: nothing is fetched at run time.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from .access import ROLES
from .conftest import make_personas
from .test_access_matrix import MATRIX

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOT_PAGES = ("api:", "openbadges:")  # JSON and images, not HTML pages
DOWNLOADS = ("_csv", "_template", "people_import:template", "engage:template", "people:download")
BLOCKING = {"serious", "critical"}
AXE = Axe()


def swept_rows(role):
    """The matrix's HTML pages that `role` may open (GET answering 200), by URL name."""
    return [
        (name, row)
        for name, row in sorted(MATRIX.items())
        if row.method == "get"
        and row.expect.get(role) == 200
        and not name.startswith(NOT_PAGES)
        and not name.endswith(DOWNLOADS)
    ]


def sign_in(context, base_url, user):
    """Give the browser context a session of `user`, made by Django's test client."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": base_url}])


def fresh_personas(context, base_url, role):
    """Empty the database, make the personas again and sign `role` in anew.

    The rows' `kwargs` functions create objects; the matrix rolls each one back, but the live server
    needs them committed, so when a row cannot make its objects next to an earlier row's (the same
    unique object, a second open review), the sweep goes on from fresh personas.
    """
    call_command("flush", interactive=False, verbosity=0)
    personas = make_personas()
    sign_in(context, base_url, personas.users[role])
    return personas


def blocking_violations(page):
    """axe-core's serious and critical violations on the page, one readable line each."""
    results = AXE.run(page).response
    lines = []
    for violation in results["violations"]:
        if violation["impact"] not in BLOCKING:
            continue
        targets = [", ".join(node["target"]) for node in violation["nodes"][:3]]
        more = len(violation["nodes"]) - len(targets)
        lines.append(
            f"{violation['id']} ({violation['impact']}, {len(violation['nodes'])} elements): "
            + " | ".join(targets)
            + (f" | ... {more} more" if more > 0 else "")
        )
    return lines


@pytest.mark.parametrize("role", ROLES)
def test_every_page_passes_axe_core(live_server, browser, role):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    personas = make_personas()
    sign_in(context, live_server.url, personas.users[role])
    failures, swept = [], 0
    try:
        for name, row in swept_rows(role):
            try:
                kwargs = row.kwargs(personas) if row.kwargs else None
            except Exception:  # noqa: BLE001 - e.g. an IntegrityError, or "already has an open review"
                personas = fresh_personas(context, live_server.url, role)
                kwargs = row.kwargs(personas)
            url = reverse(name, kwargs=kwargs)
            response = page.goto(f"{live_server.url}{url}")
            assert response.status == 200, f"{name} as {role}: {response.status} at {page.url}"
            if "text/html" not in response.headers.get("content-type", "") or "<html" not in response.text():
                continue  # an htmx fragment, not a page
            swept += 1
            failures += [f"{name} ({url}): {line}" for line in blocking_violations(page)]
    finally:
        context.close()
    assert swept, f"no page swept as {role}"
    assert not failures, f"axe-core, signed in as {role}:\n" + "\n".join(failures)
