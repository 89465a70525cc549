"""``extract_facts``: every fact one message states, each with its evidence span.

A message ("I'm a 34 year old woman with lupus since 2018, lupus nephritis class IV on
biopsy 3 months ago"; "my son is 12, he has had lupus since 9"; a pasted letter or lab
report) is cut into clauses (``bot.answers.clauses``). Each clause is resolved to the facts
it names by their topic words (the trial's ``terms``, as the mentions finder reads them) and
by the language's age phrases; each named fact's value is read with ``parse_answer``'s own
reader from the part of the clause that belongs to it (from the previous fact named to the
next), so every unit, number and yes/no rule is the single-answer parser's.

Conservative by design — a misread excludes or reassures a patient wrongly:

* a clause about the study ("i saw ur study for lupus") states nothing;
* a fact about someone else or a hypothetical ("my mother has diabetes", "if I had …",
  medspaCy ConText FAMILY / HYPOTHETICAL over the clause) gives nothing;
* a hedge ("I think maybe", "possibly", a "?"), a symptom rather than a diagnosis ("protein
  in my urine", "my kidneys hurt"), a past state where the fact asks about now ("I had
  cancer"), a denial about something else ("it's not systemic lupus") or a reading the
  clause's own negation contradicts gives only an ``"ask"`` candidate: the bot asks, it never
  stores it;
* a condition nobody asked about is taken only when the words state it ("i have X", "with
  X", "X since 2018", "X class IV", a clause of its own), not when they merely name it ("i
  worry about cancer", "tested for hep b", "aspirin for my heart": asked); when the key
  qualifies it ("severe_allergy") the words must too; "kidneys ok" names no condition;
* words that only name a thing another fact says does not count ("discoid lupus", in the
  skin question's ``not_counting``) name no other fact ("lupus" there is not SLE), and a
  condition's words that qualify the next fact's ("kidney" in "kidney transplant") name
  only that one;
* different readings of one fact in one message give one ``"ask"`` candidate.

Every cue word is the language's ``resources/<lang>/extract/extract.yaml``.

With ``pending`` (the fact just asked), a clause that names no fact ("yes", "34", "no
idea") is the answer to it; a protest at the bot ("it's not unknown", "I said …") never is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from bot.answers import units
from bot.answers.clauses import Cues, cues, split
from bot.answers.lexicon import lexicon
from bot.answers.names import FAMILY, HISTORICAL, HYPOTHETICAL, NEGATED, POSSIBLE
from bot.answers.parse import read
from bot.answers.pipeline import analyse
from bot.answers.result import AnswerValue, Parsed, Span
from bot.answers.terms import topic_spans
from bot.answers.text import Tracked
from bot.criteria.model import FactSpec, Trial

Confidence = Literal["stated", "ask"]
#: fact sources whose values are not the patient's to state (a clinician's judgement).
_NOT_STATED_BY_PATIENTS = frozenset({"clinician"})


@dataclass(frozen=True)
class Candidate:
    """One fact a message states: its value, the evidence span and how far to trust it.

    ``confidence`` is ``"stated"`` (clearly stated: safe to take) or ``"ask"`` (a
    low-confidence reading the bot must ask about; never a value to store). ``value`` is
    typed like ``parse_answer``'s (None for "I don't know"); ``span`` is the (start, end)
    character offsets into the message; ``parsed`` is the single-answer parser's result.
    """

    fact: str
    value: AnswerValue | None
    span: Span | None
    confidence: Confidence
    parsed: Parsed

    def as_dict(self, text: str) -> dict[str, Any]:
        """JSON-ready: fact, value, span, the span's words (``text``), confidence."""
        span = list(self.span) if self.span else None
        words = text[self.span[0] : self.span[1]] if self.span else ""
        return {
            "fact": self.fact,
            "value": self.value,
            "span": span,
            "text": words,
            "confidence": self.confidence,
        }


@dataclass(frozen=True)
class _Mention:
    start: int
    end: int
    key: str


def _fact_list(
    trial_or_facts: Trial | Mapping[str, FactSpec] | Iterable[FactSpec],
) -> list[FactSpec]:
    if isinstance(trial_or_facts, Trial):
        return list(trial_or_facts.facts.values())
    if isinstance(trial_or_facts, Mapping):
        return list(trial_or_facts.values())
    return list(trial_or_facts)


