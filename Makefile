# One dev loop: the same targets locally and in .ci/run.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DATA := var
DB := $(DATA)/calltriage.sqlite
HOST ?= 127.0.0.1
PORT ?= 8000
# Test processes (pytest-xdist). Most lab tests wait on a SIP server, a device or a time-out, not
# on the CPU, so 4 processes finish about twice as fast as one even on 2 cores (docs/performance.md).
TEST_WORKERS ?= 4

.PHONY: help deps venv a11y-deps run demo test lint typecheck unit bench clean wheel-check

help:
	@echo "make run    - start the desk on SQLite with demo data ($(HOST):$(PORT))"
	@echo "make test   - install everything, then ruff, mypy and every test (SQLite and PostgreSQL)"
	@echo "make bench  - run the benchmarks in bench/ (see docs/performance.md)"

deps:
	@scripts/install-system-deps.sh

$(BIN)/.installed: pyproject.toml lab/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]' -e ./lab
	touch $@

venv: $(BIN)/.installed

# axe-core (npm registry, pinned in tests/a11y/package-lock.json) for the accessibility test.
AXE := tests/a11y/node_modules/axe-core/axe.min.js
$(AXE): tests/a11y/package.json tests/a11y/package-lock.json
	npm ci --prefix tests/a11y --no-audit --no-fund --silent
	touch $@

a11y-deps: $(AXE)

run: deps venv
	@BIN=$(BIN) DATA=$(DATA) DB=$(DB) HOST=$(HOST) PORT=$(PORT) scripts/run-desk.sh

demo: venv
	@mkdir -p $(DATA)
	$(BIN)/calltriage --db $(DB) init
	$(BIN)/calltriage --db $(DB) demo

lint: venv
	$(BIN)/ruff check src lab/src tests bench
	$(BIN)/lint-imports

typecheck: venv
	$(BIN)/mypy

unit: venv
	$(BIN)/pytest -q -n $(TEST_WORKERS) -m "not lab and not browser"

test: deps venv a11y-deps lint typecheck
	$(BIN)/pytest -q -n $(TEST_WORKERS)
	$(MAKE) wheel-check

# The built wheel, installed into a fresh venv outside the checkout, finds its playbooks and runs an incident.
wheel-check: venv
	@BIN=$(BIN) PYTHON=$(PYTHON) scripts/wheel-check.sh

bench: deps venv
	@for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) $(DATA) .pytest_cache .mypy_cache .ruff_cache tests/a11y/node_modules
