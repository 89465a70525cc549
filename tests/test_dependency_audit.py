"""`make audit` (run by `make lint`): pip-audit over requirements.lock, judged strictly.

The real pip-audit needs a vulnerability service (PyPI's JSON API or OSV); these tests put a
stand-in in its place (the Makefile's PIP_AUDIT) that answers like pip-audit does, so each
verdict is checked without the network: vulnerabilities fail, an audit that could not run says
"could not audit: …" and fails only with AUDIT_REQUIRED=1, and a clean audit passes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import ROOT

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")

#: a stand-in for pip-audit: records its arguments, then acts out the scenario in FAKE_AUDIT.
FAKE = r"""
import json, os, sys
args = sys.argv[1:]
with open(os.environ["FAKE_ARGS"], "w") as handle:
    json.dump(args, handle)
out = args[args.index("-o") + 1]
scenario = os.environ["FAKE_AUDIT"]
if scenario == "unreachable":
    print("Traceback (most recent call last):", file=sys.stderr)
    print('  File "x.py", line 1, in <module>', file=sys.stderr)
    print("requests.exceptions.ConnectionError: HTTPSConnectionPool(host='osv.invalid', "
          "port=443): Max retries exceeded", file=sys.stderr)
    sys.exit(1)
if scenario == "not-found":  # pip-audit --strict when the service has no answer for a pin
    print("ERROR:pip_audit._cli:absl-py: Dependency not found on PyPI and could not be "
          "audited: absl-py (1.4.0)", file=sys.stderr)
    sys.exit(1)
deps = [{"name": "rasa", "version": "3.6.21", "vulns": []}]
if scenario == "vulnerable":
    deps.append({"name": "jinja2", "version": "3.1.2", "vulns": [
        {"id": "GHSA-h5c8-rqwp-cp95", "fix_versions": ["3.1.3"], "aliases": ["CVE-2024-22195"],
         "description": "xss"}]})
if scenario == "skipped":
    deps.append({"name": "spacy", "skip_reason": "Dependency not found on PyPI"})
with open(out, "w") as handle:
    json.dump({"dependencies": deps, "fixes": []}, handle)
sys.exit(1 if scenario == "vulnerable" else 0)
"""


def audit(tmp_path: Path, scenario: str, **env: str) -> tuple[int, str, list[str]]:
    fake = tmp_path / "fake_pip_audit.py"
    fake.write_text(FAKE)
    args_file = tmp_path / "args.json"
    environ = {
        k: v for k, v in os.environ.items() if not k.startswith(("AUDIT_", "MAKE", "MFLAGS"))
    }
    environ.update(FAKE_AUDIT=scenario, FAKE_ARGS=str(args_file), **env)
    done = subprocess.run(
        ["make", "-s", "--no-print-directory", "audit", f"PIP_AUDIT={sys.executable} {fake}"],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )
    args = json.loads(args_file.read_text()) if args_file.exists() else []
    return done.returncode, done.stdout + done.stderr, args


def test_it_audits_the_lock_strictly_without_installing_it(tmp_path: Path) -> None:
    code, output, args = audit(tmp_path, "clean")
    assert code == 0, output
    assert "no known vulnerabilities in 1 pinned packages" in output
    at = args.index("-r")
    assert args[at + 1] == "requirements.lock"
    for flag in ("--no-deps", "--disable-pip", "--strict"):
        assert flag in args
    assert args[args.index("-s") + 1] == "pypi"


def test_known_vulnerabilities_fail(tmp_path: Path) -> None:
    code, output, _ = audit(tmp_path, "vulnerable")
    assert code != 0
    assert "jinja2==3.1.2: GHSA-h5c8-rqwp-cp95 (CVE-2024-22195); fixed in: 3.1.3" in output
    assert "FAILED: 1 known vulnerabilities in 1 of 2 pinned packages" in output


def test_accepted_advisories_are_passed_on(tmp_path: Path) -> None:
    _, _, args = audit(tmp_path, "clean", AUDIT_IGNORE="GHSA-1, PYSEC-2", AUDIT_SERVICE="osv")
    assert args[args.index("-s") + 1] == "osv"
    ignored = [args[i + 1] for i, arg in enumerate(args) if arg == "--ignore-vuln"]
    assert ignored == ["GHSA-1", "PYSEC-2"]


@pytest.mark.parametrize(
    ("scenario", "reason"),
    [
        ("unreachable", "requests.exceptions.ConnectionError: HTTPSConnectionPool"),
        ("not-found", "absl-py: Dependency not found on PyPI"),
        ("skipped", "1 of 2 packages: Dependency not found on PyPI"),
    ],
)
def test_an_audit_that_could_not_run_says_so_and_never_passes_as_clean(
    tmp_path: Path, scenario: str, reason: str
) -> None:
    code, output, _ = audit(tmp_path, scenario)
    assert code == 0, output  # a warning by default: lint goes on …
    assert f"could not audit: {reason}" in output
    assert "NOT audited" in output and "no known vulnerabilities" not in output
    code, output, _ = audit(tmp_path, scenario, AUDIT_REQUIRED="1")
    assert code != 0  # … and fails when an audit is required
    assert f"could not audit: {reason}" in output and "FAILED" in output


def test_a_missing_pip_audit_is_reported(tmp_path: Path) -> None:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("AUDIT_", "MAKE"))}
    done = subprocess.run(
        ["make", "-s", "--no-print-directory", "audit", f"PIP_AUDIT={tmp_path}/no-such-tool"],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0
    assert "could not audit:" in done.stdout and "no-such-tool" in done.stdout
