"""Factories of Engage part 2: threads, messages (questions), pulses."""

from datetime import timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from conversations.models import Message, Pulse, PulseInvitation, Thread

from ..factories import RolloutFactory


class ThreadFactory(DjangoModelFactory):
    class Meta:
        model = Thread

    rollout = factory.SubFactory(RolloutFactory)
    source = Thread.Source.CSV
    external_id = factory.Sequence(lambda n: f"t-{n}")
    channel = "help"
    started_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=2))


class MessageFactory(DjangoModelFactory):
    class Meta:
        model = Message

    thread = factory.SubFactory(ThreadFactory)
    rollout = factory.SelfAttribute("thread.rollout")
    external_id = factory.Sequence(lambda n: f"m-{n}")
    author_key = factory.Sequence(lambda n: f"person{n}@example.com")
    author_name = "Ana"
    created_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=2))
    text = "Hello"


class QuestionFactory(MessageFactory):
    text = "How do I join the nursing community?"
    is_question = True


class PulseFactory(DjangoModelFactory):
    class Meta:
        model = Pulse

    rollout = factory.SubFactory(RolloutFactory)
    title = factory.Sequence(lambda n: f"Pulse {n}")
    closes_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=14))


class PulseInvitationFactory(DjangoModelFactory):
    class Meta:
        model = PulseInvitation

    pulse = factory.SubFactory(PulseFactory)
