import io
from datetime import timedelta

import pytest
from django.core.management import call_command

from rollout.models import Organization, Rollout
from rollout.steps import registry
from trust.models import Acknowledgement, Boundary, Completion, Guideline, Incident, Question, TrainingModule
from trust.selectors import guideline_figures, has_acknowledged

pytestmark = pytest.mark.django_db


def counts():
    return (
        Guideline.objects.count(),
        sorted(Guideline.objects.values_list("versions__number", "versions__material")),
        Acknowledgement.objects.count(),
        TrainingModule.objects.count(),
        Question.objects.count(),
        Completion.objects.count(),
        Boundary.objects.count(),
        Incident.objects.count(),
    )


def test_the_demo_has_a_material_second_version_70_percent_acknowledged_and_is_idempotent():
    call_command("seed_demo", stdout=io.StringIO())
    first = counts()
    call_command("seed_demo", stdout=io.StringIO())
    assert counts() == first

    org = Organization.objects.get(slug="northwind-health")
    guideline = Guideline.objects.get(organization=org)
    assert (guideline.current.number, guideline.acknowledge_from) == (2, 2)
    rate = guideline_figures([guideline])[guideline.pk]["rate"]
    assert 60 <= rate <= 80
    member = org.memberships.get(user__email="member@northwind.example").user
    assert not has_acknowledged(guideline, member)
    assert TrainingModule.objects.filter(organization=org).count() == 4
    assert not Completion.objects.filter(user=member, module__topic="copyright").exists()
    assert Completion.objects.filter(module__organization=org, passed_at__isnull=False).count() > 100
    assert 4 <= Incident.objects.filter(organization=org, source="register").count() <= 6
    live = Rollout.objects.get(organization=org, status="live")
    health = registry.get("trust").health([live])[live.pk]
    assert health.started and health.score is not None
    # Speak up: an anonymous report and one by the demo member, which they follow on the page.
    reports = Incident.objects.filter(organization=org, source="employee")
    assert sorted(reports.values_list("anonymous", flat=True)) == [False, True]
    assert reports.get(anonymous=True).reported_by is None
    assert reports.get(anonymous=False).reported_by == member
    assert not reports.filter(told_managers=False).exists()  # the demo emails nobody about them
    membership = org.memberships.get(user=member)
    step = registry.get("trust")
    assert [row[2] for row in {t.key: t for t in step.personal_records(membership)}["reports"].rows] == [
        reports.get(anonymous=False).title
    ]
    since = guideline.current.published_at - timedelta(days=1)
    assert [o.title for o in step.shared_outcomes([live], since)] == [
        f"{guideline.title} updated (version 2)"
    ]
