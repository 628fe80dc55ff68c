"""Imports are security-relevant events: each confirmed import is on the audit trail, with who
confirmed it, from which address, and which file went into which rollout."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from engage.models import ImportBatch
from rollout.access import SESSION_KEY
from rollout.models import AuditEvent

from . import files
from .conftest import upload


def good_file():
    return files.viva_file(
        [files.viva_row(f"seller{i}@acme.example", f"Seller {i}", i, 10, 1) for i in range(4)]
    )


def signed_in(user, organization, address):
    client = Client(REMOTE_ADDR=address)
    client.force_login(user)
    session = client.session
    session[SESSION_KEY] = organization.pk
    session.save()
    return client


def test_confirming_on_the_page_records_who_what_and_from_where(personas, people):
    batch = upload(personas.rollout, good_file(), personas.manager, name="may.csv")
    client = signed_in(personas.manager, personas.org, "203.0.113.9")
    client.post(reverse("engage:import_confirm", args=[personas.rollout.pk, batch.pk]))
    event = AuditEvent.objects.get(action=AuditEvent.Action.IMPORTED)
    assert (event.actor, event.ip, event.organization) == (personas.manager, "203.0.113.9", personas.org)
    assert event.target_type == "engage.importbatch" and event.target_id == str(batch.pk)
    assert "may.csv" in event.summary and "4 rows" in event.summary and str(personas.rollout) in event.summary
    # Admins read it on the audit page.
    page = signed_in(personas.admin, personas.org, "203.0.113.10").get(reverse("rollout:audit"))
    assert "may.csv" in page.content.decode()


def test_a_refused_confirmation_records_nothing(personas, people):
    batch = upload(personas.rollout, good_file(), personas.manager)
    client = signed_in(personas.manager, personas.org, "203.0.113.9")
    client.post(reverse("engage:import_confirm", args=[personas.rollout.pk, batch.pk]))
    again = upload(personas.rollout, good_file(), personas.manager)  # the same file: already imported
    client.post(reverse("engage:import_confirm", args=[personas.rollout.pk, again.pk]))
    assert AuditEvent.objects.filter(action=AuditEvent.Action.IMPORTED).count() == 1


def test_the_api_and_the_command_record_their_imports_too(personas, people, tmp_path, settings):
    client = signed_in(personas.manager, personas.org, "198.51.100.7")
    file = SimpleUploadedFile("api.csv", good_file(), content_type="text/csv")
    answer = client.post(reverse("api:activity-import-list"), {"rollout": personas.rollout.pk, "file": file})
    assert answer.status_code == 202, answer.content
    path = tmp_path / "command.csv"
    path.write_bytes(files.viva_file([files.viva_row("seller9@acme.example", "Seller 9", 1, 2, 3)]))
    call_command(
        "import_activity",
        str(path),
        rollout=personas.rollout.pk,
        user=personas.admin.email,
        stdout=io.StringIO(),
    )
    recorded = [
        (event.actor, event.ip, event.summary.split("”")[0])
        for event in AuditEvent.objects.filter(action=AuditEvent.Action.IMPORTED).order_by("pk")
    ]
    assert recorded == [
        (personas.manager, "198.51.100.7", "Activity file “api.csv"),
        (personas.admin, None, "Activity file “command.csv"),
    ]
    # Recorded when confirmed: the API's import waits for a worker, the command's has run.
    assert sorted(ImportBatch.objects.values_list("status", flat=True)) == ["done", "queued"]
