"""Test markers, and the one JupyterLab and one Chromium that every browser test of a pytest session
shares (dev.py runs the browser stage as a few sessions side by side, ``--notebook-shard``, a
notebook's tests in one of them).

Everything runs under `make test` (`python dev.py test`, stage by stage); the markers let a
developer narrow a run: `make test-fast` is `-m "not slow and not browser"` over tests/.

- ``slow``: takes a second or more (a subprocess that does real work, a notebook kernel, a server,
  a worksheet template's pilot, a large property search): left out of `make test-fast` (which
  must stay under a minute on two cores), run by `make test`;
- ``browser``: drives JupyterLab (or a page) in a real Chromium: the last stage of `make test`;
- ``latency``: a browser test that measures click latencies: run by `python dev.py test --one-at-a-time`
  (a quiet machine), not beside the tests stage.
"""

from __future__ import annotations

import sys

import pytest

# nbformat imports jsonschema, which builds an Earley parser of RFC 3987's grammar (rfc3987-syntax, which
# Jupyter's event schemas install) for its optional "iri" format check: about 2 CPU-s in every process
# that reads a notebook. Nothing the tests validate uses that format (nbformat checks no format at all):
# the tests' own processes go without it (dev.py's stages leave nbval's plugin, loaded earlier, out).
sys.modules.setdefault("rfc3987_syntax", None)

from infra_support import (ARTIFACTS, CHROMIUM_ARGS, NotebookRuns, chromium_path, jupyter_lab, lab_root, notebook_shares,
                           screenshot_failure)


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: takes seconds (a subprocess, a kernel, a server): not in make test-fast")
    config.addinivalue_line("markers", "browser: drives JupyterLab in a real Chromium (needs chromium on PATH)")
    config.addinivalue_line("markers", "latency: measures click latency in the browser; dev.py runs it only with "
                                       "--one-at-a-time (on a machine shared with the tests stage its numbers mean nothing)")
    config.addinivalue_line("markers", "notebook(name): the test uses the page of notebooks/NAME after Run All "
                                       "that the session's browser tests of that notebook share (notebook_page)")
    shard = config.getoption("--notebook-shard")
    if shard:
        config.pluginmanager.register(NotebookShard(shard), "notebook_shard")


def notebook_of(item) -> str:
    """The notebook a test's ``notebook`` mark names ('' for none)."""
    mark = item.get_closest_marker("notebook")
    return mark.args[0] if mark else ""


def pytest_addoption(parser):
    parser.addoption("--notebook-shard", default=None, metavar="K/N",
                     help="run only share K (0 .. N-1) of N of the selected tests, the tests of one notebook "
                          "in one share (dev.py runs the browser stage as N such processes side by side)")


def pytest_collection_modifyitems(config, items):
    """Browser tests run last: the shared Chromium lives until the session ends, and nothing after it
    has to share the process with Playwright's event loop. Among them, the tests of one notebook run
    one after another (in the order of their files and of each file), after the tests of no notebook,
    so that they share one Run All (``notebook_page``)."""
    items.sort(key=lambda item: (item.get_closest_marker("browser") is not None, notebook_of(item)))


class NotebookShard:
    """``--notebook-shard K/N``: of the tests selected (after ``-m`` and ``-k``), keep share K of N
    (``infra_support.notebook_shares``: a notebook's tests in one share)."""

    def __init__(self, spec: str):
        try:
            self.k, self.n = (int(part) for part in spec.split("/"))
        except ValueError:
            raise pytest.UsageError(f"--notebook-shard takes K/N, e.g. 0/2; got {spec!r}") from None
        if not 0 <= self.k < self.n:
            raise pytest.UsageError(f"--notebook-shard K/N needs 0 <= K < N; got {spec!r}")

    @pytest.hookimpl(trylast=True)  # after -m and -k have deselected
    def pytest_collection_modifyitems(self, config, items):
        share = notebook_shares([(item.nodeid, notebook_of(item)) for item in items], self.n)
        keep, drop = [], []
        for item in items:
            (keep if share[notebook_of(item) or item.nodeid] == self.k else drop).append(item)
        if drop:
            config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory):
    """One JupyterLab (``infra_support.LabServer``, served as ``make lab`` serves it) for every browser
    test, over a copy of the repository (``infra_support.lab_root``): ``notebooks/`` holds the
    notebooks as stored, ``fresh/`` the same notebooks with every output stripped. Nothing it saves
    reaches the checkout. A test shuts down the kernels it started (``delete_sessions``)."""
    chromium_path()  # decide skip/fail before starting anything
    for stale in ARTIFACTS.glob("failure-*.png"):  # screenshots of an earlier run's failures
        stale.unlink(missing_ok=True)  # another share of the browser stage may have removed it
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


@pytest.fixture(scope="session")
def notebook_runs(browser, lab_server):
    """The session's pages of notebooks, each opened as stored, then run with Run All
    (``infra_support.NotebookRuns``): one page load and one run per notebook."""
    runs = NotebookRuns(browser, lab_server)
    try:
        yield runs
    finally:
        runs.close()


@pytest.fixture
def notebook_page(notebook_runs, request):
    """The page of the notebook the test's ``@pytest.mark.notebook(NAME)`` names, opened as stored and
    then run with Run All, at 1000 x 800 with the file browser open: the one page every test of that notebook shares, in order.
    A test changes the window size or the notebook as a learner would; one that fails leaves a
    screenshot (test-artifacts/failure-TEST.png) and the next test gets a new run."""
    name = notebook_of(request.node)
    if not name:
        pytest.fail("notebook_page needs the test marked @pytest.mark.notebook(NAME)")
    page = notebook_runs.page(name)
    failed_before = request.session.testsfailed
    yield page
    if request.session.testsfailed > failed_before:
        try:
            screenshot_failure(page, request.node.name)
        finally:
            notebook_runs.discard()
