"""The README stays true (datasette's style: the docs are checked against the code).

* every environment variable a `bot/` module reads is a row of the configuration table, and
  every row is read somewhere in `bot/`;
* every `prescreen …` command the README shows exists, with those options and choices, and the
  command block lists every sub-command and option;
* every `make <target>` the README names is a target of the Makefile.

The extraction helpers are tested on small planted texts, so each check can fail.
"""

from __future__ import annotations

import argparse
import ast
import re
from pathlib import Path

import pytest

from bot.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
MAKEFILE = ROOT / "Makefile"
BOT = ROOT / "bot"
ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")


# ---- README structure ----------------------------------------------------------------------


def section(text: str, heading: str) -> str:
    """The body of the `## heading…` section (up to the next `## `), by heading prefix."""
    match = re.search(
        rf"^## {re.escape(heading)}[^\n]*\n(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL
    )
    if match is None:
        raise AssertionError(f"README has no section '## {heading}'")
    return match.group(1)


SHELL_BLOCKS = ("bash", "sh", "shell", "console")


def fenced_blocks(text: str, languages: tuple[str, ...] = SHELL_BLOCKS) -> list[str]:
    """The contents of the ``` fenced blocks marked as one of `languages` (```bash …); an
    unmarked block (the architecture drawing) is not code to run."""
    blocks = re.findall(r"^```([^\n]*)\n(.*?)^```", text, re.MULTILINE | re.DOTALL)
    return [body for info, body in blocks if info.strip() in languages]


def code_snippets(text: str) -> list[str]:
    """Every line of a shell block, and every inline `code span` (whitespace collapsed)."""
    lines = [line for block in fenced_blocks(text) for line in block.splitlines()]
    prose = re.sub(r"^```[^\n]*\n.*?^```", "", text, flags=re.MULTILINE | re.DOTALL)
    spans = [" ".join(span.split()) for span in re.findall(r"`([^`]+)`", prose)]
    return [*lines, *spans]


# ---- environment variables -----------------------------------------------------------------


def table_variables(text: str) -> set[str]:
    """The `NAME`s in the first column of the markdown table(s) in `text`."""
    return set(re.findall(r"^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|", text, re.MULTILINE))


def _is_environ(node: ast.expr) -> bool:
    """`os.environ`, or a name that conventionally holds it (`env`, `environ`)."""
    if isinstance(node, ast.Attribute):
        return node.attr == "environ" and isinstance(node.value, ast.Name)
    return isinstance(node, ast.Name) and node.id in ("env", "environ")


def _read_key(node: ast.AST) -> ast.expr | None:
    """The key expression when `node` reads the environment, else None."""
    if isinstance(node, ast.Call) and node.args:
        func = node.func
        if isinstance(func, ast.Attribute):
            if func.attr == "get" and _is_environ(func.value):
                return node.args[0]
            if func.attr == "getenv" and isinstance(func.value, ast.Name):
                return node.args[0]
    if (
        isinstance(node, ast.Subscript)
        and _is_environ(node.value)
        and isinstance(node.ctx, ast.Load)
    ):
        return node.slice
    if (
        isinstance(node, ast.Compare)
        and len(node.ops) == 1
        and isinstance(node.ops[0], ast.In | ast.NotIn)
        and _is_environ(node.comparators[0])
    ):
        return node.left
    return None


def environment_reads(source: str) -> set[str]:
    """Environment variable names a module's source reads.

    Reads are `os.environ.get("X")`, `os.environ["X"]`, `"X" in os.environ`, `os.getenv("X")`
    (also on a local `env` / `environ` mapping), and calls with a constant first argument to a
    function of the same module that reads its first parameter that way (`_rate_limit("X", …)`).
    """
    tree = ast.parse(source)
    names: set[str] = set()
    readers: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.args.args:
            first = node.args.args[0].arg
            for inner in ast.walk(node):
                key = _read_key(inner)
                if isinstance(key, ast.Name) and key.id == first:
                    readers.add(node.name)
        key = _read_key(node)
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            names.add(key.value)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in readers
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names.add(node.args[0].value)
    return {name for name in names if ENV_NAME.match(name)}


def bot_environment_reads() -> dict[str, list[str]]:
    """Variable → the `bot/` modules that read it."""
    found: dict[str, list[str]] = {}
    for path in sorted(BOT.rglob("*.py")):
        for name in environment_reads(path.read_text(encoding="utf-8")):
            found.setdefault(name, []).append(str(path.relative_to(ROOT)))
    return found


def test_every_environment_variable_is_documented_and_every_documented_one_is_read() -> None:
    documented = table_variables(section(README.read_text(encoding="utf-8"), "Configuration"))
    read = bot_environment_reads()
    assert {"DATABASE_URL", "PRESCREEN_TRIAL", "WEB_SECRET_KEY"} <= set(read)  # the scan works
    undocumented = {name: modules for name, modules in read.items() if name not in documented}
    assert not undocumented, (
        f"read in bot/ but not in the README's configuration table: {undocumented}"
    )
    unread = documented - set(read)
    assert not unread, f"in the README's configuration table but read nowhere in bot/: {unread}"


