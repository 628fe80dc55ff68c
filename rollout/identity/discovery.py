"""Fetch and check an issuer's OpenID Connect discovery document, with a precise error.

allauth fetches the same document at each sign-in; this is for the admin's "Test discovery"
button and for saving a provider, so that a typo shows as "could not connect to ..." on the
settings page rather than as a failed sign-in later.
"""

from urllib.parse import urlsplit

import requests

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
        raise DiscoveryError(f"{url} did not answer within {TIMEOUT_SECONDS} seconds.") from None
    except requests.ConnectionError:
        raise DiscoveryError(
            f"Could not connect to {urlsplit(url).netloc}: check the issuer URL, and that this server can reach it."
        ) from None
    except requests.RequestException as error:
        raise DiscoveryError(f"Could not fetch {url}: {type(error).__name__}.") from None
    if response.status_code != 200:
        raise DiscoveryError(f"{url} answered HTTP {response.status_code} instead of the discovery document.")
    try:
        document = response.json()
    except ValueError:
        start = response.text[:60].strip()
        raise DiscoveryError(f"{url} did not answer with JSON (it starts with “{start}”).") from None
    if not isinstance(document, dict):
        raise DiscoveryError(f"{url} answered with JSON that is not a discovery document.")
    missing = [key for key in REQUIRED if not document.get(key)]
    if missing:
        raise DiscoveryError(f"The discovery document at {url} lacks {', '.join(missing)}.")
    if document["issuer"].rstrip("/") != issuer.rstrip("/"):
        raise DiscoveryError(
            f"Issuer mismatch: the discovery document names the issuer {document['issuer']}, not {issuer}. "
            "Copy the issuer exactly as the document gives it."
        )
    methods = document.get("code_challenge_methods_supported")
    if methods is not None and "S256" not in methods:
        raise DiscoveryError("The provider does not support PKCE with S256, which Rollout requires.")
    return document


def origin(url):
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
