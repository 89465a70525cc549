"""Strict loader for trial files: every unknown key, fact, operator or type mismatch fails loudly.

Errors name the file, the place in it (``criteria[I4].logic.any[0]``) and the allowed values.
Patient wording is keyed by language (``why: {en: …, zh: …}``); every language the trial
declares in ``trial.languages`` must be present wherever wording is given.
``groups`` (optional) name yes/no facts asked in one question; their members must be askable
boolean facts of one timeframe, each fact in at most one group.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NoReturn

import yaml

from bot.calculators import DERIVATIONS
from bot.criteria.model import (
    FACT_TYPES,
    SCALES,
    SOURCES,
    AllOf,
    AnyOf,
    Coding,
    Compare,
    Criterion,
    DerivedSpec,
    FactSpec,
    Group,
    Node,
    Not,
    SiteInfo,
    Topic,
    Trial,
)
from bot.criteria.operators import OPERATORS

TOP_KEYS = {"trial": True, "facts": True, "derived": False, "criteria": True, "groups": False}
TRIAL_KEYS = {
    "id": True,
    "title": True,
    "version": True,
    "languages": True,
    "summary": True,
    "site": True,
    "topics": False,
    "privacy": True,
}
SITE_KEYS = {"name": True, "location": True, "contact": True}
FACT_KEYS = {
    "type": True,
    "source": True,
    "label": True,
    "staff": True,
    "description": True,
    "code": False,
    "scale": False,
    "unit": False,
    "choices": False,
    "value_labels": False,
    "minimum": False,
    "maximum": False,
    "question": False,
    "why": False,
    "hint": False,
    "ask_when": False,
    "conversions": False,
    "terms": False,
    "not_counting": False,
    "timeframe": False,
}
QUESTION_KEYS = {"self": True, "guardian": True}
STAFF_KEYS = {"label": True}
CODE_KEYS = {"system": True, "code": True, "display": True}
TOPIC_KEYS = {"title": True, "text": True}
#: a language tag: "en", "zh", "pt-BR".
LANGUAGE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?$")
DERIVED_KEYS = {
    "type": True,
    "label": True,
    "unit": False,
    "measured": False,
    "compute": True,
    "inputs": True,
}
CRITERION_KEYS = {
    "id": True,
    "kind": True,
    "title": True,
    "registry_text": True,
    "logic": True,
    "reads": False,
    "patient_text": True,
    "interpretation": False,
}
GROUP_KEYS = {
    "members": True,
    "question": True,
    "items": True,
    "item_labels": False,
    "why": True,
    "hint": False,
}
CRITERION_KINDS = ("inclusion", "exclusion")
COMBINATORS = ("all", "any", "not")
TIMEFRAMES = ("now", "ever")


class CriteriaError(ValueError):
    """A trial file is malformed; the message names file, place and allowed values."""


class _Context:
    """Where in which file we are, for error messages."""

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        self.languages: tuple[str, ...] = ("en",)

    def worded(
        self, value: Any, where: str, read: Callable[[Any, str], Any] | None = None
    ) -> dict[str, Any]:
        """Wording keyed by language: every declared language, no other; each read by `read`."""
        declared = ", ".join(self.languages)
        if not isinstance(value, dict):
            self.fail(where, f"expected wording keyed by language ({declared}), got {_kind(value)}")
        unknown = sorted(str(k) for k in value if k not in self.languages)
        if unknown:
            self.fail(where, f"unknown language(s) {', '.join(unknown)}; declared: {declared}")
        missing = [lang for lang in self.languages if lang not in value]
        if missing:
            self.fail(where, f"missing wording for language(s) {', '.join(missing)}")
        reader = read or self.text
        return {lang: reader(value[lang], f"{where}.{lang}") for lang in self.languages}

    def fail(self, where: str, message: str) -> NoReturn:
        raise CriteriaError(f"{self.path}: {where}: {message}")

    def mapping(self, value: Any, where: str, keys: Mapping[str, bool]) -> dict[str, Any]:
        """Check `value` is a mapping with only `keys` (True = required) and return it."""
        if not isinstance(value, dict):
            self.fail(where, f"expected a mapping with keys {_listing(keys)}, got {_kind(value)}")
        unknown = sorted(str(k) for k in value if k not in keys)
        if unknown:
            self.fail(where, f"unknown key(s) {', '.join(unknown)}; allowed: {_listing(keys)}")
        missing = [k for k, required in keys.items() if required and k not in value]
        if missing:
            self.fail(where, f"missing required key(s) {', '.join(missing)}")
        return value

    def text(self, value: Any, where: str) -> str:
        if not isinstance(value, str) or not value.strip():
            self.fail(where, f"expected non-empty text, got {_kind(value)}")
        return value

    def choice(self, value: Any, where: str, allowed: tuple[str, ...]) -> str:
        if value not in allowed:
            self.fail(where, f"{value!r} is not allowed; allowed: {', '.join(allowed)}")
        return str(value)

    def number(self, value: Any, where: str) -> float:
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
        ):
            self.fail(where, f"expected a number, got {_kind(value)}")
        return value


def _listing(keys: Mapping[str, bool] | tuple[str, ...]) -> str:
    return ", ".join(keys)


def _kind(value: Any) -> str:
    return f"{type(value).__name__} {value!r}"[:120]


def load_trial(path: Path | str) -> Trial:
    """Read and validate one trial YAML file."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise CriteriaError(f"{path}: file not found") from exc
    except yaml.YAMLError as exc:
        raise CriteriaError(f"{path}: not valid YAML: {exc}") from exc
    return parse_trial(raw, path)


