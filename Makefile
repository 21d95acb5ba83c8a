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
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

$(BIN)/openchat-server: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

.PHONY: install
install: $(BIN)/openchat-server ## Create .venv and install the project (editable) with dev tools.

# Code generators from npm (protoc-gen-es), pinned by tools/node/package-lock.json.
NODE_CODEGEN := tools/node/node_modules/.package-lock.json
$(NODE_CODEGEN): tools/node/package.json tools/node/package-lock.json
	@command -v npm >/dev/null || { echo "npm (Node.js 20 or later) is needed to generate TypeScript"; exit 1; }
	npm ci --prefix tools/node --no-audit --no-fund --loglevel=error
	touch $@

.PHONY: codegen-tools
codegen-tools: install $(NODE_CODEGEN) ## Install the pinned code generators (Debian packages, npm) when missing.
	tools/install-apt-packages tools/apt/codegen.txt

# What the plugins of buf.gen.yaml write, emptied before every run so that the code of a deleted
# .proto file goes too. The hand-written manifests beside them (go.mod, package.json, the gemspec)
# stay, which buf's own `clean` would delete.
GENERATED_CODE := generated/python/openchat generated/go/openchat generated/typescript/openchat \
	generated/java/dev generated/ruby/lib

.PHONY: generate
generate: codegen-tools ## Regenerate generated/ (every language) from proto/ with buf and local plugins.
	rm -rf $(GENERATED_CODE)
	buf generate

# The contract as last released: `buf breaking` fails on any change that would break its users.
BREAKING_BASELINE := buf.baseline.binpb

.PHONY: breaking-baseline
breaking-baseline: install ## At a release: make the current contract the baseline of buf breaking.
	buf build --exclude-source-info -o $(BREAKING_BASELINE)

.PHONY: lint
lint: install codegen-tools ## ruff, mypy, buf lint/format/breaking, and a check that generated/ is fresh.
	ruff check .
	ruff format --check .
	mypy server tests
	buf lint
	buf format --diff --exit-code
	buf breaking --against $(BREAKING_BASELINE)
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
