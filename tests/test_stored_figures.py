"""Step figures computed on write and read from one row (rollout/figures.py)."""

import json
import shutil
import subprocess
from pathlib import Path
from unittest import mock

import pytest
from django.db.models import F
from django.urls import reverse
from django.utils import translation

from rollout import data_versions, figures, tasks
from rollout.i18n import Phrase
from rollout.models import RolloutFigures
from rollout.steps import Driver, registry

from .champions.factories import ChampionFactory
from .factories import RolloutFactory, UnitFactory
from .pages import worker_catches_up

pytestmark = pytest.mark.django_db


def _champion_reasons(client, rollout):
    page = client.get(reverse("rollout:overview", args=[rollout.pk]))
    assert page.status_code == 200
    health = dict(page.context["healths"])[registry.get("champion")]
    return page, health.reasons


def test_another_persons_write_shows_once_the_worker_has_recomputed(client_as, personas):
    client = client_as(personas.leader)
    _, before = _champion_reasons(client, personas.rollout)  # computed on first read
    ChampionFactory(rollout=personas.rollout)  # a manager appoints a champion elsewhere
    page, reasons = _champion_reasons(client, personas.rollout)
    assert reasons == before  # the stored figures, as of their time...
    assert "updating: a newer change is being counted in" in page.content.decode()
    assert worker_catches_up() == 1
    page, reasons = _champion_reasons(client, personas.rollout)
    assert reasons != before and any("1 active champion" in reason for reason in reasons)
    assert "updating" not in page.content.decode()
    assert "Figures as of" in page.content.decode()


def test_the_person_who_wrote_sees_their_change_at_once(client_as, personas):
    client = client_as(personas.manager)
    _champion_reasons(client, personas.rollout)
    with figures.changes_by(personas.manager):
        ChampionFactory(rollout=personas.rollout)
    page, reasons = _champion_reasons(client, personas.rollout)
    assert any("1 active champion" in reason for reason in reasons)
    assert "updating" not in page.content.decode()
    # ...and computing them stored them for everyone.
    assert not RolloutFigures.objects.get(rollout=personas.rollout).stale


def test_a_write_through_a_page_shows_on_the_next_page_without_a_worker(client_as, personas):
    client = client_as(personas.manager)
    overview = reverse("rollout:overview", args=[personas.rollout.pk])
    client.get(overview)
    response = client.post(
        reverse("rollout:edit", args=[personas.rollout.pk]),
        {"name": "Engage for everyone", "platform": personas.platform.pk, "status": "pilot"},
    )
    assert response.status_code == 302
    stored = RolloutFigures.objects.get(rollout=personas.rollout)
    assert stored.stale and stored.changed_by == personas.manager
    assert "updating" not in client.get(overview).content.decode()


