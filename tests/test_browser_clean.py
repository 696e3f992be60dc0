"""Running and saving a notebook in JupyterLab writes nothing but its outputs: nothing but a
learner's own work is ever written back into the repository.

One notebook is opened from a temporary copy of notebooks/ in JupyterLab in headless Chromium (the
session's: tests/conftest.py), run (Run All Cells) and saved: its sources and its notebook and cell
metadata must be exactly the stored ones (JupyterLab adds no kernel, widget or timing metadata).

That opening a notebook leaves it unmodified (no "Save changes?" for an untouched notebook: the tab
is not marked modified once its kernel is idle) is checked for every notebook as stored in the same
page load as the rest of the walk-through: tests/test_browser_learner_view.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra_support import START_NOTEBOOK, open_notebook, run_all_cells

pytestmark = pytest.mark.browser

DIRTY_TAB = ".lm-TabBar-tab.jp-mod-dirty"


def _sources_and_metadata(path: Path) -> dict:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return {"metadata": nb["metadata"], "nbformat": (nb["nbformat"], nb["nbformat_minor"]),
            "cells": [(c["cell_type"], c.get("id"), "".join(c["source"]), c.get("metadata", {})) for c in nb["cells"]]}


def test_running_and_saving_changes_nothing_but_outputs(browser, lab_server):
    path = lab_server.path(START_NOTEBOOK)
    before = _sources_and_metadata(path)
    page = open_notebook(browser, lab_server, START_NOTEBOOK)
    try:
        run_all_cells(page, path)
        page.locator(".lm-MenuBar-itemLabel:text-is('File')").click()
        page.locator(".lm-Menu-item[data-command='docmanager:save']").click()
        page.wait_for_timeout(3000)
        assert page.locator(DIRTY_TAB).count() == 0, "the notebook did not save"
    finally:
        page.close()
        lab_server.delete_sessions()
    after = _sources_and_metadata(path)
    assert after["metadata"] == before["metadata"], "saving rewrote the notebook's metadata"
    assert after["nbformat"] == before["nbformat"]
    assert len(after["cells"]) == len(before["cells"])
    for b, a in zip(before["cells"], after["cells"]):
        assert a == b, f"saving changed a cell beyond its outputs:\nbefore {b}\nafter  {a}"
