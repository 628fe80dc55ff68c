"""Hostile uploads to every upload field: each is refused with a message saying what is wrong,
never a server error, and no data is stored.

The upload fields (every forms.FileField/ImageField of the apps): the activity export
(engage:upload), the conversations import (engage:conversations_import), the training attendance
(engage:momentum_attendance), the HR people file (people_import:upload) and the badge image
(incentives:badge_create). Each gets an oversized file (over the limit the form states, lowered by
its setting so the test stays small), a zip bomb, a polyglot (CSV that is also HTML and script, a GIF
header with a script) and a mislabelled file (a PNG named .csv, a Windows program named .xlsx).

The activity and HR imports check a file after keeping it (a worker checks big files): for them a
refusal may also be the import's page, the import marked as refused with its problems listed.
"""

import io
import zipfile
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

PNG_MAGIC = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 200
EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"
    + b"\x00" * 200
    + b"This program cannot be run in DOS mode"
)
CSV_HTML_POLYGLOT = (
    b"email,trained_on\n<script>alert(1)</script>,2026-01-01\n"
    b'"<html><body onload=alert(1)>",<img src=x onerror=alert(1)>\n'
)
GIF_SCRIPT = b"GIF89a/*\x01\x00\x01\x00\x00\x00\x00;*/=alert(1);//<script>alert(1)</script>"


def zip_bomb(inner_name, size=40 * 1024 * 1024):
    """A small zip whose one member expands to `size` bytes of zeros (40 MB from about 40 kB)."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open(inner_name, "w", force_zip64=True) as member,
    ):
        chunk = b"\0" * (1024 * 1024)
        for _ in range(size // len(chunk)):
            member.write(chunk)
    return buffer.getvalue()


def xlsx_bomb():
    """An .xlsx (a zip with a workbook) whose sheet expands to 40 MB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook/>')
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            member.write(b'<?xml version="1.0"?><worksheet><sheetData>')
            for _ in range(40):
                member.write(b" " * (1024 * 1024))
            member.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def noisy_png():
    """A real PNG over 1 MB (noise does not compress)."""
    import os

    from PIL import Image

    buffer = io.BytesIO()
    Image.frombytes("L", (1100, 1100), os.urandom(1100 * 1100)).save(buffer, "PNG")
    return buffer.getvalue()


