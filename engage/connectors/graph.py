"""Microsoft Graph usage reports as a connection: Viva Engage and Teams user activity, pulled daily.

Rollout signs in as the organization's own app registration (client credentials, through MSAL)
with the application permission `Reports.Read.All`, asks Graph for a report, follows Graph's 302
to the pre-authenticated download URL, and hands the CSV to the same path as an uploaded file
(engage/services.py: store, check, confirm, import). So every guarantee of the importer holds: a
problem names its row and column, a file is imported whole or not at all, the same file is never
imported twice into a rollout (its hash), and a later period supersedes an overlapping one.

Concealed names are found by the importer itself (`is_concealed` in engage/importers/base.py:
a user principal name that is a 32-character hash); the batch says so, and the connection's page
then tells the admin where Microsoft 365 hides the setting.

A run first downloads every report it needs, then checks each against every rollout it feeds, and
imports only when all passed: a failure on the way (a 429, a 503, a dropped connection) imports
nothing. What was downloaded and what was imported is the run's cursor, which the retry resumes
from. The hosts come from settings (GRAPH_LOGIN_URL, GRAPH_API_URL); nothing else here knows
where it talks to. docs/connectors.md is the admin's side of it.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import msal
import requests
from django.conf import settings
from django.core.files import File
from django.db.models import Q
from django.utils import timezone

from rollout.connections.models import Connection, ConnectionRun
from rollout.connections.registry import ConnectionProblem, ConnectorKind, SettingField, Throttled
from rollout.models import Platform, Rollout

from .. import services
from ..models import ImportBatch

log = logging.getLogger(__name__)

PERMISSION = "Reports.Read.All"
Product = Platform.Product


@dataclass(frozen=True)
class Report:
    product: str
    function: str  # Graph's report function
    label: str


REPORTS = [
    Report(Product.VIVA_ENGAGE, "getYammerActivityUserDetail", "Viva Engage user activity"),
    Report(Product.TEAMS, "getTeamsUserActivityUserDetail", "Teams user activity"),
]
PERIODS = (
    ("D7", "The last 7 days"),
    ("D30", "The last 30 days"),
    ("date", "One day: the latest day Microsoft has reported"),
)
# Microsoft publishes a day's usage about two days later; a date report asks for that day.
REPORTING_DELAY = timedelta(days=3)
CONCEALED_NOTICE = (
    "Microsoft 365 conceals user names in this tenant's usage reports: they arrive as hashes, so "
    "Rollout can keep only totals, and no figure per person or per unit. To change it, a global "
    "admin opens the Microsoft 365 admin center → Settings → Org settings → Reports and clears "
    "“Display concealed user, group, and site names in all reports”, then saves. The next run "
    "brings the names."
)
GRANT = (
    "In the Microsoft Entra admin center open App registrations → your app → API permissions → "
    "Add a permission → Microsoft Graph → Application permissions, add {permission}, then press "
    "“Grant admin consent”."
)


# The client ------------------------------------------------------------------------------------


def _unreachable(where: str, error: Exception) -> ConnectionProblem:
    return ConnectionProblem(
        f"Rollout could not reach {where} ({type(error).__name__}). Check that the server running "
        "Rollout may make HTTPS requests to it (a firewall or proxy may block it); the run is retried."
    )


def _graph_error(response: requests.Response) -> tuple[str, str]:
    """Graph's error body: (code, message), or the status's own words."""
    try:
        error = response.json().get("error") or {}
    except ValueError:
        error = {}
    if not isinstance(error, dict):
        error = {}
    return str(error.get("code") or response.reason or ""), str(error.get("message") or "").strip()


def _retry_after(response: requests.Response, default: int) -> int:
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
        expired = 7000222 in codes
        return ConnectionProblem(
            f"Microsoft Entra ID refused the client secret ({first_line}). "
            + ("The secret has expired. " if expired else "")
            + "Create a new client secret under App registrations → your app → Certificates & secrets, "
            "and paste its Value (not its Secret ID) here."
        )
    if 700016 in codes or error == "unauthorized_client":
        return ConnectionProblem(
            f"The application (client) ID is not an app of tenant {tenant} ({first_line}). Copy the "
            "Application (client) ID from the app registration's Overview page."
        )
    return ConnectionProblem(f"Microsoft Entra ID refused to sign Rollout in: {first_line}")


def _unknown_tenant(tenant: str) -> ConnectionProblem:
    return ConnectionProblem(
        f"Microsoft Entra ID does not know the tenant “{tenant}” (AADSTS90002). Copy the Directory "
        "(tenant) ID from the app registration's Overview page, or use the tenant's "
        "primary domain (e.g. contoso.onmicrosoft.com)."
    )


class GraphClient:
    """App-only calls to Microsoft Graph for one tenant. Tokens come from MSAL (cached in the
    client for its lifetime); a token that Graph calls expired mid-run is replaced once."""

    def __init__(self, tenant: str, client_id: str, secret: str) -> None:
        self.tenant, self.client_id, self.secret = tenant, client_id, secret
        self.login_url = settings.GRAPH_LOGIN_URL
        self.api_url = settings.GRAPH_API_URL
        self.timeout = settings.CONNECTOR_TIMEOUT
        self.session = requests.Session()
        self._app: msal.ConfidentialClientApplication | None = None

    @classmethod
    def for_connection(cls, connection: Connection) -> GraphClient:
        values = connection.settings or {}
        tenant, client_id = values.get("tenant_id", "").strip(), values.get("client_id", "").strip()
        secret = connection.secrets.get("client_secret", "")
        if not (tenant and client_id and secret):
            raise ConnectionProblem(
                "The connection lacks its tenant ID, client ID or client secret: edit it and fill them in."
            )
        return cls(tenant, client_id, secret)

    def _application(self) -> msal.ConfidentialClientApplication:
        if self._app is None:
            try:
                self._app = msal.ConfidentialClientApplication(
                    self.client_id,
                    client_credential=self.secret,
                    authority=f"{self.login_url}/{self.tenant}",
                    # Microsoft's own hosts need neither check; another host (a national
                    # cloud's, the suite's) would fail the instance discovery.
                    validate_authority=False,
                    instance_discovery=False,
                    http_client=self.session,
                    timeout=self.timeout,
                )
            except requests.RequestException as error:
                raise _unreachable(self.login_url, error) from error
            except ValueError as error:
                # MSAL's tenant discovery failed: Entra ID answers 400 AADSTS90002 for an unknown tenant.
                raise _unknown_tenant(self.tenant) from error
        return self._app

    def token(self, fresh: bool = False) -> str:
        app = self._application()
        if fresh:
            app.remove_tokens_for_client()
        try:
            result = app.acquire_token_for_client(scopes=[f"{self.api_url}/.default"])
        except requests.RequestException as error:
            raise _unreachable(self.login_url, error) from error
        if "access_token" not in result:
            raise _sign_in_problem(self.tenant, result)
        return str(result["access_token"])

    def report_url(self, report: Report, period: str, day: date | None = None) -> str:
        argument = f"date={day:%Y-%m-%d}" if day is not None else f"period='{period}'"
        return f"{self.api_url}/v1.0/reports/{report.function}({argument})"

    def locate(self, url: str) -> requests.Response:
        """Graph's answer to a report request: its 302 (or a 200 with the CSV). Maps every error."""
        for attempt in (1, 2):
            headers = {"Authorization": f"Bearer {self.token(fresh=attempt == 2)}"}
            try:
                response = self.session.get(url, headers=headers, allow_redirects=False, timeout=self.timeout)
            except requests.RequestException as error:
                raise _unreachable(self.api_url, error) from error
            code, message = _graph_error(response) if response.status_code >= 400 else ("", "")
            if response.status_code == 401 and code == "InvalidAuthenticationToken" and attempt == 1:
                log.info("Graph refused the access token (%s); signing in again", message)
                continue
            return self._checked(response, code, message)
        raise AssertionError("unreachable")

    def _checked(self, response: requests.Response, code: str, message: str) -> requests.Response:
        status = response.status_code
        said = f"{status} {code}" + (f": {message}" if message else "")
        if status in (200, 301, 302, 303, 307, 308):
            return response
        if status == 429:
            wait = _retry_after(response, 60)
            raise Throttled(
                wait,
                f"Microsoft Graph is throttling this tenant's requests ({said}); it asked to wait "
                f"{wait} seconds, and the run is retried then.",
            )
        if status in (502, 503, 504):
            raise ConnectionProblem(
                f"Microsoft Graph is unavailable ({said}); the run is retried.",
                retry_after=_retry_after(response, 120) if "Retry-After" in response.headers else None,
            )
        if status == 403:
            raise ConnectionProblem(
                f"Microsoft Graph refused to read the usage reports ({said}). The app needs the "
                f"application permission {PERMISSION}, with admin consent. "
                + GRANT.format(permission=PERMISSION),
                permission=PERMISSION,
            )
        if status == 401:
            raise ConnectionProblem(
                f"Microsoft Graph refused Rollout's access token ({said}). Check that the app registration "
                f"has the application permission {PERMISSION} with admin consent."
            )
        raise ConnectionProblem(f"Microsoft Graph answered {said}.")

    def download(self, url: str, to: Path) -> tuple[str, int]:
        """Fetch the report's CSV into `to` as it arrives; (sha256, size). The 302's download URL
        is pre-authenticated: the access token is not sent there."""
        response = self.locate(url)
        digest, size = hashlib.sha256(), 0
        try:
            if response.status_code != 200:
                location = response.headers.get("Location")
                if not location:
                    raise ConnectionProblem(
                        "Microsoft Graph redirected the report request without a location."
                    )
                response = self.session.get(location, stream=True, timeout=self.timeout)
                if response.status_code != 200:
                    code, message = _graph_error(response)
                    self._checked(response, code, message)
            with open(to, "wb") as out:
                for chunk in response.iter_content(1 << 16):
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
        except requests.RequestException as error:
            to.unlink(missing_ok=True)
            raise _unreachable(self.api_url, error) from error
        except ConnectionProblem:
            to.unlink(missing_ok=True)
            raise
        return digest.hexdigest(), size


