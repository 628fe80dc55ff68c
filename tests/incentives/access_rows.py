"""The incentive step's rows of the access matrix (tests/test_access_matrix.py)."""

from incentives.models import Issuer
from rollout.models import Role

from ..access import EDITORS, LEADERS, ROLES, STAFF, page, public, rollout_kwargs
from .factories import (
    AppraisalObjectiveFactory,
    BadgeAwardFactory,
    BadgeFactory,
    PlannedIncentiveFactory,
    PointsClaimFactory,
    PointsRuleFactory,
)


def item_kwargs(p):
    return {"pk": p.rollout.pk, "item": PlannedIncentiveFactory(rollout=p.rollout).pk}


def rule_kwargs(p):
    return {"pk": p.rollout.pk, "rule": PointsRuleFactory(rollout=p.rollout).pk}


def claim_kwargs(p):
    return {"pk": p.rollout.pk, "claim": PointsClaimFactory(rollout=p.rollout, person=p.member).pk}


def badge_kwargs(p):
    return {"pk": p.rollout.pk, "badge": BadgeFactory(rollout=p.rollout).pk}


def objective_kwargs(p):
    return {"pk": p.rollout.pk, "objective": AppraisalObjectiveFactory(rollout=p.rollout, person=p.member).pk}


def issuer_id(p):
    return Issuer.objects.create(organization=p.org).public_id


def award(p):
    return BadgeAwardFactory(level=BadgeFactory(rollout=p.rollout).levels.get(), person=p.member)


def leaders_only(row):
    """The outsider is an admin of their own organization: not a leader there either."""
    row.expect["outsider"] = 403
    return row


ROWS = {
    "incentives:home": page(STAFF, rollout_kwargs),
    "incentives:plan": page(EDITORS, rollout_kwargs),
    "incentives:plan_delete": page(EDITORS, item_kwargs, ok=302, method="post"),
    "incentives:rules": page(EDITORS, rollout_kwargs),
    "incentives:rule_edit": page(EDITORS, rule_kwargs),
    "incentives:ledger": page(EDITORS, rollout_kwargs),
    "incentives:claim": page(ROLES, rollout_kwargs),
    "incentives:claims": page(EDITORS, rollout_kwargs),
    "incentives:decide": page(
        EDITORS, claim_kwargs, ok=302, method="post", data=lambda p: {"decision": "approve"}
    ),
    "incentives:badges": page(ROLES, rollout_kwargs),
    "incentives:badge_create": page(EDITORS, rollout_kwargs),
    "incentives:badge_edit": page(EDITORS, badge_kwargs),
    "incentives:award": page(EDITORS, badge_kwargs),
    "incentives:recognition": page(ROLES, rollout_kwargs),
    "incentives:leaderboard": page(ROLES, rollout_kwargs),
    "incentives:seasons": page(EDITORS, rollout_kwargs),
    "incentives:objectives": page(EDITORS, rollout_kwargs),
    "incentives:objective_edit": page(EDITORS, objective_kwargs),
    "incentives:objective_delete": page(EDITORS, objective_kwargs, ok=302, method="post"),
    "incentives:leaders": page(EDITORS, rollout_kwargs),
    # The people behind the portfolio's figures name people: the portfolio's readers only.
    "incentives:reached": page(LEADERS, rollout_kwargs),
    "incentives:reached_csv": page(LEADERS, rollout_kwargs),
    "incentives_org:me": page(ROLES),
    "incentives_org:opt_out": page(ROLES, ok=302, method="post", data=lambda p: {"opt_out": "1"}),
    # Only a named leader chooses whether people see them taking part.
    "incentives_org:leader_visibility": leaders_only(
        page({Role.LEADER}, ok=302, method="post", data=lambda p: {"visible": "1"})
    ),
    # The public Open Badges documents: the same answer for everyone, signed in or not.
    "openbadges:issuer": public(kwargs=lambda p: {"public_id": issuer_id(p)}),
    "openbadges:badge_class": public(kwargs=lambda p: {"public_id": award(p).level.public_id}),
    "openbadges:image": public(kwargs=lambda p: {"public_id": award(p).level.public_id}),
    "openbadges:assertion": public(kwargs=lambda p: {"public_id": award(p).public_id}),
    "openbadges:credential": public(kwargs=lambda p: {"public_id": award(p).public_id}),
}
