# HomeIQ ML: every target bootstraps .venv from the pinned requirements.lock when it is missing or stale.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
UV_VERSION := 0.13.9
STAMP := $(VENV)/.installed
BYTECODE := $(VENV)/.bytecode

.DEFAULT_GOAL := help
.PHONY: help run serve test lint format bench clean tools

help: ## Show the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): requirements.lock pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: install Python 3.11"; exit 1; }
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -q --disable-pip-version-check "uv==$(UV_VERSION)"
	@$(VENV)/bin/uv pip sync -q --python $(PY) requirements.lock
	@$(VENV)/bin/uv pip install -q --python $(PY) --no-deps -e .
	@touch $(STAMP)

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

test: $(STAMP) tools ## Lint, type-check and run the whole test suite
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	$(PY) -m pytest

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
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
