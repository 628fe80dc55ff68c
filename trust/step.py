"""Step 3, Trust: its entry in the step registry (see rollout/steps.py)."""

from rollout.steps import Step


class TrustStep(Step):
    number = 3
    key = "trust"
    name = "Trust"
    icon = "shield-check"
    summary = "Trust people within clear boundaries: publish usage guidelines, have them acknowledged, teach safe practice, handle incidents."
    questions = (
        "What are the boundaries, written as usage guidelines people can read in five minutes?",
        "Who has acknowledged the current guidelines, and who is outstanding?",
        "Do people know how to spot malware and suspicious links, and what defamation, copyright and privacy mean here?",
        "How is an incident reported, triaged and closed?",
    )
    first_action = "Publish the usage guidelines"
