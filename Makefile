# Lantian: `make run` builds the bundled plans into the store; `make test` lints and runs the tests.
# The virtualenv is made once; dependencies are reinstalled only when pyproject.toml changes.

PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed.stamp

.PHONY: run test lint install clean

run: $(STAMP)
	$(BIN)/kg build

test: lint
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .

install: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache tests/artifacts
