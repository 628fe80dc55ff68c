"""Settings → Connections: list, add, edit, test, run now, disable, delete, and each one's runs."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import OuterRef, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from rollout import audit
from rollout.access import ADMINS, role_required
from rollout.i18n import Phrase
from rollout.paging import PAGE_SIZE
from rollout.tasks import enqueue_on_commit

from . import registry, services
from .forms import ConnectionForm
from .models import Connection, ConnectionRun
from .registry import ConnectionProblem
from .tasks import run_connection


def _connection(request, pk):
    return get_object_or_404(Connection, pk=pk, organization=request.scope.organization)


@role_required(ADMINS)
def connection_list(request):
    last = ConnectionRun.objects.filter(connection=OuterRef("pk")).order_by("-started_at", "-pk")
    connections = Connection.objects.filter(organization=request.scope.organization).annotate(
        last_rows=Subquery(last.values("rows_pulled")[:1]),
        last_status=Subquery(last.values("status")[:1]),
    )
    page = Paginator(connections, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "connections/list.html", {"page": page, "kinds": registry.kinds()})


@role_required(ADMINS)
def connection_kinds(request):
    return render(request, "connections/kinds.html", {"kinds": registry.kinds()})


@role_required(ADMINS)
def connection_create(request, kind):
    connector = registry.get(kind)
    if connector is None:
        raise Http404
    connection = Connection(organization=request.scope.organization, kind=kind)
    form = ConnectionForm(request.POST or None, instance=connection, kind=connector)
    if form.is_valid():
        connection = services.save_connection(
            form.save(commit=False),
            settings=form.settings_values(),
            secrets=form.secret_values(),
            user=request.user,
        )
        audit.record(
            request,
            audit.Action.SETTINGS_CHANGED,
            connection,
            Phrase.gettext("Connection “%(name)s” added", name=str(connection)),
        )
        messages.success(
            request,
            _("Connection “%(name)s” saved. Press “Test connection” to check it.") % {"name": connection},
        )
        return redirect("connections:edit", connection.pk)
    return render(request, "connections/form.html", {"form": form, "kind": connector, "connection": None})


@role_required(ADMINS)
def connection_edit(request, pk):
    connection = _connection(request, pk)
    connector = connection.connector
    if connector is None:
        raise Http404
    form = ConnectionForm(request.POST or None, instance=connection, kind=connector)
    if form.is_valid():
        services.save_connection(
            form.save(commit=False), settings=form.settings_values(), secrets=form.secret_values()
        )
        audit.record(
            request,
            audit.Action.SETTINGS_CHANGED,
            connection,
            Phrase.gettext("Connection “%(name)s” changed", name=str(connection)),
        )
        messages.success(request, _("Connection “%(name)s” saved.") % {"name": connection})
        return redirect("connections:edit", connection.pk)
    context = {
        "form": form,
        "kind": connector,
        "connection": connection,
        "runs": connection.runs.all()[:5],
        "consented_as": connector.consented_as(connection) if connector.consent_label else "",
    }
    return render(request, "connections/form.html", context)


@role_required(ADMINS)
@require_POST
def connection_test(request, pk):
    connection = _connection(request, pk)
    worked, message = services.test_connection(connection)
    (messages.success if worked else messages.error)(request, message)
    return redirect("connections:edit", connection.pk)


@role_required(ADMINS)
@require_POST
def connection_run(request, pk):
    connection = _connection(request, pk)
    if not connection.enabled:
        messages.error(
            request, _("“%(name)s” is disabled: enable it before running it.") % {"name": connection}
        )
    else:
        enqueue_on_commit(run_connection, connection.pk, "manual")
        messages.success(
            request, _("“%(name)s” will run in a moment; its runs are listed below.") % {"name": connection}
        )
    return redirect("connections:runs", connection.pk)


@role_required(ADMINS)
@require_POST
def connection_enabled(request, pk):
    connection = _connection(request, pk)
    connection.enabled = not connection.enabled
    if connection.enabled:
        services.schedule(connection)
    connection.save(update_fields=["enabled", "next_run_at"])
    if connection.enabled:
        summary = Phrase.gettext("Connection “%(name)s” enabled", name=str(connection))
    else:
        summary = Phrase.gettext("Connection “%(name)s” disabled", name=str(connection))
    audit.record(request, audit.Action.SETTINGS_CHANGED, connection, summary)
    if connection.enabled:
        messages.success(request, _("“%(name)s” enabled.") % {"name": connection})
    else:
        messages.success(request, _("“%(name)s” disabled.") % {"name": connection})
    return redirect("connections:edit", connection.pk)


@role_required(ADMINS)
@require_POST
def connection_delete(request, pk):
    connection = _connection(request, pk)
    audit.record(
        request,
        audit.Action.DELETED,
        connection,
        Phrase.gettext("Connection “%(name)s” deleted", name=str(connection)),
    )
    connection.delete()
    messages.success(
        request, _("Connection “%(name)s” deleted. What it imported stays.") % {"name": connection}
    )
    return redirect("connections:list")


@role_required(ADMINS)
def connection_runs(request, pk):
    connection = _connection(request, pk)
    page = Paginator(connection.runs.all(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "connections/runs.html", {"connection": connection, "page": page})


# A person's consent (kinds with `consent_label`, registry.py) ----------------------------------

CONSENT_SESSION_KEY = "connection_consent"


@role_required(ADMINS)
@require_POST
def connection_consent(request, pk):
    """Send the admin to the service's sign-in page; its answer comes back to `connection_consented`."""
    connection = _connection(request, pk)
    connector = connection.connector
    if connector is None or not connector.consent_label:
        raise Http404
    redirect_uri = request.build_absolute_uri(reverse("connections:consented"))
    try:
        sign_in_url, flow = connector.start_consent(connection, redirect_uri)
    except ConnectionProblem as problem:
        messages.error(request, problem.message)
        return redirect("connections:edit", connection.pk)
    request.session[CONSENT_SESSION_KEY] = {"connection": connection.pk, "flow": flow}
    return redirect(sign_in_url)


@role_required(ADMINS)
@require_GET
def connection_consented(request):
    """The sign-in page's answer (a code and the state, or an error), for the flow this session
    started. One address for every connection, since the app registration lists it as its
    redirect URI."""
    started = request.session.pop(CONSENT_SESSION_KEY, None)
    if not started:
        messages.error(request, _("No sign-in was under way: press “Connect with Microsoft” again."))
        return redirect("connections:list")
    connection = _connection(request, started["connection"])
    connector = connection.connector
    if connector is None or not connector.consent_label:
        raise Http404
    try:
        said = connector.finish_consent(connection, started["flow"], request.GET.dict())
    except ConnectionProblem as problem:
        messages.error(request, problem.message)
    else:
        audit.record(
            request,
            audit.Action.SETTINGS_CHANGED,
            connection,
            Phrase.gettext("Connection “%(name)s” connected", name=str(connection)),
        )
        messages.success(request, said)
    return redirect("connections:edit", connection.pk)