def parse_trial(raw: Any, path: Path | str = "<memory>") -> Trial:
    """Validate an already-parsed trial document; the result is the default language's view."""
    ctx = _Context(path)
    doc = ctx.mapping(raw, "top level", TOP_KEYS)
    head = ctx.mapping(doc["trial"], "trial", TRIAL_KEYS)
    ctx.languages = _languages(ctx, head["languages"])
    site_raw = ctx.mapping(head["site"], "trial.site", SITE_KEYS)
    site = {k: ctx.worded(site_raw[k], f"trial.site.{k}") for k in SITE_KEYS}
    topics_raw = head.get("topics") or {}
    if not isinstance(topics_raw, dict):
        ctx.fail(
            "trial.topics", f"expected a mapping of topic → title/text, got {_kind(topics_raw)}"
        )
    topics: dict[str, dict[str, Topic]] = {lang: {} for lang in ctx.languages}
    for name, body in topics_raw.items():
        where = f"trial.topics.{name}"
        if not str(name).isidentifier():
            ctx.fail(where, "topic names must be identifiers (the intent is ask_<topic>)")
        topic = ctx.mapping(body, where, TOPIC_KEYS)
        title = ctx.worded(topic["title"], f"{where}.title")
        text = ctx.worded(topic["text"], f"{where}.text")
        for lang in ctx.languages:
            topics[lang][str(name)] = Topic(title=title[lang], text=text[lang])
    summary = ctx.worded(head["summary"], "trial.summary")
    privacy = ctx.worded(head["privacy"], "trial.privacy")

    facts_raw = doc["facts"]
    if not isinstance(facts_raw, dict) or not facts_raw:
        ctx.fail(
            "facts",
            f"expected a non-empty mapping of fact key → definition, got {_kind(facts_raw)}",
        )
    facts: dict[str, dict[str, FactSpec]] = {lang: {} for lang in ctx.languages}
    for key, body in facts_raw.items():
        for lang, fact in _fact(ctx, str(key), body).items():
            facts[lang][str(key)] = fact
    default = facts[ctx.languages[0]]
    # ask_when may refer to any fact, so check it once every fact is known.
    for key, fact in default.items():
        if fact.ask_when is not None:
            _check_logic(ctx, fact.ask_when, f"facts.{key}.ask_when", default, {})

    derived_raw = doc.get("derived") or {}
    if not isinstance(derived_raw, dict):
        ctx.fail("derived", f"expected a mapping, got {_kind(derived_raw)}")
    derived = {str(k): _derived(ctx, str(k), v, default) for k, v in derived_raw.items()}
    clash = sorted(set(derived) & set(default))
    if clash:
        ctx.fail("derived", f"key(s) {', '.join(clash)} already name facts")

    criteria_raw = doc["criteria"]
    if not isinstance(criteria_raw, list) or not criteria_raw:
        ctx.fail("criteria", f"expected a non-empty list of criteria, got {_kind(criteria_raw)}")
    criteria: dict[str, list[Criterion]] = {lang: [] for lang in ctx.languages}
    seen: set[str] = set()
    for index, body in enumerate(criteria_raw):
        worded = _criterion(ctx, index, body, default, derived)
        criterion_id = worded[ctx.languages[0]].id
        if criterion_id in seen:
            ctx.fail(f"criteria[{criterion_id}]", f"duplicate criterion id {criterion_id!r}")
        seen.add(criterion_id)
        for lang, criterion in worded.items():
            criteria[lang].append(criterion)

    groups = _groups(ctx, doc.get("groups"), facts, derived)

    views: dict[str, Trial] = {}
    for lang in ctx.languages:
        views[lang] = Trial(
            id=ctx.text(head["id"], "trial.id"),
            title=ctx.text(head["title"], "trial.title"),
            version=ctx.text(str(head["version"]), "trial.version"),
            summary=summary[lang],
            site=SiteInfo(**{k: site[k][lang] for k in SITE_KEYS}),
            topics=topics[lang],
            privacy=privacy[lang],
            facts=facts[lang],
            derived=derived,
            criteria=tuple(criteria[lang]),
            path=Path(path) if not str(path).startswith("<") else None,
            languages=ctx.languages,
            language=lang,
            views=views,
            groups=groups[lang],
        )
    return views[ctx.languages[0]]


