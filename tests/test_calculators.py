"""CKD-EPI 2021 and unit helpers against reference values computed by hand."""

from __future__ import annotations

import itertools

import pytest

from bot.calculators import (
    DERIVATIONS,
    ckd_epi_2021,
    ckd_epi_2021_applies,
    creatinine_umol_l_to_mg_dl,
    derive,
    glucose_mg_dl_to_mmol_l,
    lymphocytes_per_ul_to_10e9_l,
    titer_to_reciprocal,
)


@pytest.mark.parametrize(
    ("sex", "age", "creatinine", "expected"),
    [
        ("female", 55, 0.9, 75.5),
        ("male", 50, 1.0, 91.7),
        ("male", 65, 2.0, 36.4),
        ("female", 60, 1.2, 51.8),
        # min(Scr/κ, 1)^α branch (creatinine below κ): 142 × 1.08447 × 0.82979 × 1.012
        ("female", 30, 0.5, 129.3),
        # the golden file's edge cases around 30
        ("male", 50, 2.5, 30.5),
        ("male", 50, 2.6, 29.1),
        ("female", 18, 3.0, 22.4),
    ],
)
def test_ckd_epi_2021_reference_values(
    sex: str, age: int, creatinine: float, expected: float
) -> None:
    assert ckd_epi_2021(creatinine, age, sex) == pytest.approx(expected, abs=0.1)


def test_ckd_epi_at_kappa_is_the_same_from_both_branches() -> None:
    # At Scr = κ both power terms are 1: 142 × 0.9938^age (× 1.012 for women).
    assert ckd_epi_2021(0.9, 40, "male") == pytest.approx(142 * 0.9938**40)
    assert ckd_epi_2021(0.7, 40, "female") == pytest.approx(142 * 0.9938**40 * 1.012)


def test_ckd_epi_adults_only_and_bad_inputs() -> None:
    assert ckd_epi_2021(1.0, 17, "male") is None
    assert ckd_epi_2021(0.5, 3, "female") is None
    assert ckd_epi_2021(1.0, 18, "male") is not None
    assert ckd_epi_2021(0.0, 40, "male") is None
    assert ckd_epi_2021(1.0, 40, "other") is None


def test_ckd_epi_decreases_with_creatinine_and_age() -> None:
    values = [ckd_epi_2021(c / 10, 40, "female") for c in range(3, 100)]
    assert all(a > b for a, b in itertools.pairwise(values))
    assert ckd_epi_2021(1.0, 30, "male") > ckd_epi_2021(1.0, 60, "male")


def test_applies_and_derive() -> None:
    assert ckd_epi_2021_applies(None) is None
    assert ckd_epi_2021_applies(17) is False
    assert ckd_epi_2021_applies(18) is True
    assert set(DERIVATIONS) == {"ckd_epi_2021"}
    assert DERIVATIONS["ckd_epi_2021"].params == ("creatinine_mg_dl", "age_years", "sex")
    inputs = {"creatinine_mg_dl": 0.9, "age_years": 55, "sex": "female"}
    assert derive("ckd_epi_2021", inputs) == pytest.approx(75.5, abs=0.1)
    assert derive("ckd_epi_2021", {**inputs, "sex": None}) is None
    assert derive("ckd_epi_2021", {"creatinine_mg_dl": 0.9}) is None


def test_glucose_mg_dl_to_mmol_l() -> None:
    assert glucose_mg_dl_to_mmol_l(126) == pytest.approx(6.99, abs=0.005)
    assert glucose_mg_dl_to_mmol_l(18.016) == pytest.approx(1.0)


def test_creatinine_umol_l_to_mg_dl() -> None:
    assert creatinine_umol_l_to_mg_dl(80) == pytest.approx(0.90, abs=0.005)
    assert creatinine_umol_l_to_mg_dl(88.42) == pytest.approx(1.0)


def test_lymphocytes_per_ul() -> None:
    assert lymphocytes_per_ul_to_10e9_l(1400) == pytest.approx(1.4)
    assert lymphocytes_per_ul_to_10e9_l(1000) == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1:320", 320),
        ("1:80", 80),
        (" 1 : 160 ", 160),
        ("1/640", 640),
        ("320", 320),
        ("negative", 0),
        ("Negative", 0),
        ("neg", 0),
        ("1:0", None),
        ("positive", None),
        ("", None),
        ("1:abc", None),
    ],
)
def test_titer_to_reciprocal(text: str, expected: int | None) -> None:
    assert titer_to_reciprocal(text) == expected
