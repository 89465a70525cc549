"""The benchmarks stand on the bot alone: no module in bench/ imports the tests."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


def imported_modules(source: str) -> set[str]:
    """Every module an ``import`` or ``from … import`` in `source` names (anywhere in it)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _tests(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m == "tests" or m.startswith("tests."))


@pytest.mark.parametrize("path", sorted(BENCH.glob("*.py")), ids=lambda p: p.name)
def test_bench_does_not_import_tests(path: Path) -> None:
    assert _tests(imported_modules(path.read_text(encoding="utf-8"))) == []


def test_the_check_finds_an_import_of_tests() -> None:
    source = "def f():\n    from tests.stack.harness import free_port\nimport tests\n"
    assert _tests(imported_modules(source)) == [
        "tests",
        "tests.stack.harness",
        "tests.stack.harness.free_port",
    ]
    assert _tests(imported_modules("from bench import tests_helper\nimport testsuite\n")) == []
