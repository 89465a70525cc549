"""Language as data: the message catalogs against the code that uses them.

* every message id used in `bot/` (``t("…")``, ``_("…")``, templates, chat.js data) exists in
  every language's catalog, and every catalog id is used;
* a message id appears in one domain only; placeholders are the same in every language;
* no patient- or staff-facing English sentence is left in `bot/**/*.py`, the templates or
  `chat.js` (only message ids), found by a scanner that is tested on planted examples.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import i18n

ROOT = Path(__file__).resolve().parents[2]
BOT = ROOT / "bot"
TEMPLATES = BOT / "web" / "templates"
STATIC = BOT / "web" / "static"
#: a message id: a domain prefix, then dotted snake-case parts.
MESSAGE_ID = re.compile(r"^(?:dialogue|answers|web|staff)(?:\.[a-z0-9_]+)+$")
#: ids written in templates or scripts: _("id") / _('id') / t("id") / data-i18n="id".
TEMPLATE_ID = re.compile(
    r"""(?:\b_|\bt)\(\s*["']((?:dialogue|answers|web|staff)(?:\.[a-z0-9_]+)+)["']"""
)
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdifr]")


def python_ids(path: Path) -> Iterator[str]:
    """Message-id string literals in a Python file (any literal shaped like an id)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and MESSAGE_ID.match(node.value)
        ):
            yield node.value


def used_ids() -> set[str]:
    """Every message id the code and the templates use."""
    ids: set[str] = set()
    for path in BOT.rglob("*.py"):
        ids.update(python_ids(path))
    for path in [*TEMPLATES.rglob("*.html"), *STATIC.rglob("*.js")]:
        ids.update(TEMPLATE_ID.findall(path.read_text(encoding="utf-8")))
    return ids


def test_there_are_catalogs() -> None:
    assert i18n.DEFAULT_LANGUAGE in i18n.languages()
    assert len(i18n.catalog(i18n.DEFAULT_LANGUAGE)) > 50


@pytest.mark.parametrize("language", i18n.languages())
def test_every_used_id_is_in_every_catalog(language: str) -> None:
    missing = sorted(used_ids() - set(i18n.catalog(language)))
    assert not missing, f"{language}: ids used in code but missing from the catalog: {missing}"


def test_every_catalog_id_is_used() -> None:
    unused = sorted(set(i18n.catalog(i18n.DEFAULT_LANGUAGE)) - used_ids())
    assert not unused, f"catalog ids no code or template uses: {unused}"


def test_ids_are_unique_across_domains_and_well_formed() -> None:
    for language in i18n.languages():
        seen: dict[str, str] = {}
        for path in i18n.catalog_files(language):
            for message_id in i18n.read_catalog(path):
                assert MESSAGE_ID.match(message_id), f"{path}: {message_id!r} is not an id"
                assert message_id not in seen, f"{message_id} in {seen.get(message_id)} and {path}"
                seen[message_id] = path.name


@pytest.mark.parametrize("language", i18n.languages())
def test_placeholders_match_the_default_language(language: str) -> None:
    default = i18n.catalog(i18n.DEFAULT_LANGUAGE)
    for message_id, text in i18n.catalog(language).items():
        expected = set(PLACEHOLDER.findall(default.get(message_id, text)))
        assert set(PLACEHOLDER.findall(text)) == expected, (language, message_id)


def test_t_fills_placeholders_and_refuses_unknown_ids() -> None:
    some = next((mid for mid, text in i18n.catalog("en").items() if PLACEHOLDER.search(text)), None)
    assert some is not None
    names = PLACEHOLDER.findall(i18n.catalog("en")[some])
    filled = i18n.t(some, "en", **{name: "<<X>>" for name in names})
    assert "<<X>>" in filled and "%(" not in filled
    with pytest.raises(i18n.MissingMessage):
        i18n.t("dialogue.no_such_message_anywhere", "en")
    # a language without a catalog falls back to the default language
    assert i18n.t(some, "xx", **{n: "1" for n in names}) == i18n.t(
        some, "en", **{n: "1" for n in names}
    )


# ── no English sentences left in code ─────────────────────────────────────────────────────

#: three or more words, a capital first letter or a sentence end: what a person reads.
SENTENCE = re.compile(r"^[A-Z][a-z'’]*(?:[ ,—–]+[\w'’()/%.-]+){2,}.*$|^(?:\w+[ ,]+){3,}\w+[.?!:]$")
#: calls whose string arguments are for developers or logs, not for patients or staff.
DEVELOPER_CALLS = {
    "debug", "info", "warning", "error", "exception", "critical", "log",  # logging
    "add_argument", "add_parser", "ArgumentParser", "add_subparsers",  # CLI help
    "fail",  # the trial loader's errors (developer-facing, name file and key)
    "print", "getpass", "input",  # the operator's console (prescreen CLI, make run)
}  # fmt: skip


def _developer_strings(tree: ast.AST) -> set[int]:
    """ids of string nodes that are docstrings, log/CLI/exception text or assert messages."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            value = body[0].value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                skip.add(id(value))
        nested: list[ast.AST] = []
        if isinstance(node, (ast.Raise, ast.Assert)):
            nested = [node]
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in DEVELOPER_CALLS or name.endswith(("Error", "Exception")):
                nested = [node]
            nested += [kw.value for kw in node.keywords if kw.arg in ("help", "description")]
        for part in nested:
            skip.update(id(sub) for sub in ast.walk(part))
    return skip


