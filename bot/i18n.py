"""Message catalogs: every sentence a patient or a coordinator reads, by message id and language.

Wording lives in gettext catalogs, ``bot/locale/<lang>/LC_MESSAGES/<domain>.po``, read with
Babel: one domain per part of the product (``dialogue``, ``answers``, ``web``, ``staff``), so
each part's wording can be edited and translated on its own; a message id is unique across
domains. A message id is a dotted name (``dialogue.declined``), never an English sentence; the
English catalog holds the English text like any other language. Placeholders are gettext's
``python-format`` (``%(name)s``), so whole sentences are translated with their placeholders
and never glued together from fragments.

``t(message_id, language, **params)`` gives the sentence; a language without a catalog, or
an id missing from a catalog, falls back to the default language (and the test suite checks
that every id used in code and templates exists in every catalog).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

from babel.messages.pofile import read_po

log = logging.getLogger(__name__)

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DEFAULT_LANGUAGE = "en"


class MissingMessage(KeyError):
    """A message id that no catalog has: a bug in the code or a catalog, never user input."""


def catalog_files(language: str) -> list[Path]:
    """The catalog files (one per domain) of `language`."""
    return sorted((LOCALE_DIR / language / "LC_MESSAGES").glob("*.po"))


def languages() -> tuple[str, ...]:
    """Languages with a catalog, the default first."""
    found = {p.parent.parent.name for p in LOCALE_DIR.glob("*/LC_MESSAGES/*.po")}
    return tuple(sorted(found, key=lambda lang: (lang != DEFAULT_LANGUAGE, lang)))


def read_catalog(path: Path) -> dict[str, str]:
    """Message id → text of one catalog file (untranslated and fuzzy entries left out)."""
    with path.open("rb") as handle:
        messages = read_po(handle, domain=path.stem)
    return {
        str(message.id): str(message.string)
        for message in messages
        if message.id and isinstance(message.id, str) and message.string and not message.fuzzy
    }


@lru_cache(maxsize=16)
def catalog(language: str) -> Mapping[str, str]:
    """Message id → text for `language`, every domain merged (empty when it has none)."""
    merged: dict[str, str] = {}
    for path in catalog_files(language):
        merged.update(read_catalog(path))
    return merged


def has(message_id: str, language: str = DEFAULT_LANGUAGE) -> bool:
    """True when `language`'s catalog has `message_id`."""
    return message_id in catalog(language)


def t(message_id: str, language: str | None = None, /, **params: object) -> str:
    """The sentence for `message_id` in `language`, with `params` filled in."""
    lang = language or DEFAULT_LANGUAGE
    text = catalog(lang).get(message_id)
    if text is None and lang != DEFAULT_LANGUAGE:
        log.warning("message %s has no %s text; using %s", message_id, lang, DEFAULT_LANGUAGE)
        text = catalog(DEFAULT_LANGUAGE).get(message_id)
    if text is None:
        raise MissingMessage(message_id)
    return text % params if params else text


def translator(language: str | None) -> Translator:
    """A callable bound to one language, for templates (``{{ _("staff.title") }}``)."""
    return Translator(language or DEFAULT_LANGUAGE)


class Translator:
    """``_("id", name=…)`` in one language."""

    def __init__(self, language: str) -> None:
        self.language = language

    def __call__(self, message_id: str, **params: object) -> str:
        return t(message_id, self.language, **params)
