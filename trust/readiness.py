"""Readiness: has a person done what the Trust step asks of everyone before they help others?

Read-only selectors over trust's models, for other steps (the Champion step refuses to appoint a
nominee who is not ready, unless a manager overrides it). A person is *ready* when they hold a
valid acknowledgement of every guideline that applies to them and have passed every required
training module. What counts:

- **Guidelines**: the organization's *published* guidelines (a current version) that are
  organization-wide or belong to the rollout asked about (without a rollout: to any rollout that
  reaches people, pilot, live or paused, as the member's own guideline page lists them), and whose
  audience reaches the person (everyone, their unit, or the unit their unit sits in: the same two
  levels as `trust.selectors.audience`). An acknowledgement is valid if it is of the version since
  the last material change or a later one (`Guideline.acknowledge_from`).
- **Training**: every *active* module of the organization. Trust has no "required" flag: its
  training completion rate counts every active module for everyone, so readiness does the same; a
  retired module is no longer required.

An organization with no published guideline and no active module asks nothing: everyone is ready.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from django.db.models import F, Q
from django.utils.translation import gettext as _

from rollout.models import Membership, Organization, Rollout

from .models import Acknowledgement, Completion, Guideline, TrainingModule
from .selectors import MEMBER_ROLLOUT_STATUSES


@dataclass(frozen=True)
class Requirement:
    """One thing a person must have done: a guideline to acknowledge or a module to pass."""

    kind: str  # "guideline" or "training"
    pk: int
    title: str
    done: bool

    @property
    def action(self) -> str:
        """What is missing, in the reader's language: "acknowledge “X”" or "pass “Y”"."""
        if self.kind == "guideline":
            return _("acknowledge “%(title)s”") % {"title": self.title}
        return _("pass “%(title)s”") % {"title": self.title}


@dataclass(frozen=True)
class Readiness:
    """What one person must have done and whether they have."""

    user_id: int
    guidelines: tuple[Requirement, ...] = ()
    training: tuple[Requirement, ...] = ()

    @property
    def missing(self) -> tuple[Requirement, ...]:
        return tuple(item for item in (*self.guidelines, *self.training) if not item.done)

    @property
    def ready(self) -> bool:
        return not self.missing

    @property
    def summary(self) -> str:
        """ "Ready" or what is missing, in words: "Not ready: acknowledge “X”; pass “Y”"."""
        if self.ready:
            return _("Ready: guidelines acknowledged and required training passed")
        return _("Not ready: %(missing)s") % {"missing": "; ".join(item.action for item in self.missing)}


def readiness(
    organization: Organization, user_ids: Collection[int], rollout: Rollout | None = None
) -> dict[int, Readiness]:
    """{user id: Readiness} for `user_ids` in `organization`, in five queries whatever their number.

    A user without an (active) membership is judged against the organization-wide guidelines only.
    """
    user_ids = list(user_ids)
    if not user_ids:
        return {}
    # The units whose audiences reach each person: their unit and the one it sits in.
    reach: dict[int, set[int]] = {user_id: set() for user_id in user_ids}
    for user_id, unit_id, parent_id in Membership.objects.filter(
        organization=organization, user_id__in=user_ids
    ).values_list("user_id", "unit_id", "unit__parent_id"):
        reach[user_id] = {pk for pk in (unit_id, parent_id) if pk is not None}

    guidelines = Guideline.objects.filter(organization=organization, current__isnull=False)
    if rollout is not None:
        guidelines = guidelines.filter(Q(rollout__isnull=True) | Q(rollout=rollout))
    else:
        guidelines = guidelines.filter(
            Q(rollout__isnull=True) | Q(rollout__status__in=MEMBER_ROLLOUT_STATUSES)
        )
    guideline_rows = list(guidelines.values("pk", "title", "audience_unit_id").order_by("title", "pk"))
    acknowledged = set(
        Acknowledgement.objects.filter(
            user_id__in=user_ids,
            version__guideline_id__in=[row["pk"] for row in guideline_rows],
            version__number__gte=F("version__guideline__acknowledge_from"),
        )
        .values_list("user_id", "version__guideline_id")
        .distinct()
    )
    modules = list(
        TrainingModule.objects.filter(organization=organization, active=True)
        .values("pk", "title")
        .order_by("title", "pk")
    )
    passed = set(
        Completion.objects.filter(
            user_id__in=user_ids, module_id__in=[row["pk"] for row in modules], passed_at__isnull=False
        ).values_list("user_id", "module_id")
    )
    result = {}
    for user_id in user_ids:
        applicable = [
            row
            for row in guideline_rows
            if row["audience_unit_id"] is None or row["audience_unit_id"] in reach[user_id]
        ]
        result[user_id] = Readiness(
            user_id,
            guidelines=tuple(
                Requirement("guideline", row["pk"], row["title"], (user_id, row["pk"]) in acknowledged)
                for row in applicable
            ),
            training=tuple(
                Requirement("training", row["pk"], row["title"], (user_id, row["pk"]) in passed)
                for row in modules
            ),
        )
    return result


def readiness_of(organization: Organization, user_id: int, rollout: Rollout | None = None) -> Readiness:
    """The Readiness of one person (see `readiness`)."""
    return readiness(organization, [user_id], rollout)[user_id]
