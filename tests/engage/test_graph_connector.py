"""The Microsoft Graph usage reports connection against a local Graph (tests/fake_graph.py): the
connector's code is production's, only GRAPH_LOGIN_URL and GRAPH_API_URL point elsewhere."""

import pytest
import time_machine

from engage.connectors.graph import CONCEALED_NOTICE, UsageReports
from engage.models import ActivityRecord, ImportBatch
from rollout.connections import services
from rollout.connections.models import Connection, ConnectionRun
from tests.factories import MembershipFactory, PlatformFactory, RolloutFactory
from tests.fake_graph import CLIENT_ID, SECRET, TENANT, User

pytestmark = pytest.mark.django_db

NOW = "2026-06-02 06:00:00+00:00"


@pytest.fixture
def tenant(fake_graph, personas):
    """Acme's tenant: three members of Sales active on Viva Engage and Teams."""
    for index in range(3):
        MembershipFactory(
            organization=personas.org, unit=personas.unit, user__email=f"seller{index}@acme.example"
        )
    fake_graph.users = [
        User(
            f"seller{index}@acme.example",
            f"Seller {index}",
            posts=index + 1,
            reads=10,
            likes=2,
            replies=index,
        )
        for index in range(3)
    ]
    return fake_graph


def connect(personas, **settings):
    connection = Connection(organization=personas.org, kind=UsageReports.key, name="Microsoft 365")
    return services.save_connection(
        connection,
        settings={"tenant_id": TENANT, "client_id": CLIENT_ID, "period": "D7", **settings},
        secrets={"client_secret": SECRET},
    )


def run(connection, attempt=0):
    with time_machine.travel(NOW, tick=True):
        return services.run(connection.pk, attempt=attempt)


def test_a_pull_imports_each_report_into_the_rollouts_on_its_platform(tenant, personas):
    connection = connect(personas)
    outcome = run(connection)
    assert outcome.status == "succeeded", ConnectionRun.objects.get().detail
    batches = ImportBatch.objects.filter(rollout=personas.rollout).order_by("pk")
    # The personas' rollout runs on Viva Engage and also accepts Teams exports: both reports.
    assert [batch.source for batch in batches] == ["viva_engage", "teams"]
    for batch in batches:
        assert batch.status == ImportBatch.Status.DONE
        assert batch.uploaded_by is None
        assert batch.file_name.startswith("Microsoft Graph · ")
        assert batch.rows_total == 3
    records = ActivityRecord.objects.filter(rollout=personas.rollout, source="viva_engage")
    assert sorted(records.values_list("person_key", "posts")) == [
        ("seller0@acme.example", 1),
        ("seller1@acme.example", 2),
        ("seller2@acme.example", 3),
    ]
    assert records.filter(unit=personas.unit).count() == 3
    run_row = ConnectionRun.objects.get()
    assert run_row.rows_pulled == 6
    assert run_row.import_ref == "engage.ImportBatch:" + ",".join(str(b.pk) for b in batches)
    # The download URL is pre-authenticated: Rollout's token never goes there.
    assert tenant.download_headers and all("Authorization" not in h for h in tenant.download_headers)


def test_a_rollout_on_another_platform_gets_nothing(tenant, personas):
    slack = RolloutFactory(
        organization=personas.org,
        platform=PlatformFactory(organization=personas.org, name="Slack for support"),
    )
    run(connect(personas))
    assert not ImportBatch.objects.filter(rollout=slack).exists()


def test_the_same_report_twice_is_imported_once(tenant, personas):
    connection = connect(personas)
    run(connection)
    run(connection)  # Microsoft has not refreshed the report since
    done = ImportBatch.objects.filter(rollout=personas.rollout, status=ImportBatch.Status.DONE)
    assert done.count() == 2
    assert ActivityRecord.objects.filter(rollout=personas.rollout, source="viva_engage").count() == 3
    assert ConnectionRun.objects.filter(status="succeeded").count() == 2


def test_a_date_report_asks_graph_for_that_day(tenant, personas):
    run(connect(personas, period="date"))
    assert "/v1.0/reports/getYammerActivityUserDetail(date=2026-05-30)" in tenant.report_requests
    batch = ImportBatch.objects.filter(source="viva_engage").get()
    assert (batch.period_start, batch.period_end) == (
        batch.period_end,
        __import__("datetime").date(2026, 5, 30),
    )


