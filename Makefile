# CITIZENinfo — `make up` runs the whole system on this machine, `make test` runs every test.
SHELL := /bin/bash
.DEFAULT_GOAL := help

UV_VERSION := 0.13.8
CACHE_DIR ?= $(or $(CITIZENINFO_CACHE_DIR),$(or $(XDG_CACHE_HOME),$(HOME)/.cache)/citizeninfo)
UV_HOME := $(CACHE_DIR)/uv-$(UV_VERSION)
UV := $(UV_HOME)/bin/uv
VENV := .venv
STACK := $(VENV)/bin/citizeninfo-stack
PYTEST := $(VENV)/bin/pytest
UNIT_TESTS := shared/tests $(wildcard services/*/tests) deploy/tests
# Prerequisites and Debian packages (deploy/system-packages.txt), with the machine's python3: no .venv yet.
SYSTEM := python3 deploy/local/src/citizeninfo_devstack/system_packages.py

export UV_CACHE_DIR ?= $(CACHE_DIR)/uv-cache
# The pinned uv first on PATH: the deploy tests replay image builds with it.
export PATH := $(UV_HOME)/bin:$(PATH)
export UV_PYTHON_DOWNLOADS := never
# The end-to-end tests drive Debian's chromium; Playwright never downloads a browser.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

.PHONY: help prerequisites-% install up down clean status test test-unit crds test-integration test-fresh-install lint demo bench \
	images compose-up compose-down compose-clean compose-test test-containers cluster-up cluster-test cluster-down

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

$(UV):
	python3 -m venv $(UV_HOME)
	$(UV_HOME)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# Checks what cannot be installed here (one line each, saying how to get it), then apt-installs the
# step's packages: before uv compiles or the stack runs anything that needs them.
prerequisites-%:
	@$(SYSTEM) ensure --for $*

# Bytecode compiled once here: where PYTHONDONTWRITEBYTECODE is set (as on these machines), every
# start would otherwise compile each library from source, and a service took 3-4 s instead of 1 s.
$(VENV)/.synced: $(UV) Makefile uv.lock pyproject.toml shared/pyproject.toml deploy/local/pyproject.toml $(wildcard services/*/pyproject.toml)
	$(UV) sync --frozen --python python3.11 --compile-bytecode
	@touch $@

install: prerequisites-install ## system packages, then the Python workspace into .venv (from uv.lock)
	@$(MAKE) --no-print-directory $(VENV)/.synced

up: prerequisites-up install ## install what is missing, start everything, wait until ready
	$(STACK) up

down: ## stop everything, keep data
	@if [ -x $(STACK) ]; then $(STACK) down; fi

clean: ## stop everything and remove runtime data under .run/
	@if [ -x $(STACK) ]; then $(STACK) clean; else rm -rf .run; fi

status: install ## show every supervised process
	$(STACK) status

test-unit: install crds ## unit tests only: fast, no servers
	$(PYTEST) -m "not integration and not container" $(UNIT_TESTS)

crds: install ## the operators' CRDs at pinned versions, fetched once into $(CACHE_DIR)/crds (deploy/tests validates against them)
	$(VENV)/bin/python deploy/fetch_crds.py $(CACHE_DIR)

test-integration: up images ## integration tests against the running stack (and throw-away servers from the images), browser journeys, drills
	$(STACK) browser
	$(PYTEST) -m "integration and not disruptive" tests/integration services tests/e2e
	$(PYTEST) -m integration tests/fuzz
	$(PYTEST) -m "disruptive" tests/integration

test-fresh-install: prerequisites-check install ## `make install` from a clean copy inside a clean Debian 12 container
	$(PYTEST) -m container deploy/tests

test: prerequisites-check up ## every test: starts the stack if needed, unit tests, then integration tests
	$(MAKE) test-unit
	$(MAKE) test-fresh-install
	$(MAKE) test-integration

demo: up ## load the national demo catalogue (77,963 points) and pin about half of them
	$(VENV)/bin/citizeninfo demo load

bench: up ## benchmarks against the running system: bench/results/latest.{json,md}
	$(VENV)/bin/python bench/run.py

images: prerequisites-check install ## build every image the compose stack runs, here (no registry): cached
	$(STACK) images

compose-up: prerequisites-containers images ## docker-compose.yml with the images built here, until every container is healthy (not with make up)
	$(STACK) compose-up

compose-down: ## stop and remove the compose stack's containers (data volumes kept)
	@if [ -x $(STACK) ]; then $(STACK) compose-down; fi

compose-clean: ## stop the compose stack and remove its data volumes (they hold what .env's secrets set)
	@if [ -x $(STACK) ]; then $(STACK) compose-down --remove-data; fi

compose-test: compose-up ## the integration tests, browser journeys and drills against the compose stack (fuzzing stays native)
	$(STACK) browser
	CITIZENINFO_TEST_TARGET=compose $(PYTEST) -m "integration and not disruptive and not native_only" tests/integration services tests/e2e
	CITIZENINFO_TEST_TARGET=compose $(PYTEST) -m "disruptive and not native_only" tests/integration

test-containers: ## the container suite (CI runs it after make test): compose stack up, tested, down
	@$(MAKE) --no-print-directory down
	@status=0; $(MAKE) --no-print-directory compose-test || status=$$?; \
	if [ $$status -ne 0 ]; then $(STACK) compose-logs; fi; \
	$(MAKE) --no-print-directory compose-down; exit $$status

cluster-up: prerequisites-up install ## the replicated topology natively: 3 Kafka, 3 Elasticsearch, 2 of every service and worker (not with make up)
	$(STACK) cluster-up

cluster-test: install ## drills against the cluster that is up: SIGKILL a broker, a search node, a replica of each service, a worker; exact counts
	CITIZENINFO_TEST_TARGET=cluster $(PYTEST) -m cluster -s tests/cluster

cluster-down: ## stop the replicated topology (data kept in .run/cluster; CLUSTER_REMOVE_DATA=1 removes it)
	@if [ -x $(STACK) ]; then $(STACK) cluster-down $(if $(CLUSTER_REMOVE_DATA),--remove-data); fi

lint: install ## ruff
	$(VENV)/bin/ruff check .
