from django import template

from ..markdown import render_markdown

register = template.Library()


@register.filter
def markdown(text):
    """Markdown to sanitised HTML (see trust/markdown.py)."""
    return render_markdown(text)
