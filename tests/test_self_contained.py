"""The repository stands on its own: no code, test, benchmark or deployment file names a path
outside it.

The rule, applied line by line to every tracked text file in `SCANNED`:

* **the project's shared folder** — the text `PARENT_SHARED` (the parent directory's
  ``shared``) or ``shared/trial`` anywhere (also in comments: a comment that points there sends
  the next reader there).
* **a personal or site-specific absolute path** — a path whose first component is one of
  `PRIVATE_ROOTS` (``/work``, ``/root``, ``/home``, ``/Users``, ``/mnt``, ``/media``, ``/opt``,
  ``/srv``, ``/scratch``, ``/workspace``) and ends there or goes on with ``/``. Those are where
  checkouts and people's files live; they differ from machine to machine.

Not flagged, on purpose:

* the operating system's own paths, the same on every Debian machine: ``/usr`` (e.g.
  ``/usr/lib/postgresql/*/bin`` in the PostgreSQL helpers, ``/usr/bin/chromium``), ``/proc``,
  ``/dev``, ``/etc``, ``/bin``, ``/lib``, ``/sys``, ``/var`` and the scratch directories
  ``/tmp`` and ``/var/tmp``;
* a private root that is only a later component of a longer path or URL (``https://x/home/``,
  ``/api/opt/…``, ``/tmp/pytest-of-root``): the character before the slash is a letter,
  digit, ``.``, ``-``, ``_``, ``:``, ``~`` or ``/`` (except a URL's empty host:
  ``file:///mnt/…`` and ``sqlite:////home/…`` are flagged);
* URL paths of the web app (``/staff``, ``/chat``, ``/static/…``): not private roots;
* a longer name that only starts like a root (``/homepage``, ``/optional``).

Tracked files come from ``git ls-files``; where the checkout has no ``.git`` (the copy that
`.ci/run` tests in), from walking the scanned folders, skipping what ``.gitignore`` ignores.
Binary files (with a NUL byte) are skipped, and so is this file: it spells out what it forbids.
"""

from __future__ import annotations

import fnmatch
import re
import subprocess
from collections.abc import Iterable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCANNED_DIRS = ("bot", "actions", "tests", "bench", "deploy", ".ci")
SCANNED_FILES = ("Makefile", "config.yml", "endpoints.yml", "credentials.yml", "pyproject.toml")
SCANNED = (*SCANNED_DIRS, *SCANNED_FILES)
PRIVATE_ROOTS = (
    "work", "root", "home", "Users", "mnt", "media", "opt", "srv", "scratch", "workspace",
)  # fmt: skip

_SHARED_FOLDER = re.compile(r"\.\./shared\b|\bshared/trial")
_PRIVATE_PATH = re.compile(
    r"(?:(?<![\w.:~/-])|(?<=://)|(?<=:///))/(?:" + "|".join(PRIVATE_ROOTS) + r")(?![\w.-])"
)


def offending_lines(text: str) -> list[tuple[int, str]]:
    """(line number, line) of every line of `text` that names a path outside the repository."""
    return [
        (number, line.strip())
        for number, line in enumerate(text.splitlines(), start=1)
        if _SHARED_FOLDER.search(line) or _PRIVATE_PATH.search(line)
    ]


def scan_file(path: Path) -> list[tuple[int, str]]:
    """`offending_lines` of a text file; a binary file (NUL byte) has none."""
    data = path.read_bytes()
    if b"\0" in data:
        return []
    return offending_lines(data.decode("utf-8", errors="replace"))


def _ignore_patterns(root: Path) -> list[str]:
    gitignore = root / ".gitignore"
    if not gitignore.is_file():
        return []
    lines = (line.strip() for line in gitignore.read_text(encoding="utf-8").splitlines())
    # a negation only re-includes placeholders such as bench/results/.gitkeep: skipping those
    # empty files loses nothing
    return [line for line in lines if line and not line.startswith(("#", "!"))]


def ignored(relative: str, patterns: Iterable[str]) -> bool:
    """Whether `relative` (a POSIX path) is ignored by these .gitignore patterns (the subset
    this repository uses: `name`, `name/`, `*.ext`, `dir/*.ext`, `/name`)."""
    parts = relative.split("/")
    for pattern in patterns:
        pattern = pattern.rstrip("/")
        if "/" in pattern:
            anchored = pattern.lstrip("/")
            depth = anchored.count("/") + 1
            if any(
                fnmatch.fnmatchcase("/".join(parts[:n]), anchored)
                for n in range(depth, len(parts) + 1)
            ):
                return True
        elif any(fnmatch.fnmatchcase(part, pattern) for part in parts):
            return True
    return False


