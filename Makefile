# The README's commands. Each one sets up what it needs (a virtual environment in .venv).
# The newest supported Python found: on PATH, else pyenv's (pyenv's shims answer only for the selected version).
PYTHON ?= $(shell for v in 3.13 3.12 3.11; do \
  p=$$(command -v python$$v) && python$$v -c '' 2>/dev/null && { echo $$p; exit; }; \
  for p in $$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/$$v.*/bin/python$$v 2>/dev/null | sort -V -r); do \
    $$p -c '' && { echo $$p; exit; }; done; done; command -v python3)
# durable-rules calls PyEval_CallObject, which Python 3.13 removed; its setup.py overwrites CFLAGS.
DURABLE_RULES := $(shell sed -nE 's/^ *"(durable-rules==[^"]+)".*/\1/p' pyproject.toml)
DURABLE_CPPFLAGS := -DPyEval_CallObject=PyObject_CallObject
VENV := .venv
BIN := $(VENV)/bin
TS := clients/ts
HOST ?= 127.0.0.1
PORT ?= 8000
export HOST PORT

.PHONY: engine-test-oldest run test rules-coverage tenants-check lint typecheck unit clean openapi openapi-check browser test-servers pdf-libs pdf-tools vendor-docs bench bench-tools container-check bench-store migrate purge

# uv (pinned, from PyPI) installs the pinned dependencies: a fresh clone is ready in a fraction of pip's time.
# It is fetched once into .tools/ with the interpreter's pip, else with a bootstrap venv's.
UV_VERSION := 0.13.8
UV := .tools/uv-$(UV_VERSION)/bin/uv
$(UV):
	$(PYTHON) -m pip --version >/dev/null 2>&1 || { $(PYTHON) -m venv .tools/boot && .tools/boot/bin/python -m pip --version; }
	{ $(PYTHON) -m pip --version >/dev/null 2>&1 && $(PYTHON) -m pip install --quiet --disable-pip-version-check \
	    --target .tools/uv-$(UV_VERSION) uv==$(UV_VERSION); } \
	  || .tools/boot/bin/python -m pip install --quiet --target .tools/uv-$(UV_VERSION) uv==$(UV_VERSION)
	$(UV) --version

# What the service needs to run (make run, migrate, purge), then the development tools on top (everything else).
$(BIN)/.installed-run: pyproject.toml | $(UV)
	$(PYTHON) -c 'import sys; assert (3, 11) <= sys.version_info[:2] <= (3, 13), "nextsteps needs Python 3.11 to 3.13"'
	$(UV) venv --quiet --allow-existing --python $(PYTHON) $(VENV)
	# durable-rules ships only as source: compiled here with the flag, never taken from a wheel cache
	# (a wheel built there without the flag would install and then fail to import on 3.13).
	CPPFLAGS="$(DURABLE_CPPFLAGS) $$CPPFLAGS" $(UV) pip install --quiet --python $(BIN)/python --no-cache \
	  --reinstall --no-binary durable-rules '$(DURABLE_RULES)'
	$(UV) pip install --quiet --python $(BIN)/python -e .
	$(BIN)/python -c 'import durable_rules_engine, durable.lang'
	touch $@

$(BIN)/.installed: $(BIN)/.installed-run
	$(UV) pip install --quiet --python $(BIN)/python -e '.[dev]'
	touch $@

# The engine's tests on the oldest supported Python too (CI), in a venv of their own.
PYTHON_OLDEST ?= $(shell command -v python3.11 || ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.11.*/bin/python3.11 2>/dev/null | tail -n 1)
OLDEST_VENV := .venv-oldest
engine-test-oldest: ## tests/core on Python 3.11
	$(MAKE) VENV=$(OLDEST_VENV) PYTHON=$(PYTHON_OLDEST) $(OLDEST_VENV)/bin/.installed
	$(OLDEST_VENV)/bin/python -c 'import sys; assert sys.version_info[:2] == (3, 11), sys.version'
	$(OLDEST_VENV)/bin/pytest -q tests/core

run: $(BIN)/.installed-run pdf-libs ## serve the API on http://$(HOST):$(PORT), with a printed local development key
	$(BIN)/python -m service --dev

migrate: $(BIN)/.installed-run ## bring the decision store to the latest migration (python -m service does too)
	$(BIN)/python -m service.decisions.migrate

purge: $(BIN)/.installed-run ## delete decisions older than DECISION_RETENTION_DAYS, with their feedback
	$(BIN)/python -m service.purge

