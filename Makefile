# Two commands on a fresh machine: `make run` and `make test`. Every target installs first.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
STAMP := $(VENV)/.installed
export RASA_TELEMETRY_ENABLED := false
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: install run test lint train bench lock clean cluster cluster-stop

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

bench: install
	$(PY) -m bench.run

cluster: install
	deploy/local-cluster start

cluster-stop:
	deploy/local-cluster stop

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
