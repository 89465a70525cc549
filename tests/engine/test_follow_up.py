"""Follow-up flags (spec §4): only for needs_review, only facts that can still change a deciding
criterion, kind by source."""

from __future__ import annotations

import pytest

from bot.engine import assess

from .support import ELIGIBLE, TRIAL, without

#: spec §2: the flag kind a still-unknown fact becomes, by its source.
SPEC_KIND = {"patient": "clinician", "lab-asked": "lab", "lab": "lab", "clinician": "clinician"}


def flags(facts: dict) -> dict[str, tuple[str, tuple[str, ...]]]:
    result = assess(TRIAL, facts)
    return {f.fact: (f.kind, f.criteria) for f in result.follow_up}


@pytest.mark.parametrize(
    ("key", "source", "kind"),
    [
        ("severe_allergy", "patient", "clinician"),
        ("lymphocytes_10e9_l", "lab-asked", "lab"),
        ("cd19_b_cells", "lab", "lab"),
        ("life_expectancy_over_90d", "clinician", "clinician"),
    ],
)
def test_kind_by_source(key: str, source: str, kind: str) -> None:
    assert TRIAL.facts[key].source == source
    result = assess(TRIAL, {**ELIGIBLE, key: None})
    assert result.outcome == "needs_review"
    assert [(f.fact, f.kind) for f in result.follow_up] == [(key, kind)]


def test_every_flag_kind_follows_the_spec_table() -> None:
    facts = {k: None for k in TRIAL.facts}  # everything asked, nothing known
    result = assess(TRIAL, facts)
    assert result.outcome == "needs_review"
    assert result.follow_up
    for flag in result.follow_up:
        assert flag.kind == SPEC_KIND[TRIAL.facts[flag.fact].source], flag


def test_one_flag_per_fact_naming_every_criterion_it_can_change() -> None:
    got = flags(
        {**ELIGIBLE, "apheresis_contraindicated": None, "can_stop_immunosuppressants": None}
    )
    assert got == {
        "can_stop_immunosuppressants": ("clinician", ("I5", "E15")),
        "apheresis_contraindicated": ("clinician", ("I6", "E13")),
    }


def test_hba1c_never_flagged_when_not_diabetic() -> None:
    facts = {
        **ELIGIBLE,
        "diabetes": False,
        "hba1c_percent": None,
        "fasting_glucose_mmol_l": None,
        "postprandial_glucose_mmol_l": None,
        "cd19_b_cells": None,
    }
    assert flags(facts) == {"cd19_b_cells": ("lab", ("I5",))}


def test_pregnancy_never_flagged_for_a_male() -> None:
    facts = {**ELIGIBLE, "sex": "male", "pregnant_or_breastfeeding": None, "cd19_b_cells": None}
    assert "pregnant_or_breastfeeding" not in flags(facts)


def test_creatinine_not_flagged_for_a_child_nor_when_egfr_known() -> None:
    child = {**ELIGIBLE, "age_years": 12, "egfr_ml_min": None, "serum_creatinine_mg_dl": None}
    assert flags(child) == {"egfr_ml_min": ("lab", ("E14",))}
    adult = {**ELIGIBLE, "serum_creatinine_mg_dl": None, "cd19_b_cells": None}
    assert "serum_creatinine_mg_dl" not in flags(adult)


def test_settled_route_facts_not_flagged() -> None:
    # I4 met by the SLE route: unknown nephritis facts do not matter.
    facts = {**ELIGIBLE, "lupus_nephritis": None, "biopsy_class": None, "cd19_b_cells": None}
    assert flags(facts) == {"cd19_b_cells": ("lab", ("I5",))}
    # I3 met by ANA: an unknown anti-dsDNA does not matter.
    assert flags({**ELIGIBLE, "anti_dsdna_iu_ml": None, "cd19_b_cells": None}) == {
        "cd19_b_cells": ("lab", ("I5",))
    }


def test_no_flags_unless_needs_review() -> None:
    assert assess(TRIAL, ELIGIBLE).follow_up == ()  # likely_eligible
    assert (
        assess(TRIAL, {**ELIGIBLE, "dic": True, "cd19_b_cells": None}).follow_up == ()
    )  # ineligible
    incomplete = assess(TRIAL, without(ELIGIBLE, "lymphocytes_10e9_l", "cd19_b_cells"))
    assert incomplete.outcome == "incomplete" and incomplete.follow_up == ()


def test_flagged_facts_are_unknown_and_resolving_them_reruns_the_engine() -> None:
    facts = without(ELIGIBLE, "cd19_b_cells", "qtcf_ms", "lvef_percent")
    facts["lymphocytes_10e9_l"] = None
    result = assess(TRIAL, facts)
    assert result.outcome == "needs_review"
    assert {f.fact for f in result.follow_up} == {
        "cd19_b_cells",
        "qtcf_ms",
        "lvef_percent",
        "lymphocytes_10e9_l",
    }
    for flag in result.follow_up:
        assert facts.get(flag.fact) is None
    # Staff enter the values: the engine re-runs and the flags go away.
    resolved = {
        **facts,
        "cd19_b_cells": True,
        "qtcf_ms": 430,
        "lvef_percent": 55,
        "lymphocytes_10e9_l": 2.0,
    }
    after = assess(TRIAL, resolved)
    assert (after.outcome, after.follow_up) == ("likely_eligible", ())
    # One value that fails ends it: ineligible, no flags left.
    failing = assess(TRIAL, {**facts, "qtcf_ms": 480})
    assert (failing.outcome, failing.follow_up) == ("ineligible", ())


def test_flag_order_follows_the_fact_dictionary_and_as_dict_shape() -> None:
    result = assess(TRIAL, {k: None for k in TRIAL.facts})
    order = list(TRIAL.facts)
    keys = [f.fact for f in result.follow_up]
    assert keys == sorted(keys, key=order.index)
    for flag in result.as_dict()["follow_up"]:
        assert set(flag) == {"fact", "kind", "criteria"}
        assert isinstance(flag["criteria"], list)
