"""Simulated patients who talk like people (issue 11, "Measure it"): the pure pieces.

Three kinds of patient (`KINDS`), assigned in bench.population round-robin per scenario:

* ``one_by_one`` — answers each question on its own, in varied free text (bench.phrasing);
* ``storyteller`` — the first message after consent and the respondent question tells 3–10
  TRUE facts in a natural order: first person ("I'm a 34 year old woman with lupus since
  2018 …"), a guardian in the third person ("my daughter is 12, she has had lupus since 9 …")
  or a doctor's letter ("A 21-year-old female with SLE …"); afterwards one by one;
* ``paster`` — when the bot invites lab values (`requested_slot == lab_results`), pastes the
  labs they know in one message, in a report's format (comma list, one per line, with
  reference ranges …); one who knows none says so.

Every generator returns the text and the values it conveys ({fact: value}, in the fact's
canonical unit, as bench.phrasing.Phrase does), so the benchmark compares the stack with what
was said. The answers to a grouped question ("none of these", "just the heart problem", "not
sure about the infection one") and to a read-back (checked against the patient's truth: "yes",
or "no" with the correction in words) are here too. Nothing here imports the bot: the words
come from the trial file's labels only through what the caller passes in (`group_words`).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bench.phrasing import (
    CREATININE_UMOL_L,
    GLUCOSE_MG_DL,
    Phrase,
    Voice,
    num,
    phrase,
    same_side,
)

KINDS = ("one_by_one", "storyteller", "paster")
#: the tracker's `requested_slot` while the bot invites lab values (issue 11 §4).
LAB_RESULTS = "lab_results"
#: the tracker's `requested_slot` while a read-back waits for its answer.
CONFIRM = "confirm_facts"

#: the lab values a patient may paste (canonical units as bench.truth / the trial file).
LAB_KEYS = (
    "ana_titer",
    "anti_dsdna_iu_ml",
    "lymphocytes_10e9_l",
    "egfr_ml_min",
    "serum_creatinine_mg_dl",
    "fasting_glucose_mmol_l",
    "postprandial_glucose_mmol_l",
    "hba1c_percent",
)


def kind_for(index: int, scenarios: int) -> str:
    """The kind of the `index`-th patient of a population cycling over `scenarios` scenarios:
    each scenario's k-th patient gets kind (scenario + k) % 3, so every scenario gets every kind
    within three rounds, and every prefix of the population is balanced."""
    scenario, round_ = index % scenarios, index // scenarios
    return KINDS[(scenario + round_) % len(KINDS)]


@dataclass(frozen=True)
class Said:
    """One patient message and the values it conveys ({fact: value}; None = "don't know")."""

    text: str
    values: Mapping[str, Any] = field(default_factory=dict)
    style: str = ""


# --- stories ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Teller:
    """Who tells the story: "self" (first person), "guardian" (about a child), "letter" (a
    doctor's letter pasted, third person)."""

    style: str
    sex: str | None

    @property
    def he(self) -> str:
        return "she" if self.sex == "female" else "he"

    @property
    def his(self) -> str:
        return "her" if self.sex == "female" else "his"

    def has(self) -> str:
        return "I have" if self.style == "self" else f"{self.he} has"

    def takes(self) -> str:
        return "I take" if self.style == "self" else f"{self.he} takes"

    def is_(self) -> str:
        return "I'm" if self.style == "self" else f"{self.he} is"

    def my(self) -> str:
        return "my" if self.style == "self" else self.his


def _opening(facts: Mapping[str, Any], teller: _Teller, rng: random.Random) -> tuple[str, set[str]]:
    """The story's first clause: age and sex (both always known)."""
    age, sex = int(facts["age_years"]), facts["sex"]
    female = sex == "female"
    if teller.style == "guardian":
        child = "daughter" if female else "son"
        return rng.choice(
            [
                (f"my {child} is {age}", {"age_years"}),
                (f"my {child} is {age} years old", {"age_years"}),
                (f"my {child} is {age}, a {'girl' if female else 'boy'}", {"age_years", "sex"}),
            ]
        )
    if teller.style == "letter":
        noun = rng.choice(["female", "woman"] if female else ["male", "man"])
        return rng.choice(
            [
                (f"A {age}-year-old {noun}", {"age_years", "sex"}),
                (f"{age} year old {noun}", {"age_years", "sex"}),
                (f"Patient is a {age}-year-old {noun}", {"age_years", "sex"}),
            ]
        )
    noun = "woman" if female else "man"
    return rng.choice(
        [
            (f"I'm a {age} year old {noun}", {"age_years", "sex"}),
            (f"I am {age}, {'female' if female else 'male'}", {"age_years", "sex"}),
            (f"hi, I'm {age}", {"age_years"}),
            (f"I'm {age} and a {noun}", {"age_years", "sex"}),
        ]
    )


def _lupus(facts: Mapping[str, Any], teller: _Teller, rng: random.Random) -> str:
    age = int(facts["age_years"])
    year = 2025 - rng.randint(1, max(1, min(age - 1, 12))) if age > 2 else 2025
    if teller.style == "guardian":
        since = rng.randint(max(1, age - 6), max(1, age - 1)) if age > 2 else 1
        return rng.choice(
            [
                f"{teller.he} has had lupus since {since}",
                f"{teller.he} was diagnosed with SLE in {year}",
                f"{teller.he} has lupus since {year}",
            ]
        )
    if teller.style == "letter":
        return rng.choice([f"with SLE diagnosed in {year}", f"with lupus (SLE) since {year}"])
    return rng.choice(
        [
            f"with lupus since {year}",
            f"I was diagnosed with lupus in {year}",
            f"I have had SLE since {year}",
        ]
    )


def _clause(key: str, value: Any, teller: _Teller, rng: random.Random) -> str | None:
    """One clause stating `key` = `value` in the teller's voice (None: no such clause)."""
    has = teller.has()
    if key == "lupus_nephritis":
        if value:
            return rng.choice(["lupus nephritis", f"{has} lupus nephritis", "with lupus nephritis"])
        return rng.choice(["no lupus nephritis", "no kidney involvement"])
    if key == "biopsy_class":
        klass = str(value).replace("+", " + ")
        return rng.choice([f"class {klass} on biopsy", f"biopsy class {klass}"])
    if key == "biopsy_months_ago":
        months = float(value)
        if months == 0:
            return None
        return rng.choice(
            [
                f"the kidney biopsy was {num(months)} months ago",
                f"biopsy {num(months)} months ago",
            ]
        )
    if key == "ln_no_remission":
        if value:
            return rng.choice(["no remission", "still no remission"])
        return None  # "it went into remission", "the protein went down": not read as stated
    if key == "glucocorticoid_mg_per_day":
        mg = float(value)
        if mg == 0:
            return rng.choice(["no steroids at the moment", "not on prednisone now"])
        if teller.style == "letter":
            return rng.choice(
                [f"on prednisolone {num(mg)} mg daily", f"prednisone {num(mg)} mg/day"]
            )
        return rng.choice(
            [
                f"{teller.takes()} {num(mg)} mg prednisone a day",
                f"on {num(mg)} mg of prednisone daily",
            ]
        )
    if key == "had_immunomodulator_3mo":
        if value:
            return rng.choice(
                [
                    "mycophenolate for 2 years",
                    "on hydroxychloroquine for years",
                    f"{has} been on azathioprine for a year",
                ]
            )
        return None
    if key == "had_glucocorticoid_and_cyclophosphamide_6mo":
        if value:
            return rng.choice(
                [
                    f"{'I' if teller.style == 'self' else teller.he} had cyclophosphamide "
                    "with steroids for 6 months",
                    "had cyclophosphamide infusions with prednisone for 6 months",
                    "treated with cyclophosphamide and steroids for 6 months",
                ]
            )
        return rng.choice(["never had cyclophosphamide", "no cyclophosphamide"])
    if key == "routine_treatment_failed":
        if value:
            return rng.choice(["nothing has worked", "the treatments didn't work"])
        return None
    if key == "pregnant_or_breastfeeding":
        if value:
            return f"{teller.is_()} pregnant"
        return rng.choice(["not pregnant", f"{teller.is_()} not pregnant"])
    if key == "diabetes":
        if value:
            return rng.choice([f"{has} type 2 diabetes", f"{has} diabetes"])
        return rng.choice(["no diabetes", "not diabetic"])
    if key in _CONDITION_WORDS:
        yes_words, no_words = _CONDITION_WORDS[key]
        if value:
            return f"{has} {rng.choice(yes_words)}" if yes_words else None
        return rng.choice(no_words)
    if key == "ana_titer" and value:
        return rng.choice([f"ANA 1:{int(value)}", f"ANA positive at 1:{int(value)}"])
    if key == "anti_dsdna_iu_ml":
        return f"anti-dsDNA {num(float(value), 1)} IU/mL"
    return None


#: boolean conditions in a story: (words stating it, words denying it).
_CONDITION_WORDS: dict[str, tuple[list[str], list[str]]] = {
    "heart_condition": (["heart failure"], ["no heart problems"]),
    "lung_condition": (["interstitial lung disease"], ["no lung problems"]),
    "other_cancer": (["lymphoma", "leukaemia"], ["no cancer"]),
    "neuro_condition": (["a brain condition"], ["never had a stroke"]),
    "uncontrolled_infection": ([], ["no uncontrolled infections"]),
    "organ_transplant": (["had a kidney transplant"], ["no transplants"]),
    "infection_serology_positive": (["hepatitis B"], ["no hepatitis or HIV"]),
    "skin_disease": (["psoriasis"], ["no other skin disease"]),
    "severe_allergy": (
        ["a severe allergy to penicillin"],
        ["no severe allergic reactions", "never had a severe allergic reaction"],
    ),
}

#: the order a person tells their story in (after age and sex).
STORY_ORDER = (
    "sle_diagnosed",
    "lupus_nephritis",
    "biopsy_class",
    "biopsy_months_ago",
    "ln_no_remission",
    "glucocorticoid_mg_per_day",
    "had_glucocorticoid_and_cyclophosphamide_6mo",
    "had_immunomodulator_3mo",
    "routine_treatment_failed",
    "pregnant_or_breastfeeding",
    "diabetes",
    "ana_titer",
    "anti_dsdna_iu_ml",
    *_CONDITION_WORDS,
)
#: what only a doctor's letter would list.
_LETTER_ONLY = frozenset({"ana_titer", "anti_dsdna_iu_ml"})


def story(
    facts: Mapping[str, Any],
    knows: Sequence[str] | frozenset[str] | set[str],
    respondent: str,
    rng: random.Random,
    size: int | None = None,
) -> Said:
    """A first message telling 3–10 true facts the patient knows (`knows`), in story order
    (`size`: that many facts, as far as the patient has that many to tell)."""
    known = set(knows)
    style = "guardian" if respondent == "guardian" else rng.choice(["self", "self", "letter"])
    teller = _Teller(style, facts.get("sex"))
    first, conveyed_keys = _opening(facts, teller, rng)
    clauses = [first]
    values: dict[str, Any] = {k: facts[k] for k in conveyed_keys}
    wanted = rng.randint(3, 10) if size is None else size
    candidates = [
        k
        for k in STORY_ORDER
        if k in known
        and facts.get(k) is not None
        and (style == "letter" or k not in _LETTER_ONLY)
        and not (k == "pregnant_or_breastfeeding" and facts.get("sex") != "female")
        and not (k == "pregnant_or_breastfeeding" and facts["age_years"] < 12)
    ]
    # lupus first when it is true (a story about lupus), then a random subset in story order
    said: dict[str, str] = {}
    if "sle_diagnosed" in candidates and facts["sle_diagnosed"] is True:
        said["sle_diagnosed"] = _lupus(facts, teller, rng)
    for key in candidates:
        text = None if key == "sle_diagnosed" else _clause(key, facts[key], teller, rng)
        if text is not None:
            said[key] = text
    detail = {"biopsy_class", "biopsy_months_ago", "ln_no_remission"}
    if facts.get("lupus_nephritis") is not True or "lupus_nephritis" not in said:
        for key in detail:  # the biopsy's details only with the nephritis they belong to
            said.pop(key, None)
    fixed = ["sle_diagnosed"] if "sle_diagnosed" in said else []
    rest = [k for k in said if k not in fixed]
    room = max(0, min(10, wanted) - len(values) - len(fixed))
    picked = set(fixed) | set(rng.sample(rest, min(room, len(rest))))
    if picked & detail and "lupus_nephritis" not in picked:
        picked.add("lupus_nephritis")
        if len(values) + len(picked) > 10:
            picked.discard(sorted(picked & detail)[0])
    for key in said:
        if key in picked:
            clauses.append(said[key])
            values[key] = True if key == "sle_diagnosed" else facts[key]
    return Said(_join(clauses, teller, rng), values, f"story:{style}")


def _join(clauses: list[str], teller: _Teller, rng: random.Random) -> str:
    """Clauses as one message: commas, an "and" before the last, sometimes two sentences."""
    if len(clauses) == 1:
        return clauses[0]
    head, last = clauses[:-1], clauses[-1]
    text = ", ".join(head) + rng.choice([", and ", ", "]) + last
    if teller.style == "letter":
        text += "."
    return text[:1].upper() + text[1:] if teller.style != "self" or rng.random() < 0.5 else text


# --- lab values -------------------------------------------------------------------------------
_LAB_NAMES: dict[str, list[str]] = {
    "ana_titer": ["ANA", "ANA titre", "Antinuclear antibody"],
    "anti_dsdna_iu_ml": ["dsDNA", "anti-dsDNA", "Anti-dsDNA antibodies"],
    "lymphocytes_10e9_l": ["lymphocytes", "Lymphocyte count", "Lymphocytes"],
    "egfr_ml_min": ["eGFR"],
    "serum_creatinine_mg_dl": ["creatinine", "Creatinine", "Serum creatinine"],
    "fasting_glucose_mmol_l": ["fasting glucose", "Fasting glucose", "Glucose (fasting)"],
    "postprandial_glucose_mmol_l": ["glucose after a meal", "Postprandial glucose"],
    "hba1c_percent": ["HbA1c", "A1c"],
    "biopsy_class": ["Kidney biopsy", "Biopsy"],
}


def _lab_value(
    key: str, value: Any, rng: random.Random, context: Mapping[str, Any]
) -> tuple[str, Any]:
    """A lab value with a unit a report would print, and the value it conveys (canonical)."""
    options: list[tuple[str, Any]]
    if key == "biopsy_class":
        klass = str(value)
        return rng.choice([f"class {klass.replace('+', ' + ')}", f"class {klass}"]), klass
    value = float(value)
    if key == "ana_titer":
        n = int(value)
        options = (
            [("negative", 0), ("neg", 0)]
            if n == 0
            else [(f"1:{n}", n), (f"1/{n}", n), (f"positive, titre 1:{n}", n)]
        )
    elif key == "anti_dsdna_iu_ml":
        options = [(f"{num(value, 1)} IU/mL", value), (f"{num(value, 1)} IU/ml", value)]
    elif key == "lymphocytes_10e9_l":
        cells = round(value * 1000)
        options = [
            (f"{num(value)} x10^9/L", value),
            (f"{num(value)} ×10⁹/L", value),
            (f"{cells}/µL", cells / 1000),
        ]
    elif key == "egfr_ml_min":
        options = [(f"{num(value, 1)} mL/min/1.73m2", value), (f"{num(value, 1)} ml/min", value)]
    elif key == "serum_creatinine_mg_dl":
        umol = round(value * CREATININE_UMOL_L)
        options = [
            (f"{num(value)} mg/dL", value),
            (f"{umol} umol/L", umol / CREATININE_UMOL_L),
            (f"{umol} µmol/L", umol / CREATININE_UMOL_L),
        ]
    elif key in ("fasting_glucose_mmol_l", "postprandial_glucose_mmol_l"):
        mg = round(value * GLUCOSE_MG_DL)
        options = [(f"{num(value, 1)} mmol/L", value), (f"{mg} mg/dL", mg / GLUCOSE_MG_DL)]
    elif key == "hba1c_percent":
        options = [(f"{num(value, 1)} %", value), (f"{num(value, 1)}%", value)]
    else:
        raise ValueError(key)
    text, conveyed = rng.choice(options)
    if not same_side(key, value, conveyed, context):
        text, conveyed = options[0]
    return text, conveyed


#: other lines of a blood test report (none is a fact of the trial; none is read as one).
#: Not here: a urine protein/creatinine ratio ("Urine protein/creatinine ratio 150 mg/mmol"
#: is read as serum creatinine 1.7 mg/dL; see the benchmark's report).
_OTHER_LABS = [
    "Hb 12.1 g/dL",
    "WBC 5.4 x10^9/L",
    "Platelets 210 x10^9/L",
    "CRP 3 mg/L",
    "C3 0.7 g/L",
    "C4 0.1 g/L",
    "ESR 35 mm/h",
    "ALT 22 U/L",
    "Albumin 38 g/L",
]

#: reference ranges a report prints after the value (never read as the value).
_RANGES = {
    "lymphocytes_10e9_l": "(1.0-4.0)",
    "egfr_ml_min": "(>90)",
    "anti_dsdna_iu_ml": "(ref <10)",
    "serum_creatinine_mg_dl": "(0.5-1.1)",
    "hba1c_percent": "(4.0-5.6)",
}


def lab_paste(
    keys: Sequence[str], facts: Mapping[str, Any], knows: Any, rng: random.Random
) -> Said:
    """Pasted lab results: the values of `keys` the patient knows (`knows(key)`), in a report's
    format, in any order; unknown ones absent; none known: "I don't have my results"."""
    known = [k for k in keys if k in _LAB_NAMES and knows(k) and facts.get(k) is not None]
    if not known:
        return Said(
            rng.choice(["I don't have my results", "I don't know any of them", "no idea, sorry"]),
            {},
            "paste:none",
        )
    rng.shuffle(known)
    values: dict[str, Any] = {}
    items: list[tuple[str, str, str]] = []
    for key in known:
        text, conveyed = _lab_value(key, facts[key], rng, facts)
        values[key] = int(conveyed) if key == "ana_titer" else conveyed
        items.append((rng.choice(_LAB_NAMES[key]), text, _RANGES.get(key, "")))
    layout = rng.choice(["comma", "lines", "colon_lines", "ranges"])
    if layout in ("lines", "ranges") and rng.random() < 0.6:  # the rest of a blood test
        for line in rng.sample(_OTHER_LABS, rng.randint(1, 3)):
            items.insert(rng.randint(0, len(items)), (line, "", ""))
    if layout == "comma":
        text = ", ".join(f"{name} {value}" for name, value, _ in items)
    elif layout == "lines":
        text = "\n".join(f"{name} {value}" for name, value, _ in items)
    elif layout == "colon_lines":
        text = "my latest results:\n" + "\n".join(f"{name}: {value}" for name, value, _ in items)
    else:
        text = "\n".join(f"{name} {value} {ref}".rstrip() for name, value, ref in items)
    for key in keys:  # the ones the patient does not know: simply absent
        if key in _LAB_NAMES and key not in values:
            values.setdefault(key, None)
    return Said(text, {k: v for k, v in values.items() if v is not None}, f"paste:{layout}")


def lab_prose(
    keys: Sequence[str],
    facts: Mapping[str, Any],
    knows: Any,
    respondent: str,
    rng: random.Random,
) -> Said:
    """A patient who does not paste: the values they know in a sentence, or "I don't know"."""
    known = [k for k in keys if k in _LAB_NAMES and knows(k) and facts.get(k) is not None]
    if not known:
        return Said(
            rng.choice(["I don't know them", "I don't know", "not sure, sorry"]), {}, "labs:none"
        )
    values: dict[str, Any] = {}
    parts = []
    my = "my" if respondent != "guardian" else ("her" if facts.get("sex") == "female" else "his")
    for key in known:
        text, conveyed = _lab_value(key, facts[key], rng, facts)
        values[key] = int(conveyed) if key == "ana_titer" else conveyed
        name = _LAB_NAMES[key][0]
        parts.append(rng.choice([f"{my} {name} was {text}", f"{name} {text}"]))
    if len(parts) == 1:
        text = parts[0]
    else:
        # ", and": "my ANA was 1:640 and fasting glucose 94 mg/dL" loses the glucose (parser)
        text = ", ".join(parts[:-1]) + rng.choice([", and ", ", "]) + parts[-1]
    return Said(text, values, "labs:prose")


# --- grouped questions ------------------------------------------------------------------------
def group_words(label: str) -> list[str]:
    """Ways a patient names a group item, from its button label ("Heart problem" → "the heart
    problem", "DIC (clotting disorder)" → "the DIC", "Mental illness, alcohol or drugs,
    dementia" → "the mental illness")."""
    short = label.split("(")[0].split(",")[0].strip().lower()
    out = [f"the {short}"]
    first = short.split()[0]
    if (
        first not in ("the", "a", "an", "any", "positive", "severe", "uncontrolled", "organ")
        and len(short.split()) > 1
    ):
        out.append(f"the {first} one")
    return out


#: what a patient with the condition calls it, besides the item's label.
_GROUP_SPECIFIC: dict[str, list[str]] = {
    "heart_condition": ["heart failure"],
    "lung_condition": ["interstitial lung disease"],
    "other_cancer": ["lymphoma"],
    "skin_disease": ["psoriasis"],
    "infection_serology_positive": ["hepatitis B"],
    "organ_transplant": ["a kidney transplant"],
    "severe_allergy": ["anaphylaxis to penicillin"],
}


def group_answer(
    members: Sequence[str],
    values: Mapping[str, bool | None],
    labels: Mapping[str, str],
    rng: random.Random,
) -> Said:
    """The answer to "Do any of these apply?": `values` the patient's truth per member (None:
    not sure). "none of these", "just the heart problem", "the lung one and the skin one",
    "none, but not sure about the infection one", combined."""
    yes = [m for m in members if values.get(m) is True]
    unsure = [m for m in members if values.get(m) is None]

    def name(key: str, has_it: bool) -> str:
        words = group_words(labels.get(key, key.replace("_", " ")))
        return rng.choice(words + (_GROUP_SPECIFIC.get(key, []) if has_it else []))

    def listing(keys: list[str], has_it: bool = False) -> str:
        names = [name(k, has_it) for k in keys]
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]

    conveyed: dict[str, Any] = {m: values.get(m) for m in members}
    if not yes and not unsure:
        text = rng.choice(
            [
                "none of these",
                "no, none",
                "none of them",
                "no, none of those",
                "nothing like that",
                "none of these apply to me",
            ]
        )
        return Said(text, conveyed, "group:none")
    parts = []
    if yes:
        parts.append(rng.choice(["just ", "only ", "yes, ", ""]) + listing(yes, True))
    elif rng.random() < 0.5:
        parts.append("none of the others")
    if unsure:
        parts.append(rng.choice(["not sure about ", "I'm not sure about "]) + listing(unsure))
    style = "group:" + "+".join(s for s, c in (("yes", yes), ("unsure", unsure)) if c)
    return Said(", but ".join(parts) if len(parts) > 1 else parts[0], conveyed, style)


