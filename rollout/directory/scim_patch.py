"""Reading SCIM PATCH operations as identity providers send them (RFC 7644 §3.5.2).

Entra ID capitalises the operation (`"Replace"`), sends booleans as strings (`"False"`), names
extension attributes by URN (`urn:...:enterprise:2.0:User:department`), and filters inside a path
(`emails[type eq "work"].value`, `members[value eq "42"]`); Okta sends a replace without a path
whose value holds the attributes. django-scim2's path parser drops the value of such a filter,
so paths are read here: a path is at most `[URN:]attribute[filter].sub-attribute`.
"""

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django_scim import exceptions
from django_scim.constants import SchemaURI

OPS = ("add", "replace", "remove")
KNOWN_URNS = (SchemaURI.ENTERPRISE_USER, SchemaURI.USER, SchemaURI.GROUP)
PATH = re.compile(
    r'^(?P<attribute>[\w$]+)(?:\[\s*(?P<filter_attribute>[\w$]+)\s+eq\s+"(?P<filter_value>[^"]*)"\s*\])?'
    r"(?:\.(?P<sub>[\w$]+))?$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Path:
    """`urn` is the schema's URN (lower case) or "" for the core schema; `attribute` is None for
    a path naming a whole extension. Attribute names are compared in lower case, as SCIM asks."""

    urn: str
    attribute: str | None
    sub: str | None = None
    filter_attribute: str | None = None
    filter_value: str | None = None


def parse_path(text: str) -> Path:
    text = (text or "").strip()
    urn = ""
    for known in KNOWN_URNS:
        if text.lower() == known.lower():
            return Path(known.lower(), None)
        if text.lower().startswith(known.lower() + ":"):
            urn, text = known.lower(), text[len(known) + 1 :]
            break
    match = PATH.match(text)
    if match is None:
        raise exceptions.BadRequestError(
            _("Rollout cannot read the path '%(path)s'.") % {"path": text}, scim_type="invalidPath"
        )
    if urn == SchemaURI.USER.lower() or urn == SchemaURI.GROUP.lower():
        urn = ""  # the core schema's own attributes, named in full
    lower = {
        key: (value.lower() if value and key != "filter_value" else value)
        for key, value in match.groupdict().items()
    }
    return Path(urn, **lower)


def operations(body_operations):
    """(op, Path or None, value) for each operation, the op in lower case."""
    if not isinstance(body_operations, list):
        raise exceptions.BadRequestError(_("'Operations' must be a list."), scim_type="invalidSyntax")
    for operation in body_operations:
        op = str(operation.get("op", "")).lower()
        if op not in OPS:
            raise exceptions.BadRequestError(
                _("Unknown PATCH op '%(op)s'.") % {"op": operation.get("op")}, scim_type="invalidSyntax"
            )
        path = operation.get("path")
        value = operation.get("value")
        if not path:
            if op == "remove":
                raise exceptions.BadRequestError(_("A remove operation needs a path."), scim_type="noTarget")
            if not isinstance(value, dict):
                raise exceptions.BadRequestError(
                    _("An operation without a path needs an object of attributes as its value."),
                    scim_type="invalidValue",
                )
            for key, inner in value.items():
                yield op, parse_path(key), inner
        else:
            yield op, parse_path(path), value


def boolean(value) -> bool:
    """A SCIM boolean, also as Entra ID sends it ("True", "False")."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise exceptions.BadRequestError(
        _("'%(value)s' is not a boolean.") % {"value": value}, scim_type="invalidValue"
    )


def text(value, attribute: str) -> str:
    if value is None:
        return ""
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return str(value).strip()
    raise exceptions.BadRequestError(
        _("'%(attribute)s' must be a string.") % {"attribute": attribute}, scim_type="invalidValue"
    )


def reference_id(value, attribute: str) -> str:
    """The id a reference names: "42", {"value": "42"} or [{"value": "42"}]."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("value")
    return text(value, attribute)


def clean_emails(value) -> list[dict]:
    """A list of {"value", "type", "primary"} as given (OneLogin sends one object, not a list)."""
    if value is None:
        return []
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        raise exceptions.BadRequestError(_("'emails' must be a list."), scim_type="invalidValue")
    emails = []
    for item in value:
        if not isinstance(item, dict) or not text(item.get("value"), "emails.value"):
            raise exceptions.BadRequestError(_("Each email needs a value."), scim_type="invalidValue")
        email: dict[str, str | bool] = {"value": text(item["value"], "emails.value")}
        if item.get("type") is not None:
            email["type"] = text(item["type"], "emails.type")
        if item.get("primary") is not None:
            email["primary"] = boolean(item["primary"])
        emails.append(email)
    return emails


def matches(email: dict, path: Path) -> bool:
    return str(email.get(path.filter_attribute, "")).lower() == (path.filter_value or "").lower()


def patch_emails(emails: list[dict], op: str, path: Path, value) -> list[dict]:
    """The emails after one operation on `emails` or `emails[type eq "work"](.value)`."""
    if path.filter_attribute is None:
        if op == "remove":
            return []
        given = clean_emails(value)
        if op == "replace":
            return given
        kept = [
            email for email in emails if email["value"].lower() not in {e["value"].lower() for e in given}
        ]
        if any(email.get("primary") for email in given):
            kept = [{**email, "primary": False} if "primary" in email else email for email in kept]
        return kept + given
    if op == "remove":
        return [email for email in emails if not matches(email, path)]
    if path.sub == "value":
        new = {"value": text(value, "emails.value")}
    else:
        new = clean_emails(value)[0] if value else {}
    changed, result = False, []
    for email in emails:
        if matches(email, path):
            email, changed = {**email, **new}, True
        result.append(email)
    if not changed:
        result.append({path.filter_attribute: path.filter_value, **new, "primary": not result})
    return result