def _languages(ctx: _Context, raw: Any) -> tuple[str, ...]:
    """`trial.languages`: a non-empty list of distinct language tags, the default first."""
    where = "trial.languages"
    if not isinstance(raw, list) or not raw:
        ctx.fail(
            where, f"expected a non-empty list of language tags such as [en, zh], got {_kind(raw)}"
        )
    tags = tuple(str(tag) for tag in raw)
    for tag in tags:
        if not LANGUAGE.match(tag):
            ctx.fail(where, f"{tag!r} is not a language tag (for example en, zh, pt-BR)")
    if len(set(tags)) != len(tags):
        ctx.fail(where, f"a language is listed twice: {', '.join(tags)}")
    return tags


def _word_list(ctx: _Context) -> Callable[[Any, str], tuple[str, ...]]:
    def read(value: Any, where: str) -> tuple[str, ...]:
        if not isinstance(value, list):
            ctx.fail(where, f"expected a list of words or phrases, got {_kind(value)}")
        return tuple(ctx.text(str(item), where) for item in value)

    return read


def _fact(ctx: _Context, key: str, body: Any) -> dict[str, FactSpec]:
    """One fact, as a FactSpec per declared language (same logic fields, that language's words)."""
    where = f"facts.{key}"
    if not key.isidentifier() or key != key.lower():
        ctx.fail(where, "fact keys must be lower_snake_case identifiers")
    spec = ctx.mapping(body, where, FACT_KEYS)
    ftype = ctx.choice(spec["type"], f"{where}.type", FACT_TYPES)
    source = ctx.choice(spec["source"], f"{where}.source", SOURCES)
    choices: tuple[str, ...] = ()
    if ftype == "choice":
        raw_choices = spec.get("choices")
        if not isinstance(raw_choices, list) or not raw_choices:
            ctx.fail(f"{where}.choices", "a choice fact needs a non-empty list of choices")
        choices = tuple(ctx.text(str(c), f"{where}.choices") for c in raw_choices)
    elif "choices" in spec:
        ctx.fail(f"{where}.choices", f"only facts of type choice have choices (this is {ftype})")
    minimum = ctx.number(spec["minimum"], f"{where}.minimum") if "minimum" in spec else None
    maximum = ctx.number(spec["maximum"], f"{where}.maximum") if "maximum" in spec else None
    if (minimum is not None or maximum is not None) and ftype not in ("integer", "number"):
        ctx.fail(where, f"minimum/maximum apply to integer and number facts, not {ftype}")
    if minimum is not None and maximum is not None and minimum > maximum:
        ctx.fail(where, f"minimum {minimum} is greater than maximum {maximum}")

    def labels(value: Any, at: str) -> dict[str, str]:
        if not isinstance(value, dict):
            ctx.fail(at, f"expected a mapping value → label, got {_kind(value)}")
        out = {str(k): ctx.text(v, f"{at}.{k}") for k, v in value.items()}
        for raw_value in out:
            _check_value(ctx, at, key, ftype, choices, _coerce(ftype, raw_value))
        return out

    value_labels = (
        ctx.worded(spec["value_labels"], f"{where}.value_labels", labels)
        if ("value_labels" in spec)
        else {lang: {} for lang in ctx.languages}
    )
    questions: dict[str, dict[str, Any]] = {lang: {} for lang in ctx.languages}
    if source in ("patient", "lab-asked"):
        for needed in ("question", "why"):
            if needed not in spec:
                ctx.fail(where, f"a fact asked in the chat (source {source}) needs '{needed}'")

        def question(value: Any, at: str) -> dict[str, str]:
            both = ctx.mapping(value, at, QUESTION_KEYS)
            return {k: ctx.text(both[k], f"{at}.{k}") for k in QUESTION_KEYS}

        questions = ctx.worded(spec["question"], f"{where}.question", question)
    elif "question" in spec:
        ctx.fail(f"{where}.question", f"source {source} is never asked in the chat; remove it")
    conversions_raw = spec.get("conversions") or {}
    if not isinstance(conversions_raw, dict):
        ctx.fail(
            f"{where}.conversions",
            f"expected a mapping unit → divisor, got {_kind(conversions_raw)}",
        )
    if conversions_raw and "unit" not in spec:
        ctx.fail(f"{where}.conversions", "conversions need the fact's own unit")
    conversions = {}
    for unit, divisor in conversions_raw.items():
        number = ctx.number(divisor, f"{where}.conversions.{unit}")
        if number <= 0:
            ctx.fail(f"{where}.conversions.{unit}", "a divisor must be positive")
        conversions[str(unit)] = float(number)
    words = _word_list(ctx)
    empty: dict[str, tuple[str, ...]] = {lang: () for lang in ctx.languages}
    terms = ctx.worded(spec["terms"], f"{where}.terms", words) if "terms" in spec else empty
    not_counting = (
        ctx.worded(spec["not_counting"], f"{where}.not_counting", words)
        if "not_counting" in spec
        else empty
    )
    if "not_counting" in spec and ftype != "boolean":
        ctx.fail(f"{where}.not_counting", "expected a list of phrases, for boolean facts only")
    timeframe = spec.get("timeframe")
    if timeframe is not None:
        ctx.choice(timeframe, f"{where}.timeframe", TIMEFRAMES)
        if ftype != "boolean":
            ctx.fail(f"{where}.timeframe", "timeframe applies to boolean facts only")
    scale = spec.get("scale")
    if scale is not None:
        ctx.choice(scale, f"{where}.scale", SCALES)
        if ftype != "integer":
            ctx.fail(f"{where}.scale", f"a scale applies to integer facts, not {ftype}")
    code = None
    if "code" in spec:
        raw_code = ctx.mapping(spec["code"], f"{where}.code", CODE_KEYS)
        code = Coding(**{k: ctx.text(str(raw_code[k]), f"{where}.code.{k}") for k in CODE_KEYS})
    staff = ctx.mapping(spec["staff"], f"{where}.staff", STAFF_KEYS)
    staff_label = ctx.worded(staff["label"], f"{where}.staff.label")
    label = ctx.worded(spec["label"], f"{where}.label")
    why = ctx.worded(spec["why"], f"{where}.why") if "why" in spec else None
    hint = ctx.worded(spec["hint"], f"{where}.hint") if "hint" in spec else None
    base = FactSpec(
        key=key,
        type=ftype,  # type: ignore[arg-type]
        source=source,  # type: ignore[arg-type]
        label=label[ctx.languages[0]],
        description=ctx.text(spec["description"], f"{where}.description"),
        unit=ctx.text(spec["unit"], f"{where}.unit") if "unit" in spec else None,
        choices=choices,
        minimum=minimum,
        maximum=maximum,
        ask_when=_node(ctx, spec["ask_when"], f"{where}.ask_when") if "ask_when" in spec else None,
        conversions=conversions,
        timeframe=timeframe,
        code=code,
        scale=scale,
    )
    return {
        lang: dataclasses.replace(
            base,
            label=label[lang],
            staff_label=staff_label[lang],
            value_labels=value_labels[lang],
            question_self=questions[lang].get("self"),
            question_guardian=questions[lang].get("guardian"),
            why=why[lang] if why else None,
            hint=hint[lang] if hint else None,
            terms=terms[lang],
            not_counting=not_counting[lang],
            language=lang,
        )
        for lang in ctx.languages
    }


