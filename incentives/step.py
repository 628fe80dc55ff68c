"""Step 2, Incentivize: its entry in the step registry (see rollout/steps.py)."""

from rollout.steps import Step


class IncentivizeStep(Step):
    number = 2
    key = "incentivize"
    name = "Incentivize"
    icon = "award"
    summary = "Give each audience a reason to take part: recognition, points and badges, appraisal objectives, leaders who take part."
    questions = (
        "What is in it for each audience: recognition, points and badges, objectives in the appraisal?",
        "How will good contributions be acknowledged in public?",
        "How will leadership show that it listens and takes part?",
        "How will the incentives resist gaming?",
    )
    first_action = "Choose the incentives for each audience"