def test_a_write_marks_its_own_rollout_and_no_other(personas, django_capture_on_commit_callbacks):
    other = RolloutFactory(organization=personas.org, platform=personas.platform)
    figures.for_rollouts([personas.rollout, other])
    with (
        mock.patch.object(tasks.recompute_figures, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        ChampionFactory(rollout=personas.rollout)
    stored = {row.rollout_id: row.stale for row in RolloutFigures.objects.all()}
    assert stored == {personas.rollout.pk: True, other.pk: False}
    delay.assert_called_once_with([personas.rollout.pk])  # that rollout alone


def test_the_worker_is_asked_once_per_transaction_after_it_commits(
    personas, django_capture_on_commit_callbacks
):
    figures.for_rollouts([personas.rollout])
    with mock.patch.object(tasks.recompute_figures, "delay") as delay:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            ChampionFactory.create_batch(3, rollout=personas.rollout)
            assert delay.call_count == 0  # not before the commit
        assert len([c for c in callbacks if hasattr(c, "figures_pending")]) == 1
    delay.assert_called_once_with([personas.rollout.pk])


def test_a_write_to_the_organization_marks_all_its_rollouts_and_no_other_organizations(
    personas, django_capture_on_commit_callbacks
):
    second = RolloutFactory(organization=personas.org, platform=personas.platform)
    figures.for_rollouts([personas.rollout, second, personas.other_rollout])
    with (
        mock.patch.object(tasks.recompute_organization_figures, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        UnitFactory(organization=personas.org, headcount=120)
    stale = {row.rollout_id for row in RolloutFigures.objects.all() if row.stale}
    assert stale == {personas.rollout.pk, second.pk}
    delay.assert_called_with(personas.org.pk)


def test_the_writer_does_not_compute_what_a_worker_has_started(client_as, personas, monkeypatch):
    client = client_as(personas.manager)
    _champion_reasons(client, personas.rollout)
    with figures.changes_by(personas.manager):
        ChampionFactory(rollout=personas.rollout)
    # A worker takes the task: it claims the version, and is still computing when the page is read.
    original, seen = figures._computed, {}

    def page_while_the_worker_computes(rollouts, **options):
        seen["page"] = _champion_reasons(client, personas.rollout)
        return original(rollouts, **options)

    monkeypatch.setattr(figures, "_computed", page_while_the_worker_computes)
    assert tasks.recompute_figures([personas.rollout.pk]) == 1
    page, reasons = seen["page"]
    assert "updating: a newer change is being counted in" in page.content.decode()
    assert not any("1 active champion" in reason for reason in reasons)
    monkeypatch.setattr(figures, "_computed", original)
    _, reasons = _champion_reasons(client, personas.rollout)  # the worker has stored them
    assert any("1 active champion" in reason for reason in reasons)


def test_writes_queued_for_one_rollout_are_computed_once(personas):
    figures.for_rollouts([personas.rollout])
    ChampionFactory(rollout=personas.rollout)  # two writes, each sending a task
    ChampionFactory(rollout=personas.rollout)
    assert tasks.recompute_figures([personas.rollout.pk]) == 1  # the first counts in both
    assert tasks.recompute_figures([personas.rollout.pk]) == 0  # and the second has nothing to do
    assert not RolloutFigures.objects.get(rollout=personas.rollout).stale


def test_a_row_without_a_rollout_of_its_own_is_traced_to_its_rollout(personas):
    from strategy.models import Objective, Worksheet

    worksheet = Worksheet.objects.create(rollout=personas.rollout, main_purpose="knowledge_sharing")
    figures.for_rollouts([personas.rollout, personas.other_rollout])
    Objective.objects.create(worksheet=worksheet, title="Find experts faster")
    assert data_versions.owner_of(Objective.objects.get()) == (personas.org.pk, personas.rollout.pk)
    assert RolloutFigures.objects.get(rollout=personas.rollout).stale
    assert not RolloutFigures.objects.get(rollout=personas.other_rollout).stale


def test_a_computation_from_an_older_version_never_overwrites_a_newer_one(personas):
    figures.for_rollouts([personas.rollout])
    RolloutFigures.objects.filter(rollout=personas.rollout).update(version=5, computed_version=7)
    figures.recompute([personas.rollout])  # computed from version 5: older than what is stored
    assert RolloutFigures.objects.get(rollout=personas.rollout).computed_version == 7


def test_a_write_while_computing_leaves_the_figures_out_of_date(personas, monkeypatch):
    original = figures._computed

    def computed_while_someone_writes(rollouts, **options):
        data = original(rollouts, **options)
        ChampionFactory(rollout=personas.rollout)
        return data

    monkeypatch.setattr(figures, "_computed", computed_while_someone_writes)
    figures.for_rollouts([personas.rollout])  # the row is created, then written while computing
    monkeypatch.setattr(figures, "_computed", original)
    figures.recompute([personas.rollout])
    monkeypatch.setattr(figures, "_computed", computed_while_someone_writes)
    figures.recompute([personas.rollout])
    assert RolloutFigures.objects.get(rollout=personas.rollout).stale


def test_stored_figures_are_the_steps_own_figures(personas):
    from django.core.management import call_command

    call_command("seed_demo", verbosity=0)
    from rollout.models import Rollout

    rollouts = list(Rollout.objects.select_related("organization", "platform", "owner"))
    stored = figures.for_rollouts(rollouts, fresh=True)
    for step in registry.steps():
        health, facts, units = step.portfolio_figures(rollouts)
        for rollout in rollouts:
            assert stored[rollout.pk].health[step.key] == health[rollout.pk]
            for fact in facts.get(rollout.pk, []):
                assert fact in stored[rollout.pk].facts
            assert set(units.get(rollout.pk, ())) <= stored[rollout.pk].units


def test_the_sweep_recomputes_what_the_broker_never_delivered(personas, django_capture_on_commit_callbacks):
    second = RolloutFactory(organization=personas.org, platform=personas.platform)
    figures.for_rollouts([personas.rollout, second, personas.other_rollout])
    with (
        mock.patch.object(tasks.recompute_figures, "delay", side_effect=OSError("broker down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        ChampionFactory(rollout=personas.rollout)  # logged, not raised: the write succeeds
    assert RolloutFigures.objects.get(rollout=personas.rollout).stale
    assert tasks.recompute_out_of_date() == 1
    assert not RolloutFigures.objects.filter(computed_version__lt=F("version")).exists()


def test_the_nightly_run_recomputes_every_figure_and_records_the_day(personas):
    figures.for_rollouts([personas.rollout])
    RolloutFigures.objects.update(computed_at=None)
    assert tasks.snapshot_health() == 2
    assert RolloutFigures.objects.filter(computed_at__isnull=False).count() == 2


@pytest.mark.parametrize(
    "url_name", ["champions:home", "engage:home", "incentives:home", "trust:home", "reviews:home"]
)
def test_every_step_home_says_when_its_health_was_computed(client_as, personas, url_name):
    client = client_as(personas.manager)
    url = reverse(url_name, args=[personas.rollout.pk])
    assert "Figures as of" in client.get(url).content.decode()
    ChampionFactory(rollout=personas.rollout)  # someone else's write
    assert "updating: a newer change is being counted in" in client.get(url).content.decode()
    worker_catches_up()
    assert "updating" not in client.get(url).content.decode()


# The figures' text is stored as messages and values, and read in the reader's language ----------

# The German messages of the figures, until they are merged into locale/ (afterwards the fragment is
# gone and locale/ answers alone).
FIGURES_FRAGMENT = Path("/work/i18n/frag/figures.de.po")


@pytest.fixture
def german(settings, tmp_path):
    """German with the figures' translations: the fragment compiled into a directory searched
    before locale/ while it is not merged yet."""
    if FIGURES_FRAGMENT.exists() and shutil.which("msgfmt"):
        target = tmp_path / "de" / "LC_MESSAGES"
        target.mkdir(parents=True)
        subprocess.run(["msgfmt", "-o", str(target / "django.mo"), str(FIGURES_FRAGMENT)], check=True)
        settings.LOCALE_PATHS = [tmp_path, *settings.LOCALE_PATHS]


@pytest.fixture
def uncovered(personas):
    """A rollout with one champion, in Sales (60 people), and a unit of 1,234 people without one."""
    from .factories import UnitFactory

    UnitFactory(organization=personas.org, name="Nursing", headcount=1234)
    ChampionFactory(rollout=personas.rollout, units=[personas.unit])
    return personas.rollout


COVERAGE = "4% of people covered at the target of 1 per 50 (1 unit without an active champion)"


def test_a_stored_document_holds_messages_and_values_not_sentences(uncovered):
    figures.for_rollouts([uncovered])
    document = RolloutFigures.objects.get(rollout=uncovered).data
    champion = document["health"]["champion"]
    # A reason: the sentence's message, with the fact's message and its values (numbers as numbers).
    coverage = {
        "phrase": "%(percent)s of people covered at the target of 1 per %(target)s"
        " (%(count)s unit without an active champion)",
        "plural": "%(percent)s of people covered at the target of 1 per %(target)s"
        " (%(count)s units without an active champion)",
        "count": 1,
        "values": {"percent": {"pct": 4.0, "dec": 0}, "target": {"int": 50}, "count": {"int": 1}},
    }
    assert champion["reasons"][0] == {"phrase": "%(fact)s.", "values": {"fact": coverage}}
    # A driver: the fact's message, and the points it cost.
    assert champion["drivers"][0] == [coverage, 48]
    # The next action and the ceiling's reason: a unit's name stays as it is, its headcount a number.
    assert champion["next_action"]["values"] == {"unit": "Nursing", "count": {"int": 1234}}
    assert champion["ceiling_reason"]["values"]["uncovered"] == {"int": 1234}
    # A fact: its label's message, its value's message and values.
    coverage_fact = next(fact for fact in document["facts"] if fact["definition"] == "champion-coverage")
    assert coverage_fact["label"] == {"phrase": "Champion coverage"}
    assert coverage_fact["value"]["values"]["coverage"] == {
        "phrase": "%(percent)s of people covered at 1 per %(target)s",
        "values": {"percent": {"pct": 4.0, "dec": 0}, "target": {"int": 50}},
    }
    # No English sentence is stored.
    stored = json.dumps(document)
    assert COVERAGE not in stored and "people covered at 1 per 50" not in stored


def test_stored_figures_read_in_english_as_before(uncovered):
    figures.for_rollouts([uncovered])
    health = figures.of_rollout(uncovered).health["champion"]  # read back from the row
    assert health.reasons == [
        f"{COVERAGE}.",
        "0 of 1 active champion logged a session in the last 30 days.",
        "0 sessions in the last 30 days (0 in the 30 days before).",
    ]
    assert isinstance(health.reasons[0], Phrase)
    assert [str(driver) for driver in health.drivers][0] == f"{COVERAGE} (−48 points)"
    assert health.next_action == "Appoint a champion for Nursing (1,234 people, none yet)"
    facts = {str(fact.label): str(fact.value) for fact in figures.of_rollout(uncovered).facts}
    assert facts["Champion coverage"] == "4% of people covered at 1 per 50; 1 active champions"
    assert facts["Next review"] == "none scheduled"


def test_stored_figures_read_in_german_though_computed_in_english(uncovered, german):
    # GERMAN ASSERTIONS: they need the figures' German translations (the "figures" catalogue
    # fragment, compiled by the `german` fixture until it is merged into locale/).
    figures.for_rollouts([uncovered])  # computed (by the worker) in English
    stored = figures.of_rollout(uncovered)
    health = stored.health["champion"]
    with translation.override("de"):  # a percentage: the number, a no-break space, "%"
        assert str(health.reasons[0]) == (
            "4\u00a0% der Personen abgedeckt beim Ziel von 1 pro 50 (1 Einheit ohne aktiven Champion)."
        )
        assert str(health.drivers[0]) == (
            "4\u00a0% der Personen abgedeckt beim Ziel von 1 pro 50 (1 Einheit ohne aktiven Champion) (−48 Punkte)"
        )
        assert str(health.next_action) == "Einen Champion für Nursing benennen (1.234 Personen, noch keiner)"
        assert str(health.ceiling_reason) == (
            "1.234 von 1.294 Personen (95\u00a0%) sind in Einheiten ohne aktiven Champion"
        )
        assert str(health.label) == "Nicht im Plan"
        facts = {str(fact.label): str(fact.value) for fact in stored.facts}
        assert (
            facts["Champion-Abdeckung"] == "4\u00a0% der Personen abgedeckt bei 1 pro 50; 1 aktiver Champion"
        )
        assert facts["Nächste Überprüfung"] == "keine geplant"
    # ...and the same objects read in English again.
    assert str(health.reasons[0]) == f"{COVERAGE}."


def test_a_date_in_the_figures_reads_in_the_readers_language(german):
    from datetime import date

    from rollout.steps import day

    due = day(date(2026, 3, 2))
    assert str(due) == "2 Mar 2026"
    with translation.override("de"):  # the figures' German translations
        assert str(Phrase.gettext("28 days to %(date)s", date=due)) == "28 Tage bis 2. März 2026"


def test_a_document_stored_as_plain_text_still_loads(uncovered):
    figures.for_rollouts([uncovered])
    row = RolloutFigures.objects.get(rollout=uncovered)
    old = json.loads(json.dumps(row.data))
    # The format before messages and values: every text an English string.
    old["health"]["champion"].update(
        reasons=["Coverage: 1 per 64."],
        next_action="Add a champion",
        ceiling_reason="Most people have no champion",
        drivers=[["Coverage: 1 per 64", 30], ["Most people have no champion", None]],
    )
    for fact in old["facts"]:
        fact.update(label="Old label", value="old value")
    RolloutFigures.objects.filter(pk=row.pk).update(data=old)
    health = figures.of_rollout(uncovered).health["champion"]
    assert health.reasons == ["Coverage: 1 per 64."]
    assert health.next_action == "Add a champion" and health.ceiling_reason == "Most people have no champion"
    assert health.drivers == (Driver("Coverage: 1 per 64", 30), Driver("Most people have no champion", None))
    assert [str(driver) for driver in health.drivers] == [
        "Coverage: 1 per 64 (−30 points)",
        "Most people have no champion",
    ]
    assert {(fact.label, fact.value) for fact in figures.of_rollout(uncovered).facts} == {
        ("Old label", "old value")
    }


def test_a_german_manager_reads_the_stored_figures_in_german(client_as, personas, uncovered, german):
    # GERMAN ASSERTIONS (the figures' German translations): the page reads what the worker stored.
    figures.for_rollouts([uncovered])
    personas.manager.language = "de"
    personas.manager.save(update_fields=["language"])
    page = client_as(personas.manager).get(reverse("champions:home", args=[uncovered.pk])).content.decode()
    assert "Einen Champion für Nursing benennen (1.234 Personen, noch keiner)" in page
    assert "1 Einheit ohne aktiven Champion" in page
    assert "Appoint a champion" not in page
