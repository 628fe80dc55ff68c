"""Shared by the erasure tests of every app (tests/<app>/test_erasure.py, tests/test_privacy.py)."""

from django.apps import apps
from django.db.models import CharField, JSONField, TextField
from django.db.models.functions import Cast


def rows_naming(app_label, needles):
    """{(model name, pk)} of the app's rows (history tables included) with one of `needles` in any
    text field, JSON read as text, whatever the case."""
    found = set()
    for model in apps.get_app_config(app_label).get_models():
        for field in model._meta.concrete_fields:
            if not isinstance(field, CharField | TextField | JSONField):
                continue
            rows = model._default_manager.annotate(as_text=Cast(field.name, TextField()))
            for needle in needles:
                for pk in rows.filter(as_text__icontains=needle).values_list("pk", flat=True):
                    found.add((model.__name__, pk))
    return found