bench-store: $(BIN)/.installed bench-tools ## the production configuration alone: decision store on SQLite, on PostgreSQL, and off
	$(BIN)/python -m bench.store_bench

lint: $(BIN)/.installed
	$(BIN)/ruff check service tests bench
	$(BIN)/ruff format --check service tests bench

typecheck: $(BIN)/.installed
	$(BIN)/mypy

unit: $(BIN)/.installed $(TS)/node_modules/.installed browser pdf-tools test-servers
	$(BIN)/pytest

test: lint typecheck openapi-check rules-coverage tenants-check unit ## the whole suite

# Per rule the scenarios (rules/scenarios/) that fire it, per step those that rank it; fails when a rule has none.
rules-coverage: $(BIN)/.installed
	$(BIN)/python -m service.review.coverage

# Tenant overrides checked against the rules as a reload would: `make tenants-check TENANTS_DIR=/path/to/tenants`.
TENANTS_DIR ?= deploy/tenants-example
tenants-check: $(BIN)/.installed
	$(BIN)/python -m service.review.tenants $(TENANTS_DIR)

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

# PostgreSQL and Redis binaries, Debian's packages: the tests start private servers of their own on free ports
# (tests/support/services.py), so none need be running.
test-servers:
	ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 && command -v redis-server >/dev/null || \
	  (apt-get update && apt-get install -y postgresql redis-server)

# A real browser for the docs-page, review-page and handout tests: Debian's chromium.
browser:
	command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)

# WeasyPrint (the handout's PDF) loads Debian's pango and uses the system's fonts (DejaVu).
pdf-libs:
	ldconfig -p | grep -q libpangoft2-1.0.so.0 && fc-list 2>/dev/null | grep -q DejaVuSans.ttf || \
	  (apt-get update && apt-get install -y libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core fontconfig)

# pdftotext (poppler-utils) reads the handout PDFs back in the tests and in container-check.
pdf-tools: pdf-libs
	command -v pdftotext >/dev/null || (apt-get update && apt-get install -y poppler-utils)

REDOC_LOGO := https://cdn.redoc.ly/redoc/logo-mini.svg
EMPTY_SVG := data:image/svg+xml,%3Csvg xmlns=%22http://www.w3.org/2000/svg%22/%3E
# Refresh the docs and review-page assets (service/static/vendor, service/review/static/vendor) from the
# pinned npm packages (they are committed,
# so `make run` needs no npm).
vendor-docs: $(TS)/node_modules/.installed
	cp $(TS)/node_modules/swagger-ui-dist/swagger-ui-bundle.js $(TS)/node_modules/swagger-ui-dist/swagger-ui.css \
	   $(TS)/node_modules/swagger-ui-dist/favicon-32x32.png service/static/vendor/
	cp $(TS)/node_modules/redoc/bundles/redoc.standalone.js service/static/vendor/
	# ReDoc's sidebar logo is fetched from its CDN with no option to turn it off: use an empty inline image.
	sed -i 's#$(REDOC_LOGO)#$(EMPTY_SVG)#' service/static/vendor/redoc.standalone.js
	# The review page reads scenario files opened from the reviewer's computer with js-yaml.
	cp $(TS)/node_modules/js-yaml/dist/browser/js-yaml.umd.min.js service/review/static/vendor/js-yaml.min.js
	cp $(TS)/node_modules/js-yaml/LICENSE service/review/static/vendor/js-yaml.LICENSE

# Benchmarks: numbers, not pass/fail. Results in bench/results/, the table in docs/benchmarks.md.
bench-tools:
	command -v wrk >/dev/null && command -v valgrind >/dev/null || \
	  (apt-get update && apt-get install -y wrk valgrind)

bench: $(BIN)/.installed bench-tools ## measure the production configuration, engine, HTTP, batch and soak (about 20 minutes)
	$(BIN)/python -m bench.store_bench
	$(BIN)/python -m bench.engine_bench --label current
	bench/engine_instructions.sh $(BIN)/python 300 > bench/results/engine-instructions-current.json
	$(BIN)/python -m bench.http_bench
	$(BIN)/python -m bench.batch_bench
	$(BIN)/python -m bench.soak
	$(BIN)/python -m bench.report

container-check: $(BIN)/.installed pdf-tools ## build the image and test the running container (docker, else podman)
	bash deploy/container-check.sh

clean:
	rm -rf $(VENV) $(OLDEST_VENV) .tools .pytest_cache .mypy_cache .ruff_cache
