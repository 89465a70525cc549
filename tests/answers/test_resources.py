"""The parser's per-language resource files (``bot/answers/resources/<lang>/*.yaml``).

Every language has the same files with the same keys; a malformed file fails at load,
naming the file and the key; and the parser really reads them (a word planted in a
resource set changes what an answer means).
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from bot.answers import lexicon as lexicon_module
from bot.answers import parse_answer
from bot.answers.lexicon import RESOURCES, SCHEMA, ResourceError, languages, load
from bot.criteria.model import SCALES

from .conftest import FACTS


def _keys(path: Path) -> set[str]:
    return set(yaml.safe_load(path.read_text(encoding="utf-8")))


def test_english_is_the_first_language() -> None:
    assert languages()[0] == "en"


@pytest.mark.parametrize("language", languages())
def test_every_language_has_the_same_files_and_keys(language: str) -> None:
    folder = RESOURCES / language
    assert {p.stem for p in folder.glob("*.yaml")} == set(SCHEMA)
    reference = RESOURCES / languages()[0]
    for name, keys in SCHEMA.items():
        assert _keys(folder / f"{name}.yaml") == set(keys), name
        assert _keys(folder / f"{name}.yaml") == _keys(reference / f"{name}.yaml"), name
    assert load(language).language == language


@pytest.mark.parametrize("language", languages())
def test_every_named_scale_has_everyday_descriptions(language: str) -> None:
    described = load(language).table("scales", "scales")
    for scale in SCALES:
        levels = [row["level"] for row in described[scale]]
        assert levels and len(set(levels)) == len(levels), (language, scale)


# ── a malformed file fails at load, naming the file and the key ───────────────────────────


@pytest.fixture
def resource_copy(tmp_path: Path) -> Path:
    """A copy of the English resources in a temporary root (``<tmp>/en``)."""
    shutil.copytree(RESOURCES / "en", tmp_path / "en")
    return tmp_path


def _edit(root: Path, name: str, change: str, old: str | None = None) -> None:
    """Replace `old` (or append `change`) in ``<root>/en/<name>.yaml``."""
    path = root / "en" / f"{name}.yaml"
    text = path.read_text(encoding="utf-8")
    if old is None:
        text += change
    else:
        assert old in text, (name, old)
        text = text.replace(old, change, 1)
    path.write_text(text, encoding="utf-8")


BROKEN = [
    # (file, what to replace, replacement (or appended), the key named, words of the message)
    ("yesno", "unsure: '", "unsure: '(unclosed", "unsure", "not a valid regular expression"),
    ("yesno", None, "colour: 'red'\n", "colour", "unknown key"),
    ("titre", "ratio:", "ration:", "ration", "unknown key"),
    ("labels", "stop_words: [", "stop_words: 3\nx: [", "x", "unknown key"),
    ("numbers", "small: {'zero': 0,", "small: {'zero': nil,", "small.zero", "whole number"),
    ("yesno", "whole: {'y': true,", "whole: {'y': 'yes please',", "whole.y", "true or false"),
    ("units", "  - units: ['other']", "  - units: ['furlong']", "aliases[0].units", "unknown unit"),
    ("units", "{mg}\\s*/\\s*kg", "{milligram}\\s*/\\s*kg", "aliases[0].pattern", "fragment"),
    ("context", "category: NEGATED_EXISTENCE", "category: DENIED", "context_rules[0].category",
     "is not one of"),
    ("context", "direction: FORWARD", "direction: SIDEWAYS", "context_rules[0].direction",
     "is not one of"),
    ("context", "allowed_types: ['TOPIC']", "allowed_types: ['TOPICS']",
     "context_rules[0].allowed_types", "is not one of"),
    ("context", 'pattern: [{"LOWER": "never"}]', "pattern: []", "context_rules[2].pattern",
     "token patterns"),
    ("context", "  - literal: 'no'\n", "  - literal: 'no'\n    max_scope: far\n",
     "context_rules[0].max_scope", "whole number"),
    ("context", "  - literal: 'no'\n", "  - literal: 'no'\n    scope: 3\n", "context_rules[0]",
     "found ['allowed_types', 'category', 'direction', 'literal', 'pattern', 'scope']"),
    ("quantities", "factor: 2", "factor: -2", "frequencies[0].factor", "positive number"),
    ("durations", "replace: '2 weeks'", "replacement: '2 weeks'", "rewrites[0]", "keys"),
    ("scales", "level: 4", "level: four", "scales.ecog[0].level", "whole number"),
    ("choices", "class_words: ['class']", "class_words: []", "class_words", "non-empty"),
    ("text", "contractions:", "contractions: [[", "-", "not valid YAML"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "old", "new", "key", "problem"), BROKEN)
def test_a_malformed_file_fails_at_load_naming_file_and_key(
    resource_copy: Path, name: str, old: str | None, new: str, key: str, problem: str
) -> None:
    _edit(resource_copy, name, new, old)
    with pytest.raises(ResourceError) as raised:
        load("en", resource_copy)
    message = str(raised.value)
    assert f"{name}.yaml" in message and f": {key}:" in message, message
    assert problem in message, message
    assert raised.value.key == key


def test_a_missing_key_names_what_is_required(resource_copy: Path) -> None:
    path = resource_copy / "en" / "titre.yaml"
    path.write_text("ratio: '1:(\\d+)'\npositive: 'pos'\n", encoding="utf-8")
    with pytest.raises(ResourceError, match=r"titre\.yaml: negative: missing key; required: "):
        load("en", resource_copy)


def test_a_missing_or_extra_file_fails_at_load(resource_copy: Path) -> None:
    (resource_copy / "en" / "hedges.yaml").write_text("words: [maybe]\n", encoding="utf-8")
    with pytest.raises(ResourceError, match=r"unknown files \['hedges\.yaml'\]"):
        load("en", resource_copy)
    (resource_copy / "en" / "hedges.yaml").unlink()
    (resource_copy / "en" / "units.yaml").unlink()
    with pytest.raises(ResourceError, match=r"units\.yaml: -: missing file"):
        load("en", resource_copy)


def test_an_unaltered_copy_loads(resource_copy: Path) -> None:
    assert load("en", resource_copy).data == load("en").data


# ── the parser reads the resources ────────────────────────────────────────────────────────


def _clear_parser_caches() -> None:
    """Forget every cached reading of a language (an earlier test may have read "xx" as the
    English fallback)."""
    for name, module in list(sys.modules.items()):
        if not name.startswith("bot.answers"):
            continue
        for value in list(vars(module).values()):
            clear = getattr(value, "cache_clear", None)
            if callable(clear):
                clear()


@pytest.fixture
def planted(resource_copy: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A resource set for a made-up language "xx" (English with changes), used by the parser."""
    shutil.copytree(resource_copy / "en", resource_copy / "xx")
    monkeypatch.setattr(lexicon_module, "RESOURCES", resource_copy)
    _clear_parser_caches()
    yield resource_copy / "xx"
    _clear_parser_caches()


