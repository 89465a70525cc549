"""Support for the issue-11 golden conversations (tests/stack/test_issue11_quoted.py).

A `Patient` chats over Rasa's REST channel and, after every bot turn, reads the tracker slots
outside tools rely on (`requested_slot`, `pending_facts`, `proposed_facts`) to know what is
being asked; it answers from a `Profile` (free text as people type it), never from a fixed
question order. What was stored is read from the store itself (`answers`: every answer row,
superseded ones too, with the patient's words kept as evidence) and from `prescreen export`.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from bot.criteria import get_trial
from tests.stack.harness import Chat, Stack, tracker_slots

#: requested_slot while a read-back (or the confirmation before an exclusion) waits.
CONFIRM = "confirm_facts"


@dataclass(frozen=True)
class Row:
    """One stored answer: the fact, its value (None: asked, and unknown), the patient's
    words kept as its evidence, and whether a later answer superseded it."""

    fact: str
    value: Any
    raw_text: str | None
    current: bool


def answers(stack: Stack, sender: str) -> list[Row]:
    """Every answer row of the conversation's screenings, oldest first."""
    database = stack.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(database) as db:
        rows = db.execute(
            "SELECT answer.fact, answer.value_json, answer.raw_text, answer.superseded_at "
            "FROM answer JOIN screening ON screening.id = answer.screening_id "
            "WHERE screening.conversation_id = ? ORDER BY answer.id",
            (sender,),
        ).fetchall()
    return [
        Row(fact, json.loads(value), raw, superseded is None)
        for fact, value, raw, superseded in rows
    ]


def current(stack: Stack, sender: str) -> dict[str, Row]:
    """The current answer row of each fact."""
    return {row.fact: row for row in answers(stack, sender) if row.current}


def _yes_no(key: str) -> bool:
    fact = get_trial().facts.get(key)
    return fact is not None and fact.type == "boolean"


@dataclass(frozen=True)
class Profile:
    """A patient's true answers. `single`: the answer typed when one fact is asked; for a
    grouped question, `named` are the members that apply and `unsure` those the patient is not
    sure of, each with the words the patient calls it by (the other members do not apply)."""

    single: Mapping[str, str]
    named: Mapping[str, str] = field(default_factory=dict)
    unsure: Mapping[str, str] = field(default_factory=dict)
    confirm: str = "yes thats right"
    #: the reply to the invitation to type or paste lab results.
    labs: str = "dont have them sorry"

    def but(
        self,
        *,
        named: Mapping[str, str] | None = None,
        unsure: Mapping[str, str] | None = None,
        **single: str,
    ) -> Profile:
        """This patient with some answers changed."""
        return replace(
            self,
            single={**self.single, **single},
            named={**self.named, **(named or {})},
            unsure={**self.unsure, **(unsure or {})},
        )

    def reply(self, requested: str | None, pending: list[str]) -> str:
        """What this patient types for the question the tracker says is pending."""
        if requested == CONFIRM:
            return self.confirm
        if len(pending) > 1 and not all(_yes_no(key) for key in pending):
            return self.labs  # the invitation to type or paste lab results
        if len(pending) > 1:  # a grouped question
            named = [self.named[key] for key in pending if key in self.named]
            unsure = [self.unsure[key] for key in pending if key in self.unsure]
            if not named and not unsure:
                return "none of these"
            parts = ["just the " + " and the ".join(named)] if named else []
            if unsure:
                parts.append("not sure about the " + " or the ".join(unsure))
            if not named:
                parts.append("the rest no")
            return ", ".join(parts)
        key = pending[0] if pending else requested
        if key is None or key not in self.single:
            raise KeyError(key)
        return self.single[key]


#: a woman of 34 with lupus nephritis on the kidney route, with nothing that rules her out.
KIDNEY_PATIENT = Profile(
    single={
        "consent_prescreen": "ok sure",
        "respondent": "its me, for myself",
        "contact_consent": "no thanks",
        "age_years": "34",
        "sex": "female",
        "sle_diagnosed": "yes since 2018",
        "lupus_nephritis": "yes",
        "biopsy_class": "class IV",
        "biopsy_months_ago": "3 months ago",
        "ln_no_remission": "yes",
        "glucocorticoid_mg_per_day": "about 15mg",
        "had_glucocorticoid_and_cyclophosphamide_6mo": "yes",
        "had_immunomodulator_3mo": "yes plaquenil for years",
        "routine_treatment_failed": "yes it keeps coming back",
        "pregnant_or_breastfeeding": "no",
        "other_cancer": "no",
        "organ_transplant": "no never",
        "infection_serology_positive": "no",
        "heart_condition": "no",
        "lung_condition": "no",
        "neuro_condition": "no",
        "uncontrolled_infection": "no",
        "dic": "no",
        "serious_mental_illness": "no",
        "skin_disease": "no",
        "severe_allergy": "no",
        "diabetes": "no",
        "diabetic_ketoacidosis": "no",
        "can_stop_immunosuppressants": "yes i think i could",
        "ecog": "i can do light work, just not heavy stuff",
        "can_consent": "yes",
        "ana_titer": "1:320",
        "anti_dsdna_iu_ml": "dont know",
        "lymphocytes_10e9_l": "not sure",
        "egfr_ml_min": "no idea",
        "serum_creatinine_mg_dl": "dont know sorry",
        "fasting_glucose_mmol_l": "dont know",
        "postprandial_glucose_mmol_l": "dont know",
        "hba1c_percent": "dont know",
    }
)


