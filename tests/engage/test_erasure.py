"""Erasing a person from Engage's activity part: their keys and name leave every record of the
organization (imports, matches, official accounts, previews and problems), the figures read the
same before and after (and after a rebuild), the same person in another organization keeps
everything, and the erasure costs the same queries for a few records or many."""

from datetime import date, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from engage import rollups, selectors
from engage.matching import add_match, apply_matches
from engage.models import (
    ActivityRecord,
    ActivityRollup,
    ActivityWindow,
    ImportProblem,
    OfficialAccount,
    PersonMatch,
)
from rollout.models import Membership
from rollout.privacy import pseudonym_for
from rollout.steps import registry

from ..factories import MembershipFactory, OrganizationFactory, RolloutFactory, UserFactory
from .conftest import import_now, upload
from .erasure_scan import naming, pointing_at
from .files import generic_file, generic_row

pytestmark = pytest.mark.django_db

engage = registry.get("engage")
EMAIL, NAME, ALIAS = "ana.lopez@acme.example", "Ana Lopez", "alopez@acme-contractors.example"
LAST = date(2026, 5, 31)


@pytest.fixture
def ana(personas):
    """Ana, a member of Acme's Sales unit and of Globex, with an alias matched to her at Acme."""
    user = UserFactory(email=EMAIL, full_name=NAME)
    MembershipFactory(organization=personas.org, unit=personas.unit, user=user)
    MembershipFactory(organization=personas.other_org, user=user)
    add_match(personas.org, export_key=ALIAS, user=user, by=user)
    return user


def activity_rows(days, people):
    rows = []
    for offset in range(days):
        day = (LAST - timedelta(days=offset)).isoformat()
        rows += [generic_row(email, day, posts=offset % 3, name=name) for email, name in people]
    return rows


def load(personas, ana, days=10):
    """Two imports into Acme's rollout (by Ana herself) and one into Globex's, each naming Ana."""
    people = [(EMAIL, NAME), ("seller1@acme.example", "Sam Seller"), ("leader@acme.example", "Leader")]
    batch = import_now(upload(personas.rollout, generic_file(activity_rows(days, people)), ana), ana)
    alias = [(ALIAS, NAME), ("outside@else.example", "Oscar")]
    import_now(upload(personas.rollout, generic_file(activity_rows(days, alias)), ana, name="alias.csv"), ana)
    import_now(upload(personas.other_rollout, generic_file(activity_rows(days, [(EMAIL, NAME)])), ana), ana)
    ImportProblem.objects.create(
        batch=batch, row=3, column="person", value=EMAIL, message=f"'{NAME}' ({EMAIL}) is listed twice"
    )
    OfficialAccount.objects.create(rollout=personas.rollout, person_key=EMAIL, label=f"{NAME}'s posts")
    OfficialAccount.objects.create(rollout=personas.other_rollout, person_key=EMAIL, label="Ana")
    return batch


def figures(rollout):
    found = selectors.home_figures(rollout)
    return {
        "participation": found["participation"],
        "dialogue": found["dialogue"],
        "active": found["active_now"],
        "units": found["units"],
        "trends": found["trends"],
        "cadence": [row.weeks for row in found["cadence"]],
        "rollups": list(
            ActivityRollup.objects.filter(rollout=rollout)
            .values_list(
                "grain", "period_start", "unit_id", "people", "active_users", "posts", "dialogue_posts"
            )
            .order_by("grain", "period_start", "unit_id")
        ),
        "windows": list(
            ActivityWindow.objects.filter(rollout=rollout)
            .values_list("day", "active_users", "by_unit", "unmatched_users", "records")
            .order_by("day")
        ),
    }


def erase(personas, user, organization=None):
    membership = Membership.objects.get(organization=organization or personas.org, user=user)
    return engage.erase_person(membership, pseudonym_for(user))


