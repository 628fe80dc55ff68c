"""Languages (rollout/i18n.py, locale/): which language a page and an email are in, the person's
own time zone, and catalogues that are complete and compiled."""

import gettext
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.urls import reverse

from rollout import outbox

from .factories import NotificationFactory
from .international import LOCALE, catalogue

TRANSLATED = [code for code, _ in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_catalogue_entry_is_translated_and_compiled(language):
    entries = catalogue(language)
    assert entries, f"{language}: the catalogue is empty"
    assert [msgid for msgid, msgstr in entries.items() if not msgstr] == []
    with open(LOCALE / language / "LC_MESSAGES" / "django.mo", "rb") as compiled:
        translations = gettext.GNUTranslations(compiled)
    # The .mo is the .po compiled (make messages): a page shows what the catalogue says.
    compiled = {
        key: translations.pgettext(*key.split("\x04")) if "\x04" in key else translations.gettext(key)
        for key in entries
    }
    assert compiled == entries


def test_a_page_follows_the_browser_when_nobody_chose(client, db):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9")
    assert "Zum Inhalt springen" in response.text and 'lang="de"' in response.text
    assert response["Content-Language"] == "de"
    assert "Skip to content" in client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="es").text


def test_the_organizations_language_comes_before_the_browser_and_the_persons_before_both(client_as, personas):
    personas.org.language = "de"
    personas.org.save()
    client = client_as(personas.member)
    assert "Meine Seite" in client.get(reverse("people:me"), HTTP_ACCEPT_LANGUAGE="fr").text
    client.post(reverse("rollout:personal_settings"), {"language": "fr", "time_zone": ""})
    page = client.get(reverse("people:me"), HTTP_ACCEPT_LANGUAGE="de").text
    assert "Ma page" in page and "Langue et fuseau horaire" in page


def test_a_person_sees_times_in_their_own_time_zone(client_as, personas):
    from rollout.models import AuditEvent

    personas.org.timezone = "UTC"
    personas.org.save()
    AuditEvent.objects.create(
        organization=personas.org,
        action="login",
        summary="zone check",
        created_at=datetime(2026, 12, 3, 12, tzinfo=UTC),
    )
    client = client_as(personas.admin)
    assert "12:00" in client.get(reverse("rollout:audit")).text
    client.post(reverse("rollout:personal_settings"), {"language": "", "time_zone": "Europe/Berlin"})
    assert "13:00" in client.get(reverse("rollout:audit")).text


def test_an_email_is_in_its_recipients_language_whatever_the_senders(personas):
    personas.manager.language = "fr"
    personas.manager.save()
    payload = {"rollout": personas.rollout.pk, "week": "2026-W49"}
    to_manager = NotificationFactory(organization=personas.org, recipient=personas.manager, payload=payload)
    to_admin = NotificationFactory(organization=personas.org, recipient=personas.admin, payload=payload)
    assert "Bonjour Manager," in outbox.build_message(to_manager).alternatives[0][0]
    assert "Hello Admin," in outbox.build_message(to_admin).alternatives[0][0]
    personas.org.language = "de"
    personas.org.save()
    to_admin.organization.refresh_from_db()
    assert "Hallo Admin," in outbox.build_message(to_admin).alternatives[0][0]


# The employee's side (people, the "My page" panels, Who can help me, Speak up, Ask for help).
EMPLOYEE_PAGES = {
    "de": {
        "people:me": [
            "Meine Seite",
            "Was bei Ihnen eingeführt wird",
            "Sie haben gesagt, wir haben gehandelt",
        ],
        "people:you_said": ["Sie haben gesagt, wir haben gehandelt", "Mit Ihnen wurde noch nichts geteilt."],
        "champions_org:help": [
            "Wer kann mir helfen",
            "Ihre Champions",
            "Ihre nächsten offenen Sprechstunden",
        ],
    },
    "fr": {
        "people:me": ["Ma page", "Ce qui est déployé pour vous", "Vous avez dit, nous avons agi"],
        "people:you_said": ["Vous avez dit, nous avons agi", "Rien n’a encore été partagé avec vous."],
        "champions_org:help": [
            "Qui peut m’aider",
            "Vos champions",
            "Vos prochaines permanences et formations",
        ],
    },
}


