"""Hostile and broken answers against the real trial file's FactSpecs (issue 6 §3).

`test_properties` fuzzes this suite's own fact dictionary; here the real trial's askable facts
(their real ranges and conversions) get what people paste or probe with: markup and script,
SQL, template syntax, absurd and scientific-notation numbers, wrong units, emoji, Chinese and
right-to-left text, control and invisible characters. Never a crash, never a value outside the
FactSpec, and never a number read out of code ("<script>alert(1)</script>" is not age 1).
"""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.answers import Parsed, parse_answer, parse_correction
from bot.criteria import get_trial
from bot.criteria.model import FactSpec

TRIAL = get_trial()
ASKABLE = [fact for fact in TRIAL.facts.values() if fact.askable]
NUMERIC = [fact for fact in ASKABLE if fact.type in ("integer", "number")]
FACTS = TRIAL.facts
SETTINGS = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=300,
    suppress_health_check=[HealthCheck.too_slow],
)


def assert_valid(parsed: Parsed, fact: FactSpec) -> None:
    """A value is of the fact's type and inside its range or choices; otherwise no value."""
    assert parsed.status in ("value", "unknown", "invalid")
    if parsed.status != "value":
        assert parsed.value is None
        assert bool(parsed.hint) == (parsed.status == "invalid")
        return
    value = parsed.value
    if fact.type == "boolean":
        assert isinstance(value, bool)
    elif fact.type == "choice":
        assert isinstance(value, str) and value in fact.choices
    else:
        assert isinstance(value, int if fact.type == "integer" else float)
        assert not isinstance(value, bool)
        assert math.isfinite(value) and math.copysign(1.0, value) == 1.0  # no -0.0 either
        assert fact.minimum is None or value >= fact.minimum
        assert fact.maximum is None or value <= fact.maximum


# --- fixed cases -------------------------------------------------------------------------------

ABSURD = [
    ("age_years", "300"),
    ("age_years", "I'm 300 years old"),
    ("age_years", "-5"),
    ("age_years", "minus 5"),
    ("age_years", "1e3"),
    ("age_years", "1e308"),
    ("age_years", "99999999999999999999999"),
    ("egfr_ml_min", "-5"),
    ("egfr_ml_min", "eGFR −5"),
    ("egfr_ml_min", "– 5"),
    ("egfr_ml_min", "5000"),
    ("ana_titer", "1:0"),
    ("ana_titer", "1:-160"),
    ("ana_titer", "1:99999999"),
    ("serum_creatinine_mg_dl", "-0.9 mg/dL"),
    ("hba1c_percent", "700%"),
    ("lymphocytes_10e9_l", "-1"),
    ("glucocorticoid_mg_per_day", "-10 mg"),
    ("biopsy_months_ago", "-3 months"),
    ("biopsy_months_ago", "300 years ago"),
    ("ecog", "5"),
    ("ecog", "-1"),
    ("ecog", "1:0"),
    ("ecog", "1-2"),
    ("ecog", "1,000,000"),
    ("ecog", "1e3"),
    ("fasting_glucose_mmol_l", "-6.5"),
]

WRONG_UNITS = [
    ("age_years", "34 kg"),
    ("egfr_ml_min", "75 mg/dL"),
    ("egfr_ml_min", "75 kg"),
    ("serum_creatinine_mg_dl", "80 kg"),
    ("serum_creatinine_mg_dl", "80 mmol/L"),
    ("glucocorticoid_mg_per_day", "10 g"),
    ("glucocorticoid_mg_per_day", "10 ml"),
    ("hba1c_percent", "7 mmol/mol"),
    ("lymphocytes_10e9_l", "1400 kg"),
    ("fasting_glucose_mmol_l", "6.5 kg"),
]

#: markup, script, template, SQL and URL-encoded input: never an answer, whatever digits it holds.
CODE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(4)>",
    "<b>34</b>",
    "<b>yes</b>",
    "javascript:alert(1)",
    "alert(4)",
    "&lt;script&gt;34",
    "%3Cscript%3E",
    "%00",
    "{{7*7}}",
    "${7*7}",
    "<%= 34 %>",
    "1; DROP TABLE answers",
    "34'); DELETE FROM screenings WHERE ('1'='1",
    "' OR '1'='1",
    "1 OR 1=1",
    "yes' OR 1=1 --",
    "SELECT * FROM facts WHERE 1=1",
    "1 UNION SELECT password FROM users",
    "0x22",
    "0x1",
    "\x1b[31m\x07\x7f",  # a terminal colour code…
    "[31m",  # …and what is left of it once the web app drops the control characters
]


@pytest.mark.parametrize(("key", "text"), ABSURD)
def test_absurd_numbers_are_refused_with_a_hint(key: str, text: str) -> None:
    parsed = parse_answer(text, FACTS[key])
    assert parsed.status == "invalid", (text, parsed)
    assert parsed.hint and parsed.value is None


@pytest.mark.parametrize(("key", "text"), WRONG_UNITS)
def test_wrong_units_are_refused_with_a_hint(key: str, text: str) -> None:
    parsed = parse_answer(text, FACTS[key])
    assert parsed.status == "invalid", (text, parsed)
    assert parsed.hint and "unit" in parsed.hint


@pytest.mark.parametrize("text", CODE)
def test_code_is_never_an_answer(text: str) -> None:
    for fact in ASKABLE:
        parsed = parse_answer(text, fact)
        assert parsed.status == "invalid", (fact.key, text, parsed)
        assert parsed.hint
    for pending in (None, FACTS["age_years"], FACTS["ecog"]):
        correction = parse_correction(f"sorry, actually {text}", ASKABLE, pending)
        assert correction is None or correction[1].status == "invalid", (text, correction)


