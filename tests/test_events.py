from datetime import timedelta

import pytest
from django.urls import reverse

from rollout.events import activity

pytestmark = pytest.mark.django_db


@pytest.fixture
def received():
    events = []

    def listener(sender, event, **kwargs):
        events.append(event)

    activity.connect(listener)
    yield events
    activity.disconnect(listener)


def test_logging_a_support_session_emits_an_event_after_commit(
    client, received, django_capture_on_commit_callbacks
):
    import io

    from django.core.management import call_command

    from champions.models import SupportSession
    from rollout.models import User

    call_command("seed_demo", stdout=io.StringIO())
    champion = User.objects.get(email="champion@northwind.example")
    client.force_login(champion)
    session = SupportSession.objects.filter(champion__user=champion).select_related("rollout").first()
    url = reverse("champions:log", args=[session.rollout_id])
    form = client.get(url).context["form"]
    data = {name: field.value() or "" for name, field in ((n, form[n]) for n in form.fields)}
    from django.utils import timezone

    an_hour_ago = timezone.localtime(timezone.now() - timedelta(hours=1), champion_zone(session))
    data.update(
        minutes="10", people_helped="2", channel="in_person", outcome="resolved", other_topic="Mobile set-up"
    )
    data["happened_at"] = an_hour_ago.strftime("%Y-%m-%dT%H:%M")
    data.pop("topics", None)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["form"].errors
    [event] = received
    logged = SupportSession.objects.get(pk=event.source_id)
    assert (event.name, event.user_id, event.rollout_id) == (
        "support_session_logged",
        champion.pk,
        session.rollout_id,
    )
    assert logged.champion.user == champion
    assert event.key == f"support_session_logged:champions.supportsession:{logged.pk}"


def champion_zone(session):
    from zoneinfo import ZoneInfo

    return ZoneInfo(session.rollout.organization.timezone)


def test_nothing_is_emitted_when_the_transaction_rolls_back(received, personas):
    from django.db import transaction

    from rollout.events import emit

    with transaction.atomic():
        emit(
            "recognition_given",
            user=personas.leader,
            organization_id=personas.org.pk,
            source=personas.rollout,
        )
        transaction.set_rollback(True)
    assert received == []