# The connection kind --------------------------------------------------------------------------


def rollouts_by_product(connection: Connection) -> dict[str, list[Rollout]]:
    """The organization's open rollouts that take each report's product (their own platform's,
    or one they also accept, as an upload would be accepted)."""
    found: dict[str, list[Rollout]] = {}
    rollouts = Rollout.objects.filter(organization_id=connection.organization_id).exclude(
        status=Rollout.Status.CLOSED
    )
    for report in REPORTS:
        matching = rollouts.filter(
            Q(platform__product=report.product) | Q(also_accepts__product=report.product)
        ).distinct()
        found[report.product] = list(matching.order_by("pk"))
    return {product: rows for product, rows in found.items() if rows}


class UsageReports(ConnectorKind):
    key = "graph_usage_reports"
    label = "Microsoft 365 usage reports (Microsoft Graph)"
    description = (
        "Viva Engage and Teams user activity, pulled from Microsoft Graph every day into each rollout "
        "on those platforms, as if the report had been exported and uploaded. Needs an app "
        f"registration with the application permission {PERMISSION} (docs/connectors.md)."
    )
    credential_fields = [("client_secret", "Client secret (its Value)", True)]
    setting_fields = [
        SettingField("tenant_id", "Directory (tenant) ID", "From the app registration's Overview page."),
        SettingField("client_id", "Application (client) ID", "From the app registration's Overview page."),
        SettingField("period", "Period of each report", "What each daily pull asks for.", PERIODS, "D7"),
    ]

    def test(self, connection: Connection) -> str:
        client = GraphClient.for_connection(connection)
        client.token()
        wanted = rollouts_by_product(connection)
        report = next((r for r in REPORTS if r.product in wanted), REPORTS[0])
        client.locate(client.report_url(report, "D7"))
        return (
            f"Connected to tenant {client.tenant}: Rollout signed in as the app and may read the usage "
            f"reports ({PERMISSION})."
        )

    def pull(self, connection: Connection, run: ConnectionRun) -> int:
        wanted = rollouts_by_product(connection)
        if not wanted:
            run.detail = "No open rollout runs on Viva Engage or Teams: nothing to pull."
            return 0
        client = GraphClient.for_connection(connection)
        period = (connection.settings or {}).get("period") or "D7"
        today = timezone.localdate(timezone=_zone(connection))
        day = today - REPORTING_DELAY if period == "date" else None
        cursor = _resumed(run.cursor, today, period)
        run.cursor = cursor
        files = cursor["files"]
        # 1. Every report first: a failure here imports nothing, and the retry keeps what came.
        for report in REPORTS:
            if report.product in wanted and not _still_there(files.get(report.product)):
                path = services.imports_dir() / f"graph-{uuid.uuid4().hex}.csv"
                file_hash, size = client.download(client.report_url(report, period, day), path)
                files[report.product] = {"path": str(path), "hash": file_hash, "size": size}
                ConnectionRun.objects.filter(pk=run.pk).update(cursor=cursor)
        # 2. Every file checked for every rollout it feeds before anything is imported.
        checked = _check_all(connection, wanted, files, period, day, today, cursor["imported"])
        # 3. Each import is all or nothing; the cursor keeps those done for a retry.
        rows, concealed = 0, False
        for report, rollout, batch in checked:
            batch_id = _import(batch)
            cursor["imported"][f"{report.product}:{rollout.pk}"] = batch_id
            ConnectionRun.objects.filter(pk=run.pk).update(cursor=cursor)
        for report in REPORTS:
            if report.product in files:
                rows += files[report.product].get("rows", 0)
                concealed = concealed or files[report.product].get("concealed", False)
        imported = sorted({pk for pk in cursor["imported"].values() if pk})
        run.import_ref = ("engage.ImportBatch:" + ",".join(map(str, imported)))[:200] if imported else ""
        connection.notice = CONCEALED_NOTICE if concealed else ""
        run.detail = _summary(wanted, files, imported, concealed)
        for entry in files.values():
            Path(entry["path"]).unlink(missing_ok=True)
        return rows


