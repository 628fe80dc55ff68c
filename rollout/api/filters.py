import math
import re

from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError

LIMIT = 10**18  # well inside a 64-bit integer column on every database
NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


class BoundedFilterBackend(DjangoFilterBackend):
    """django-filter, refusing numbers too large for a database integer with a clear 400
    (instead of an overflow deep in the database driver)."""

    def get_filterset_kwargs(self, request, queryset, view):
        for name, value in request.query_params.items():
            if NUMBER.match(value.strip()):
                number = float(value)
                if not math.isfinite(number) or abs(number) >= LIMIT:
                    raise ValidationError({name: [f"“{value}” is too large a number."]})
        return super().get_filterset_kwargs(request, queryset, view)