def test_concealed_names_are_kept_as_totals_and_the_admin_is_told_how_to_change_it(tenant, personas):
    tenant.concealed = True
    connection = connect(personas)
    assert run(connection).status == "succeeded"
    connection.refresh_from_db()
    assert connection.notice == CONCEALED_NOTICE
    assert "Settings → Org settings → Reports" in connection.notice
    assert "Display concealed user, group, and site names in all reports" in connection.notice
    assert ImportBatch.objects.filter(concealed=True).count() == 2
    tenant.concealed = False
    tenant.refresh_date = "2026-06-01"
    run(connection)
    connection.refresh_from_db()
    assert connection.notice == ""


def test_a_file_with_a_problem_imports_nothing_and_names_row_and_column(tenant, personas):
    tenant.users.append(User("x@acme.example", "X", posts=-1))
    connection = connect(personas)
    outcome = run(connection)
    assert outcome.status == "failed"
    detail = ConnectionRun.objects.get().detail
    assert "Row 5, 'Posted Count': '-1' is negative" in detail
    assert not ActivityRecord.objects.exists()
    assert not ImportBatch.objects.filter(status=ImportBatch.Status.DONE).exists()


def test_an_expired_token_mid_run_is_replaced_once(tenant, personas):
    tenant.expire_tokens_after = 1  # the first report goes through, the second meets an expired token
    assert run(connect(personas)).status == "succeeded"
    assert tenant.token_requests == 2
    assert ImportBatch.objects.filter(status=ImportBatch.Status.DONE).count() == 2


def test_throttling_imports_nothing_and_the_retry_resumes_from_the_cursor(tenant, personas):
    connection = connect(personas)
    tenant.throttle(7, at=2)  # the first report arrives; the second is throttled
    outcome = run(connection)
    assert (outcome.status, outcome.retry_in) == ("throttled", 7)
    first = ConnectionRun.objects.get()
    assert "asked to wait 7 seconds" in first.detail
    assert list(first.cursor["files"]) == ["viva_engage"]
    assert not ImportBatch.objects.exists()
    outcome = run(connection, attempt=1)
    assert outcome.status == "succeeded"
    # The retry fetched only the report the first attempt lacked.
    yammer = [path for path in tenant.report_requests if "Yammer" in path]
    assert len(yammer) == 1
    assert ImportBatch.objects.filter(status=ImportBatch.Status.DONE).count() == 2


def test_an_unavailable_graph_fails_the_run_with_backoff(tenant, personas):
    tenant.unavailable()
    outcome = run(connect(personas))
    assert outcome.status == "failed"
    assert outcome.retry_in == 120
    assert "Microsoft Graph is unavailable (503 serviceNotAvailable" in ConnectionRun.objects.get().detail
    assert not ImportBatch.objects.exists()


# Test connection: the precise message ---------------------------------------------------------


def test_the_test_says_it_worked(tenant, personas):
    worked, message = services.test_connection(connect(personas))
    assert worked, message
    assert f"Connected to tenant {TENANT}" in message
    assert tenant.download_headers == []  # located, never downloaded


def test_a_wrong_secret_is_named(tenant, personas):
    connection = connect(personas)
    services.save_connection(connection, settings=connection.settings, secrets={"client_secret": "wrong"})
    worked, message = services.test_connection(connection)
    assert not worked
    assert "refused the client secret" in message
    assert "AADSTS7000215" in message
    assert "Value (not its Secret ID)" in message


def test_an_unknown_client_id_is_named(tenant, personas):
    worked, message = services.test_connection(connect(personas, client_id="not-an-app"))
    assert not worked
    assert "AADSTS700016" in message


def test_an_unknown_tenant_is_named(tenant, personas):
    worked, message = services.test_connection(connect(personas, tenant_id="nowhere.onmicrosoft.com"))
    assert not worked
    assert "does not know the tenant “nowhere.onmicrosoft.com” (AADSTS90002)" in message


def test_a_missing_permission_is_named(tenant, personas):
    tenant.permissions = set()
    connection = connect(personas)
    worked, message = services.test_connection(connection)
    assert not worked
    assert "403 Authorization_RequestDenied: Insufficient privileges to complete the operation." in message
    assert "Reports.Read.All" in message
    assert "Grant admin consent" in message


def test_a_network_error_is_named(tenant, personas, settings):
    settings.GRAPH_LOGIN_URL = "https://127.0.0.1:9"  # nothing listens there
    worked, message = services.test_connection(connect(personas))
    assert not worked
    assert message.startswith("Rollout could not reach https://127.0.0.1:9 (ConnectionError)")
