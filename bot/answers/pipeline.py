"""The spaCy + medspaCy ConText pipeline, built once, lazily, on first use.

``spacy.blank("en")`` (no model download) + a sentencizer + ``medspacy_context`` loaded
with our own ConText rules for chat answers (not medspaCy's defaults, which are written
for clinical notes). Targets are not found by the pipeline: the caller marks them
(yes/no words, bare "I do"/"I don't" answers, the fact's topic words) as entities, and
``analyse`` returns the ConText categories that modify each one.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Span

NEGATED = "NEGATED_EXISTENCE"
POSSIBLE = "POSSIBLE_EXISTENCE"
HISTORICAL = "HISTORICAL"
FAMILY = "FAMILY"
HYPOTHETICAL = "HYPOTHETICAL"
TERMINATE = "TERMINATE"
#: "still", "currently", "now": the condition holds at present (beats HISTORICAL).
CURRENT = "CURRENT"

_NOT = ["not", "n't", "nt"]
_FAMILY_WORDS = [
    "mother", "mom", "mum", "mommy", "mummy", "father", "dad", "daddy", "sister", "sisters",
    "brother", "brothers", "aunt", "auntie", "uncle", "grandmother", "grandma", "granny",
    "grandfather", "grandpa", "grandparent", "grandparents", "cousin", "cousins", "parents",
    "husband", "wife", "spouse", "partner", "boyfriend", "girlfriend", "friend", "friends",
    "family", "relative", "relatives", "niece", "nephew", "sibling", "siblings",
]  # fmt: skip

#: (literal, category, token pattern or None for the literal, direction, allowed target labels)
_RULES: tuple[tuple[str, str, list[dict[str, Any]] | None, str, set[str] | None], ...] = (
    ("no", NEGATED, [{"LOWER": {"IN": ["no", "nope", "nah", "without", "neither", "nor"]}}],
     "FORWARD", {"TOPIC"}),
    ("not", NEGATED, [{"LOWER": {"IN": _NOT}}], "FORWARD", {"TOPIC", "ASSERT", "YES"}),
    ("never", NEGATED, [{"LOWER": "never"}], "FORWARD", {"TOPIC", "ASSERT", "YES"}),
    ("none of", NEGATED, None, "FORWARD", {"TOPIC"}),
    ("free of", NEGATED, None, "FORWARD", {"TOPIC"}),
    ("negative for", NEGATED, [{"LOWER": {"IN": ["negative", "neg"]}}, {"LOWER": "for"}],
     "FORWARD", {"TOPIC"}),
    ("denied", NEGATED, [{"LOWER": {"IN": ["deny", "denies", "denied"]}}], "FORWARD",
     {"TOPIC"}),
    ("ruled out", NEGATED, [{"LOWER": {"IN": ["ruled", "rules"]}}, {"LOWER": "out"}],
     "BIDIRECTIONAL", {"TOPIC"}),
    ("negative", NEGATED, [{"LOWER": {"IN": ["negative", "neg"]}}], "BACKWARD", {"TOPIC"}),
    ("maybe", POSSIBLE, [{"LOWER": {"IN": [
        "maybe", "possibly", "perhaps", "probably", "might", "likely", "borderline",
        "suspected", "possible", "probable", "mayb", "prob"]}}], "BIDIRECTIONAL", None),
    ("may be", POSSIBLE, [{"LOWER": "may"}, {"LOWER": "be"}], "BIDIRECTIONAL", None),
    ("i guess", POSSIBLE, [{"LOWER": "i"}, {"LOWER": {"IN": ["guess", "suppose"]}}],
     "BIDIRECTIONAL", None),
    ("could be", POSSIBLE, [{"LOWER": "could"}, {"LOWER": "be"}], "BIDIRECTIONAL", None),
    ("kind of", POSSIBLE, [{"LOWER": {"IN": ["kind", "sort"]}}, {"LOWER": "of"}],
     "FORWARD", None),
    ("years ago", HISTORICAL, [
        {"LOWER": {"IN": ["year", "years", "yrs", "decade", "decades", "ages", "while"]}},
        {"LOWER": {"IN": ["ago", "back"]}}], "BIDIRECTIONAL", None),
    ("long ago", HISTORICAL, [{"LOWER": "long"}, {"LOWER": {"IN": ["ago", "time"]}}],
     "BIDIRECTIONAL", None),
    ("last year", HISTORICAL, [{"LOWER": {"IN": ["last", "previous"]}}, {"LOWER": "year"}],
     "BIDIRECTIONAL", None),
    ("in the past", HISTORICAL, None, "BIDIRECTIONAL", None),
    ("previously", HISTORICAL, [{"LOWER": {"IN": [
        "previously", "formerly", "once", "childhood", "teenager", "youth"]}}],
     "BIDIRECTIONAL", None),
    ("as a child", HISTORICAL, [{"LOWER": "as"}, {"LOWER": "a"},
                                {"LOWER": {"IN": ["child", "kid", "baby", "teen", "teenager"]}}],
     "BIDIRECTIONAL", None),
    ("when i was young", HISTORICAL, [
        {"LOWER": "when"}, {"LOWER": {"IN": ["i", "he", "she"]}}, {"LOWER": "was"},
        {"LOWER": {"IN": ["young", "younger", "little", "small", "a"]}}], "BIDIRECTIONAL",
     None),
    ("history of", HISTORICAL, [{"LOWER": {"IN": ["history", "hx"]}}, {"LOWER": "of"}],
     "FORWARD", None),
    ("still", CURRENT, [{"LOWER": {"IN": [
        "still", "currently", "now", "nowadays", "presently", "ongoing", "today"]}}],
     "BIDIRECTIONAL", None),
    ("at the moment", CURRENT, None, "BIDIRECTIONAL", None),
    ("at present", CURRENT, None, "BIDIRECTIONAL", None),
    ("these days", CURRENT, None, "BIDIRECTIONAL", None),
    ("family", FAMILY, [{"LOWER": {"IN": _FAMILY_WORDS}}], "BIDIRECTIONAL", {"TOPIC"}),
    ("runs in the family", FAMILY, None, "BACKWARD", {"TOPIC"}),
    ("if", HYPOTHETICAL, [{"LOWER": {"IN": ["if", "whether", "unless"]}}], "FORWARD",
     {"TOPIC", "ASSERT"}),
    ("in case", HYPOTHETICAL, None, "FORWARD", {"TOPIC", "ASSERT"}),
    ("but", TERMINATE, [{"LOWER": {"IN": [
        "but", "however", "though", "although", "except", "yet", "whereas", ";", "because"]}}],
     "TERMINATE", None),
    ("apart from", TERMINATE, [{"LOWER": {"IN": ["apart", "aside"]}}, {"LOWER": "from"}],
     "TERMINATE", None),
)  # fmt: skip


@dataclass(frozen=True)
class Target:
    """A marked span and the ConText categories of the modifiers that reach it."""

    start: int
    end: int
    label: str
    categories: frozenset[str]


@lru_cache(maxsize=1)
def pipeline() -> Language:
    """spaCy blank English + sentencizer + medspaCy ConText with the chat-answer rules."""
    with warnings.catch_warnings():
        # third-party deprecation noise (pyparsing via packaging) while medspaCy registers
        warnings.simplefilter("ignore", DeprecationWarning)
        import spacy
        from medspacy.context import ConTextRule

        nlp = spacy.blank("en")
        nlp.add_pipe("sentencizer")
        context: Any = nlp.add_pipe("medspacy_context", config={"rules": None})
    context.add(
        [
            ConTextRule(
                literal, category, pattern=pattern, direction=direction, allowed_types=allowed
            )
            for literal, category, pattern, direction, allowed in _RULES
        ]
    )
    return nlp


def _without_overlaps(spans: list[Span]) -> list[Span]:
    """Longest spans first; on a tie a topic word wins ("didn't work" over "it didn't")."""
    ranked = sorted(spans, key=lambda s: (len(s), s.label_ == "TOPIC", -s.start), reverse=True)
    taken: set[int] = set()
    kept = []
    for span in ranked:
        tokens = set(range(span.start, span.end))
        if not tokens & taken:
            kept.append(span)
            taken |= tokens
    return sorted(kept, key=lambda s: s.start)


def analyse(text: str, marks: list[tuple[int, int, str]]) -> list[Target]:
    """Run ConText over `text` with the given (start, end, label) character spans as targets."""
    nlp = pipeline()
    doc = nlp.make_doc(text)
    doc = nlp.get_pipe("sentencizer")(doc)
    spans = []
    for start, end, label in marks:
        span = doc.char_span(start, end, label=label, alignment_mode="expand")
        if span is not None and len(span) > 0:
            spans.append(span)
    doc.ents = _without_overlaps(spans)
    doc = nlp.get_pipe("medspacy_context")(doc)
    return [Target(ent.start_char, ent.end_char, ent.label_, _categories(ent)) for ent in doc.ents]


def _categories(ent: Span) -> frozenset[str]:
    """Categories of the modifiers reaching `ent`, except those inside it ("didn't work"):
    medspaCy's overlap test misses a modifier strictly inside a longer target."""
    return frozenset(
        str(modifier.category)
        for modifier in ent._.modifiers
        if not ent.start <= modifier.modifier_span[0] < ent.end
    )
