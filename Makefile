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

# The three distributions (README.md, "Packages"), each installed editable, and the dev tools.
DISTRIBUTIONS := generated/python clients/python .
$(BIN)/openchat-server: $(addsuffix /pyproject.toml,$(DISTRIBUTIONS)) constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e generated/python -e clients/python -e '.[dev]'
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
	# PEP 561: the Python stubs are typed (protoc writes .pyi files, not this marker).
	touch generated/python/openchat/v1/py.typed

# The contract as last released: `buf breaking` fails on any change that would break its users.
BREAKING_BASELINE := buf.baseline.binpb

.PHONY: breaking-baseline
breaking-baseline: install ## At a release: make the current contract the baseline of buf breaking.
	buf build --exclude-source-info -o $(BREAKING_BASELINE)

.PHONY: lint
lint: install codegen-tools ## ruff, mypy, buf lint/format/breaking, and a check that generated/ is fresh.
	ruff check .
	ruff format --check .
	mypy server clients/python tests bench
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

# ---- The example clients in other languages (clients/), built against generated/ -----------
CLIENTS_BUILD := build/clients
GO_EXAMPLE := $(CLIENTS_BUILD)/go/openchat-example
TS_MODULES := clients/typescript/node_modules/.package-lock.json
TS_EXAMPLE := clients/typescript/dist/main.js
JAVA_API := $(CLIENTS_BUILD)/java/openchat-api.jar
JAVA_EXAMPLE := $(CLIENTS_BUILD)/java/openchat-example.jar
RUBY_API := $(CLIENTS_BUILD)/ruby/gems/.installed

.PHONY: stubs-tools
stubs-tools: install ## Install the toolchains of the example clients (Debian packages) when missing.
	tools/install-apt-packages tools/apt/clients.txt
	@node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' \
		|| { echo "the TypeScript example needs Node.js 20 or later"; exit 1; }

