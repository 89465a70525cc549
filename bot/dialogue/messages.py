"""What the bot says: a message with quick replies, and `Reply`, the one result of every turn.

Wording comes from the message catalog (`bot.i18n`, ids ``dialogue.*``) in the conversation's
language, and from the trial file; nothing here is an English sentence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.criteria.model import FactSpec, Value
from bot.i18n import t


@dataclass(frozen=True)
class Button:
    """A quick reply. The payload is plain text, parsed exactly like typed text."""

    title: str
    payload: str
    #: shown only where there is room (one button per item of a grouped question): a phone
    #: shows the others, and the patient types the items that apply.
    wide_only: bool = False

    @classmethod
    def of(cls, message_id: str, language: str) -> Button:
        """A button whose title and payload are the catalog's text for `message_id`."""
        text = t(message_id, language)
        return cls(text, text)

    def as_dict(self) -> dict[str, Any]:
        """The button as the channel carries it (``wide_only`` only when set)."""
        out: dict[str, Any] = {"title": self.title, "payload": self.payload}
        if self.wide_only:
            out["wide_only"] = True
        return out


@dataclass(frozen=True)
class BotMessage:
    """One message from the bot, with optional quick replies.

    `custom` carries machine-readable extras (the slot asked, questions left, the outcome) for
    tests and logs; it is not sent to the channel, where it would arrive as a separate message.
    """

    text: str
    buttons: tuple[Button, ...] = ()
    custom: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The keyword arguments of rasa_sdk's `dispatcher.utter_message`."""
        out: dict[str, Any] = {"text": self.text}
        if self.buttons:
            out["buttons"] = [b.as_dict() for b in self.buttons]
        return out


@dataclass
class Reply:
    """The outcome of one patient message: messages to send, slot updates, and the slot whose
    question is now pending (None: no question pending)."""

    messages: list[BotMessage] = field(default_factory=list)
    slots: dict[str, Any] = field(default_factory=dict)
    asking: str | None = None


def yes_no(language: str) -> tuple[Button, ...]:
    return (Button.of("dialogue.button.yes", language), Button.of("dialogue.button.no", language))


def yes_no_dont_know(language: str) -> tuple[Button, ...]:
    return (*yes_no(language), Button.of("dialogue.button.dont_know", language))


def respondent_buttons(language: str) -> tuple[Button, ...]:
    return (
        Button.of("dialogue.button.for_myself", language),
        Button.of("dialogue.button.for_someone", language),
    )


def after_buttons(language: str) -> tuple[Button, ...]:
    """Quick replies once the pre-screen is over: delete, start again."""
    return (
        Button.of("dialogue.button.delete", language),
        Button.of("dialogue.button.start_again", language),
    )


def join_list(items: list[str], language: str) -> str:
    """ "a, b and c" with the catalog's patterns (one item: itself)."""
    if not items:
        return ""
    head = items[0]
    for item in items[1:-1]:
        head = t("dialogue.list.join", language, head=head, item=item)
    if len(items) > 1:
        head = t("dialogue.list.last", language, head=head, last=items[-1])
    return head


def _whole(value: Value) -> Value:
    """3.0 → 3 (a whole number shown without its decimals)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def value_with_unit(fact: FactSpec, value: Value, language: str) -> str:
    """A number as the patient reads it: "45 years", "1.3 ×10⁹/L", a titre as "1:640"."""
    if fact.unit == "titer":
        return t("dialogue.value.titre", language, value=_whole(value))
    if fact.unit:
        return t("dialogue.value.with_unit", language, value=_whole(value), unit=fact.unit)
    return str(_whole(value))
