"""Test FactSpecs mirroring the NCT06585514 fact dictionary (spec §2), with plausible ranges.

The tests import ``FACTS``/``FACT_LIST`` from here; the ``facts`` fixture offers the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from bot.criteria.model import FactSpec

ECOG_LABELS = {
    "0": "Fully active, able to do everything as before the illness",
    "1": "Can't do strenuous activity but can walk and do light work (housework, office work)",
    "2": "Can look after yourself but can't work; up and about more than half the day",
    "3": "Only limited self-care; in bed or a chair more than half the day",
    "4": "Completely disabled; cannot look after yourself at all; totally in bed or a chair",
}

BIOPSY_LABELS = {
    "I": "Class I (minimal mesangial)",
    "II": "Class II (mesangial proliferative)",
    "III": "Class III (focal)",
    "IV": "Class IV (diffuse)",
    "V": "Class V (membranous)",
    "V+III": "Class V with class III",
    "V+IV": "Class V with class IV",
    "VI": "Class VI (advanced sclerosing)",
}


def _fact(key: str, type_: str, source: str = "patient", **kw: Any) -> FactSpec:
    return FactSpec(key=key, type=type_, source=source, label=key, description=key, **kw)  # type: ignore[arg-type]


def _bool(key: str, terms: tuple[str, ...], timeframe: str | None = None) -> FactSpec:
    return _fact(key, "boolean", terms=terms, timeframe=timeframe)


FACT_LIST: tuple[FactSpec, ...] = (
    _fact("age_years", "integer", unit="years", minimum=0, maximum=120,
          terms=("age", "years old", "birthday")),
    _fact("sex", "choice", choices=("female", "male"),
          value_labels={"female": "Female", "male": "Male"}, terms=("sex", "gender")),
    _bool("sle_diagnosed", ("lupus", "sle", "systemic lupus erythematosus"), "ever"),
    _fact("ana_titer", "integer", "lab-asked", unit="titer", minimum=0, maximum=100000,
          terms=("ana", "antinuclear antibody", "antinuclear antibodies")),
    _fact("anti_dsdna_iu_ml", "number", "lab-asked", unit="IU/mL", minimum=0, maximum=10000,
          terms=("anti-dsdna", "dsdna", "double-stranded dna")),
    _fact("glucocorticoid_mg_per_day", "number", unit="mg/day", minimum=0, maximum=1000,
          terms=("prednisone", "prednisolone", "steroid", "steroids", "glucocorticoid")),
    _bool("had_glucocorticoid_and_cyclophosphamide_6mo",
          ("cyclophosphamide", "cytoxan", "endoxan"), "ever"),
    _bool("had_immunomodulator_3mo",
          ("hydroxychloroquine", "plaquenil", "azathioprine", "mycophenolate", "cellcept",
           "methotrexate", "leflunomide", "tacrolimus", "cyclosporine", "rituximab",
           "belimumab", "benlysta", "telitacicept", "immunosuppressant"), "ever"),
    _bool("routine_treatment_failed", ("didn't work", "did not work", "came back", "flare"),
          None),
    _bool("lupus_nephritis", ("lupus nephritis", "nephritis", "kidney involvement",
                              "kidney disease", "kidneys"), "ever"),
    _fact("biopsy_class", "choice", "lab-asked",
          choices=("I", "II", "III", "IV", "V", "V+III", "V+IV", "VI"),
          value_labels=BIOPSY_LABELS, terms=("biopsy class", "class")),
    _fact("biopsy_months_ago", "number", unit="months", minimum=0, maximum=600,
          terms=("biopsy",)),
    _bool("ln_no_remission", ("no remission", "not improved", "protein in urine"), None),
    _bool("can_stop_immunosuppressants", ("stop", "pause", "immunosuppressive"), None),
    _fact("lymphocytes_10e9_l", "number", "lab-asked", unit="×10⁹/L", minimum=0, maximum=50,
          conversions={"/µL": 1000, "×10³/µL": 1}, terms=("lymphocyte", "lymphocytes", "lymph")),
    _bool("severe_allergy", ("allergy", "allergic", "anaphylaxis", "anaphylactic"), "ever"),
    _fact("ecog", "integer", minimum=0, maximum=4, value_labels=ECOG_LABELS,
          terms=("ecog", "activity", "active"), scale="ecog"),
    _bool("can_consent", ("consent", "sign", "understand"), None),
    _bool("neuro_condition", ("stroke", "seizure", "encephalitis", "encephalopathy",
                              "brain", "vision", "consciousness"), "now"),
    _bool("heart_condition", ("heart failure", "heart attack", "heart", "angina",
                              "bundle branch block", "long qt", "arrhythmia"), "now"),
    _fact("qtcf_ms", "number", "lab", unit="ms", minimum=200, maximum=800, terms=("qtc", "qtcf")),
    _fact("lvef_percent", "number", "lab", unit="%", minimum=5, maximum=90,
          terms=("ejection fraction", "lvef", "ef")),
    _bool("lung_condition", ("lung", "lungs", "oxygen", "respiratory failure",
                             "pulmonary hypertension", "pneumonia"), "now"),
    _bool("other_cancer", ("cancer", "tumour", "tumor", "malignancy", "leukemia", "lymphoma"),
          "now"),
    _bool("dic", ("dic", "disseminated intravascular coagulation", "clotting disorder"), "now"),
    _bool("uncontrolled_infection", ("infection", "sepsis", "infected"), "now"),
    _bool("diabetes", ("diabetes", "diabetic", "sugar"), "now"),
    _bool("diabetic_ketoacidosis", ("ketoacidosis", "dka", "diabetic ketoacidosis"), "now"),
    _fact("fasting_glucose_mmol_l", "number", "lab-asked", unit="mmol/L", minimum=1,
          maximum=35, conversions={"mg/dL": 18.016}, terms=("fasting glucose", "fasting sugar")),
    _fact("postprandial_glucose_mmol_l", "number", "lab-asked", unit="mmol/L", minimum=1,
          maximum=50, conversions={"mg/dL": 18.016},
          terms=("postprandial", "after meals", "after eating")),
    _fact("hba1c_percent", "number", "lab-asked", unit="%", minimum=3, maximum=20,
          terms=("hba1c", "a1c", "glycated")),
    _bool("serious_mental_illness", ("mental illness", "schizophrenia", "bipolar", "dementia",
                                     "alcohol", "drugs", "addiction"), "now"),
    _bool("organ_transplant", ("transplant", "transplanted"), "ever"),
    _bool("pregnant_or_breastfeeding", ("pregnant", "pregnancy", "breastfeeding",
                                        "breast feeding", "nursing", "expecting"), "now"),
    _bool("infection_serology_positive", ("hepatitis", "hep b", "hep c", "hiv", "syphilis"),
          "ever"),
    _fact("egfr_ml_min", "number", "lab-asked", unit="mL/min/1.73 m²", minimum=1, maximum=200,
          terms=("egfr", "gfr", "filtration rate")),
    _fact("serum_creatinine_mg_dl", "number", "lab-asked", unit="mg/dL", minimum=0.1,
          maximum=20, conversions={"µmol/L": 88.42}, terms=("creatinine",)),
    _bool("skin_disease", ("psoriasis", "dermatomyositis", "scleroderma", "systemic sclerosis",
                           "skin disease", "skin"), "now"),
)  # fmt: skip

FACTS: Mapping[str, FactSpec] = {fact.key: fact for fact in FACT_LIST}


@pytest.fixture
def facts() -> Mapping[str, FactSpec]:
    """The test fact dictionary, by key."""
    return FACTS
