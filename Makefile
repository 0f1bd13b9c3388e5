# Vigil — `make start` runs everything locally; `make test` proves it. See README.md.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
STACK := bash localstack/stack.sh
WITH_STACK := bash localstack/with-stack.sh
# dbt for warehouse/: installs itself on first use, reads the connection from the settings (DATABASE_URL).
DBT := bash localstack/dbt.sh
# `make docs DOCS_SERVE=1` serves the docs on 127.0.0.1:DOCS_PORT after generating them (Ctrl-C stops it).
DOCS_PORT ?= 8580
# Every target runs on the Node.js of Lambda's runtime line (nodejs24.x): the node on PATH when it is of that
# line, else the pinned release, installed into .vigil/tools on first use and put first on PATH
# (localstack/lib/node.sh). `make help` alone needs none.
ifneq ($(filter-out help,$(or $(MAKECMDGOALS),help)),)
NODE_DIR := $(shell bash localstack/stack.sh node || echo FAILED)
ifeq ($(NODE_DIR),FAILED)
$(error could not provide the Node.js Vigil runs on (the reason is above))
endif
ifneq ($(NODE_DIR),)
export PATH := $(NODE_DIR):$(PATH)
endif
endif

.PHONY: help install up down reset status logs start test lint typecheck unit integration e2e web package init demo replay backfill redetect bench api-key dbt docs

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

node_modules/.installed: package.json package-lock.json $(wildcard patches/*.patch)
	@echo "==> npm ci (dependencies from package-lock.json, then patches/ applied by patch-package)"
	@npm ci --no-audit --no-fund --loglevel=error
	@touch $@

web/node_modules/.installed: web/package.json web/package-lock.json
	@echo "==> npm ci in web/ (the investigation page: Vite, Cytoscape.js, Chart.js)"
	@npm ci --prefix web --no-audit --no-fund --loglevel=error
	@touch $@

install: node_modules/.installed web/node_modules/.installed ## install the Node dependencies (the stack installs its own tools on `make up`)

up: install ## install what is missing, start Kafka, LocalStack, Postgres, Neo4j; wait until healthy; init
	@$(STACK) up

down: ## stop every service of the local stack
	@$(STACK) down

reset: ## stop the stack and wipe its data (tools stay cached in .vigil/tools)
	@$(STACK) reset

status: ## one line per service; fails unless all four are healthy
	@$(STACK) status

logs: ## follow the logs of the stack (make logs S=kafka for one)
	@$(STACK) logs $(S)

start: up ## the stack, the investigation page on :5173, and `serverless offline start` (HTTP API, schedules, Kafka triggers)
	@$(STACK) run -- bash localstack/start.sh

package: install ## build the deployment artifacts (no AWS account needed)
	@npx serverless package

lint: install ## Biome: lint and format check
	@npx biome check .

typecheck: install ## tsc --noEmit over everything, the JS companions included
	@npx tsc --noEmit -p .
	@npx tsc --noEmit -p web

unit: install ## unit tests: pure logic, no network
	@npx vitest run --project unit

integration: install ## integration tests against the local stack, then dbt build on the data they loaded (starts the stack if needed, stops what it started)
	@$(WITH_STACK) bash -c 'npx vitest run --project integration && echo "==> dbt build on the data the tests loaded" && $(DBT) build'

.PHONY: cfn-lint
cfn-lint: install ## cfn-lint over the template `serverless package --stage prod` builds (installs cfn-lint on first use)
	@bash localstack/cfn-lint.sh prod

e2e: install ## end-to-end: the investigation page in headless Chromium against serverless offline (installs Debian's chromium on first use)
	@$(WITH_STACK) npx vitest run --project e2e

web: install ## build the investigation page into web/dist (static files, deployable anywhere)
	@npm --prefix web run build

# One stack session for everything that needs it: integration tests, end-to-end tests, then dbt build on
# the data they loaded.
test: install lint typecheck cfn-lint unit ## lint, type check, cfn-lint, unit, integration and end-to-end tests, dbt build
	@$(WITH_STACK) bash -c 'npx vitest run --project integration && npx vitest run --project e2e && echo "==> dbt build on the data the tests loaded" && $(DBT) build'

init: install ## create the bucket, topics, schemas, constraints and secrets (run by `make up`; Docker users run it after compose)
	@$(STACK) init

demo: up ## realistic threat events into Kafka: make demo N=10000 RATE=2000 (also writes .vigil/demo/{events,graph}.json)
	@$(STACK) run -- node --import tsx layers/runtime/cli/demo.ts --count "$(N)" --rate "$(RATE)"

replay: up ## rebuild raw.threat_events and the graph from bronze alone: make replay FROM=2026-11-01 TO=2026-11-30
	@$(STACK) run -- node --import tsx layers/runtime/cli/replay.ts --from "$(FROM)" --to "$(TO)"

backfill: up ## load what already lies under raw-logs/ in bronze (make backfill PREFIX=raw-logs/otrf/); loaded objects are skipped
	@$(STACK) run -- node --import tsx layers/runtime/cli/backfill.ts --prefix "$(PREFIX)"

redetect: up ## run the current detection rules again over the security logs loaded under raw-logs/ (make redetect PREFIX=raw-logs/otrf/)
	@$(STACK) run -- node --import tsx layers/runtime/cli/redetect.ts --prefix "$(PREFIX)"

bench: install ## throughput benchmarks beside their same-run baselines (make bench BENCH_EVENTS=100000)
	@$(WITH_STACK) node --import tsx bench/ingest.ts $(or $(BENCH_EVENTS),100000)
	@node --import tsx bench/bundles.ts
	@$(WITH_STACK) node --import tsx bench/api.ts

api-key: install ## print the local API key (from the API_KEYS_SECRET secret): curl -H "x-api-key: $$(make -s api-key)" …
	@$(STACK) run -- node --import tsx layers/runtime/cli/api-key.ts

dbt: ## dbt build of warehouse/ against the running stack: staging views, marts, every test (DBT_ARGS=... adds flags)
	@$(DBT) build $(DBT_ARGS)

docs: ## dbt docs into warehouse/target (open static_index.html, or make docs DOCS_SERVE=1: http://127.0.0.1:8580)
	@$(DBT) docs generate --static
	@echo "==> docs: warehouse/target/static_index.html (open it in a browser; no server needed)"
	@if [ -n "$(DOCS_SERVE)" ]; then $(DBT) docs serve --host 127.0.0.1 --port "$(DOCS_PORT)" --no-browser; fi
