"""The house rules of docs/architecture.md, checked on the code itself."""

import ast
import subprocess
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rollout.steps import Step, StepHealth, StepRegistry, registry

from .factories import RolloutFactory

ROOT = Path(__file__).resolve().parent.parent
STEP_APPS = {"strategy", "incentives", "trust", "champions", "engage", "reviews"}


def imported_modules(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def test_rollout_never_imports_a_step_app():
    offenders = [
        (str(path.relative_to(ROOT)), module)
        for path in (ROOT / "rollout").rglob("*.py")
        for module in imported_modules(path)
        if module.split(".")[0] in STEP_APPS
    ]
    assert offenders == []


# Engage's two apps. engage may read the conversations app through these modules only.
CONVERSATIONS_READS = {"conversations.selectors", "conversations.step_parts", "conversations.enterprise"}


def imported_names(path):
    """Each absolute import as "package.module[.name]": `from conversations import selectors`
    is "conversations.selectors", `from conversations.models import Message` is
    "conversations.models.Message"."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def test_rollout_never_imports_the_conversations_app():
    offenders = [
        (str(path.relative_to(ROOT)), module)
        for path in (ROOT / "rollout").rglob("*.py")
        for module in imported_modules(path)
        if module.split(".")[0] == "conversations"
    ]
    assert offenders == []


def test_conversations_never_imports_engage_models():
    """The conversations app keeps no tie to engage's tables: what it needs of the activity
    imports comes through engage's read functions (engage/active_records.py)."""
    offenders = [
        (str(path.relative_to(ROOT)), module)
        for path in (ROOT / "conversations").rglob("*.py")
        for module in imported_modules(path)
        if module == "engage" or module.startswith("engage.models")
    ]
    assert offenders == []


def test_engage_reads_conversations_only_through_its_public_modules():
    offenders = [
        (str(path.relative_to(ROOT)), name)
        for path in (ROOT / "engage").rglob("*.py")
        for name in imported_names(path)
        if name.split(".")[0] == "conversations" and ".".join(name.split(".")[:2]) not in CONVERSATIONS_READS
    ]
    assert offenders == []


def test_the_six_steps_are_registered_in_order():
    steps = registry.steps()
    assert [(s.number, s.name) for s in steps] == [
        (1, "Strategize"),
        (2, "Incentivize"),
        (3, "Trust"),
        (4, "Champion"),
        (5, "Engage"),
        (6, "Review"),
    ]
    assert all(s.icon and s.summary and s.questions and s.first_action for s in steps)


def test_a_step_cannot_be_registered_twice():
    class One(Step):
        number, key, name = 1, "one", "One"

    fresh = StepRegistry()
    fresh.register(One())
    with pytest.raises(ValueError):
        fresh.register(One())


@pytest.mark.django_db
def test_health_for_many_rollouts_costs_a_bounded_number_of_queries():
    rollouts = RolloutFactory.create_batch(3)
    with CaptureQueriesContext(connection) as few:
        table = registry.health_table(rollouts)
    rollouts += RolloutFactory.create_batch(27)
    with CaptureQueriesContext(connection) as many:
        table = registry.health_table(rollouts)
    assert len(few) == len(many)
    for _step, by_rollout in table:
        assert set(by_rollout) == {r.pk for r in rollouts}
        assert all(isinstance(h, StepHealth) for h in by_rollout.values())


def test_a_step_without_records_says_so_and_links_to_where_to_start():
    rollout = RolloutFactory.build(pk=41)
    health = registry.get("trust").health([rollout])[41]
    assert not health.started
    assert health.next_action == "Publish the usage guidelines"
    assert health.next_url == "/r/41/trust/"


def repository_files(*suffixes):
    """The repository's files with these suffixes: tracked ones and new ones not yet added (git
    ignores .venv, var/ and the like), or, outside a git checkout, every file but the virtualenv."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()
        paths = [ROOT / name for name in listed]
    except (OSError, subprocess.CalledProcessError):
        paths = [path for path in ROOT.rglob("*") if ".venv" not in path.relative_to(ROOT).parts]
    return sorted({path for path in paths if path.suffix in suffixes and path.is_file()})


def test_the_repository_points_at_no_document_outside_it():
    """What a reader needs is in README.md and docs/: a citation of a design document or a style
    guide that is not in the repository leads nowhere. The names are spelled in two halves so
    that this test does not find itself."""
    outside = ["DESIGN" + ".md", "STYLE" + ".md"]
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in repository_files(".py", ".html", ".md", ".txt")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if any(name in line for name in outside)
    ]
    assert offenders == []
