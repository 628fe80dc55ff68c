"""SCIM Users and Groups of one organization: django-scim2 adapters around Rollout's models.

django-scim2's own adapters expect a SCIM user to be a Django user with `scim_id`, `username`,
first and last name columns, and a group to be `auth.Group`. In Rollout a person is a `User`
shared by every organization they belong to, and what an organization's directory says of them
lives on their `Membership` of it; a group is a `Unit`. So the adapters here keep the library's
shape (to_dict, from_dict, save, delete, handle_operations, used by its views) around
`ScimPerson` (a membership: its pk is the SCIM id) and `ScimGroup` (a unit), and every change to
a person or a unit goes through `sync.py`, the path the HR import shares:
- a person is added, changed, moved or reactivated with `sync.apply_person`; deactivated with
  `sync.deactivate` (a DELETE keeps the membership and its history);
- a group's unit is found or made with `sync.unit_named`; a group's members are the people whose
  membership names that unit (a person is in one unit: the last group or department wins);
- the headcounts of the units a change touched are recounted (`sync.recount_headcounts`).
Two writes have no function in sync.py and are made here: a person's email when the provider
changes it (sync.py finds people by email), and a group's name and external id.

Each change is recorded in the audit trail with no actor and the token's name (never its text).
"""

import hashlib
import json

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django_scim import exceptions
from django_scim.adapters import SCIMGroup, SCIMUser
from django_scim.constants import SchemaURI
from django_scim.models import SCIMServiceProviderConfig

from rollout import audit
from rollout.i18n import Phrase
from rollout.models import Membership, Unit, User

from . import sync
from .models import ScimGroup, ScimPerson
from .scim_filters import visible_groups, visible_people
from .scim_patch import boolean, clean_emails, operations, patch_emails, reference_id, text

# The audit trail's summary of what the directory did to a person, by outcome.
_BY_THE_DIRECTORY = {
    sync.ADDED: lambda email: Phrase.gettext("%(email)s added by the directory", email=email),
    sync.CHANGED: lambda email: Phrase.gettext("%(email)s changed by the directory", email=email),
    sync.MOVED: lambda email: Phrase.gettext("%(email)s moved by the directory", email=email),
    sync.DEACTIVATED: lambda email: Phrase.gettext("%(email)s deactivated by the directory", email=email),
    sync.REACTIVATED: lambda email: Phrase.gettext("%(email)s reactivated by the directory", email=email),
    sync.UNCHANGED: lambda email: Phrase.gettext("%(email)s unchanged by the directory", email=email),
}

ENTERPRISE = SchemaURI.ENTERPRISE_USER
MAX_RESULTS = 200  # a list returns at most this many resources at a time
ENTERPRISE_KEY = ENTERPRISE.lower()
MISSING = object()


class PreconditionFailed(exceptions.SCIMException):
    status = 412


def conflict(detail):
    return exceptions.IntegrityError(detail, scim_type="uniqueness")


def invalid(detail):
    return exceptions.BadRequestError(detail, scim_type="invalidValue")


def version_of(document: dict) -> str:
    """meta.version: a weak ETag of the representation, so any change to what a client reads
    changes it (RFC 7644 §3.14)."""
    body = json.dumps({key: value for key, value in document.items() if key != "meta"}, sort_keys=True)
    return f'W/"{hashlib.sha256(body.encode()).hexdigest()[:20]}"'


