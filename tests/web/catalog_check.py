"""Checks shared by the web tests: the message ids the templates and chat.js use, and that a
rendered page shows catalog wording, never an id or an unrendered call."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from bot import i18n

WEB = Path(__file__).resolve().parents[2] / "bot" / "web"
TEMPLATES = WEB / "templates"
CHAT_JS = WEB / "static" / "chat.js"
#: ``_("web.chat.send")`` / ``_('staff.list.title', n=…)`` in a template.
TEMPLATE_CALL = re.compile(r"""\b_\(\s*["']([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)["']""")
#: ``t("web.chat.failed")`` in chat.js.
SCRIPT_CALL = re.compile(r"""\bt\(\s*["']([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)["']""")
#: anything shaped like a web or staff message id (``staff.css`` is one too; see `leftover_ids`).
ID_LIKE = re.compile(r"\b(?:web|staff)(?:\.[a-z0-9_]+)+\b")
DATA_STRINGS = re.compile(r"""\sdata-strings='([^']*)'""")


def template_ids(*folders: str) -> dict[str, set[str]]:
    """Template (relative path) → the message ids it calls ``_()`` with."""
    found: dict[str, set[str]] = {}
    for path in sorted(TEMPLATES.rglob("*.html")):
        name = path.relative_to(TEMPLATES).as_posix()
        if folders and not name.startswith(folders):
            continue
        found[name] = set(TEMPLATE_CALL.findall(path.read_text(encoding="utf-8")))
    return found


def script_ids() -> set[str]:
    """The message ids chat.js looks up with ``t("…")``."""
    return set(SCRIPT_CALL.findall(CHAT_JS.read_text(encoding="utf-8")))


def chat_strings(page: str) -> dict[str, str]:
    """The wording rendered for chat.js (the chat section's data-strings JSON)."""
    found = DATA_STRINGS.search(page)
    assert found, "no data-strings attribute on the page"
    strings = json.loads(html.unescape(found.group(1)))
    assert isinstance(strings, dict)
    return {str(k): str(v) for k, v in strings.items()}


def leftover_ids(page: str) -> list[str]:
    """Message ids shown as text on a rendered page (the data-strings keys left aside)."""
    known = set(i18n.catalog(i18n.DEFAULT_LANGUAGE))
    for ids in template_ids().values():
        known |= ids
    text = DATA_STRINGS.sub("", page)
    return [m for m in ID_LIKE.findall(text) if m in known or m.count(".") >= 2]


def unrendered(page: str) -> list[str]:
    """Template syntax or translation calls that reached the page."""
    return re.findall(r"_\(|\{\{|\}\}|\{%|%\}|%\(\w+\)s", page)
