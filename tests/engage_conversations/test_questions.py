"""The question rule (conversations/questions.py)."""

import pytest

from conversations.questions import is_question


@pytest.mark.parametrize(
    "text",
    [
        "Does the app work on the ward wifi?",
        "Really?!",
        "anyone on nights tonight?  ",
        "How to reset my password",
        "Where's the rota",
        "Can I post photos of the new wing :camera:",
        "Is this the right channel? <@U123>",
        "Quick one (sorry)?)",
        "Who moderates this?”",
    ],
)
def test_it_recognises_a_question(text):
    assert is_question(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "Great session today, thanks everyone",
        "Do not post patient data here.",
        "Will is away this week",
        "The ? key is broken on ward 7 keyboards",
        ":wave:",
    ],
)
def test_it_leaves_statements_alone(text):
    assert not is_question(text)


def test_a_mark_by_hand_overrides_the_rule_both_ways():
    assert is_question("Printer on ward 7 is broken", marked=True)
    assert not is_question("How lovely was the party?", marked=False)
