"""Choice facts (sex, biopsy class) and the ECOG scale asked in plain words."""

from __future__ import annotations

import pytest

from .conftest import ECOG_LABELS
from .support import Case, check

SEX: list[Case] = [
    ("sex", "female", "value", "female"),
    ("sex", "Female", "value", "female"),
    ("sex", "woman", "value", "female"),
    ("sex", "I'm a woman", "value", "female"),
    ("sex", "F", "value", "female"),
    ("sex", "f.", "value", "female"),
    ("sex", "girl", "value", "female"),
    ("sex", "she's a girl", "value", "female"),
    ("sex", "male", "value", "male"),
    ("sex", "man", "value", "male"),
    ("sex", "M", "value", "male"),
    ("sex", "boy", "value", "male"),
    ("sex", "I am a man", "value", "male"),
    ("sex", "female and male", "invalid", None),
    ("sex", "not male", "invalid", None),
    ("sex", "I'm from France", "invalid", None),
    ("sex", "mf", "invalid", None),
]

BIOPSY: list[Case] = [
    ("biopsy_class", "class 4", "value", "IV"),
    ("biopsy_class", "IV", "value", "IV"),
    ("biopsy_class", "iii", "value", "III"),
    ("biopsy_class", "class 3", "value", "III"),
    ("biopsy_class", "Class III", "value", "III"),
    ("biopsy_class", "class four", "value", "IV"),
    ("biopsy_class", "I", "value", "I"),
    ("biopsy_class", "class I", "value", "I"),
    ("biopsy_class", "I think it was IV", "value", "IV"),
    ("biopsy_class", "VI", "value", "VI"),
    ("biopsy_class", "V", "value", "V"),
    ("biopsy_class", "V and IV", "value", "V+IV"),
    ("biopsy_class", "5 and 4", "value", "V+IV"),
    ("biopsy_class", "IV+V", "value", "V+IV"),
    ("biopsy_class", "class V with IV", "value", "V+IV"),
    ("biopsy_class", "mixed V/IV", "value", "V+IV"),
    ("biopsy_class", "III + V", "value", "V+III"),
    ("biopsy_class", "IV-G (A)", "value", "IV"),
    ("biopsy_class", "class IV-S (A/C)", "value", "IV"),
    ("biopsy_class", "class IV, done 2 months ago", "value", "IV"),
    ("biopsy_class", "class 7", "invalid", None),
    ("biopsy_class", "III/IV", "invalid", None),
    ("biopsy_class", "class", "invalid", None),
    ("biopsy_class", "no", "unknown", None),
    ("biopsy_class", "Class IV (diffuse)", "value", "IV"),
]

ECOG: list[Case] = [
    ("ecog", "0", "value", 0),
    ("ecog", "1", "value", 1),
    ("ecog", "2", "value", 2),
    ("ecog", "3", "value", 3),
    ("ecog", "4", "value", 4),
    ("ecog", "ECOG 1", "value", 1),
    ("ecog", "one", "value", 1),
    ("ecog", "fully active", "value", 0),
    ("ecog", "I can do everything", "value", 0),
    ("ecog", "light work only", "value", 1),
    ("ecog", "restricted in strenuous activity but can walk and do light work", "value", 1),
    (
        "ecog",
        "I can look after myself but can't work, up and about more than half the day",
        "value",
        2,
    ),
    ("ecog", "in bed or a chair more than half the day", "value", 3),
    ("ecog", "limited self-care", "value", 3),
    ("ecog", "completely disabled", "value", 4),
    ("ecog", "bedridden", "value", 4),
    ("ecog", "can't look after myself at all", "value", 4),
    ("ecog", "1 - light work only", "value", 1),
    ("ecog", "2 - fully active", "invalid", None),
    ("ecog", "5", "invalid", None),
    ("ecog", "1.5", "invalid", None),
    ("ecog", "-1", "invalid", None),
    ("ecog", "I can walk 2 miles but nothing strenuous", "value", 1),
    ("ecog", "banana", "invalid", None),
]


@pytest.mark.parametrize(("key", "text", "status", "value"), SEX + BIOPSY + ECOG)
def test_choices_and_scales(key: str, text: str, status: str, value: object) -> None:
    check(key, text, status, value)


