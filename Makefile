# The README's commands. Each one sets up what it needs (a virtual environment in .venv).
PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export HOST PORT

.PHONY: run test lint typecheck unit clean migrate purge bench

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -c 'import sys; assert (3, 11) <= sys.version_info[:2] < (3, 13), "nextsteps needs Python 3.11 or 3.12 (durable-rules does not import on 3.13)"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

run: $(BIN)/.installed ## serve the API on http://$(HOST):$(PORT)
	$(BIN)/python -m service

migrate: $(BIN)/.installed ## bring the decision store to the latest migration (python -m service does too)
	$(BIN)/python -m service.decisions.migrate

purge: $(BIN)/.installed ## delete decisions older than DECISION_RETENTION_DAYS, with their feedback
	$(BIN)/python -m service.purge

bench: $(BIN)/.installed ## recommendations per second: store on SQLite, on PostgreSQL, and off
	$(BIN)/python bench/store_bench.py

lint: $(BIN)/.installed
	$(BIN)/ruff check service tests bench migrations
	$(BIN)/ruff format --check service tests bench migrations

typecheck: $(BIN)/.installed
	$(BIN)/mypy

unit: $(BIN)/.installed
	$(BIN)/pytest

test: lint typecheck unit ## the whole suite

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
