"""Conversations, the unanswered-question queue, momentum and pulse feedback (Engage, part 2)."""
