"""Yes/no answers, read with medspaCy ConText.

The answer's yes/no words ("yeah", "nope", "not that I know of"), its bare answers
("I do", "I haven't", "I used to") and the fact's topic words ("pregnant", "diabetic")
are marked as targets; ConText then says which of them are negated ("I don't have
diabetes"), uncertain ("maybe"), historical ("years ago"), about someone else ("my mother
has diabetes") or hypothetical ("if I had diabetes"). The signals are combined:

* uncertain ("maybe", "possibly", "perhaps", "probably", "I guess") → ``unknown``; a firm
  belief ("I think so", "I believe so") counts as yes — the patient's own belief is what a
  pre-screen records, and staff confirm.
* past-only ("I had one years ago but not now", "no longer", "not anymore", "used to",
  "years ago") → ``False`` for ``timeframe == "now"`` unless a present marker says it still
  holds ("still", "currently"); ``True`` for ``"ever"`` and for facts with no timeframe.
  "N months/weeks ago" is *recent*, not historical (facts such as a heart attack "in the
  last 6 months" count it as now).
* both yes and no ("yes and no") → ``invalid`` with the yes/no hint — except that a
  condition asserted ("I'm breastfeeding", "I had a heart attack") beats a bare no or
  another condition denied ("No, but I'm breastfeeding", "not pregnant but breastfeeding"
  → yes: facts such as pregnant_or_breastfeeding are an *or*), while a condition merely
  named before a no is what the no is about ("the stroke, I never had one" → no).
* a bare "I do"/"I don't" counts only when not followed by some other object ("I don't
  smoke" says nothing about diabetes); mentions about family members are ignored.

The words and phrases are the language's ``yesno.yaml``; the ConText rules its
``context.yaml``. The answer's span is the words that gave the value: the yes/no words,
the condition named, the past-only phrase.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from bot.answers import hints
from bot.answers.dontknow import hedge_span
from bot.answers.lexicon import lexicon
from bot.answers.names import CURRENT, FAMILY, HISTORICAL, HYPOTHETICAL, NEGATED, POSSIBLE
from bot.answers.pipeline import Target, analyse
from bot.answers.result import Parsed, Span, invalid, known, unknown
from bot.answers.terms import topic_spans
from bot.answers.text import Tracked
from bot.criteria.model import FactSpec

_TOKEN = re.compile(r"[\w']+|[^\w\s]")
#: the labels of the marks, in the order they are looked for, and their resource keys.
_MARK_KEYS = (
    ("UNSURE", "unsure"),
    ("NOT_NOW", "not_now"),
    ("NEGV", "negated"),
    ("ASSERT", "assert"),
    ("NO", "no"),
    ("YES", "yes"),
)


@dataclass(frozen=True)
class _Words:
    """One language's yes/no words and phrases, compiled."""

    marks: tuple[tuple[str, re.Pattern[str]], ...]
    whole: Mapping[str, bool]
    whole_yes: re.Pattern[str]
    whole_no: re.Pattern[str]
    current: re.Pattern[str]
    #: "my heart is fine", "her lungs are normal": the organ asked about is healthy → no.
    healthy: re.Pattern[str]
    #: "never tested positive", "all negative": a negative test result → no.
    negative_result: re.Pattern[str]
    light: frozenset[str]
    bare_followers: frozenset[str]
    singular_strip: str


@lru_cache(maxsize=8)
def _words(language: str) -> _Words:
    lex = lexicon(language)
    yes, no = lex.pattern("yesno", "yes"), lex.pattern("yesno", "no")
    return _Words(
        tuple(
            (label, re.compile(rf"(?<![\w'])(?:{lex.pattern('yesno', key)})(?![\w'])"))
            for label, key in _MARK_KEYS
        ),
        lex.table("yesno", "whole"),
        re.compile(rf"^(?:{yes})(?:\s+(?:{yes}))*$"),
        re.compile(rf"^(?:{no})(?:\s+(?:{no}))*$"),
        lex.regex("yesno", "current"),
        lex.regex("yesno", "healthy"),
        lex.regex("yesno", "negative_result"),
        lex.word_set("yesno", "light_words"),
        lex.word_set("yesno", "bare_followers"),
        "".join(lex.words("terms", "singular_strip")),
    )


