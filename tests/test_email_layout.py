"""One email layout: every HTML email body extends templates/emails/base.html, so the greeting,
the fonts and the small print at the bottom look the same in every email Rollout sends."""

from pathlib import Path

from rollout.emails import render_email

EMAILS = Path(__file__).resolve().parent.parent / "templates" / "emails"


def test_every_html_body_extends_the_email_layout():
    bodies = sorted(EMAILS.glob("*-body.html"))
    assert bodies
    offenders = [
        path.name for path in bodies if not path.read_text().startswith('{% extends "emails/base.html" %}')
    ]
    assert offenders == []


def test_an_email_renders_in_the_layout_with_its_greeting_and_small_print():
    class User:
        email = "ann@acme.example"

        def get_short_name(self):
            return "Ann"

    _subject, _text, html = render_email(
        "password-reset",
        {"user": User(), "uid": "MQ", "token": "set-password", "site_url": "https://rollout.example"},
    )
    assert html.startswith("<!doctype html>")
    assert "<p>Hello Ann,</p>" in html
    assert "/set-password/" in html
    assert '<p style="font-size: 13px; color: #6c757d;">The link works once, for a day.' in html
    assert html.rstrip().endswith("</body></html>")