def english_sentences(source: str) -> list[str]:
    """String literals in Python source that read as an English sentence for a person."""
    tree = ast.parse(source)
    skip = _developer_strings(tree)
    found = []
    for node in ast.walk(tree):
        if id(node) in skip or not isinstance(node, ast.Constant):
            continue
        if isinstance(node.value, str) and SENTENCE.match(node.value.strip()):
            found.append(node.value.strip())
    return found


def test_scanner_finds_a_planted_sentence_and_spares_developer_text() -> None:
    planted = '''
"""Module docstring. It is for developers."""
import logging
log = logging.getLogger(__name__)
GREETING = "Thank you for your answers, we will call you."
BUTTON = "Start again"
def f(x):
    """Docstring, never shown to a patient."""
    log.warning("database unavailable: %s", x)
    if x:
        raise ValueError("the trial file is broken here")
    return t("dialogue.declined", "en")
'''
    assert english_sentences(planted) == ["Thank you for your answers, we will call you."]


#: modules whose strings are not read by patients or staff (markup, SQL, formats, regexes).
NOT_FOR_PEOPLE = ("bot/store/migrations/",)


def test_no_english_sentence_in_python_code() -> None:
    offenders = []
    for path in sorted(BOT.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith(NOT_FOR_PEOPLE):
            continue
        for sentence in english_sentences(path.read_text(encoding="utf-8")):
            offenders.append(f"{rel}: {sentence[:80]!r}")
    assert not offenders, "English sentences in code (move them to a catalog):\n" + "\n".join(
        offenders
    )


TEXT_NODE = re.compile(r">\s*([A-Za-z][^<>{}]*?[A-Za-z.?!])\s*<")


def test_no_english_sentence_in_templates_or_chat_js() -> None:
    offenders = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        for text in TEXT_NODE.findall(path.read_text(encoding="utf-8")):
            if not text.strip().startswith(("{{", "{%")):
                offenders.append(f"{path.relative_to(ROOT)}: {text[:60]!r}")
    js = (STATIC / "chat.js").read_text(encoding="utf-8")
    for literal in re.findall(r"""(["'`])((?:(?!\1).){6,}?)\1""", js):
        text = literal[1]
        if re.match(r"^[A-Z][a-z]+(?: \w+){2,}", text):
            offenders.append(f"chat.js: {text[:60]!r}")
    assert not offenders, "English text in templates or chat.js:\n" + "\n".join(offenders)