# Go: GOPATH mode with Debian's sources (this machine reaches no module proxy); the generated
# package is put on the GOPATH under its module path.
GOPATH_DIR := build/gopath
$(GO_EXAMPLE): clients/go/main.go generated/go/go.mod $(wildcard generated/go/openchat/v1/*.go) | stubs-tools
	mkdir -p $(GOPATH_DIR)/src/openchat.dev/generated
	ln -sfn $(abspath generated/go) $(GOPATH_DIR)/src/openchat.dev/generated/go
	cd clients/go && GO111MODULE=off GOPATH=$(abspath $(GOPATH_DIR)):/usr/share/gocode CGO_ENABLED=0 \
		go build -o $(abspath $@) .

# TypeScript: @openchat/api is installed as a copy of generated/typescript (clients/typescript/.npmrc),
# so a change of the generated code reinstalls it.
$(TS_MODULES): clients/typescript/package.json clients/typescript/package-lock.json \
		clients/typescript/.npmrc generated/typescript/package.json \
		$(wildcard generated/typescript/openchat/v1/*) | stubs-tools
	cd clients/typescript && npm ci --no-audit --no-fund --loglevel=error
	touch $@
$(TS_EXAMPLE): $(TS_MODULES) clients/typescript/src/main.ts clients/typescript/tsconfig.json
	cd clients/typescript && npm run --silent build

# Java: Debian's grpc-java jars; the example's manifest names them (Class-Path), so it runs with
# `java -jar`.
JARS := /usr/share/java
JAVA_COMPILE_JARS := protobuf grpc-api grpc-stub grpc-protobuf guava
JAVA_RUNTIME_JARS := $(JAVA_COMPILE_JARS) grpc-core grpc-context grpc-netty grpc-protobuf-lite \
	perfmark-api gson netty-buffer netty-codec netty-codec-http netty-codec-http2 netty-common \
	netty-handler netty-handler-proxy netty-codec-socks netty-resolver netty-transport
empty :=
space := $(empty) $(empty)
class_path = $(subst $(space),:,$(patsubst %,$(JARS)/%.jar,$(1)))
$(JAVA_API): $(shell find generated/java -name '*.java') | stubs-tools
	rm -rf $(@D)/api && mkdir -p $(@D)/api
	find generated/java -name '*.java' > $(@D)/api-sources.txt
	javac -nowarn -d $(@D)/api -cp $(call class_path,$(JAVA_COMPILE_JARS) geronimo-annotation-1.3-spec) \
		@$(@D)/api-sources.txt
	jar --create --file $@ -C $(@D)/api .
$(JAVA_EXAMPLE): clients/java/src/main/java/dev/openchat/example/OpenChatExample.java $(JAVA_API)
	rm -rf $(@D)/example && mkdir -p $(@D)/example
	javac -Xlint:all -Werror -d $(@D)/example -cp $(JAVA_API):$(call class_path,$(JAVA_COMPILE_JARS)) $<
	{ echo "Class-Path: $(notdir $(JAVA_API))"; printf '  $(JARS)/%s.jar\n' $(JAVA_RUNTIME_JARS); } > $(@D)/MANIFEST.MF
	jar --create --file $@ --manifest $(@D)/MANIFEST.MF --main-class dev.openchat.example.OpenChatExample \
		-C $(@D)/example .

# Ruby: the generated code is built into the openchat-api gem and installed beside the build.
$(RUBY_API): generated/ruby/openchat-api.gemspec $(wildcard generated/ruby/lib/openchat/v1/*.rb) | stubs-tools
	mkdir -p $(@D)
	cd generated/ruby && gem build --silent openchat-api.gemspec --output $(abspath $(CLIENTS_BUILD)/ruby/openchat-api.gem)
	GEM_HOME=$(abspath $(@D)) gem install --silent --local --no-document $(CLIENTS_BUILD)/ruby/openchat-api.gem
	touch $@

.PHONY: stubs-build
stubs-build: $(GO_EXAMPLE) $(TS_EXAMPLE) $(JAVA_EXAMPLE) $(RUBY_API) ## Build the example clients and the packages they use.

.PHONY: stubs-test
stubs-test: install stubs-build ## Run every example client (Go, TypeScript, Java, Ruby) against a real server.
	$(BIN)/pytest -m stubs tests/stubs $(PYTEST_ARGS)

# ---- Browsers: the TypeScript SDK and the web demo (clients/typescript-sdk, clients/web-demo) ----
SDK_MODULES := clients/typescript-sdk/node_modules/.package-lock.json
DEMO_MODULES := clients/web-demo/node_modules/.package-lock.json

.PHONY: web-tools
web-tools: install ## Install what the browser tests need (Debian's chromium) when missing.
	tools/install-apt-packages tools/apt/web.txt
	@node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' \
		|| { echo "the TypeScript SDK needs Node.js 20 or later"; exit 1; }

# @openchat/api is installed as a copy of generated/typescript (.npmrc), so a change of the
# generated code reinstalls it.
$(SDK_MODULES): clients/typescript-sdk/package.json clients/typescript-sdk/package-lock.json \
		clients/typescript-sdk/.npmrc generated/typescript/package.json \
		$(wildcard generated/typescript/openchat/v1/*) | web-tools
	cd clients/typescript-sdk && npm ci --no-audit --no-fund --loglevel=error
	touch $@
$(DEMO_MODULES): clients/web-demo/package.json clients/web-demo/package-lock.json | web-tools
	cd clients/web-demo && npm ci --no-audit --no-fund --loglevel=error
	touch $@

.PHONY: web-test
web-test: install $(SDK_MODULES) $(DEMO_MODULES) ## Run the TypeScript SDK's tests and the web demo in headless Chromium, against real servers.
	cd clients/typescript-sdk && npm test
	cd clients/web-demo && npm test

# ---- Packaging: a wheel per distribution, checked -------------------------------------------
DIST := dist

.PHONY: dist
dist: install ## Build the wheels of openchat-api, openchat-client and openchat-server into dist/ and check them.
	rm -rf $(DIST)
	for project in $(DISTRIBUTIONS); do \
		$(BIN)/python -m build --wheel --no-isolation --outdir $(DIST) $$project; \
	done
	$(BIN)/twine check --strict $(DIST)/*.whl

.PHONY: dist-test
dist-test: dist ## Install the built wheels into a new virtualenv and run them against each other.
	$(BIN)/pytest -m dist tests/packaging $(PYTEST_ARGS)

.PHONY: run
run: install ## Run the server on 127.0.0.1:50051 (gRPC) and :8080 (Connect, gRPC-Web) with SQLite (prints a dev token).
	@echo 'grpcurl, openchat and openchat-server are in $(abspath $(BIN)): in another shell run'
	@echo '  export PATH="$(abspath $(BIN)):$$PATH"'
	$(BIN)/openchat-server serve --dev --web-listen "$${OPENCHAT_WEB_LISTEN:-127.0.0.1:8080}"

.PHONY: bench
bench: install ## Run the send benchmark (SQLite and PostgreSQL) and print the results.
	$(BIN)/python -m bench.send_bench $(BENCH_ARGS)
BENCH_ARGS ?=

.PHONY: bench-inbox
bench-inbox: install ## Run the inbox benchmark: ListConversations with unread counts, 1,000 conversations.
	$(BIN)/python -m bench.inbox_bench $(INBOX_BENCH_ARGS)

.PHONY: bench-sessions
bench-sessions: install ## Run the session benchmark: 10k idle sessions, latency, fan-out, storm, churn.
	$(BIN)/python -m bench.sessions $(SESSIONS_BENCH_ARGS)
SESSIONS_BENCH_ARGS ?=

.PHONY: chaos
chaos: install ## Run the fault suite: 3 nodes, their own PostgreSQL and Redis, kills, freezes, restarts.
	$(BIN)/python -m tests.chaos $(CHAOS_ARGS)
CHAOS_ARGS ?=

.PHONY: bench-chat
bench-chat: install ## Run the chat benchmark: senders to online, acking recipients, as ratios to an empty RPC.
	$(BIN)/python -m bench.chat $(CHAT_BENCH_ARGS)
CHAT_BENCH_ARGS ?=

.PHONY: bench-fairness
bench-fairness: install ## Run the fairness benchmark: one user's 64 callers against others' send p99.
	$(BIN)/python -m bench.fairness $(FAIRNESS_BENCH_ARGS)
FAIRNESS_BENCH_ARGS ?=

.PHONY: bench-reads
bench-reads: install ## Run the reads benchmark: MarkRead, Sync and ListMessages on a large PostgreSQL database, as ratios.
	$(BIN)/python -m bench.reads $(READS_BENCH_ARGS)
READS_BENCH_ARGS ?=

.PHONY: bench-web
bench-web: install ## Run the web benchmark: server CPU per call and per delivered message, Connect/gRPC-Web vs gRPC.
	$(BIN)/python -m bench.web $(WEB_BENCH_ARGS)
WEB_BENCH_ARGS ?=

.PHONY: clean
clean: ## Remove the venv, caches and built wheels.
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache $(DIST)
