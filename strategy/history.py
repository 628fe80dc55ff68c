"""Who changed what in a worksheet, and when, from django-simple-history's records.

One query per tracked model (seven), whatever the number of changes; the differences between
consecutive versions of a row are computed from the fetched records.
"""

from dataclasses import dataclass
from itertools import pairwise

from .models import (
    Audience,
    AwarenessChannel,
    Objective,
    Stakeholder,
    SuccessMetric,
    TimeAllowance,
    Worksheet,
)

TRACKED = [
    (Worksheet, "Worksheet"),
    (Objective, "Objective"),
    (TimeAllowance, "Time allowance"),
    (Stakeholder, "Stakeholder"),
    (Audience, "Audience"),
    (AwarenessChannel, "Awareness channel"),
    (SuccessMetric, "Success metric"),
]
KINDS = {"+": "added", "~": "changed", "-": "removed"}
LIMIT = 300
IGNORED = {"updated_at"}


@dataclass
class Change:
    when: object
    who: object
    what: str
    name: str
    kind: str
    fields: list  # [(field verbose name, old, new)]


def _diff(model, older, newer):
    changes = []
    for field in model._meta.concrete_fields:
        if field.attname in IGNORED or field.primary_key:
            continue
        old, new = getattr(older, field.attname), getattr(newer, field.attname)
        if old != new:
            changes.append((field.verbose_name, "" if old is None else old, "" if new is None else new))
    return changes


def worksheet_history(worksheet, limit=LIMIT):
    entries = []
    for model, label in TRACKED:
        records = model.history.select_related("history_user").order_by("-history_date")
        records = (
            records.filter(id=worksheet.pk)
            if model is Worksheet
            else records.filter(worksheet_id=worksheet.pk)
        )
        by_object = {}
        for record in reversed(list(records[:limit])):
            by_object.setdefault(record.id, []).append(record)
        for versions in by_object.values():
            first = versions[0]
            entries.append(_entry(model, label, None, first))
            for older, newer in pairwise(versions):
                entries.append(_entry(model, label, older, newer))
    entries = [entry for entry in entries if entry.kind != "changed" or entry.fields]
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries[:limit]


def _entry(model, label, older, record):
    fields = _diff(model, older, record) if older is not None and record.history_type == "~" else []
    return Change(
        when=record.history_date,
        who=record.history_user,
        what=label,
        name=_name(model, record),
        kind=KINDS[record.history_type],
        fields=fields,
    )


def _name(model, record):
    # Avoid following foreign keys here: one query per record, and the row may be gone.
    if model is Worksheet:
        return "Worksheet"
    if model is AwarenessChannel:
        return record.get_channel_display()
    return str(record.instance)