class ScimAdapter:
    """What the person and group adapters share: the organization, links, meta, auditing."""

    id_field = "pk"  # the lookup django-scim2's views use: the membership's or the unit's pk

    @property
    def organization(self):
        return self.request.scim_organization

    @property
    def path(self):
        return reverse(self.url_name, kwargs={"uuid": self.id})

    @property
    def location(self):
        return settings.SITE_URL + self.path

    def link(self, url_name, pk):
        return settings.SITE_URL + reverse(url_name, kwargs={"uuid": str(pk)})

    def meta(self, document, created, modified):
        document["meta"] = {
            "resourceType": self.resource_type,
            "created": created.isoformat(),
            "lastModified": modified.isoformat(),
            "location": self.location,
            "version": version_of(document),
        }
        return document

    @property
    def version(self):
        return self.to_dict()["meta"]["version"]

    def record(self, action, target, what):
        token = getattr(self.request, "scim_token", None)
        by = Phrase.gettext("SCIM token “%(name)s”", name=token.name) if token else "SCIM"
        summary = Phrase.gettext("%(what)s (by %(by)s)", what=what, by=by)
        audit.record(self.request, action, target, summary, organization=self.organization)

    @classmethod
    def resource_type_dict(cls, request=None):
        document = {
            "schemas": [SchemaURI.RESOURCE_TYPE],
            "id": cls.resource_type,
            "name": cls.resource_type,
            "endpoint": f"/{cls.resource_type}s",
            "description": cls.description,
            "schema": cls.schema,
            "meta": {
                "location": settings.SITE_URL
                + reverse("scim:resource-types", kwargs={"uuid": cls.resource_type}),
                "resourceType": "ResourceType",
            },
        }
        if cls.extensions:
            document["schemaExtensions"] = [{"schema": urn, "required": False} for urn in cls.extensions]
        return document


