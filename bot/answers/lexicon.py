"""The parser's words and patterns for one language, read from ``resources/<lang>/*.yaml``.

Like medspaCy's ``resources/<lang>/`` folders, every language has the same files with the
same keys (``SCHEMA``): yes/no words, hedges and don't-know phrases, the ConText rules (in
medspaCy's rule format), number words, unit spellings, time phrases, scale descriptions,
correction cues. The parser modules loop over what a language's files say; adding a
language adds a folder, never a branch in the code.

A file is read and checked once per process (``lexicon(language)`` is cached). Anything
malformed fails at load, naming the file, the key and what is allowed: a missing or unknown
key, a value of the wrong shape, a regular expression that does not compile, a unit or a
ConText category the code does not know.

Patterns are regular expressions written as a string or as a list of alternatives (joined
with ``|``). ``{name}`` inside a pattern stands for the file's ``fragments[name]`` (a pattern
used in several places: "{subject}", "{unit}"); fragments may use earlier fragments.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, cast

import yaml

from bot.answers import names

log = logging.getLogger(__name__)

RESOURCES = Path(__file__).resolve().parent / "resources"
DEFAULT_LANGUAGE = "en"

Kind = Literal[
    "fragments",  # name → pattern, usable as {name} in the file's other patterns
    "pattern",  # a regex: a string, or a list of alternatives
    "words",  # a list of words or phrases
    "ints",  # word → whole number
    "bools",  # whole answer → true/false
    "strings",  # word → word
    "synonyms",  # word → list of words
    "rewrites",  # list of {pattern, replace}
    "factors",  # list of {pattern, factor}
    "scales",  # scale name → list of {level, pattern}
    "unit_aliases",  # list of {units, pattern}
    "context_rules",  # medspaCy ConText rules
]

#: file (without .yaml) → key → kind: every language has exactly these.
SCHEMA: Mapping[str, Mapping[str, Kind]] = {
    "text": {"contractions": "rewrites"},
    "labels": {"word": "pattern", "stop_words": "words", "plural_endings": "words"},
    "terms": {
        "generic_key_words": "words",
        "before": "pattern",
        "after": "pattern",
        "word_gap": "pattern",
        "joined": "strings",
        "plural": "pattern",
        "singular_strip": "words",
    },
    "groups": {
        "fragments": "fragments",
        "boundary": "pattern",
        "unsure": "pattern",
        "looks_ahead": "pattern",
        "named": "pattern",
        "negated": "pattern",
        "none_else": "pattern",
        "none_said": "pattern",
        "all_said": "pattern",
        "no_results": "pattern",
    },
    "dontknow": {
        "fragments": "fragments",
        "dont_know": "pattern",
        "hedge": "pattern",
        "no_idea": "pattern",
    },
    "yesno": {
        "fragments": "fragments",
        "yes": "pattern",
        "no": "pattern",
        "unsure": "pattern",
        "not_now": "pattern",
        "assert": "pattern",
        "negated": "pattern",
        "whole": "bools",
        "current": "pattern",
        "healthy": "pattern",
        "negative_result": "pattern",
        "light_words": "words",
        "bare_followers": "words",
    },
    "context": {
        "not_words": "words",
        "family_words": "words",
        "context_rules": "context_rules",
    },
    "numbers": {
        "fragments": "fragments",
        "number": "pattern",
        "word": "pattern",
        "small": "ints",
        "tens": "ints",
        "scales": "ints",
        "article_words": "words",
        "and_words": "words",
        "point_words": "words",
        "fractions": "rewrites",
        "negative_before": "pattern",
        "range": "pattern",
        "inequality": "pattern",
    },
    "units": {
        "fragments": "fragments",
        "aliases": "unit_aliases",
        "digit_unit": "pattern",
    },
    "quantities": {
        "multiplier": "pattern",
        "frequencies": "factors",
        "no_dose": "pattern",
    },
    "durations": {
        "fragments": "fragments",
        "rewrites": "rewrites",
        "not_done": "pattern",
        "month_names": "pattern",
        "duration": "pattern",
        "future": "pattern",
    },
    "titre": {"ratio": "pattern", "negative": "pattern", "positive": "pattern"},
    "choices": {
        "synonyms": "synonyms",
        "letters": "strings",
        "negated": "pattern",
        "class_words": "words",
        "pronoun_numerals": "words",
        "numeral_words": "ints",
    },
    "scales": {
        "fragments": "fragments",
        "leading_number": "pattern",
        "scales": "scales",
    },
    "corrections": {
        "cue": "pattern",
        "after": "pattern",
        "strip": "pattern",
        "age_phrase": "pattern",
    },
}

_REFERENCE = re.compile(r"\{([a-z_]+)\}")
#: the keys of a ConText rule (medspaCy's rule format); literal and category are required.
_RULE_KEYS = (
    "literal", "category", "pattern", "direction", "allowed_types", "excluded_types",
    "max_scope", "max_targets", "terminated_by",
)  # fmt: skip


class ResourceError(ValueError):
    """A malformed resource file: names the file, the key and what is allowed."""

    def __init__(self, path: Path, key: str, problem: str) -> None:
        super().__init__(f"{path}: {key}: {problem}")
        self.path = path
        self.key = key


@dataclass(frozen=True)
class Lexicon:
    """One language's checked resources: file → key → value (patterns expanded and compiled;
    a record's ``pattern`` compiled as its ``regex``)."""

    language: str
    root: Path
    data: Mapping[str, Mapping[str, Any]]
    regexes: Mapping[tuple[str, str], re.Pattern[str]]
    word_sets: Mapping[tuple[str, str], frozenset[str]]

    def _get(self, file: str, key: str, *kinds: Kind) -> Any:
        if SCHEMA[file][key] not in kinds:
            raise KeyError(f"{file}.{key} is a {SCHEMA[file][key]}, not {' or '.join(kinds)}")
        return self.data[file][key]

    def pattern(self, file: str, key: str) -> str:
        """A pattern's regular expression (fragments expanded, alternatives joined)."""
        return cast(str, self._get(file, key, "pattern"))

    def regex(self, file: str, key: str) -> re.Pattern[str]:
        """A pattern, compiled."""
        return self.regexes[file, key]

    def fragment(self, file: str, name: str) -> str:
        """One of a file's fragments, expanded."""
        return cast(str, self._get(file, "fragments", "fragments")[name])

    def words(self, file: str, key: str) -> tuple[str, ...]:
        """A list of words or phrases."""
        return cast(tuple[str, ...], self._get(file, key, "words"))

    def word_set(self, file: str, key: str) -> frozenset[str]:
        """A list of words or phrases, as a set."""
        return self.word_sets[file, key]

    def table(self, file: str, key: str) -> Mapping[str, Any]:
        """A mapping (ints, bools, strings, synonyms, scales)."""
        return cast(
            Mapping[str, Any],
            self._get(file, key, "ints", "bools", "strings", "synonyms", "scales"),
        )

    def records(self, file: str, key: str) -> tuple[Mapping[str, Any], ...]:
        """A list of records (rewrites, factors, unit aliases, context rules)."""
        return cast(
            tuple[Mapping[str, Any], ...],
            self._get(file, key, "rewrites", "factors", "unit_aliases", "context_rules"),
        )