def _plant(folder: Path, name: str, old: str, new: str) -> None:
    path = folder / f"{name}.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_planted_yes_word_is_a_yes(planted: Path) -> None:
    _plant(planted, "yesno", "'yes':\n", "'yes':\n  - 'banana'\n")
    english, planted_fact = FACTS["diabetes"], replace(FACTS["diabetes"], language="xx")
    assert parse_answer("banana", english).status == "invalid"
    parsed = parse_answer("banana", planted_fact)
    assert (parsed.status, parsed.value, parsed.language) == ("value", True, "xx")


def test_planted_number_words_and_units_are_read(planted: Path) -> None:
    _plant(planted, "numbers", "'thirty': 30,", "'thirty': 30, 'trente': 30,")
    _plant(planted, "units", "      - 'years?\\s+old'", "      - 'ans'\n      - 'years?\\s+old'")
    age = replace(FACTS["age_years"], language="xx")
    parsed = parse_answer("trente-four ans", age)
    assert (parsed.status, parsed.value, parsed.span) == ("value", 34, (0, 15))
    assert parse_answer("trente-four ans", FACTS["age_years"]).value == 4  # "four" only
    assert parse_answer("34 kg", age).status == "invalid"  # the other units are still known


def test_a_planted_context_rule_changes_a_yes_no_answer(planted: Path) -> None:
    _plant(planted, "context", "'sibling', 'siblings'", "'sibling', 'siblings', 'neighbour'")
    text = "my neighbour has diabetes"
    assert parse_answer(text, FACTS["diabetes"]).value is True
    assert parse_answer(text, replace(FACTS["diabetes"], language="xx")).status != "value"


def test_a_planted_scale_description_is_read(planted: Path) -> None:
    _plant(planted, "scales", "      pattern:\n", "      pattern:\n        - 'couch potato'\n")
    ecog = replace(FACTS["ecog"], language="xx")
    assert parse_answer("a couch potato", ecog).value == 4
    assert parse_answer("a couch potato", FACTS["ecog"]).status == "invalid"
