"""The metrics page: docs/metrics.md, the definition of every figure Rollout shows, as a page.

Every figure in the interface links to its heading here ({% definition %} in
rollout/templatetags/rollout_tags.py), so the definition people read is the one in the repository,
written once. The file is read once per process.
"""

from functools import cache

import markdown
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.safestring import mark_safe

METRICS_FILE = settings.BASE_DIR / "docs" / "metrics.md"


@cache
def metrics_html():
    """docs/metrics.md as HTML with an id on every heading (the same slugs as GitHub's)."""
    text = METRICS_FILE.read_text(encoding="utf-8")
    html = markdown.markdown(
        text, extensions=["tables", "fenced_code", "sane_lists", "toc"], output_format="html"
    )
    return mark_safe(html)  # noqa: S308 - the repository's own file, not user input


@login_required
def metric_definitions(request):
    return render(request, "rollout/metrics.html", {"definitions": metrics_html()})
