from rollout.demo import DemoContext
from rollout.directory import hr_demo
from rollout.directory.models import PeopleImport
from rollout.models import Membership, Role, Unit


def test_the_demo_seeder_records_one_finished_import_and_a_directory_unit(personas):
    context = DemoContext(personas.org, {Role.ADMIN: personas.admin}, {}, {})
    hr_demo.seed_people_import(context)
    hr_demo.seed_people_import(context)  # idempotent, as seed_demo must be

    [people_import] = PeopleImport.objects.filter(organization=personas.org)
    assert people_import.status == PeopleImport.Status.DONE and people_import.summary["added"] == 4
    unit = Unit.objects.get(organization=personas.org, name=hr_demo.UNIT)
    assert (unit.headcount_source, unit.headcount) == (Unit.HeadcountSource.DIRECTORY, 4)
    assert (
        Membership.objects.get(user__email="sam.novak@acme.example").manager.email
        == "jordan.reyes@acme.example"
    )
