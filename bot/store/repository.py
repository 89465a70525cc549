"""Transitional: the names bot/web/staff still reads from here until it imports the store's
job modules directly (bot.store.screenings, review, transcripts, retention, exports, audit,
accounts). Removed once nothing imports it."""

from bot.store.accounts import create_staff_user as create_staff_user
from bot.store.accounts import get_staff_user as get_staff_user
from bot.store.audit import add_audit as add_audit
from bot.store.audit import list_audit as list_audit
from bot.store.common import FlagAlreadyResolved as FlagAlreadyResolved
from bot.store.common import ScreeningNotFound as ScreeningNotFound
from bot.store.review import get_flag as get_flag
from bot.store.review import list_screenings as list_screenings
from bot.store.review import outcome_counts as outcome_counts
from bot.store.review import resolve_flag as resolve_flag
from bot.store.review import screening_summary as screening_summary
from bot.store.screenings import current_facts as current_facts
from bot.store.screenings import record_answer as record_answer
from bot.store.screenings import save_assessment as save_assessment
from bot.store.transcripts import EVENTS as EVENTS
from bot.store.transcripts import transcript as transcript
