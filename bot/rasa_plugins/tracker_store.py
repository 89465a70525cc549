"""Rasa's SQL tracker store, honouring a patient's "delete my answers".

The deletion runs inside an action, but Rasa saves the conversation *after* the action: a
plain SQLTrackerStore would then write every event back (it stores the events it does not
find in the table). This store sees that the turn ended with the conversation deleted and
removes the conversation's events instead of saving them.
"""

from __future__ import annotations

from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

STATE_SLOT = "screening_state"
DELETED = "deleted"


def deleted_this_turn(tracker: DialogueStateTracker) -> bool:
    """True when an event after the latest patient message marks the conversation deleted."""
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, SlotSet) and event.key == STATE_SLOT and event.value == DELETED:
            return True
    return False


class PrivacySQLTrackerStore(SQLTrackerStore):  # type: ignore[misc]
    """SQLTrackerStore that leaves no events behind for a conversation deleted this turn."""

    async def save(self, tracker: DialogueStateTracker) -> None:
        if not deleted_this_turn(tracker):
            await super().save(tracker)
            return
        with self.session_scope() as session:
            query: Any = session.query(self.SQLEvent)
            query.filter(self.SQLEvent.sender_id == tracker.sender_id).delete(
                synchronize_session=False
            )
            session.commit()
