"""Opening a notebook in JupyterLab leaves it unmodified: no "Save changes?" for an untouched
notebook, and nothing but a learner's own work is ever written back into the repository.

Each notebook is opened, as stored (outputs included), from a temporary copy of notebooks/ in
JupyterLab in headless Chromium; once its kernel is idle the tab must not be marked modified.
Then one notebook is run (Run All Cells) and saved: its sources and its notebook and cell
metadata must be exactly the stored ones (JupyterLab adds no kernel, widget or timing metadata).
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from infra_support import (
    CHROMIUM_ARGS, REPO, START_NOTEBOOK, LabServer, chromium_path, jupyter_lab, notebooks, run_all_cells,
)

pytestmark = pytest.mark.browser

DIRTY_TAB = ".lm-TabBar-tab.jp-mod-dirty"


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """(browser, base URL, token, root): JupyterLab over a temporary copy of notebooks/ and a Chromium."""
    chromium = chromium_path()
    sync_api = pytest.importorskip("playwright.sync_api")
    tmp = tmp_path_factory.mktemp("clean")
    root = tmp / "root"
    shutil.copytree(REPO / "notebooks", root / "notebooks",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    with jupyter_lab(tmp, root) as server, sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield browser, server.base, server.token, root
        browser.close()


def _open(browser, base: str, token: str, name: str):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(LabServer(base, token).url(name))
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
    deadline = time.monotonic() + 120  # a hang guard, not a timing check
    while not LabServer(base, token).kernels_idle():
        assert time.monotonic() < deadline, f"the kernel of {name} never became idle"
        time.sleep(0.5)
    page.wait_for_timeout(2000)  # the kernel's info reply reaches the notebook model
    return page


def _shutdown_kernels(base: str, token: str) -> None:
    LabServer(base, token).delete_sessions()


@pytest.mark.parametrize("name", [p.name for p in notebooks()])
def test_opening_a_notebook_does_not_modify_it(lab, name):
    browser, base, token, root = lab
    page = _open(browser, base, token, name)
    try:
        assert page.locator(DIRTY_TAB).count() == 0, (
            f"{name} is marked modified as soon as it opens: JupyterLab rewrote something in it "
            "(store it with tools/nbrun.py, which writes the metadata as JupyterLab does)")
    finally:
        page.close()
        _shutdown_kernels(base, token)


def _sources_and_metadata(path: Path) -> dict:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return {"metadata": nb["metadata"], "nbformat": (nb["nbformat"], nb["nbformat_minor"]),
            "cells": [(c["cell_type"], c.get("id"), "".join(c["source"]), c.get("metadata", {})) for c in nb["cells"]]}


def test_running_and_saving_changes_nothing_but_outputs(lab):
    browser, base, token, root = lab
    path = root / "notebooks" / START_NOTEBOOK
    before = _sources_and_metadata(path)
    page = _open(browser, base, token, START_NOTEBOOK)
    try:
        run_all_cells(page, path)
        page.locator(".lm-MenuBar-itemLabel:text-is('File')").click()
        page.locator(".lm-Menu-item[data-command='docmanager:save']").click()
        page.wait_for_timeout(3000)
        assert page.locator(DIRTY_TAB).count() == 0, "the notebook did not save"
    finally:
        page.close()
        _shutdown_kernels(base, token)
    after = _sources_and_metadata(path)
    assert after["metadata"] == before["metadata"], "saving rewrote the notebook's metadata"
    assert after["nbformat"] == before["nbformat"]
    assert len(after["cells"]) == len(before["cells"])
    for b, a in zip(before["cells"], after["cells"]):
        assert a == b, f"saving changed a cell beyond its outputs:\nbefore {b}\nafter  {a}"
