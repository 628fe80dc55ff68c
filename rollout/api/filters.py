from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError

MAX_DIGITS = 18  # fits a 64-bit integer column on every database


class BoundedFilterBackend(DjangoFilterBackend):
    """django-filter, refusing numbers too large for a database integer with a clear 400
    (instead of an overflow deep in the database driver)."""

    def get_filterset_kwargs(self, request, queryset, view):
        for name, value in request.query_params.items():
            digits = value.lstrip("-")
            if digits.isdigit() and len(digits) > MAX_DIGITS:
                raise ValidationError({name: [f"“{value}” is too large a number."]})
        return super().get_filterset_kwargs(request, queryset, view)
