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
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.answers import hints
from bot.answers.dontknow import is_hedge
from bot.answers.pipeline import (
    CURRENT,
    FAMILY,
    HISTORICAL,
    HYPOTHETICAL,
    NEGATED,
    POSSIBLE,
    Target,
    analyse,
)
from bot.answers.result import Parsed, invalid, known, unknown
from bot.answers.terms import topic_spans
from bot.criteria.model import FactSpec

_YES = (
    r"yes+|yeah+|yea|yep+|yup+|yah|ya|yass+|aye|sure|surely|correct|true|definitely|definately|"
    r"absolutely|certainly|of course|indeed|affirmative|positive|uh[- ]?huh|mhm+|mm[- ]?hmm|"
    r"i (?:do )?think so|i believe so|that'?s (?:right|correct|true)|"
    r"that is (?:right|correct|true)|"
    r"^right|exactly|for sure|you bet|totally|i sure (?:do|am|have|did|can)|yes please|"
    r"affirm|confirmed|ok yes|i agree|agreed|i consent|"
    r"go ahead|let'?s (?:go|start|begin)"
)
_NO = (
    r"no+|nope|nah|naw|nay|never|none|nothing|neither|negative|false|not really|not at all|"
    r"no way|not quite|absolutely not|definitely not|certainly not|of course not|surely not|"
    r"not that i(?:'m| am)? (?:know|knew|aware|remember|recall)(?: of)?|"
    r"not as far as i (?:know|am aware|'m aware|can tell|remember)|not to my knowledge|"
    r"i (?:don't|do not) (?:think|believe) so|i hope not|i think not|not me|nil|"
    r"nothing like that|^not$|not (?:at all|ever|once)|nothing of the sort"
)
_UNSURE = r"(?:probably|maybe|possibly|perhaps|i guess|i suppose|likely) (?:not|yes|no)"
_NOT_NOW = (
    r"no longer|not (?:any ?more|now|currently|at the moment|at present|these days|right now|"
    r"nowadays)|any ?more|used to|stopped|quit|resolved|went away|gone away|cured|recovered|"
    r"healed|(?:it'?s|it is|they're|they are) gone|all gone|in the past only"
)
_SUBJECT = r"(?:i|we|he|she|they|my (?:child|son|daughter|kid|baby|boy|girl))"
_AUX = (
    r"(?:do|does|did|have|has|had|am|is|are|was|were|can|could|will|would|take|takes|took|"
    r"get|gets|got|'m|'ve|'d|'s|'re)"
)
_ASSERT = (
    rf"{_SUBJECT}\s*{_AUX}(?!\s*n't)(?!\s+(?:not|never|no)\b)"
    # "I'm 45", "he's actually 70" state an age, not a yes.
    r"(?!\s+(?:actually\s+|really\s+|only\s+|just\s+|now\s+)*\d)"
    r"(?:\s+(?:have|had|been|got|done|taken|be|definitely|certainly|really|indeed|do|still|"
    r"already))*(?:\s+(?:it|one|that|this|them|those|some|so|too))?"
)
_NEGV = (
    rf"(?:{_SUBJECT}|it|that|this)\s*(?:do|does|did|have|has|had|am|is|are|was|were|can|could|"
    r"will|would|ca|wo|'m|'ve|'d|'s|'re)?\s*(?:n't|not|never)"
    r"(?:\s+(?:have|had|been|got|do|take|taken|be|ever|really|currently|anymore))*"
    r"(?:\s+(?:it|one|that|this|them|those|any|anything))?|"
    r"^(?:do|does|did|have|has|am|is|was|can)(?:n't| not)"
)
_MARKS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (label, re.compile(rf"(?<![\w'])(?:{pattern})(?![\w'])"))
    for label, pattern in (
        ("UNSURE", _UNSURE),
        ("NOT_NOW", _NOT_NOW),
        ("NEGV", _NEGV),
        ("ASSERT", _ASSERT),
        ("NO", _NO),
        ("YES", _YES),
    )
)
_WHOLE: dict[str, bool] = {"y": True, "n": False, "👍": True, "👎": False, "✅": True, "❌": False}
_WHOLE_YES = re.compile(rf"^(?:{_YES})(?:\s+(?:{_YES}))*$")
_WHOLE_NO = re.compile(rf"^(?:{_NO})(?:\s+(?:{_NO}))*$")
_CURRENT = re.compile(
    r"(?<!not )\b(?:still|currently|right now|at the moment|now|these days|at present|"
    r"presently|ongoing|active|today|nowadays)\b"
)
_TOKEN = re.compile(r"[\w']+|[^\w\s]")
_LIGHT = frozenset(
    re.split(
        " ",
        "have had has been got gotten be do done take taken taking any a an the it one that this "
        "them those some so too ever really actually definitely certainly indeed on",
    )
)
_BARE_FOLLOWERS = frozenset(
    re.split(
        " ",
        "but and or though although because yes no years year months month weeks ago before now "
        "anymore recently in at when since for last once twice previously yet already still "
        "currently sometimes as i my thanks thank please sir maam doctor dr right sure well "
        "unfortunately sadly luckily thankfully think believe guess i'm its it's lol haha ok "
        "okay not never also either",
    )
)


@dataclass
class _Signals:
    kinds: set[str] = field(default_factory=set)
    #: topic words named positively after "I have/I am/I had …" (asserted) or on their own.
    asserted_terms: set[str] = field(default_factory=set)
    bare_terms: set[str] = field(default_factory=set)
    neg_terms: set[str] = field(default_factory=set)
    #: yes/no words and bare "I do"/"I don't" not attached to a topic word.
    pos_words: bool = False
    neg_words: bool = False