def languages(root: Path = RESOURCES) -> tuple[str, ...]:
    """Languages with a resource folder, the default first."""
    found = {p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))}
    return tuple(sorted(found, key=lambda lang: (lang != DEFAULT_LANGUAGE, lang)))


def lexicon(language: str | None) -> Lexicon:
    """The checked resources of `language` (the default language when it has none)."""
    return _resolve(language or DEFAULT_LANGUAGE, RESOURCES)


@lru_cache(maxsize=16)
def _resolve(language: str, root: Path) -> Lexicon:
    if language != DEFAULT_LANGUAGE and not (root / language).is_dir():
        log.warning("no parser resources for %s; using %s", language, DEFAULT_LANGUAGE)
        language = DEFAULT_LANGUAGE
    return load(language, root)


@lru_cache(maxsize=16)
def load(language: str, root: Path = RESOURCES) -> Lexicon:
    """Read and check every resource file of `language` under `root` (once per process)."""
    folder = root / language
    if not folder.is_dir():
        raise ResourceError(folder, "-", f"no resource folder; languages: {languages(root)}")
    extra = sorted(p.name for p in folder.glob("*.yaml") if p.stem not in SCHEMA)
    if extra:
        raise ResourceError(folder, "-", f"unknown files {extra}; allowed: {_allowed(SCHEMA)}")
    data = {name: _read(folder / f"{name}.yaml", name) for name in SCHEMA}
    return Lexicon(
        language,
        root,
        data,
        {
            (name, key): re.compile(data[name][key])
            for name, keys in SCHEMA.items()
            for key, kind in keys.items()
            if kind == "pattern"
        },
        {
            (name, key): frozenset(data[name][key])
            for name, keys in SCHEMA.items()
            for key, kind in keys.items()
            if kind == "words"
        },
    )


