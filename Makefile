# bpnet: the two set-up commands, for those who have make. Each calls dev.py, which does the
# work (and runs anywhere Python does, Windows included: `python dev.py lab`, `python dev.py test`).
#
#   make lab               create .venv, install bpnet with its notebook extras, open JupyterLab at notebook 00
#   make test              create .venv (the Binder pins plus the test tools), run every test and validate every
#                          notebook, stage by stage, printing the time of each
#   make test-fast         the unit tests only (no notebook, no browser, no slow test): under a minute
#   make reset-notebooks   put notebooks/ back as committed (discard outputs, edits and autosaves)
#
# Needs only Python 3.10+ (with its venv module). The virtual environment is re-installed
# only when pyproject.toml (or, for the tests, binder/requirements.txt) changes (stamp files inside .venv).
#
# Overrides:  make lab PORT=9000    make test PYTEST_ARGS="-m 'not slow and not browser'"
#             make test STAGE=browser   (one stage of make test: tests or browser)
#             PYTHON=python3.12     VENV=path/to/venv    LAB_ARGS="--no-browser"

PYTHON ?= python3
VENV ?= .venv
PORT ?= 8888
LAB_ARGS ?=
PYTEST_ARGS ?=
STAGE ?=
LAB_STAMP ?= $(VENV)/.bpnet-lab-installed
TEST_STAMP ?= $(VENV)/.bpnet-test-installed

DEV := $(PYTHON) dev.py

.PHONY: lab test test-fast reset-notebooks clean-venv help

help:
	@echo "make lab              - open the notebooks in JupyterLab (creates .venv on first use)"
	@echo "make test             - run every test and validate every notebook (creates .venv on first use)"
	@echo "make test-fast        - the unit tests only: no notebook, no browser, no slow test (under a minute)"
	@echo "make reset-notebooks  - put notebooks/ back as committed"

lab:
	@$(DEV) lab --venv "$(VENV)" --stamp "$(LAB_STAMP)" --port $(PORT) -- $(LAB_ARGS)

test:
	@$(DEV) test --venv "$(VENV)" --stamp "$(TEST_STAMP)" $(if $(STAGE),--stage $(STAGE)) -- $(PYTEST_ARGS)

test-fast:
	@$(DEV) test --fast --venv "$(VENV)" --stamp "$(TEST_STAMP)" -- $(PYTEST_ARGS)

reset-notebooks:
	@$(DEV) reset-notebooks

clean-venv:
	@$(DEV) clean-venv --venv "$(VENV)"
