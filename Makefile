# HomeIQ ML: every target bootstraps .venv from the pinned requirements.lock when it is missing or stale.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
UV_VERSION := 0.13.9
STAMP := $(VENV)/.installed
BYTECODE := $(VENV)/.bytecode

.DEFAULT_GOAL := help
.PHONY: help run serve test test-ha ha-venv lint format bench clean tools
.PHONY: test-fleet fleet-venv

# The Home Assistant integration (services/ha_integration) is tested on real HA core, which needs Python
# 3.13 and pins that conflict with the services': its own venv, from its own lock (uv, from .venv).
HA_PYTHON ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.13.*/bin/python) $(shell command -v python3.13 2>/dev/null))
HA_VENV := .venv-ha
HA_PY := $(HA_VENV)/bin/python
HA_LOCK := services/ha_integration/requirements-test.lock
HA_STAMP := $(HA_VENV)/.installed

# Fleet scale on Dask (scripts/fleet.py) needs the optional [fleet] extra: its own venv from its own lock
# (requirements.lock's pins plus Dask and pyarrow), with uv from .venv; the default install never needs it.
FLEET_VENV := .venv-fleet
FLEET_PY := $(FLEET_VENV)/bin/python
FLEET_LOCK := requirements-fleet.lock
FLEET_STAMP := $(FLEET_VENV)/.installed

help: ## Show the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): requirements.lock pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: install Python 3.11"; exit 1; }
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -q --disable-pip-version-check "uv==$(UV_VERSION)"
	@$(VENV)/bin/uv pip sync -q --python $(PY) requirements.lock
	@$(VENV)/bin/uv pip install -q --python $(PY) --no-deps -e .
	@touch $(STAMP)

# uv comes from .venv, built here only when there is none (a lock newer than .venv's stamp does not rebuild
# the services' venv from this rule: `make test` has already brought it up to date).
$(HA_STAMP): $(HA_LOCK)
	@[ -x $(VENV)/bin/uv ] || $(MAKE) --no-print-directory $(STAMP)
	@[ -n "$(HA_PYTHON)" ] && [ -x "$(HA_PYTHON)" ] || { echo "Python 3.13 not found (set HA_PYTHON=/path/to/python3.13):" \
	  "the Home Assistant integration's tests run on HA core, which needs it; 'make test SKIP_HA=1' skips them"; exit 1; }
	@[ -x $(HA_PY) ] || $(VENV)/bin/uv venv -q --python $(HA_PYTHON) $(HA_VENV)
	@$(VENV)/bin/uv pip sync -q --python $(HA_PY) $(HA_LOCK)
	@touch $(HA_STAMP)

ha-venv: $(HA_STAMP) ## Build only .venv-ha (Python 3.13, HA core + its test plugin) for the integration's tests

$(FLEET_STAMP): $(FLEET_LOCK) pyproject.toml
	@[ -x $(VENV)/bin/uv ] || $(MAKE) --no-print-directory $(STAMP)
	@[ -x $(FLEET_PY) ] || $(VENV)/bin/uv venv -q --python $(PYTHON) $(FLEET_VENV)
	@$(VENV)/bin/uv pip sync -q --compile-bytecode --python $(FLEET_PY) $(FLEET_LOCK)
	@$(VENV)/bin/uv pip install -q --python $(FLEET_PY) --no-deps -e .
	@touch $(FLEET_STAMP)

fleet-venv: $(FLEET_STAMP) ## Build only .venv-fleet (the [fleet] extra: Dask, pyarrow) for scripts/fleet.py

# With PYTHONDONTWRITEBYTECODE set (common in CI and container shells) every process would compile the
# installed packages again at import: seconds of CPU per service and worker (scikit-learn, SciPy, LightGBM).
# Compiled once here, inside .venv only; a failure just leaves Python compiling at import as before.
$(BYTECODE): $(STAMP)
	@$(PY) -m compileall -q -j 0 $(VENV)/lib >/dev/null 2>&1 || true
	@touch $(BYTECODE)

# Debian's docker-compose validates docker-compose.yml in the test suite (no Docker engine needed).
tools: ## Install the system tools the tests use when missing (Debian's docker-compose)
	@command -v docker-compose >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian's docker-compose"; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose >/dev/null 2>&1 || \
	    { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose >/dev/null; }; \
	  else echo "docker-compose not found and cannot be installed here: the compose checks will say so"; fi; }

run: $(STAMP) $(BYTECODE) ## Run the main job: the gateway pipeline (both services started locally, report in reports/)
	$(PY) scripts/run_pipeline.py $(ARGS)

# The models a run trained live under runs/<id>/<service>/models: serve them on the usual ports.
RUN ?= $(lastword $(sort $(wildcard runs/2*)))
serve: $(STAMP) ## Serve a pipeline run's models on :8018 and :8019 (RUN=runs/<id>, default the latest run)
	@[ -n "$(RUN)" ] && [ -d "$(RUN)" ] || { echo "no run folder '$(RUN)': make run first, or RUN=runs/<id>"; exit 2; }
	@echo "serving the models of $(RUN): ai-automation on :8018, device-intelligence on :8019 (Ctrl-C stops both)"
	@trap 'kill 0' INT TERM; \
	AI_AUTOMATION_MODELS_DIR=$(RUN)/ai_automation/models AI_AUTOMATION_DATA_DIR=$(RUN)/ai_automation/data \
	  $(PY) -m ai_automation & \
	DEVICE_INTELLIGENCE_MODELS_DIR=$(RUN)/device_intelligence/models \
	  DEVICE_INTELLIGENCE_DATA_DIR=$(RUN)/device_intelligence/data $(PY) -m device_intelligence & \
	wait

test: $(STAMP) tools ## Lint, type-check and run the whole test suite (the HA integration's too)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	$(PY) -m pytest
	@$(if $(SKIP_HA),echo "SKIP_HA set: the Home Assistant integration's tests were NOT run",$(MAKE) --no-print-directory test-ha)
	@$(if $(SKIP_FLEET),echo "SKIP_FLEET set: the fleet (Dask) tests were NOT run",$(MAKE) --no-print-directory test-fleet)

# The integration's own mypy (services/ha_integration/mypy.ini, strict, HA core's types) and pytest
# (services/ha_integration/pytest.ini: tests/ha_integration/ha_core) on HA core; its end-to-end test starts
# both services with .venv's Python.
test-ha: $(HA_STAMP) ## Type-check the Home Assistant integration against HA core and run its tests (.venv-ha)
	cd services/ha_integration && $(abspath $(HA_PY)) -m mypy
	cd services/ha_integration && HOMEIQ_SERVICE_PYTHON=$(abspath $(PY)) $(abspath $(HA_PY)) -m pytest

# The fleet tests skip under .venv (no Dask there); here they run on a 2-worker LocalCluster.
test-fleet: $(FLEET_STAMP) ## Run the fleet tests (tests/fleet: Dask LocalCluster) with .venv-fleet
	$(FLEET_PY) -m pytest tests/fleet

lint: $(STAMP) ## ruff + mypy + the import layering (lint-imports) only
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

format: $(STAMP) ## Apply ruff's formatting and safe fixes
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: $(STAMP) $(BYTECODE) ## Run the benchmarks and record their figures in bench/results/
	$(PY) bench/run_all.py

clean: ## Remove the virtual environment and caches
	rm -rf $(VENV) $(HA_VENV) $(FLEET_VENV) .mypy_cache .ruff_cache .pytest_cache
