"""Every page and every email in German and in French, with no English sentence left.

Every GET page of the access matrix is opened by every role it answers to, each person reading
German (then French), over rows in every app (the security suite's seeding); every email kind is
rendered for a recipient reading the language. The text a reader meets must hold none of the
catalogue's English sentences (tests/international.py): a German-speaking manager runs a rollout
without meeting an English sentence. JSON, CSV and file downloads are not pages.
"""

import pytest
from django.conf import settings
from django.db import transaction
from django.urls import reverse

from rollout.models import User

from .international import english_left, english_sentences
from .security import conftest as security
from .security.emails import KINDS, notification, rendered
from .test_access_matrix import MATRIX

LANGUAGES = [code for code, _ in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
ROLES = ["admin", "manager", "champion", "leader", "member"]
NOT_PAGES = ("api:", "openbadges:", "admin:")

# The security suite's personas, with rows in every app, made once for the module.
module_personas, personas = security.module_personas, security.personas


def pages_for(role):
    return [
        name
        for name, row in sorted(MATRIX.items())
        if row.method == "get" and not name.startswith(NOT_PAGES) and row.expect.get(role) == 200
    ]


def test_the_finder_knows_english_from_german():
    from .international import visible_text

    assert "Save and continue" in english_sentences("de") or len(english_sentences("de")) > 500
    sentence = english_sentences("de")[-1]
    assert english_left(f"<p>{sentence}</p>", "de") == [sentence]
    assert english_left(f'<input placeholder="{sentence}">', "de") == [sentence]
    assert english_left(f"<script>'{sentence}'</script><p>Guten Tag</p>", "de") == []
    assert visible_text("<p>a&amp;b</p>").strip() == "a&b"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("role", ROLES)
def test_every_page_reads_in_the_persons_language(client, personas, role, language):
    user = personas.users[role]
    User.objects.filter(pk=user.pk).update(language=language)
    client.force_login(user)
    failures, swept = [], 0
    for name in pages_for(role):
        row = MATRIX[name]
        with transaction.atomic():
            url = reverse(name, kwargs=row.kwargs(personas) if row.kwargs else None)
            response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
            content_type = response.get("Content-Type", "")
            if response.status_code != 200 or not content_type.startswith("text/html") or response.streaming:
                transaction.set_rollback(True)
                continue
            swept += 1
            left = english_left(response.content.decode(), language)
            if left:
                failures.append(f"{name} ({url}): {left[:6]}")
            transaction.set_rollback(True)
    assert swept > 10, f"only {swept} pages swept as {role}"
    assert not failures, f"English on pages read in {language} by the {role}:\n" + "\n".join(failures)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_email_reads_in_its_recipients_language(personas, kind, language):
    row = notification(personas, kind)
    User.objects.filter(pk=row.recipient_id).update(language=language)
    row.refresh_from_db()
    subject, text, html = rendered(row)
    for part, body in (("subject", subject), ("text", text), ("html", html)):
        assert english_left(body, language) == [], f"{kind} ({part}) read in {language}"