# --- read-backs -------------------------------------------------------------------------------
def matches(key: str, proposed: Any, meant: Any) -> bool:
    """Whether a value read back is what the patient meant (numbers: within the rounding of a
    unit the patient may have used, 1 %; biopsy months: 0.15)."""
    if proposed is None or meant is None:
        return proposed is None and meant is None
    if isinstance(meant, bool) or isinstance(proposed, bool):
        return proposed is meant or proposed == meant
    if isinstance(meant, str) or isinstance(proposed, str):
        return str(proposed).replace(" ", "").upper() == str(meant).replace(" ", "").upper()
    a, b = float(proposed), float(meant)
    tolerance = 0.15 if key == "biopsy_months_ago" else max(0.01 * abs(b), 0.005)
    return abs(a - b) <= tolerance


def wrong_values(
    proposed: Mapping[str, Any], meant: Mapping[str, Any]
) -> dict[str, tuple[Any, Any]]:
    """{fact: (read back, meant)} for every value read back that is not what the patient meant;
    a fact absent from `meant` (the patient does not know it) is wrong whatever its value."""
    wrong: dict[str, tuple[Any, Any]] = {}
    for key, value in proposed.items():
        if key not in meant or not matches(key, value, meant[key]):
            wrong[key] = (value, meant.get(key))
    return wrong


