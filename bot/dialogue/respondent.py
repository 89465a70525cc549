"""Who is answering: the patient ("self") or a parent/guardian/carer ("guardian")."""

from __future__ import annotations

import re

_GUARDIAN = re.compile(
    r"\b(child|children|kid|kids|son|daughter|baby|boy|girl|teen|teenager|guardian|parent|"
    r"mother|father|mum|mom|dad|carer|caregiver|care for|someone else|somebody else|another "
    r"person|my (wife|husband|partner|brother|sister|grandchild|niece|nephew|friend)|"
    r"for (him|her|them)|on behalf)\b",
    re.IGNORECASE,
)
_SELF = re.compile(
    r"\b(myself|me|self|i am the patient|i'm the patient|my own|for me|i am|i'm|yes it'?s me)\b",
    re.IGNORECASE,
)


def parse_respondent(text: str) -> str | None:
    """ "self", "guardian", or None when the text says neither."""
    if _GUARDIAN.search(text):
        return "guardian"
    if _SELF.search(text):
        return "self"
    return None
