"""Imported conversations: the thread list, one thread, imports, the CSV template, hand-logged questions."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rollout.access import role_required

from .. import services
from ..forms import ConversationImportForm, LogQuestionForm
from ..importers import ImportFailed, generic_csv
from ..roles import EDITORS, READERS, WORKERS
from . import PAGE_SIZE


@role_required(READERS)
def thread_list(request, pk):
    rollout = request.scope.rollout(pk)
    threads = rollout.threads.annotate(
        size=Count("messages"), questions=Count("messages", filter=Q(messages__is_question=True))
    )
    only_questions = request.GET.get("show") == "questions"
    if only_questions:
        threads = threads.filter(questions__gt=0)
    page = Paginator(threads.order_by("-started_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "engage/conversations/thread_list.html",
        {
            "rollout": rollout,
            "page": page,
            "only_questions": only_questions,
            "imports": rollout.conversation_imports.select_related("imported_by")[:5],
        },
    )


@role_required(READERS)
def thread_detail(request, pk, thread):
    rollout = request.scope.rollout(pk)
    thread = get_object_or_404(rollout.threads, pk=thread)
    posts = thread.messages.select_related("unit").order_by("created_at", "pk")
    page = Paginator(posts, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "engage/conversations/thread_detail.html",
        {"rollout": rollout, "thread": thread, "page": page},
    )


@role_required(EDITORS)
def import_conversations(request, pk):
    rollout = request.scope.rollout(pk)
    form = ConversationImportForm(request.POST or None, request.FILES or None)
    errors = []
    if form.is_valid():
        try:
            record, created = services.import_conversations(
                rollout, form.cleaned_data["file"], form.cleaned_data["source"], request.user
            )
        except ImportFailed as failure:
            errors = failure.errors
        else:
            if created:
                messages.success(
                    request,
                    ngettext(
                        "Imported %(messages)s message in %(threads)s threads from %(file)s.",
                        "Imported %(messages)s messages in %(threads)s threads from %(file)s.",
                        record.messages,
                    )
                    % {"messages": record.messages, "threads": record.threads, "file": record.filename},
                )
            else:
                messages.info(
                    request, _("%(file)s was imported already; nothing changed.") % {"file": record.filename}
                )
            return redirect("engage:conversations", pk=rollout.pk)
    return render(
        request, "engage/conversations/import.html", {"rollout": rollout, "form": form, "errors": errors}
    )


@role_required(READERS)
def csv_template(request, pk):
    request.scope.rollout(pk)
    response = HttpResponse(generic_csv.template(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="conversations-template.csv"'
    return response


@role_required(WORKERS)
def log_question(request, pk):
    rollout = request.scope.rollout(pk)
    form = LogQuestionForm(request.POST or None, scope=request.scope)
    if form.is_valid():
        data = form.cleaned_data
        services.log_question(
            rollout,
            text=data["text"],
            asked_at=data["asked_at"],
            asker=data["asker"],
            asker_name=data["asker_name"].strip(),
            unit=data["unit"],
            where=data["where"].strip(),
            logged_by=request.user,
        )
        messages.success(request, _("Question logged: it is in the queue until someone answers it."))
        return redirect("engage:queue", pk=rollout.pk)
    return render(request, "engage/conversations/log_question.html", {"rollout": rollout, "form": form})
