"""Conversations, the queue, momentum and pulses (Engage, part 2), included by engage/urls.py.

Every route here starts with a prefix of its own (conversations/, queue/, momentum/, pulses/) so it
never collides with part 1's routes.
"""

from django.urls import path  # noqa: F401

urlpatterns = []
