"""A parse is fast once the pipeline is built (the brief: well under 5 ms)."""

from __future__ import annotations

import statistics
import time

from bot.answers import parse_answer

from . import test_choices_scales, test_durations_titre, test_numbers, test_yesno
from .conftest import FACTS


def test_mean_parse_time_is_well_under_five_ms() -> None:
    cases = (
        test_numbers.AGE
        + test_numbers.LABS
        + test_yesno.PLAIN
        + test_yesno.TOPICS
        + test_durations_titre.DURATIONS
        + test_choices_scales.BIOPSY
        + test_choices_scales.ECOG
    )
    for key, text, _, _ in cases:  # warm up: builds the medspaCy pipeline once
        parse_answer(text, FACTS[key])
    timings = []
    for key, text, _, _ in cases * 3:
        started = time.perf_counter()
        parse_answer(text, FACTS[key])
        timings.append(time.perf_counter() - started)
    assert statistics.mean(timings) < 0.005
    assert statistics.median(timings) < 0.002
