"""How a simulated patient types an answer: varied free text for a fact value, seeded.

Written from the fact dictionary and from how people answer health questions — digits and
words, units and conversions (glucose in mg/dL, creatinine in µmol/L, lymphocytes per µL, ANA
titres "1:320", "2 years ago"), hedges ("I think so"), negations ("never had one", "not that I
know of", "no, I'm not pregnant") and "I don't know" / "not sure". It is deliberately not
derived from the parser's own tests.

Every `Phrase` carries the value its text conveys in the fact's canonical unit, so a benchmark
can tell a misunderstanding from a rounding in the patient's own conversion. A unit variant whose
rounding would move the value across one of the spec's thresholds (e.g. 8.0 mmol/L typed as
"144 mg/dL" = 7.99) is not used: the patient then types the canonical unit.

    >>> import random
    >>> phrase("ana_titer", 320, random.Random(1)).value
    320
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bench.truth import ckd_epi_2021

GLUCOSE_MG_DL = 18.016
CREATININE_UMOL_L = 88.42

#: thresholds of the spec's rules, per fact (bench.truth has the rules themselves).
THRESHOLDS: dict[str, tuple[float, ...]] = {
    "age_years": (3, 18, 65),
    "ana_titer": (80,),
    "anti_dsdna_iu_ml": (30,),
    "glucocorticoid_mg_per_day": (7.5,),
    "biopsy_months_ago": (6,),
    "lymphocytes_10e9_l": (1.0,),
    "ecog": (2,),
    "fasting_glucose_mmol_l": (8.0,),
    "postprandial_glucose_mmol_l": (15,),
    "hba1c_percent": (8.0,),
    "egfr_ml_min": (30,),
}


@dataclass(frozen=True)
class Phrase:
    """What the patient types and the value it means (None: "I don't know")."""

    text: str
    value: Any
    style: str


# --- numbers in words -------------------------------------------------------------------------
_ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def words(n: int) -> str:
    """0–199 in English words ("thirty-four")."""
    if n < 0 or n > 199:
        raise ValueError(n)
    if n >= 100:
        rest = n - 100
        return "a hundred" + ("" if rest == 0 else " and " + words(rest))
    if n < 20:
        return _ONES[n]
    tens, ones = divmod(n, 10)
    return _TENS[tens] + ("" if ones == 0 else "-" + _ONES[ones])


def num(x: float, decimals: int = 2) -> str:
    """A number as a person writes it: no trailing zeros ("7.5", "12", "1.01")."""
    if float(x).is_integer():
        return str(int(x))
    text = f"{x:.{decimals}f}".rstrip("0").rstrip(".")
    return text


def _sign(a: float, t: float) -> int:
    return (a > t) - (a < t)


def same_side(key: str, true: float, conveyed: float, context: Mapping[str, Any]) -> bool:
    """True when `conveyed` is on the same side of (or on) every threshold as `true`."""
    if key == "serum_creatinine_mg_dl":
        age, sex = context.get("age_years"), context.get("sex")
        if age is None or sex is None or age < 18:
            return True
        return _sign(ckd_epi_2021(true, age, sex), 30) == _sign(
            ckd_epi_2021(conveyed, age, sex), 30
        )
    return all(_sign(true, t) == _sign(conveyed, t) for t in THRESHOLDS.get(key, ()))


# --- who is being talked about ----------------------------------------------------------------
@dataclass(frozen=True)
class Voice:
    """Pronouns for the person answering: the patient, or a parent about a child."""

    respondent: str = "self"
    sex: str | None = None

    @property
    def guardian(self) -> bool:
        return self.respondent == "guardian"

    @property
    def they(self) -> str:  # subject
        if not self.guardian:
            return "I"
        return "she" if self.sex == "female" else "he"

    @property
    def their(self) -> str:
        if not self.guardian:
            return "my"
        return "her" if self.sex == "female" else "his"

    @property
    def them(self) -> str:
        if not self.guardian:
            return "me"
        return "her" if self.sex == "female" else "him"

    @property
    def child(self) -> str:
        return "daughter" if self.sex == "female" else "son"

    def be(self) -> str:
        return "I'm" if not self.guardian else f"{self.they}'s"

    def do(self) -> str:
        return "I do" if not self.guardian else f"{self.they} does"

    def dont(self) -> str:
        return "I don't" if not self.guardian else f"{self.they} doesn't"

    def have(self) -> str:
        return "I have" if not self.guardian else f"{self.they} has"

    def havent(self) -> str:
        return "I haven't" if not self.guardian else f"{self.they} hasn't"


# --- yes / no ---------------------------------------------------------------------------------
#: question frame per boolean fact: "do" (do you have …), "have" (have you ever …),
#: "are", "did", "could", "would".
FRAME: dict[str, str] = {
    "sle_diagnosed": "have",
    "pregnant_or_breastfeeding": "are",
    "other_cancer": "do",
    "organ_transplant": "have",
    "infection_serology_positive": "have",
    "heart_condition": "do",
    "lung_condition": "do",
    "neuro_condition": "do",
    "uncontrolled_infection": "do",
    "dic": "have",
    "serious_mental_illness": "do",
    "skin_disease": "do",
    "severe_allergy": "have",
    "diabetes": "do",
    "diabetic_ketoacidosis": "do",
    "can_stop_immunosuppressants": "could",
    "can_consent": "would",
    "lupus_nephritis": "have",
    "ln_no_remission": "did",
    "had_glucocorticoid_and_cyclophosphamide_6mo": "have",
    "had_immunomodulator_3mo": "have",
    "routine_treatment_failed": "did",
}


def _generic_yes(frame: str, v: Voice) -> list[tuple[str, str]]:
    short = [("yes", "plain"), ("Yes.", "plain"), ("yeah", "casual"), ("yep", "casual")]
    framed = {
        "do": [(f"yes, {v.do()}", "framed")],
        "have": [(f"yes, {v.have()}", "framed")],
        "are": [(f"yes, {v.be()}" if not v.guardian else f"yes, {v.they} is", "framed")],
        "did": [("yes, it did", "framed")],
        "could": [("yes, I could" if not v.guardian else f"yes, {v.they} could", "framed")],
        "would": [("yes, I would", "framed")],
    }[frame]
    hedged = [("yes I think so", "hedge"), ("I believe so, yes", "hedge")]
    return short + framed + hedged


def _generic_no(frame: str, v: Voice) -> list[tuple[str, str]]:
    short = [("no", "plain"), ("No.", "plain"), ("nope", "casual"), ("nah", "casual")]
    framed = {
        "do": [(f"no, {v.dont()}", "framed")],
        "have": [(f"no, {v.havent()}", "framed"), ("no, never", "negation")],
        "are": [("no, I'm not" if not v.guardian else f"no, {v.they} isn't", "framed")],
        "did": [("no, it didn't", "framed")],
        "could": [("no, I couldn't" if not v.guardian else f"no, {v.they} couldn't", "framed")],
        "would": [("no, I wouldn't", "framed")],
    }[frame]
    hedged = [("I don't think so", "hedge"), ("not that I know of", "hedge")]
    return short + framed + hedged


def _specific_yes(key: str, v: Voice) -> list[tuple[str, str]]:
    my, be, have = v.their, v.be(), v.have()
    table: dict[str, list[str]] = {
        "sle_diagnosed": [
            "yes, since 2015",
            f"yes, {v.they} was diagnosed with lupus in 2018"
            if v.guardian
            else "yes, I was diagnosed with lupus in 2018",
            "yes, SLE",
        ],
        "pregnant_or_breastfeeding": [
            f"yes, {be} pregnant",
            "yes, I'm breastfeeding my baby" if not v.guardian else f"yes, {v.they} is pregnant",
            f"{be} 20 weeks pregnant",
        ],
        "other_cancer": [
            f"yes, {have} breast cancer",
            f"{be} being treated for lymphoma",
            "yes, leukaemia",
        ],
        "organ_transplant": [
            "yes, a kidney transplant in 2019",
            f"{have} had a liver transplant",
        ],
        "infection_serology_positive": [
            "yes, hepatitis B",
            "I tested positive for hepatitis C"
            if not v.guardian
            else f"{v.they} tested positive for hepatitis C",
            "yes, HIV positive",
        ],
        "heart_condition": [
            "yes, heart failure",
            f"yes, {have} long QT syndrome",
            "I had a heart attack 3 months ago"
            if not v.guardian
            else f"{v.they} had a heart attack 3 months ago",
        ],
        "lung_condition": [
            "yes, I need oxygen at home" if not v.guardian else f"yes, {v.they} needs oxygen",
            f"yes, {have} interstitial lung disease",
            "yes, pulmonary hypertension",
        ],
        "neuro_condition": [
            "yes, I had a stroke last month"
            if not v.guardian
            else f"yes, {v.they} had a stroke last month",
            "yes, CNS vasculitis",
            f"yes, {my} vision is getting worse and the doctors are treating it",
        ],
        "uncontrolled_infection": [
            f"yes, {have} sepsis",
            f"yes, {have} an infection that isn't getting better",
        ],
        "dic": ["yes, I was told I have DIC" if not v.guardian else f"yes, {v.they} has DIC"],
        "serious_mental_illness": [
            f"yes, {have} schizophrenia",
            "yes, I have a drinking problem" if not v.guardian else "yes, dementia",
        ],
        "skin_disease": [f"yes, {have} psoriasis", "yes, scleroderma", "yes, dermatomyositis"],
        "severe_allergy": [
            "yes, anaphylaxis to penicillin",
            f"yes, {have} had an anaphylactic reaction",
        ],
        "diabetes": ["yes, type 2 diabetes", f"yes, {be} diabetic", "yes, type 1"],
        "diabetic_ketoacidosis": [
            f"yes, {have} ketoacidosis right now",
            "yes, my diabetes is out of control"
            if not v.guardian
            else f"yes, {my} diabetes is out of control",
        ],
        "can_stop_immunosuppressants": [
            "yes, I could stop them for a week"
            if not v.guardian
            else f"yes, {v.they} could stop them for a week",
            "yes, that should be fine",
        ],
        "can_consent": [
            "yes, of course",
            "yes, I can sign it" if not v.guardian else f"yes, I can sign for {v.them}",
        ],
        "lupus_nephritis": [
            "yes, lupus nephritis",
            f"yes, it affects {my} kidneys",
        ],
        "ln_no_remission": [
            "yes, the protein did not go down",
            "yes, it didn't get better",
            "yes, the antibodies stayed positive",
        ],
        "had_glucocorticoid_and_cyclophosphamide_6mo": [
            "yes, cyclophosphamide with prednisone for a year",
            "yes, I had CTX infusions with steroids for 6 months"
            if not v.guardian
            else f"yes, {v.they} had CTX infusions with steroids for 6 months",
        ],
        "had_immunomodulator_3mo": [
            "yes, hydroxychloroquine for years",
            "yes, mycophenolate since 2020",
            "yes, Plaquenil and azathioprine",
        ],
        "routine_treatment_failed": [
            "yes, it came back",
            "yes, they didn't work",
            "yes, my lupus flared again" if not v.guardian else f"yes, {my} lupus flared again",
        ],
    }
    return [(t, "specific") for t in table.get(key, [])]


def _specific_no(key: str, v: Voice) -> list[tuple[str, str]]:
    my, dont, havent = v.their, v.dont(), v.havent()
    table: dict[str, list[str]] = {
        "sle_diagnosed": ["no, not lupus", f"no, {havent} been diagnosed"],
        "pregnant_or_breastfeeding": [
            "No, I'm not pregnant" if not v.guardian else f"no, {v.they} is not pregnant",
            "not pregnant or breastfeeding",
        ],
        "other_cancer": ["no cancer", f"no, {dont} have cancer"],
        "organ_transplant": ["never", "no, never had one", "no transplants"],
        "infection_serology_positive": ["no, all negative", "never tested positive"],
        "heart_condition": ["no heart problems", f"{my} heart is fine"],
        "lung_condition": [f"no, {my} lungs are fine", "no lung problems"],
        "neuro_condition": ["never had a stroke", "no brain problems"],
        "uncontrolled_infection": ["no infections", "only a fungal nail infection"],
        "dic": ["no, never heard of it", "no DIC"],
        "serious_mental_illness": ["no", "no, nothing like that"],
        "skin_disease": ["only the lupus rash", "no, just the lupus rash"],
        "severe_allergy": ["not that I know of", "never had one", "no severe allergies"],
        "diabetes": [f"{dont} have diabetes", "no diabetes"],
        "diabetic_ketoacidosis": ["no, it's under control", "no complications"],
        "can_stop_immunosuppressants": [
            "no, I'd flare" if not v.guardian else f"no, {v.they} would flare",
            "no, I can't stop them" if not v.guardian else f"no, {v.they} can't stop them",
        ],
        "can_consent": ["no, I couldn't sign it", "no, I can't"],
        "lupus_nephritis": [f"no, {my} kidneys are fine", "no kidney problems"],
        "ln_no_remission": ["no, it improved", "no, it got better", "no, the protein went down"],
        "had_glucocorticoid_and_cyclophosphamide_6mo": [
            "no, never had cyclophosphamide",
            "no, only steroids",
        ],
        "had_immunomodulator_3mo": ["no, none of those", "no, never taken them"],
        "routine_treatment_failed": ["no, the treatment worked", "no, it's been controlled"],
    }
    return [(t, "specific") for t in table.get(key, [])]


def _boolean(key: str, value: bool, rng: random.Random, v: Voice) -> Phrase:
    frame = FRAME.get(key, "do")
    if value:
        options = _generic_yes(frame, v) + _specific_yes(key, v) * 2
    else:
        options = _generic_no(frame, v) + _specific_no(key, v) * 2
    text, style = rng.choice(options)
    return Phrase(text, value, style)


# --- numbers, units, scales -------------------------------------------------------------------
Maker = Callable[[float], "tuple[str, float, str]"]


def _choose(
    key: str,
    value: float,
    rng: random.Random,
    makers: list[Maker],
    canonical: Maker,
    context: Mapping[str, Any],
) -> Phrase:
    """Pick a variant; fall back to the canonical form if rounding would cross a threshold."""
    text, conveyed, style = rng.choice(makers)(value)
    if not same_side(key, value, conveyed, context):
        text, conveyed, style = canonical(value)
    return Phrase(text, conveyed, style)


def _age(value: int, rng: random.Random, v: Voice) -> Phrase:
    n = int(value)
    if v.guardian:
        options = [
            (f"{v.they} is {words(n)}", "words"),
            (f"{v.they}'s {n}", "digits"),
            (str(n), "digits"),
            (f"my {v.child} is {n} years old", "digits"),
            (f"{n} years old", "digits"),
        ]
    else:
        options = [
            (str(n), "digits"),
            (f"I'm {n}", "digits"),
            (f"{n} years old", "digits"),
            (f"I am {words(n)}", "words"),
            (words(n), "words"),
            (f"{n} yrs", "digits"),
        ]
    text, style = rng.choice(options)
    return Phrase(text, n, style)


def _sex(value: str, rng: random.Random, v: Voice) -> Phrase:
    female = value == "female"
    if v.guardian:
        options = (
            ["female", "a girl", "she's a girl", "girl"]
            if female
            else ["male", "a boy", "he's a boy", "boy"]
        )
    else:
        options = (
            ["female", "Female", "woman", "I'm a woman", "F"]
            if female
            else ["male", "Male", "man", "I'm a man", "M"]
        )
    return Phrase(rng.choice(options), value, "word")


#: ECOG levels in a patient's own words (not the bot's button labels).
ECOG_WORDS: dict[int, list[str]] = {
    0: [
        "fully active, I can do everything I did before",
        "I have no restrictions at all",
        "completely normal, I work full time",
    ],
    1: [
        "I can't do heavy physical work but I can walk and do light work",
        "light work only, like office work",
        "I can do light housework but nothing strenuous",
    ],
    2: [
        "I can look after myself but I can't work; I'm up and about more than half the day",
        "I can take care of myself but can't work",
    ],
    3: [
        "I'm in bed or a chair more than half the day",
        "I can only partly look after myself",
    ],
    4: [
        "completely disabled, I can't look after myself at all",
        "I'm bedridden and need help with everything",
    ],
}
ECOG_GUARDIAN: dict[int, list[str]] = {
    0: ["fully active, runs around like other kids", "no restrictions, goes to school normally"],
    1: ["can't do sports but goes to school and does light activities"],
    2: ["can look after themselves but can't go to school, up most of the day"],
    3: ["in bed or a chair more than half the day"],
    4: ["completely disabled, needs help with everything"],
}
ECOG_LABELS = {
    0: "Fully active, able to do everything as before the illness",
    1: "Can't do heavy physical work, but can walk and do light work",
    2: "Can look after myself but can't work; up and about more than half the day",
    3: "Can only partly look after myself; in bed or a chair more than half the day",
    4: "Completely disabled; can't look after myself at all",
}


def _ecog(value: int, rng: random.Random, v: Voice) -> Phrase:
    n = int(value)
    options = [(t, "own words") for t in (ECOG_GUARDIAN if v.guardian else ECOG_WORDS)[n]]
    options.append((ECOG_LABELS[n], "label"))
    options.append((f"ECOG {n}", "score"))
    text, style = rng.choice(options)
    return Phrase(text, n, style)


def _steroid(value: float, rng: random.Random, context: Mapping[str, Any]) -> Phrase:
    if value == 0:
        options = [
            ("0", "digits"),
            ("none", "none"),
            ("I don't take steroids", "negation"),
            ("0 mg", "digits"),
            ("no steroids at the moment", "negation"),
        ]
        text, style = rng.choice(options)
        return Phrase(text, 0.0, style)
    makers: list[Maker] = [
        lambda x: (f"{num(x)} mg", x, "mg"),
        lambda x: (f"{num(x)}mg a day", x, "mg"),
        lambda x: (f"about {num(x)} mg", x, "hedge"),
        lambda x: (f"{num(x)} mg of prednisone daily", x, "mg"),
        lambda x: (f"{num(x)} milligrams", x, "mg"),
    ]
    if float(value).is_integer() and value < 100:
        makers.append(lambda x: (f"{words(int(x))} milligrams a day", x, "words"))
    return _choose(
        "glucocorticoid_mg_per_day",
        value,
        rng,
        makers,
        lambda x: (f"{num(x)} mg", x, "mg"),
        context,
    )


_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6}


def _biopsy_class(value: str, rng: random.Random) -> Phrase:
    if "+" in value:
        first, second = value.split("+")
        options = [
            f"class {first} and {second}",
            f"{first}+{second}",
            f"class {first} with {second}",
            f"class {first} plus class {second}",
        ]
    else:
        options = [f"class {value}", value, f"it was class {value}", f"class {_ROMAN[value]}"]
    return Phrase(rng.choice(options), value, "class")


def _months(value: float, rng: random.Random, context: Mapping[str, Any]) -> Phrase:
    months = float(value)
    options: list[tuple[str, float, str]] = []
    if months == 0:
        options = [
            ("a few days ago", 0.1, "days"),
            ("last week", 0.25, "weeks"),
            ("I just had it", 0.0, "now"),
        ]
        text, conveyed, style = rng.choice(options)
        return Phrase(text, conveyed, style)
    if months.is_integer():
        m = int(months)
        options += [
            (f"{m} months ago", months, "months"),
            (f"about {m} months ago", months, "hedge"),
            (f"{words(m)} months ago", months, "words"),
        ]
        if m == 1:
            options = [
                ("a month ago", 1.0, "months"),
                ("1 month ago", 1.0, "months"),
                ("last month", 1.0, "months"),
            ]
        if m % 12 == 0:
            years = m // 12
            options += [
                (f"{years} years ago" if years > 1 else "a year ago", months, "years"),
                (f"{words(years)} years ago" if years > 1 else "one year ago", months, "years"),
            ]
        if m == 6:
            options.append(("half a year ago", 6.0, "words"))
        if m == 18:
            options.append(("a year and a half ago", 18.0, "years"))
    else:
        options += [(f"{num(months)} months ago", months, "months")]
    text, conveyed, style = rng.choice(options)
    if not same_side("biopsy_months_ago", months, conveyed, context):
        text, conveyed, style = f"{num(months)} months ago", months, "months"
    return Phrase(text, conveyed, style)


def _ana(value: int, rng: random.Random, context: Mapping[str, Any]) -> Phrase:
    n = int(value)
    if n == 0:
        options = ["negative", "it was negative", "ANA negative", "Negative."]
        return Phrase(rng.choice(options), 0, "negative")
    options = [
        f"1:{n}",
        f"1/{n}",
        f"positive, 1:{n}",
        f"it was 1:{n}",
        f"ANA 1:{n}",
        f"titre 1:{n}",
    ]
    return Phrase(rng.choice(options), n, "titre")


def _dsdna(value: float, rng: random.Random, context: Mapping[str, Any]) -> Phrase:
    makers: list[Maker] = [
        lambda x: (f"{num(x, 1)} IU/mL", x, "unit"),
        lambda x: (num(x, 1), x, "bare"),
        lambda x: (f"{num(x, 1)} IU/ml", x, "unit"),
        lambda x: (f"it was {num(x, 1)}", x, "bare"),
    ]
    if abs(value - 30) > 10 and value >= 10:
        makers.append(lambda x: (f"about {round(x)}", float(round(x)), "hedge"))
    return _choose(
        "anti_dsdna_iu_ml", value, rng, makers, lambda x: (f"{num(x, 1)} IU/mL", x, "unit"), context
    )


def _lymphocytes(value: float, rng: random.Random, context: Mapping[str, Any]) -> Phrase:
    def per_ul(x: float, suffix: str) -> tuple[str, float, str]:
        cells = round(x * 1000)
        return (f"{cells:,}{suffix}", cells / 1000, "per µL")

    makers: list[Maker] = [
        lambda x: (num(x), x, "×10⁹/L bare"),
        lambda x: (f"{num(x)} x10^9/L", x, "×10⁹/L"),
        lambda x: (f"{num(x)} ×10⁹/L", x, "×10⁹/L"),
        lambda x: per_ul(x, " per microliter"),
        lambda x: per_ul(x, "/µL"),
        lambda x: per_ul(x, " cells/uL"),
        lambda x: (f"{num(x)} thousand per µL", x, "×10³/µL"),
    ]
    return _choose(
        "lymphocytes_10e9_l",
        value,
        rng,
        makers,
        lambda x: (f"{num(x)} x10^9/L", x, "×10⁹/L"),
        context,
    )


def _egfr(value: float, rng: random.Random, context: Mapping[str, Any]) -> Phrase:
    makers: list[Maker] = [
        lambda x: (num(x, 1), x, "bare"),
        lambda x: (f"eGFR {num(x, 1)}", x, "bare"),
        lambda x: (f"{num(x, 1)} mL/min", x, "unit"),
        lambda x: (f"{num(x, 1)} ml/min/1.73m2", x, "unit"),
    ]
    if abs(value - 30) > 10:
        makers.append(lambda x: (f"about {round(x)}", float(round(x)), "hedge"))
    return _choose("egfr_ml_min", value, rng, makers, lambda x: (num(x, 1), x, "bare"), context)


def _creatinine(value: float, rng: random.Random, context: Mapping[str, Any]) -> Phrase:
    def umol(x: float, unit: str) -> tuple[str, float, str]:
        u = round(x * CREATININE_UMOL_L)
        return (f"{u} {unit}", u / CREATININE_UMOL_L, "µmol/L")

    makers: list[Maker] = [
        lambda x: (f"{num(x)} mg/dL", x, "mg/dL"),
        lambda x: (f"{num(x)} mg/dl", x, "mg/dL"),
        lambda x: umol(x, "µmol/L"),
        lambda x: umol(x, "umol/L"),
        lambda x: umol(x, "micromol/L"),
    ]
    return _choose(
        "serum_creatinine_mg_dl",
        value,
        rng,
        makers,
        lambda x: (f"{num(x)} mg/dL", x, "mg/dL"),
        context,
    )


def _glucose(key: str, value: float, rng: random.Random, context: Mapping[str, Any]) -> Phrase:
    def mg(x: float, unit: str) -> tuple[str, float, str]:
        m = round(x * GLUCOSE_MG_DL)
        return (f"{m} {unit}", m / GLUCOSE_MG_DL, "mg/dL")

    makers: list[Maker] = [
        lambda x: (f"{num(x, 1)} mmol/L", x, "mmol/L"),
        lambda x: (f"{num(x, 1)} mmol/l", x, "mmol/L"),
        lambda x: (num(x, 1), x, "bare"),
        lambda x: mg(x, "mg/dL"),
        lambda x: mg(x, "mg/dl"),
    ]
    return _choose(key, value, rng, makers, lambda x: (f"{num(x, 1)} mmol/L", x, "mmol/L"), context)


def _hba1c(value: float, rng: random.Random, context: Mapping[str, Any]) -> Phrase:
    makers: list[Maker] = [
        lambda x: (f"{num(x, 1)}%", x, "%"),
        lambda x: (f"{num(x, 1)} percent", x, "%"),
        lambda x: (f"HbA1c {num(x, 1)}%", x, "%"),
        lambda x: (num(x, 1), x, "bare"),
    ]
    return _choose(
        "hba1c_percent", value, rng, makers, lambda x: (f"{num(x, 1)}%", x, "%"), context
    )


# --- "I don't know" ---------------------------------------------------------------------------
DONT_KNOW = [
    "I don't know",
    "not sure",
    "no idea",
    "I'm not sure",
    "I can't remember",
    "don't know, sorry",
    "I'd have to check with my doctor",
    "I dont know",
]
DONT_KNOW_LAB = [
    "I don't know my results",
    "I haven't seen the results",
    "I don't have the numbers",
]


def phrase_unknown(rng: random.Random, key: str | None = None) -> Phrase:
    options = list(DONT_KNOW)
    if key in LAB_ASKED:
        options += DONT_KNOW_LAB
    return Phrase(rng.choice(options), None, "dont_know")


LAB_ASKED = frozenset(
    {
        "ana_titer",
        "anti_dsdna_iu_ml",
        "biopsy_class",
        "lymphocytes_10e9_l",
        "egfr_ml_min",
        "serum_creatinine_mg_dl",
        "fasting_glucose_mmol_l",
        "postprandial_glucose_mmol_l",
        "hba1c_percent",
    }
)


# --- the entry points -------------------------------------------------------------------------
def phrase(
    key: str,
    value: Any,
    rng: random.Random,
    *,
    respondent: str = "self",
    sex: str | None = None,
    context: Mapping[str, Any] | None = None,
) -> Phrase:
    """Free text for fact `key` = `value` (None → a "don't know")."""
    context = context or {}
    v = Voice(respondent, sex)
    if value is None:
        return phrase_unknown(rng, key)
    if key == "age_years":
        return _age(value, rng, v)
    if key == "sex":
        return _sex(value, rng, v)
    if key == "ecog":
        return _ecog(value, rng, v)
    if key == "glucocorticoid_mg_per_day":
        return _steroid(float(value), rng, context)
    if key == "biopsy_class":
        return _biopsy_class(value, rng)
    if key == "biopsy_months_ago":
        return _months(value, rng, context)
    if key == "ana_titer":
        return _ana(value, rng, context)
    if key == "anti_dsdna_iu_ml":
        return _dsdna(float(value), rng, context)
    if key == "lymphocytes_10e9_l":
        return _lymphocytes(float(value), rng, context)
    if key == "egfr_ml_min":
        return _egfr(float(value), rng, context)
    if key == "serum_creatinine_mg_dl":
        return _creatinine(float(value), rng, context)
    if key in ("fasting_glucose_mmol_l", "postprandial_glucose_mmol_l"):
        return _glucose(key, float(value), rng, context)
    if key == "hba1c_percent":
        return _hba1c(float(value), rng, context)
    if isinstance(value, bool):
        return _boolean(key, value, rng, v)
    raise ValueError(f"no phrasing for {key}={value!r}")


def plain(key: str, value: Any, respondent: str = "self") -> Phrase:
    """The simplest unambiguous answer (a patient's last try after being asked twice)."""
    if value is None:
        return Phrase("I don't know", None, "dont_know")
    if isinstance(value, bool):
        return Phrase("yes" if value else "no", value, "plain")
    if key == "sex":
        return Phrase(str(value), value, "plain")
    if key == "ecog":
        return Phrase(ECOG_LABELS[int(value)], int(value), "label")
    if key == "biopsy_class":
        return Phrase(f"class {value}", value, "plain")
    if key == "biopsy_months_ago":
        return Phrase(f"{num(float(value))} months ago", float(value), "plain")
    if key == "ana_titer":
        return Phrase("negative" if value == 0 else f"1:{int(value)}", int(value), "plain")
    units = {
        "glucocorticoid_mg_per_day": " mg",
        "serum_creatinine_mg_dl": " mg/dL",
        "fasting_glucose_mmol_l": " mmol/L",
        "postprandial_glucose_mmol_l": " mmol/L",
        "hba1c_percent": "%",
    }
    return Phrase(f"{num(float(value))}{units.get(key, '')}", value, "plain")


# --- the dialogue's own questions -------------------------------------------------------------
OPENINGS_SELF = ["hi", "Hello", "hello, I'd like to check if I can join the study", "hey"]
OPENINGS_GUARDIAN = [
    "hi",
    "can my child join the lupus CAR-T study?",
    "hello, I'm asking for my kid",
]
CONSENT_YES = ["yes", "yes, that's fine", "ok", "sure, go ahead", "I agree", "yes please"]
RESPONDENT_SELF = ["for myself", "myself", "me", "I'm the patient", "it's for me"]
CONTACT_NO = ["no thanks", "no", "not now, thank you"]


def respondent_text(rng: random.Random, respondent: str, sex: str | None) -> str:
    if respondent == "self":
        return rng.choice(RESPONDENT_SELF)
    child = "daughter" if sex == "female" else "son"
    mother_or_father = rng.choice(["mother", "father", "mum", "dad"])
    pronoun = "her" if sex == "female" else "his"
    return rng.choice(
        [
            f"I'm {pronoun} {mother_or_father}",
            f"for my {child}",
            f"I'm answering for my {child}",
            "I'm the parent",
            f"my {child}, I'm {pronoun} guardian",
        ]
    )
