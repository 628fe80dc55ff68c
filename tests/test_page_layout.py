"""The page layout: a step's stylesheet is loaded in the page's <head>, through base.html's
`{% block head %}`, so a step page never shows unstyled while its body loads."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent


def head_and_body(html):
    head, _, body = html.partition("</head>")
    return head, body


@pytest.mark.parametrize(
    ("url_name", "stylesheet"),
    [
        ("champions:home", "css/champions.css"),
        ("incentives:home", "css/incentives.css"),
        ("reviews:home", "css/reviews.css"),
        ("trust:home", "css/trust.css"),
    ],
)
def test_a_step_page_loads_its_stylesheet_once_in_the_head(client_as, personas, url_name, stylesheet):
    response = client_as(personas.manager).get(reverse(url_name, args=[personas.rollout.pk]))
    assert response.status_code == 200
    head, body = head_and_body(response.text)
    assert head.count(stylesheet) == 1
    assert stylesheet not in body


def test_an_organization_page_of_a_step_loads_its_stylesheet_in_the_head(client_as, personas):
    head, body = head_and_body(client_as(personas.manager).get(reverse("trust_org:guidelines")).text)
    assert "css/trust.css" in head
    assert "css/trust.css" not in body


def test_no_template_puts_a_stylesheet_in_the_body():
    """Every stylesheet link outside base.html sits in `{% block head %}`: a link in the body
    (or in a partial that the body includes) makes the page flash unstyled."""
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        if path.name in {"base.html", "500.html"}:  # the layout and the stand-alone error page
            continue
        outside_head = re.sub(r"{% block head %}.*?{% endblock %}", "", text, flags=re.S)
        if 'rel="stylesheet"' in outside_head:
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
