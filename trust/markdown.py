"""Markdown written in the app, rendered to HTML that is safe to show.

Markdown passes raw HTML through, so the output is cleaned with nh3 (an allow-list sanitiser):
only the tags and attributes below survive, `<script>` and `<style>` are dropped with their
content, links keep http(s) and mailto only and get rel="noopener noreferrer".
"""

import markdown as md
import nh3
from django.utils.safestring import mark_safe

TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    "i", "li", "ol", "p", "pre", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"align"}, "td": {"align"}}
EXTENSIONS = ["tables", "fenced_code", "sane_lists"]


def render_markdown(text):
    html = md.markdown(text or "", extensions=EXTENSIONS, output_format="html")
    clean = nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
    return mark_safe(clean)  # noqa: S308 - sanitised by nh3 just above
