"""Bot messages: a small value type and the fixed wording of the dialogue (not trial-specific)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Button:
    """A quick reply. The payload is plain text, parsed exactly like typed text."""

    title: str
    payload: str


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
            out["buttons"] = [{"title": b.title, "payload": b.payload} for b in self.buttons]
        return out


YES, NO, DONT_KNOW_TEXT = "Yes", "No", "I don't know"
YES_NO = (Button(YES, YES), Button(NO, NO))
YES_NO_DONT_KNOW = (*YES_NO, Button(DONT_KNOW_TEXT, DONT_KNOW_TEXT))

RESPONDENT_QUESTION = (
    "Are you answering for yourself, or for someone else — for example as the parent or "
    "guardian of a child?"
)
RESPONDENT_BUTTONS = (
    Button("For myself", "For myself"),
    Button("For my child or someone I care for", "For my child or someone I care for"),
)
RESPONDENT_HINT = 'Please say "for myself" or "for my child" (or someone else you care for).'
CONSENT_HINT = "Please answer yes or no. You can also ask me a question about the study first."

NOT_UNDERSTOOD = "Sorry, I didn't quite understand that."
GIVE_UP = "No problem — we'll leave that one for the study team to check with you or your doctor."
NOT_SAVED = (
    "Sorry — I couldn't save that answer just now because of a technical problem. Your earlier "
    "answers are safe. Please send it again in a moment."
)
NOT_AVAILABLE = (
    "Sorry — something went wrong on our side. Your earlier answers are safe; please try again "
    "in a moment."
)
NOTED_DONT_KNOW = "That's fine — the study team can check that later."
TYPE_IN_WORDS = "Please type your answer in words rather than a command."
TOO_LONG = "That message is very long; I only read the first part. Short answers work best."
CORRECTED = "Thanks — I've updated my note of {label} to: {value}."
UPDATED = "Thanks — I've updated my note of {label}."

DECLINED = (
    "No problem — we won't ask any health questions, and nothing about your health has been "
    'stored. If you change your mind, just say "start again". Take care!'
)
STOPPED = (
    "That's fine — we've stopped here, and your pre-screen is saved as incomplete. You can come "
    'back and say "start again" at any time, or say "delete my answers" and we will remove '
    "everything you told us."
)
STOP_BUTTONS = (
    Button("Delete my answers", "Delete my answers"),
    Button("Start again", "Start again"),
)
DELETED = (
    "Your answers and this conversation have been deleted. Thank you for your interest in the "
    'study. If you would like to start again, just say "start again".'
)
RESTARTING = "Let's start again from the beginning."
NOT_A_DIAGNOSIS = (
    "This is only a pre-screen, not a diagnosis or medical advice: the study doctors make the "
    "final decision at a screening visit."
)
CONTACT_QUESTION = (
    "Would you like the study team to contact you about the next steps? We will only use your "
    "details for this study."
)
CONTACT_NAME_QUESTION = "What name should the study team use?"
CONTACT_DETAILS_QUESTION = "What phone number or e-mail address should they use?"
CONTACT_NAME_HINT = "Please type a name, for example Maria Chen."
CONTACT_DETAILS_HINT = (
    "Please give a phone number (for example +86 10 1234 5678) or an e-mail address "
    "(for example name@example.com)."
)
CONTACT_SAVED = (
    "Thank you, {name}. A study coordinator will contact you using {details}. If you have "
    'questions before then, just ask here. You can also say "delete my answers" at any time.'
)
CONTACT_DECLINED = (
    "Okay — we won't contact you. If you change your mind, you can start again at any time. "
    "Thank you for your time."
)
AFTER_FINISH = (
    'Your pre-screen is finished. You can ask me about the study, say "start again", or say '
    '"delete my answers".'
)
GOODBYE = "Thank you for your time. Take care!"
THANKS = "You're welcome!"
