"""Who in an export is a member of the organization.

An export names people by email or UPN. A person is matched to a member when the key is the
member's email, or through a `PersonMatch`: a whole domain (UPNs on `northwind.onmicrosoft.com`
are the members on `northwind.example`) or one alias. A matched person counts in the audiences
of the rollout (by their unit, or by an audience's list of people); an unmatched one counts in no
audience and is shown as a count with a way to match them (docs/metrics.md).

The importer matches with `units_by_key` (the same map at check and at import). Adding or removing
a match re-matches the records already imported and rebuilds the rollouts' figures
(`apply_matches`, run by a worker: `engage.tasks.apply_person_matches`).
"""

from collections import Counter

from django.db import transaction
from django.db.models import Count, Max, Q

from rollout.models import Membership, Organization
from rollout.privacy import ERASED_DOMAIN

from . import rollups
from .models import ActivityRecord, PersonMatch, Source


def units_by_key(organization: Organization) -> dict[str, int | None]:
    """{every key an export may use for a member: their unit id (None without a unit)}: members'
    emails, the keys of one-person matches, and members' emails on a matched domain's twin."""
    by_key: dict[str, int | None] = {
        email.lower(): unit
        for email, unit in Membership.objects.filter(organization=organization).values_list(
            "user__email", "unit_id"
        )
    }
    matches = list(PersonMatch.objects.filter(organization=organization).select_related("user"))
    for match in matches:
        if match.kind == PersonMatch.Kind.PERSON and match.user is not None:
            email = match.user.email.lower()
            if email in by_key:
                by_key.setdefault(match.export_key, by_key[email])
    domains = {m.member_domain: m.export_key for m in matches if m.kind == PersonMatch.Kind.DOMAIN}
    if domains:
        for email, unit in list(by_key.items()):
            local, _, domain = email.rpartition("@")
            if domain in domains:
                by_key.setdefault(f"{local}@{domains[domain]}", unit)
    return by_key


def normalize_domain(text: str) -> str:
    return text.strip().lower().lstrip("@")


def unmatched_people(rollout):
    """The rollout's people matched to no member, most active days first (a queryset of rows:
    person_key, name, days active, last day seen, for a paginator or a CSV)."""
    return (
        ActivityRecord.objects.filter(
            rollout=rollout, superseded=False, aggregated=False, member=False, unit__isnull=True
        )
        .values("person_key")
        .annotate(name=Max("display_name"), records=Count("pk"), last_seen=Max("period_end"))
        .order_by("-records", "person_key")
    )


def unmatched_domains(rollout, limit=5):
    """[(domain, people)] of the unmatched people, most people first: the domains worth matching."""
    counts = Counter(
        key.rpartition("@")[2] for key in unmatched_people(rollout).values_list("person_key", flat=True)
    )
    return counts.most_common(limit)


def add_match(organization, *, export_key, member_domain="", user=None, by=None) -> PersonMatch:
    """Record a match (a domain when `member_domain` is given, else one person as `user`). The
    caller re-matches the imported records (apply_matches) once this commits."""
    kind = PersonMatch.Kind.DOMAIN if member_domain else PersonMatch.Kind.PERSON
    key = normalize_domain(export_key) if member_domain else export_key.strip().lower()
    return PersonMatch.objects.create(
        organization=organization,
        kind=kind,
        export_key=key,
        member_domain=normalize_domain(member_domain),
        user=user,
        created_by=by,
    )


def apply_matches(organization: Organization) -> int:
    """Match the imported records of the organization's rollouts again, as an import would now:
    people who now match a member become members (with the member's unit, unless the file named
    one); people who no longer match (a removed match) stop being members (and lose the unit
    they had from it). Rebuilds the figures of every rollout whose records changed. Returns the
    number of records changed."""
    by_key = units_by_key(organization)
    changed_total = 0
    # An erased person's pseudonymous keys (engage/privacy.py) match no member, yet they stay as
    # they were matched: re-matching them away would change the figures the erasure kept.
    erased = Q(person_key__endswith=f"@{ERASED_DOMAIN}")
    for rollout_id in (
        ActivityRecord.objects.filter(rollout__organization=organization)
        .values_list("rollout_id", flat=True)
        .distinct()
    ):
        with transaction.atomic():
            records = ActivityRecord.objects.filter(rollout_id=rollout_id, aggregated=False).exclude(erased)
            changed = 0
            newly = set(records.filter(member=False).values_list("person_key", flat=True).distinct()) & set(
                by_key
            )
            by_unit: dict[int | None, list[str]] = {}
            for key in newly:
                by_unit.setdefault(by_key[key], []).append(key)
            for unit_id, keys in by_unit.items():
                for start in range(0, len(keys), 500):
                    part = records.filter(member=False, person_key__in=keys[start : start + 500])
                    changed += part.filter(unit__isnull=True).update(member=True, unit_id=unit_id)
                    changed += part.update(member=True)
            gone = sorted(
                set(records.filter(member=True).values_list("person_key", flat=True).distinct()) - set(by_key)
            )
            for start in range(0, len(gone), 500):
                part = records.filter(member=True, person_key__in=gone[start : start + 500])
                # A unit the file named (Rollout's template) stays; one that came from the match goes.
                changed += part.exclude(source=Source.GENERIC).update(member=False, unit=None)
                changed += part.update(member=False)
            if changed:
                rollups.rebuild_all(rollout_id)
            changed_total += changed
    return changed_total


def keys_of(organization_id: int, email: str, user_id: int) -> set[str]:
    """Every key an export may use for one member (the reverse of units_by_key, in one query):
    their email, the keys of their one-person matches, and their email on a matched domain's twin."""
    email = email.lower()
    local, _, domain = email.rpartition("@")
    keys = {email}
    for kind, export_key in PersonMatch.objects.filter(
        Q(kind=PersonMatch.Kind.PERSON, user_id=user_id)
        | Q(kind=PersonMatch.Kind.DOMAIN, member_domain=domain),
        organization_id=organization_id,
    ).values_list("kind", "export_key"):
        keys.add(export_key if kind == PersonMatch.Kind.PERSON else f"{local}@{export_key}")
    return keys
