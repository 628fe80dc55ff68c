"""HR files built in the tests: CSV (with a BOM and Windows line ends, as Excel saves them) and XLSX."""

import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from rollout.directory import hr_services

HEADER = ["E-mail", "Full name", "Department", "Location", "Shift", "Manager email", "Employee ID"]


def csv_bytes(rows, header=HEADER):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_bytes(rows, header=HEADER):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def people(count, unit="Nursing", start=0, manager="admin@acme.example"):
    """`count` people, the first managed by `manager` (the rest by the first)."""
    rows = []
    for index in range(start, start + count):
        boss = manager if index == start else f"person{start}@acme.example"
        rows.append(
            [f"person{index}@acme.example", f"Person {index}", unit, "Seattle", "day", boss, f"E{index}"]
        )
    return rows


def upload(org, user, content, name="people.csv", deactivate_missing=False):
    """Store and check a file as the upload page does."""
    file = SimpleUploadedFile(name, content)
    people_import = hr_services.store_upload(org, file, user, deactivate_missing=deactivate_missing)
    hr_services.run_check(people_import.pk)
    people_import.refresh_from_db()
    return people_import


def import_now(people_import, user):
    assert hr_services.confirm(people_import, user)
    people_import.refresh_from_db()
    return people_import
