"""The champion step's rows of the access matrix (tests/test_access_matrix.py)."""

from champions.models import Champion, SupportSession
from rollout.models import Role

from ..access import EDITORS, ROLES, STAFF, page, rollout_kwargs
from ..factories import MembershipFactory
from .factories import ChampionEventFactory, ChampionFactory, SkillFactory, SupportSessionFactory

LOGGERS = EDITORS | {Role.CHAMPION}
READERS = EDITORS | {Role.LEADER}


def own_profile(p):
    """The champion persona's active profile in rollout A (they may edit it; so may managers)."""
    return ChampionFactory(rollout=p.rollout, user=p.champion, units=[p.unit])


def champion_kwargs(p):
    return {"pk": p.rollout.pk, "champion": own_profile(p).pk}


def nominee_kwargs(p):
    nominee = ChampionFactory(rollout=p.rollout, user=p.member, status=Champion.Status.NOMINATED)
    return {"pk": p.rollout.pk, "champion": nominee.pk}


def loggers_are_champions(p):
    """Everyone whose role may log is an active champion, so the role alone decides the outcome."""
    for user in (p.admin, p.manager, p.champion):
        ChampionFactory(rollout=p.rollout, user=user)
    return rollout_kwargs(p)


def session_kwargs(p):
    session = SupportSessionFactory(
        champion=own_profile(p), outcome=SupportSession.Outcome.FOLLOW_UP, follow_up_on="2030-01-01"
    )
    return {"pk": p.rollout.pk, "session": session.pk}


def session_kwargs_of_rollout(p):
    """A session logged in rollout A, so that the rows are there to be refused or shown."""
    SupportSessionFactory(champion=own_profile(p))
    return rollout_kwargs(p)


def skill_kwargs(p):
    return {"skill": SkillFactory(organization=p.org, name="Mobile set-up").pk}


def event_kwargs(p):
    """A drop-in the champion persona runs (they may change it; so may managers)."""
    return {"pk": p.rollout.pk, "event": ChampionEventFactory(champion=own_profile(p)).pk}


def write_kwargs(p):
    """Another active champion of organization A, whom every persona may write to."""
    colleague = MembershipFactory(organization=p.org, role=Role.CHAMPION, unit=p.unit).user
    return {"champion": ChampionFactory(rollout=p.rollout, user=colleague, units=[p.unit]).pk}


ROWS = {
    "champions:home": page(STAFF, rollout_kwargs),
    "champions:coverage": page(STAFF, rollout_kwargs),
    "champions:coverage_csv": page(STAFF, rollout_kwargs),
    "champions:network": page(STAFF, rollout_kwargs),
    "champions:nominate": page(ROLES, rollout_kwargs),
    "champions:champion_edit": page(LOGGERS, champion_kwargs),
    "champions:decide": page(
        EDITORS, nominee_kwargs, ok=302, method="post", data=lambda p: {"decision": "approve"}
    ),
    "champions:log": page(LOGGERS, loggers_are_champions),
    "champions:sessions": page(STAFF, rollout_kwargs),
    # The rows behind the portfolio's "Support sessions (30 days)", and their CSV.
    "champions:sessions_recent": page(READERS, session_kwargs_of_rollout),
    "champions:sessions_recent_csv": page(READERS, session_kwargs_of_rollout),
    "champions:session_edit": page(LOGGERS, session_kwargs),
    "champions:session_delete": page(LOGGERS, session_kwargs, ok=302, method="post"),
    "champions:follow_up_done": page(LOGGERS, session_kwargs, ok=302, method="post"),
    "champions:report": page(READERS, rollout_kwargs),
    "champions:report_csv": page(READERS, rollout_kwargs),
    "champions_org:skills": page(EDITORS),
    "champions_org:skill_edit": page(EDITORS, skill_kwargs),
    "champions_org:my_sessions": page(ROLES),
    "champions:events": page(STAFF, rollout_kwargs),
    "champions:event_create": page(LOGGERS, loggers_are_champions),
    "champions:event_edit": page(LOGGERS, event_kwargs),
    "champions:event_delete": page(LOGGERS, event_kwargs, ok=302, method="post"),
    # The employee's side: every role.
    "champions_org:help": page(ROLES),
    "champions_org:write": page(ROLES, write_kwargs),
    "champions_org:directory": page(ROLES),
}
