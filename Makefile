# The two commands: `make run` serves the example tools, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install run serve test lint format

install: $(VENV)/.installed  ## Python deps (runtime + tests) in .venv

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,dev]'
	touch $@

run: install  ## serve the example tools on http://127.0.0.1:8000/mcp
	$(BIN)/python -m app

test: install  ## the whole suite, over real sockets
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check app tests infra
	$(BIN)/ruff format --check app tests infra
	$(BIN)/mypy

format: install
	$(BIN)/ruff format app tests infra
	$(BIN)/ruff check --fix app tests infra
