"""Step 4, Champion: its entry in the step registry (see rollout/steps.py)."""

from rollout.steps import Step


class ChampionStep(Step):
    number = 4
    key = "champion"
    name = "Champion"
    icon = "people"
    summary = "Appoint local champions so that everyone has someone to turn to, and log the help they give."
    questions = (
        "Who are the champions, and which units and shifts do they cover?",
        "Where are the gaps: units with people and no active champion?",
        "What help do champions give, to whom, and about what?",
    )
    first_action = "Nominate the first champions"
