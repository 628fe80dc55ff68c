"""Background work of the conversations app."""

from celery import shared_task


@shared_task
def emit_late_question_webhooks():
    """Every five minutes: the `question.late` webhooks of questions gone past their target."""
    from .webhooks import emit_late_questions

    return emit_late_questions()
