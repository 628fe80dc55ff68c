"""Step 1, Strategize: its entry in the step registry (see rollout/steps.py)."""

from rollout.steps import Step


class StrategizeStep(Step):
    number = 1
    key = "strategize"
    name = "Strategize"
    icon = "compass"
    summary = (
        "Decide what the organization wants from the technology, for whom, and how success will be measured."
    )
    questions = (
        "What does the organization want to get out of it, and what is the main purpose?",
        "Who are the stakeholders, and what does each of them need?",
        "Who is the audience, how big is it, and how will people come to know about the tool?",
        "Who owns it, who holds the budget, and who runs it day to day?",
        "How does it work in practice: coverage hours, response time to questions, moderation?",
        "How will you know it works: which success metrics, against which targets, reviewed how often?",
    )
    first_action = "Write the strategy worksheet"
