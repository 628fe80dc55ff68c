"""One email = three templates: emails/<name>-subject.txt, -body.txt and -body.html."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


def render_email(name, context):
    context = {"site_url": settings.SITE_URL, **context}
    subject = render_to_string(f"emails/{name}-subject.txt", context)
    subject = " ".join(subject.split())  # headers must not contain newlines
    text = render_to_string(f"emails/{name}-body.txt", context)
    html = render_to_string(f"emails/{name}-body.html", context)
    return subject, text, html


def send_rendered(subject, text, html, to, headers=None):
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, to, headers=headers)
    if html:
        message.attach_alternative(html, "text/html")
    message.send()