def _zone(connection: Connection) -> ZoneInfo:
    return ZoneInfo(connection.organization.timezone or "UTC")


def _resumed(cursor: dict, today: date, period: str) -> dict:
    """The previous attempt's cursor if it pulled the same reports today, else a fresh one."""
    if cursor and cursor.get("day") == today.isoformat() and cursor.get("period") == period:
        cursor.setdefault("files", {})
        cursor.setdefault("imported", {})
        return cursor
    for entry in (cursor or {}).get("files", {}).values():  # an older attempt's downloads
        Path(entry["path"]).unlink(missing_ok=True)
    return {"day": today.isoformat(), "period": period, "files": {}, "imported": {}}


def _still_there(entry: dict | None) -> bool:
    return entry is not None and Path(entry["path"]).is_file()


def _check_all(connection, wanted, files, period, day, today, done):
    """[(report, rollout, READY batch)] for every rollout not imported yet; raises
    ConnectionProblem (cancelling what was stored) if any file has a problem."""
    checked: list[tuple[Report, Rollout, ImportBatch]] = []
    period_days = 1 if day is not None else int(period[1:])
    options = {"period_end": day or today - timedelta(days=1), "period_days": period_days}
    try:
        for report in REPORTS:
            entry = files.get(report.product)
            if entry is None:
                continue
            for rollout in wanted[report.product]:
                if f"{report.product}:{rollout.pk}" in done:
                    continue
                batch = _store(rollout, report, entry, period, day, today, options)
                entry["rows"], entry["concealed"] = (
                    batch.rows_total,
                    batch.concealed or entry.get("concealed", False),
                )
                if batch.status != ImportBatch.Status.READY:
                    raise ConnectionProblem(_refused(report, batch))
                checked.append((report, rollout, batch))
    except Exception:
        for _, _, batch in checked:
            services.cancel(batch)
        raise
    return checked


