"""Step 5, Engage: its entry in the step registry (see rollout/steps.py)."""

from rollout.steps import Step, Trend

from .conversations import step_parts


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
            step_parts.ttfr_trend(rollout),
        ]

    def health(self, rollouts):
        return step_parts.merge_health(self, rollouts, {r.pk: self.not_started(r) for r in rollouts})

    def portfolio_facts(self, rollouts):
        return step_parts.merge_facts({}, rollouts)

    def units_of(self, rollouts):
        return step_parts.merge_units({}, rollouts)

    def digest_section(self, rollout, membership, since):
        return step_parts.merge_digest(None, rollout, membership, since)
