"""Answers to a grouped question: "Do any of these apply to you at the moment?"

The patient names the items that apply ("just the heart problem", "psoriasis and the lung
thing"), says "none of these", or "not sure about …" some of them. Named items are true, the
items not named are false, an item the patient is not sure of stays unknown (None).

Each member is read by `extract_facts` (which already knows hedges, negation, other people and
past states), so "no cancer but my mum had breast cancer" never names cancer. A member that the
message only names ("the heart one", a quick-reply button) is a low-confidence candidate there;
here, in answer to the list, it is named, unless an unsure cue governs it ("not sure about the
lung one", "heart problem?", "I think maybe the infection"). Cues stop at a sentence boundary
or a "but"; their words are the language's ``groups.yaml``.

The rest of the list is set to false only when the message answers the list: it names or
doubts an item, or says "none" / "nothing else". A message that only rules out some items
("no heart problems") sets those and leaves the others to be asked again. A bare "yes" asks
which ones (`GroupReading.which`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.answers.clauses import cues
from bot.answers.dontknow import dont_know_span, hedge_span, no_idea_span
from bot.answers.extract import Candidate, extract_facts
from bot.answers.lexicon import lexicon
from bot.answers.mentions import find_fact_mention_spans
from bot.answers.parse import parse_answer
from bot.answers.result import Span
from bot.criteria.model import FactSpec, Trial

#: the kinds of cue, strongest first where two start at the same place ("not sure": unsure).
_UNSURE, _NAMED, _NEGATED = "unsure", "named", "negated"


@dataclass(frozen=True)
class GroupReading:
    """What one message answers to a grouped question."""

    #: member → (True named / False not / None not sure, evidence span in the text).
    values: Mapping[str, tuple[bool | None, Span]]
    #: a bare "yes" (some apply, none named): ask which ones.
    which: bool = False


def _lower(text: str) -> str:
    lowered = text.lower()
    return lowered if len(lowered) == len(text) else text


def _cue_before(text: str, start: int, language: str) -> str | None:
    """The cue governing an item that starts at `start`: the last one in its sentence."""
    lex = lexicon(language)
    head = _lower(text[:start])
    boundaries = [m.end() for m in lex.regex("groups", "boundary").finditer(head)]
    sentence_start = boundaries[-1] if boundaries else 0
    sentence = head[sentence_start:]
    cues: list[tuple[int, int, str]] = []
    for kind, patterns in (
        (_UNSURE, [lex.regex("groups", "unsure"), lex.regex("dontknow", "dont_know")]),
        (_UNSURE, [lex.regex("dontknow", "hedge")]),
        (_NAMED, [lex.regex("groups", "named")]),
        (_NEGATED, [lex.regex("groups", "negated")]),
    ):
        rank = (_UNSURE, _NAMED, _NEGATED).index(kind)
        for pattern in patterns:
            cues.extend((m.start(), -rank, kind) for m in pattern.finditer(sentence))
    if not cues:
        return None
    return max(cues)[2]


def _doubted_after(text: str, end: int, next_start: int, language: str) -> bool:
    """True when the words right after an item doubt it ("the heart one, not sure", "lung?")."""
    lex = lexicon(language)
    tail = _lower(text[end:next_start])
    boundary = lex.regex("groups", "boundary").search(tail)
    if boundary is not None and boundary.group(0) == "?":
        return True
    window = tail[: boundary.start()] if boundary is not None else tail
    ahead = lex.regex("groups", "looks_ahead")
    unsure = lex.regex("groups", "unsure").search(window)
    ends = [
        span[1]
        for span in (dont_know_span(window, language), hedge_span(window, language))
        if span is not None
    ]
    if unsure is not None:
        ends.append(unsure.end())
    return any(ahead.match(window[end:]) is None for end in ends)


def _member_candidates(
    text: str, trial: Trial, members: Sequence[str], read: Sequence[Candidate] | None
) -> list[Candidate]:
    """The members `text` names, each once, in order of appearance (`read`: the message's
    `extract_facts` reading, when the caller has it already)."""
    found: dict[str, Candidate] = {}
    for candidate in extract_facts(text, trial) if read is None else read:
        if candidate.fact in members and candidate.fact not in found:
            found[candidate.fact] = candidate
    return sorted(found.values(), key=lambda c: c.span[0] if c.span else 0)


def _button(text: str, members: Sequence[str], labels: Mapping[str, str]) -> str | None:
    """The member whose quick-reply label is the whole message (a button tap), if any."""
    said = " ".join(_lower(text).strip(" .!").split())
    for key in members:
        label = labels.get(key)
        if label and " ".join(label.lower().split()) == said:
            return key
    return None


def read_group_answer(
    text: str,
    trial: Trial,
    members: Sequence[str],
    labels: Mapping[str, str] | None = None,
    candidates: Sequence[Candidate] | None = None,
) -> GroupReading | None:
    """The answer `text` gives to the grouped question listing `members` (fact keys of
    `trial`, a view in one language; `labels`: the items' quick-reply labels; `candidates`:
    `extract_facts(text, trial)`, when the caller has read the message already). None: it
    does not answer the question (ask again with the hint)."""
    language = trial.language
    whole: Span = (0, len(text))
    tapped = _button(text, members, labels or {})
    if tapped is not None:
        return _rest(members, {tapped: (True, whole)}, whole)
    values: dict[str, tuple[bool | None, Span]] = {}
    named = _member_candidates(text, trial, members, candidates)
    later: list[str] = []
    for index, candidate in enumerate(named):
        span = candidate.span or whole
        following = named[index + 1].span if index + 1 < len(named) else None
        next_start = following[0] if following else len(text)
        if _past_or_symptom(text, span, language) and candidate.confidence == "ask":
            later.append(candidate.fact)  # "I had breast cancer 10 years ago": asked alone
            continue
        values[candidate.fact] = (_member_value(candidate, text, span, next_start, language), span)
    # an item named in words the reading could not take ("i might have had a bad reaction
    # to penicillin"): asked on its own, never a no
    unclear = [
        key
        for key, _ in find_fact_mention_spans(text, [trial.facts[m] for m in members])
        if key not in values and key not in later
    ]
    answered = bool(later) or any(value is not False for value, _ in values.values())
    later += unclear
    if values or later:
        none_else = lexicon(language).regex("groups", "none_else").search(_lower(text))
        if answered or none_else is not None:
            rest = [key for key in members if key not in later]
            return _rest(rest, values, none_else.span() if none_else else whole)
        return GroupReading(values)
    return _yes_no(text, trial, members, whole)


def _past_or_symptom(text: str, span: Span, language: str) -> bool:
    """True when the sentence naming an item puts it in the past ("10 years ago", "had …
    but it's gone") or names a symptom: not an answer to "at the moment" either way."""
    cue = cues(language)
    if cue is None:
        return False
    lowered = _lower(text)
    boundary = lexicon(language).regex("groups", "boundary")
    starts = [m.end() for m in boundary.finditer(lowered, 0, span[0])]
    end_match = boundary.search(lowered, span[1])
    sentence = lowered[starts[-1] if starts else 0 : end_match.start() if end_match else None]
    return any(cue.search(key, sentence) for key in ("past_state", "past_date", "symptom"))


def _member_value(
    candidate: Candidate, text: str, span: Span, next_start: int, language: str
) -> bool | None:
    """A named member's value: as stated, unless the words around it doubt it."""
    value = candidate.value if isinstance(candidate.value, bool) else None
    if value is None:
        return None
    if candidate.confidence == "stated" and value is False:
        return False
    cue = _cue_before(text, span[0], language)
    if cue == _UNSURE:
        return None
    if cue == _NEGATED:
        return False
    if _doubted_after(text, span[1], next_start, language):
        return None
    return value


def _rest(
    members: Sequence[str],
    values: Mapping[str, tuple[bool | None, Span]],
    evidence: Span,
) -> GroupReading:
    """`values`, with every member they do not mention set to false (`evidence`: the words
    that say so)."""
    complete = {key: values.get(key, (False, evidence)) for key in members}
    return GroupReading(complete)


def _yes_no(text: str, trial: Trial, members: Sequence[str], whole: Span) -> GroupReading | None:
    """A message that names no item: "none of these" (all false), "not sure" (all unknown),
    a bare "yes" (which ones?), or no answer at all (None)."""
    if lexicon(trial.language).regex("groups", "none_said").search(_lower(text)):
        return GroupReading({key: (False, whole) for key in members})
    if lexicon(trial.language).regex("groups", "all_said").search(_lower(text)):
        return GroupReading({key: (True, whole) for key in members})
    question = FactSpec("group", "boolean", "patient", "", "", language=trial.language)
    parsed = parse_answer(text, question)
    span = parsed.span or whole
    if parsed.status == "unknown":
        return GroupReading({key: (None, span) for key in members})
    if parsed.status != "value" or not isinstance(parsed.value, bool):
        return None
    if parsed.value:
        return GroupReading({}, which=True)
    return GroupReading({key: (False, span) for key in members})


def has_no_results(text: str, language: str) -> bool:
    """True when an answer to "do you have your latest results?" says there are none to give
    ("I don't have them", "no idea", "not with me")."""
    lowered = _lower(text)
    no_results = lexicon(language).regex("groups", "no_results")
    return bool(
        no_results.search(lowered)
        or dont_know_span(lowered, language)
        or no_idea_span(lowered, language)
    )
