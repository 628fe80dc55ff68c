import itertools

import pytest

from rollout.events import Event

_ids = itertools.count(1)


@pytest.fixture
def event_of(personas):
    """event_of(name, user, rollout=personas.rollout, source_id=None) -> an Event as apps emit it."""

    def make(name, user, rollout=personas.rollout, source_id=None, occurred_at=None):
        fields = {
            "name": name,
            "user_id": user.pk,
            "organization_id": personas.org.pk,
            "rollout_id": rollout.pk if rollout is not None else None,
            "source_type": "champions.supportsession",
            "source_id": source_id or next(_ids),
        }
        if occurred_at is not None:
            fields["occurred_at"] = occurred_at
        return Event(**fields)

    return make


@pytest.fixture
def queued(monkeypatch):
    """Tasks enqueued on commit land here instead of on the broker."""
    from incentives import tasks

    sent = []
    monkeypatch.setattr(tasks.process_event, "delay", lambda *args: sent.append(("process_event", *args)))
    monkeypatch.setattr(tasks.evaluate_person, "delay", lambda *args: sent.append(("evaluate_person", *args)))
    return sent


@pytest.fixture
def deliver(queued, django_capture_on_commit_callbacks):
    """deliver(event): what happens in production, run in the test: the listener, then the task."""
    from incentives import services, tasks

    def run(event):
        with django_capture_on_commit_callbacks(execute=True):
            services.on_activity(sender=event.name, event=event)
        for name, *args in list(queued):
            getattr(tasks, name)(*args)
        queued.clear()

    return run
