# bpnet: the two set-up commands.
#
#   make lab    create .venv, install bpnet with its notebook extras, open JupyterLab at notebook 00
#   make test   create .venv, install bpnet with its test extras, run every test and validate every notebook
#
# Needs only Python 3.10+ (with its venv module) and make. The virtual environment is
# re-installed only when pyproject.toml changes (stamp files inside .venv).
#
# Overrides:  make lab PORT=9000    make test PYTEST_ARGS="-m 'not slow and not browser'"
#             PYTHON=python3.12     VENV=path/to/venv    LAB_ARGS="--no-browser"

PYTHON ?= python3
VENV ?= .venv
PORT ?= 8888
LAB_ARGS ?=
PYTEST_ARGS ?=

PY := $(VENV)/bin/python
LAB_STAMP ?= $(VENV)/.bpnet-lab-installed
TEST_STAMP ?= $(VENV)/.bpnet-test-installed

START_NOTEBOOK := notebooks/00_start_here.ipynb
NOTEBOOKS := $(sort $(wildcard notebooks/*.ipynb))
NBVAL_ARGS := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg --nbval-cell-timeout=600

# JupyterLab refuses to run as root unless told; only then is --allow-root added.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root,)

.PHONY: lab test clean-venv help

help:
	@echo "make lab   - open the notebooks in JupyterLab (creates .venv on first use)"
	@echo "make test  - run every test and validate every notebook (creates .venv on first use)"

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "bpnet needs Python 3.10 or newer; this is " + sys.version.split()[0] + " (try: make PYTHON=python3.11 ...)")'
	$(PYTHON) -m venv $(VENV)

$(LAB_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install -e ".[lab]"
	@touch $@

$(TEST_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install -e ".[test]"
	@touch $@ $(LAB_STAMP)

lab: $(LAB_STAMP)
	@echo
	@echo "Starting JupyterLab at $(START_NOTEBOOK) on 127.0.0.1:$(PORT)."
	@echo "Open the http://127.0.0.1:...?token=... URL it prints below. Stop it with Ctrl-C."
	@echo
	$(PY) -m jupyterlab --ServerApp.ip=127.0.0.1 --ServerApp.port=$(PORT) \
		--ServerApp.root_dir="$(CURDIR)" --LabApp.default_url=/lab/tree/$(START_NOTEBOOK) \
		$(ALLOW_ROOT) $(LAB_ARGS)

test: $(TEST_STAMP)
	$(PY) -m pytest tests $(NOTEBOOKS) $(NBVAL_ARGS) $(PYTEST_ARGS)

clean-venv:
	rm -rf $(VENV)
