"""Fetch and check an issuer's OpenID Connect discovery document, with a precise error.

allauth fetches the same document at each sign-in; this is for the admin's "Test discovery"
button and for saving a provider, so that a typo shows as "could not connect to ..." on the
settings page rather than as a failed sign-in later.
"""

from urllib.parse import urlsplit

import requests
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

TIMEOUT_SECONDS = 5
WELL_KNOWN = "/.well-known/openid-configuration"
REQUIRED = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")


class DiscoveryError(Exception):
    pass


def discovery_url(issuer):
    return issuer.rstrip("/") + WELL_KNOWN


def discover(issuer):
    """The discovery document of `issuer` (a dict), or DiscoveryError saying what is wrong."""
    url = discovery_url(issuer)
    try:
        response = requests.get(url, timeout=TIMEOUT_SECONDS, headers={"Accept": "application/json"})
    except requests.Timeout:
        raise DiscoveryError(
            ngettext(
                "%(url)s did not answer within %(seconds)s second.",
                "%(url)s did not answer within %(seconds)s seconds.",
                TIMEOUT_SECONDS,
            )
            % {"url": url, "seconds": TIMEOUT_SECONDS}
        ) from None
    except requests.ConnectionError:
        raise DiscoveryError(
            _("Could not connect to %(host)s: check the issuer URL, and that this server can reach it.")
            % {"host": urlsplit(url).netloc}
        ) from None
    except requests.RequestException as error:
        raise DiscoveryError(
            _("Could not fetch %(url)s: %(error)s.") % {"url": url, "error": type(error).__name__}
        ) from None
    if response.status_code != 200:
        raise DiscoveryError(
            _("%(url)s answered HTTP %(status)s instead of the discovery document.")
            % {"url": url, "status": response.status_code}
        )
    try:
        document = response.json()
    except ValueError:
        start = response.text[:60].strip()
        raise DiscoveryError(
            _("%(url)s did not answer with JSON (it starts with “%(start)s”).") % {"url": url, "start": start}
        ) from None
    if not isinstance(document, dict):
        raise DiscoveryError(_("%(url)s answered with JSON that is not a discovery document.") % {"url": url})
    missing = [key for key in REQUIRED if not document.get(key)]
    if missing:
        raise DiscoveryError(
            _("The discovery document at %(url)s lacks %(keys)s.") % {"url": url, "keys": ", ".join(missing)}
        )
    if document["issuer"].rstrip("/") != issuer.rstrip("/"):
        raise DiscoveryError(
            _(
                "Issuer mismatch: the discovery document names the issuer %(named)s, not %(issuer)s. "
                "Copy the issuer exactly as the document gives it."
            )
            % {"named": document["issuer"], "issuer": issuer}
        )
    methods = document.get("code_challenge_methods_supported")
    if methods is not None and "S256" not in methods:
        raise DiscoveryError(_("The provider does not support PKCE with S256, which Rollout requires."))
    return document


def origin(url):
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
