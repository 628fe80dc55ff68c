"""Every figure links to its definition: the metrics page is docs/metrics.md, and every anchor a
template or a Fact links to is a heading there. The page is translated (docs/metrics.de.md,
docs/metrics.fr.md): a translation's headings keep the English ids, so the same links hold in
every language."""

import re
from pathlib import Path

import markdown
import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from rollout.steps import Fact
from rollout.views.definitions import EXTENSIONS

ROOT = Path(settings.BASE_DIR)
METRICS = ROOT / "docs" / "metrics.md"
TRANSLATIONS = sorted(METRICS.parent.glob("metrics.*.md"))
TEMPLATE_LINK = re.compile(r"""{%\s*definition\s+["']([a-z0-9-]+)["']""")
FACT_LINK = re.compile(r"""definition=["']([a-z0-9-]+)["']""")
HEADING_ID = re.compile(r"""<h[1-6] id="([^"]+)">""")


def headings(path=METRICS):
    """The ids of a metrics file's headings, as the metrics page renders them."""
    html = markdown.markdown(path.read_text(encoding="utf-8"), extensions=EXTENSIONS)
    return set(HEADING_ID.findall(html))


def linked_anchors():
    found = {}
    for path in [*ROOT.glob("templates/**/*.html"), *ROOT.glob("*/**/*.py")]:
        if ".venv" in path.parts or "tests" in path.parts:
            continue
        pattern = TEMPLATE_LINK if path.suffix == ".html" else FACT_LINK
        for anchor in pattern.findall(path.read_text(encoding="utf-8")):
            found.setdefault(anchor, path.relative_to(ROOT))
    return found


def test_every_linked_definition_is_a_heading_of_the_metrics_page():
    anchors = linked_anchors()
    missing = {anchor: str(path) for anchor, path in anchors.items() if anchor not in headings()}
    assert len(anchors) >= 8
    assert missing == {}


def test_the_metrics_page_shows_the_definitions_with_their_anchors(personas, client_as):
    page = client_as(personas.users["member"]).get(reverse("rollout:metrics")).content.decode()

    assert '<h3 id="participation-rate">Participation rate</h3>' in page
    assert 'id="dialogue-ratio"' in page and 'id="step-health"' in page
    assert "A rate is never above 100 %" in page


@pytest.mark.parametrize("translation", TRANSLATIONS, ids=lambda path: path.name)
def test_a_translation_of_the_metrics_page_has_exactly_the_english_headings(translation):
    english, translated = headings(METRICS), headings(translation)

    assert english - translated == set(), (
        f"docs/metrics.md has headings that docs/{translation.name} lacks: a heading added or renamed "
        f"in English needs its translation there, with the English id ({{#id}})"
    )
    assert translated - english == set(), (
        f"docs/{translation.name} has heading ids docs/metrics.md does not have: every translated "
        f"heading keeps the English heading's id ({{#id}})"
    )


METRICS_PAGE = {
    "de": ("Beteiligungsquote", "Eine Quote liegt nie über 100 %", "Wie die Zahlen definiert sind"),
    "fr": ("Taux de participation", "Un taux ne dépasse jamais 100", "Comment les chiffres sont définis"),
}


@pytest.mark.parametrize("language", METRICS_PAGE)
def test_the_metrics_page_is_in_the_persons_language_with_the_english_anchors(client_as, personas, language):
    personas.member.language = language
    personas.member.save()
    response = client_as(personas.member).get(reverse("rollout:metrics"), HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    rate, rule, title = METRICS_PAGE[language]

    assert response["Content-Language"] == language
    assert f'<h3 id="participation-rate">{rate}</h3>' in page
    assert f'<h1 id="how-the-figures-are-defined">{title}</h1>' in page
    assert 'id="dialogue-ratio"' in page and 'id="step-health"' in page and 'id="active-users"' in page
    assert rule in page
    assert "A rate is never above 100 %" not in page and "Participation rate</h3>" not in page


def test_the_metrics_page_stays_in_english_by_default(client_as, personas):
    page = client_as(personas.member).get(reverse("rollout:metrics"), HTTP_ACCEPT_LANGUAGE="en").text

    assert '<h3 id="participation-rate">Participation rate</h3>' in page
    assert "Beteiligungsquote" not in page and "Taux de participation" not in page


def test_a_portfolio_fact_links_to_its_definition_and_to_its_rows():
    fact = Fact("Active users (28 days)", "99", definition="active-users", rows_url="/r/1/engage/people/")
    html = render_to_string("rollout/_facts.html", {"row": {"facts": [fact]}})

    assert 'href="/metrics/#active-users"' in html
    assert '<a href="/r/1/engage/people/" title="The rows behind this figure">99</a>' in html