def _groups(
    ctx: _Context,
    raw: Any,
    worded_facts: Mapping[str, Mapping[str, FactSpec]],
    derived: Mapping[str, DerivedSpec],
) -> dict[str, dict[str, Group]]:
    """`groups`: group key → members (askable yes/no facts) and wording, per declared language.

    A fact is in at most one group; a group has at least two members, all of one timeframe.
    """
    out: dict[str, dict[str, Group]] = {lang: {} for lang in ctx.languages}
    facts = worded_facts[ctx.languages[0]]
    if raw is None:
        return out
    if not isinstance(raw, dict):
        ctx.fail("groups", f"expected a mapping of group key → definition, got {_kind(raw)}")
    askable = [k for k, f in facts.items() if f.askable and f.type == "boolean"]
    owner: dict[str, str] = {}
    for name, body in raw.items():
        key = str(name)
        where = f"groups.{key}"
        if not key.isidentifier() or key != key.lower():
            ctx.fail(where, "group keys must be lower_snake_case identifiers")
        if key in facts or key in derived:
            ctx.fail(where, f"group key {key!r} already names a fact or derived value")
        spec = ctx.mapping(body, where, GROUP_KEYS)
        members = _members(ctx, spec["members"], f"{where}.members", facts, askable)
        for member in members:
            if member in owner:
                ctx.fail(
                    f"{where}.members",
                    f"fact {member!r} is already in group {owner[member]!r}; "
                    "a fact is in at most one group",
                )
            owner[member] = key
        timeframes = sorted({t for m in members if (t := facts[m].timeframe) is not None})
        if len(timeframes) > 1:
            mixed = ", ".join(f"{m} ({facts[m].timeframe})" for m in members)
            ctx.fail(
                f"{where}.members",
                f"members of one group share one timeframe, got {mixed}",
            )

        def per_member(value: Any, at: str, members: tuple[str, ...] = members) -> dict[str, str]:
            if not isinstance(value, dict):
                ctx.fail(at, f"expected a mapping member → text, got {_kind(value)}")
            allowed = ", ".join(members)
            unknown = sorted(str(k) for k in value if k not in members)
            if unknown:
                ctx.fail(at, f"unknown member(s) {', '.join(unknown)}; allowed: {allowed}")
            missing = [m for m in members if m not in value]
            if missing:
                ctx.fail(at, f"missing member(s) {', '.join(missing)}")
            return {m: ctx.text(value[m], f"{at}.{m}") for m in members}

        def question(value: Any, at: str) -> dict[str, str]:
            both = ctx.mapping(value, at, QUESTION_KEYS)
            return {k: ctx.text(both[k], f"{at}.{k}") for k in QUESTION_KEYS}

        questions = ctx.worded(spec["question"], f"{where}.question", question)
        items = ctx.worded(spec["items"], f"{where}.items", per_member)
        labels = (
            ctx.worded(spec["item_labels"], f"{where}.item_labels", per_member)
            if "item_labels" in spec
            else None
        )
        why = ctx.worded(spec["why"], f"{where}.why")
        hint = ctx.worded(spec["hint"], f"{where}.hint") if "hint" in spec else None
        for lang in ctx.languages:
            out[lang][key] = Group(
                key=key,
                members=members,
                question_self=questions[lang]["self"],
                question_guardian=questions[lang]["guardian"],
                items=items[lang],
                item_labels=(
                    labels[lang] if labels else {m: worded_facts[lang][m].label for m in members}
                ),
                why=why[lang],
                hint=hint[lang] if hint else None,
                timeframe=timeframes[0] if timeframes else None,
                language=lang,
            )
    return out