ENV_SOURCE = """
import os
from os import environ

PORT = int(os.environ.get("A_PORT", "1"))
TOKEN = os.environ["A_TOKEN"]
DEBUG = os.getenv("A_DEBUG")
FLAG = "A_FLAG" in os.environ


def limit(variable, default):
    return os.environ.get(variable, "").strip() or default


def urls(environ=None):
    env = os.environ if environ is None else environ
    return env.get("A_URLS", "")


LIMIT = limit("A_LIMIT", "30/minute")
os.environ["NOT_READ"] = "written, not read"
CHILD = dict(os.environ)
CHILD.setdefault("ALSO_NOT_READ", "1")
os.environ.get("lower_case_is_not_a_variable")
"""


def test_environment_reads_finds_every_form() -> None:
    assert environment_reads(ENV_SOURCE) == {
        "A_PORT",
        "A_TOKEN",
        "A_DEBUG",
        "A_FLAG",
        "A_URLS",
        "A_LIMIT",
    }


def test_table_variables() -> None:
    text = "| variable | default |\n|---|---|\n| `A_PORT` | `1` |\n| `B` | x |\nnot `C` |\n"
    assert table_variables(text) == {"A_PORT", "B"}


# ---- prescreen commands --------------------------------------------------------------------


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """Sub-command name → its parser."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


INVOCATION = re.compile(r"(?:^|[\s|;&(])(?:[\w.~/-]*/)?prescreen\s+(.*?)(?=\s+[|;&#]|$)")


def prescreen_commands(snippets: list[str]) -> list[str]:
    """The arguments of every `prescreen …` invocation in these code lines / spans."""
    return [m.group(1).strip() for s in snippets for m in INVOCATION.finditer(s)]


def _placeholder(word: str) -> bool:
    return word.isupper() or word.startswith("<") or word.endswith(">")


def command_problems(command: str, parser: argparse.ArgumentParser) -> list[str]:
    """What is wrong with a README command line such as `export --all --format json|csv`.

    Square brackets mark optional parts. The sub-command must exist, every `--option` must be
    one of its options, a value written `a|b|c` must be exactly the option's choices and a
    concrete value one of them (an UPPER-CASE or `<placeholder>` value is a placeholder), and
    the number of positional words must fit the sub-command's positionals.
    """
    words = command.replace("[", " ").replace("]", " ").split()
    if not words:
        return ["`prescreen` without a sub-command"]
    name, rest = words[0], words[1:]
    sub = subcommands(parser).get(name)
    if sub is None:
        return [f"prescreen {name}: no such sub-command"]
    options = sub._option_string_actions
    positionals = [action for action in sub._actions if not action.option_strings]
    problems: list[str] = []
    given = 0
    index = 0
    while index < len(rest):
        word = rest[index]
        index += 1
        if not word.startswith("-"):
            given += 1
            continue
        flag, has_value, value = word.partition("=")
        action = options.get(flag)
        if action is None:
            problems.append(f"prescreen {name}: no option {flag}")
            continue
        if action.nargs == 0:
            if has_value:
                problems.append(f"prescreen {name}: {flag} takes no value")
            continue
        if not has_value:
            if index >= len(rest) or rest[index].startswith("-"):
                problems.append(f"prescreen {name}: {flag} needs a value")
                continue
            value = rest[index]
            index += 1
        if action.choices is None:
            continue
        choices = {str(choice) for choice in action.choices}
        if "|" in value and set(value.split("|")) != choices:
            problems.append(f"prescreen {name}: {flag} {value}: the choices are {sorted(choices)}")
        elif "|" not in value and not _placeholder(value) and value not in choices:
            problems.append(f"prescreen {name}: {flag} {value}: not one of {sorted(choices)}")
    required = sum(1 for action in positionals if action.nargs in (None, 1))
    if not required <= given <= len(positionals):
        problems.append(
            f"prescreen {name}: {given} positional argument(s), "
            f"expected {required}–{len(positionals)}"
        )
    return problems


def command_block() -> list[str]:
    """The lines of the fenced block in the README's "Command line" section."""
    blocks = fenced_blocks(section(README.read_text(encoding="utf-8"), "Command line"))
    assert blocks, "README's Command line section has no code block"
    return [line for line in blocks[0].splitlines() if line.strip()]


def test_every_readme_command_exists_with_those_options() -> None:
    commands = prescreen_commands(code_snippets(README.read_text(encoding="utf-8")))
    assert len(commands) >= 8, commands  # the block and the prose both found
    parser = build_parser()
    problems = [f"`{c}`: {p}" for c in commands for p in command_problems(c, parser)]
    assert not problems, "README commands that do not match bot/cli.py:\n" + "\n".join(problems)