@dataclass
class _Signals:
    kinds: set[str] = field(default_factory=set)
    #: where each kind of signal was heard ("pos", "neg", "past", "pastonly", "unsure").
    spans: dict[str, list[Span]] = field(default_factory=dict)
    #: topic words named positively after "I have/I am/I had …" (asserted) or on their own.
    asserted_terms: set[str] = field(default_factory=set)
    bare_terms: set[str] = field(default_factory=set)
    neg_terms: set[str] = field(default_factory=set)
    asserted_spans: list[Span] = field(default_factory=list)
    bare_spans: list[Span] = field(default_factory=list)
    #: yes/no words and bare "I do"/"I don't" not attached to a topic word.
    pos_words: bool = False
    neg_words: bool = False
    neg_word_spans: list[Span] = field(default_factory=list)

    def add(self, kind: str, target: Target) -> None:
        self.kinds.add(kind)
        self.spans.setdefault(kind, []).append((target.start, target.end))

    def where(self, *kinds: str) -> list[Span]:
        return [span for kind in kinds for span in self.spans.get(kind, [])]


def _union(text: Tracked, spans: Iterable[Span]) -> Span | None:
    """The span from the first to the last of `spans`, in the patient's text."""
    found = list(spans)
    if not found:
        return None
    return text.origin(min(s for s, _ in found), max(e for _, e in found))


def _marks(text: str, fact: FactSpec) -> list[tuple[int, int, str]]:
    marks = [(s, e, "TOPIC") for s, e in topic_spans(text, fact)]
    for label, pattern in _words(fact.language).marks:
        marks.extend(
            (m.start(), m.end(), label) for m in pattern.finditer(text) if m.end() > m.start()
        )
    return marks


def _follows(
    text: str, end: int, targets: list[Target], words: _Words
) -> tuple[str, Target | None]:
    """What comes after a bare answer: "bare" (nothing that matters), "topic" (and which),
    or "other" (some other object: "I don't smoke")."""
    for count, match in enumerate(_TOKEN.finditer(text, end)):
        if count > 5:
            break
        hit = next((t for t in targets if t.start <= match.start() < t.end), None)
        if hit is not None:
            return ("topic", hit) if hit.label == "TOPIC" else ("bare", None)
        word = match.group()
        if not word[0].isalpha() or word in words.bare_followers:
            return "bare", None
        if word not in words.light:
            return "other", None
    return "bare", None


def _term(text: str, target: Target, words: _Words) -> str:
    """The condition a topic target names, in the singular."""
    return text[target.start : target.end].rstrip(words.singular_strip)


def _collect(text: str, targets: list[Target], words: _Words) -> _Signals:
    signals = _Signals()
    follows: dict[Target, str] = {}
    asserted: set[Target] = set()
    for target in targets:
        if target.label in ("ASSERT", "NEGV"):
            follows[target], topic = _follows(text, target.end, targets, words)
            if topic is not None and target.label == "ASSERT":
                asserted.add(topic)
    for target in targets:
        label, categories = target.label, target.categories
        if label == "TOPIC" and categories & {FAMILY, HYPOTHETICAL}:
            continue
        if label in ("ASSERT", "NEGV") and (
            HYPOTHETICAL in categories or follows[target] == "other"
        ):
            continue
        if label == "UNSURE" or POSSIBLE in categories:
            signals.add("unsure", target)
        elif label == "NOT_NOW":
            signals.add("pastonly", target)
        elif label in ("NO", "NEGV") or NEGATED in categories:
            signals.add("neg", target)
            if label == "TOPIC":
                signals.neg_terms.add(_term(text, target, words))
            elif follows.get(target) != "topic":
                signals.neg_words = True
                signals.neg_word_spans.append((target.start, target.end))
        elif HISTORICAL in categories and CURRENT not in categories:
            signals.add("past", target)
        else:
            signals.add("pos", target)
            if label == "TOPIC":
                named = target in asserted
                (signals.asserted_terms if named else signals.bare_terms).add(
                    _term(text, target, words)
                )
                (signals.asserted_spans if named else signals.bare_spans).append(
                    (target.start, target.end)
                )
            elif follows.get(target) != "topic":
                signals.pos_words = True
    return signals


