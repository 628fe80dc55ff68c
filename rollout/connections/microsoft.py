"""One Microsoft Graph client for every kind of connection that reads a Microsoft 365 tenant: the
usage reports (engage), the tenant's users as a directory (rollout/directory) and Teams channel
conversations (conversations).

Rollout signs in as the organization's own app registration (client credentials, through MSAL);
each kind names the application permission it needs, so that a refusal says which one to grant.
The client maps every answer Microsoft documents to a message an admin can act on:

- the token endpoint's AADSTS codes: a refused or expired secret, an unknown tenant, a client ID
  that is not an app of the tenant;
- Graph's error body (`{"error": {"code", "message"}}`): 403 names the missing permission;
  401 `InvalidAuthenticationToken` (a token that expired mid-run) signs in again, once;
  429 raises `Throttled` with the `Retry-After` Graph sent; 502/503/504 is retried with backoff;
- no answer at all: the host could not be reached.

Paging follows `@odata.nextLink` to the last page, whose `@odata.deltaLink` (for a delta query)
is where the next round starts. The token is sent to GRAPH_API_URL only: a link that points
elsewhere is refused. The hosts come from settings (GRAPH_LOGIN_URL, GRAPH_API_URL); nothing else
here knows where it talks to.
"""

from __future__ import annotations

import hashlib
import logging
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msal
import requests
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from ..i18n import Text
from .registry import ConnectionProblem, SettingField, Throttled

if TYPE_CHECKING:
    from .models import Connection

log = logging.getLogger(__name__)

# The fields every Microsoft Graph kind asks for: the app registration's.
CREDENTIAL_FIELDS = [("client_secret", gettext_lazy("Client secret (its Value)"), True)]
SETTING_FIELDS = [
    SettingField(
        "tenant_id",
        gettext_lazy("Directory (tenant) ID"),
        gettext_lazy("From the app registration's Overview page."),
    ),
    SettingField(
        "client_id",
        gettext_lazy("Application (client) ID"),
        gettext_lazy("From the app registration's Overview page."),
    ),
]


class GraphProblem(ConnectionProblem):
    """Graph's refusal of one request: its HTTP status and Graph's error code beside the message,
    so that a caller can tell a channel that is gone (404) from a tenant-wide refusal."""

    def __init__(self, message: str, *, status: int, code: str = "", **kwargs: Any):
        super().__init__(message, **kwargs)
        self.status, self.code = status, code


def unreachable(where: str, error: Exception) -> ConnectionProblem:
    return ConnectionProblem(
        _(
            "Rollout could not reach %(where)s (%(error)s). Check that the server running "
            "Rollout may make HTTPS requests to it (a firewall or proxy may block it); the run is retried."
        )
        % {"where": where, "error": type(error).__name__}
    )


def graph_error(response: requests.Response) -> tuple[str, str]:
    """Graph's error body: (code, message), or the status's own words."""
    try:
        error = response.json().get("error") or {}
    except (ValueError, AttributeError):
        error = {}
    if not isinstance(error, dict):
        error = {}
    return str(error.get("code") or response.reason or ""), str(error.get("message") or "").strip()


def retry_after(response: requests.Response, default: int) -> int:
    try:
        return max(1, int(response.headers.get("Retry-After", default)))
    except ValueError:
        return default


