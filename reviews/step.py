"""Step 6, Review: its entry in the step registry (see rollout/steps.py)."""

from rollout.steps import Step


class ReviewStep(Step):
    number = 6
    key = "review"
    name = "Review"
    icon = "arrow-repeat"
    summary = (
        "Review the rollout regularly against its strategy, act on what you find, and reassess the platforms."
    )
    questions = (
        "Is each success metric on track against its target?",
        "What is working and what is not, step by step?",
        "Which actions were decided, who owns them, and are they done?",
        "Which platforms are emerging, in use, declining or due to retire?",
    )
    first_action = "Schedule the first review"