def _settle(text: Tracked, signals: _Signals, fact: FactSpec) -> Parsed:
    """Both yes and no were heard: a named condition may still decide it."""
    contradiction = invalid(hints.for_invalid(fact, "contradiction"))
    if signals.pos_words:
        stated = _self_stating(text.text, signals, fact)
        if stated and not signals.neg_words:
            # "yes. mycophenolate didn't work, protein still high" to "did it fail?": the
            # yes is followed by the asked condition in its own words, which hold a "not"
            return known(True, span=_union(text, [*stated, *signals.where("pos")]))
        return contradiction
    if signals.asserted_terms:
        if signals.asserted_terms & signals.neg_terms:
            return contradiction
        return known(True, span=_union(text, signals.asserted_spans))
    if signals.neg_words:
        return known(False, span=_union(text, signals.neg_word_spans))
    if signals.bare_terms & signals.neg_terms:
        return contradiction
    return known(True, span=_union(text, signals.bare_spans))


def _self_stating(text: str, signals: _Signals, fact: FactSpec) -> list[Span]:
    """The condition's own words said positively that carry a negation ("didn't work", "never
    went down"): the negation is the condition, not a no."""
    marks = _words(fact.language).marks
    negation = [pattern for label, pattern in marks if label in ("NO", "NEGV")]
    return [
        (start, end)
        for start, end in (*signals.asserted_spans, *signals.bare_spans)
        if any(pattern.search(text[start:end]) for pattern in negation)
    ]


def _decide(text: Tracked, signals: _Signals, fact: FactSpec) -> Parsed:
    kinds = signals.kinds
    if "unsure" in kinds:
        return unknown(_union(text, signals.where("unsure")))
    hedge = hedge_span(text.text, fact.language)
    if hedge is not None and kinds & {"pos", "past", "pastonly"}:
        # "maybe? i think so": a hedge in a sentence of its own still hedges the yes
        # (ConText's scope ends at the sentence); a hedged yes is never a yes.
        return unknown(text.origin(*hedge))
    if kinds & {"past", "pastonly"}:
        if fact.timeframe != "now":
            return known(True, span=_union(text, signals.where("past", "pastonly", "pos")))
        current = "pos" in kinds and _words(fact.language).current.search(text.text) is not None
        where = signals.where("pos") if current else signals.where("past", "pastonly")
        return known(current, span=_union(text, where))
    if "pos" in kinds and "neg" in kinds:
        return _settle(text, signals, fact)
    if "pos" in kinds:
        return known(True, span=_union(text, signals.where("pos")))
    if "neg" in kinds:
        return known(False, span=_union(text, signals.where("neg")))
    return _hedged(text, fact)


def _hedged(text: Tracked, fact: FactSpec) -> Parsed:
    """Nothing decided: a hedge ("maybe") is unknown, anything else unclear."""
    hedge = hedge_span(text.text, fact.language)
    if hedge is not None:
        return unknown(text.origin(*hedge))
    return invalid(hints.for_invalid(fact, "unclear"))


def _only_not_counting(text: str, fact: FactSpec) -> list[Span]:
    """Where the answer names only things the question says do not count (else nothing)."""
    spans = [
        m.span()
        for phrase in fact.not_counting
        for m in re.finditer(rf"(?<![\w']){re.escape(phrase.lower())}(?![\w'])", text)
    ]
    if not spans:
        return []
    inside = [any(s <= a and b <= e for s, e in spans) for a, b in topic_spans(text, fact)]
    return spans if all(inside) else []


def parse_boolean(text: Tracked, fact: FactSpec) -> Parsed:
    """Parse a cleaned answer to a boolean fact."""
    words = _words(fact.language)
    whole = text.strip(" .!,;:")
    everything = (0, len(whole.text))
    said_no = (
        _only_not_counting(whole.text, fact)
        or [
            match.span()
            for match in (
                words.healthy.search(whole.text),
                words.negative_result.search(whole.text),
            )
            if match
        ][:1]
    )
    if said_no:
        return known(False, span=_union(whole, said_no))
    if whole.text in words.whole:
        return known(words.whole[whole.text], span=whole.origin(*everything))
    if words.whole_yes.match(whole.text) and not topic_spans(whole.text, fact):
        return known(True, span=whole.origin(*everything))
    if words.whole_no.match(whole.text) and not topic_spans(whole.text, fact):
        return known(False, span=whole.origin(*everything))
    marks = _marks(text.text, fact)
    if not marks:
        return _hedged(text, fact)
    targets = analyse(text.text, marks, fact.language)
    return _decide(text, _collect(text.text, targets, words), fact)
