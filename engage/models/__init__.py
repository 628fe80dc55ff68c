"""Engage's models: activity imports and rollups (activity.py). The conversations, the question
queue, momentum and pulses are the `conversations` app's (conversations/models.py)."""

from .activity import *  # noqa: F401,F403