def _members(
    ctx: _Context,
    raw: Any,
    where: str,
    facts: Mapping[str, FactSpec],
    askable: list[str],
) -> tuple[str, ...]:
    """A group's members: at least two distinct, askable yes/no facts."""
    allowed = ", ".join(askable) or "none"
    if not isinstance(raw, list) or len(raw) < 2:
        ctx.fail(where, f"expected a list of at least two fact keys, got {_kind(raw)}")
    members = tuple(str(m) for m in raw)
    for member in members:
        if member not in facts:
            ctx.fail(where, f"unknown fact {member!r}; allowed: {allowed}")
        fact = facts[member]
        if fact.type != "boolean":
            ctx.fail(
                where,
                f"fact {member!r} is {fact.type}; a group's members are yes/no (boolean) facts "
                f"asked in the chat: {allowed}",
            )
        if not fact.askable:
            ctx.fail(
                where,
                f"fact {member!r} (source {fact.source}) is never asked in the chat; "
                f"allowed: {allowed}",
            )
    if len(set(members)) != len(members):
        ctx.fail(where, f"a fact is listed twice: {', '.join(members)}")
    return members


def _coerce(ftype: str, text: str) -> Any:
    """value_labels keys are strings in YAML; read them as the fact's type."""
    if ftype == "integer":
        try:
            return int(text)
        except ValueError:
            return text
    if ftype == "boolean":
        return {"true": True, "false": False}.get(text.lower(), text)
    return text


