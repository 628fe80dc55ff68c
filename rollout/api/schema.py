"""How the API's authentication and errors appear in the OpenAPI schema.

Every answer the API can give is in the schema (schemathesis checks it, docs/api.md). The errors
are documented once, here: `add_error_responses`, a drf-spectacular postprocessing hook, gives each
operation the error statuses it can answer with, all with the one `Error` shape of
rollout/api/errors.py. A view documents only the errors that are its own (a 409), with
`error_response()`.
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse

from .filters import LIMIT

ERROR_SCHEMA = {
    "type": "object",
    "description": "Every error of the API (docs/api.md, “Errors”).",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "status": {"type": "integer", "description": "The HTTP status, repeated."},
                "code": {"type": "string", "description": "e.g. invalid, not_found, throttled."},
                "message": {"type": "string"},
                "fields": {
                    "type": "object",
                    "description": "The fields at fault, each with its messages; empty otherwise.",
                    "additionalProperties": {"type": "array", "items": {}},
                },
            },
            "required": ["status", "code", "message", "fields"],
        }
    },
    "required": ["error"],
}

DESCRIPTIONS = {
    400: "Invalid input: `fields` names each field at fault.",
    401: "No token, or a wrong, revoked or expired one.",
    403: "Your role may not do this, or a read-only token tried to write.",
    404: "No such object (or one of another organization), or no such page.",
    409: "The object's state does not allow this.",
    415: "The request body is not in a media type this operation reads.",
    429: "Too many requests for this token; `Retry-After` says when to try again.",
}
HEADERS = {
    401: {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "Always `Bearer`."}},
    429: {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}},
}
WRITES = {"post", "put", "patch", "delete"}


def error_response(description):
    """An error answer of one view, for `extend_schema(responses={409: error_response(...)})`;
    the hook gives it the `Error` shape."""
    return OpenApiResponse(description=description)


def error_statuses(method, operation):
    """The errors an operation can answer with, besides those it documents itself."""
    parameters = operation.get("parameters", [])
    statuses = {429}  # the rate limit applies to every request
    if any(scheme for scheme in operation.get("security", [{}])):
        statuses |= {401, 403}
    # 404: an object in the path, or a page past the last one.
    if any(p["in"] == "path" for p in parameters) or any(p["name"] == "page" for p in parameters):
        statuses.add(404)
    # 400: a body to check, or query values (a number too large for an id, a malformed date).
    if method in WRITES or any(p["in"] == "query" for p in parameters):
        statuses.add(400)
    if "requestBody" in operation:
        statuses.add(415)
    return statuses


def document_query_values(parameters):
    """What rollout/api/filters.py and the paginator accept: numbers within the bounds
    BoundedFilterBackend enforces, pages from 1, and an empty value (an HTML form's empty field)
    for no filter, the first page or the default order."""
    for parameter in parameters:
        if parameter["in"] != "query":
            continue
        schema = parameter.get("schema", {})
        if schema.get("type") in ("integer", "number"):
            schema.setdefault("minimum", 1 if parameter["name"] == "page" else -(LIMIT - 1))
            schema.setdefault("maximum", LIMIT - 1)
        if parameter["name"] != "ordering":  # a free text, that admits the empty one already
            parameter["allowEmptyValue"] = True


def add_error_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    error_content = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            document_query_values(operation.get("parameters", []))
            responses = operation.setdefault("responses", {})
            for status in error_statuses(method, operation):
                responses.setdefault(str(status), {"description": DESCRIPTIONS[status]})
            for status, response in responses.items():
                if status.startswith("4"):
                    response.setdefault("content", error_content)
                    if int(status) in HEADERS:
                        response.setdefault("headers", HEADERS[int(status)])
    return result


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "rollout.api.authentication.TokenAuthentication"
    name = "token"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token (Account → API tokens): `Authorization: Bearer rlt_...`.",
        }


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = "rollout.api.authentication.SessionAuthentication"
    name = "session"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}
