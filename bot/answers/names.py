"""Language-neutral names the parser's resource files refer to.

The canonical unit strings (what the trial file writes as a fact's ``unit``), the ConText
categories and directions, and the labels of the spans the yes/no reader marks. The
resource loader checks every file against these; the parser modules use them by name.
"""

from __future__ import annotations

from collections.abc import Mapping

MG_DL = "mg/dL"
UMOL_L = "µmol/L"
MMOL_L = "mmol/L"
PER_UL = "/µL"
K_PER_UL = "×10³/µL"
G_PER_L = "×10⁹/L"
PERCENT = "%"
MS = "ms"
MG_DAY = "mg/day"
IU_ML = "IU/mL"
ML_MIN = "mL/min/1.73 m²"
YEARS = "years"
MONTHS = "months"
WEEKS = "weeks"
DAYS = "days"
HOURS = "hours"
TITER = "titer"
#: recognised, never convertible: a number with one of these is answered in the wrong unit.
OTHER = "other"

#: every unit a resource file may map a spelling to.
CANONICAL_UNITS = frozenset(
    {MG_DL, UMOL_L, MMOL_L, PER_UL, K_PER_UL, G_PER_L, PERCENT, MS, MG_DAY, IU_ML, ML_MIN}
    | {YEARS, MONTHS, WEEKS, DAYS, HOURS, TITER, OTHER}
)
TIME_UNITS = frozenset({YEARS, MONTHS, WEEKS, DAYS, HOURS})
#: built-in conversions (divisors) for time, beside whatever the fact declares.
TIME_CONVERSIONS: Mapping[str, Mapping[str, float]] = {
    MONTHS: {YEARS: 1 / 12, WEEKS: 4.345, DAYS: 30.44, HOURS: 730.5},
    YEARS: {MONTHS: 12.0, WEEKS: 52.18, DAYS: 365.25, HOURS: 8766.0},
}

# ConText categories of the chat-answer rules.
NEGATED = "NEGATED_EXISTENCE"
POSSIBLE = "POSSIBLE_EXISTENCE"
HISTORICAL = "HISTORICAL"
FAMILY = "FAMILY"
HYPOTHETICAL = "HYPOTHETICAL"
TERMINATE = "TERMINATE"
#: "still", "currently", "now": the condition holds at present (beats HISTORICAL).
CURRENT = "CURRENT"
CATEGORIES = frozenset({NEGATED, POSSIBLE, HISTORICAL, FAMILY, HYPOTHETICAL, TERMINATE, CURRENT})
DIRECTIONS = frozenset({"FORWARD", "BACKWARD", "BIDIRECTIONAL", "TERMINATE", "PSEUDO"})
#: labels of the spans the yes/no reader marks as ConText targets.
TARGET_LABELS = frozenset({"TOPIC", "ASSERT", "NEGV", "YES", "NO", "UNSURE", "NOT_NOW"})
