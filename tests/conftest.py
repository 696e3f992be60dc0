"""Test markers, and the one JupyterLab and one Chromium that every browser test shares.

Everything runs under `make test` (`python dev.py test`, stage by stage); the markers let a
developer narrow a run: `make test-fast` is `-m "not slow and not browser"` over tests/.

- ``slow``: takes seconds, not milliseconds (a subprocess, a notebook kernel, a server, a large
  property search): left out of `make test-fast`, run by `make test`;
- ``browser``: drives JupyterLab (or a page) in a real Chromium: the last stage of `make test`.
"""

from __future__ import annotations

import pytest

from infra_support import ARTIFACTS, CHROMIUM_ARGS, chromium_path, jupyter_lab, lab_root


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: takes seconds (a subprocess, a kernel, a server): not in make test-fast")
    config.addinivalue_line("markers", "browser: drives JupyterLab in a real Chromium (needs chromium on PATH)")


def pytest_collection_modifyitems(config, items):
    """Browser tests run last: the shared Chromium lives until the session ends, and nothing after it
    has to share the process with Playwright's event loop."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory):
    """One JupyterLab (``infra_support.LabServer``, served as ``make lab`` serves it) for every browser
    test, over a copy of the repository (``infra_support.lab_root``): ``notebooks/`` holds the
    notebooks as stored, ``fresh/`` the same notebooks with every output stripped. Nothing it saves
    reaches the checkout. A test shuts down the kernels it started (``delete_sessions``)."""
    chromium_path()  # decide skip/fail before starting anything
    for stale in ARTIFACTS.glob("failure-*.png"):  # screenshots of an earlier run's failures
        stale.unlink()
    tmp = tmp_path_factory.mktemp("lab")
    with jupyter_lab(tmp / "server", lab_root(tmp / "root")) as server:
        yield server


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium (Debian's, through Playwright) for every browser test; a test opens its
    own context or page in it and closes it."""
    sync_api = pytest.importorskip("playwright.sync_api")
    executable = chromium_path()
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