def _store(rollout, report, entry, period, day, today, options) -> ImportBatch:
    what = f"{day:%Y-%m-%d}" if day is not None else dict(PERIODS).get(period, period).lower()
    name = f"Microsoft Graph · {report.label}, {what} (pulled {today:%Y-%m-%d}).csv"
    with open(entry["path"], "rb") as handle:
        try:
            batch = services.store_upload(rollout, File(handle, name=name), None, options)
        except services.TooLarge:
            raise ConnectionProblem(
                f"Graph's {report.label} report is larger than the import limit (ENGAGE_MAX_UPLOAD_MB, "
                f"{services.max_upload_bytes() // (1024 * 1024)} MB); raise the limit to import it."
            ) from None
        except services.WrongPlatform as refusal:
            raise ConnectionProblem(str(refusal)) from None
    return services.check(batch)


def _refused(report: Report, batch: ImportBatch) -> str:
    problems = list(batch.problems.all()[:3])
    listed = "; ".join(str(problem) for problem in problems) or batch.message
    return (
        f"Graph's {report.label} report did not pass the check for “{batch.rollout}” "
        f"({batch.problem_count} problem{'s' if batch.problem_count != 1 else ''}: {listed}); nothing was "
        "imported. The file is in the rollout's import history."
    )


def _import(batch: ImportBatch) -> int | None:
    """Import a checked batch now, in this worker; the id of the batch holding the data."""
    try:
        services.confirm(batch, None, enqueue=False)
    except services.AlreadyImported as earlier:
        # The same file, already imported (Microsoft had not refreshed the report): nothing twice.
        services.cancel(batch)
        return earlier.batch.pk if earlier.batch is not None else None
    result = services.run_import(batch.pk)
    if isinstance(result, str):  # "failed", or another worker holds it: not imported by this run
        batch.refresh_from_db()
        raise ConnectionProblem(f"Importing Graph's report into “{batch.rollout}” failed: {batch.message}")
    return batch.pk


def _summary(wanted, files, imported, concealed) -> str:
    parts = []
    for report in REPORTS:
        if report.product in files:
            rollouts = len(wanted[report.product])
            parts.append(
                f"{report.label}: {files[report.product].get('rows', 0)} rows for {rollouts} "
                f"rollout{'s' if rollouts != 1 else ''}"
            )
    text = "; ".join(parts) + "."
    if concealed:
        text += " User names were concealed: only totals were kept (see the notice above)."
    return text