def tracked_files(root: Path = ROOT) -> list[Path]:
    """The scanned files git tracks (or, without `.git`, the files .gitignore does not ignore)."""
    if (root / ".git").exists():
        listed = subprocess.run(
            ["git", "-C", str(root), "ls-files", "-z", "--", *SCANNED],
            capture_output=True,
            check=True,
        ).stdout.decode()
        paths = [root / name for name in listed.split("\0") if name]
        return [path for path in paths if path.is_file()]  # deleted in the work tree: gone
    patterns = _ignore_patterns(root)
    found = [root / name for name in SCANNED_FILES if (root / name).is_file()]
    for directory in SCANNED_DIRS:
        found += [p for p in sorted((root / directory).rglob("*")) if p.is_file()]
    return [p for p in found if not ignored(p.relative_to(root).as_posix(), patterns)]


def test_no_tracked_file_names_a_path_outside_the_repository() -> None:
    files = [path for path in tracked_files() if path != Path(__file__).resolve()]
    assert len(files) > 50, files  # the scan found the repository
    problems = [
        f"{path.relative_to(ROOT)}:{number}: {line}"
        for path in files
        for number, line in scan_file(path)
    ]
    assert not problems, "paths outside the repository:\n" + "\n".join(problems)


#: the parent's shared folder, spelt so that this file's own text does not name it (the
#: project's before-stop checklist greps for the literal).
PARENT_SHARED = "../" + "shared"

OUTSIDE = [
    PARENT_SHARED + "/trial/x",
    'Path(__file__).parent / "' + PARENT_SHARED + '"',
    "spec = ROOT.parent / 'shared/trial/spec.md'",
    "open('/work/main/bot/trials/x.yaml')",
    'Path("/root/.cache/prescreen")',
    "/home/alice/prescreen/var",
    "cd /home",
    '"/opt/data"',
    "/Users/bob/x",
    "file:///mnt/data/x",
    "sqlite:////home/alice/prescreen.db",
]
INSIDE = [
    '@app.get("/staff")',
    "POST /chat",
    "/static/chat.js",
    "compgen -G '/usr/lib/postgresql/*/bin/initdb'",
    'Path("/proc/loadavg")',
    "command -v uv >/dev/null 2>&1",
    '"/usr/bin/chromium"',
    "# directory, and /tmp/pytest-of-root is private.",
    "https://clinicaltrials.gov/study/NCT06585514",
    "https://example.org/home/page",
    "http://root:secret@db.example.org/prescreen",
    "sqlite:///var/prescreen.db",
    "/homepage",
    "/api/opt/x",
    "$(HOME)/.local/bin/uv",
    "bot/trials/NCT06585514/sources/spec.md",
    "the shared tracker store",
]


@pytest.mark.parametrize("line", OUTSIDE)
def test_a_path_outside_is_found(line: str) -> None:
    assert offending_lines(f"first line\n{line}\n") == [(2, line)]


@pytest.mark.parametrize("line", INSIDE)
def test_system_paths_urls_and_repository_paths_pass(line: str) -> None:
    assert offending_lines(line) == []


def test_the_scan_finds_a_planted_file(tmp_path: Path) -> None:
    """A copy of the layout with one offending file fails the scan, also without `.git`."""
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "__pycache__").mkdir()
    planted = tmp_path / "tests" / "test_planted.py"
    planted.write_text(f'import pathlib\nSPEC = pathlib.Path("{PARENT_SHARED}/trial/x")\n')
    (tmp_path / "tests" / "__pycache__" / "x.txt").write_text("/home/x\n", encoding="utf-8")
    (tmp_path / ".gitignore").write_text("__pycache__/\n", encoding="utf-8")
    (tmp_path / "Makefile").write_text("test:\n\tcd /work/main && pytest\n", encoding="utf-8")
    (tmp_path / "bot").mkdir()
    (tmp_path / "bot" / "blob.bin").write_bytes(b"\0/home/x")
    files = tracked_files(tmp_path)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in files) == [
        "Makefile",
        "bot/blob.bin",
        "tests/test_planted.py",
    ]
    found = {p.name: scan_file(p) for p in files}
    assert found["test_planted.py"] == [(2, planted.read_text().splitlines()[1])]
    assert found["Makefile"] == [(2, "cd /work/main && pytest")]
    assert found["blob.bin"] == []


def test_gitignore_subset() -> None:
    patterns = ["__pycache__/", "*.pyc", "bench/results/*.json", "/results/", "var/"]
    assert ignored("tests/__pycache__/x.py", patterns)
    assert ignored("bot/x.pyc", patterns)
    assert ignored("bench/results/agreement.json", patterns)
    assert ignored("results/x.md", patterns)
    assert not ignored("bench/results/README.md", patterns)
    assert not ignored("tests/results/x.md", patterns)
    assert not ignored("bot/variables.py", patterns)
