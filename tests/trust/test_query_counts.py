"""Every trust page costs the same number of queries with little data and with a lot, right after a
write and opened again."""

import pytest
from django.urls import reverse

from trust.services import acknowledge, publish_version

from ..factories import MembershipFactory, UnitFactory
from ..pages import query_counts
from .factories import (
    BoundaryFactory,
    CompletionFactory,
    GuidelineFactory,
    IncidentFactory,
    TrainingModuleFactory,
)

pytestmark = pytest.mark.django_db


def grow(personas, guideline, module, n):
    for i in range(n):
        unit = UnitFactory(organization=personas.org, headcount=10)
        users = [MembershipFactory(organization=personas.org, unit=unit).user for _ in range(3)]
        acknowledge(guideline, guideline.current, users[0])
        CompletionFactory(module=module, user=users[1])
        GuidelineFactory(organization=personas.org, audience_unit=unit if i % 2 else None)
        TrainingModuleFactory(organization=personas.org, questions=2)
        BoundaryFactory(organization=personas.org, platform=personas.platform, unit=unit)
        IncidentFactory(
            organization=personas.org, rollout=personas.rollout if i % 2 else None, severity="high"
        )
        # The member's own reports, by name and anonymously (the Speak up page lists the former).
        IncidentFactory(organization=personas.org, source="employee", reported_by=personas.member)
        IncidentFactory(organization=personas.org, source="employee", anonymous=True)
    publish_version(guideline, f"# Version for {n}", personas.manager, changes="more", material=bool(n % 2))


PAGES = [
    ("trust:home", "manager", "rollout"),
    ("trust:home", "champion", "rollout"),
    ("trust_org:mine", "member", None),
    ("trust_org:my_guideline", "member", "guideline"),
    ("trust_org:take_module", "member", "module"),
    ("trust_org:speak_up", "member", None),
    ("trust_org:speak_up", "manager", None),
    ("trust_org:guidelines", "manager", None),
    ("trust_org:guideline", "manager", "guideline"),
    ("trust_org:publish", "manager", "guideline"),
    ("trust_org:modules", "manager", None),
    ("trust_org:module_edit", "manager", "module"),
    ("trust_org:module_results", "manager", "module"),
    ("trust_org:boundaries", "manager", None),
    ("trust_org:incidents", "admin", None),
    ("rollout:overview", "manager", "rollout"),
    ("rollout:list", "manager", None),
]


@pytest.mark.parametrize("url_name, role, kwarg", PAGES)
def test_query_count_does_not_grow_with_people_guidelines_and_incidents(
    client_as, personas, url_name, role, kwarg
):
    guideline = GuidelineFactory(organization=personas.org, title="Using Viva Engage")
    module = TrainingModuleFactory(organization=personas.org, title="Suspicious links", questions=3)
    args = {"rollout": [personas.rollout.pk], "guideline": [guideline.pk], "module": [module.pk], None: []}[
        kwarg
    ]
    client = client_as(personas.users[role])
    url = reverse(url_name, args=args)

    grow(personas, guideline, module, 2)
    small = query_counts(client, url)
    grow(personas, guideline, module, 30)
    assert query_counts(client, url) == small