class PersonAdapter(ScimAdapter, SCIMUser):
    """A SCIM User: one person's membership of the token's organization."""

    url_name = "scim:users"
    resource_type = "User"
    description = "A person of the organization (their membership)"
    schema = SchemaURI.USER
    extensions = (ENTERPRISE,)

    def __init__(self, obj, request=None):
        super().__init__(obj, request)
        self.changes = {}  # what this request says, by field; applied together by save()

    # --- Reading -----------------------------------------------------------------------------

    @property
    def display_name(self):
        person = self.obj
        return person.display_name or person.membership.user.full_name or person.user_name

    def _manager_id(self, membership):
        manager_id = getattr(self.obj, "manager_scim_id", MISSING)
        if manager_id is MISSING:
            manager_id = (
                visible_people(self.organization)
                .filter(membership__user_id=membership.manager_id)
                .values_list("pk", flat=True)
                .first()
                if membership.manager_id
                else None
            )
        return manager_id

    def to_dict(self):
        person = self.obj
        membership = person.membership
        user = membership.user
        document = {"schemas": [SchemaURI.USER], "id": self.id, "userName": person.user_name}
        if membership.external_id:
            document["externalId"] = membership.external_id
        name = {
            key: value
            for key, value in (("givenName", person.given_name), ("familyName", person.family_name))
            if value
        }
        if name:
            document["name"] = name
        if person.display_name:
            document["displayName"] = person.display_name
        document["emails"] = person.emails or [{"value": user.email, "type": "work", "primary": True}]
        document["active"] = membership.is_active
        unit = membership.unit
        group = getattr(unit, "scim_group", None) if unit is not None else None
        if group is not None and group.deleted_at is None:
            document["groups"] = [
                {"value": str(unit.pk), "$ref": self.link("scim:groups", unit.pk), "display": unit.name}
            ]
        extension = {}
        if unit is not None and unit.kind == Unit.Kind.DEPARTMENT:
            extension["department"] = unit.name
        manager_id = self._manager_id(membership)
        if manager_id:
            extension["manager"] = {"value": str(manager_id), "$ref": self.link("scim:users", manager_id)}
        if extension:
            document["schemas"].append(ENTERPRISE)
            document[ENTERPRISE] = extension
        modified = max(filter(None, (person.updated_at, membership.synced_at)))
        return self.meta(document, membership.created_at, modified)

    # --- Writing -----------------------------------------------------------------------------

    def validate_dict(self, d):
        if not text(d.get("userName"), "userName"):
            raise invalid(gettext("'userName' is required."))

    def from_dict(self, d):
        """A POST or PUT: the whole person, as the provider has them now."""
        name = d.get("name") or {}
        extension = d.get(ENTERPRISE) or {}
        self.changes = {
            "user_name": text(d.get("userName"), "userName"),
            "external_id": text(d.get("externalId"), "externalId"),
            "display_name": text(d.get("displayName"), "displayName"),
            "given_name": text(name.get("givenName"), "name.givenName"),
            "family_name": text(name.get("familyName"), "name.familyName"),
            "emails": clean_emails(d.get("emails")),
            "active": boolean(d["active"]) if d.get("active") is not None else True,
            "department": text(extension.get("department"), "department"),
            "manager": reference_id(extension.get("manager"), "manager"),
        }

    def handle_operations(self, body_operations):
        """A PATCH: each operation changes what is said; save() applies them together."""
        before = self.said()
        said = dict(before)
        for op, path, value in operations(body_operations):
            self._patch(said, op, path, value)
        self.changes = {key: value for key, value in said.items() if value != before.get(key)}
        self.save()

    def said(self):
        """What the person's SCIM resource says now, field by field (a new person: nothing)."""
        person = self.obj
        if person.pk is None:
            return {}
        membership = person.membership
        unit = membership.unit
        return {
            "user_name": person.user_name,
            "external_id": membership.external_id,
            "display_name": person.display_name,
            "given_name": person.given_name,
            "family_name": person.family_name,
            "emails": list(person.emails),
            "active": membership.is_active,
            "department": unit.name if unit is not None and unit.kind == Unit.Kind.DEPARTMENT else "",
            "manager": str(self._manager_id(membership) or ""),
        }

    def _patch(self, said, op, path, value):
        remove = op == "remove"
        if path.urn == ENTERPRISE_KEY:
            if path.attribute is None:  # the whole extension
                if remove:
                    said.update(department="", manager="")
                    return
                for key, inner in (value or {}).items():
                    self._patch(said, op, type(path)(ENTERPRISE_KEY, key.lower()), inner)
            elif path.attribute == "department":
                said["department"] = "" if remove else text(value, "department")
            elif path.attribute == "manager":
                said["manager"] = "" if remove else reference_id(value, "manager")
            return
        if path.urn:
            return
        attribute = path.attribute
        if attribute == "username":
            if remove:
                raise invalid(gettext("'userName' is required and cannot be removed."))
            said["user_name"] = text(value, "userName")
        elif attribute in ("externalid", "displayname"):
            field = {"externalid": "external_id", "displayname": "display_name"}[attribute]
            said[field] = "" if remove else text(value, attribute)
        elif attribute == "active":
            if not remove:
                said["active"] = boolean(value)
        elif attribute == "name":
            parts = {"givenname": "given_name", "familyname": "family_name"}
            if path.sub is not None:
                if path.sub in parts:
                    said[parts[path.sub]] = "" if remove else text(value, f"name.{path.sub}")
            elif remove:
                said.update(given_name="", family_name="")
            else:
                for key, inner in (value or {}).items():
                    if key.lower() in parts:
                        said[parts[key.lower()]] = text(inner, f"name.{key}")
        elif attribute == "emails":
            said["emails"] = patch_emails(said.get("emails", []), op, path, value)
        # Attributes Rollout does not keep (title, phoneNumbers, addresses...) are ignored.

    @transaction.atomic
    def save(self):
        organization = self.organization
        person = self.obj if self.obj.pk is not None else None
        said = {**self.said(), **self.changes}
        user_name = said.get("user_name", "")
        email = self._email(user_name, said.get("emails", []))
        others = visible_people(organization).filter(user_name__iexact=user_name)
        if person is not None:
            others = others.exclude(pk=person.pk)
        if others.exists():
            raise conflict(gettext("A user with userName '%(name)s' already exists.") % {"name": user_name})
        if person is None:
            self._refuse_existing(email)
        elif email != person.membership.user.email:
            self._change_email(person.membership, email)
        old_units = {person.membership.unit, person.membership.location} if person else set()
        full_name = said.get("display_name") or " ".join(
            part for part in (said.get("given_name"), said.get("family_name")) if part
        )
        values = sync.PersonValues(
            email=email,
            full_name=full_name or None,
            external_id=said.get("external_id", ""),
            unit=self._unit(said) if "department" in self.changes else False,
            manager=self._manager(said) if "manager" in self.changes else False,
            active=said.get("active", True),
        )
        membership, outcome = sync.apply_person(organization, values, source=Membership.Source.SCIM)
        self.obj, _ = ScimPerson.objects.update_or_create(
            membership=membership,
            defaults={
                "user_name": user_name,
                "display_name": said.get("display_name", "")[:150],
                "given_name": said.get("given_name", "")[:150],
                "family_name": said.get("family_name", "")[:150],
                "emails": said.get("emails", []),
                "deleted_at": None,
            },
        )
        touched = {unit for unit in old_units | {membership.unit, membership.location} if unit is not None}
        sync.recount_headcounts(organization, touched)
        if person is None or outcome != sync.UNCHANGED:
            action = (
                audit.Action.MEMBER_REMOVED if outcome == sync.DEACTIVATED else audit.Action.MEMBER_CHANGED
            )
            self.record(action, membership, _BY_THE_DIRECTORY[outcome](email))

    @staticmethod
    def _email(user_name, emails):
        """The address Rollout signs the person in and writes to: userName when it is an email
        address (Entra ID's userPrincipalName usually is), else their primary (or first) email."""
        candidates = [user_name] + [
            email["value"] for email in sorted(emails, key=lambda email: not email.get("primary"))
        ]
        for candidate in candidates:
            try:
                SCIMUser.validate_email(candidate)
            except exceptions.BadRequestError:
                continue
            return User.objects.normalize_email(candidate).lower()
        raise invalid(
            gettext("Rollout needs an email address: give userName as one, or an email in 'emails'.")
        )

    def _refuse_existing(self, email):
        """A create for a person who is already a SCIM user here is a conflict (RFC 7644 §3.3); a
        member Rollout has but the provider has not created yet (invited, deleted) is taken over."""
        taken = visible_people(self.organization).filter(membership__user__email__iexact=email).first()
        if taken is not None:
            raise conflict(
                gettext("%(email)s is already a user here, with id %(id)s.")
                % {"email": email, "id": taken.pk}
            )

    def _change_email(self, membership, email):
        user = membership.user
        if User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists():
            raise conflict(
                gettext("Another person in Rollout already has the email %(email)s.") % {"email": email}
            )
        if Membership.all_objects.filter(user=user).exclude(organization=membership.organization).exists():
            raise conflict(
                gettext(
                    "%(email)s also belongs to another organization in Rollout, so their email "
                    "cannot be changed from this one's directory."
                )
                % {"email": user.email}
            )
        user.email = email
        user.save(update_fields=["email"])

    def _unit(self, said):
        name = said.get("department", "")
        return sync.unit_named(self.organization, name, Unit.Kind.DEPARTMENT) if name else None

    def _manager(self, said):
        manager_id = said.get("manager", "")
        if not manager_id:
            return None
        manager = (
            visible_people(self.organization)
            .filter(pk=manager_id if manager_id.isdigit() else None)
            .select_related("membership__user")
            .first()
        )
        if manager is None:
            raise invalid(
                gettext("The manager %(id)s is not a user of this organization.") % {"id": manager_id}
            )
        return manager.membership.user

    def delete(self):
        """Deactivate the person, keep their membership and history, and answer 404 for them from
        now on. Their signed-in sessions end at once."""
        person = self.obj
        membership = person.membership
        with transaction.atomic():
            sync.deactivate(membership)
            person.deleted_at = timezone.now()
            person.save(update_fields=["deleted_at", "updated_at"])
            units = [unit for unit in (membership.unit, membership.location) if unit is not None]
            sync.recount_headcounts(self.organization, units)
            self.record(
                audit.Action.MEMBER_REMOVED,
                membership,
                Phrase.gettext("%(email)s deleted by the directory", email=membership.user.email),
            )


