"""Which language a page or an email is in, and the person's own time zone.

A page: the signed-in person's language (account menu → Language and time zone), else their
organization's default (Settings → Organization), else the browser's Accept-Language, else English.
An email: the recipient's language, else the organization's, else English (an email has no browser).
Django's LocaleMiddleware would read only the browser and a cookie; this order needs the person and
their organization, which OrganizationMiddleware resolves first.
"""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.utils import formats, translation
from django.utils.cache import patch_vary_headers
from django.utils.functional import Promise
from django.utils.html import conditional_escape
from django.utils.translation import pgettext


def chosen_language(user, organization) -> str:
    """The person's language, else their organization's default; "" when neither chose one."""
    return getattr(user, "language", "") or (organization.language if organization is not None else "")


def email_language(user, organization) -> str:
    return chosen_language(user, organization) or settings.LANGUAGE_CODE


class LanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = ""
        if request.user.is_authenticated:
            language = chosen_language(request.user, request.scope.organization)
        language = language or translation.get_language_from_request(request)
        with translation.override(language):
            request.LANGUAGE_CODE = translation.get_language()
            response = self.get_response(request)
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", language)
        return response


# Text shown to people: plain, or a lazy translation (gettext_lazy) resolved when shown.
Text = str | Promise


# Numbers and deferred text ------------------------------------------------------------------


def number(value, decimals: int = 0) -> str:
    """A number in the active language: "1,234.5" in English, "1.234,5" in German, "1 234,5" in French.
    Rounded half up to `decimals` places, as `floatformat` rounds (Django's number_format cuts)."""
    rounded = Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return formats.number_format(rounded, decimal_pos=decimals, use_l10n=True, force_grouping=True)


def percent(value, decimals: int = 1) -> str:
    """A percentage in the active language: "12.5%" in English, "12,5 %" in German and French."""
    return pgettext("a percentage; keep %(number)s", "%(number)s%%") % {"number": number(value, decimals)}


class Percent:
    """A value of a Phrase shown as a percentage (`Phrase.gettext("… %(rate)s …", rate=Percent(12.5))`)."""

    __slots__ = ("value", "decimals")

    def __init__(self, value, decimals: int = 1):
        self.value, self.decimals = float(value), decimals


class Decimals:
    """A value of a Phrase shown with a fixed number of decimals."""

    __slots__ = ("value", "decimals")

    def __init__(self, value, decimals: int = 1):
        self.value, self.decimals = float(value), decimals


def _encoded(value):
    if isinstance(value, Phrase):
        return value.dump()
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int):
        return {"int": value}
    if isinstance(value, Percent):
        return {"pct": value.value, "dec": value.decimals}
    if isinstance(value, Decimals):
        return {"num": value.value, "dec": value.decimals}
    if isinstance(value, float | Decimal):
        return {"num": float(value), "dec": 1}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    return str(value)


def _shown(encoded):
    if isinstance(encoded, str):
        return encoded
    if "phrase" in encoded:  # a Phrase among the values, as `dump` wrote it: rendered, not built
        return Phrase._render(
            encoded["phrase"], encoded.get("plural", ""), encoded.get("count"), encoded.get("values")
        )
    if "int" in encoded:
        return number(encoded["int"])
    if "pct" in encoded:
        return percent(encoded["pct"], encoded["dec"])
    if "num" in encoded:
        return number(encoded["num"], encoded["dec"])
    return formats.date_format(date.fromisoformat(encoded["date"]), "DATE_FORMAT", use_l10n=True)


class Phrase(str):
    """Text read in the reader's language, kept as its English message and values until shown.

    Step figures are computed once (by a worker, in English) and read by people in several
    languages, in pages, emails, CSVs and the API: what is stored is the message and its values
    (`dump`), and each reader sees it translated with numbers in their language's format (`str`).
    As a `str` it is the English text, so code that compares or searches figures' text is unchanged.

        Phrase.gettext("Coverage: 1 per %(per)s", per=64)
        Phrase.ngettext("%(count)s champion", "%(count)s champions", n, count=n)

    (`makemessages` collects the messages of both: xgettext knows `gettext` and `ngettext` calls.)
    """

    message: str
    plural: str
    quantity: int | None  # the number choosing the plural form (not `count`: that is str.count)
    values: dict

    def __new__(cls, message: str, values: dict | None = None, *, plural: str = "", count: int | None = None):
        encoded = {name: _encoded(value) for name, value in (values or {}).items()}
        return cls._built(message, plural, count, encoded)

    @classmethod
    def _built(cls, message, plural, count, encoded) -> "Phrase":
        phrase = super().__new__(cls, _in_english(cls._render, message, plural, count, encoded))
        phrase.message, phrase.plural, phrase.quantity, phrase.values = message, plural, count, encoded
        return phrase

    @classmethod
    def gettext(cls, message: str, /, **values) -> "Phrase":
        return cls(message, values)

    @classmethod
    def ngettext(cls, singular: str, plural: str, number: int, /, **values) -> "Phrase":
        return cls(singular, values, plural=plural, count=number)

    @staticmethod
    def _render(message, plural, count, encoded) -> str:
        text = translation.ngettext(message, plural, count) if plural else translation.gettext(message)
        return text % {name: _shown(value) for name, value in encoded.items()} if encoded else text

    def __str__(self) -> str:
        if translation.get_language() == ENGLISH:
            return str.__str__(self)  # the text it was built with
        return self._render(self.message, self.plural, self.quantity, self.values)

    def __format__(self, spec) -> str:
        return format(str(self), spec)

    def __html__(self) -> str:
        return conditional_escape(str(self))

    def __reduce__(self):
        return (Phrase.load, (self.dump(),))

    def dump(self) -> dict:
        """The message and its values, for JSON."""
        dumped: dict = {"phrase": self.message}
        if self.plural:
            dumped.update(plural=self.plural, count=self.quantity)
        if self.values:
            dumped["values"] = self.values
        return dumped

    @classmethod
    def load(cls, dumped) -> "Phrase | str":
        """A Phrase from `dump`, or the text itself when it was stored as plain text."""
        if isinstance(dumped, str):
            return dumped
        return cls._built(
            dumped["phrase"], dumped.get("plural", ""), dumped.get("count"), dumped.get("values", {})
        )


ENGLISH = "en"


def _in_english(render, *args) -> str:
    """render(*args) with English active (a Phrase's text as a `str`); no switch when it already is,
    as when a stored document's phrases are loaded together (`in_english`)."""
    if translation.get_language() == ENGLISH:
        return render(*args)
    with translation.override(ENGLISH):
        return render(*args)


def in_english():
    """Activate English for a block that loads many phrases (each would switch to it and back)."""
    return translation.override(ENGLISH)


def dump_text(text):
    """Text for a JSON document: a Phrase's message and values, any other text as it is."""
    return text.dump() if isinstance(text, Phrase) else str(text)
