"""Who changed what in a worksheet, and when, from django-simple-history's records.

One query per tracked model (seven), whatever the number of changes; the differences between
consecutive versions of a row are computed from the fetched records.
"""

from dataclasses import dataclass
from itertools import pairwise

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import (
    AUDIENCE_LABELS,
    CHANNEL_LABELS,
    METRIC_LABELS,
    OBJECTIVE_LABELS,
    STAKEHOLDER_LABELS,
    TIME_ALLOWANCE_LABELS,
    WORKSHEET_LABELS,
    Audience,
    AwarenessChannel,
    Objective,
    Stakeholder,
    SuccessMetric,
    TimeAllowance,
    Worksheet,
)

TRACKED = [
    (Worksheet, _("Worksheet")),
    (Objective, _("Objective")),
    (TimeAllowance, _("Time allowance")),
    (Stakeholder, _("Stakeholder")),
    (Audience, _("Audience")),
    (AwarenessChannel, _("Awareness channel")),
    (SuccessMetric, _("Success metric")),
]
# The translated labels of the fields whose verbose name Django derives from their name.
LABELS = {
    Worksheet: WORKSHEET_LABELS,
    Objective: OBJECTIVE_LABELS,
    TimeAllowance: TIME_ALLOWANCE_LABELS,
    Stakeholder: STAKEHOLDER_LABELS,
    Audience: AUDIENCE_LABELS,
    AwarenessChannel: CHANNEL_LABELS,
    SuccessMetric: METRIC_LABELS,
}
KINDS = {"+": "added", "~": "changed", "-": "removed"}  # the page words each kind in a sentence
LIMIT = 300
IGNORED = {"updated_at"}


@dataclass
class Change:
    when: object
    who: object
    what: str
    name: str
    kind: str
    fields: list  # [(field label, old, new)]


def _diff(model, older, newer):
    """[(field, old, new)] of the fields that differ, with raw values (ids, choice keys)."""
    changes = []
    for field in model._meta.concrete_fields:
        if field.attname in IGNORED or field.primary_key:
            continue
        old, new = getattr(older, field.attname), getattr(newer, field.attname)
        if old != new:
            changes.append((field, old, new))
    return changes


def _readable(entries):
    """Turn raw values into what a person reads: choice labels, and names for foreign keys
    (one query per related model for the whole page)."""
    wanted = {}
    for entry in entries:
        for field, old, new in entry.fields:
            if field.is_relation:
                wanted.setdefault(field.related_model, set()).update(v for v in (old, new) if v is not None)
    names = {model: model._default_manager.in_bulk(ids) for model, ids in wanted.items()}

    def show(field, value):
        if value is None or value == "":
            return ""
        if field.is_relation:
            found = names[field.related_model].get(value)
            return str(found) if found is not None else gettext("(removed)")
        if field.choices:
            return dict(field.flatchoices).get(value, value)
        return value

    def label(field):
        return LABELS.get(field.model, {}).get(field.name, field.verbose_name)

    for entry in entries:
        entry.fields = [
            (label(field), show(field, old), show(field, new)) for field, old, new in entry.fields
        ]
    return entries


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
    return _readable(entries[:limit])


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
        return gettext("Worksheet")
    if model is AwarenessChannel:
        return record.get_channel_display()
    return str(record.instance)
