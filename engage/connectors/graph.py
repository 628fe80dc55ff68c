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
from. Signing in, Graph's errors and its paging are the shared Microsoft Graph client's
(rollout/connections/microsoft.py). docs/connectors.md is the admin's side of it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from django.core.files import File
from django.db.models import Q
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext, ngettext, pgettext
from django.utils.translation import gettext_lazy as _

from rollout.connections.microsoft import CREDENTIAL_FIELDS, SETTING_FIELDS, GraphClient
from rollout.connections.models import Connection, ConnectionRun
from rollout.connections.registry import ConnectionProblem, ConnectorKind, SettingField
from rollout.i18n import Text
from rollout.models import Platform, Rollout

from .. import services
from ..models import ImportBatch

PERMISSION = "Reports.Read.All"
Product = Platform.Product


@dataclass(frozen=True)
class Report:
    product: str
    function: str  # Graph's report function
    label: Text


REPORTS = [
    Report(Product.VIVA_ENGAGE, "getYammerActivityUserDetail", _("Viva Engage user activity")),
    Report(Product.TEAMS, "getTeamsUserActivityUserDetail", _("Teams user activity")),
]
PERIODS = (
    ("D7", _("The last 7 days")),
    ("D30", _("The last 30 days")),
    ("date", _("One day: the latest day Microsoft has reported")),
)
# Microsoft publishes a day's usage about two days later; a date report asks for that day.
REPORTING_DELAY = timedelta(days=3)
CONCEALED_NOTICE = _(
    "Microsoft 365 conceals user names in this tenant's usage reports: they arrive as hashes, so "
    "Rollout can keep only totals, and no figure per person or per unit. To change it, a global "
    "admin opens the Microsoft 365 admin center → Settings → Org settings → Reports and clears "
    "“Display concealed user, group, and site names in all reports”, then saves. The next run "
    "brings the names."
)


def report_url(client: GraphClient, report: Report, period: str, day: date | None = None) -> str:
    argument = f"date={day:%Y-%m-%d}" if day is not None else f"period='{period}'"
    return client.url(f"/v1.0/reports/{report.function}({argument})")


def graph_client(connection: Connection) -> GraphClient:
    return GraphClient.for_connection(
        connection,
        permission=PERMISSION,
        purpose=pgettext("Microsoft Graph refused to …", "read the usage reports"),
    )


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
    label = _("Microsoft 365 usage reports (Microsoft Graph)")
    description = format_lazy(
        _(
            "Viva Engage and Teams user activity, pulled from Microsoft Graph every day into each rollout "
            "on those platforms, as if the report had been exported and uploaded. Needs an app "
            "registration with the application permission {permission} (docs/connectors.md)."
        ),
        permission=PERMISSION,
    )
    credential_fields = CREDENTIAL_FIELDS
    setting_fields = [
        *SETTING_FIELDS,
        SettingField(
            "period", _("Period of each report"), _("What each daily pull asks for."), PERIODS, "D7"
        ),
    ]

    def test(self, connection: Connection) -> str:
        client = graph_client(connection)
        client.token()
        wanted = rollouts_by_product(connection)
        report = next((r for r in REPORTS if r.product in wanted), REPORTS[0])
        client.get(report_url(client, report, "D7"))
        return gettext(
            "Connected to tenant %(tenant)s: Rollout signed in as the app and may read the usage reports "
            "(%(permission)s)."
        ) % {"tenant": client.tenant, "permission": PERMISSION}

    def pull(self, connection: Connection, run: ConnectionRun) -> int:
        wanted = rollouts_by_product(connection)
        if not wanted:
            run.detail = gettext("No open rollout runs on Viva Engage or Teams: nothing to pull.")
            return 0
        client = graph_client(connection)
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
                file_hash, size = client.download(report_url(client, report, period, day), path)
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
        connection.notice = str(CONCEALED_NOTICE) if concealed else ""
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
    what = f"{day:%Y-%m-%d}" if day is not None else str(dict(PERIODS).get(period, period)).lower()
    name = gettext("Microsoft Graph · %(report)s, %(what)s (pulled %(day)s).csv") % {
        "report": report.label,
        "what": what,
        "day": f"{today:%Y-%m-%d}",
    }
    with open(entry["path"], "rb") as handle:
        try:
            batch = services.store_upload(rollout, File(handle, name=name), None, options)
        except services.TooLarge:
            raise ConnectionProblem(
                gettext(
                    "Graph's %(report)s report is larger than the import limit (ENGAGE_MAX_UPLOAD_MB, "
                    "%(limit)s MB); raise the limit to import it."
                )
                % {"report": report.label, "limit": services.max_upload_bytes() // (1024 * 1024)}
            ) from None
        except services.WrongPlatform as refusal:
            raise ConnectionProblem(str(refusal)) from None
    return services.check(batch)


def _refused(report: Report, batch: ImportBatch) -> str:
    problems = list(batch.problems.all()[:3])
    listed = "; ".join(str(problem) for problem in problems) or batch.message
    return ngettext(
        "Graph's %(report)s report did not pass the check for “%(rollout)s” (%(count)s problem: %(listed)s); "
        "nothing was imported. The file is in the rollout's import history.",
        "Graph's %(report)s report did not pass the check for “%(rollout)s” (%(count)s problems: %(listed)s); "
        "nothing was imported. The file is in the rollout's import history.",
        batch.problem_count,
    ) % {"report": report.label, "rollout": batch.rollout, "count": batch.problem_count, "listed": listed}


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
        raise ConnectionProblem(
            gettext("Importing Graph's report into “%(rollout)s” failed: %(message)s")
            % {"rollout": batch.rollout, "message": batch.message}
        )
    return batch.pk


def _summary(wanted, files, imported, concealed) -> str:
    parts = []
    for report in REPORTS:
        if report.product in files:
            rollouts = len(wanted[report.product])
            rows = files[report.product].get("rows", 0)
            parts.append(
                ngettext(
                    "%(report)s: %(rows)s rows for %(count)s rollout",
                    "%(report)s: %(rows)s rows for %(count)s rollouts",
                    rollouts,
                )
                % {"report": report.label, "rows": rows, "count": rollouts}
            )
    text = "; ".join(parts) + "."
    if concealed:
        text = " ".join(
            [text, gettext("User names were concealed: only totals were kept (see the notice above).")]
        )
    return text