def _age_fact(facts: Iterable[FactSpec]) -> FactSpec | None:
    """The fact a bare age phrase states: the first whole number of years."""
    for fact in facts:
        unit = units.canonical_unit(fact.unit, fact.language) if fact.unit else None
        if fact.type == "integer" and unit == units.YEARS:
            return fact
    return None


def _excluded_phrases(text: str, facts: Iterable[FactSpec]) -> list[tuple[int, int, str]]:
    """Where the clause names a thing some fact says does not count, and whose it is."""
    found: list[tuple[int, int, str]] = []
    for fact in facts:
        for phrase in fact.not_counting:
            pattern = rf"(?<![\w']){re.escape(phrase.lower())}(?![\w'])"
            found.extend((m.start(), m.end(), fact.key) for m in re.finditer(pattern, text))
    return found


def _named(text: str, facts: list[FactSpec]) -> frozenset[int]:
    """The character positions of the clause that are some fact's words."""
    return frozenset(
        i
        for fact in facts
        for start, end in topic_spans(text, fact, with_key_words=False)
        for i in range(start, end)
    )


def _mentions(text: str, facts: list[FactSpec], cue: Cues) -> list[_Mention]:
    """Every place the clause names a fact; where names overlap the longer wins."""
    hits: list[tuple[int, int, str]] = []
    for fact in facts:
        hits.extend((s, e, fact.key) for s, e in topic_spans(text, fact, with_key_words=False))
    age = _age_fact(facts)
    if age is not None:
        hits.extend((m.start(), m.end(), age.key) for m in cue.regexes["age"].finditer(text))
    excluded = _excluded_phrases(text, facts)
    hits = [
        (s, e, key)
        for s, e, key in hits
        if not any(a <= s and e <= b and key != owner for a, b, owner in excluded)
    ]
    hits.sort(key=lambda hit: (hit[0], hit[0] - hit[1]))
    kept: list[_Mention] = []
    taken = (-1, -1)
    for start, end, key in hits:
        if start < taken[1] and (start, end) != taken:
            continue
        taken = (start, end)
        kept.append(_Mention(start, end, key))
    types = {fact.key: fact.type for fact in facts}
    return [m for m in kept if not _modifies(text, m, kept, types)]


def _modifies(
    text: str, mention: _Mention, mentions: list[_Mention], types: Mapping[str, str]
) -> bool:
    """True when a condition's words only qualify another fact's words right after them:
    "kidney" in "kidney transplant", "renal" in "renal biopsy", "lupus" in "lupus
    nephritis" (not "nephritis" in "nephritis class IV": a class is a detail of it)."""
    return types[mention.key] == "boolean" and any(
        other.key != mention.key
        and other.start >= mention.end
        and types[other.key] != "choice"
        and not text[mention.end : other.start].strip(" -")
        for other in mentions
    )


def _segment(clause: Tracked, mentions: list[_Mention], key: str, cue: Cues) -> Tracked:
    """``_bounds`` of the clause, as text."""
    return clause.slice(*_bounds(clause, mentions, key, cue))


def _bounds(clause: Tracked, mentions: list[_Mention], key: str, cue: Cues) -> tuple[int, int]:
    """The part of the clause that belongs to `key`: from the end of the fact named before
    it (or, after "or" / "nor", from where that one's part starts: "no heart or lung
    problems") to the start of the fact named after it."""
    own = [m for m in mentions if m.key == key]
    first, last = own[0].start, own[-1].end
    after = [m.start for m in mentions if m.key != key and m.start >= last]
    start = 0
    for previous in reversed([m for m in mentions if m.key != key and m.end <= first]):
        if not cue.search("list_joiner", clause.text[previous.end : first]):
            start = previous.end
            break
        first = previous.start
    return start, min(after, default=len(clause.text))


