"""Finds the words of a template that a reader would see untranslated.

A template's own text (between tags, and in the attributes a reader or a screen reader meets:
title, alt, placeholder, aria-label, value of a button) must come from `{% translate %}` or
`{% blocktranslate %}`, and a text argument of a filter (`default:"Not known"`) from `_("…")`.
What is left once template tags, variables, comments, scripts and styles are taken out is the
untranslated text. Names that read the same in every language (Rollout, CSV, Slack…) are allowed.

    .venv/bin/python tests/template_literals.py templates/strategy   # lists what is left, by line
"""

import re
import sys
from html.parser import HTMLParser
from pathlib import Path

# Words that are the same in every language we ship: product, protocol and format names.
SAME_IN_EVERY_LANGUAGE = {
    "Rollout",
    "CSV",
    "JSON",
    "ZIP",
    "API",
    "SCIM",
    "SSO",
    "OIDC",
    "OpenID",
    "Connect",
    "URL",
    "URI",
    "ID",
    "Slack",
    "Microsoft",
    "Teams",
    "Graph",
    "Viva",
    "Engage",
    "Yammer",
    "Entra",
    "Okta",
    "HR",
    "HTTP",
    "HTTPS",
    "JSONL",
    "SVG",
    "PNG",
    "PDF",
    "QR",
    "TOTP",
    "OK",
    "UTC",
    "Bearer",
    "Webhook",
    "Webhooks",
    "Docs",
    "Email",
    "E-mail",
    "Chat",
    "Online",
    "Champion",
    "Champions",
    "Pulse",
    "Status",
    "Start",
    "Team",
    "Name",
    "Info",
}
SEEN_ATTRIBUTES = {"title", "alt", "placeholder", "aria-label", "aria-description", "aria-roledescription"}
WORD = re.compile(r"[^\W\d_]{2,}")
TEXT_FILTERS = re.compile(r"\|\s*(default|default_if_none|yesno|add)\s*:\s*(\"[^\"]*\"|'[^']*')")
PLURALIZE_WITH_WORDS = re.compile(r"\|\s*pluralize\s*:\s*[\"'][^\"']*[^\W\d_]{2,}")


def _without_template_language(source):
    """The template's text with every tag, variable and comment replaced by spaces (lines kept)."""
    blank = lambda match: re.sub(r"[^\n]", " ", match.group(0))  # noqa: E731
    source = re.sub(r"\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}", blank, source, flags=re.S)
    source = re.sub(r"\{#.*?#\}", blank, source, flags=re.S)
    source = re.sub(
        r"\{%\s*blocktrans(late)?\b.*?\{%\s*endblocktrans(late)?\s*%\}", blank, source, flags=re.S
    )
    source = re.sub(r"<script\b.*?</script>", blank, source, flags=re.S | re.I)
    source = re.sub(r"<style\b.*?</style>", blank, source, flags=re.S | re.I)
    source = re.sub(r"<!--.*?-->", blank, source, flags=re.S)
    source = re.sub(r"\{%.*?%\}", blank, source, flags=re.S)
    return re.sub(r"\{\{.*?\}\}", blank, source, flags=re.S)


CODE_LIKE = re.compile(
    r"\S*\w[._@/]\w\S*|\w+_|Open Badges"
)  # domains, addresses, paths, token prefixes, a standard


def _words(text):
    return [word for word in WORD.findall(CODE_LIKE.sub(" ", text)) if word not in SAME_IN_EVERY_LANGUAGE]


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []

    def handle_data(self, data):
        if _words(data):
            self.found.append((self.getpos()[0], data.strip()))

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            button = tag == "input" and (("type", "submit") in attrs or ("type", "button") in attrs)
            shown = name in SEEN_ATTRIBUTES or (name == "value" and button)
            if shown and value and _words(value):
                self.found.append((self.getpos()[0], f'{name}="{value}"'))


def untranslated(path):
    """[(line, text)] of the template's untranslated text."""
    source = Path(path).read_text(encoding="utf-8")
    found = []
    for number, line in enumerate(source.splitlines(), 1):
        for variable in re.findall(r"\{\{.*?\}\}|\{%.*?%\}", line):
            for match in TEXT_FILTERS.finditer(variable):
                text = match.group(2)[1:-1]
                if _words(text) and (" " in text.strip() or text[:1].isupper()):  # not a CSS class
                    found.append((number, variable))
            if PLURALIZE_WITH_WORDS.search(variable):
                found.append((number, variable))
    parser = _Text()
    parser.feed(_without_template_language(source))
    parser.close()
    return sorted(found + parser.found)


def templates(*roots):
    for root in roots:
        root = Path(root)
        yield from sorted(
            p for p in ([root] if root.is_file() else root.rglob("*")) if p.suffix in {".html", ".txt"}
        )


if __name__ == "__main__":
    total = 0
    for template in templates(*(sys.argv[1:] or ["templates"])):
        for line, text in untranslated(template):
            total += 1
            print(f"{template}:{line}: {text[:110]}")
    print(f"{total} untranslated", file=sys.stderr)
    sys.exit(1 if total else 0)
