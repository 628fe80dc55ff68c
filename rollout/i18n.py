"""Which language a page or an email is in, and the person's own time zone.

A page: the signed-in person's language (account menu → Language and time zone), else their
organization's default (Settings → Organization), else the browser's Accept-Language, else English.
An email: the recipient's language, else the organization's, else English (an email has no browser).
Django's LocaleMiddleware would read only the browser and a cookie; this order needs the person and
their organization, which OrganizationMiddleware resolves first.
"""

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers


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
