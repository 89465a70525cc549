"""The spaCy + medspaCy ConText pipeline of a language, built once, lazily, on first use.

``spacy.blank(<lang>)`` (no model download) + a sentencizer + ``medspacy_context`` loaded
with the language's own ConText rules for chat answers (``resources/<lang>/context.yaml``,
in medspaCy's rule format; not medspaCy's defaults, which are written for clinical notes).
Targets are not found by the pipeline: the caller marks them (yes/no words, bare "I do"/"I
don't" answers, the fact's topic words) as entities, and ``analyse`` returns the ConText
categories that modify each one.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from bot.answers.lexicon import DEFAULT_LANGUAGE, lexicon

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Span


@dataclass(frozen=True)
class Target:
    """A marked span and the ConText categories of the modifiers that reach it."""

    start: int
    end: int
    label: str
    categories: frozenset[str]


@lru_cache(maxsize=4)
def pipeline(language: str = DEFAULT_LANGUAGE) -> Language:
    """spaCy blank `language` + sentencizer + medspaCy ConText with its chat-answer rules."""
    lex = lexicon(language)
    with warnings.catch_warnings():
        # third-party deprecation noise (pyparsing via packaging) while medspaCy registers
        warnings.simplefilter("ignore", DeprecationWarning)
        import spacy
        from medspacy.context import ConTextRule

        nlp = spacy.blank(lex.language)
        nlp.add_pipe("sentencizer")
        context: Any = nlp.add_pipe("medspacy_context", config={"rules": None})
    context.add([_rule(ConTextRule, rule) for rule in lex.records("context", "context_rules")])
    return nlp


def _rule(rule_class: Any, rule: Mapping[str, Any]) -> Any:
    """A ``ConTextRule`` from one rule of the resource file (medspaCy's rule format)."""
    sets = ("allowed_types", "excluded_types", "terminated_by")
    options = {k: set(v) if k in sets and v is not None else v for k, v in rule.items()}
    return rule_class(options.pop("literal"), options.pop("category"), **options)


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


def analyse(
    text: str, marks: list[tuple[int, int, str]], language: str = DEFAULT_LANGUAGE
) -> list[Target]:
    """Run ConText over `text` with the given (start, end, label) character spans as targets."""
    nlp = pipeline(language)
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