def readback_answer(
    proposed: Mapping[str, Any],
    meant: Mapping[str, Any],
    respondent: str,
    sex: str | None,
    rng: random.Random,
) -> tuple[Said, dict[str, tuple[Any, Any]]]:
    """The answer to "I noted: … Is that right?": "yes" when every value is what the patient
    meant, else "no" with a correction in words for each wrong value the patient knows
    ("no, the biopsy was 5 months ago"). Returns (what is said, the wrong values)."""
    wrong = wrong_values(proposed, meant)
    if not wrong:
        text = rng.choice(["yes", "yes that's right", "correct", "yes, that's correct", "yep"])
        return Said(text, {k: meant[k] for k in proposed}), {}
    teller = _Teller("guardian" if respondent == "guardian" else "self", sex)
    corrections, values = [], {}
    for key, (_said, value) in wrong.items():
        fix = correction(key, value, teller, rng)
        if fix is not None:
            corrections.append(fix)
            values[key] = value
    text = "no" if not corrections else "no, " + ", and ".join(corrections)
    return Said(text, values, "readback:no"), wrong


def add_values(
    said: Said, keys: Sequence[str], facts: Mapping[str, Any], rng: random.Random
) -> Said:
    """`said` (the answer to a read-back) with the lab values of `keys` added ("yes, and
    creatinine 98 umol/L"): the bot said it does not have them yet."""
    values = dict(said.values)
    parts = []
    for key in keys:
        if key not in _LAB_NAMES or facts.get(key) is None:
            continue
        text, conveyed = _lab_value(key, facts[key], rng, facts)
        values[key] = int(conveyed) if key == "ana_titer" else conveyed
        parts.append(f"{_LAB_NAMES[key][0]} {text}")
    if not parts:
        return said
    return Said(f"{said.text}, and {', '.join(parts)}", values, said.style or "readback:yes")