def _derived(ctx: _Context, key: str, body: Any, facts: Mapping[str, FactSpec]) -> DerivedSpec:
    where = f"derived.{key}"
    spec = ctx.mapping(body, where, DERIVED_KEYS)
    compute = ctx.choice(spec["compute"], f"{where}.compute", tuple(DERIVATIONS))
    params = DERIVATIONS[compute].params
    inputs = ctx.mapping(spec["inputs"], f"{where}.inputs", {p: True for p in params})
    for param, fact in inputs.items():
        if fact not in facts:
            ctx.fail(
                f"{where}.inputs.{param}", f"unknown fact {fact!r}; allowed: {', '.join(facts)}"
            )
    measured = spec.get("measured")
    if measured is not None and measured not in facts:
        ctx.fail(f"{where}.measured", f"unknown fact {measured!r}; allowed: {', '.join(facts)}")
    return DerivedSpec(
        key=key,
        type=ctx.choice(spec["type"], f"{where}.type", ("number", "integer")),  # type: ignore[arg-type]
        label=ctx.text(spec["label"], f"{where}.label"),
        unit=spec.get("unit"),
        measured=measured,
        compute=compute,
        inputs={str(k): str(v) for k, v in inputs.items()},
    )


def _criterion(
    ctx: _Context,
    index: int,
    body: Any,
    facts: Mapping[str, FactSpec],
    derived: Mapping[str, DerivedSpec],
) -> dict[str, Criterion]:
    """One criterion per declared language (its plain reason is worded per language).

    `reads` is derived from the logic; a trial file may still declare it, and then it must
    name exactly the facts the logic reads.
    """
    label = body.get("id", index) if isinstance(body, dict) else index
    where = f"criteria[{label}]"
    spec = ctx.mapping(body, where, CRITERION_KEYS)
    criterion_id = ctx.text(str(spec["id"]), f"{where}.id")
    logic = _node(ctx, spec["logic"], f"{where}.logic")
    _check_logic(ctx, logic, f"{where}.logic", facts, derived)
    used = tuple(dict.fromkeys(logic.facts()))
    if "reads" in spec:
        reads_raw = spec["reads"]
        if not isinstance(reads_raw, list) or not reads_raw:
            ctx.fail(f"{where}.reads", "expected the non-empty list of facts the logic reads")
        declared = tuple(str(r) for r in reads_raw)
        known = {*facts, *derived}
        for name in declared:
            if name not in known:
                ctx.fail(f"{where}.reads", f"unknown fact {name!r}; allowed: {', '.join(known)}")
        if set(used) != set(declared):
            missing = sorted(set(used) - set(declared))
            extra = sorted(set(declared) - set(used))
            ctx.fail(
                f"{where}.reads",
                f"does not match the logic: read but not declared {missing or 'none'}, "
                f"declared but not read {extra or 'none'}",
            )
    patient_text = ctx.worded(spec["patient_text"], f"{where}.patient_text")
    base = Criterion(
        id=criterion_id,
        kind=ctx.choice(spec["kind"], f"{where}.kind", CRITERION_KINDS),  # type: ignore[arg-type]
        title=ctx.text(spec["title"], f"{where}.title"),
        registry_text=ctx.text(spec["registry_text"], f"{where}.registry_text").strip(),
        logic=logic,
        reads=used,
        patient_text=patient_text[ctx.languages[0]],
        interpretation=(
            ctx.text(spec["interpretation"], f"{where}.interpretation")
            if spec.get("interpretation") is not None
            else None
        ),
    )
    return {
        lang: dataclasses.replace(base, patient_text=patient_text[lang]) for lang in ctx.languages
    }


