# Lantian: `make run` installs, builds the bundled plans if there is no store yet and serves the explorer at
# http://127.0.0.1:5000; `make test` lints and runs the tests.
# The virtualenv is made once; dependencies are reinstalled only when pyproject.toml changes. The editor's
# front-end assets (YASGUI) come from npm (`npm ci` from package-lock.json) into web/static/vendor/, again
# only when package-lock.json changes.

PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed.stamp
NPM    ?= npm
VENDOR := web/static/vendor
VENDOR_STAMP := $(VENDOR)/.installed.stamp
YASGUI := node_modules/@zazuko/yasgui/build

.PHONY: run test lint install vendor clean

run: install
	$(BIN)/kg serve

test: lint vendor
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .

install: $(STAMP) vendor

vendor: $(VENDOR_STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

$(VENDOR_STAMP): package-lock.json
	$(NPM) ci --ignore-scripts --no-audit --no-fund --loglevel=error
	mkdir -p $(VENDOR)
	cp $(YASGUI)/yasgui.min.js $(YASGUI)/yasgui.min.js.map $(YASGUI)/yasgui.min.css $(VENDOR)/
	cp node_modules/@zazuko/yasgui/package.json $(VENDOR)/yasgui.package.json
	touch $@

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache tests/artifacts node_modules $(VENDOR)