def decompression_bomb_png():
    """A valid PNG of 20,000 x 20,000 pixels in a few hundred kB."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("1", (20000, 20000)).save(buffer, "PNG")
    return buffer.getvalue()


@dataclass
class Field:
    url: str  # URL name
    role: str
    field: str
    data: dict
    stored: object  # personas -> a count of the rows an accepted file would add
    refused_import: object = None  # personas -> rows of the import model marked refused since


def _count(*labels):
    from django.apps import apps

    return lambda p: tuple(apps.get_model(label).objects.count() for label in labels)


def _engage_refused(p):
    from engage.models import ImportBatch

    return list(
        ImportBatch.objects.filter(rollout=p.rollout, status=ImportBatch.Status.INVALID).values_list(
            "pk", "message"
        )
    )


def _people_refused(p):
    from rollout.directory.models import PeopleImport

    return list(
        PeopleImport.objects.filter(organization=p.org, status=PeopleImport.Status.REFUSED).values_list(
            "pk", "error"
        )
    )


FIELDS = {
    "activity export": Field(
        "engage:upload", "manager", "file", {}, _count("engage.ActivityRecord"), _engage_refused
    ),
    "conversations import": Field(
        "engage:conversations_import",
        "manager",
        "file",
        {"source": "csv"},
        _count("conversations.Thread", "conversations.Message", "conversations.ConversationImport"),
    ),  # fmt: skip
    "training attendance": Field(
        "engage:momentum_attendance", "manager", "file", {}, _count("conversations.TrainingAttendance")
    ),
    "HR people file": Field(
        "people_import:upload",
        "admin",
        "file",
        {},
        _count("rollout.User", "rollout.Membership"),
        _people_refused,
    ),
    "badge image": Field(
        "incentives:badge_create",
        "manager",
        "image",
        {
            "name": "Helper",
            "description": "Helps",
            "criteria": "Help",
            "color": "#198754",
            "criterion": "manual",
        },
        _count("incentives.BadgeClass"),
    ),  # fmt: skip
}


@pytest.fixture
def small_limits(settings, monkeypatch, tmp_path):
    """Every upload limit at 1 MB (the forms read these), so "oversized" is a small file."""
    settings.MEDIA_ROOT = tmp_path
    settings.ENGAGE_MAX_UPLOAD_MB = 1
    settings.PEOPLE_IMPORT_MAX_UPLOAD_MB = 1
    settings.BADGE_IMAGE_MAX_BYTES = 1024 * 1024
    monkeypatch.setattr("conversations.forms.MAX_UPLOAD", 1024 * 1024)
    monkeypatch.setattr("conversations.importers.slack.MAX_BYTES", 10 * 1024 * 1024)


def hostile_files(field):
    """(what it is, file name, content) for one field."""
    csv_name, zip_name = ("export.csv", "export.zip")
    if field == "badge image":
        return [
            ("oversized", "badge.png", noisy_png()),
            ("zip bomb", "badge.png", decompression_bomb_png()),
            ("polyglot", "badge.png", GIF_SCRIPT),
            ("mislabelled", "badge.png", EXE),
        ]
    oversized = b"email,trained_on\n" + b"a@acme.example,2026-01-01\n" * 45000  # 1.1 MB
    bomb = xlsx_bomb() if field == "HR people file" else zip_bomb("export.csv")
    bomb_name = "people.xlsx" if field == "HR people file" else csv_name
    return [
        ("oversized", csv_name, oversized),
        ("zip bomb", bomb_name, bomb),
        ("zip bomb renamed", zip_name, bomb),
        ("polyglot", csv_name, CSV_HTML_POLYGLOT),
        ("mislabelled PNG", csv_name, PNG_MAGIC),
        ("mislabelled program", "people.xlsx" if field == "HR people file" else csv_name, EXE),
    ]


CASES = [(field, what, name, content) for field in FIELDS for what, name, content in hostile_files(field)]


def refusal_of(response):
    """The message shown for a refused upload: form errors, an import's error list, or the
    refused import's own page after the redirect."""
    context = response.context or {}
    messages = []
    form = context.get("form")
    if form is not None:
        messages += [str(error) for errors in form.errors.values() for error in errors]
    messages += [str(error) for error in context.get("errors") or []]
    return messages


@pytest.mark.parametrize(("field", "what", "name", "content"), CASES, ids=[f"{c[0]}: {c[1]}" for c in CASES])
def test_a_hostile_upload_is_refused_with_a_message_and_nothing_is_stored(
    client, personas, small_limits, field, what, name, content
):
    spec = FIELDS[field]
    client.force_login(personas.users[spec.role])
    kwargs = {"pk": personas.rollout.pk} if spec.url != "people_import:upload" else None
    url = reverse(spec.url, kwargs=kwargs)
    stored_before = spec.stored(personas)
    refused_before = spec.refused_import(personas) if spec.refused_import else []
    upload = SimpleUploadedFile(name, content, content_type="text/csv")
    response = client.post(url, {**spec.data, spec.field: upload})
    assert response.status_code in (200, 302, 400), f"{field}: {what} answered {response.status_code}"
    if response.status_code == 302:
        # Kept, then checked: the import is marked refused, with a message saying why.
        assert spec.refused_import, f"{field}: {what} was accepted"
        refused = [row for row in spec.refused_import(personas) if row not in refused_before]
        assert refused, f"{field}: {what} was kept and not refused"
        page = client.get(response["Location"])
        assert page.status_code == 200
    else:
        assert refusal_of(response), f"{field}: {what} came back without a message"
    assert spec.stored(personas) == stored_before, f"{field}: {what} stored data"
