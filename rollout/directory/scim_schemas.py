"""The schemas Rollout publishes at /scim/v2/Schemas (django-scim2's SCHEMAS_GETTER).

They are the RFC 7643 schemas django-scim2 ships, cut down to the attributes Rollout keeps: a
client (or a compliance checker) reading them learns exactly what it can write and read back.
Attributes a client sends beyond these (title, phoneNumbers, addresses...) are ignored, as the
documentation tells admins. Values Rollout would only derive (`name.formatted`, a member's
`display`) are left out, so what a client writes is exactly what it reads back. Two changes to
the RFC's definitions, each for a reason:
- `emails` is required: Rollout reaches and signs in a person by email, and takes it from
  `emails` when `userName` is not an email address;
- a group's `displayName` is required (it is the unit's name), and a member is a User only.
"""

import copy

from django_scim.constants import SchemaURI
from django_scim.schemas import ALL as LIBRARY_SCHEMAS

KEEP = {
    SchemaURI.USER: {
        "userName": None,
        "name": {"givenName", "familyName"},
        "displayName": None,
        "active": None,
        "emails": {"value", "type", "primary"},
        "groups": {"value", "$ref", "display"},
    },
    SchemaURI.GROUP: {"displayName": None, "members": {"value", "$ref"}},
    SchemaURI.ENTERPRISE_USER: {"department": None, "manager": {"value", "$ref"}},
}
OVERRIDES = {
    (SchemaURI.USER, "emails", None): {"required": True},
    (SchemaURI.USER, "emails", "value"): {"required": True},
    (SchemaURI.GROUP, "displayName", None): {"required": True},
    (SchemaURI.GROUP, "members", "$ref"): {"referenceTypes": ["User"]},
}


def _trimmed(schema):
    keep = KEEP.get(schema["id"])
    if keep is None:  # Schema, ResourceType, ServiceProviderConfig: published as they are
        return schema
    schema = copy.deepcopy(schema)
    attributes = []
    for attribute in schema["attributes"]:
        if attribute["name"] not in keep:
            continue
        attribute.update(OVERRIDES.get((schema["id"], attribute["name"], None), {}))
        subs = keep[attribute["name"]]
        if subs is not None:
            attribute["subAttributes"] = [sub for sub in attribute["subAttributes"] if sub["name"] in subs]
            for sub in attribute["subAttributes"]:
                sub.update(OVERRIDES.get((schema["id"], attribute["name"], sub["name"]), {}))
        attributes.append(attribute)
    schema["attributes"] = attributes
    return schema


def _with_meta(schema):
    schema = dict(schema)
    schema.setdefault("schemas", ["urn:ietf:params:scim:schemas:core:2.0:Schema"])
    schema["meta"] = {"resourceType": "Schema", "location": f"/Schemas/{schema['id']}"}
    return schema


SCHEMAS = [_with_meta(_trimmed(schema)) for schema in LIBRARY_SCHEMAS]


def schemas():
    return SCHEMAS
