"""Recognising "I don't know" answers, which are valid for every fact type.

A clear don't-know cue wins over anything else in the answer: "I don't know, maybe yes"
and "not sure, around 40" are both ``unknown`` — a guess wrapped in doubt is not a fact.
Weaker hedges ("maybe", "possibly", "probably") are separate: for yes/no questions they make
the answer unknown, beside a number they only mark an estimate ("maybe 40" → 40).
"Not that I know of" is *not* a don't-know: it is a (soft) no.
"""

from __future__ import annotations

import re

_NEG = r"(?:do n't|don't|do not|dont|didn't|did not|doesn't|does not)"
_DONT_KNOW = re.compile(
    r"|".join(
        (
            rf"\b(?:i\s+|we\s+)?{_NEG}\s+(?:really\s+|even\s+|actually\s+)?know\b",
            r"\b(?:wouldn't|would not|couldn't|could not)\s+(?:know|tell|say)\b",
            r"\bnot\s+(?:really\s+|totally\s+|entirely\s+|quite\s+|completely\s+|100%?\s+)?"
            r"(?:sure|certain)\b",
            r"\b(?:unsure|uncertain|dunno|idk|dk|unknown|unk)\b",
            r"\bno\s+(?:idea|clue)\b",
            r"\bnot\s+a\s+clue\b",
            r"\b(?:haven't|have not)\s+(?:got\s+)?(?:a|any|the\s+faintest)\s+(?:clue|idea)\b",
            r"\b(?:can't|can not|cannot|don't|do not|didn't|did not|couldn't|could not)\s+"
            r"(?:really\s+)?(?:remember|recall)\b",
            r"\bforg[eo]t(?:ten)?\b",
            r"\b(?:have|need|want|would\s+have|i'd\s+have)\s+to\s+(?:check|look|ask|find\s+out)\b",
            r"\bi'd\s+have\s+to\b",
            r"\bask\s+my\s+(?:doctor|dr|nurse|mum|mom|dad|parents?)\b",
            r"\bwho\s+knows\b",
            r"\bbeats\s+me\b",
            r"\bhard\s+to\s+say\b",
            r"\b(?:can't|can not)\s+say\b",
            r"\bnot\s+known\b",
            r"\bno\s+(?:recent\s+)?(?:results?|numbers?|report)\b",
            r"\b(?:don't|do not)\s+have\s+(?:the|my|any)\s+(?:results?|report|numbers?|values?)\b",
            r"\bnever\s+(?:been\s+)?(?:tested|checked|measured)\b(?!\s+(?:positive|negative))",
            r"\b(?:haven't|have not|hasn't|has not|never|didn't|did not)\s+(?:seen|got|gotten|"
            r"received)\s+(?:the|my|his|her|their|any)?\s*(?:results?|numbers?|reports?)\b",
            r"\bnot\s+(?:been\s+)?(?:tested|checked|measured)\b",
            r"\b(?:haven't|have not|hasn't|has not)\s+been\s+(?:tested|checked|measured)\b",
            r"\b(?:haven't|have not|never)\s+had\s+(?:it|that|this|them)\s+"
            r"(?:tested|checked|measured)\b",
            r"^\W*\?+\W*$",
        )
    )
)
_HEDGE = re.compile(
    r"\b(?:maybe|possibly|perhaps|probably|might|may\s+be|mayb|prob|i\s+guess|could\s+be|"
    r"not\s+certain|kind\s+of|sort\s+of|borderline|i\s+suppose)\b"
)


def is_dont_know(text: str) -> bool:
    """True when the (cleaned) answer says the patient does not know."""
    return _DONT_KNOW.search(text) is not None


def is_hedge(text: str) -> bool:
    """True when the answer contains a weak hedge such as "maybe" or "possibly"."""
    return _HEDGE.search(text) is not None