def _allowed(values: Mapping[str, object] | frozenset[str] | tuple[str, ...]) -> str:
    return ", ".join(sorted(values))


def _read(path: Path, name: str) -> dict[str, Any]:
    return read_checked(path, SCHEMA[name])


def read_checked(path: Path, schema: Mapping[str, Kind]) -> dict[str, Any]:
    """One resource file read and checked against `schema` (key → kind), its fragments
    expanded into its patterns; fails naming the file and the key."""
    if not path.is_file():
        raise ResourceError(path, "-", "missing file")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ResourceError(path, "-", f"not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise ResourceError(path, "-", "must be a mapping of keys")
    unknown = sorted(str(k) for k in raw if k not in schema)
    if unknown:
        raise ResourceError(path, unknown[0], f"unknown key; allowed: {_allowed(schema)}")
    missing = sorted(k for k in schema if k not in raw)
    if missing:
        raise ResourceError(path, missing[0], f"missing key; required: {_allowed(schema)}")
    checker = _Checker(path)
    if "fragments" in schema:
        checker.read_fragments(raw["fragments"])
    return {key: checker.check(key, kind, raw[key]) for key, kind in schema.items()}


class _Checker:
    """Checks one file's values, expanding its fragments into its patterns."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fragments: dict[str, str] = {}

    def fail(self, key: str, problem: str) -> ResourceError:
        return ResourceError(self.path, key, problem)

    def read_fragments(self, value: object) -> None:
        if not isinstance(value, dict):
            raise self.fail("fragments", "must be a mapping of name → pattern")
        for name, body in value.items():
            if not isinstance(name, str) or not re.fullmatch(r"[a-z_]+", name):
                raise self.fail("fragments", f"fragment name {name!r} must be lower_case")
            self.fragments[name] = self.pattern(f"fragments.{name}", body)

    def check(self, key: str, kind: Kind, value: object) -> object:
        if kind == "fragments":
            return dict(self.fragments)
        return _CHECKS[kind](self, key, value)

    def string(self, key: str, value: object) -> str:
        if not isinstance(value, str) or not value:
            raise self.fail(key, f"must be a non-empty string, not {value!r}")
        return value

    def pattern(self, key: str, value: object) -> str:
        parts = value if isinstance(value, list) else [value]
        if not parts:
            raise self.fail(key, "must be a regular expression or a list of alternatives")
        text = "|".join(self.string(key, part) for part in parts)

        def expand(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in self.fragments:
                raise self.fail(key, f"unknown fragment {{{name}}}; fragments: "
                                f"{_allowed(self.fragments) or 'none'}")  # fmt: skip
            return self.fragments[name]

        text = _REFERENCE.sub(expand, text)
        try:
            re.compile(text)
        except re.error as exc:
            raise self.fail(key, f"not a valid regular expression: {exc}") from exc
        return text

    def words(self, key: str, value: object) -> tuple[str, ...]:
        if not isinstance(value, list) or not value:
            raise self.fail(key, "must be a non-empty list of words")
        return tuple(self.string(f"{key}[{i}]", word) for i, word in enumerate(value))

    def mapping(self, key: str, value: object) -> dict[str, Any]:
        if not isinstance(value, dict) or not value:
            raise self.fail(key, "must be a non-empty mapping")
        for word in value:
            self.string(key, word)
        return value

    def ints(self, key: str, value: object) -> dict[str, int]:
        table = self.mapping(key, value)
        for word, number in table.items():
            if isinstance(number, bool) or not isinstance(number, int):
                raise self.fail(f"{key}.{word}", f"must be a whole number, not {number!r}")
        return table

    def bools(self, key: str, value: object) -> dict[str, bool]:
        table = self.mapping(key, value)
        for word, flag in table.items():
            if not isinstance(flag, bool):
                raise self.fail(f"{key}.{word}", f"must be true or false, not {flag!r}")
        return table

    def strings(self, key: str, value: object) -> dict[str, str]:
        table = self.mapping(key, value)
        return {word: self.string(f"{key}.{word}", text) for word, text in table.items()}

    def synonyms(self, key: str, value: object) -> dict[str, tuple[str, ...]]:
        table = self.mapping(key, value)
        return {word: self.words(f"{key}.{word}", words) for word, words in table.items()}

    def record_list(
        self, key: str, value: object, fields: Mapping[str, Callable[[str, object], object]]
    ) -> tuple[dict[str, object], ...]:
        if not isinstance(value, list) or not value:
            raise self.fail(key, f"must be a non-empty list of {{{', '.join(fields)}}}")
        records = []
        for i, item in enumerate(value):
            where = f"{key}[{i}]"
            if not isinstance(item, dict) or set(item) != set(fields):
                raise self.fail(where, f"must have exactly the keys {_allowed(fields)}")
            record = {f: check(f"{where}.{f}", item[f]) for f, check in fields.items()}
            if "pattern" in record:
                record["regex"] = re.compile(str(record["pattern"]))
            records.append(record)
        return tuple(records)

    def rewrites(self, key: str, value: object) -> tuple[dict[str, object], ...]:
        return self.record_list(key, value, {"pattern": self.pattern, "replace": self.replace})

    def replace(self, key: str, value: object) -> str:
        if not isinstance(value, str):
            raise self.fail(key, f"must be a string, not {value!r}")
        return value

    def factors(self, key: str, value: object) -> tuple[dict[str, object], ...]:
        return self.record_list(key, value, {"pattern": self.pattern, "factor": self.number})

    def number(self, key: str, value: object) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise self.fail(key, f"must be a positive number, not {value!r}")
        return float(value)

    def level(self, key: str, value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(key, f"must be a whole number, not {value!r}")
        return value

    def scales(self, key: str, value: object) -> dict[str, tuple[dict[str, object], ...]]:
        table = self.mapping(key, value)
        fields = {"level": self.level, "pattern": self.pattern}
        return {
            name: self.record_list(f"{key}.{name}", rows, fields) for name, rows in table.items()
        }

    def units(self, key: str, value: object) -> tuple[str, ...]:
        units = self.words(key, value)
        for unit in units:
            if unit not in names.CANONICAL_UNITS:
                raise self.fail(
                    key, f"unknown unit {unit!r}; allowed: {_allowed(names.CANONICAL_UNITS)}"
                )
        return units

    def unit_aliases(self, key: str, value: object) -> tuple[dict[str, object], ...]:
        return self.record_list(key, value, {"units": self.units, "pattern": self.pattern})

    def context_rules(self, key: str, value: object) -> tuple[dict[str, object], ...]:
        if not isinstance(value, list) or not value:
            raise self.fail(key, "must be a non-empty list of ConText rules")
        return tuple(self.context_rule(f"{key}[{i}]", rule) for i, rule in enumerate(value))

    def context_rule(self, where: str, rule: object) -> dict[str, object]:
        if not isinstance(rule, dict):
            raise self.fail(where, "must be a mapping")
        unknown = sorted(set(rule) - set(_RULE_KEYS))
        if unknown or "literal" not in rule or "category" not in rule:
            raise self.fail(where, f"keys: {', '.join(_RULE_KEYS)} (literal and category "
                            f"required); found {sorted(rule)}")  # fmt: skip
        self.string(f"{where}.literal", rule["literal"])
        self.choice(f"{where}.category", rule["category"], names.CATEGORIES)
        self.choice(f"{where}.direction", rule.get("direction", "BIDIRECTIONAL"), names.DIRECTIONS)
        pattern = rule.get("pattern")
        if pattern is not None and (
            not isinstance(pattern, list)
            or not pattern
            or not all(isinstance(t, dict) and t for t in pattern)
        ):
            raise self.fail(f"{where}.pattern", "must be a list of spaCy token patterns")
        for field, allowed in (
            ("allowed_types", names.TARGET_LABELS),
            ("excluded_types", names.TARGET_LABELS),
            ("terminated_by", names.CATEGORIES),
        ):
            values = rule.get(field)
            if values is not None and not isinstance(values, list):
                raise self.fail(f"{where}.{field}", f"must be a list of {_allowed(allowed)}")
            for value in values or ():
                self.choice(f"{where}.{field}", value, allowed)
        for field in ("max_scope", "max_targets"):
            if field in rule and rule[field] is not None:
                self.level(f"{where}.{field}", rule[field])
        return dict(rule)

    def choice(self, key: str, value: object, allowed: frozenset[str]) -> object:
        if value not in allowed:
            raise self.fail(key, f"{value!r} is not one of {_allowed(allowed)}")
        return value


_CHECKS: Mapping[Kind, Callable[[_Checker, str, object], object]] = {
    "pattern": _Checker.pattern,
    "words": _Checker.words,
    "ints": _Checker.ints,
    "bools": _Checker.bools,
    "strings": _Checker.strings,
    "synonyms": _Checker.synonyms,
    "rewrites": _Checker.rewrites,
    "factors": _Checker.factors,
    "scales": _Checker.scales,
    "unit_aliases": _Checker.unit_aliases,
    "context_rules": _Checker.context_rules,
}
