"""Step 5, Engage: its entry in the step registry (see rollout/steps.py)."""

from rollout.steps import Step, Trend


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

    def trends(self, rollout):
        """Say what will appear here once activity and conversations are imported."""
        return [
            Trend(
                "participation",
                "Participation against the target path",
                "% of the audience",
                missing="Import an activity report (Engage step) to see participation against its target.",
            ),
            Trend(
                "time-to-first-response",
                "Time to first response",
                "hours",
                missing="Import conversations (Engage step) to see how fast questions get their first reply.",
            ),
        ]
