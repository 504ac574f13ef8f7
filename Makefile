# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
PYTEST_WORKERS ?= 2

.PHONY: install migrate seed run run-scaled worker bench test test-sqlite test-postgres lint browser format clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(INSTALLED)

install: $(INSTALLED)

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
# photos, sync, indicators) runs one. The full run also writes bench/REPORT.md.
bench: install
	$(BIN)/python -m bench $(BENCH)

# Debian's Chromium drives the browser tests (Playwright never downloads a browser here).
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test-sqlite: install browser
	TEST_DB=sqlite $(BIN)/python -m pytest -n $(PYTEST_WORKERS) -p no:cacheprovider

test-postgres: install browser
	TEST_DB=postgres $(BIN)/python -m pytest -n $(PYTEST_WORKERS) -p no:cacheprovider

test: lint test-sqlite test-postgres

clean:
	rm -rf $(VENV) var