class GroupAdapter(ScimAdapter, SCIMGroup):
    """A SCIM Group: one of the organization's department units."""

    url_name = "scim:groups"
    resource_type = "Group"
    description = "A unit of the organization (a department)"
    schema = SchemaURI.GROUP
    extensions = ()

    def __init__(self, obj, request=None):
        super().__init__(obj, request)
        self.changes = {}
        self.member_ops = []  # ("add" | "remove" | "set", {SCIM ids}) in order

    @property
    def display_name(self):
        return self.obj.unit.name

    def members(self):
        unit = self.obj.unit
        members = getattr(unit, "scim_members", None)
        if members is None:
            members = Membership.all_objects.filter(
                unit=unit, scim_person__isnull=False, scim_person__deleted_at__isnull=True
            ).order_by("pk")
        return members

    def to_dict(self):
        unit = self.obj.unit
        document = {"schemas": [SchemaURI.GROUP], "id": self.id, "displayName": unit.name}
        if unit.external_id:
            document["externalId"] = unit.external_id
        members = [
            {"value": str(member.pk), "$ref": self.link("scim:users", member.pk)} for member in self.members()
        ]
        if members:
            document["members"] = members
        modified = max(filter(None, (self.obj.updated_at, unit.synced_at)))
        return self.meta(document, self.obj.created_at, modified)

    def validate_dict(self, d):
        if not text(d.get("displayName"), "displayName"):
            raise invalid(gettext("'displayName' is required."))

    def from_dict(self, d):
        self.changes = {
            "display_name": text(d.get("displayName"), "displayName"),
            "external_id": text(d.get("externalId"), "externalId"),
        }
        self.member_ops = [("set", self._ids(d.get("members") or []))]

    @staticmethod
    def _ids(value):
        if isinstance(value, dict):
            value = [value]
        if not isinstance(value, list):
            raise invalid(gettext("'members' must be a list of {\"value\": id}."))
        return {reference_id(item, "members.value") for item in value}

    def handle_operations(self, body_operations):
        for op, path, value in operations(body_operations):
            if path.urn:
                continue
            if path.attribute == "members":
                if path.filter_attribute == "value":
                    ids = {path.filter_value}
                elif op == "remove" and value is None:
                    self.member_ops.append(("set", set()))
                    continue
                else:
                    ids = self._ids(value)
                self.member_ops.append(({"add": "add", "remove": "remove", "replace": "set"}[op], ids))
            elif path.attribute in ("displayname", "externalid"):
                field = {"displayname": "display_name", "externalid": "external_id"}[path.attribute]
                if op == "remove" and field == "display_name":
                    raise invalid(gettext("'displayName' is required and cannot be removed."))
                self.changes[field] = "" if op == "remove" else text(value, path.attribute)
        self.save()

    @transaction.atomic
    def save(self):
        organization = self.organization
        group = self.obj if self.obj.pk is not None else None
        unit = group.unit if group else None
        name = self.changes.get("display_name", unit.name if unit else "")[:150]
        if unit is None:
            unit = sync.unit_named(organization, name, Unit.Kind.DEPARTMENT)
            if visible_groups(organization).filter(pk=unit.pk).exists():
                raise conflict(
                    gettext("A group named '%(name)s' already exists, with id %(id)s.")
                    % {"name": name, "id": unit.pk}
                )
        elif (
            name != unit.name
            and Unit.objects.filter(organization=organization, kind=unit.kind, name=name).exists()
        ):
            raise conflict(gettext("A unit named '%(name)s' already exists.") % {"name": name})
        renamed = group is not None and unit.name != name
        unit.name = name
        unit.external_id = self.changes.get("external_id", unit.external_id)[:200]
        unit.synced_at = timezone.now()
        unit.save(update_fields=["name", "external_id", "synced_at"])
        self.obj, _ = ScimGroup.objects.update_or_create(unit=unit, defaults={"deleted_at": None})
        added, removed, moved_from = self._apply_members(unit)
        sync.recount_headcounts(organization, {unit, *moved_from})
        # What changed, read in the reader's language: "created, 3 added, 1 removed".
        # Translators: what the directory did to a group, in "Group “Sales” created by the directory".
        what = (
            [Phrase.gettext("created")] if group is None else ([Phrase.gettext("renamed")] if renamed else [])
        )
        if added or removed:
            what += [
                Phrase.ngettext("%(count)s added", "%(count)s added", len(added), count=len(added)),
                Phrase.ngettext("%(count)s removed", "%(count)s removed", len(removed), count=len(removed)),
            ]
        if what:
            changes = what[0]
            for item in what[1:]:
                # Translators: a list of changes, e.g. "created, 3 added"; %(list)s may be a list itself.
                changes = Phrase.gettext("%(list)s, %(item)s", list=changes, item=item)
            self.record(
                audit.Action.MEMBER_CHANGED,
                unit,
                Phrase.gettext(
                    "Group “%(name)s” %(changes)s by the directory", name=unit.name, changes=changes
                ),
            )

    def _apply_members(self, unit):
        """Move the people the operations add into the unit and those they remove out of it;
        (the ids added, the ids removed, the units people came from, to recount)."""
        current = set()
        if self.obj.pk is not None:
            current = {
                str(pk)
                for pk in Membership.all_objects.filter(
                    unit=unit, scim_person__isnull=False, scim_person__deleted_at__isnull=True
                ).values_list("pk", flat=True)
            }
        wanted = set(current)
        for op, ids in self.member_ops:
            wanted = ids if op == "set" else (wanted | ids if op == "add" else wanted - ids)
        changes = dict.fromkeys(wanted - current, unit) | dict.fromkeys(current - wanted)
        if not changes:
            return set(), set(), set()
        people = {
            str(person.pk): person
            for person in visible_people(self.organization)
            .filter(pk__in=[pk for pk in changes if pk.isdigit()])
            .select_related("membership__user", "membership__unit")
        }
        unknown = sorted(set(changes) - set(people))
        if unknown:
            raise invalid(
                gettext("No user with id %(ids)s in this organization.") % {"ids": ", ".join(unknown)}
            )
        moved_from = set()
        for pk, target in changes.items():
            membership = people[pk].membership
            if membership.unit is not None:
                moved_from.add(membership.unit)
            sync.apply_person(
                self.organization,
                sync.PersonValues(email=membership.user.email, unit=target, active=membership.is_active),
                source=Membership.Source.SCIM,
            )
        return wanted - current, current - wanted, moved_from

    def delete(self):
        """Move the group's people out of the unit and answer 404 for the group from now on; the
        unit stays, with its history, for the admins."""
        group = self.obj
        with transaction.atomic():
            self.member_ops = [("set", set())]
            _, _, moved_from = self._apply_members(group.unit)
            group.deleted_at = timezone.now()
            group.save(update_fields=["deleted_at", "updated_at"])
            sync.recount_headcounts(self.organization, [group.unit])
            self.record(
                audit.Action.MEMBER_CHANGED,
                group.unit,
                Phrase.gettext("Group “%(name)s” deleted by the directory", name=group.unit.name),
            )


class ServiceProviderConfig(SCIMServiceProviderConfig):
    """What Rollout's SCIM service offers (RFC 7643 §5): PATCH, filters, ETags; no bulk, sort
    or password change (people sign in with their password or single sign-on, never over SCIM)."""

    @property
    def location(self):
        return settings.SITE_URL + reverse("scim:service-provider-config")

    def to_dict(self):
        document = super().to_dict()
        document.update(
            {
                "patch": {"supported": True},
                "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
                "filter": {"supported": True, "maxResults": MAX_RESULTS},
                "changePassword": {"supported": False},
                "sort": {"supported": False},
                "etag": {"supported": True},
            }
        )
        if not document.get("documentationUri"):
            document.pop("documentationUri", None)
        return document
