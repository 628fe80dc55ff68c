"""Conversation file formats: a Slack workspace export (slack.py), the generic CSV (generic_csv.py)
and the training attendance list (attendance.py). Each parser turns a file into plain records and
raises `ImportFailed` listing what is wrong; services.py stores the records all-or-nothing."""

from dataclasses import dataclass
from datetime import datetime

MAX_ERRORS = 20


class ImportFailed(Exception):
    """The file cannot be imported; `errors` says why, one readable sentence each."""

    def __init__(self, errors):
        self.errors = list(errors)[:MAX_ERRORS]
        super().__init__("; ".join(self.errors))


@dataclass
class ParsedMessage:
    thread_id: str
    message_id: str
    author_key: str
    created_at: datetime
    text: str = ""
    parent_id: str = ""
    author_name: str = ""
    email: str = ""
    is_bot: bool = False
    has_files: bool = False
    edited: bool = False
    deleted: bool = False
    channel: str = ""
    unit_name: str = ""
    marked_question: bool | None = None


def yes_no(value):
    """'yes'/'no' (and friends) -> True/False; empty -> None; anything else -> ValueError."""
    value = (value or "").strip().lower()
    if not value:
        return None
    if value in {"yes", "y", "true", "1"}:
        return True
    if value in {"no", "n", "false", "0"}:
        return False
    raise ValueError(value)
