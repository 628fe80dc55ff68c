"""Build the POST data of the review form from what the page rendered, as a browser would."""

from datetime import date

from django.forms import CheckboxInput
from django.urls import reverse


def edit_url(review):
    return reverse("reviews:edit", kwargs={"pk": review.rollout_id, "review": review.pk})


def detail_url(review):
    return reverse("reviews:detail", kwargs={"pk": review.rollout_id, "review": review.pk})


def _fields(form, data):
    for field in form:
        if field.field.disabled:
            continue
        value = field.value()
        if isinstance(field.field.widget, CheckboxInput):
            if value:
                data[field.html_name] = "on"
        elif value is not None:
            data[field.html_name] = value.isoformat() if isinstance(value, date) else str(value)


def form_data(sheet, **changes):
    """Every field of every part as rendered, then `changes` (HTML names -> values; None removes)."""
    data = {}
    for part in [*sheet.parts, sheet.complete]:
        if hasattr(part, "management_form"):
            _fields(part.management_form, data)
            for form in part.forms:
                _fields(form, data)
        else:
            _fields(part, data)
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def by_name(sheet, prefix, attribute, value):
    """The index of the form of formset `prefix` whose instance has `attribute` == value."""
    formset = getattr(sheet, prefix)
    for index, form in enumerate(formset.forms):
        current = form.instance
        for part in attribute.split("__"):
            current = getattr(current, part)
        if current == value:
            return index
    raise LookupError(f"No {prefix} row with {attribute}={value!r}")