def _categories(clause: Tracked, mentions: list[_Mention], language: str) -> dict[str, set[str]]:
    """The ConText categories reaching each named fact over the whole clause."""
    if not mentions:
        return {}
    marks = [(m.start, m.end, "TOPIC") for m in mentions]
    targets = analyse(clause.text, marks, language)
    found: dict[str, set[str]] = {}
    for mention in mentions:
        for target in targets:
            if target.start < mention.end and mention.start < target.end:
                found.setdefault(mention.key, set()).update(target.categories)
    return found


def _doubts(
    segment: str,
    fact: FactSpec,
    parsed: Parsed,
    categories: set[str],
    cue: Cues,
    asked: bool,
) -> bool:
    """True when a value read from `segment` is too weak to take without asking."""
    if POSSIBLE in categories or (not asked and cue.search("hedge", segment)):
        return True
    if fact.type != "boolean":
        return False
    if not asked and cue.search("symptom", segment):
        return True
    if not asked and _unqualified(segment, fact, cue):
        return True
    if parsed.value is False and cue.search("indirect", segment):
        return True
    current = lexicon(fact.language).regex("yesno", "current").search(segment)
    if fact.timeframe == "ever" and parsed.value is False and current:
        return True  # "my kidneys are fine now" does not say they always were
    if parsed.value is True and NEGATED in categories:
        return True
    if fact.timeframe == "now" and parsed.value is True:
        dated = HISTORICAL in categories or cue.search("past_date", segment)
        past = cue.search("past_state", segment) or (dated and not cue.search("onset", segment))
        if past and not current:
            return True
    return False


def _stated(
    clause: str, bounds: tuple[int, int], fact: FactSpec, cue: Cues, named: frozenset[int]
) -> bool:
    """True when the words state the condition, not only name it: "i have X", "with X",
    "X since 2018", "X class IV", "my kidneys got involved", X as a clause of its own, or
    words that are a statement themselves ("didn't work")."""
    says = lexicon(fact.language).regex("yesno", "assert")
    first, last = bounds
    for start, end in topic_spans(clause[first:last], fact):
        start, end = start + first, end + first
        if cue.search("self_stating", clause[start:end]):
            return True
        before = list(re.finditer(r"\S+", clause[first:start]))
        while before and (
            before[-1].group().strip(",.;:") in cue.light or first + before[-1].start() in named
        ):
            before.pop()
        head = clause[first : first + before[-1].end()].rstrip(",.;:") if before else ""
        tail = clause[end:]
        if cue.search("asserted_after", tail) or (not head and not tail.strip(" ,.;:!-?")):
            return True
        if head and cue.search("asserted_before", head):
            return True
        if head and any(m.end() == len(head) for m in says.finditer(head)):
            return True
    return False


def _said_well(clause: str, bounds: tuple[int, int], fact: FactSpec, cue: Cues) -> bool:
    """True when an organ is said to be well right after it is named ("kidneys ok")."""
    first, last = bounds
    return any(
        cue.search("healthy_after", clause[first + end :])
        for _, end in topic_spans(clause[first:last], fact)
    )


def _unqualified(segment: str, fact: FactSpec, cue: Cues) -> bool:
    """True when the fact's key qualifies it ("severe_allergy") and the words do not."""
    needed = [word for word in fact.key.split("_") if word in cue.qualifiers]
    return any(re.search(rf"\b{re.escape(word)}\b", segment) is None for word in needed)


def _read_now(segment: Tracked, fact: FactSpec, cue: Cues) -> tuple[Parsed, bool]:
    """A now-fact's reading, and whether a past state makes it doubtful.

    The single-answer parser reads "years ago" / "last year" as no for a question about
    now. In a story that is right only when the words say it no longer holds ("no longer",
    "not anymore"); a date beside "diagnosed" / "since" is when it began (it holds); any
    other past ("I had cancer in 2015") is a question to ask, not a no.
    """
    parsed = read(segment, fact)
    ever = read(segment, replace(fact, timeframe="ever"))
    if ever.value == parsed.value or ever.status != "value":
        return parsed, False
    if lexicon(fact.language).regex("yesno", "not_now").search(segment.text):
        return parsed, False
    return ever, cue.search("onset", segment.text) is None


