"""`python -m bot.rasa_plugins.server run …`: Rasa's own CLI, with two measured fixes applied.

Both were found by profiling the Rasa server (py-spy) during pre-screen conversations; both
keep Rasa's behaviour and only remove repeated work.

1. Rasa 3.6 validates every action-server response with `jsonschema.validate(result, spec)`,
which also re-validates the (constant) schema against the JSON-Schema meta-schema on every
call. Profiling a pre-screen turn showed that re-check taking about half of the Rasa
server's busy time (two action calls per turn). `compiled_validation()` keeps the same
validation of every response but compiles the schema once.
2. Loading a conversation from the tracker store resolves each stored event's class by
walking every subclass of `Event` (`Event.resolve_by_type`), for every event, every turn.
`cached_event_types()` looks the classes up in a table built once.
"""

from __future__ import annotations

import sys
from functools import cache
from typing import Any


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


def main() -> None:
    """Apply the fixes, then run Rasa's command line with the given arguments."""
    compiled_validation()
    cached_event_types()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
