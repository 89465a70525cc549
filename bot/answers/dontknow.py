"""Recognising "I don't know" answers, which are valid for every fact type.

A clear don't-know cue wins over anything else in the answer: "I don't know, maybe yes"
and "not sure, around 40" are both ``unknown`` — a guess wrapped in doubt is not a fact.
Weaker hedges ("maybe", "possibly", "probably") are separate: for yes/no questions they make
the answer unknown, beside a number they only mark an estimate ("maybe 40" → 40).
"Not that I know of" is *not* a don't-know: it is a (soft) no. The phrases are the
language's ``dontknow.yaml``.

Some answers mean "I don't know" only to a lab value asked of the patient ("do you know your
latest lymphocyte count?"): a bare "no", "never been told that number", "I've never looked at
them", "I've never had that test". To a yes/no question the same words are a no ("never been
told I have diabetes"), so they are ``no_idea`` phrases, read after the yes/no parser has had
its turn. "The records are with someone else" ("my doctor has those", "the hospital has my
reports") is a don't-know for every fact. Both are whole answers (anchored), so a value said
beside them still counts: "my doctor has them, it was 1:160" is 1:160.
"""

from __future__ import annotations

from bot.answers.lexicon import DEFAULT_LANGUAGE, lexicon


def _span(text: str, key: str, language: str) -> tuple[int, int] | None:
    match = lexicon(language).regex("dontknow", key).search(text)
    return None if match is None else match.span()


def dont_know_span(text: str, language: str = DEFAULT_LANGUAGE) -> tuple[int, int] | None:
    """Where the (cleaned) answer says the patient does not know, if it does."""
    return _span(text, "dont_know", language)


def hedge_span(text: str, language: str = DEFAULT_LANGUAGE) -> tuple[int, int] | None:
    """Where the answer has a weak hedge such as "maybe" or "possibly", if it has one."""
    return _span(text, "hedge", language)


def no_idea_span(text: str, language: str = DEFAULT_LANGUAGE) -> tuple[int, int] | None:
    """Where an answer to "do you know your latest …?" says the patient does not know it: a
    bare "no", "never been told", "never looked at them" (a don't-know only for such values)."""
    return _span(text, "no_idea", language)


def is_dont_know(text: str, language: str = DEFAULT_LANGUAGE) -> bool:
    """True when the (cleaned) answer says the patient does not know."""
    return dont_know_span(text, language) is not None


def is_hedge(text: str, language: str = DEFAULT_LANGUAGE) -> bool:
    """True when the answer contains a weak hedge such as "maybe" or "possibly"."""
    return hedge_span(text, language) is not None
