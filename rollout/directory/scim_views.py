"""The SCIM endpoints: django-scim2's views, with what Rollout adds to them.

- A list reads one page from the database (the library counts by reading every row) and at most
  MAX_RESULTS resources at a time.
- `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5) trim what a resource shows.
- ETags: every resource carries `meta.version`, sent as the `ETag` header; a PUT, PATCH or DELETE
  with an `If-Match` that is no longer current gets 412, and a GET with a current
  `If-None-Match` gets 304 (Django's ConditionalGetMiddleware, from the same header).
- Every error is a SCIM error document, 404s for unknown ids and paths included.
"""

import json

from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django_scim import constants, exceptions, views

from .scim_adapters import MAX_RESULTS, PreconditionFailed

ALWAYS_RETURNED = {"id", "schemas"}


def _names(value):
    if isinstance(value, str):
        value = value.split(",")
    return {name.strip().lower() for name in value or [] if name.strip()}


def project(document, attributes, excluded):
    """The document with only `attributes` (or without `excluded`); "name.givenName" keeps or drops
    one sub-attribute, a schema URN the whole extension."""
    if not attributes and not excluded:
        return document
    result = {}
    for key, value in document.items():
        lower = key.lower()
        if lower in ALWAYS_RETURNED:
            result[key] = value
            continue
        subs = {name.split(".", 1)[1] for name in attributes if name.startswith(lower + ".")}
        if attributes:
            if lower in attributes:
                result[key] = value
            elif subs and isinstance(value, dict):
                result[key] = {k: v for k, v in value.items() if k.lower() in subs}
        elif lower not in excluded:
            dropped = {name.split(".", 1)[1] for name in excluded if name.startswith(lower + ".")}
            result[key] = (
                {k: v for k, v in value.items() if k.lower() not in dropped}
                if dropped and isinstance(value, dict)
                else value
            )
    if ENTERPRISE_LOWER not in {key.lower() for key in result}:
        result["schemas"] = [urn for urn in result.get("schemas", []) if urn.lower() != ENTERPRISE_LOWER]
    return result


ENTERPRISE_LOWER = constants.SchemaURI.ENTERPRISE_USER.lower()


class ScimViewMixin:
    """Rollout's additions to every django-scim2 view (see the module's docstring)."""

    @method_decorator(csrf_exempt)  # a client with a bearer token, never a browser form
    def dispatch(self, request, *args, **kwargs):
        request.scim_attributes = _names(request.GET.get("attributes"))
        request.scim_excluded = _names(request.GET.get("excludedAttributes"))
        response = super().dispatch(request, *args, **kwargs)
        if response.status_code >= 400 and response.status_code != 401:
            # A SCIM error document, with its status as a string (RFC 7644 §3.12), also for the
            # library's bodiless answers (a 405).
            try:
                document = json.loads(response.content or b"{}")
            except ValueError:
                document = {}
            document = {
                "schemas": [constants.SchemaURI.ERROR],
                "detail": response.reason_phrase,
                **document,
                "status": str(response.status_code),
            }
            response.content = json.dumps(document)
            response["Content-Type"] = constants.SCIM_CONTENT_TYPE
        return response

    def status_501(self, request, *args, **kwargs):
        error = exceptions.NotImplementedError(_("Rollout does not offer this SCIM endpoint."))
        return views.HttpResponse(
            json.dumps(error.to_dict()), status=501, content_type=constants.SCIM_CONTENT_TYPE
        )

    def get_object(self):
        uuid = str(self.kwargs.get(self.lookup_url_kwarg, ""))
        if not uuid.isdigit():
            raise exceptions.NotFoundError(uuid)
        obj = super().get_object()
        if self.request.method in ("PUT", "PATCH", "DELETE"):
            self._check_if_match(obj)
        return obj

    def _check_if_match(self, obj):
        wanted = self.request.headers.get("If-Match")
        if not wanted or wanted.strip() == "*":
            return
        current = self.scim_adapter(obj, request=self.request).version
        if _weak(current) not in {_weak(tag) for tag in wanted.split(",")}:
            raise PreconditionFailed(
                _("The resource changed since you read it (If-Match); read it again."),
                scim_type="invalidVers",
            )


def _weak(tag):
    tag = tag.strip()
    return tag[2:] if tag.startswith("W/") else tag