@pytest.mark.parametrize(
    ("key", "text", "value"),
    [
        ("age_years", "34 🎂", 34),
        ("age_years", "٣٤", 34),  # Arabic-Indic digits
        ("age_years", "３４", 34),  # full-width digits
        ("age_years", "-0", 0),
        ("egfr_ml_min", "-0", 0.0),
        ("lymphocytes_10e9_l", "1.4e9/L", 1.4),  # "e9" is the lab's ×10⁹, not an exponent
        ("lymphocytes_10e9_l", "1.4 x10^9/L", 1.4),
        ("glucocorticoid_mg_per_day", "1e1 mg", 10.0),
        ("hba1c_percent", "7.1%", 7.1),
        ("ecog", "1 - light work only", 1),
    ],
)
def test_odd_but_honest_answers_keep_their_value(key: str, text: str, value: object) -> None:
    parsed = parse_answer(text, FACTS[key])
    assert parsed.status == "value", (text, parsed)
    assert parsed.value == value and type(parsed.value) is type(value)
    assert_valid(parsed, FACTS[key])


# --- properties --------------------------------------------------------------------------------

_CODE_TEMPLATES = [
    "<script>alert({n})</script>",
    "<b>{n}</b>",
    "<p onclick=x>{n}</p>",
    "javascript:alert({n})",
    "{n}; DROP TABLE answers",
    "{n}'; --",
    "' OR {n}={n} --",
    "{n} OR {n}={n}",
    "{{{{{n}}}}}",
    "${{{n}}}",
    "%3C{n}%3E",
    "0x{n}",
    "SELECT {n} FROM facts",
]
_NUMBER_TEXT = st.one_of(
    st.integers(0, 10**6).map(str),
    st.floats(0, 1e6, allow_nan=False).map(lambda x: f"{x:.3g}"),
)
_JUNK = st.sampled_from(
    [
        *"🙂👍🎂❤️我三十四岁你好مرحباשלום٣४３\u200b\u200d\u202e\u2066\x00\x1b\x7f\t\n",
        *["<", ">", "'", '"', ";", "--", "/*", "{", "}", "=", "&", "%", "\\", "/inform"],
    ]
)
_HOSTILE = st.one_of(
    st.text(max_size=40),
    st.lists(st.one_of(_JUNK, _NUMBER_TEXT, st.sampled_from(["yes", "no", "mg", "kg", "%"]))).map(
        " ".join
    ),
    st.lists(st.one_of(_JUNK, _NUMBER_TEXT), max_size=8).map("".join),
)


@SETTINGS
@given(template=st.sampled_from(_CODE_TEMPLATES), n=_NUMBER_TEXT, fact=st.sampled_from(ASKABLE))
@example(template="<script>alert({n})</script>", n="1", fact=FACTS["biopsy_class"])
def test_no_number_is_read_out_of_code(template: str, n: str, fact: FactSpec) -> None:
    parsed = parse_answer(template.format(n=n), fact)
    assert parsed.status == "invalid", (template.format(n=n), fact.key, parsed)


@SETTINGS
@given(text=_HOSTILE, fact=st.sampled_from(ASKABLE))
@example(text="\ud800 34 \udfff", fact=FACTS["age_years"])
@example(text="\u202e43\u202c", fact=FACTS["age_years"])
def test_hostile_text_never_gives_a_value_outside_the_fact(text: str, fact: FactSpec) -> None:
    assert_valid(parse_answer(text, fact), fact)
    correction = parse_correction(text, ASKABLE, fact)
    if correction is not None:
        assert_valid(correction[1], FACTS[correction[0]])


def _too_big(fact: FactSpec) -> float:
    """Out of range even after the fact's largest declared conversion."""
    assert fact.maximum is not None
    return fact.maximum * max([1.0, *fact.conversions.values()]) * 100 + 1


@SETTINGS
@given(
    fact=st.sampled_from(NUMERIC),
    size=st.floats(1e-3, 1e6, allow_nan=False),
    big=st.booleans(),
    form=st.sampled_from(["{x}", "-{x}", "−{x}", "minus {x}", "{x:,}", "{x} {unit}"]),
)
@example(fact=FACTS["age_years"], size=300.0, big=False, form="{x}")
def test_absurd_numbers_are_always_refused(
    fact: FactSpec, size: float, big: bool, form: str
) -> None:
    """Any negative number, or one far above the range, is invalid with a hint: never clamped."""
    if big:
        x: float = round(_too_big(fact) * (1 + size))
        form = form.replace("-", "").replace("−", "").replace("minus ", "")
    else:
        x = round(size, 2) or 1
        if "-" not in form and "−" not in form and "minus" not in form:
            form = "-" + form
    text = form.format(x=x, unit=fact.unit or "")
    parsed = parse_answer(text, fact)
    assert parsed.status == "invalid", (text, fact.key, parsed)
    assert parsed.hint


@SETTINGS
@given(
    fact=st.sampled_from([f for f in NUMERIC if not f.conversions and not f.value_labels]),
    mantissa=st.integers(1, 9),
    power=st.integers(-3, 400),
)
def test_scientific_notation_is_never_read_as_its_mantissa(
    fact: FactSpec, mantissa: int, power: int
) -> None:
    parsed = parse_answer(f"{mantissa}e{power}", fact)
    assert_valid(parsed, fact)
    if power != 0 and parsed.status == "value":
        assert isinstance(parsed.value, (int, float))
        assert math.isclose(parsed.value, mantissa * 10.0**power, rel_tol=1e-6, abs_tol=0.01)