def _sign_in_problem(tenant: str, result: dict[str, Any]) -> ConnectionProblem:
    """What Microsoft Entra ID's refusal of a token request means, in the admin's words."""
    error = str(result.get("error") or "")
    description = str(result.get("error_description") or "")
    codes = {int(code) for code in result.get("error_codes") or [] if str(code).isdigit()}
    first_line = description.splitlines()[0] if description else error
    if 90002 in codes or "AADSTS90002" in description:
        return _unknown_tenant(tenant)
    if 7000215 in codes or 7000222 in codes or error == "invalid_client":
        if 7000222 in codes:
            message = _(
                "Microsoft Entra ID refused the client secret (%(said)s). The secret has expired. "
                "Create a new client secret under App registrations → your app → Certificates & secrets, "
                "and paste its Value (not its Secret ID) here."
            )
        else:
            message = _(
                "Microsoft Entra ID refused the client secret (%(said)s). "
                "Create a new client secret under App registrations → your app → Certificates & secrets, "
                "and paste its Value (not its Secret ID) here."
            )
        return ConnectionProblem(message % {"said": first_line})
    if 700016 in codes or error == "unauthorized_client":
        return ConnectionProblem(
            _(
                "The application (client) ID is not an app of tenant %(tenant)s (%(said)s). Copy the "
                "Application (client) ID from the app registration's Overview page."
            )
            % {"tenant": tenant, "said": first_line}
        )
    return ConnectionProblem(
        _("Microsoft Entra ID refused to sign Rollout in: %(said)s") % {"said": first_line}
    )


def _unknown_tenant(tenant: str) -> ConnectionProblem:
    return ConnectionProblem(
        _(
            "Microsoft Entra ID does not know the tenant “%(tenant)s” (AADSTS90002). Copy the Directory "
            "(tenant) ID from the app registration's Overview page, or use the tenant's "
            "primary domain (e.g. contoso.onmicrosoft.com)."
        )
        % {"tenant": tenant}
    )


def app_credentials(connection: Connection) -> tuple[str, str, str]:
    """(tenant, client id, client secret) of a Microsoft connection, or a problem naming what is missing."""
    values = connection.settings or {}
    tenant, client_id = values.get("tenant_id", "").strip(), values.get("client_id", "").strip()
    secret = connection.secrets.get("client_secret", "")
    if not (tenant and client_id and secret):
        raise ConnectionProblem(
            _("The connection lacks its tenant ID, client ID or client secret: edit it and fill them in.")
        )
    return tenant, client_id, secret


def confidential_application(
    tenant: str,
    client_id: str,
    secret: str,
    *,
    session: requests.Session,
    cache: msal.SerializableTokenCache | None = None,
) -> msal.ConfidentialClientApplication:
    """MSAL's application for one app registration in one tenant, signing in at GRAPH_LOGIN_URL."""
    login_url = settings.GRAPH_LOGIN_URL
    try:
        return msal.ConfidentialClientApplication(
            client_id,
            client_credential=secret,
            authority=f"{login_url}/{tenant}",
            # Microsoft's own hosts need neither check; another host (a national cloud's, the
            # suite's) would fail the instance discovery.
            validate_authority=False,
            instance_discovery=False,
            token_cache=cache,
            http_client=session,
            timeout=settings.CONNECTOR_TIMEOUT,
        )
    except requests.RequestException as error:
        raise unreachable(login_url, error) from error
    except ValueError as error:
        # MSAL's tenant discovery failed: Entra ID answers 400 AADSTS90002 for an unknown tenant.
        raise _unknown_tenant(tenant) from error


@dataclass
class Round:
    """Every item of a paged collection, and the `@odata.deltaLink` its last page carried (empty
    when the collection is not a delta query)."""

    items: list[dict] = field(default_factory=list)
    delta_link: str = ""


