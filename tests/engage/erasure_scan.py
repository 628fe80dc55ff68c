"""What an erasure test looks for: every text of an app's models that still names a person in one
organization, and every row there that still points at their account. Shared by the Engage
part's and the conversations part's tests."""

import json

from django.apps import apps
from django.conf import settings
from django.db import models

from rollout.models import Organization

TEXT_FIELDS = (models.CharField, models.TextField, models.EmailField, models.JSONField)


def organization_path(model, depth=4):
    """The lookup from `model` to its Organization ("rollout__organization"), by its foreign keys."""
    if model is Organization:
        return ""
    if depth == 0:
        return None
    for field in model._meta.concrete_fields:
        if isinstance(field, models.ForeignKey) and field.related_model is not apps.get_model(
            settings.AUTH_USER_MODEL
        ):
            path = organization_path(field.related_model, depth - 1)
            if path is not None:
                return f"{field.name}__{path}".rstrip("_")
    return None


def rows_of(model, organization):
    path = organization_path(model)
    assert path is not None, f"{model.__name__} has no way to its organization"
    return model.objects.filter(**{path.removesuffix("__") or "pk": organization})


def naming(app_label, organization, texts):
    """[(model, field, value)] of every text field (JSON as text) of the app's models whose value,
    in the organization's rows, holds one of `texts` (any case)."""
    wanted = [text.lower() for text in texts]
    found = []
    for model in apps.get_app_config(app_label).get_models():
        fields = [field for field in model._meta.concrete_fields if isinstance(field, TEXT_FIELDS)]
        if not fields:
            continue
        for row in rows_of(model, organization).values(*(field.attname for field in fields)):
            for name, value in row.items():
                text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                if any(word in (text or "").lower() for word in wanted):
                    found.append((model.__name__, name, value))
    return found


def pointing_at(app_label, organization, user):
    """[(model, field)] of the organization's rows whose foreign key is `user`'s account."""
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    found = []
    for model in apps.get_app_config(app_label).get_models():
        for field in model._meta.concrete_fields:
            is_user = isinstance(field, models.ForeignKey) and field.related_model is user_model
            if is_user and rows_of(model, organization).filter(**{field.name: user}).exists():
                found.append((model.__name__, field.name))
    return found