@pytest.mark.parametrize("language", ["de", "fr"])
def test_an_employee_reads_their_own_pages_in_their_language(client_as, personas, language):
    personas.member.language = language
    personas.member.save()
    client = client_as(personas.member)
    for name, expected in EMPLOYEE_PAGES[language].items():
        response = client.get(reverse(name), HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200, name
        assert response["Content-Language"] == language
        page = response.text
        for text in expected:
            assert text in page, f"{name}: {text!r}"

        assert "Being rolled out to you" not in page and "Nothing has been shared with you yet" not in page


def test_the_employee_pages_stay_in_english_by_default(client_as, personas):
    client = client_as(personas.member)
    assert "Being rolled out to you" in client.get(reverse("people:me")).text
    assert "Who can help me" in client.get(reverse("champions_org:help")).text
    assert "Nothing has been shared with you yet." in client.get(reverse("people:you_said")).text


# Numbers, percentages and dates as each language writes them; text kept as message and values.
FORMATS = {
    "en": ("1,234.5", "12.5%", "3 Dec 2026"),
    "de": ("1.234,5", "12,5\u00a0%", "3 Dez 2026"),
    "fr": ("1\u00a0234,5", "12,5\u202f%", "3 Déc 2026"),
}


@pytest.mark.parametrize("language", FORMATS)
def test_numbers_percentages_and_dates_read_as_the_language_writes_them(language):
    from django.template import Context, Template
    from django.utils import translation

    from rollout.i18n import number, percent

    template = Template('{% load rollout_tags %}{{ n|number:1 }}|{{ rate|percent }}|{{ day|date:"j M Y" }}')
    with translation.override(language):
        shown = template.render(Context({"n": 1234.5, "rate": 12.5, "day": datetime(2026, 12, 3)}))
        assert shown.split("|") == list(FORMATS[language])
        assert (number(1234.5, 1), percent(12.5)) == FORMATS[language][:2]


def test_a_phrase_is_english_text_kept_as_message_and_values_and_read_in_each_language():
    import json
    import pickle

    from django.utils import translation

    from rollout.i18n import Percent, Phrase, dump_text

    phrase = Phrase.gettext("%(number)s%%", number=Percent(12.5))  # any catalogue message will do
    phrase = Phrase.ngettext("%(counter)s active", "%(counter)s active", 1234, counter=1234)
    assert phrase == "1,234 active" and "active" in phrase  # as a str it is the English text
    stored = json.loads(json.dumps(dump_text(phrase)))
    assert stored == {
        "phrase": "%(counter)s active",
        "plural": "%(counter)s active",
        "count": 1234,
        "values": {"counter": {"int": 1234}},
    }
    loaded = Phrase.load(stored)
    with translation.override("de"):
        assert str(loaded) == str(phrase) == f"{phrase}" == "1.234 aktiv"
    with translation.override("fr"):
        assert str(pickle.loads(pickle.dumps(loaded))) == "1\u00a0234 actifs"
    assert Phrase.load("plain text stored earlier") == "plain text stored earlier"


def test_a_number_is_rounded_as_floatformat_rounds_not_cut():
    from rollout.i18n import number, percent

    assert (number(72.9), percent(72.9, 0), number(0.25, 1), number(1234.5)) == ("73", "73%", "0.3", "1,235")


# The time-zone test of the digest suite, on the pages: the digest goes out at the organization's
# local hour, and the pages that show when say the same local time and name the zone.
DIGEST_ZONES = {
    "Europe/London": (0, 8, "GMT"),
    "America/New_York": (4, 7, "EST"),
    "Australia/Sydney": (6, 2, "AEDT"),
}


@pytest.mark.parametrize("zone", DIGEST_ZONES)
def test_pages_show_the_digest_at_the_organizations_local_hour_and_name_the_zone(client_as, personas, zone):
    import time_machine
    from django.utils import timezone

    from rollout import digest, notifications
    from rollout.models import Notification

    weekday, hour, abbreviation = DIGEST_ZONES[zone]
    personas.org.timezone, personas.org.digest_weekday, personas.org.digest_hour = zone, weekday, hour
    personas.org.save()
    admin = client_as(personas.admin)
    settings_page = admin.get(reverse("rollout:settings")).text
    assert f"(now {zone})" in settings_page  # the digest hour's help names the zone
    assert f"at {hour}:00, {zone}" in admin.get(reverse("rollout:notification_settings")).text

    # Every hour of one week (January: no daylight saving in the north, summer time in Sydney).
    tick = datetime(2027, 1, 4, tzinfo=UTC)
    producers = notifications._producers
    notifications._producers = [digest.weekly_digests]
    try:
        for _ in range(24 * 7):
            with time_machine.travel(tick, tick=False):
                outbox.insert_due(tick)
            tick += timedelta(hours=1)
    finally:
        notifications._producers = producers
    row = Notification.objects.filter(organization=personas.org, kind="digest").first()
    local = timezone.localtime(row.scheduled_for, ZoneInfo(zone))
    assert (local.weekday(), local.hour) == (weekday, hour)
    outbox_page = admin.get(reverse("rollout:outbox")).text
    assert f"{local:%-d %b %Y}, {hour:02d}:00 {abbreviation}" in outbox_page


def test_the_review_page_names_the_hour_and_zone_of_its_reminders(client_as, personas):
    from reviews.models import Review

    personas.org.timezone = "Europe/Berlin"
    personas.org.save()
    Review.objects.create(rollout=personas.rollout, number=1, due_date=datetime(2027, 1, 11).date())
    page = client_as(personas.manager).get(reverse("reviews:home", args=[personas.rollout.pk])).text
    assert "reminded by email at 08:00 (Europe/Berlin)" in page
    personas.manager.language = "de"
    personas.manager.save()
    page = client_as(personas.manager).get(reverse("reviews:home", args=[personas.rollout.pk])).text
    assert "08:00 (Europe/Berlin)" in page and "reminded by email" not in page


def test_a_german_readers_download_has_german_csv_headings_and_english_json_keys(client_as, personas):
    import csv
    import io
    import json
    import zipfile

    from incentives.models import Recognition

    Recognition.objects.create(
        rollout=personas.rollout, giver=personas.manager, recipient=personas.member, message="Danke!"
    )
    personas.member.language = "de"
    personas.member.save()
    archive = zipfile.ZipFile(io.BytesIO(client_as(personas.member).get(reverse("people:download")).content))
    received = next(
        name for name in archive.namelist() if name.endswith(".csv") and "recognitions-received" in name
    )
    headings = next(csv.reader(io.StringIO(archive.read(received).decode())))
    assert "Nachricht" in headings and "Message" not in headings
    data = json.loads(archive.read(received.replace(".csv", ".json")))
    assert data["rows"][0]["Message"] == "Danke!"  # keys stay English for programs


def test_an_api_error_reads_in_the_requests_language():
    from rest_framework.test import APIClient

    for language, english_left_over in (("de", False), ("en", True)):
        response = APIClient().get(
            "/api/v1/rollouts/", HTTP_AUTHORIZATION="Bearer rlt_wrong", HTTP_ACCEPT_LANGUAGE=language
        )
        assert response.status_code == 401
        message = response.json()["error"]["message"]
        assert message.startswith("This token is not valid") is english_left_over, message


def test_a_csv_export_has_its_header_row_in_the_downloaders_language(client_as, personas):
    import csv
    import io

    personas.leader.language = "de"
    personas.leader.save()
    response = client_as(personas.leader).get(reverse("rollout:portfolio_csv"))
    header = next(
        csv.reader(io.StringIO(b"".join(response).decode() if response.streaming else response.text))
    )
    assert "Plattform" in header and "Platform" not in header
