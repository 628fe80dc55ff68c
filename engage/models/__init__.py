"""Engage's models, in two parts with their own owners: activity imports and rollups
(activity.py) and conversations, the question queue, momentum and pulses (conversations.py)."""

from .activity import *  # noqa: F401,F403
from .conversations import *  # noqa: F401,F403