class GraphClient:
    """App-only calls to Microsoft Graph for one tenant. Tokens come from MSAL (cached in the
    client for its lifetime); a token that Graph calls expired mid-run is replaced once.

    `permission` is the application permission the caller's requests need and `purpose` what it
    reads ("read the usage reports", the end of "Microsoft Graph refused to …", in the active
    language): a 403 names them."""

    def __init__(self, tenant: str, client_id: str, secret: str, *, permission: str, purpose: Text) -> None:
        self.tenant, self.client_id, self.secret = tenant, client_id, secret
        self.permission, self.purpose = permission, purpose
        self.login_url = settings.GRAPH_LOGIN_URL
        self.api_url = settings.GRAPH_API_URL
        self.timeout = settings.CONNECTOR_TIMEOUT
        self.session = requests.Session()
        self._app: msal.ConfidentialClientApplication | None = None

    @classmethod
    def for_connection(cls, connection: Connection, *, permission: str, purpose: Text) -> GraphClient:
        tenant, client_id, secret = app_credentials(connection)
        return cls(tenant, client_id, secret, permission=permission, purpose=purpose)

    # Signing in ---------------------------------------------------------------------------------

    def _application(self) -> msal.ConfidentialClientApplication:
        if self._app is None:
            self._app = confidential_application(
                self.tenant, self.client_id, self.secret, session=self.session
            )
        return self._app

    def token(self, fresh: bool = False) -> str:
        app = self._application()
        if fresh:
            app.remove_tokens_for_client()
        try:
            result = app.acquire_token_for_client(scopes=[f"{self.api_url}/.default"])
        except requests.RequestException as error:
            raise unreachable(self.login_url, error) from error
        if "access_token" not in result:
            raise _sign_in_problem(self.tenant, result)
        return str(result["access_token"])

    # Requests -----------------------------------------------------------------------------------

    def url(self, path: str) -> str:
        """The absolute URL of a Graph path ("/v1.0/users/delta")."""
        return f"{self.api_url}{path}"

    def get(
        self,
        url: str,
        params: dict[str, str] | None = None,
        *,
        redirects: bool = False,
        permission: str = "",
        purpose: Text = "",
    ) -> requests.Response:
        """Graph's answer to a GET: a success or a redirect; every error raised as its message.
        `permission` and `purpose` override the client's for this request's 403."""
        if not url.startswith(f"{self.api_url}/"):
            raise ConnectionProblem(
                _("Microsoft Graph sent a link outside %(url)s; it was not followed.") % {"url": self.api_url}
            )
        for attempt in (1, 2):
            headers = {"Authorization": f"Bearer {self.token(fresh=attempt == 2)}"}
            try:
                response = self.session.get(
                    url, params=params, headers=headers, allow_redirects=redirects, timeout=self.timeout
                )
            except requests.RequestException as error:
                raise unreachable(self.api_url, error) from error
            code, message = graph_error(response) if response.status_code >= 400 else ("", "")
            if response.status_code == 401 and code == "InvalidAuthenticationToken" and attempt == 1:
                log.info("Graph refused the access token (%s); signing in again", message)
                continue
            return self.checked(response, code, message, permission=permission, purpose=purpose)
        raise AssertionError("unreachable")

    def checked(
        self,
        response: requests.Response,
        code: str,
        message: str,
        *,
        permission: str = "",
        purpose: Text = "",
    ) -> requests.Response:
        status = response.status_code
        said = f"{status} {code}" + (f": {message}" if message else "")
        permission, purpose = permission or self.permission, purpose or self.purpose
        if status in (200, 301, 302, 303, 307, 308):
            return response
        if status == 429:
            wait = retry_after(response, 60)
            raise Throttled(
                wait,
                ngettext(
                    "Microsoft Graph is throttling this tenant's requests (%(said)s); it asked to wait "
                    "%(wait)s second, and the run is retried then.",
                    "Microsoft Graph is throttling this tenant's requests (%(said)s); it asked to wait "
                    "%(wait)s seconds, and the run is retried then.",
                    wait,
                )
                % {"said": said, "wait": wait},
            )
        if status in (502, 503, 504):
            raise GraphProblem(
                _("Microsoft Graph is unavailable (%(said)s); the run is retried.") % {"said": said},
                status=status,
                code=code,
                retry_after=retry_after(response, 120) if "Retry-After" in response.headers else None,
            )
        if status == 403:
            raise GraphProblem(
                _(
                    "Microsoft Graph refused to %(purpose)s (%(said)s). The app needs the application "
                    "permission %(permission)s, with admin consent. In the Microsoft Entra admin center open "
                    "App registrations → your app → API permissions → Add a permission → Microsoft Graph → "
                    "Application permissions, add %(permission)s, then press “Grant admin consent”."
                )
                % {"purpose": purpose, "said": said, "permission": permission},
                status=status,
                code=code,
                permission=permission,
            )
        if status == 401:
            raise GraphProblem(
                _(
                    "Microsoft Graph refused Rollout's access token (%(said)s). Check that the app registration "
                    "has the application permission %(permission)s with admin consent."
                )
                % {"said": said, "permission": permission},
                status=status,
                code=code,
            )
        raise GraphProblem(_("Microsoft Graph answered %(said)s.") % {"said": said}, status=status, code=code)

    def get_json(
        self, url: str, params: dict[str, str] | None = None, *, permission: str = "", purpose: Text = ""
    ) -> dict:
        response = self.get(url, params, redirects=True, permission=permission, purpose=purpose)
        try:
            body = response.json()
        except ValueError:
            raise GraphProblem(
                _("Microsoft Graph answered %(url)s with something that is not JSON.")
                % {"url": url.split("?")[0]},
                status=response.status_code,
            ) from None
        return body if isinstance(body, dict) else {}

    def pages(self, url: str, params: dict[str, str] | None = None) -> Iterator[dict]:
        """Each page of a collection, following `@odata.nextLink` (which carries the query)."""
        page = self.get_json(url, params)
        yield page
        while next_link := page.get("@odata.nextLink"):
            page = self.get_json(str(next_link))
            yield page

    def collect(self, url: str, params: dict[str, str] | None = None) -> Round:
        """Every item of every page, and the last page's `@odata.deltaLink`. Writes nothing, so a
        failure on page three leaves the caller where it was."""
        fetched = Round()
        for page in self.pages(url, params):
            fetched.items.extend(item for item in page.get("value") or [] if isinstance(item, dict))
            fetched.delta_link = str(page.get("@odata.deltaLink") or "")
        return fetched

    def download(self, url: str, to: Path) -> tuple[str, int]:
        """Fetch a file that Graph answers with a 302 to a pre-authenticated download URL (or a
        200 with the file itself) into `to` as it arrives; (sha256, size). The access token is
        not sent to the download URL."""
        response = self.get(url)
        digest, size = hashlib.sha256(), 0
        try:
            if response.status_code != 200:
                location = response.headers.get("Location")
                if not location:
                    raise ConnectionProblem(_("Microsoft Graph redirected the request without a location."))
                response = self.session.get(location, stream=True, timeout=self.timeout)
                if response.status_code != 200:
                    code, message = graph_error(response)
                    self.checked(response, code, message)
            with open(to, "wb") as out:
                for chunk in response.iter_content(1 << 16):
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
        except requests.RequestException as error:
            to.unlink(missing_ok=True)
            raise unreachable(self.api_url, error) from error
        except ConnectionProblem:
            to.unlink(missing_ok=True)
            raise
        return digest.hexdigest(), size


