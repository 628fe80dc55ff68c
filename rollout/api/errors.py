"""Every API error in one JSON shape:

{"error": {"status": 400, "code": "invalid", "message": "...", "fields": {"name": ["..."]}}}

The OpenAPI schema documents it once, as the `Error` component, on every operation that can
answer with it (rollout/api/schema.py).
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.views import exception_handler as drf_exception_handler


class Conflict(APIException):
    """The request is valid but the object's state forbids it (a question answered already)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("This conflicts with the object's current state.")
    default_code = "conflict"


def exception_handler(exc, context):
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a real server error: Django's 500 handling and logging take over
    detail = response.data
    fields = {}
    if isinstance(detail, dict) and "detail" not in detail:
        fields = {key: value if isinstance(value, list) else [value] for key, value in detail.items()}
        message = _("Some fields are not valid.")
    elif isinstance(detail, dict):
        message = str(detail["detail"])
    elif isinstance(detail, list):
        message = " ".join(str(item) for item in detail)
    else:
        message = str(detail)
    code = getattr(exc, "default_code", "error")
    if hasattr(exc, "get_codes"):
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else code
    response.data = {
        "error": {"status": response.status_code, "code": code, "message": message, "fields": fields}
    }
    return response
