"""Numeric answers: digits and words, separators, units, conversions, plausibility, ranges."""

from __future__ import annotations

import pytest

from bot.answers.numbers import prepare, to_float, words_to_digits

from .support import Case, check

AGE: list[Case] = [
    ("age_years", "34", "value", 34),
    ("age_years", "thirty-four", "value", 34),
    ("age_years", "thirty four", "value", 34),
    ("age_years", "Thirty Four", "value", 34),
    ("age_years", "a hundred and twenty", "value", 120),
    ("age_years", "one hundred and five", "value", 105),
    ("age_years", "I'm 34 years old", "value", 34),
    ("age_years", "im 34", "value", 34),
    ("age_years", "age 34", "value", 34),
    ("age_years", "34 yo", "value", 34),
    ("age_years", "34yo", "value", 34),
    ("age_years", "34 y/o", "value", 34),
    ("age_years", "34 yrs", "value", 34),
    ("age_years", "around 40", "value", 40),
    ("age_years", "~30", "value", 30),
    ("age_years", "I am forty-two years old.", "value", 42),
    ("age_years", "0", "value", 0),
    ("age_years", "seven", "value", 7),
    ("age_years", "34 (thirty-four)", "value", 34),
    ("age_years", "34.5", "invalid", None),
    ("age_years", "34 and a half", "invalid", None),
    ("age_years", "300", "invalid", None),
    ("age_years", "age 300", "invalid", None),
    ("age_years", "-5", "invalid", None),
    ("age_years", "minus 5", "invalid", None),
    ("age_years", "5 kg", "invalid", None),
    ("age_years", "banana", "invalid", None),
    ("age_years", "30-35", "invalid", None),
    ("age_years", "over 40", "invalid", None),
    ("age_years", "I'm 34, my son is 5", "invalid", None),
    ("age_years", "99999999999999999999999", "invalid", None),
]

LABS: list[Case] = [
    # lymphocytes (×10⁹/L; /µL ÷1000; ×10³/µL ÷1)
    ("lymphocytes_10e9_l", "1,400 per microliter", "value", 1.4),
    ("lymphocytes_10e9_l", "1400 /ul", "value", 1.4),
    ("lymphocytes_10e9_l", "1400 cells/µL", "value", 1.4),
    ("lymphocytes_10e9_l", "1.4", "value", 1.4),
    ("lymphocytes_10e9_l", "1.4 x10^9/L", "value", 1.4),
    ("lymphocytes_10e9_l", "1.4 x 10*9/l", "value", 1.4),
    ("lymphocytes_10e9_l", "1.4 ×10⁹/L", "value", 1.4),
    ("lymphocytes_10e9_l", "1.4 10^9/l", "value", 1.4),
    ("lymphocytes_10e9_l", "1400", "value", 1.4),
    ("lymphocytes_10e9_l", "1.4 thousand", "value", 1.4),
    ("lymphocytes_10e9_l", "1.4 k/ul", "value", 1.4),
    ("lymphocytes_10e9_l", "1.4 thousand per microliter", "value", 1.4),
    ("lymphocytes_10e9_l", "0.8", "value", 0.8),
    ("lymphocytes_10e9_l", "800 per microlitre", "value", 0.8),
    ("lymphocytes_10e9_l", "one thousand four hundred", "value", 1.4),
    ("lymphocytes_10e9_l", "1,4", "value", 1.4),
    ("lymphocytes_10e9_l", "14%", "invalid", None),
    ("lymphocytes_10e9_l", "900000", "invalid", None),
    # glucose (mmol/L; mg/dL ÷18.016)
    ("fasting_glucose_mmol_l", "126 mg/dL", "value", 6.99),
    ("fasting_glucose_mmol_l", "126 mg per dl", "value", 6.99),
    ("fasting_glucose_mmol_l", "126 milligrams per decilitre", "value", 6.99),
    ("fasting_glucose_mmol_l", "126 mg", "value", 6.99),
    ("fasting_glucose_mmol_l", "7.2 mmol/L", "value", 7.2),
    ("fasting_glucose_mmol_l", "7.2 mmol", "value", 7.2),
    ("fasting_glucose_mmol_l", "7.2", "value", 7.2),
    ("fasting_glucose_mmol_l", "180", "value", 9.99),
    ("fasting_glucose_mmol_l", "126", "value", 6.99),
    ("fasting_glucose_mmol_l", "my fasting glucose was 5.4", "value", 5.4),
    ("fasting_glucose_mmol_l", "7.2 mmol/L (130 mg/dL)", "value", 7.2),
    ("fasting_glucose_mmol_l", "7.2 or 9", "invalid", None),
    ("postprandial_glucose_mmol_l", "16.5", "value", 16.5),
    ("postprandial_glucose_mmol_l", "300 mg/dl", "value", 16.65),
    # creatinine (mg/dL; µmol/L ÷88.42)
    ("serum_creatinine_mg_dl", "80 umol/L", "value", 0.9),
    ("serum_creatinine_mg_dl", "80 µmol/L", "value", 0.9),
    ("serum_creatinine_mg_dl", "80 micromol/l", "value", 0.9),
    ("serum_creatinine_mg_dl", "80", "value", 0.9),
    ("serum_creatinine_mg_dl", "0.9", "value", 0.9),
    ("serum_creatinine_mg_dl", "0,9", "value", 0.9),
    ("serum_creatinine_mg_dl", ".9", "value", 0.9),
    ("serum_creatinine_mg_dl", "1.1 mg/dl", "value", 1.1),
    ("serum_creatinine_mg_dl", "120 umol", "value", 1.36),
    ("serum_creatinine_mg_dl", "5 kg", "invalid", None),
    # HbA1c, eGFR, QTcF, LVEF, anti-dsDNA
    ("hba1c_percent", "8.6%", "value", 8.6),
    ("hba1c_percent", "8.6 percent", "value", 8.6),
    ("hba1c_percent", "HbA1c 8.6", "value", 8.6),
    ("hba1c_percent", "eight point six", "value", 8.6),
    ("hba1c_percent", "70 mmol/mol", "invalid", None),
    ("egfr_ml_min", "45", "value", 45.0),
    ("egfr_ml_min", "45 ml/min", "value", 45.0),
    ("egfr_ml_min", "45 mL/min/1.73 m²", "value", 45.0),
    ("egfr_ml_min", "eGFR 45 ml/min/1.73m2", "value", 45.0),
    ("egfr_ml_min", "0", "invalid", None),
    ("qtcf_ms", "450 ms", "value", 450.0),
    ("qtcf_ms", "450ms", "value", 450.0),
    ("qtcf_ms", "450 milliseconds", "value", 450.0),
    ("qtcf_ms", "45", "invalid", None),
    ("lvef_percent", "55%", "value", 55.0),
    ("lvef_percent", "55 percent", "value", 55.0),
    ("lvef_percent", "EF 40", "value", 40.0),
    ("anti_dsdna_iu_ml", "45 IU/ml", "value", 45.0),
    ("anti_dsdna_iu_ml", "45 units", "value", 45.0),
    ("anti_dsdna_iu_ml", "about 200", "value", 200.0),
]

