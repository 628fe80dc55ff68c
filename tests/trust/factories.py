import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from trust.models import Boundary, Choice, Completion, Guideline, Incident, Question, TrainingModule
from trust.services import publish_version

from ..factories import OrganizationFactory, PlatformFactory


class GuidelineFactory(DjangoModelFactory):
    """A guideline with its first version published (pass `body=` to choose its text)."""

    class Meta:
        model = Guideline
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory)
    title = factory.Sequence(lambda n: f"Guideline {n}")

    @factory.post_generation
    def body(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            publish_version(obj, extracted or "# Be kind\n\nThink before you post.", by=None)
            obj.refresh_from_db()


class TrainingModuleFactory(DjangoModelFactory):
    """A module with `questions` questions of three answers each, the first one correct."""

    class Meta:
        model = TrainingModule
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory)
    title = factory.Sequence(lambda n: f"Module {n}")
    topic = "malware"
    lesson = "Hover over a link before you click it."
    pass_mark = 60

    @factory.post_generation
    def questions(obj, create, extracted, **kwargs):
        if not create:
            return
        for position in range(1, (extracted if extracted is not None else 5) + 1):
            question = Question.objects.create(module=obj, position=position, text=f"Question {position}?")
            for index in range(1, 4):
                Choice.objects.create(
                    question=question, position=index, text=f"Answer {index}", correct=index == 1
                )


class CompletionFactory(DjangoModelFactory):
    class Meta:
        model = Completion

    module = factory.SubFactory(TrainingModuleFactory)
    score = 100
    last_score = 100
    passed_at = factory.LazyFunction(timezone.now)
    last_attempt_at = factory.LazyFunction(timezone.now)


class BoundaryFactory(DjangoModelFactory):
    class Meta:
        model = Boundary

    organization = factory.SubFactory(OrganizationFactory)
    platform = factory.SubFactory(PlatformFactory, organization=factory.SelfAttribute("..organization"))


class IncidentFactory(DjangoModelFactory):
    class Meta:
        model = Incident

    organization = factory.SubFactory(OrganizationFactory)
    title = factory.Sequence(lambda n: f"Incident {n}")
    kind = Incident.Kind.SECURITY
    severity = Incident.Severity.MEDIUM
    occurred_on = factory.LazyFunction(timezone.localdate)
    what_happened = "A phishing link was shared in a community."
