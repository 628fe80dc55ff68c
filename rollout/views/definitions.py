"""The metrics page: docs/metrics.md, the definition of every figure Rollout shows, as a page.

Every figure in the interface links to its heading here ({% definition %} in
rollout/templatetags/rollout_tags.py), so the definition people read is the one in the repository,
written once. The page is in the reader's language: docs/metrics.<language>.md (docs/metrics.de.md,
docs/metrics.fr.md) when the active language has one, else docs/metrics.md, the English reference
the translations follow. A translation's headings keep the English heading's id
(`## Beteiligungsquote {#participation-rate}`), so every link reaches the same definition in every
language (tests/test_definitions.py holds the ids together). Each file is read once per process.
"""

from functools import cache

import markdown
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import translation
from django.utils.safestring import mark_safe

DOCS = settings.BASE_DIR / "docs"
METRICS_FILE = DOCS / "metrics.md"
# attr_list runs before toc (a higher priority), so an explicit {#id} wins over toc's generated slug.
EXTENSIONS = ["tables", "fenced_code", "sane_lists", "attr_list", "toc"]


def metrics_file(language):
    """docs/metrics.<language>.md (or of its generic language, "de" for "de-at"), else docs/metrics.md."""
    for code in dict.fromkeys([language, language.split("-")[0]]):
        translated = DOCS / f"metrics.{code}.md"
        if code and translated.is_file():
            return translated
    return METRICS_FILE


@cache
def metrics_html(language=""):
    """The metrics page in `language` as HTML with an id on every heading: the English heading's slug
    (GitHub's), written out as {#id} in a translation."""
    text = metrics_file(language.lower()).read_text(encoding="utf-8")
    html = markdown.markdown(text, extensions=EXTENSIONS, output_format="html")
    return mark_safe(html)  # noqa: S308 - the repository's own file, not user input


@login_required
def metric_definitions(request):
    language = translation.get_language() or settings.LANGUAGE_CODE
    return render(request, "rollout/metrics.html", {"definitions": metrics_html(language)})