def correction(key: str, value: Any, teller: _Teller, rng: random.Random) -> str | None:
    """A clause that states the right value with the fact's own words (None: the patient does
    not know it, or no clause says it clearly; the bot asks it again later)."""
    if value is None:
        return None
    if key == "age_years":
        return f"{teller.is_()} {int(value)}"
    if key == "sex":
        return rng.choice(["female", "a woman"] if value == "female" else ["male", "a man"])
    if key == "sle_diagnosed":
        return f"{teller.has()} lupus" if value else "it's not lupus"
    if key == "biopsy_months_ago":
        return f"the biopsy was {num(float(value))} months ago"
    if key in _LAB_NAMES:
        text, _ = _lab_value(key, value, rng, {})
        return f"{_LAB_NAMES[key][0]} {text}"
    return _clause(key, value, teller, rng)


def one_by_one(
    key: str, value: Any, rng: random.Random, respondent: str, facts: Mapping[str, Any]
) -> Phrase:
    """A single fact's answer in varied free text (bench.phrasing)."""
    return phrase(key, value, rng, respondent=respondent, sex=facts.get("sex"), context=facts)


__all__ = [
    "CONFIRM",
    "KINDS",
    "LAB_KEYS",
    "LAB_RESULTS",
    "Said",
    "Voice",
    "group_answer",
    "group_words",
    "kind_for",
    "lab_paste",
    "lab_prose",
    "matches",
    "one_by_one",
    "readback_answer",
    "story",
    "wrong_values",
]
