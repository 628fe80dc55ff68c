"""Demo data of the directory: Northwind Health's Clinical Informatics department, provisioned by
its identity provider over SCIM (three people, the lead managing the other two, and the unit as
a SCIM group, its headcount counted from them), and the SCIM token "Entra ID (demo)" on
Settings → Directory (SCIM). The token's text is not kept: a real one is made on that page.

Also imports the HR import's demo (hr_demo.py), since `run_seeders` discovers `demo` modules only.
"""

from rollout.demo import demo_seeder
from rollout.models import Membership, Role, Unit

from . import (
    hr_demo,  # noqa: F401  (registers the HR import's seeder)
    sync,
)
from .models import ScimGroup, ScimPerson, ScimToken
from .scim_auth import create_token

UNIT = "Clinical Informatics"
LOCATION = "Seattle General"
TOKEN_NAME = "Entra ID (demo)"
# (login, given name, family name); the first is the department's lead and the others' manager.
PEOPLE = [
    ("nadia.okafor", "Nadia", "Okafor"),
    ("tomas.lindqvist", "Tomas", "Lindqvist"),
    ("mei.tanaka", "Mei", "Tanaka"),
]


@demo_seeder(3)
def seed_scim_directory(ctx):
    organization = ctx.organization
    domain = ctx.people[Role.ADMIN].email.split("@")[1]
    unit = sync.unit_named(organization, UNIT, Unit.Kind.DEPARTMENT)
    if unit.external_id != "entra-group-clinical-informatics":
        unit.external_id = "entra-group-clinical-informatics"
        unit.save(update_fields=["external_id"])
    ScimGroup.objects.update_or_create(unit=unit, defaults={"deleted_at": None})
    lead = None
    for login, given, family in PEOPLE:
        email = f"{login}@{domain}"
        values = sync.PersonValues(
            email=email,
            full_name=f"{given} {family}",
            external_id=f"entra-{login}",
            unit=unit,
            location=ctx.units.get(LOCATION, False),
            manager=lead if lead is not None else None,
        )
        membership, _ = sync.apply_person(organization, values, source=Membership.Source.SCIM)
        ScimPerson.objects.update_or_create(
            membership=membership,
            defaults={
                "user_name": email,
                "display_name": f"{given} {family}",
                "given_name": given,
                "family_name": family,
                "emails": [{"value": email, "type": "work", "primary": True}],
            },
        )
        lead = lead or membership.user
    sync.recount_headcounts(organization, [unit])
    if not ScimToken.objects.filter(organization=organization, name=TOKEN_NAME).exists():
        create_token(organization, TOKEN_NAME, ctx.people[Role.ADMIN])
