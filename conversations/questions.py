"""The question rule: the one place that decides whether a message is a question.

A message is a question when it ends with a question mark (trailing emoji, quotes and closing
brackets aside), starts with a question word, or a person marked it so by hand (which also
overrides the rule the other way: a message marked "not a question" is not one).
"""

import re

# Words that open a question. "do", "have" and "will" are left out: "Do not post patient data"
# and "Will is away" are more common than an unpunctuated "Do you ...".
QUESTION_WORDS = frozenset(
    {
        *("who", "whom", "whose", "what", "which", "when", "where", "why", "how"),
        *("is", "are", "was", "were", "does", "did", "can", "could", "should", "would"),
        *("anyone", "anybody"),
    }
)
# Slack's :emoji: codes, mentions and links in <...>, and trailing punctuation that follows a "?".
_SLACK_MARKUP = re.compile(r"<[^>]*>|:[a-z0-9_+\-]+:")
_TRAILING = re.compile(r"[\s\"'”’)\]}*_~.!]+$")
_FIRST_WORD = re.compile(r"[a-z]+")  # "where's" opens with "where"


def is_question(text, marked=None):
    """True when `text` is a question by the rule, or `marked` (True/False) says otherwise."""
    if marked is not None:
        return marked
    cleaned = _SLACK_MARKUP.sub(" ", text or "").strip()
    if not cleaned:
        return False
    if _TRAILING.sub("", cleaned).endswith(("?", "？")):
        return True
    first = _FIRST_WORD.match(cleaned.lower().replace("’", "'"))
    return bool(first) and first.group(0) in QUESTION_WORDS