class Patient:
    """One conversation: what the bot said last, and the tracker's slots after each turn."""

    def __init__(self, stack: Stack, profile: Profile = KIDNEY_PATIENT) -> None:
        self.stack = stack
        self.profile = profile
        self.chat = Chat(stack, f"issue11-{uuid.uuid4().hex[:12]}")
        self.messages: list[dict[str, Any]] = []
        self.slots: dict[str, Any] = {}
        #: (requested_slot, pending_facts) of every question answered, in order.
        self.asked: list[tuple[str | None, tuple[str, ...]]] = []

    @property
    def sender(self) -> str:
        return self.chat.sender

    @property
    def requested(self) -> str | None:
        value = self.slots.get("requested_slot")
        return str(value) if value else None

    @property
    def pending(self) -> list[str]:
        return list(self.slots.get("pending_facts") or [])

    @property
    def proposed(self) -> dict[str, Any]:
        return dict(self.slots.get("proposed_facts") or {})

    @property
    def said(self) -> str:
        """Everything the bot said in reply to the last message."""
        return "\n".join(m.get("text", "") for m in self.messages)

    def transcript(self) -> str:
        return (
            self.chat.transcript()
            + f"\n  slots: requested={self.requested} "
            + (f"pending={self.pending} proposed={self.proposed}")
        )

    def send(self, text: str) -> str:
        """Send `text`; what the bot said back."""
        self.messages = self.chat.send(text)
        self.slots = tracker_slots(self.stack, self.sender)
        return self.said

    def answer(self) -> str:
        """Answer the pending question from the profile."""
        try:
            reply = self.profile.reply(self.requested, self.pending)
        except KeyError as exc:
            raise AssertionError(f"unexpected question {exc}\n{self.transcript()}") from None
        self.asked.append((self.requested, tuple(self.pending)))
        return self.send(reply)

    def answer_until(self, done: Callable[[Patient], bool], limit: int = 60) -> None:
        """Answer what is asked until `done(self)` (checked before each answer)."""
        for _ in range(limit):
            if done(self):
                return
            if self.requested is None:
                raise AssertionError(f"the conversation ended first\n{self.transcript()}")
            self.answer()
        raise AssertionError(f"never reached the point\n{self.transcript()}")

    def finish(self, limit: int = 80) -> None:
        """Answer until nothing more is asked."""
        for _ in range(limit):
            if self.requested is None:
                return
            self.answer()
        raise AssertionError(f"conversation did not end\n{self.transcript()}")

    def start(self, opening: str = "hi") -> None:
        """Open the chat, agree to the notice, say who answers."""
        self.send(opening)
        self.answer_until(lambda p: p.requested not in ("consent_prescreen", "respondent"))

    def was_asked(self, fact: str) -> bool:
        """True when a question covering `fact` was answered (not a read-back)."""
        return any(fact in pending for requested, pending in self.asked if requested != CONFIRM)

    def export(self) -> dict[str, Any]:
        return self.stack.export(self.sender)

    def rows(self) -> list[Row]:
        return answers(self.stack, self.sender)

    def stored(self) -> dict[str, Row]:
        return current(self.stack, self.sender)


def asks(fact: str) -> Callable[[Patient], bool]:
    """`answer_until` condition: a question covering `fact` is pending."""
    return lambda patient: patient.requested != CONFIRM and fact in patient.pending


def answered(*facts: str) -> Callable[[Patient], bool]:
    """`answer_until` condition: every one of `facts` is stored."""
    return lambda patient: all(f in patient.stored() for f in facts)


def texts(rows: Mapping[str, Row]) -> dict[str, str | None]:
    return {fact: row.raw_text for fact, row in rows.items()}