def _candidate(
    segment: Tracked, fact: FactSpec, categories: set[str], cue: Cues, asked: bool
) -> Candidate | None:
    """What `segment` says about `fact`, or None when it says nothing usable."""
    past = False
    if fact.type == "boolean" and fact.timeframe == "now":
        parsed, past = _read_now(segment, fact, cue)
        if past and asked:  # the question said "now": a past state answers it no
            parsed, past = read(segment, fact), False
    else:
        parsed = read(segment, fact)
    if parsed.status == "invalid" or categories & {FAMILY, HYPOTHETICAL}:
        return None
    if parsed.status == "unknown":
        return Candidate(fact.key, None, parsed.span, "stated" if asked else "ask", parsed)
    doubt = past or _doubts(segment.text, fact, parsed, categories, cue, asked)
    return Candidate(fact.key, parsed.value, parsed.span, "ask" if doubt else "stated", parsed)


def _names_someone_else(text: str, language: str) -> bool:
    """True when the words name a family member ("yes, my mum has it": whose yes?)."""
    family = lexicon(language).word_set("context", "family_words")
    return any(word in family for word in re.findall(r"[\w']+", text))


def _to_ask(candidate: Candidate) -> Candidate:
    c = candidate
    return Candidate(c.fact, c.value, c.span, "ask", c.parsed)


def _merge(found: list[Candidate]) -> list[Candidate]:
    """One candidate per fact, in order of appearance; readings that disagree → "ask"."""
    by_fact: dict[str, list[Candidate]] = {}
    for candidate in found:
        by_fact.setdefault(candidate.fact, []).append(candidate)
    merged = []
    for group in by_fact.values():
        values = {repr(c.value) for c in group}
        if len(values) > 1:
            merged.append(_to_ask(group[-1]))
            continue
        stated = [c for c in group if c.confidence == "stated"]
        merged.append(stated[0] if stated else group[0])
    return merged


def extract_facts(
    text: str,
    trial_or_facts: Trial | Mapping[str, FactSpec] | Iterable[FactSpec],
    *,
    pending: str | None = None,
) -> list[Candidate]:
    """Every fact `text` states, in order of appearance (see the module's docstring).

    `trial_or_facts`: a trial view (one language) or its facts. `pending`: the key of the
    fact just asked, which a bare answer ("yes", "34", "no idea") goes to. A language with
    no extraction words gives an empty list.
    """
    all_facts = _fact_list(trial_or_facts)
    if not isinstance(text, str) or not all_facts:
        return []
    language = all_facts[0].language
    cue = cues(language)
    if cue is None:
        return []
    by_key = {fact.key: fact for fact in all_facts}
    asked = by_key.get(pending) if pending else None
    facts = [f for f in all_facts if f.source not in _NOT_STATED_BY_PATIENTS or f is asked]
    found: list[Candidate] = []
    for clause in split(text, cue, language):
        if cue.search("not_about_patient", clause.text):
            continue
        mentions = _mentions(clause.text, facts, cue)
        keys = list(dict.fromkeys(m.key for m in mentions))
        if asked is not None and (not keys or keys == [asked.key]):
            if not keys and cue.search("not_an_answer", clause.text):
                continue
            segment = clause if not keys else _segment(clause, mentions, asked.key, cue)
            categories = _categories(clause, mentions, language).get(asked.key, set())
            candidate = _candidate(segment, asked, categories, cue, asked=True)
            if candidate is not None and _names_someone_else(segment.text, language):
                candidate = _to_ask(candidate)
            if candidate is not None:
                found.append(candidate)
            continue
        scopes = _categories(clause, mentions, language)
        named = _named(clause.text, facts)
        for key in keys:
            fact = by_key[key]
            bounds = _bounds(clause, mentions, key, cue)
            candidate = _candidate(
                clause.slice(*bounds), fact, scopes.get(key, set()), cue, key == pending
            )
            unasked_yes = (
                candidate is not None
                and key != pending
                and fact.type == "boolean"
                and candidate.value is True
            )
            if unasked_yes and _said_well(clause.text, bounds, fact, cue):
                continue
            stated = _stated(clause.text, bounds, fact, cue, named) if unasked_yes else True
            if candidate is not None and not stated:
                candidate = _to_ask(candidate)
            if candidate is not None:
                found.append(candidate)
    return _merge(found)
