"""The conversation, independent of Rasa: one path per patient message.

    interpret(message, state) -> Interpretation   # fact values with evidence spans, requests
    apply(interpretation, state) -> Changes       # slot updates; one store transaction and
                                                  # one assessment per message
    ask(state.after(changes)) -> Reply            # messages, slot updates, the pending slot

`respond` (bot.dialogue.turn) runs the three; `actions/` adapts it to Rasa's tracker and
events, and nothing here imports Rasa. Start over is `apply.reset`, "delete my answers" is
`apply.erase`, and the text is cut to length in one place (`interpret.MAX_TEXT`). Wording
comes from the message catalog (ids ``dialogue.*``) and the trial file, in the conversation's
language (the ``language`` slot).

Why there is no Rasa form. The engine's planner already chooses the next question, the answer
parser reads every answer, and the questions are worded from the trial file, so a Rasa form
added nothing but a second state machine to keep in step: required slots recomputed on every
call, rules for activating and deactivating two forms, a separate action for the result and one
for each contact question, and up to three action-server calls for a turn that ends the
pre-screen. Instead every patient message — answer, question, correction, "stop", "start again",
"delete my answers", contact details — goes to one custom action (``action_turn``, one rule per
intent), which makes one call here and returns the messages and slot updates. The conversation's
state is plain slots (one per fact, named like the fact key, plus a few dialogue slots such as
``asking``), so Rasa keeps the tracker and the NLU and the dialogue has one path, testable
without Rasa.
"""

from bot.dialogue.apply import Changes, apply
from bot.dialogue.ask import ask
from bot.dialogue.interpret import FactValue, Interpretation, Message, interpret
from bot.dialogue.messages import BotMessage, Button, Reply
from bot.dialogue.state import State
from bot.dialogue.turn import respond, turn_key

__all__ = [
    "BotMessage",
    "Button",
    "Changes",
    "FactValue",
    "Interpretation",
    "Message",
    "Reply",
    "State",
    "apply",
    "ask",
    "interpret",
    "respond",
    "turn_key",
]
