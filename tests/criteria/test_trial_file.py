"""The trial file against its two sources: the registry page (verbatim text) and the spec
(fact dictionary and decision rules); plus internal consistency and the Rasa slot names."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.criteria import get_trial
from bot.criteria.model import Compare, Node, Trial

ROOT = Path(__file__).resolve().parents[2]
TRIAL_DIR = ROOT / "bot" / "trials" / "NCT06585514"
TRIAL_FILE = TRIAL_DIR / "criteria.yaml"
DOMAIN_FILE = ROOT / "domain.yml"
SOURCES = TRIAL_DIR / "sources"
SPEC = (SOURCES / "NCT06585514-eligibility-spec.md").read_text(encoding="utf-8")
REGISTRY = (SOURCES / "NCT06585514-registry-page.txt").read_text(encoding="utf-8")
TRIAL_TEXT = TRIAL_FILE.read_text(encoding="utf-8")
BULLET = "  • "
HEADINGS = ("Inclusion Criteria:", "Exclusion Criteria:")


@pytest.fixture(scope="module")
def trial() -> Trial:
    return get_trial("NCT06585514")


# ── the registry page ──────────────────────────────────────────────────────────────────────


def registry_lines() -> list[str]:
    """The `  • ` lines from "Inclusion Criteria:" to the end of the exclusion list."""
    lines = REGISTRY.splitlines()
    start = next(i for i, line in enumerate(lines) if line == BULLET + "Inclusion Criteria:")
    out = []
    for line in lines[start:]:
        if line.startswith(BULLET):
            out.append(line[len(BULLET) :])
        elif line.strip() and out:
            break  # the first non-bullet text after the list ends it
    return out


def test_registry_list_parsed() -> None:
    lines = registry_lines()
    assert lines[0] == "Inclusion Criteria:"
    assert "Exclusion Criteria:" in lines
    assert lines[-1].startswith("16. Any active skin disease")
    assert len(lines) > 40


@pytest.mark.parametrize("line", registry_lines())
def test_registry_line_verbatim_in_trial_file(line: str, trial: Trial) -> None:
    assert line in TRIAL_TEXT, f"registry line not verbatim in {TRIAL_FILE.name}: {line!r}"
    # Criterion lines (not the headings / preamble) belong to some criterion's registry_text.
    if line in HEADINGS or line.startswith("An individual who meets"):
        return
    holders = [c.id for c in trial.criteria if line in c.registry_text]
    assert holders, f"registry line is in no criterion's registry_text: {line!r}"


def test_registry_numbering_maps_to_criterion_ids(trial: Trial) -> None:
    """Inclusion n. → In, exclusion n. → En: registry_text starts with its number."""
    for criterion in trial.criteria:
        number = criterion.id[1:]
        assert criterion.registry_text.startswith(f"{number}. "), criterion.id
        assert criterion.kind == ("inclusion" if criterion.id[0] == "I" else "exclusion")


# ── the spec: fact dictionary ──────────────────────────────────────────────────────────────

FACT_ROW = re.compile(r"^\| `(?P<key>[a-z0-9_]+)` \| (?P<cells>.*)\|\s*$")


def spec_facts() -> dict[str, dict[str, object]]:
    rows: dict[str, dict[str, object]] = {}
    for line in SPEC.splitlines():
        match = FACT_ROW.match(line)
        if not match:
            continue
        cells = [c.strip() for c in match.group("cells").split("|")]
        if len(cells) != 4:
            continue  # e.g. the outcome table
        ftype, values, source, criteria = cells
        rows[match.group("key")] = {
            "type": ftype,
            "values": values,
            "source": source.split()[0],
            "source_text": source,
            "criteria": [c.strip() for c in criteria.split(",") if c.strip()],
        }
    return rows


SPEC_FACTS = spec_facts()


def test_spec_fact_table_parsed() -> None:
    assert len(SPEC_FACTS) >= 40
    assert SPEC_FACTS["age_years"] == {
        "type": "integer",
        "values": "years, 0–120",
        "source": "patient",
        "source_text": "patient",
        "criteria": ["I1"],
    }


@pytest.mark.parametrize("key", sorted(SPEC_FACTS))
def test_spec_fact_in_trial_with_type_and_source(key: str, trial: Trial) -> None:
    row = SPEC_FACTS[key]
    assert key in trial.facts, f"spec fact {key!r} missing from the trial file"
    fact = trial.facts[key]
    assert fact.type == row["type"], f"{key}: type {fact.type}, spec says {row['type']}"
    assert fact.source == row["source"], f"{key}: source {fact.source}, spec says {row['source']}"
    reading = set(trial.criteria_reading(key))
    assert set(row["criteria"]) <= reading, (
        f"{key}: spec says it feeds {row['criteria']}, the trial reads it in {sorted(reading)}"
    )
    if fact.type == "choice":
        values = re.findall(r"`([^`]+)`", str(row["values"]))
        assert list(fact.choices) == values, f"{key}: choices {fact.choices}, spec {values}"
    if "asked only when" in str(row["source_text"]):
        gate = re.findall(r"`([^`]+)`", str(row["source_text"]))  # e.g. sex, female
        assert fact.ask_when == Compare(fact=gate[0], op="eq", value=gate[1]), fact.ask_when
    bounds = re.search(r"(\d+)–(\d+)", str(row["values"]))
    if bounds and fact.type in ("integer", "number"):
        assert (fact.minimum, fact.maximum) == (int(bounds[1]), int(bounds[2])), key


# ── the spec: decision rules ───────────────────────────────────────────────────────────────

RULE_ROW = re.compile(r"^\| (?P<id>[IE]\d+)(?: · [^|]*)? \| (?P<rule>.*) \|\s*$")


def spec_rules() -> dict[str, dict[str, object]]:
    rules: dict[str, dict[str, object]] = {}
    for line in SPEC.splitlines():
        match = RULE_ROW.match(line)
        if not match:
            continue
        rid = match.group("id")
        entry = rules.setdefault(
            rid, {"kind": "inclusion" if rid.startswith("I") else "exclusion", "facts": set()}
        )
        entry["facts"] |= set(re.findall(r"`([a-z0-9_]+)`", match.group("rule")))  # type: ignore[operator]
    return rules


SPEC_RULES = spec_rules()


def test_spec_rule_table_parsed() -> None:
    assert sorted(SPEC_RULES, key=lambda r: (r[0] == "E", int(r[1:]))) == [
        *(f"I{n}" for n in range(1, 11)),
        *(f"E{n}" for n in range(1, 17)),
    ]


@pytest.mark.parametrize("rule_id", sorted(SPEC_RULES))
def test_spec_rule_exists_with_kind_and_facts(rule_id: str, trial: Trial) -> None:
    rule = SPEC_RULES[rule_id]
    criterion = trial.criterion(rule_id)
    assert criterion.kind == rule["kind"]
    reads: set[str] = set()
    for name in criterion.reads:
        reads |= set(trial.derived[name].facts()) if name in trial.derived else {name}
    spec_facts_named = {k for k in rule["facts"] if k in trial.facts}  # type: ignore[union-attr]
    assert reads == spec_facts_named, (
        f"{rule_id}: reads {sorted(reads)}, spec names {sorted(spec_facts_named)}"
    )


def test_trial_has_exactly_the_spec_criteria(trial: Trial) -> None:
    assert [c.id for c in trial.criteria] == [
        *(f"I{n}" for n in range(1, 11)),
        *(f"E{n}" for n in range(1, 17)),
    ]


# ── internal consistency ───────────────────────────────────────────────────────────────────


def _logic_facts(node: Node) -> list[str]:
    return list(node.facts())


@pytest.mark.parametrize("cid", [f"I{n}" for n in range(1, 11)] + [f"E{n}" for n in range(1, 17)])
def test_reads_equals_logic_facts(cid: str, trial: Trial) -> None:
    criterion = trial.criterion(cid)
    assert len(set(criterion.reads)) == len(criterion.reads), f"{cid}: duplicate reads"
    assert set(criterion.reads) == set(_logic_facts(criterion.logic)), cid


def test_askable_facts_have_wording(trial: Trial) -> None:
    for fact in trial.facts.values():
        if fact.askable:
            for attr in ("question_self", "question_guardian", "why"):
                value = getattr(fact, attr)
                assert isinstance(value, str) and value.strip(), f"{fact.key}: no {attr}"
            if fact.type != "boolean":  # yes/no facts use the catalog's default hint
                assert fact.hint and fact.hint.strip(), f"{fact.key}: no hint"
            assert fact.question_self != fact.question_guardian, f"{fact.key}: same wording"
        else:
            assert fact.question_self is None, f"{fact.key} ({fact.source}) must not be asked"


def test_raw_yaml_reads_are_derived_from_logic() -> None:
    """`reads` is derived from the logic; a criterion that still declares it must match."""
    raw = yaml.safe_load(TRIAL_TEXT)

    def walk(node: object) -> set[str]:
        if isinstance(node, dict):
            found = {str(node["fact"])} if "fact" in node else set()
            for value in node.values():
                found |= walk(value)
            return found
        if isinstance(node, list):
            return set().union(*(walk(item) for item in node)) if node else set()
        return set()

    trial = get_trial("NCT06585514")
    for criterion in raw["criteria"]:
        derived = set(trial.criterion(criterion["id"]).reads)
        assert derived == walk(criterion["logic"]), criterion["id"]
        if "reads" in criterion:
            assert set(criterion["reads"]) == derived, criterion["id"]


# ── Rasa domain ────────────────────────────────────────────────────────────────────────────


def test_domain_slots_named_like_facts(trial: Trial) -> None:
    if not DOMAIN_FILE.exists():
        pytest.skip("domain.yml does not exist yet")
    text = DOMAIN_FILE.read_text(encoding="utf-8")
    if not re.search(r"^slots:", text, re.MULTILINE):
        pytest.skip("domain.yml has no slots: yet")
    domain = yaml.safe_load(text) or {}
    slots = domain.get("slots") or {}
    if not slots:
        pytest.skip("domain.yml has an empty slots: section")
    missing = [key for key in trial.facts if key not in slots]
    assert not missing, f"domain.yml has no slot for fact(s) {missing}"
