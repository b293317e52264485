# ggzy-credit — two commands on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export GGZY_VAR_DIR ?= var

.PHONY: run test test-sqlite lint bench install clean chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Plain HTTP on 127.0.0.1 for a local demo: portal cookies may not require HTTPS here.
run: install
	$(BIN)/ggzy-credit init
	$(BIN)/ggzy-credit demo
	GGZY_COOKIE_SECURE=$${GGZY_COOKIE_SECURE:-false} $(BIN)/ggzy-credit serve

# The browser tests (tests/browser) drive Debian's Chromium; install it (and a CJK font) when missing.
# Playwright never downloads a browser here.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
chromium:
	@command -v chromium >/dev/null || ($(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y chromium fonts-wqy-microhei)

# Every test, on SQLite and on PostgreSQL (GGZY_TEST_PG_URL; with CI set, PostgreSQL must be reachable).
test: install chromium
	$(BIN)/pytest -n 2 -q

test-sqlite: install chromium
	$(BIN)/pytest -q --db sqlite

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

# Every benchmark, on PostgreSQL and SQLite; each writes its section of benchmarks/README.md.
BENCHMARKS := ingest http_ingest evaluate score_load ledger access workflows exchange portal
bench: install
	set -e; for b in $(BENCHMARKS); do echo "== $$b"; $(BIN)/python -m benchmarks.$$b; done

clean:
	rm -rf $(VENV) var .pytest_cache
