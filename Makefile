# Service Hall. `make run` serves the demo; `make test` runs everything CI runs.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PYTHON ?= python3
TEST_ENV := SERVICEHALL_ARGON2_TIME_COST=1 SERVICEHALL_ARGON2_MEMORY_COST=1024
export SERVICEHALL_TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test

.PHONY: run setup tools python-deps node-deps catalogs migrate seed serve test lint \
        test-sqlite test-postgres chromium schema

run: setup migrate seed serve

setup: tools python-deps node-deps catalogs

tools:
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11+ is needed: install python3 first."; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11+ is needed; $(PYTHON) is $$($(PYTHON) --version)."; exit 1; }
	@command -v npm >/dev/null || { echo "Node.js and npm are needed (for htmx): install nodejs and npm first."; exit 1; }

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PIP) install --quiet --upgrade pip
	@$(PIP) install --quiet -e '.[dev]'
	@touch $@

python-deps: $(VENV)/.installed

node_modules/.installed: package.json package-lock.json
	@npm ci --silent --no-audit --no-fund
	@touch $@

web/static/vendor/htmx.min.js: node_modules/.installed
	@mkdir -p web/static/vendor
	@cp node_modules/htmx.org/dist/htmx.min.js web/static/vendor/htmx.min.js

# htmx's SSE extension: the pages' live stream (web/live.py).
web/static/vendor/hx-sse.js: node_modules/.installed
	@mkdir -p web/static/vendor
	@cp node_modules/htmx.org/dist/ext/hx-sse.js web/static/vendor/hx-sse.js

node-deps: web/static/vendor/htmx.min.js web/static/vendor/hx-sse.js

catalogs: python-deps
	@$(VENV)/bin/pybabel compile --quiet -d web/locales -D messages --use-fuzzy 2>/dev/null || $(VENV)/bin/pybabel compile -d web/locales -D messages

migrate: setup
	@$(VENV)/bin/servicehall migrate

seed: migrate
	@$(VENV)/bin/servicehall seed

serve:
	@echo "Serving on http://127.0.0.1:8000 (Ctrl-C stops it)"
	@$(VENV)/bin/servicehall serve

schema: python-deps
	@$(VENV)/bin/servicehall export-schema

lint: python-deps
	$(VENV)/bin/ruff check backend web tests bench
	$(VENV)/bin/ruff format --check backend web tests bench
	$(VENV)/bin/mypy

# Debian's Chromium and a CJK font for the browser tests; installed with apt when missing.
chromium:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi wenquanyi; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian chromium and fonts-wqy-microhei for the browser tests..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; \
	  else \
	    echo "!!! /usr/bin/chromium is missing and cannot be installed here: browser tests will be skipped (a failure with CI=true) !!!"; \
	  fi; \
	fi

test: setup lint chromium test-sqlite test-postgres

test-sqlite:
	$(TEST_ENV) $(VENV)/bin/pytest -q

test-postgres:
	SERVICEHALL_TEST_BACKEND=postgres $(TEST_ENV) $(VENV)/bin/pytest -q -m postgres
