"""Clinical calculators and unit normalisation (pure functions, no I/O).

eGFR uses the CKD-EPI 2021 race-free creatinine equation (Inker et al., NEJM 2021):
142 × min(Scr/κ, 1)^α × max(Scr/κ, 1)^−1.200 × 0.9938^age × 1.012 [female],
κ = 0.7 (female) / 0.9 (male), α = −0.241 (female) / −0.302 (male). Adults only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

GLUCOSE_MG_DL_PER_MMOL_L = 18.016
CREATININE_UMOL_L_PER_MG_DL = 88.42
ADULT_AGE_YEARS = 18


def ckd_epi_2021(creatinine_mg_dl: float, age_years: int, sex: str) -> float | None:
    """eGFR in mL/min/1.73 m² for adults; None when the equation does not apply (age < 18)."""
    if age_years < ADULT_AGE_YEARS or creatinine_mg_dl <= 0 or sex not in ("female", "male"):
        return None
    female = sex == "female"
    kappa = 0.7 if female else 0.9
    alpha = -0.241 if female else -0.302
    ratio = creatinine_mg_dl / kappa
    egfr: float = 142 * min(ratio, 1.0) ** alpha * max(ratio, 1.0) ** -1.200 * 0.9938**age_years
    return egfr * (1.012 if female else 1.0)


def glucose_mg_dl_to_mmol_l(mg_dl: float) -> float:
    """Blood glucose: mg/dL ÷ 18.016 = mmol/L."""
    return mg_dl / GLUCOSE_MG_DL_PER_MMOL_L


def creatinine_umol_l_to_mg_dl(umol_l: float) -> float:
    """Serum creatinine: µmol/L ÷ 88.42 = mg/dL."""
    return umol_l / CREATININE_UMOL_L_PER_MG_DL


def lymphocytes_per_ul_to_10e9_l(per_ul: float) -> float:
    """Lymphocyte count: cells/µL ÷ 1000 = ×10⁹/L (×10³/µL is the same as ×10⁹/L)."""
    return per_ul / 1000


_TITER = re.compile(r"^\s*1\s*[:/]\s*(\d+)\s*$")


def titer_to_reciprocal(text: str) -> int | None:
    """ "1:320" → 320, "negative" → 0, "320" → 320; None when it is not a titre."""
    cleaned = text.strip().lower()
    if cleaned in ("negative", "neg", "neg.", "-"):
        return 0
    match = _TITER.match(cleaned)
    if match:
        value = int(match.group(1))
        return value if value > 0 else None
    if cleaned.isdigit():
        return int(cleaned)
    return None


def ckd_epi_2021_applies(age_years: int | None) -> bool | None:
    """Whether the adult equation can apply: None while the age is unknown."""
    return None if age_years is None else age_years >= ADULT_AGE_YEARS


@dataclass(frozen=True)
class Derivation:
    """A named calculator a trial file may use for a derived value.

    `applies` tells, from the inputs known so far, whether the calculator can ever give a value
    (True / False), or None while that is not yet known; the planner uses it so that it never
    asks for an input that could not be used (creatinine for a child, say).
    """

    function: Callable[..., float | None]
    params: tuple[str, ...]
    description: str
    applies: Callable[[Mapping[str, Any]], bool | None]


#: the closed table of calculators a trial file's `derived:` section may name.
DERIVATIONS: Mapping[str, Derivation] = {
    "ckd_epi_2021": Derivation(
        ckd_epi_2021,
        ("creatinine_mg_dl", "age_years", "sex"),
        "CKD-EPI 2021 race-free creatinine equation (adults ≥ 18 years)",
        lambda known: ckd_epi_2021_applies(known.get("age_years")),
    ),
}


def derive(name: str, inputs: Mapping[str, Any]) -> float | None:
    """Run calculator `name` on known inputs; None when any input is unknown."""
    derivation = DERIVATIONS[name]
    if any(inputs.get(param) is None for param in derivation.params):
        return None
    result: float | None = derivation.function(**{p: inputs[p] for p in derivation.params})
    return result
