"""Typed, immutable model of one trial file: facts, derived values, criteria and their logic.

Patient wording (labels, questions, why/hint lines, value labels, topic words, topics, the
privacy notice, the plain reason of each criterion) is written per language in the trial
file. A loaded `Trial` is the *view* of one language: its facts, criteria and topics carry
that language's wording, so the parser and the dialogue read `fact.question(...)`,
`fact.terms`, `fact.hint` without asking which language. `trial.in_language("zh")` gives
another view of the same trial (same logic, other wording). `trial.groups` are the yes/no
facts asked together in one question ("Do any of these apply to you at the moment?").
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

FactType = Literal["integer", "number", "boolean", "choice"]
Source = Literal["patient", "lab-asked", "lab", "clinician"]
FlagKind = Literal["lab", "clinician"]
CriterionKind = Literal["inclusion", "exclusion"]
Value = bool | int | float | str

FACT_TYPES: tuple[str, ...] = ("integer", "number", "boolean", "choice")
SOURCES: tuple[str, ...] = ("patient", "lab-asked", "lab", "clinician")
ASKABLE_SOURCES: frozenset[str] = frozenset({"patient", "lab-asked"})
#: spec §2: the follow-up flag kind a still-unknown fact becomes, by its source.
FLAG_KIND_BY_SOURCE: Mapping[str, FlagKind] = {
    "patient": "clinician",
    "lab-asked": "lab",
    "lab": "lab",
    "clinician": "clinician",
}


@dataclass(frozen=True)
class Compare:
    """A leaf of the logic: ``fact <op> value`` (e.g. ``age_years ge 3``)."""

    fact: str
    op: str
    value: Value | tuple[Value, ...]

    def facts(self) -> Iterator[str]:
        yield self.fact


@dataclass(frozen=True)
class AllOf:
    """Kleene conjunction of its children."""

    children: tuple[Node, ...]

    def facts(self) -> Iterator[str]:
        for child in self.children:
            yield from child.facts()


@dataclass(frozen=True)
class AnyOf:
    """Kleene disjunction of its children."""

    children: tuple[Node, ...]

    def facts(self) -> Iterator[str]:
        for child in self.children:
            yield from child.facts()


@dataclass(frozen=True)
class Not:
    """Kleene negation of its child."""

    child: Node

    def facts(self) -> Iterator[str]:
        yield from self.child.facts()


Node = Compare | AllOf | AnyOf | Not


@dataclass(frozen=True)
class Coding:
    """A code for a fact in a terminology (e.g. LOINC), used by exports."""

    system: str
    code: str
    display: str


@dataclass(frozen=True)
class Topic:
    """Something a patient can ask about at any point: a heading and an answer."""

    title: str
    text: str


#: scales a fact can be read on, for the parser's everyday descriptions (see bot/answers/scales).
SCALES: tuple[str, ...] = ("ecog",)


@dataclass(frozen=True)
class FactSpec:
    """One entry of the fact dictionary: what it is, how it is typed and who supplies it."""

    key: str
    type: FactType
    source: Source
    #: the patient's words for this fact ("your lymphocyte count"), in `language`.
    label: str
    #: what the fact means, for developers and staff (not shown to patients).
    description: str
    unit: str | None = None
    choices: tuple[str, ...] = ()
    #: plain-language labels for values (choice values, or integer scales such as ECOG).
    value_labels: Mapping[str, str] = field(default_factory=dict)
    minimum: float | None = None
    maximum: float | None = None
    question_self: str | None = None
    question_guardian: str | None = None
    why: str | None = None
    hint: str | None = None
    ask_when: Node | None = None
    #: other units a patient may answer in → the number to divide by to get `unit`
    #: (e.g. glucose ``{"mg/dL": 18.016}``, creatinine ``{"µmol/L": 88.42}``).
    conversions: Mapping[str, float] = field(default_factory=dict)
    #: words a patient uses for this topic ("diabetic", "sugar"), to spot corrections.
    terms: tuple[str, ...] = ()
    #: things the question itself says do not count ("a fungal nail infection does not count"):
    #: an answer naming only these is a no.
    not_counting: tuple[str, ...] = ()
    #: whether a yes/no question is about the present ("now") or a lifetime ("ever").
    timeframe: Literal["now", "ever"] | None = None
    #: the language of the wording above.
    language: str = "en"
    #: the staff's label ("Lymphocytes (×10⁹/L)"), in `language`; None: the patient label.
    staff_label: str | None = None
    #: a terminology code (LOINC …) for exports.
    code: Coding | None = None
    #: a named scale (``ecog``) whose everyday descriptions the parser knows.
    scale: str | None = None

    @property
    def staff(self) -> str:
        """The label staff see."""
        return self.staff_label or self.label

    @property
    def askable(self) -> bool:
        """True when the chat may ask the patient (source patient or lab-asked)."""
        return self.source in ASKABLE_SOURCES

    @property
    def flag_kind(self) -> FlagKind:
        """The follow-up flag kind this fact becomes while unknown (spec §2)."""
        return FLAG_KIND_BY_SOURCE[self.source]

    def question(self, respondent: str | None) -> str:
        """The question wording for the patient, or for a guardian answering about a child."""
        if respondent == "guardian" and self.question_guardian:
            return self.question_guardian
        if self.question_self is None:
            raise ValueError(f"fact {self.key!r} (source {self.source}) is not asked in the chat")
        return self.question_self


@dataclass(frozen=True)
class Group:
    """Yes/no facts the chat may ask in one question ("Do any of these apply to you now?").

    The patient names the items that apply (true), says "none of these" (all false) or "not
    sure about X" (X stays unknown). `question(...)` is the lead-in; the dialogue lists the
    pending members under it, one `items[key]` line each, in `members` order.
    """

    key: str
    #: the fact keys asked together (boolean facts asked in the chat), in listing order.
    members: tuple[str, ...]
    question_self: str
    question_guardian: str
    #: fact key → the line listed under the question: the item's whole meaning in plain
    #: words, exceptions included ("… (a fungal nail infection does not count)").
    items: Mapping[str, str]
    #: fact key → a short plain label for a quick-reply button (the fact's label by default).
    item_labels: Mapping[str, str]
    why: str
    hint: str | None = None
    #: the members' common timeframe ("now" / "ever"), None when they declare none.
    timeframe: Literal["now", "ever"] | None = None
    #: the language of the wording above.
    language: str = "en"

    def question(self, respondent: str | None) -> str:
        """The lead-in for the patient, or for a guardian answering about a child."""
        return self.question_guardian if respondent == "guardian" else self.question_self


@dataclass(frozen=True)
class DerivedSpec:
    """A value computed from facts: the measured fact when known, else a closed-table function."""

    key: str
    type: FactType
    label: str
    unit: str | None
    measured: str | None
    compute: str
    inputs: Mapping[str, str]

    def facts(self) -> tuple[str, ...]:
        """Every fact this value may read, the measured one first."""
        reads = [self.measured] if self.measured else []
        return (*reads, *self.inputs.values())


@dataclass(frozen=True)
class Criterion:
    """One registry criterion: verbatim text beside its computable logic."""

    id: str
    kind: CriterionKind
    title: str
    registry_text: str
    logic: Node
    reads: tuple[str, ...]
    #: the plain reason given to a patient who does not meet it, in the trial view's language.
    patient_text: str
    interpretation: str | None = None


@dataclass(frozen=True)
class SiteInfo:
    """Where the trial runs and whom a patient can talk to."""

    name: str
    location: str
    contact: str


@dataclass(frozen=True)
class Trial:
    """A whole trial file, validated, worded in one of its languages (`language`)."""

    id: str
    title: str
    version: str
    summary: str
    site: SiteInfo
    topics: Mapping[str, Topic]
    privacy: str
    facts: Mapping[str, FactSpec]
    derived: Mapping[str, DerivedSpec]
    criteria: tuple[Criterion, ...]
    path: Path | None = None
    #: facts asked together, in the trial file's order (empty: every fact is asked alone).
    groups: Mapping[str, Group] = field(default_factory=dict)
    #: every language the trial file is worded in; the first is the default.
    languages: tuple[str, ...] = ("en",)
    language: str = "en"
    #: language → the view of this trial in that language (filled by the loader).
    views: Mapping[str, Trial] = field(default_factory=dict, compare=False, repr=False)

    def in_language(self, language: str | None) -> Trial:
        """The same trial worded in `language`; the default language when it has no wording."""
        if language == self.language or not self.views:
            return self
        return self.views.get(language or "", self.views.get(self.languages[0], self))

    @property
    def inclusions(self) -> tuple[Criterion, ...]:
        return tuple(c for c in self.criteria if c.kind == "inclusion")

    @property
    def exclusions(self) -> tuple[Criterion, ...]:
        return tuple(c for c in self.criteria if c.kind == "exclusion")

    def criterion(self, criterion_id: str) -> Criterion:
        for criterion in self.criteria:
            if criterion.id == criterion_id:
                return criterion
        raise KeyError(criterion_id)

    def group_of(self, key: str) -> Group | None:
        """The group fact `key` is asked in, or None when it is asked alone."""
        for group in self.groups.values():
            if key in group.members:
                return group
        return None

    def askable_facts(self) -> tuple[FactSpec, ...]:
        """Facts the chat may ask, in the planner's preferred order."""
        return tuple(f for f in self.facts.values() if f.askable)

    def criteria_reading(self, key: str) -> tuple[str, ...]:
        """Ids of the criteria whose logic reads `key` (directly or through a derived value)."""
        ids = []
        for criterion in self.criteria:
            reads = set(criterion.reads)
            for name in criterion.reads:
                if name in self.derived:
                    reads.update(self.derived[name].facts())
            if key in reads:
                ids.append(criterion.id)
        return tuple(ids)
