"""The trial-agnostic eligibility engine: pure functions over a trial model and a fact set.

It imports neither Rasa, nor SQLAlchemy, nor the web framework.
"""

from bot.engine.assessment import OUTCOMES, Assessment, FollowUp, Outcome, assess
from bot.engine.evaluate import CriterionResult, Evaluation, evaluate
from bot.engine.facts import FactError, Facts, coerce_value, validate_facts, with_derived
from bot.engine.planner import LABS, Ask, Plan, is_lab_value, next_ask, next_question, plan

__all__ = [
    "LABS",
    "OUTCOMES",
    "Ask",
    "Assessment",
    "CriterionResult",
    "Evaluation",
    "FactError",
    "Facts",
    "FollowUp",
    "Outcome",
    "Plan",
    "assess",
    "coerce_value",
    "evaluate",
    "is_lab_value",
    "next_ask",
    "next_question",
    "plan",
    "validate_facts",
    "with_derived",
]
