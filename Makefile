# Outlier: `make run` starts it, `make test` proves it. Both work from a fresh clone.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv

.PHONY: run test install install-test lint types pytest clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv

# `run` only adds what the app needs (it never removes the test tools); `test` syncs exactly.
$(VENV)/.installed: $(BIN)/python requirements.lock pyproject.toml
	$(UV) pip install --quiet --python $(BIN)/python -r requirements.lock
	$(UV) pip install --quiet --python $(BIN)/python --no-deps -e .
	@touch $@

$(VENV)/.installed-test: $(BIN)/python requirements-test.lock pyproject.toml
	$(UV) pip sync --quiet --python $(BIN)/python requirements-test.lock
	$(UV) pip install --quiet --python $(BIN)/python --no-deps -e .
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test
	bash scripts/install-test-tools.sh

run: install
	$(BIN)/outlier migrate --no-input
	$(BIN)/outlier createcachetable
	$(BIN)/outlier collectstatic --no-input --verbosity 0
	$(BIN)/outlier bootstrap
	exec $(BIN)/outlier serve

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: install-test
	$(BIN)/mypy outlier

pytest: install-test
	$(BIN)/pytest -q

test: lint types pytest

lock: $(BIN)/python
	$(UV) pip compile --quiet --python-version 3.11 pyproject.toml -o requirements.lock
	$(UV) pip compile --quiet --python-version 3.11 --extra test pyproject.toml -o requirements-test.lock

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
