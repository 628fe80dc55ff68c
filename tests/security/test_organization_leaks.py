"""No leak across organizations: nothing of organization A reaches organization B's admin.

Organization A holds a row for every matrix page (seeding.seed_rows) and every free-text column of
its rows reads "Zyxwv ..." (its rollouts, units, people, platforms, messages...). Organization B's
admin (the outsider) opens every page the matrix lets them open in their own organization, and the
outbox renders every email its producers make for organization B: "Zyxwv" never appears.
"""

from datetime import timedelta

import pytest
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from rollout.models import Membership, Notification, Role

from ..factories import MembershipFactory
from ..test_access_matrix import MATRIX
from .emails import rendered
from .seeding import organization_lookup, poison, seed_rows

MARK = "Zyxwv"

# Pages of organization B's own (public pages, such as the Open Badges documents, are public by design).
OUTSIDER_ROWS = sorted(
    name
    for name, row in MATRIX.items()
    if row.method == "get" and row.expect["outsider"] == 200 and row.expect["anonymous"] != 200
)


@pytest.fixture(scope="module")
def module_marked(module_personas, django_db_blocker):
    """Organization A's rows everywhere, their text marked; organization B's left as they are.
    Made once for the module, in its transaction (see conftest.module_personas)."""
    other = module_personas.other_org.pk

    def organization_b(model):
        lookup = organization_lookup(model)
        return Q(**{lookup: other}) if lookup else None

    with django_db_blocker.unblock():
        seed_rows(module_personas)
        poison(lambda column: f"{MARK} ", exclude=organization_b)
    return module_personas


@pytest.fixture
def marked(personas, module_marked):
    return module_marked


def test_the_mark_is_on_organization_a_pages(client, marked):
    client.force_login(marked.admin)
    for name in ("rollout:list", "rollout:units", "rollout:members", "rollout:platforms"):
        assert MARK in client.get(reverse(name)).text, name


def test_the_sweep_covers_the_outsiders_pages():
    assert len(OUTSIDER_ROWS) > 40 and {"rollout:list", "rollout:portfolio", "people:me"} <= set(
        OUTSIDER_ROWS
    )


@pytest.mark.parametrize("name", OUTSIDER_ROWS)
def test_nothing_of_another_organization_appears_on_any_page(client, marked, name):
    row = MATRIX[name]
    client.force_login(marked.outsider)
    response = client.get(reverse(name, kwargs=row.kwargs(marked) if row.kwargs else None))
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert MARK.encode() not in content, f"{name} shows organization A's data to organization B"


def test_nothing_of_another_organization_appears_in_any_email(marked):
    """Every producer runs a week ahead (digests, news, reminders are due); organization B's emails
    are rendered as the outbox would send them."""
    from rollout import outbox

    other = marked.other_org
    for role in (Role.MANAGER, Role.LEADER, Role.MEMBER):
        MembershipFactory(organization=other, role=role)
    Membership.objects.filter(organization=other).update(weekly_digest=True)
    moment = timezone.now() + timedelta(days=8)
    outbox.insert_due(moment)
    rows = Notification.objects.filter(organization=other).select_related("recipient", "organization")
    kinds = set()
    for row in rows:
        try:
            subject, text, html = rendered(row)
        except Exception as error:  # noqa: BLE001 - a Cancel is fine; anything else is reported
            assert type(error).__name__ == "Cancel", f"{row.kind}: {error!r}"
            continue
        kinds.add(row.kind)
        assert MARK not in subject + text + html, f"{row.kind} to {row.recipient} shows organization A's data"
    assert "digest" in kinds or "portfolio-digest" in kinds, f"no digest rendered for organization B: {kinds}"
