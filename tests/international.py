"""Finding English left on a page or in an email read in another language.

The English sentences are the catalogue's own: every msgid of three words or more (a msgid with
placeholders or markup counts by its pieces between them) that the language translates differently.
A page read in German must show none of them. Words people typed (names, demo descriptions) are not
in the catalogue, so they never count.
"""

import functools
import html
import re
from pathlib import Path

from django.conf import settings

LOCALE = Path(settings.BASE_DIR) / "locale"

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%%|<[^>]+>|\{[^}]*\}")
WORDS = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def _unescaped(text):
    return re.sub(r"\\(.)", lambda match: ESCAPES.get(match.group(1), match.group(0)), text)


def catalogue(language):
    """{msgid: msgstr} of the language's django.po (plural forms as msgid -> first form; an entry with a
    context keyed "context\x04msgid", as gettext keys it)."""
    text = (LOCALE / language / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    assert "#, fuzzy" not in text, f"{language}: a fuzzy entry is not a translation"
    entries = {}
    for block in text.split("\n\n"):
        context = re.search(r'^msgctxt ((?:".*"\n?)+)', block, re.M)
        msgid = re.search(r'^msgid ((?:".*"\n?)+)', block, re.M)
        msgstr = re.search(r'^msgstr(?:\[0\])? ((?:".*"\n?)+)', block, re.M)
        if msgid and msgstr:
            unquote = lambda part: _unescaped("".join(re.findall(r'"((?:[^"\\]|\\.)*)"', part)))  # noqa: E731
            key = unquote(msgid.group(1))
            entries[f"{unquote(context.group(1))}\x04{key}" if context else key] = unquote(msgstr.group(1))
    entries.pop("", None)  # the header
    return entries


@functools.cache
def english_sentences(language) -> tuple[str, ...]:
    """The English pieces (three words or more) of the catalogue that `language` translates differently."""
    pieces = set()
    for msgid, msgstr in catalogue(language).items():
        msgid = msgid.split("\x04")[-1]
        if msgid == msgstr:
            continue
        for piece in PLACEHOLDER.split(html.unescape(msgid)):
            piece = piece.strip(" \n\t.,:;·—–()")
            if len(WORDS.findall(piece)) >= 3 and piece not in msgstr:
                pieces.add(piece)
    return tuple(sorted(pieces, key=len, reverse=True))


def visible_text(document: str) -> str:
    """The words a reader (or a screen reader) meets: text, titles, labels and placeholders."""
    document = re.sub(r"<(script|style)\b.*?</\1>", " ", document, flags=re.S | re.I)
    document = re.sub(r"<!--.*?-->", " ", document, flags=re.S)
    attributes = re.findall(r'\s(?:title|alt|placeholder|aria-label)="([^"]*)"', document)
    text = re.sub(r"<[^>]+>", " ", document)
    return re.sub(r"\s+", " ", html.unescape(" ".join([text, *attributes])))


def english_left(document: str, language: str) -> list[str]:
    """The catalogue's English sentences found whole (not inside a longer word) in the document's text."""
    text = visible_text(document)
    return [
        sentence
        for sentence in english_sentences(language)
        if sentence in text and re.search(rf"(?<!\w){re.escape(sentence)}(?!\w)", text)
    ]