class ResourceListMixin(ScimViewMixin):
    def _page(self, request):
        start, count = super()._page(request)
        return start, max(0, min(count if count is not None else MAX_RESULTS, MAX_RESULTS))

    def _search(self, request, query, start, count):
        queryset = self.__class__.parser_getter().search(query, request)
        queryset = self.get_queryset_post_processor(request, queryset)
        return self._build_response(request, queryset, start, count)

    def _build_response(self, request, qs, start, count):
        total = qs.count()
        page = list(qs[start - 1 : start - 1 + count]) if count else []
        resources = [self._projected(obj, request) for obj in page]
        document = {
            "schemas": [constants.SchemaURI.LIST_RESPONSE],
            "totalResults": total,
            "itemsPerPage": len(resources),
            "startIndex": start,
            "Resources": resources,
        }
        return views.HttpResponse(json.dumps(document), content_type=constants.SCIM_CONTENT_TYPE)

    def _projected(self, obj, request):
        document = self.scim_adapter(obj, request=request).to_dict()
        return project(document, request.scim_attributes, request.scim_excluded)


class ResourceViewMixin(ResourceListMixin):
    """One resource: its representation is trimmed as asked, whatever the method."""

    def get_single(self, request):
        return self._one(super().get_single(request), request)

    def post(self, request, *args, **kwargs):
        return self._one(super().post(request, *args, **kwargs), request)

    def put(self, request, *args, **kwargs):
        return self._one(super().put(request, *args, **kwargs), request)

    def patch(self, request, *args, **kwargs):
        return self._one(super().patch(request, *args, **kwargs), request)

    @staticmethod
    def _one(response, request):
        document = json.loads(response.content)
        version = document.get("meta", {}).get("version")
        if version:
            response["ETag"] = version
        trimmed = project(document, request.scim_attributes, request.scim_excluded)
        if trimmed is not document:
            response.content = json.dumps(trimmed)
        return response


class UsersView(ResourceViewMixin, views.UsersView):
    pass


class GroupsView(ResourceViewMixin, views.GroupsView):
    pass


class ResourceSearchMixin(ResourceListMixin):
    """POST /Users/.search and /Groups/.search: the query in the body (RFC 7644 §3.4.3)."""

    def post(self, request, *args, **kwargs):
        body = self.load_body(request.body)
        if body.get("schemas") != [constants.SchemaURI.SERACH_REQUEST]:
            raise exceptions.BadRequestError(_("Send a SearchRequest."), scim_type="invalidSyntax")
        request.scim_attributes = _names(body.get("attributes"))
        request.scim_excluded = _names(body.get("excludedAttributes"))
        try:
            start = max(1, int(body.get("startIndex", 1)))
            count = max(0, min(int(body.get("count", MAX_RESULTS)), MAX_RESULTS))
        except (TypeError, ValueError):
            raise exceptions.BadRequestError(_("startIndex and count must be numbers.")) from None
        if body.get("filter"):
            queryset = self.__class__.parser_getter().search(body["filter"], request)
        else:
            queryset = self.model_cls.objects.filter(**self.get_extra_filter_kwargs(request)).order_by("pk")
        queryset = self.get_queryset_post_processor(request, queryset)
        return self._build_response(request, queryset, start, count)


class UserSearchView(ResourceSearchMixin, views.UserSearchView):
    @property
    def model_cls(self):
        return views.get_user_model()


class GroupSearchView(ResourceSearchMixin, views.GroupSearchView):
    @property
    def model_cls(self):
        return views.get_group_model()


class ServiceProviderConfigView(ScimViewMixin, views.ServiceProviderConfigView):
    pass


class DiscoveryMixin(ScimViewMixin):
    """/ResourceTypes and /Schemas: a SCIM 404 for an unknown id, and the list with its counts
    (a ListResponse must say totalResults, RFC 7644 §3.4.2)."""

    def known(self, request):
        raise NotImplementedError

    def get(self, request, uuid=None, *args, **kwargs):
        if uuid and uuid not in self.known(request):
            raise exceptions.NotFoundError(uuid)
        response = super().get(request, uuid, *args, **kwargs)
        if not uuid:
            document = json.loads(response.content)
            count = len(document["Resources"])
            document.update(totalResults=count, itemsPerPage=count, startIndex=1)
            response.content = json.dumps(document)
        return response


class ResourceTypesView(DiscoveryMixin, views.ResourceTypesView):
    def known(self, request):
        return self.type_dict_by_type_id(request)


class SchemasView(DiscoveryMixin, views.SchemasView):
    def known(self, request):
        return self.schemas_by_uri


class NotImplementedView(ScimViewMixin, views.SCIMView):
    """The SCIM root, /.search across types, /Me and /Bulk: 501, as RFC 7644 asks."""

    implemented = False


class NotFoundView(ScimViewMixin, views.SCIMView):
    """Any other path under /scim/v2/: a SCIM 404, not Rollout's HTML page."""

    def dispatch_not_found(self, request, *args, **kwargs):
        raise exceptions.NotFoundError(request.path)

    get = post = put = patch = delete = dispatch_not_found
