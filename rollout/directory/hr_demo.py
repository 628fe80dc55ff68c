"""Demo data of the HR file import: Northwind Health's porters, imported from a small HR file
through the real upload, check and confirmation, so Settings → Import people shows one finished
import and Settings → Units a unit whose headcount is counted from the directory.

Registered apart from the SCIM demo (rollout/directory/demo.py imports this module, since
`run_seeders` discovers `demo` modules only)."""

import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile

from rollout.demo import demo_seeder
from rollout.models import Role

from . import hr_services
from .models import PeopleImport

DEMO_FILE = "northwind-hr-export.csv"
UNIT = "Patient Transport"
PORTERS = [
    ("jordan.reyes", "Jordan Reyes", "day"),
    ("alex.kim", "Alex Kim", "day"),
    ("sam.novak", "Sam Novak", "evening"),
    ("ria.banerjee", "Ria Banerjee", "night"),
]


def demo_file(domain):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["Email", "Full name", "Department", "Location", "Shift", "Manager email", "Employee ID"])
    lead = f"{PORTERS[0][0]}@{domain}"
    for number, (login, name, shift) in enumerate(PORTERS, start=1):
        manager = "" if number == 1 else lead
        writer.writerow(
            [f"{login}@{domain}", name, UNIT, "Seattle General", shift, manager, f"NW-{4100 + number}"]
        )
    return out.getvalue().encode("utf-8")


@demo_seeder(2)
def seed_people_import(ctx):
    organization, admin = ctx.organization, ctx.people[Role.ADMIN]
    if PeopleImport.objects.filter(organization=organization, file_name=DEMO_FILE).exists():
        return  # imported before; importing it again would change nothing
    domain = admin.email.split("@")[1]
    people_import = hr_services.store_upload(
        organization, SimpleUploadedFile(DEMO_FILE, demo_file(domain)), admin
    )
    hr_services.run_check(people_import.pk)
    people_import.refresh_from_db()
    hr_services.confirm(people_import, admin)
