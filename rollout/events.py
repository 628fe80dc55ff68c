"""Events that step apps emit and other step apps listen to, without importing each other.

An app that records something worth rewarding or counting sends `activity` after its transaction
commits, through `emit()`:

    from rollout.events import emit
    emit("support_session_logged", user=champion.user, rollout=rollout, source=session)

Listeners connect in their `AppConfig.ready()`:

    from rollout.events import activity
    activity.connect(on_activity)   # def on_activity(sender, event, **kwargs)

Event names in use (keep this list true):

| name | emitted by | user | source |
|---|---|---|---|
| `support_session_logged` | champions | the champion | SupportSession |
| `guideline_acknowledged` | trust | the person | Acknowledgement |
| `training_passed` | trust | the person | Completion |
| `question_answered` | engage | the person who answered | the reply |
| `recognition_given` | incentives | the giver | Recognition |
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

activity = Signal()


@dataclass(frozen=True)
class Event:
    name: str
    user_id: int
    organization_id: int
    rollout_id: int | None
    source_type: str  # "app_label.model", e.g. "champions.supportsession"
    source_id: int
    occurred_at: datetime = field(default_factory=timezone.now)

    @property
    def key(self):
        """Unique per event: listeners use it to stay idempotent."""
        return f"{self.name}:{self.source_type}:{self.source_id}"


def emit(name, *, user, organization_id, source, rollout=None, occurred_at=None):
    """Send `name` to the listeners once the current transaction commits (never for a rollback)."""
    event = Event(
        name=name,
        user_id=user.pk,
        organization_id=organization_id,
        rollout_id=rollout.pk if rollout is not None else None,
        source_type=source._meta.label_lower,
        source_id=source.pk,
        occurred_at=occurred_at or timezone.now(),
    )
    transaction.on_commit(lambda: activity.send(sender=name, event=event))
    return event
