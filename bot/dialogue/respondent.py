"""Who is answering: the patient ("self") or a parent/guardian/carer ("guardian").

The words are per language (a language without its own falls back to English).
"""

from __future__ import annotations

import re

from bot.i18n import DEFAULT_LANGUAGE

#: language → (words that say someone else is the patient, words that say "myself").
_WORDS: dict[str, tuple[re.Pattern[str], re.Pattern[str]]] = {
    "en": (
        re.compile(
            r"\b(child|children|kid|kids|son|daughter|baby|boy|girl|teen|teenager|guardian|"
            r"parent|mother|father|mum|mom|dad|carer|caregiver|care for|someone else|"
            r"somebody else|another person|my (wife|husband|partner|brother|sister|grandchild|"
            r"niece|nephew|friend)|for (him|her|them)|on behalf)\b",
            re.IGNORECASE,
        ),
        re.compile(
            r"\b(myself|me|self|i am the patient|i'm the patient|my own|for me|i am|i'm|"
            r"yes it'?s me)\b",
            re.IGNORECASE,
        ),
    ),
}


def parse_respondent(text: str, language: str = DEFAULT_LANGUAGE) -> str | None:
    """ "self", "guardian", or None when the text says neither."""
    guardian, self_ = _WORDS.get(language) or _WORDS[DEFAULT_LANGUAGE]
    if guardian.search(text):
        return "guardian"
    if self_.search(text):
        return "self"
    return None