def _marks(text: str, fact: FactSpec) -> list[tuple[int, int, str]]:
    marks = [(s, e, "TOPIC") for s, e in topic_spans(text, fact)]
    for label, pattern in _MARKS:
        marks.extend(
            (m.start(), m.end(), label) for m in pattern.finditer(text) if m.end() > m.start()
        )
    return marks


def _follows(text: str, end: int, targets: list[Target]) -> tuple[str, Target | None]:
    """What comes after a bare answer: "bare" (nothing that matters), "topic" (and which),
    or "other" (some other object: "I don't smoke")."""
    for count, match in enumerate(_TOKEN.finditer(text, end)):
        if count > 5:
            break
        hit = next((t for t in targets if t.start <= match.start() < t.end), None)
        if hit is not None:
            return ("topic", hit) if hit.label == "TOPIC" else ("bare", None)
        word = match.group()
        if not word[0].isalpha() or word in _BARE_FOLLOWERS:
            return "bare", None
        if word not in _LIGHT:
            return "other", None
    return "bare", None


def _term(text: str, target: Target) -> str:
    return text[target.start : target.end].rstrip("s")


def _collect(text: str, targets: list[Target]) -> _Signals:
    signals = _Signals()
    follows: dict[Target, str] = {}
    asserted: set[Target] = set()
    for target in targets:
        if target.label in ("ASSERT", "NEGV"):
            follows[target], topic = _follows(text, target.end, targets)
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
            signals.kinds.add("unsure")
        elif label == "NOT_NOW":
            signals.kinds.add("pastonly")
        elif label in ("NO", "NEGV") or NEGATED in categories:
            signals.kinds.add("neg")
            if label == "TOPIC":
                signals.neg_terms.add(_term(text, target))
            elif follows.get(target) != "topic":
                signals.neg_words = True
        elif HISTORICAL in categories and CURRENT not in categories:
            signals.kinds.add("past")
        else:
            signals.kinds.add("pos")
            if label == "TOPIC":
                terms = signals.asserted_terms if target in asserted else signals.bare_terms
                terms.add(_term(text, target))
            elif follows.get(target) != "topic":
                signals.pos_words = True
    return signals


def _settle(signals: _Signals, fact: FactSpec) -> Parsed:
    """Both yes and no were heard: a named condition may still decide it."""
    contradiction = invalid(hints.for_invalid(fact, "contradiction"))
    if signals.pos_words:
        return contradiction
    if signals.asserted_terms:
        return contradiction if signals.asserted_terms & signals.neg_terms else known(True)
    if signals.neg_words:
        return known(False)
    return contradiction if signals.bare_terms & signals.neg_terms else known(True)


def _decide(text: str, signals: _Signals, fact: FactSpec) -> Parsed:
    kinds = signals.kinds
    if "unsure" in kinds:
        return unknown()
    if kinds & {"past", "pastonly"}:
        if fact.timeframe == "now":
            return known("pos" in kinds and _CURRENT.search(text) is not None)
        return known(True)
    if "pos" in kinds and "neg" in kinds:
        return _settle(signals, fact)
    if "pos" in kinds:
        return known(True)
    if "neg" in kinds:
        return known(False)
    if is_hedge(text):
        return unknown()
    return invalid(hints.for_invalid(fact, "unclear"))


#: "my heart is fine", "her lungs are normal": the organ asked about is healthy → no.
_HEALTHY = re.compile(
    r"\b(?:my|his|her|their|the patient's|the)\s+[a-z]+(?:\s+[a-z]+)?\s+"
    r"(?:is|are|was|were|'s|'re|seems?|looks?)\s+(?:completely\s+|totally\s+|perfectly\s+)?"
    r"(?:fine|normal|ok|okay|healthy|good|great|perfect|all right|alright)\b"
)
#: "never tested positive", "all negative": a negative test result → no.
_NEGATIVE_RESULT = re.compile(
    r"\b(?:never (?:been |ever )?tested positive|never had a positive|tested negative|"
    r"(?:came back|came out|were|was|all|always been|always|been) negative)\b"
)


def _only_not_counting(text: str, fact: FactSpec) -> bool:
    """The answer names only things the question says do not count."""
    spans = [
        m.span()
        for phrase in fact.not_counting
        for m in re.finditer(rf"(?<![\w']){re.escape(phrase.lower())}(?![\w'])", text)
    ]
    if not spans:
        return False
    inside = [any(s <= a and b <= e for s, e in spans) for a, b in topic_spans(text, fact)]
    return all(inside)


def parse_boolean(text: str, fact: FactSpec) -> Parsed:
    """Parse a cleaned answer to a boolean fact."""
    whole = text.strip(" .!,;:")
    if _only_not_counting(whole, fact) or _HEALTHY.search(whole) or _NEGATIVE_RESULT.search(whole):
        return known(False)
    if whole in _WHOLE:
        return known(_WHOLE[whole])
    if _WHOLE_YES.match(whole) and not topic_spans(whole, fact):
        return known(True)
    if _WHOLE_NO.match(whole) and not topic_spans(whole, fact):
        return known(False)
    marks = _marks(text, fact)
    if not marks:
        return unknown() if is_hedge(text) else invalid(hints.for_invalid(fact, "unclear"))
    return _decide(text, _collect(text, analyse(text, marks)), fact)
