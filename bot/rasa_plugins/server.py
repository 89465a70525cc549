"""`python -m bot.rasa_plugins.server run …`: Rasa's own CLI, with three fixes applied.

The first two were found by profiling the Rasa server (py-spy) during pre-screen
conversations; both keep Rasa's behaviour and only remove repeated work.

1. Rasa 3.6 validates every action-server response with `jsonschema.validate(result, spec)`,
which also re-validates the (constant) schema against the JSON-Schema meta-schema on every
call. Profiling a pre-screen turn showed that re-check taking about half of the Rasa
server's busy time (then two action calls per turn). `compiled_validation()` keeps the same
validation of every response but compiles the schema once.
2. Loading a conversation from the tracker store resolves each stored event's class by
walking every subclass of `Event` (`Event.resolve_by_type`), for every event, every turn.
`cached_event_types()` looks the classes up in a table built once.

4. Not a speed fix either: Rasa's REST channel answers even when the turn failed after the
action ran — in particular when the tracker could not be saved — with the messages the action
had sent. The patient would then see the next question while the stored conversation still
waits for the answer to the old one. `failed_turns_say_nothing()` makes a failed turn reply
with no message (the web app then asks the patient to send it again; the retry is applied
once, see bot.dialogue.turn.turn_key), and logs it without the patient's text.

3. Not a speed fix: Rasa's JSON logs render an exception's traceback with every frame's local
variables, which put the database password (the driver's connect frame) and a patient's
message text into the server log. `tracebacks_without_locals()` keeps the tracebacks and drops
the locals.

`rasa run --auth-token TOKEN` only takes the API token on the command line, where every user
of the machine can read it (`ps`, /proc/<pid>/cmdline). Started through this module, `run`
takes the token from the RASA_TOKEN environment variable instead and hands it to Rasa's
argument parser in-process (`rasa_argv`); a token on the command line is refused. In
production (bot.settings.check_deployment) a missing, short or development token is refused.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from bot.settings import DEV_RASA_TOKEN, InsecureConfiguration, check_deployment

PROG = "python -m bot.rasa_plugins.server"
log = logging.getLogger(__name__)


@cache
def _validator() -> Any:
    from jsonschema import Draft7Validator
    from rasa.core.actions.action import RemoteAction

    spec = RemoteAction.action_response_format_spec()
    Draft7Validator.check_schema(spec)
    return Draft7Validator(spec)


def compiled_validation() -> None:
    """Make RemoteAction validate responses with a validator compiled once."""
    from jsonschema import ValidationError
    from rasa.core.actions.action import RemoteAction

    original = RemoteAction._validate_action_result

    def validate(self: Any, result: dict[str, Any]) -> bool:
        try:
            _validator().validate(result)
        except ValidationError:
            return bool(original(self, result))  # Rasa's own error message and logging
        return True

    if getattr(RemoteAction._validate_action_result, "__name__", "") != "validate":
        RemoteAction._validate_action_result = validate


def cached_event_types() -> None:
    """Resolve event classes by type name from a table instead of a subclass walk."""
    from rasa.shared.core.events import Event
    from rasa.shared.utils.common import all_subclasses

    original = Event.resolve_by_type
    table: dict[str, Any] = {}

    def resolve_by_type(type_name: str, default: Any = None) -> Any:
        if not table:
            for cls in all_subclasses(Event):
                table.setdefault(cls.type_name, cls)
        found = table.get(type_name)
        return found if found is not None else original(type_name, default)

    Event.resolve_by_type = staticmethod(resolve_by_type)


def tracebacks_without_locals() -> None:
    """Make the JSON log's structured tracebacks leave out local variables (health data,
    credentials); Rasa's `configure_structlog` reads this processor when the CLI starts."""
    import structlog
    from structlog.tracebacks import ExceptionDictTransformer

    structlog.processors.dict_tracebacks = structlog.processors.ExceptionRenderer(
        ExceptionDictTransformer(show_locals=False)
    )


def failed_turns_say_nothing() -> None:
    """Make the REST channel send no message for a turn that failed (idempotent)."""
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
    from rasa.core.channels.rest import RestInput

    original = RestInput.blueprint
    if getattr(original, "_says_nothing_on_failure", False):
        return

    def blueprint(self: Any, on_new_message: Any) -> Any:
        async def handle(message: UserMessage) -> None:
            try:
                await on_new_message(message)
            except Exception as error:  # the turn failed, whatever the cause
                log.error(
                    "turn failed for conversation %s…, no reply sent: %s: %s",
                    str(message.sender_id)[:6],
                    error.__class__.__name__,
                    " ".join(str(error).split())[:300],
                )
                channel = message.output_channel
                if isinstance(channel, CollectingOutputChannel):
                    channel.messages.clear()

        return original(self, handle)

    blueprint._says_nothing_on_failure = True  # type: ignore[attr-defined]
    RestInput.blueprint = blueprint


def rasa_argv(argv: Sequence[str], environ: Mapping[str, str] | None = None) -> list[str]:
    """Rasa's argv: for `run`, the API token from RASA_TOKEN appended in this process only.

    The process's own command line (/proc/<pid>/cmdline) is what it was started with; the
    list returned here only ever lives in `sys.argv`. Raises InsecureConfiguration when the
    token is on the command line, or when production refuses it.
    """
    env = os.environ if environ is None else environ
    args = list(argv)
    command = args[1:3]
    if not command or command[0] != "run" or command[1:] == ["actions"]:
        return args  # train, shell, `run actions` …: no API token involved
    # argparse accepts any unambiguous prefix (`--auth tok`): refuse those too
    given = [
        arg
        for arg in args[2:]
        if arg.startswith("--auth") and "--auth-token".startswith(arg.split("=", 1)[0])
    ]
    if given:
        raise InsecureConfiguration(
            "the Rasa API token must not be on the command line (every local user can read it "
            "with ps); put it in the RASA_TOKEN environment variable instead"
        )
    check_deployment(env, rasa_token=True, web_secret=False)
    token = env.get("RASA_TOKEN") or DEV_RASA_TOKEN  # as bot.settings.load_settings
    return [*args, "--auth-token", token]


def main() -> None:
    """Apply the fixes, then run Rasa's command line with the given arguments."""
    try:
        argv = rasa_argv(sys.argv)
    except InsecureConfiguration as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        sys.exit(2)
    compiled_validation()
    cached_event_types()
    tracebacks_without_locals()
    failed_turns_say_nothing()
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *argv[1:]]
    rasa_main()


if __name__ == "__main__":
    main()
