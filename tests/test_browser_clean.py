"""Running and saving a notebook in JupyterLab writes nothing but its outputs: nothing but a
learner's own work is ever written back into the repository.

Notebook 00, opened as stored and run (Run All Cells) in JupyterLab in headless Chromium (the
session's one run of it: tests/conftest.py ``notebook_page``), is saved: its sources
and its notebook and cell metadata must be exactly the stored ones (JupyterLab adds no kernel,
widget or timing metadata).

That opening a notebook leaves it unmodified (no "Save changes?" for an untouched notebook: the tab
is not marked modified once its kernel is idle) is checked for every notebook as stored, in the same
page load, before its Run All: tests/test_browser_learner_view.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra_support import DIRTY_TAB, NOTEBOOKS_DIR, START_NOTEBOOK, save_notebook

pytestmark = pytest.mark.browser


def _sources_and_metadata(path: Path) -> dict:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return {"metadata": nb["metadata"], "nbformat": (nb["nbformat"], nb["nbformat_minor"]),
            "cells": [(c["cell_type"], c.get("id"), "".join(c["source"]), c.get("metadata", {})) for c in nb["cells"]]}


@pytest.mark.notebook(START_NOTEBOOK)
def test_running_and_saving_changes_nothing_but_outputs(notebook_page, notebook_runs):
    """The session's run of 00, saved: sources and metadata as stored."""
    page = notebook_page
    path = notebook_runs.server.path(START_NOTEBOOK)
    before = _sources_and_metadata(NOTEBOOKS_DIR / START_NOTEBOOK)
    save_notebook(page, path)
    assert page.locator(DIRTY_TAB).count() == 0, "the notebook did not save"
    after = _sources_and_metadata(path)
    assert after["metadata"] == before["metadata"], "saving rewrote the notebook's metadata"
    assert after["nbformat"] == before["nbformat"]
    assert len(after["cells"]) == len(before["cells"])
    for b, a in zip(before["cells"], after["cells"]):
        assert a == b, f"saving changed a cell beyond its outputs:\nbefore {b}\nafter  {a}"
