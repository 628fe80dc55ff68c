"""Stored cross-site scripting: text people typed is shown as text on every page and in every email.

Every free-text column of every row (seeding.free_text_fields: every CharField and TextField
without choices of the project's tables, but identifiers, hashes and secrets) holds a script tag and
an attribute break-out. Then every GET page of the access matrix is opened by every persona it
answers 200 to, and every email kind is rendered as the outbox renders it: the payload may appear
only escaped. CSV and JSON answers are not HTML: they must say so (Content-Type), and CSVs download.
"""

import pytest
from django.urls import reverse

from rollout import notifications

from ..test_access_matrix import MATRIX
from .emails import KINDS, notification, rendered
from .seeding import ESCAPED, PAYLOAD, RAW, free_text_fields, poison
from .test_csv_formulas import CSV_EXPORTS, TEMPLATES

GET_ROWS = sorted(name for name, row in MATRIX.items() if row.method == "get" and name != "admin:*")
PERSONAS = ["admin", "manager", "champion", "leader", "member", "outsider", "anonymous"]

# Pages that show text people typed: the escaped payload must be there, so the sweep cannot pass
# only because nothing was shown.
SHOWS_TYPED_TEXT = {
    "rollout:overview",
    "rollout:units",
    "rollout:members",
    "rollout:audit",
    "strategy:worksheet",
    "incentives:recognition",
    "incentives:claims",
    "trust_org:incidents",
    "trust_org:guideline",
    "champions:home",
    "champions:sessions",
    "engage:queue",
    "engage:import_detail",
    "engage:pulses_results",
    "reviews:home",
    "reviews:detail",
    "people:me",
}


def raw_payload_in(text):
    return [marker for marker in RAW if marker in text]


def body(response):
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8", errors="replace")


def _answering_200(row):
    return [
        p
        for p in PERSONAS
        if row.expect[p] == 200 or (isinstance(row.expect[p], set) and 200 in row.expect[p])
    ]


def _log_in(client, personas, persona):
    client.logout()
    if persona == "outsider":
        client.force_login(personas.outsider)
    elif persona != "anonymous":
        client.force_login(personas.users[persona])


def test_the_detector_tells_an_escaped_payload_from_a_raw_one():
    from django.utils.html import escape

    assert raw_payload_in(f"<p>{PAYLOAD}</p>") == list(RAW)
    assert raw_payload_in(f'<input value="{escape(PAYLOAD)}"><p>{escape(PAYLOAD)}</p>') == []
    assert ESCAPED in escape(PAYLOAD)


def test_every_free_text_column_of_every_app_is_written():
    columns = free_text_fields()
    apps_covered = {model._meta.app_label for model in columns}
    assert apps_covered >= {
        "rollout", "strategy", "incentives", "trust", "champions", "engage", "conversations", "reviews",
        "directory", "connections", "identity",
    }  # fmt: skip
    assert sum(len(fields) for fields in columns.values()) > 100


def test_the_sweep_covers_every_page_of_the_matrix():
    assert len(GET_ROWS) > 150 and set(GET_ROWS) >= SHOWS_TYPED_TEXT


@pytest.mark.parametrize("name", GET_ROWS)
def test_text_people_typed_is_never_run_as_script_on_any_page(client, personas, name):
    row = MATRIX[name]
    url = reverse(name, kwargs=row.kwargs(personas) if row.kwargs else None)
    poison(lambda column: PAYLOAD)
    escaped_somewhere = False
    for persona in _answering_200(row):
        _log_in(client, personas, persona)
        response = client.get(url)
        if response.status_code != 200:
            continue  # the access matrix says who gets what; here only the pages that answer
        content_type = response.get("Content-Type", "")
        if content_type.startswith(("text/html", "image/svg")):  # an SVG opened alone runs scripts
            text = body(response)
            assert raw_payload_in(text) == [], f"{name} as {persona} shows the payload unescaped"
            escaped_somewhere = escaped_somewhere or ESCAPED in text
        elif content_type.startswith("text/csv"):
            assert response["Content-Disposition"].startswith("attachment"), f"{name} as {persona}"
            assert name in CSV_EXPORTS or name in TEMPLATES, f"{name}: add it to test_csv_formulas"
        else:  # JSON, images, ZIPs: never something a browser would run as a page
            assert not content_type.startswith(("application/xhtml", "text/xml")), name
            assert response["X-Content-Type-Options"] == "nosniff"
    if name in SHOWS_TYPED_TEXT:
        assert escaped_somewhere, f"{name} shows no typed text: the sweep proves nothing there"


def test_every_email_kind_is_in_the_sweep():
    assert set(KINDS) == set(notifications.kinds())


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_text_people_typed_is_escaped_in_every_email(personas, kind):
    row = notification(personas, kind)
    poison(lambda column: PAYLOAD)
    row.refresh_from_db()
    subject, text, html = rendered(row)
    assert raw_payload_in(html) == [], f"{kind}: the HTML body shows the payload unescaped"
    assert ESCAPED in html, f"{kind}: the email shows no typed text, so this proves nothing"
    assert "\n" not in subject