def test_the_command_block_lists_every_subcommand_and_option() -> None:
    lines = command_block()
    assert all(line.startswith("prescreen ") for line in lines), lines
    documented: dict[str, set[str]] = {}
    for command in prescreen_commands(lines):
        name, *rest = command.replace("[", " ").replace("]", " ").split()
        documented.setdefault(name, set()).update(w.split("=")[0] for w in rest if w[0] == "-")
    for name, sub in subcommands(build_parser()).items():
        assert name in documented, f"prescreen {name} is missing from the README command block"
        options = {
            action.option_strings[-1]
            for action in sub._actions
            if action.option_strings and not isinstance(action, argparse._HelpAction)
        }
        missing = options - documented[name]
        assert not missing, f"prescreen {name}: {sorted(missing)} missing from the README block"


def test_prescreen_commands_are_found_in_blocks_and_spans() -> None:
    text = (
        "Run\n```bash\nprescreen domain [--write]   # check\nmake test\n```\n"
        "```\nweb app, prescreen CLI\n```\n"
        "then `PRESCREEN_TRIAL=x prescreen\n  domain --write` and "
        "`echo pw | .venv/bin/prescreen create-user --role admin alice`; "
        "`prescreen_bot` and `the prescreen` are not commands.\n"
    )
    assert prescreen_commands(code_snippets(text)) == [
        "domain [--write]",
        "domain --write",
        "create-user --role admin alice",
    ]


@pytest.mark.parametrize(
    ("command", "problem"),
    [
        ("domain [--write] [--trial ID]", None),
        ("export --all --format json|csv", None),
        ("create-user --role coordinator|investigator|admin NAME", None),
        ("create-user --role admin alice", None),
        ("purge --older-than DAYS", None),
        ("check-criteria [FILE]", None),
        ("check-criteria bot/trials/<id>/criteria.yaml", None),
        ("evaluate --facts=facts.json", None),
        ("", "without a sub-command"),
        ("frobnicate --all", "no such sub-command"),
        ("domain --force", "no option --force"),
        ("export --all --format json|csv|xml", "the choices are"),
        ("export --all --format xml", "not one of"),
        ("create-user --role owner alice", "not one of"),
        ("create-user --role admin", "0 positional"),
        ("check-criteria a.yaml b.yaml", "2 positional"),
        ("purge --older-than", "needs a value"),
        ("domain --write=yes", "takes no value"),
    ],
)
def test_command_problems(command: str, problem: str | None) -> None:
    problems = command_problems(command, build_parser())
    if problem is None:
        assert problems == []
    else:
        assert len(problems) == 1 and problem in problems[0], problems


# ---- make targets --------------------------------------------------------------------------


def make_targets_named(snippets: list[str]) -> set[str]:
    """The targets of every `make <target>` in these code lines / spans."""
    return {
        target
        for snippet in snippets
        for target in re.findall(r"(?<![\w-])make\s+([A-Za-z][\w.-]*)", snippet)
    }


def makefile_targets(text: str) -> set[str]:
    """Targets of a Makefile's rules (`a b: deps`); `define … endef` bodies are skipped."""
    targets: set[str] = set()
    in_define = False
    for line in text.splitlines():
        if line.startswith("define "):
            in_define = True
        elif line.startswith("endef"):
            in_define = False
        elif not in_define and not line.startswith("\t"):
            match = re.match(r"^([A-Za-z0-9_.-]+(?:[ \t]+[A-Za-z0-9_.-]+)*)[ \t]*:(?!:?=)", line)
            if match:
                targets.update(match.group(1).split())
    return targets


def test_every_make_target_the_readme_names_exists() -> None:
    named = make_targets_named(code_snippets(README.read_text(encoding="utf-8")))
    assert {"run", "test"} <= named, named
    missing = named - makefile_targets(MAKEFILE.read_text(encoding="utf-8"))
    assert not missing, f"README names make targets the Makefile lacks: {sorted(missing)}"


def test_make_helpers() -> None:
    readme = (
        "```bash\nmake run   # go\n```\n```\nmake drawing\n```\n"
        "then `make lint` (make sure you `make  deploy-it`)\n"
    )
    assert make_targets_named(code_snippets(readme)) == {"run", "lint", "deploy-it"}
    makefile = (
        "UV := $(shell uv)\nX ?= 1\n.PHONY: run\nrun lint: install\n\t$(PY) -m x\n"
        "$(STAMP): a\ndefine PY\nif x:\n    pass\nendef\nexport PY\ntest::\nY ::= 2\n"
    )
    assert makefile_targets(makefile) == {".PHONY", "run", "lint", "test"}
