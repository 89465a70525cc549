# Two commands on a fresh machine: `make run` and `make test`. Every target installs first.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
STAMP := $(VENV)/.installed
export RASA_TELEMETRY_ENABLED := false
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: install run test lint audit train bench lock clean cluster cluster-stop

install: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@command -v uv >/dev/null 2>&1 || test -x "$(UV)" || python3 -m pip install --quiet uv || pip install --quiet uv
	@test -x $(PY) || "$$(command -v uv || echo $(UV))" venv --quiet $(VENV) --python 3.10
	"$$(command -v uv || echo $(UV))" pip sync --quiet --python $(PY) requirements.lock
	"$$(command -v uv || echo $(UV))" pip install --quiet --python $(PY) --no-deps -e .
	@touch $(STAMP)

lock:
	@command -v uv >/dev/null 2>&1 || python3 -m pip install --quiet uv
	uv pip compile pyproject.toml --extra dev -o requirements.lock \
	  --python-version 3.10 --python-platform x86_64-unknown-linux-gnu

run: install
	$(PY) -m bot.stack

train: install
	$(PY) -m bot.stack --train-only

test: install
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check bot actions tests bench
	$(VENV)/bin/mypy bot
	@$(MAKE) --no-print-directory audit

# Dependency audit (part of lint; docs/security.md): pip-audit over requirements.lock, run in
# its own throw-away environment (uv tool run) because it cannot be installed beside rasa.
# Known vulnerabilities always fail. When the vulnerability service cannot be asked, it says
# "could not audit: <why>" and lint goes on, unless AUDIT_REQUIRED=1 (then it fails).
# AUDIT_SERVICE=pypi|osv (pypi: its answers are HTTP-cached, so a re-run is quick);
# AUDIT_IGNORE="ID …" accepts listed advisories (write down why in docs/security.md).
PIP_AUDIT_VERSION := 2.10.1
PIP_AUDIT ?= $(UV) tool run --quiet --from pip-audit==$(PIP_AUDIT_VERSION) pip-audit
AUDIT_SERVICE ?= pypi
define AUDIT_PY
import json, os, shlex, subprocess, sys, tempfile

env = os.environ
lock, service = "requirements.lock", env.get("AUDIT_SERVICE") or "pypi"
required = env.get("AUDIT_REQUIRED", "0").strip() == "1"


def could_not(reason):
    print(f"dependency audit: could not audit: {reason}")
    if required:
        print("dependency audit: FAILED (AUDIT_REQUIRED=1 and no audit was possible)")
        sys.exit(1)
    print("dependency audit: NOT audited; lint goes on (AUDIT_REQUIRED=1 makes this fail)")
    sys.exit(0)


with tempfile.TemporaryDirectory() as tmp:
    out = os.path.join(tmp, "audit.json")
    command = shlex.split(env["PIP_AUDIT"]) + [
        "-r", lock, "--no-deps", "--disable-pip", "--strict", "--progress-spinner", "off",
        "--timeout", "15", "-s", service, "-f", "json", "-o", out,
    ]
    for advisory in env.get("AUDIT_IGNORE", "").replace(",", " ").split():
        command += ["--ignore-vuln", advisory]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=900)
    except (OSError, subprocess.TimeoutExpired) as error:
        could_not(f"{command[0]}: {error}")
    try:
        with open(out) as handle:
            report = json.load(handle)
    except (OSError, ValueError):
        report = None
lines = [line.strip() for line in (done.stderr + done.stdout).splitlines() if line.strip()]
said = [line for line in lines if not line.startswith(("WARNING", "Traceback", "File ", "^"))]
why = (said or lines or [f"{command[0]} exited {done.returncode} without a report"])[-1]
why = why.removeprefix("ERROR:pip_audit._cli:") + f" [service: {service}]"
if report is None:
    could_not(why)
deps = report.get("dependencies", [])
skipped = [d for d in deps if d.get("skip_reason")]
vulnerable = [d for d in deps if d.get("vulns")]
for dep in vulnerable:
    for vuln in dep["vulns"]:
        fix = ", ".join(vuln.get("fix_versions") or []) or "no fixed version"
        aliases = ", ".join(vuln.get("aliases") or [])
        print(f"  {dep['name']}=={dep.get('version')}: {vuln['id']}"
              + (f" ({aliases})" if aliases else "") + f"; fixed in: {fix}")
if vulnerable:
    count = sum(len(d["vulns"]) for d in vulnerable)
    print(f"dependency audit: FAILED: {count} known vulnerabilities in {len(vulnerable)} of "
          f"{len(deps)} pinned packages ({service}); upgrade, or accept one in AUDIT_IGNORE")
    sys.exit(1)
if skipped:
    could_not(f"{len(skipped)} of {len(deps)} packages: {skipped[0]['skip_reason']}")
if done.returncode != 0 or not deps:
    could_not(why)
print(f"dependency audit: no known vulnerabilities in {len(deps)} pinned packages ({service})")
endef
export AUDIT_PY

audit:
	@PIP_AUDIT='$(PIP_AUDIT)' AUDIT_SERVICE='$(AUDIT_SERVICE)' python3 -c "$$AUDIT_PY"

bench: install
	$(PY) -m bench.run

cluster: install
	deploy/local-cluster start

cluster-stop:
	deploy/local-cluster stop

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
