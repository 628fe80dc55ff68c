from datetime import date

import pytest

from strategy.models import Audience, Objective, SuccessMetric, Worksheet


@pytest.fixture
def worksheet(personas):
    """A worksheet with the minimum for sign-off: one objective, one audience, one metric."""
    personas.rollout.start_date = date(2027, 1, 4)
    personas.rollout.save()
    ws = Worksheet.objects.create(rollout=personas.rollout, main_purpose="knowledge_sharing")
    Objective.objects.create(worksheet=ws, title="Answers in a day")
    audience = Audience.objects.create(worksheet=ws, name="Sales team", size=60, unit=personas.unit)
    SuccessMetric.objects.create(
        worksheet=ws,
        metric_key="participation_rate",
        audience=audience,
        baseline=5,
        target=50,
        target_date=date(2027, 6, 30),
    )
    return ws