# A person's sign-in (delegated) -----------------------------------------------------------------

NOT_CONNECTED = gettext_lazy(
    "Nobody has connected this connection to Microsoft yet: open it under Settings → Connections and "
    "press “Connect with Microsoft”, signed in as a person who can read what it pulls."
)
CONSENT_LOST = gettext_lazy(
    "Microsoft Entra ID no longer accepts the sign-in this connection was given (%(said)s): the consent "
    "was revoked, the password changed or the account was disabled. Open the connection under "
    "Settings → Connections and press “Connect with Microsoft” again."
)


class DelegatedSignIn:
    """Tokens for an API that takes a person's delegated token only (the Viva Engage API): a
    person consents once through MSAL's authorization-code flow, and MSAL's serialized token cache
    (the refresh token in it) is kept in the connection's encrypted secrets under `token_cache`.
    Each run asks MSAL for a token silently, which refreshes it; the caller stores `serialized()`
    back when `changed`. The sign-in host is GRAPH_LOGIN_URL, like the app-only client's."""

    def __init__(self, tenant: str, client_id: str, secret: str, *, scope: str, cache: str = "") -> None:
        self.tenant, self.client_id, self.secret, self.scope = tenant, client_id, secret, scope
        self.login_url = settings.GRAPH_LOGIN_URL
        self.cache = msal.SerializableTokenCache()
        if cache:
            self.cache.deserialize(cache)
        self.session = requests.Session()
        self._app: msal.ConfidentialClientApplication | None = None

    @classmethod
    def for_connection(cls, connection: Connection, *, scope: str, cached: bool = True) -> DelegatedSignIn:
        """The connection's sign-in; without its stored tokens when not `cached` (a new consent)."""
        tenant, client_id, secret = app_credentials(connection)
        secrets = connection.secrets
        cache = secrets.get("token_cache", "") if cached else ""
        return cls(tenant, client_id, secret, scope=scope, cache=cache)

    def _application(self) -> msal.ConfidentialClientApplication:
        if self._app is None:
            self._app = confidential_application(
                self.tenant, self.client_id, self.secret, session=self.session, cache=self.cache
            )
        return self._app

    def start(self, redirect_uri: str) -> dict:
        """MSAL's flow (kept in the session until the answer comes back); its `auth_uri` is where
        the person signs in and consents."""
        app = self._application()
        # The answer comes back in the query string, not as a form post: a cross-site POST would
        # arrive without the session cookie (SameSite=Lax) that holds the flow, so MSAL's advice
        # to prefer form_post does not fit; the state and PKCE still protect the code.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="response_mode='form_post' is recommended")
            return dict(app.initiate_auth_code_flow([self.scope], redirect_uri=redirect_uri))

    def finish(self, flow: dict, answer: dict[str, str]) -> str:
        """Redeem the answer the sign-in page sent back (code and state, or an error) for tokens;
        the signed-in person's name. MSAL checks the state and the id token's nonce."""
        if answer.get("error"):
            description = str(answer.get("error_description") or answer["error"]).splitlines()[0]
            raise ConnectionProblem(
                _(
                    "The sign-in did not give Rollout access (%(said)s). Press “Connect with Microsoft” "
                    "again; if an admin must approve the app first, ask them to grant admin consent."
                )
                % {"said": description}
            )
        try:
            result = self._application().acquire_token_by_auth_code_flow(flow, answer, scopes=[self.scope])
        except requests.RequestException as error:
            raise unreachable(self.login_url, error) from error
        except (ValueError, RuntimeError):  # the state or nonce does not match: a stale or forged answer
            raise ConnectionProblem(
                _(
                    "The sign-in answer did not match the one Rollout started; press “Connect with Microsoft” again."
                )
            ) from None
        if "access_token" not in result:
            raise _sign_in_problem(self.tenant, result)
        claims = result.get("id_token_claims") or {}
        return str(claims.get("preferred_username") or claims.get("name") or _("the person who signed in"))

    def token(self, fresh: bool = False) -> str:
        """An access token from the cache, refreshed with the refresh token when it has expired
        (or when `fresh`: the API called the last one expired)."""
        app = self._application()
        accounts = app.get_accounts()
        if not accounts:
            raise ConnectionProblem(str(NOT_CONNECTED))
        try:
            result = app.acquire_token_silent_with_error([self.scope], accounts[0], force_refresh=fresh)
        except requests.RequestException as error:
            raise unreachable(self.login_url, error) from error
        if not result:
            raise ConnectionProblem(str(NOT_CONNECTED))
        if "access_token" not in result:
            if result.get("error") in ("invalid_grant", "interaction_required"):
                said = str(result.get("error_description") or result["error"]).splitlines()[0]
                raise ConnectionProblem(str(CONSENT_LOST) % {"said": said})
            raise _sign_in_problem(self.tenant, result)
        return str(result["access_token"])

    @property
    def changed(self) -> bool:
        return bool(self.cache.has_state_changed)

    def serialized(self) -> str:
        return str(self.cache.serialize())
