SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
.DEFAULT_GOAL := help
MAKEFLAGS += --warn-undefined-variables --no-builtin-rules

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Tools installed into the venv (buf, protoc plugins) must win over anything else on PATH.
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: help
help: ## List the targets.
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(BIN)/openchat-server: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

.PHONY: install
install: $(BIN)/openchat-server ## Create .venv and install the project (editable) with dev tools.

.PHONY: generate
generate: install ## Regenerate generated/ from proto/ with buf and local plugins.
	buf generate

.PHONY: lint
lint: install ## ruff, mypy, buf lint/format, and a check that generated/ is fresh.
	ruff check .
	ruff format --check .
	mypy server tests
	buf lint
	buf format --diff --exit-code
	$(MAKE) --no-print-directory generate
	git diff --exit-code --stat -- generated/ || { echo "generated/ is stale: run 'make generate' and commit"; exit 1; }
	test -z "$$(git status --porcelain -- generated/)" || { git status --short -- generated/; echo "generated/ has untracked files: run 'make generate' and commit"; exit 1; }

.PHONY: test
test: install ## Run the test suite (PostgreSQL/Redis tests skip locally when those are absent; never on CI).
	$(BIN)/pytest $(PYTEST_ARGS)
PYTEST_ARGS ?=

.PHONY: run
run: install ## Run the server on 127.0.0.1:50051 with SQLite (prints a dev token).
	$(BIN)/openchat-server serve --dev

.PHONY: bench
bench: install ## Run the send benchmark (SQLite and PostgreSQL) and print the results.
	$(BIN)/python -m bench.send_bench $(BENCH_ARGS)
BENCH_ARGS ?=

.PHONY: clean
clean: ## Remove the venv and caches.
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