def test_no_text_of_the_organization_names_the_erased_person_and_no_row_points_at_them(personas, ana):
    load(personas, ana)
    assert naming("engage", personas.org, [EMAIL, NAME, ALIAS]) != []
    assert erase(personas, ana) > 0
    assert naming("engage", personas.org, [EMAIL, NAME, ALIAS]) == []
    assert pointing_at("engage", personas.org, ana) == []


def test_the_same_person_in_another_organization_keeps_every_record(personas, ana):
    load(personas, ana)
    before = naming("engage", personas.other_org, [EMAIL, NAME])
    erase(personas, ana)
    assert naming("engage", personas.other_org, [EMAIL, NAME]) == before != []
    assert ActivityRecord.objects.filter(rollout=personas.other_rollout, person_key=EMAIL).count() == 10
    assert OfficialAccount.objects.get(rollout=personas.other_rollout).person_key == EMAIL


def test_the_records_stay_under_one_pseudonymous_key_per_key_of_theirs(personas, ana):
    load(personas, ana)
    pseudonym = pseudonym_for(ana)
    erase(personas, ana)
    keys = ActivityRecord.objects.filter(rollout=personas.rollout, display_name=pseudonym.name)
    local, _, domain = pseudonym.email.partition("@")
    assert sorted(keys.order_by().values_list("person_key", flat=True).distinct()) == [
        f"{local}-2@{domain}",  # the alias
        pseudonym.email,
    ]
    assert keys.count() == 20
    assert OfficialAccount.objects.get(rollout=personas.rollout).person_key == pseudonym.email
    assert not PersonMatch.objects.filter(organization=personas.org, export_key=ALIAS).exists()


def test_the_figures_read_the_same_after_the_erasure_and_after_a_rebuild(personas, ana):
    load(personas, ana)
    before = figures(personas.rollout)
    assert before["active"] == 5
    erase(personas, ana)
    assert figures(personas.rollout) == before
    # Re-matching and rebuilding from the records counts them as before: the matched keys stay
    # members of Sales, and two keys stay two people, as they were.
    apply_matches(personas.org)
    rollups.rebuild_all(personas.rollout.pk)
    assert figures(personas.rollout) == before


def test_the_stored_files_of_finished_imports_are_deleted_once_the_erasure_commits(
    personas, ana, django_capture_on_commit_callbacks
):
    batch = load(personas, ana)
    path = Path(settings.MEDIA_ROOT) / batch.stored_path
    assert path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        erase(personas, ana)
    batch.refresh_from_db()
    assert batch.stored_path == "" and not path.exists()


def test_erasing_twice_changes_nothing_more(personas, ana):
    load(personas, ana)
    erase(personas, ana)
    after = figures(personas.rollout)
    assert erase(personas, ana) == 0
    assert figures(personas.rollout) == after


def person_in_new_organization(days):
    """A person with `days` days of activity, an alias and an official account, in an
    organization of their own: the same shape for any number of days."""
    organization = OrganizationFactory()
    rollout = RolloutFactory(organization=organization)
    user = UserFactory(full_name="Riley Quinn")
    membership = MembershipFactory(organization=organization, user=user)
    alias = f"rq{user.pk}@alias.example"
    add_match(organization, export_key=alias, user=user)
    ActivityRecord.objects.bulk_create(
        ActivityRecord(
            rollout=rollout,
            source="generic",
            person_key=key,
            display_name="Riley Quinn",
            period_start=LAST - timedelta(days=offset),
            period_end=LAST - timedelta(days=offset),
            active_people=1,
            member=True,
        )
        for offset in range(days)
        for key in (user.email, alias)
    )
    OfficialAccount.objects.create(rollout=rollout, person_key=user.email, label="Riley Quinn")
    return membership


def test_the_erasure_costs_the_same_queries_for_few_records_or_many(db):
    few, many = person_in_new_organization(2), person_in_new_organization(60)
    counts = []
    for membership in (few, many):
        with CaptureQueriesContext(connection) as queries:
            assert engage.erase_person(membership, pseudonym_for(membership.user)) > 0
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert not ActivityRecord.objects.filter(display_name="Riley Quinn").exists()
