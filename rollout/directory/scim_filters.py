"""Which SCIM resources a request sees, and SCIM filters as Django queries.

Everything here is wired into django-scim2 through its `SCIM_SERVICE_PROVIDER` settings
(config/settings.py): the per-organization scoping (GET_EXTRA_MODEL_FILTER_KWARGS_GETTER), the
queries behind a list (GET_QUERYSET_POST_PROCESSOR_GETTER), the filter parsers
(USER_FILTER_PARSER, GROUP_FILTER_PARSER) and the base of every `location` (BASE_LOCATION_GETTER).

The library's filter parsers write raw SQL for one table and then drop rows of other
organizations in a Python loop; a SCIM user here spans three tables (the person, their
membership, their user). The parsers below use the Django `Q` transpiler of the same filter
parser (scim2-filter-parser), so a filter is one query, already scoped to the token's organization.
This module must not import django_scim.adapters: the library's adapters read these parsers
while they are being imported.
"""

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import FieldError
from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.utils.translation import gettext as _
from django_scim import exceptions
from django_scim.filters import FilterQuery
from scim2_filter_parser.parser import SCIMParserError
from scim2_filter_parser.transpilers.django_q_object import get_query

from rollout.models import Membership, Organization

from .models import ScimGroup, ScimPerson


def visible_people(organization):
    """The organization's SCIM users: the people provisioned over SCIM and not deleted since."""
    return ScimPerson.objects.filter(membership__organization=organization, deleted_at__isnull=True)


def visible_groups(organization):
    """The organization's SCIM groups: units managed as groups and not deleted since."""
    return ScimGroup.objects.filter(unit__organization=organization, deleted_at__isnull=True)


def people_for_listing(queryset):
    """A page of people in a fixed number of queries: their user, unit (and whether it is a
    group), and their manager's SCIM id in the same organization."""
    manager_membership = Membership.all_objects.filter(
        organization=OuterRef("membership__organization"),
        user=OuterRef("membership__manager"),
        scim_person__deleted_at__isnull=True,
    ).values("pk")[:1]
    return queryset.select_related(
        "membership__user", "membership__unit", "membership__unit__scim_group"
    ).annotate(manager_scim_id=Subquery(manager_membership))


def groups_for_listing(queryset, organization):
    members = Membership.all_objects.filter(
        organization=organization, scim_person__isnull=False, scim_person__deleted_at__isnull=True
    ).order_by("pk")
    return queryset.select_related("unit").prefetch_related(
        Prefetch("unit__memberships", queryset=members, to_attr="scim_members")
    )


def extra_filter_kwargs_getter(model):
    """GET_EXTRA_MODEL_FILTER_KWARGS_GETTER: a token sees its own organization's resources only,
    so another organization's id is a 404 and its people never appear in a list."""

    def extra_filter_kwargs(request, *args, **kwargs):
        organization = request.scim_organization
        if model is ScimPerson:
            return {"membership__organization": organization, "deleted_at__isnull": True}
        if model is ScimGroup:
            return {"unit__organization": organization, "deleted_at__isnull": True}
        return {}

    return extra_filter_kwargs


def queryset_post_processor_getter(model):
    def post_process(request, queryset, *args, **kwargs):
        if model is ScimPerson:
            return people_for_listing(queryset)
        if model is ScimGroup:
            return groups_for_listing(queryset, request.scim_organization)
        return queryset

    return post_process


def base_location(request=None, *args, **kwargs):
    """BASE_LOCATION_GETTER: links are built from SITE_URL, never from the request's Host."""
    return settings.SITE_URL


class ScopedFilterQuery(FilterQuery):
    """A SCIM filter (`userName eq "x"`) as a query on the organization's resources."""

    visible: Callable[[Organization], QuerySet] = staticmethod(lambda organization: QuerySet().none())

    @classmethod
    def search(cls, filter_query, request=None):
        try:
            condition = get_query(filter_query, cls.attr_map)
            if condition is None:
                raise ValueError(_("Rollout cannot filter on this attribute."))
            return cls.visible(request.scim_organization).filter(condition).distinct().order_by("pk")
        except (SCIMParserError, ValueError, KeyError, AttributeError, FieldError) as error:
            raise exceptions.BadRequestError(
                _("Invalid filter: %(error)s") % {"error": error}, scim_type="invalidFilter"
            ) from None


class PersonFilterQuery(ScopedFilterQuery):
    visible = staticmethod(visible_people)
    attr_map = {
        ("id", None, None): "membership__id",
        ("userName", None, None): "user_name",
        ("externalId", None, None): "membership__external_id",
        ("displayName", None, None): "display_name",
        ("name", "givenName", None): "given_name",
        ("name", "familyName", None): "family_name",
        ("emails", None, None): "membership__user__email",
        ("emails", "value", None): "membership__user__email",
        ("active", None, None): "membership__is_active",
    }


class GroupFilterQuery(ScopedFilterQuery):
    visible = staticmethod(visible_groups)
    attr_map = {
        ("id", None, None): "unit__id",
        ("displayName", None, None): "unit__name",
        ("externalId", None, None): "unit__external_id",
        ("members", None, None): "unit__memberships__pk",
        ("members", "value", None): "unit__memberships__pk",
    }


def person_model():
    """USER_MODEL_GETTER: a SCIM user is a ScimPerson (a membership), not Django's user model."""
    return ScimPerson
