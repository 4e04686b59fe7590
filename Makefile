# The README's commands. Each one sets up what it needs (a virtual environment in .venv).
PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
TS := clients/ts
HOST ?= 127.0.0.1
PORT ?= 8000
export HOST PORT

.PHONY: run test rules-coverage lint typecheck unit clean openapi openapi-check browser vendor-docs bench bench-tools container-check bench-store migrate purge

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -c 'import sys; assert (3, 11) <= sys.version_info[:2] < (3, 13), "nextsteps needs Python 3.11 or 3.12 (durable-rules does not import on 3.13)"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

run: $(BIN)/.installed ## serve the API on http://$(HOST):$(PORT), with a printed local development key
	$(BIN)/python -m service --dev

migrate: $(BIN)/.installed ## bring the decision store to the latest migration (python -m service does too)
	$(BIN)/python -m service.decisions.migrate

purge: $(BIN)/.installed ## delete decisions older than DECISION_RETENTION_DAYS, with their feedback
	$(BIN)/python -m service.purge

bench-store: $(BIN)/.installed ## recommendations per second: decision store on SQLite, on PostgreSQL, and off
	$(BIN)/python -m bench.store_bench

lint: $(BIN)/.installed
	$(BIN)/ruff check service tests bench
	$(BIN)/ruff format --check service tests bench

typecheck: $(BIN)/.installed
	$(BIN)/mypy

unit: $(BIN)/.installed $(TS)/node_modules/.installed browser
	$(BIN)/pytest

test: lint typecheck openapi-check rules-coverage unit ## the whole suite

# Per rule the scenarios (rules/scenarios/) that fire it, per step those that rank it; fails when a rule has none.
rules-coverage: $(BIN)/.installed
	$(BIN)/python -m service.core.coverage

# The OpenAPI document is generated from the app and committed; openapi-check fails when they differ.
openapi: $(BIN)/.installed ## regenerate openapi/openapi.json
	$(BIN)/python -m service.openapi write openapi/openapi.json

openapi-check: $(BIN)/.installed
	$(BIN)/python -m service.openapi check openapi/openapi.json

# npm side of the tests (generated TypeScript client, tsc, the headless-browser check): pinned in
# clients/ts/package-lock.json, installed with npm ci. Node 20 or later and npm come from Debian if missing.
$(TS)/node_modules/.installed: $(TS)/package.json $(TS)/package-lock.json
	command -v npm >/dev/null || (apt-get update && apt-get install -y nodejs npm)
	node -e 'process.exit(Number(process.versions.node.split(".")[0]) < 20 ? 1 : 0)' || { echo "node 20 or later is needed"; exit 1; }
	cd $(TS) && npm ci --no-audit --no-fund --ignore-scripts
	touch $@

# A real browser for the docs-page test: Debian's chromium.
browser:
	command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)

REDOC_LOGO := https://cdn.redoc.ly/redoc/logo-mini.svg
EMPTY_SVG := data:image/svg+xml,%3Csvg xmlns=%22http://www.w3.org/2000/svg%22/%3E
# Refresh the docs assets in service/static/vendor from the pinned npm packages (they are committed,
# so `make run` needs no npm).
vendor-docs: $(TS)/node_modules/.installed
	cp $(TS)/node_modules/swagger-ui-dist/swagger-ui-bundle.js $(TS)/node_modules/swagger-ui-dist/swagger-ui.css \
	   $(TS)/node_modules/swagger-ui-dist/favicon-32x32.png service/static/vendor/
	cp $(TS)/node_modules/redoc/bundles/redoc.standalone.js service/static/vendor/
	# ReDoc's sidebar logo is fetched from its CDN with no option to turn it off: use an empty inline image.
	sed -i 's#$(REDOC_LOGO)#$(EMPTY_SVG)#' service/static/vendor/redoc.standalone.js

# Benchmarks: numbers, not pass/fail. Results in bench/results/, the table in docs/benchmarks.md.
bench-tools:
	command -v wrk >/dev/null && command -v hey >/dev/null && command -v valgrind >/dev/null || \
	  (apt-get update && apt-get install -y wrk hey valgrind)

bench: $(BIN)/.installed bench-tools ## measure engine, HTTP, batch and soak (about 15 minutes)
	$(BIN)/python -m bench.engine_bench --label current
	bench/engine_instructions.sh $(BIN)/python 300 > bench/results/engine-instructions-current.json
	$(BIN)/python -m bench.http_bench
	$(BIN)/python -m bench.batch_bench
	$(BIN)/python -m bench.soak
	$(BIN)/python -m bench.report

container-check: $(BIN)/.installed ## build the image and test the running container (docker, else podman)
	bash deploy/container-check.sh

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
