"""Engage part 2's rows of the access matrix (tests/test_access_matrix.py)."""

import io

from conversations.models import ConnectedChannel, Pulse
from conversations.pulses import create_pulse, token
from rollout.models import Role

from ..access import EDITORS, ROLES, STAFF, Row, page, public, rollout_kwargs
from .factories import PulseInvitationFactory, QuestionFactory, ThreadFactory

WORKERS = EDITORS | {Role.CHAMPION}


def question_kwargs(p):
    return {"pk": p.rollout.pk, "question": QuestionFactory(thread__rollout=p.rollout).pk}


def with_a_question(p):
    QuestionFactory(thread__rollout=p.rollout)
    return rollout_kwargs(p)


def thread_kwargs(p):
    return {"pk": p.rollout.pk, "thread": ThreadFactory(rollout=p.rollout).pk}


def channel_kwargs(p):
    channel = ConnectedChannel.objects.create(rollout=p.rollout, channel_id="C0HELP01", channel_name="help")
    return {"pk": p.rollout.pk, "channel": channel.pk}


def _pulse(p, status=Pulse.Status.DRAFT):
    pulse = create_pulse(
        p.rollout,
        title="Readiness",
        kind=Pulse.Kind.READINESS,
        closes_on="2099-01-01",
        audience=[],
        questions=[],
        created_by=p.manager,
    )
    Pulse.objects.filter(pk=pulse.pk).update(status=status)
    return pulse


def pulse_kwargs(p):
    return {"pk": p.rollout.pk, "pulse": _pulse(p).pk}


def open_pulse_kwargs(p):
    return {"pk": p.rollout.pk, "pulse": _pulse(p, Pulse.Status.OPEN).pk}


def closed_pulse_kwargs(p):
    return {"pk": p.rollout.pk, "pulse": _pulse(p, Pulse.Status.CLOSED).pk}


def answer_kwargs(p):
    invitation = PulseInvitationFactory(pulse=_pulse(p, Pulse.Status.OPEN), user=p.member)
    return {"token": token(invitation)}


def upload(name, content):
    file = io.BytesIO(content.encode())
    file.name = name
    return file


ROWS = {
    "engage:conversations": page(STAFF, rollout_kwargs),
    "engage:conversations_import": page(EDITORS, rollout_kwargs),
    "engage:conversations_template": page(STAFF, rollout_kwargs),
    "engage:conversations_log": page(WORKERS, rollout_kwargs),
    "engage:conversations_thread": page(STAFF, thread_kwargs),
    # The Slack channels the rollout names: its managers name and remove them.
    "engage:conversations_channels": page(EDITORS, rollout_kwargs),
    "engage:conversations_channels_remove": page(EDITORS, channel_kwargs, ok=302, method="post"),
    # A Teams channel is named there too (without a Teams connection, back to the channels page).
    "engage:conversations_channels_teams": page(EDITORS, rollout_kwargs, ok=302, method="post"),
    "engage:conversations_channels_viva_engage": page(EDITORS, rollout_kwargs, ok=302, method="post"),
    "engage:queue": page(STAFF, rollout_kwargs),
    "engage:queue_response_times": page(STAFF, rollout_kwargs),
    # The questions behind "answered within the target", and their CSV.
    "engage:queue_questions": page(STAFF, with_a_question),
    "engage:queue_questions_csv": page(STAFF, with_a_question),
    "engage:queue_claim": page(WORKERS, question_kwargs, ok=302, method="post"),
    "engage:queue_answered": page(WORKERS, question_kwargs),
    "engage:queue_hand_on": page(WORKERS, question_kwargs),
    "engage:momentum": page(STAFF, rollout_kwargs),
    "engage:momentum_settings": page(
        EDITORS, rollout_kwargs, ok=302, method="post", data=lambda p: {"drop_percent": "40"}
    ),
    "engage:momentum_attendance": page(EDITORS, rollout_kwargs),
    "engage:pulses": page(STAFF, rollout_kwargs),
    "engage:pulses_new": page(EDITORS, rollout_kwargs),
    "engage:pulses_results": page(STAFF, pulse_kwargs),
    "engage:pulses_open": page(EDITORS, pulse_kwargs, ok=302, method="post"),
    "engage:pulses_close": page(EDITORS, open_pulse_kwargs, ok=302, method="post"),
    # "What we did about it" on a closed pulse: its managers write it.
    "engage:pulses_outcome": page(EDITORS, closed_pulse_kwargs),
    # Ask for help and one's own questions: every role, in their own organization.
    "conversations_org:ask": page(ROLES),
    "conversations_org:mine": page(ROLES),
    # The emailed link is the key: anyone holding it answers, signed in or not.
    "pulse:answer": public(kwargs=answer_kwargs),
}

__all__ = ["ROWS", "Row", "upload"]
