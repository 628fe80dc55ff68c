"""Every figure links to its definition: the metrics page is docs/metrics.md, and every anchor a
template or a Fact links to is a heading there."""

import re
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from markdown.extensions.toc import slugify

from rollout.steps import Fact

ROOT = Path(settings.BASE_DIR)
METRICS = ROOT / "docs" / "metrics.md"
TEMPLATE_LINK = re.compile(r"""{%\s*definition\s+["']([a-z0-9-]+)["']""")
FACT_LINK = re.compile(r"""definition=["']([a-z0-9-]+)["']""")


def headings():
    return {
        slugify(line.lstrip("#").strip(), "-")
        for line in METRICS.read_text().splitlines()
        if line.startswith("#")
    }


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


def test_a_portfolio_fact_links_to_its_definition_and_to_its_rows():
    fact = Fact("Active users (28 days)", "99", definition="active-users", rows_url="/r/1/engage/people/")
    html = render_to_string("rollout/_facts.html", {"row": {"facts": [fact]}})

    assert 'href="/metrics/#active-users"' in html
    assert '<a href="/r/1/engage/people/" title="The rows behind this figure">99</a>' in html
