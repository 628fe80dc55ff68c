"""The API's filters: django-filter, with the query parameters' schema as strict as their checks.

Every documented query value is accepted (schemathesis holds the API to it, docs/api.md): a
related object is filtered by its id, and an id that names nothing simply matches nothing, as a
filter should (django-filter's default, a choice among existing objects, refused it with a 400);
numbers are documented with the bounds that `BoundedFilterBackend` enforces, and an empty value
means "no filter" (rollout/api/schema.py says so in the schema).
"""

import re
from datetime import UTC
from decimal import Decimal

from django import forms
from django.db import models
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from django_filters.fields import IsoDateTimeField
from django_filters.filterset import FILTER_FOR_DBFIELD_DEFAULTS
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError

LIMIT = 10**18  # well inside a 64-bit integer column on every database
NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(filters.NumberFilter):
    """A related object by id; an id of nothing (or of another organization) matches nothing."""

    field_class = forms.IntegerField


class TrueOrFalseField(forms.NullBooleanField):
    """`true`, `false`, or empty for no filter; anything else is a 400 (django-filter's default
    reads any other word as "no filter", so `?open=yes` would silently list every question)."""

    VALUES = {"true": True, "false": False}

    def to_python(self, value):
        if value in (None, ""):
            return None
        if value.lower() not in self.VALUES:  # True and False too, as Python clients send them
            raise forms.ValidationError(_("“%(value)s” is neither true nor false."), params={"value": value})
        return self.VALUES[value.lower()]


@extend_schema_field(OpenApiTypes.BOOL)
class BooleanFilter(filters.BooleanFilter):
    field_class = TrueOrFalseField

    def __init__(self, *args, **kwargs):
        # The raw text: django-filter's BooleanWidget reads any other word as "no filter".
        kwargs.setdefault("widget", forms.TextInput)
        super().__init__(*args, **kwargs)


class UtcDateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time, in UTC before it reaches the database: RFC 3339 allows offsets up
    to ±23:59, PostgreSQL only up to ±15:59."""

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is None:
            return None
        try:
            return moment.astimezone(UTC)
        except OverflowError:
            raise forms.ValidationError(_("“%(value)s” is out of range."), params={"value": value}) from None


class DateTimeFilter(filters.IsoDateTimeFilter):
    field_class = UtcDateTimeField


class FilterSet(filters.FilterSet):
    """django-filter's FilterSet, with foreign keys filtered by `IdFilter` and yes/no fields by
    `BooleanFilter`."""

    FILTER_DEFAULTS = {
        **FILTER_FOR_DBFIELD_DEFAULTS,
        models.ForeignKey: {"filter_class": IdFilter},
        models.OneToOneField: {"filter_class": IdFilter},
        models.BooleanField: {"filter_class": BooleanFilter},
        models.DateTimeField: {"filter_class": DateTimeFilter},
    }


class BoundedFilterBackend(filters.DjangoFilterBackend):
    """django-filter, refusing numbers too large for a database integer with a clear 400
    (instead of an overflow deep in the database driver)."""

    filterset_base = FilterSet

    def get_filterset_kwargs(self, request, queryset, view):
        for name, value in request.query_params.items():
            # Decimal, not float: a float rounds 999999999999999999 up to the limit itself.
            if NUMBER.match(value.strip()) and abs(Decimal(value.strip())) >= LIMIT:
                raise ValidationError({name: [_("“%(value)s” is too large a number.") % {"value": value}]})
        return super().get_filterset_kwargs(request, queryset, view)
