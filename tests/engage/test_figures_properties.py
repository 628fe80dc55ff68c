"""Properties of the Engage figures over generated organizations, audiences and activity
(hypothesis): every rate is within [0, 100]; the groups and the unit rows add up to the active
users; a person counts once per window; rebuilding from the same records gives the same figures;
the rows behind each figure are as many as the figure says."""

from datetime import date, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engage import figures, people, rollups
from engage.models import ActivityRecord, Source
from rollout.models import Membership
from strategy.models import Audience, Worksheet
from tests.factories import MembershipFactory, OrganizationFactory, RolloutFactory, UnitFactory

DAY = date(2026, 5, 31)

organizations = st.fixed_dictionaries(
    {
        "headcounts": st.lists(st.integers(min_value=0, max_value=30), min_size=1, max_size=4),
        "members": st.lists(st.integers(min_value=-1, max_value=3), min_size=1, max_size=25),
        "strangers": st.integers(min_value=0, max_value=6),
        "audiences": st.lists(
            st.one_of(
                st.tuples(st.just("unit"), st.integers(min_value=0, max_value=3), st.none()),
                st.tuples(
                    st.just("list"), st.lists(st.integers(min_value=0, max_value=30), max_size=6), st.none()
                ),
                st.tuples(st.just("organization"), st.none(), st.integers(min_value=1, max_value=60)),
            ),
            max_size=3,
        ),
        # (person index, days before DAY, active, moved to another unit that day)
        "activity": st.lists(
            st.tuples(
                st.integers(min_value=0, max_value=30),
                st.integers(min_value=0, max_value=40),
                st.booleans(),
                st.booleans(),
            ),
            max_size=60,
        ),
        "concealed": st.integers(min_value=0, max_value=5),
        "privacy": st.integers(min_value=2, max_value=6),
    }
)


def build(spec):
    org = OrganizationFactory(privacy_min_group=spec["privacy"])
    units = [UnitFactory(organization=org, headcount=h) for h in spec["headcounts"]]
    rollout = RolloutFactory(organization=org)
    keys, unit_of = [], {}
    for index, place in enumerate(spec["members"]):
        unit = units[place % len(units)] if place >= 0 else None
        key = f"m{index}@acme.example"
        MembershipFactory(organization=org, unit=unit, user__email=key)
        keys.append(key)
        unit_of[key] = unit
    keys += [f"s{index}@elsewhere.example" for index in range(spec["strangers"])]
    members = set(Membership.objects.filter(organization=org).values_list("user__email", flat=True))
    worksheet = Worksheet.objects.create(rollout=rollout)
    for kind, value, size in spec["audiences"]:
        if kind == "unit":
            Audience.objects.create(
                worksheet=worksheet, name=f"Unit audience {value}", unit=units[value % len(units)]
            )
        elif kind == "list":
            listed = "\n".join(keys[i % len(keys)] for i in value) if keys else ""
            Audience.objects.create(worksheet=worksheet, name="Listed", people=listed)
        else:
            Audience.objects.create(worksheet=worksheet, name="Everyone", size=size)
    records = {}
    for person, back, active, moved in spec["activity"]:
        if not keys:
            break
        key = keys[person % len(keys)]
        day = DAY - timedelta(days=back)
        unit = unit_of.get(key)
        if moved and units:
            unit = units[(units.index(unit) + 1) % len(units)] if unit in units else units[0]
        records[(key, day)] = ActivityRecord(
            rollout=rollout,
            source=Source.GENERIC,
            person_key=key,
            unit=unit,
            member=key in members,
            period_start=day,
            period_end=day,
            active_people=1 if active else 0,
            posts=1 if active else 0,
        )
    if spec["concealed"]:
        records["concealed"] = ActivityRecord(
            rollout=rollout,
            source=Source.VIVA_ENGAGE,
            person_key="(concealed names)",
            aggregated=True,
            people=spec["concealed"] + 2,
            active_people=spec["concealed"],
            period_start=DAY,
            period_end=DAY,
        )
    ActivityRecord.objects.bulk_create(records.values())
    if records:
        rollups.rebuild_all(rollout.pk)
    return rollout


def check(rollout):
    share = figures.participation(rollout, DAY)
    if share is None:
        assert not ActivityRecord.objects.filter(
            rollout=rollout, period_end__gt=DAY - timedelta(days=28)
        ).exists()
        return None
    window_records = ActivityRecord.objects.filter(
        rollout=rollout, period_end__gt=DAY - timedelta(days=28), period_end__lte=DAY, active_people__gt=0
    )
    named = window_records.filter(aggregated=False).values("person_key").distinct().count()
    # A person counts once per window, whatever their days and units.
    assert share.active_users == named + share.concealed
    # The groups add up to the active users.
    assert share.in_audiences + share.outside + share.unmatched + share.concealed == share.active_users
    # Every rate is within [0, 100], or not known with a reason.
    for audience in [*share.audiences, share.headline]:
        if audience is None:
            continue
        assert audience.rate is None or 0 <= audience.rate <= 100
        assert (audience.rate is None) == bool(audience.unknown) or audience.size in (0, None)
    # The unit rows (with "Other" and concealed names) add up to the active users.
    window = figures.windows_on([rollout.pk], DAY)[rollout.pk]
    units = figures.OrganizationUnits.of([rollout.organization_id])[rollout.organization_id]
    rows = figures.unit_figures(rollout, window, units, rollout.organization.privacy_min_group)
    assert sum(row.active for row in rows) == share.active_users
    assert all(row.participation is None or 0 <= row.participation <= 100 for row in rows)
    # The rows behind each figure are as many as the figure says.
    everyone = people.active_people(rollout, DAY)
    assert len(everyone) == named
    assert len(people.in_group(everyone, people.OUTSIDE)) == share.outside
    assert len(people.in_group(everyone, people.NOT_MATCHED)) == share.unmatched
    return share


@pytest.mark.django_db
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=organizations)
def test_the_figures_hold_together_for_any_organization(spec):
    with transaction.atomic():
        rollout = build(spec)
        share = check(rollout)
        if share is not None:
            # The same records again (a re-import changes nothing; a full rebuild) give the same figures.
            rollups.rebuild_all(rollout.pk)
            assert figures.participation(rollout, DAY) == share
        transaction.set_rollback(True)