@pytest.mark.parametrize(("value", "label"), sorted(ECOG_LABELS.items()))
def test_pasted_ecog_label_gives_its_value(value: str, label: str) -> None:
    check("ecog", label, "value", int(value))


def test_scale_hint_lists_labels() -> None:
    hint = check("ecog", "banana", "invalid").hint or ""
    assert "0 to 4" in hint
    assert "Fully active" in hint


def test_choice_hint_lists_choices() -> None:
    hint = check("sex", "I'm from France", "invalid").hint or ""
    assert "female" in hint
    assert "male" in hint


# ── ECOG from plain words (issue 12): several descriptions, hedges, children ──────────────

ECOG_WORDS: list[tuple[str, int]] = [
    # the quoted answers
    ("I still go to work, just no heavy work", 1),
    ("I'm pretty active, I can do most things, just get tired", 1),
    ("I'm mostly in bed or in my chair all day, my daughter has to help me wash", 3),
    ("he goes to school and plays football", 0),
    # one per level, in everyday words
    ("fully active, I work full time and go to the gym", 0),
    ("I do everything I did before", 0),
    ("she is at school full time and does gymnastics", 0),
    ("I have no physical limitations", 0),
    ("I can't work full time anymore", 1),
    ("she goes to school but can't do PE", 1),
    ("he goes to school but gets tired", 1),
    ("I can walk but nothing too strenuous", 1),
    ("I go to work but avoid heavy lifting", 1),
    ("I can look after myself but can't work, I rest a lot in the afternoon", 2),
    ("I had to stop working, but I can look after myself", 2),
    ("I can't go to work", 2),
    ("he can't go to school", 2),
    ("I can do most things for myself but I can't work", 2),
    ("my husband helps me get dressed", 3),
    ("I need help to wash", 3),
    ("I'm mostly in bed all day", 3),
    ("I used to be fully active, now I'm mostly in bed", 3),
    ("completely bedridden", 4),
    ("I'm in bed all day", 4),
    ("I can't take care of myself at all", 4),
    ("my mum does everything for me", 4),
    ("I spend most of the day on the sofa", 3),
    ("I do everything except running", 1),
    ("I can do everything except work", 2),
    ("I can do everything except go to school", 2),
    ("I can do everything but I get tired", 1),
    ("I run marathons", 0),
    ("I still play tennis", 0),
    ("she plays with her friends and goes to nursery", 0),
]


@pytest.mark.parametrize(("text", "level"), ECOG_WORDS)
def test_ecog_in_plain_words(text: str, level: int) -> None:
    check("ecog", text, "value", level)


ECOG_ASKED_BACK = [
    "maybe light work",  # hedged
    "I guess I'm fully active",
    "probably bedridden soon",
    "I work full time but I'm in bed most of the day",  # levels far apart
    "fully active but bedridden",
    "some days are good, some days are bad",  # no level described
    "I get tired",
    "I'm pretty active",
    "I'm not as active as before",
    "I don't go to work",
    "he used to play football",
    "I work part time",
    "0 - I still go to work, just no heavy work",  # number and words disagree
]


@pytest.mark.parametrize("text", ECOG_ASKED_BACK)
def test_unclear_ecog_is_asked_back_not_guessed(text: str) -> None:
    hint = check("ecog", text, "invalid").hint or ""
    assert "0 to 4" in hint


@pytest.mark.parametrize(
    ("text", "level", "evidence"),
    [
        ("I still go to work, just no heavy work", 1, "no heavy work"),
        ("I'm mostly in bed or in my chair all day, my daughter has to help me wash", 3,
         "mostly in bed"),
        ("Completely disabled; cannot look after yourself at all", 4, "Completely disabled"),
        ("1, I still go to work, just no heavy work", 1, "1"),
    ],
)  # fmt: skip
def test_ecog_evidence_is_the_deciding_words(text: str, level: int, evidence: str) -> None:
    parsed = check("ecog", text, "value", level)
    assert parsed.span is not None
    assert text[parsed.span[0] : parsed.span[1]] == evidence