DOSES: list[Case] = [
    ("glucocorticoid_mg_per_day", "about 15 mg", "value", 15.0),
    ("glucocorticoid_mg_per_day", "7.5", "value", 7.5),
    ("glucocorticoid_mg_per_day", "7½ mg", "value", 7.5),
    ("glucocorticoid_mg_per_day", "7 1/2 mg", "value", 7.5),
    ("glucocorticoid_mg_per_day", "10 mg a day", "value", 10.0),
    ("glucocorticoid_mg_per_day", "10 mg daily", "value", 10.0),
    ("glucocorticoid_mg_per_day", "10mg/d", "value", 10.0),
    ("glucocorticoid_mg_per_day", "10 milligrams", "value", 10.0),
    ("glucocorticoid_mg_per_day", "prednisone 20 mg per day", "value", 20.0),
    ("glucocorticoid_mg_per_day", "roughly 8", "value", 8.0),
    ("glucocorticoid_mg_per_day", "5mg twice a day", "value", 10.0),
    ("glucocorticoid_mg_per_day", "none", "value", 0.0),
    ("glucocorticoid_mg_per_day", "I'm not taking any steroids", "value", 0.0),
    ("glucocorticoid_mg_per_day", "zero", "value", 0.0),
    ("glucocorticoid_mg_per_day", "between 10 and 15 mg", "invalid", None),
    ("glucocorticoid_mg_per_day", "10-15", "invalid", None),
    ("glucocorticoid_mg_per_day", "10 to 15 mg", "invalid", None),
    ("glucocorticoid_mg_per_day", "less than 5 mg", "invalid", None),
    ("glucocorticoid_mg_per_day", "7.5 mg/kg/day", "invalid", None),
    ("glucocorticoid_mg_per_day", "-10", "invalid", None),
    ("glucocorticoid_mg_per_day", "maybe", "unknown", None),
]


@pytest.mark.parametrize(("key", "text", "status", "value"), AGE + LABS + DOSES)
def test_numeric_answers(key: str, text: str, status: str, value: object) -> None:
    check(key, text, status, value)


def test_converted_values_record_source_unit() -> None:
    parsed = check("fasting_glucose_mmol_l", "126 mg/dL", "value", 6.99)
    assert parsed.unit == "mmol/L"
    assert parsed.source_unit == "mg/dL"
    parsed = check("serum_creatinine_mg_dl", "80", "value", 0.9)
    assert parsed.source_unit == "µmol/L"
    parsed = check("lymphocytes_10e9_l", "1400", "value", 1.4)
    assert parsed.source_unit == "/µL"
    parsed = check("serum_creatinine_mg_dl", "0.9", "value", 0.9)
    assert parsed.unit == "mg/dL"
    assert parsed.source_unit is None


def test_out_of_range_hint_names_the_range() -> None:
    parsed = check("age_years", "age 300", "invalid")
    assert parsed.hint is not None
    assert "0 to 120" in parsed.hint


def test_range_hint_asks_for_one_number() -> None:
    parsed = check("glucocorticoid_mg_per_day", "between 10 and 15 mg", "invalid")
    assert parsed.hint is not None
    assert "one number" in parsed.hint


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("thirty-four", "34"),
        ("a hundred and twenty", "120"),
        ("two thousand and five", "2005"),
        ("one point four", "1.4"),
        ("between ten and fifteen", "between 10 and 15"),
        ("no one", "no 1"),
        ("a dozen", "12"),
        ("thousand", "thousand"),
    ],
)
def test_words_to_digits(text: str, expected: str) -> None:
    assert words_to_digits(text) == expected


@pytest.mark.parametrize(
    ("literal", "value"),
    [("1,400", 1400.0), ("0,9", 0.9), ("1.4", 1.4), (".9", 0.9), ("12,345,678", 12345678.0)],
)
def test_to_float(literal: str, value: float) -> None:
    assert to_float(literal) == value


def test_prepare_fractions() -> None:
    assert prepare("7½") == "7.5"
    assert prepare("seven and a half") == "7.5"
