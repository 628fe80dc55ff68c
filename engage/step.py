"""Step 5, Engage: its entry in the step registry (see rollout/steps.py)."""

from rollout.steps import Step


class EngageStep(Step):
    number = 5
    key = "engage"
    name = "Engage"
    icon = "chat-dots"
    summary = (
        "Measure real usage, answer every question, keep momentum after the launch and ask for feedback."
    )
    questions = (
        "Who is actually using the tool, where, and how often?",
        "Do people talk to each other, or is it broadcast only?",
        "Does every question get a reply, and how fast?",
        "Is momentum holding after the initial training, and what do people say about it?",
    )
    first_action = "Import the first activity report"
