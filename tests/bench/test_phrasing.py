"""The phrasing layer: seeded, and every text means the value it says it means."""

from __future__ import annotations

import random

import pytest

from bench.phrasing import phrase, plain, same_side, words
from bench.population import generate
from bench.truth import ASKABLE


def texts(seed: int) -> list[str]:
    out = []
    rng = random.Random(seed)
    for profile in generate(40, seed=3):
        for key in sorted(ASKABLE):
            value = profile.chat_value(key)
            p = phrase(key, value, rng, respondent=profile.respondent,
                       sex=profile.facts["sex"], context=profile.facts)  # fmt: skip
            out.append(p.text)
    return out


def test_same_seed_same_text() -> None:
    assert texts(7) == texts(7)
    assert texts(7) != texts(8)


def test_every_phrase_conveys_its_value() -> None:
    rng = random.Random(1)
    for profile in generate(120, seed=5):
        for key in sorted(ASKABLE):
            value = profile.chat_value(key)
            for _ in range(3):
                p = phrase(key, value, rng, respondent=profile.respondent,
                           sex=profile.facts["sex"], context=profile.facts)  # fmt: skip
                assert p.text.strip()
                if value is None:
                    assert p.value is None
                elif isinstance(value, (bool, str)):
                    assert p.value == value
                else:
                    assert same_side(key, float(value), float(p.value), profile.facts), (key, p)
                    assert p.value == pytest.approx(value, rel=0.05, abs=0.5), (key, p)


def test_unit_conversions_never_cross_a_threshold() -> None:
    rng = random.Random(2)
    for _ in range(200):
        p = phrase("fasting_glucose_mmol_l", 8.0, rng)
        assert p.value == 8.0  # 8.0 mmol/L typed as "144 mg/dL" would mean 7.99
        lymph = phrase("lymphocytes_10e9_l", 1.01, rng)
        assert lymph.value > 1.0
    seen = {phrase("serum_creatinine_mg_dl", 0.9, rng).text for _ in range(200)}
    assert any("mol" in t for t in seen) and any("mg/d" in t for t in seen)


def test_dont_know_and_plain() -> None:
    assert phrase("ana_titer", None, random.Random(0)).value is None
    assert plain("ana_titer", 0).text == "negative"
    assert plain("severe_allergy", False).text == "no"
    assert plain("ecog", 2).value == 2


def test_words() -> None:
    assert words(34) == "thirty-four"
    assert words(12) == "twelve"
    assert words(100) == "a hundred"