def _node(ctx: _Context, raw: Any, where: str) -> Node:
    """Parse one logic node: {all: [...]}, {any: [...]}, {not: node} or {fact: k, <op>: value}."""
    allowed = f"{', '.join(COMBINATORS)}, or fact + one operator of {', '.join(OPERATORS)}"
    if not isinstance(raw, dict) or not raw:
        ctx.fail(where, f"expected a logic node ({allowed}), got {_kind(raw)}")
    if "fact" in raw:
        ops = [k for k in raw if k != "fact"]
        unknown = [k for k in ops if k not in OPERATORS]
        if unknown:
            ctx.fail(where, f"unknown operator {unknown[0]!r}; allowed: {', '.join(OPERATORS)}")
        if len(ops) != 1:
            ctx.fail(where, f"a comparison needs exactly one operator of {', '.join(OPERATORS)}")
        op = ops[0]
        value = raw[op]
        if isinstance(value, list):
            value = tuple(value)
        return Compare(fact=str(raw["fact"]), op=op, value=value)
    if len(raw) != 1:
        ctx.fail(where, f"a node has exactly one key ({allowed}), got {', '.join(map(str, raw))}")
    ((name, body),) = raw.items()
    if name == "not":
        return Not(_node(ctx, body, f"{where}.not"))
    if name in ("all", "any"):
        if not isinstance(body, list) or not body:
            ctx.fail(f"{where}.{name}", "expected a non-empty list of nodes")
        children = tuple(_node(ctx, child, f"{where}.{name}[{i}]") for i, child in enumerate(body))
        return AllOf(children) if name == "all" else AnyOf(children)
    ctx.fail(where, f"unknown node {name!r}; allowed: {allowed}")


def _check_logic(
    ctx: _Context,
    node: Node,
    where: str,
    facts: Mapping[str, FactSpec],
    derived: Mapping[str, DerivedSpec],
) -> None:
    """Check every comparison names a known fact with an operator and value of its type."""
    if isinstance(node, Not):
        _check_logic(ctx, node.child, where, facts, derived)
        return
    if isinstance(node, (AllOf, AnyOf)):
        for child in node.children:
            _check_logic(ctx, child, where, facts, derived)
        return
    if node.fact in facts:
        fact = facts[node.fact]
        ftype, choices = fact.type, fact.choices
    elif node.fact in derived:
        ftype, choices = derived[node.fact].type, ()
    else:
        known = [*facts, *derived]
        ctx.fail(where, f"unknown fact {node.fact!r}; allowed: {', '.join(known)}")
    _fn, types, takes_list = OPERATORS[node.op]
    if ftype not in types:
        ctx.fail(
            where,
            f"operator {node.op!r} does not apply to {ftype} fact {node.fact!r}; "
            f"it applies to {', '.join(sorted(types))}",
        )
    values = node.value if takes_list else (node.value,)
    if takes_list and (not isinstance(node.value, tuple) or not node.value):
        ctx.fail(where, f"operator {node.op!r} takes a non-empty list of values")
    for value in values:  # type: ignore[union-attr]
        _check_value(ctx, where, node.fact, ftype, choices, value)


def _check_value(
    ctx: _Context, where: str, key: str, ftype: str, choices: tuple[str, ...], value: Any
) -> None:
    if ftype == "boolean":
        ok = isinstance(value, bool)
        expected = "true or false"
    elif ftype == "integer":
        ok = isinstance(value, int) and not isinstance(value, bool)
        expected = "a whole number"
    elif ftype == "number":
        ok = (
            isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        )
        expected = "a finite number"
    else:
        ok = value in choices
        expected = f"one of {', '.join(choices)}"
    if not ok:
        ctx.fail(
            where, f"type mismatch: {key!r} is {ftype}, expected {expected}, got {_kind(value)}"
        )
