"""Helpers shared by the notebook, Binder, `make lab` and browser tests (not a test module)."""

from __future__ import annotations

import contextlib
import functools
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS_DIR = REPO / "notebooks"
ARTIFACTS = REPO / "test-artifacts"
SANITIZE_CFG = REPO / "tests" / "nbval_sanitize.cfg"
WORKED_EXAMPLE = "05_xor_worked_example.ipynb"
START_NOTEBOOK = "00_start_here.ipynb"

# nbval's marker comments (a whole comment line) and cell tags that switch its comparison off.
NBVAL_NO_COMPARE = ("NBVAL_IGNORE_OUTPUT", "PYTEST_VALIDATE_IGNORE_OUTPUT", "NBVAL_SKIP", "NBVAL_RAISES_EXCEPTION")
NBVAL_MARKERS = NBVAL_NO_COMPARE + ("NBVAL_CHECK_OUTPUT",)
NBVAL_NO_COMPARE_TAGS = ("nbval-ignore-output", "pytest-validate-ignore-output", "nbval-skip",
                         "nbval-raises-exception", "raises-exception")


def notebooks() -> list[Path]:
    """Every notebook of the product, in order (checkpoints excluded)."""
    return sorted(NOTEBOOKS_DIR.glob("*.ipynb"))


#: What a notebook's browser tests weigh together when the browser stage is shared out (its page load
#: and Run All), counted in tests of no notebook.
NOTEBOOK_WEIGHT = 8


def notebook_shares(tests: list[tuple[str, str]], n: int) -> dict[str, int]:
    """The share (0 .. n-1) of each unit of ``tests`` ((node id, its notebook or '') pairs): a unit is a
    notebook, all of its tests (one page load and Run All), worth ``NOTEBOOK_WEIGHT``, or a test of no
    notebook, worth 1. Heaviest first (names breaking ties), each unit goes to the share with the
    least weight so far: the same shares in every one of the n sessions that collect the same tests."""
    weights: dict[str, int] = {}
    for nodeid, notebook in tests:
        weights[notebook or nodeid] = NOTEBOOK_WEIGHT if notebook else 1
    load, share = [0] * n, {}
    for unit in sorted(weights, key=lambda u: (-weights[u], u)):
        k = min(range(n), key=lambda j: (load[j], j))
        share[unit] = k
        load[k] += weights[unit]
    return share


def in_ci() -> bool:
    return dev_module().in_ci()


def sanitize_patterns() -> list[tuple[str, str]]:
    """The regex -> replacement pairs exactly as nbval reads them from the sanitize file."""
    text = SANITIZE_CFG.read_text(encoding="utf-8")
    return re.findall("^regex: (.*)$\n^replace: (.*)$", text, flags=re.MULTILINE)


def sanitize(text: str, patterns: list[tuple[str, str]] | None = None) -> str:
    for regex, replace in patterns if patterns is not None else sanitize_patterns():
        text = re.sub(regex, replace, text)
    return text


def cell_source(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def marker_lines(cell) -> list[tuple[int, str]]:
    """(line number, marker) for each nbval marker comment in a cell, as nbval finds them."""
    found = []
    for number, line in enumerate(cell_source(cell).splitlines()):
        line = line.strip()
        if line.startswith("#") and line.lstrip("#").strip() in NBVAL_MARKERS:
            found.append((number, line.lstrip("#").strip()))
    return found


def cell_compared_by_nbval(cell) -> bool:
    """False for cells whose outputs nbval does not compare (marker comments or tags)."""
    if cell.get("cell_type") != "code":
        return False
    if any(marker in NBVAL_NO_COMPARE for _, marker in marker_lines(cell)):
        return False
    tags = cell.get("metadata", {}).get("tags", [])
    return not any(tag in NBVAL_NO_COMPARE_TAGS for tag in tags)


def text_outputs(nb, patterns=None) -> list[list[str]]:
    """Per code cell, the text of its outputs the way nbval sees them, sanitised.

    Streams of the same name are joined (the kernel may split a print into several
    messages); images and widget views are left out, like nbval does.
    """
    result = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        texts: list[str] = []
        streams: dict[str, str] = {}
        for out in cell.get("outputs", []):
            kind = out.get("output_type")
            if kind == "stream":
                streams[out["name"]] = streams.get(out["name"], "") + "".join(out.get("text", ""))
            elif kind in ("execute_result", "display_data"):
                for mime, value in sorted(out.get("data", {}).items()):
                    if mime.startswith("text/") or mime == "application/json":
                        value = value if isinstance(value, str) else "".join(value) if isinstance(value, list) else repr(value)
                        texts.append(f"{mime}: {value}")
            elif kind == "error":
                texts.append(f"error: {out.get('ename')}: {out.get('evalue')}")
        texts = [f"{name}: {text}" for name, text in sorted(streams.items())] + texts
        result.append([sanitize(t, patterns) for t in texts])
    return result


#: What nbval leaves out when it compares two outputs (nbval.plugin.IPyNbFile.skip_compare, with the
#: raster images it skips unless nbdime is installed).
NBVAL_SKIP_COMPARE = ("metadata", "traceback", "prompt_number", "output_type", "name", "execution_count",
                      "application/vnd.jupyter.widget-view+json", "image/png", "image/jpeg")


def nbval_view(outputs, patterns=None) -> dict[str, list]:
    """A cell's outputs as nbval compares them: streams of one name merged into one, then each key of
    an output (each MIME type of its data) but those nbval skips -> the list of its sanitised values,
    in order. Two cells agree for nbval when their views are equal."""
    import copy

    from nbval.plugin import coalesce_streams, transform_streams_for_comparison

    patterns = sanitize_patterns() if patterns is None else patterns
    view: dict[str, list] = {}
    for out in transform_streams_for_comparison(coalesce_streams(copy.deepcopy(list(outputs)))):
        for key, value in out.items():
            if key in NBVAL_SKIP_COMPARE:
                continue
            items = value.items() if key == "data" else [(key, value)]
            for name, v in items:
                if name not in NBVAL_SKIP_COMPARE:
                    view.setdefault(name, []).append(sanitize(v, patterns) if isinstance(v, str) else v)
    return view


def output_differences(stored, run, patterns=None) -> list[str]:
    """Where the notebook ``run`` (the same notebook, executed) shows other outputs than ``stored`` in a
    cell nbval compares: one line per cell, naming it and the first output that differs."""
    patterns = sanitize_patterns() if patterns is None else patterns
    found = []
    code = [(s, r) for s, r in zip(stored.cells, run.cells) if s.cell_type == "code"]
    if len(stored.cells) != len(run.cells):
        return [f"{len(run.cells)} cells, stored {len(stored.cells)}"]
    for k, (s, r) in enumerate(code):
        if not cell_compared_by_nbval(s):
            continue
        want, got = nbval_view(s.outputs, patterns), nbval_view(r.outputs, patterns)
        if want != got:
            key = next((key for key in sorted(set(want) | set(got)) if want.get(key) != got.get(key)), "?")
            found.append(f"code cell {k + 1} ({cell_source(s)[:50]!r}...): {key}: stored "
                         f"{str(want.get(key))[:300]!r}, shown {str(got.get(key))[:300]!r}")
    return found


def mirror_repo(dest: Path, copy_notebooks: bool = True) -> Path:
    """Make `dest` look like the repository root without touching the checkout.

    notebooks/ is copied (so running or saving notebooks there changes nothing in the
    checkout); every other non-hidden top-level entry is a symlink, so relative paths
    the notebooks use (../examples/...) still resolve.
    """
    dest.mkdir(parents=True, exist_ok=True)
    for entry in REPO.iterdir():
        if entry.name.startswith(".") or entry.name.endswith(".egg-info"):
            continue
        target = dest / entry.name
        if entry.name == "notebooks" and copy_notebooks:
            shutil.copytree(entry, target, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        else:
            target.symlink_to(entry, target_is_directory=entry.is_dir())
    (dest / "notebooks").mkdir(exist_ok=True)
    return dest


def copy_repo_files(dest: Path) -> Path:
    """A plain copy of the repository's files (tracked and not ignored), like repo2docker's build context."""
    try:
        listing = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=REPO, check=True, capture_output=True, text=True,
        ).stdout.split("\0")
        files = [f for f in listing if f and (REPO / f).is_file()]
    except (OSError, subprocess.CalledProcessError):
        skip = {".git", ".venv", "build", "dist", "test-artifacts", ".pytest_cache", "__pycache__"}
        files = [
            str(p.relative_to(REPO)) for p in REPO.rglob("*")
            if p.is_file() and not (set(p.relative_to(REPO).parts) & skip) and ".egg-info" not in str(p)
        ]
    for rel in files:
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / rel, target)
    return dest


@functools.cache
def dev_module():
    """dev.py (the set-up commands, at the repository root) as a module."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bpnet_dev", REPO / "dev.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def stage_commands(tmp: Path, **options) -> dict[str, tuple[dict, list[str]]]:
    """name -> (variables added to the environment, command) of each stage of ``python dev.py test``,
    as it runs them with this Python (its perturbing IPython folder made in ``tmp``; ``options`` as
    dev.py's ``stage_commands`` takes them: ``nbval``, ``latency``)."""
    dev = dev_module()
    ipython_dir = dev.perturbing_ipython_dir(tmp / "ipython")
    stages = dev.stage_commands(Path(sys.executable), [], [], ipython_dir, **options)
    return {name: (env, cmd) for name, (_, cmd, env) in stages.items()}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_process_group(proc: subprocess.Popen, timeout: float = 20) -> None:
    """SIGTERM the process group (make + jupyter + kernels), then SIGKILL what is left."""
    if proc.poll() is None:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                proc.wait(timeout=timeout)
                break
            except subprocess.TimeoutExpired:
                continue
    try:  # anything of the group still alive after the leader exited
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")


# --- the real browser ------------------------------------------------------------------------

#: Chromium as the browser tests start it: headless, as root, with no connection of its own.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_path() -> str:
    """Debian's chromium; skips the test without it, except in CI, where that fails it."""
    import pytest

    path = shutil.which("chromium")
    if path is None:
        message = "Debian's chromium is not on PATH (apt-get install -y chromium)"
        if in_ci():
            pytest.fail(message + ": CI must run the real-browser tests")
        pytest.skip(message)
    return path


# --- JupyterLab for the browser tests ----------------------------------------------------------

#: JupyterLab's user settings in every browser test: every cell in the DOM (so every output can be
#: inspected), the notebook's own kernel started without the kernel dialog a person would confirm,
#: nothing saved unless a test says so, and no news or update checks from the network.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none",
                                                                   "autoStartDefaultKernel": True},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                        "checkForUpdates": False},
}


def strip_outputs(path: Path) -> None:
    """Remove every stored output (and execution count) of the notebook at ``path``, in place."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nbformat.write(nb, path)


def lab_root(dest: Path) -> Path:
    """The folder the browser tests' JupyterLab serves: a copy of the repository (``mirror_repo``)
    whose ``notebooks/`` holds the notebooks as stored and whose ``fresh/`` holds them with every
    output stripped (so every output seen there comes from the test's own run)."""
    root = mirror_repo(dest)
    shutil.copytree(root / "notebooks", root / FRESH)
    for path in (root / FRESH).glob("*.ipynb"):
        strip_outputs(path)
    return root


#: ``lab_root``'s folder of notebooks without outputs.
FRESH = "fresh"


class LabServer:
    """A running JupyterLab: its address, token, root folder and log, and its REST API; ``folder`` is
    the folder of ``root`` whose notebooks ``url`` and ``path`` name (``in_folder`` gives another)."""

    def __init__(self, base: str, token: str, root: Path | None = None, log: Path | None = None,
                 folder: str = "notebooks"):
        self.base, self.token, self.root, self.log, self.folder = base, token, root, log, folder

    def in_folder(self, folder: str) -> "LabServer":
        """The same server, naming the notebooks of ``root/folder``."""
        return LabServer(self.base, self.token, self.root, self.log, folder)

    def path(self, notebook: str) -> Path:
        """The file JupyterLab opens for ``url(notebook)``."""
        return self.root / self.folder / notebook

    def api(self, method: str, path: str, body: object = None) -> tuple[int, object]:
        """``method`` ``path`` with the token (and ``body`` as JSON): (status, the reply's JSON or None)."""
        import json
        import urllib.error
        import urllib.request

        headers = {"Authorization": f"token {self.token}"}
        data = None
        if body is not None:
            data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
        request = urllib.request.Request(f"{self.base}{path}", data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                body = response.read()
                return response.status, (json.loads(body) if body else None)
        except urllib.error.HTTPError as error:
            return error.code, None
        except OSError:
            return 0, None  # not listening (yet)

    def kernels_idle(self) -> bool:
        status, kernels = self.api("GET", "/api/kernels")
        return status == 200 and bool(kernels) and all(k.get("execution_state") == "idle" for k in kernels)

    def delete_sessions(self) -> None:
        """Shut down every notebook's kernel (kernels outlive the page that started them)."""
        status, sessions = self.api("GET", "/api/sessions")
        for session in sessions or []:
            self.api("DELETE", f"/api/sessions/{session['id']}")

    def url(self, notebook: str) -> str:
        return f"{self.base}/lab/tree/{self.folder}/{notebook}?token={self.token}&reset"

    def wait_until_kernels_idle(self, timeout: float = 120) -> None:
        import time

        deadline = time.monotonic() + timeout  # a hang guard, not a timing check
        while not self.kernels_idle():
            assert time.monotonic() < deadline, "the notebook's kernel never became idle"
            time.sleep(0.5)


#: What the browser tests' JupyterLab adds to its environment, and so to its kernels': OpenBLAS's kernels
#: for an older CPU (no FMA, no AVX). Its kernels also start every training 1e-12 away from its stored
#: weights (``jupyter_lab`` gives them dev.py's perturbing IPython folder). A notebook run in the browser
#: is then the check that its stored numbers hold on another processor and from a perturbed start
#: (tests/test_browser.py compares them as nbval does): the one run of each notebook CI makes.
LAB_ENVIRONMENT = {"OPENBLAS_CORETYPE": "Prescott"}


def without_nbgrader() -> list[str]:
    """JupyterLab's options that turn off nbgrader's server extensions where they are installed: the
    server a learner starts has none (nbgrader is the teachers' optional extra, which `make test` installs
    for its own tests), and importing them costs each server start about 2 CPU-seconds."""
    import json

    names = []
    for path in sorted((Path(sys.prefix) / "etc" / "jupyter" / "jupyter_server_config.d").glob("nbgrader*.json")):
        names += json.loads(path.read_text(encoding="utf-8")).get("ServerApp", {}).get("jpserver_extensions", {})
    return [f"--ServerApp.jpserver_extensions={name}=False" for name in names]


@contextlib.contextmanager
def jupyter_lab(tmp: Path, root: Path, start_timeout: float = 180):
    """JupyterLab serving ``root`` on a free 127.0.0.1 port with a token (``LabServer``), its config,
    settings and runtime files under ``tmp``, kernels importing this checkout's bpnet; stopped with
    its kernels when the block ends."""
    import json
    import secrets
    import time

    config = tmp / "config"
    config.mkdir(parents=True)
    # No check whether JupyterLab's own front end needs a rebuild (it starts node on every page load).
    (config / "jupyter_server_config.json").write_text(json.dumps(
        {"LabApp": {"news_url": None, "check_for_updates_class": "jupyterlab.NeverCheckForUpdate",
                    # window.jupyterapp: NotebookRuns opens the next notebook in the page already loaded.
                    "expose_app_in_browser": True},
         "ServerApp": {"tornado_settings": {"page_config_data": {"buildCheck": False, "buildAvailable": False}}}}))
    # JupyterLab as a learner has it: without the teachers' nbgrader extension (`make test` installs
    # nbgrader for its own tests; Binder does not), whose toolbar button and sidebar change the layout
    # (its server extensions are off too: ``without_nbgrader``).
    (config / "labconfig").mkdir()
    (config / "labconfig" / "page_config.json").write_text(json.dumps({"disabledExtensions": {
        name: True for name in ("@jupyter/nbgrader", "nbgrader")}}))
    settings = tmp / "settings"
    for name, values in LAB_SETTINGS.items():
        (settings / name).parent.mkdir(parents=True, exist_ok=True)
        (settings / name).write_text(json.dumps(values))
    env = {**os.environ, **LAB_ENVIRONMENT, "JUPYTER_CONFIG_DIR": str(config), "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"),
           "JUPYTERLAB_SETTINGS_DIR": str(settings), "JUPYTERLAB_WORKSPACES_DIR": str(tmp / "workspaces"),
           "IPYTHONDIR": str(dev_module().perturbing_ipython_dir(tmp / "ipython")), "BROWSER": "true",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH", "")]))}
    port, token = free_port(), secrets.token_hex(24)
    log = tmp / "jupyterlab.log"
    from bpnet.lab import ENABLE  # as `make lab` serves the notebooks

    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ServerApp.ip=127.0.0.1",
           f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
           f"--ServerApp.root_dir={root}", ENABLE, *without_nbgrader()]
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, cwd=root, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    server = LabServer(f"http://127.0.0.1:{port}", token, root, log)
    try:
        deadline = time.monotonic() + start_timeout  # a hang guard, not a timing check
        while server.api("GET", "/api/status")[0] != 200:
            assert proc.poll() is None, "JupyterLab exited:\n" + log.read_text()[-5000:]
            assert time.monotonic() < deadline, "JupyterLab did not start:\n" + log.read_text()[-5000:]
            time.sleep(0.5)
        yield server
    finally:
        try:
            if proc.poll() is None:
                server.delete_sessions()
        finally:
            stop_process_group(proc)


@contextlib.contextmanager
def watched_page(context, request, shot: str):
    """A new page of the Playwright ``context`` that keeps its JavaScript errors (``page.errors``) and the
    URLs of its websockets (``page.sockets``), every wait guarded against a hang, and leaves a screenshot
    test-artifacts/failure-SHOT.png if the test fails while it is open."""
    page = watch(context.new_page())
    failed_before = request.session.testsfailed
    try:
        yield page
        if request.session.testsfailed > failed_before:
            screenshot_failure(page, shot)
    finally:
        page.close()


def watch(page):
    """``page``, keeping its JavaScript errors (``page.errors``) and the URLs of its websockets
    (``page.sockets``), every wait guarded against a hang."""
    page.set_default_timeout(120_000)  # hang guard for every wait
    page.errors, page.sockets = [], []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on("websocket", lambda ws: page.sockets.append(ws.url))
    return page


def screenshot_failure(page, shot: str) -> None:
    """Keep what the browser showed when a test failed: test-artifacts/failure-SHOT.png."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / ("failure-" + re.sub(r"[^\w.-]+", "_", shot) + ".png")
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot of the failure: {path}")


def wait_for_kernel(page, timeout: float = 120) -> None:
    """Wait until the open notebook's kernel is connected (a ``watched_page``'s websockets) and idle.

    The execution indicator reads 'idle' before the kernel is connected: its websocket tells."""
    import time

    deadline = time.monotonic() + timeout  # a hang guard, not a timing check
    while not any("/api/kernels/" in url for url in page.sockets):
        assert time.monotonic() < deadline, f"no kernel connection; websockets: {page.sockets}"
        page.wait_for_timeout(50)
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook-ExecutionIndicator[data-status='idle']")


def run_all_cells(page, notebook: Path, timeout: float = 180_000) -> int:
    """Run -> Run All Cells in the open notebook (a copy of ``notebook``, with or without its stored
    outputs), and wait until every code cell has run and the kernel is idle. Returns the number of
    code cells.

    Every output shown before is marked first; the run is done when every prompt carries its number
    and no marked output is left (a cell's run replaces its outputs), so every output seen after it
    comes from this run. A cell whose source is collapsed (a solution a learner opens on purpose)
    shows no input prompt: every code cell must be there and every prompt shown must carry its number."""
    import nbformat

    code_cells = sum(c.cell_type == "code" for c in nbformat.read(notebook, as_version=4).cells)
    page.evaluate("""() => document.querySelectorAll('.jp-NotebookPanel .jp-OutputArea-output')
                              .forEach(o => { o.dataset.bpBeforeRun = '1'; })""")
    page.locator(".lm-MenuBar-itemLabel:text-is('Run')").click()
    page.locator(".lm-Menu-item[data-command='runmenu:run-all']").click()
    page.wait_for_function(
        """(n) => {
            const cells = [...document.querySelectorAll('.jp-NotebookPanel .jp-CodeCell')];
            const prompts = cells.map(c => c.querySelector('.jp-InputArea-prompt')).filter(p => p);
            return cells.length === n && prompts.every(p => /^\\[\\d+\\]:$/.test(p.textContent.trim()))
                && !document.querySelector('.jp-NotebookPanel [data-bp-before-run]');
        }""",
        arg=code_cells, timeout=timeout,
    )
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook-ExecutionIndicator[data-status='idle']")
    return code_cells


def open_file_browser(page) -> None:
    """JupyterLab's default layout: the file browser open in the left sidebar."""
    if not page.locator(".jp-FileBrowser").first.is_visible():
        page.locator(".jp-SideBar.jp-mod-left [data-id='filebrowser']").first.click()
    page.wait_for_selector(".jp-FileBrowser", state="visible")


def save_notebook(page, path: Path) -> None:
    """File -> Save Notebook, and wait until the notebook's file ``path`` is written whole and the tab is
    no longer marked modified.

    The server writes the file in place (truncated, then written), and a notebook saved before is not
    marked modified while it is saved again: the file is whole once it is new and reads as JSON."""
    import json
    import time

    def written() -> bool:
        if path.stat().st_mtime_ns == before:
            return False
        try:
            json.loads(path.read_text(encoding="utf-8"))
        except ValueError:  # still being written
            return False
        return True

    before = path.stat().st_mtime_ns
    page.locator(".lm-MenuBar-itemLabel:text-is('File')").click()
    page.locator(".lm-Menu-item[data-command='docmanager:save']").click()
    deadline = time.monotonic() + 60  # a hang guard, not a timing check
    while not written():
        assert time.monotonic() < deadline, f"{path.name} was not saved"
        page.wait_for_timeout(100)
    page.wait_for_function("() => !document.querySelector('.lm-TabBar-tab.jp-mod-current.jp-mod-dirty')",
                           timeout=60_000)


def wait_until_quiet(page, name: str, quiet: float = 1.5, timeout: float = 300) -> None:
    """Wait until the open notebook's kernel has stayed idle for ``quiet`` seconds with no cell queued
    (between two queued cells the kernel is idle for a moment)."""
    import time

    quiet_since = None
    deadline = time.monotonic() + timeout  # a hang guard, not a timing check
    while True:
        busy = page.locator(".jp-NotebookPanel .jp-Notebook-ExecutionIndicator[data-status='idle']").count() == 0
        busy = busy or page.locator(".jp-NotebookPanel .jp-InputArea-prompt:text-is('[*]:')").count() > 0
        now = time.monotonic()
        quiet_since = None if busy else (quiet_since or now)
        if quiet_since is not None and now - quiet_since >= quiet:
            return
        assert now < deadline, f"{name}: Run All did not finish"
        page.wait_for_timeout(100)


#: The window every shared notebook page is looked at in: a small laptop screen, the file browser open.
SMALL_LAPTOP = (1000, 800)

#: A tab JupyterLab marks modified (its document has changes not saved).
DIRTY_TAB = ".lm-TabBar-tab.jp-mod-dirty"

#: Places in the text of the outputs where a line breaks inside a number (a digit or point on each side).
SPLIT_NUMBERS = """() => {
    const out = [], r = document.createRange();
    for (const area of document.querySelectorAll('.jp-NotebookPanel .jp-OutputArea-output')) {
        if (area.querySelector('mjx-container, .jupyter-widgets')) continue;
        const walker = document.createTreeWalker(area, NodeFilter.SHOW_TEXT);
        let node, prev = null;
        while ((node = walker.nextNode())) {
            const t = node.textContent;
            for (let i = 0; i < t.length; i++) {
                if (t[i] === '\\n') { prev = null; continue; }
                r.setStart(node, i); r.setEnd(node, i + 1);
                const rect = r.getClientRects()[0];
                if (!rect) continue;
                if (prev && prev.node === node && rect.top > prev.top + 2 && /[\\d.]/.test(prev.ch) && /[\\d.]/.test(t[i]))
                    out.push(t.slice(Math.max(0, i - 15), i + 10));
                prev = {node, top: rect.top, ch: t[i]};
            }
        }
    }
    return out;
}"""

#: What shows an output's text: text outputs, tables and listings (not typeset formulas, not widgets).
WIDE_OUTPUTS = """() => [...document.querySelectorAll('.jp-NotebookPanel .jp-OutputArea-output')]
    .filter(o => o.scrollWidth > o.clientWidth + 1 && !o.querySelector('mjx-container'))
    .map(o => o.innerText.slice(0, 80))"""

#: Listing lines (``tables.Listing``) shown without their monospace font or their indentation.
PLAIN_LISTINGS = """() => [...document.querySelectorAll('.jp-NotebookPanel .bp-listing > div')]
    .filter(d => !/mono/i.test(getComputedStyle(d).fontFamily) || parseFloat(getComputedStyle(d).paddingLeft) <= 0)
    .map(d => d.textContent.slice(0, 40))"""


def as_stored(page, name: str) -> dict[str, list]:
    """What the open notebook ``name`` shows as stored (before it is run), at the page's size: whether
    its tab is marked modified once the kernel is idle, numbers broken across lines, outputs wider than
    the column, listings without their font, output text under 9 points; with a screenshot of each
    screenful (test-artifacts/walk-NN-as-stored-KK.png), for a person to look at: not in CI, where
    nobody does."""
    found = {"modified": page.locator(DIRTY_TAB).count() > 0}
    open_file_browser(page)
    page.wait_for_timeout(800)
    found.update(split=page.evaluate(SPLIT_NUMBERS), wide=page.evaluate(WIDE_OUTPUTS),
                 plain=page.evaluate(PLAIN_LISTINGS),
                 small=page.evaluate(SMALL_TEXT, [".jp-NotebookPanel .jp-OutputArea-output", PT9]))
    if not in_ci():
        scroller = ".jp-NotebookPanel .jp-WindowedPanel-outer"
        height = page.evaluate("(s) => document.querySelector(s).scrollHeight", scroller)
        step = page.viewport_size["height"] - 200
        ARTIFACTS.mkdir(exist_ok=True)
        for k, top in enumerate(range(0, min(height, 30 * step), step)):
            page.evaluate("([s, y]) => { document.querySelector(s).scrollTop = y; }", [scroller, top])
            page.wait_for_timeout(150)
            page.screenshot(path=str(ARTIFACTS / f"walk-{name.split('_')[0].split('.')[0]}-as-stored-{k + 1:02d}.png"))
        page.evaluate("(s) => { document.querySelector(s).scrollTop = 0; }", scroller)
    return found


class NotebookRuns:
    """One JupyterLab page load for the whole browser session, and one Run All per notebook (the
    ``notebook_page`` fixture).

    ``page(name)`` opens ``server``'s notebook ``name`` as stored, at 1000 x 800, as a learner opens it:
    the first in a new page of the session's browser context, which loads JupyterLab; each next one in
    that same page, as a learner opens another notebook from the file browser, once the previous one is
    closed unsaved and its kernel shut down (``close_notebook``; loading JupyterLab costs more than most
    notebooks' runs). Once its kernel is idle it looks at the notebook beside the file browser
    (``as_stored``: kept in ``self.stored[name]``); then it runs Run -> Run All Cells at 1400 x 900 (at
    1000 px the notebook's toolbar folds away the kernel indicator the run waits for), waits until every
    output is this run's and the kernel stays idle, and hands the page over at 1000 x 800 with the file
    browser open. The notebook is handed to every test of it in turn (the browser tests are ordered by
    notebook, tests/conftest.py), so each notebook is opened and run once, not once per test. A test
    that fails ``discard``s the page: the next notebook loads JupyterLab in a new one. The page keeps
    the JavaScript errors (``page.errors``) and websocket URLs (``page.sockets``) since the notebook
    opened."""

    def __init__(self, browser, server: LabServer, viewport: tuple[int, int] = SMALL_LAPTOP):
        self.browser, self.server, self.viewport = browser, server, viewport
        self.name = self.current = None
        # One browser context for every page: JupyterLab's scripts are loaded once, then come from its cache.
        self.context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
        self.runs: list[str] = []  # the notebooks run, in order (each once unless a test failed)
        self.stored: dict[str, dict[str, list]] = {}  # notebook -> what it showed as stored (``as_stored``)
        self.loads = self.discards = 0  # pages that loaded JupyterLab; pages discarded (a test failed)

    def page(self, name: str):
        if self.current is not None and self.name == name:
            self.current.set_viewport_size({"width": self.viewport[0], "height": self.viewport[1]})
            return self.current
        page = self.close_notebook()
        assert self.server.path(name).is_file(), f"no notebook {self.server.path(name)}"
        shutil.copyfile(NOTEBOOKS_DIR / name, self.server.path(name))  # as stored, whatever a test saved there
        width, height = self.viewport
        if page is None:
            page = watch(self.context.new_page())
            page.goto(self.server.url(name))
            self.loads += 1
        else:  # JupyterLab is loaded: open the notebook in it, as a double click in the file browser does
            page.errors.clear()
            page.sockets.clear()
            page.set_viewport_size({"width": width, "height": height})
            page.evaluate("""async (path) => {
                await window.jupyterapp.commands.execute('docmanager:open', {path, factory: 'Notebook'});
            }""", f"{self.server.folder}/{name}")
        self.name, self.current = name, page
        page.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-Cell")
        wait_for_kernel(page)
        self.server.wait_until_kernels_idle()
        page.wait_for_timeout(1000)  # the kernel's info reply reaches the notebook model
        self.stored[name] = as_stored(page, name)
        page.set_viewport_size({"width": 1400, "height": 900})
        run_all_cells(page, self.server.path(name), timeout=400_000)
        wait_until_quiet(page, name)
        page.set_viewport_size({"width": width, "height": height})
        open_file_browser(page)
        page.wait_for_timeout(300)  # the notebook panel takes the width that is left
        self.runs.append(name)
        return page

    def close_notebook(self):
        """Close the current notebook without saving it and shut its kernel down, keeping the page with
        JupyterLab loaded for the next notebook (loading JupyterLab costs more than most notebooks' runs).
        Returns that page, or None where it cannot serve again (a dialog open, JupyterLab not there):
        then it is closed."""
        page, self.name, self.current = self.current, None, None
        if page is None:
            return None
        try:
            reusable = page.evaluate("""() => {
                const app = window.jupyterapp;
                if (!app || document.querySelector('.jp-Dialog')) return false;
                for (const widget of [...app.shell.widgets('main')]) {
                    if (widget.context) widget.context.model.dirty = false;  // close without asking to save
                    widget.dispose();
                }
                return !document.querySelector('.jp-NotebookPanel');
            }""")
        except Exception:  # the page is gone or broken: a new one serves the next notebook
            reusable = False
        finally:
            self.server.delete_sessions()
        if not reusable:
            page.close()
            return None
        return page

    def discard(self) -> None:
        """Close the current page and shut its kernel down."""
        page, self.name, self.current = self.current, None, None
        if page is not None:
            self.discards += 1
            try:
                page.close()
            finally:
                self.server.delete_sessions()

    def close(self) -> None:
        try:
            self.discard()
        finally:
            self.context.close()


#: 9 points in CSS pixels, less rounding: the smallest text a page may show.
PT9 = 12.0 - 0.05

#: Every text of the elements matching a selector that shows under 9 points: its own font size,
#: scaled for an SVG drawn smaller or larger than its viewBox (MathJax's sub- and superscripts and
#: text only a screen reader gets are left out).
SMALL_TEXT = """([sel, limit]) => {
    const small = [];
    for (const root of document.querySelectorAll(sel)) {
        const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
        let n;
        while ((n = walker.nextNode())) {
            const el = n.parentElement;
            if (!n.textContent.trim() || el.closest('.bp-sr-only, mjx-container, style, title')) continue;
            const box = el.getBoundingClientRect();
            if (box.width === 0 || box.height === 0) continue;  // not shown
            let px = parseFloat(getComputedStyle(el).fontSize);
            const svg = el.closest('svg');
            if (svg && svg.viewBox && svg.viewBox.baseVal && svg.viewBox.baseVal.width)
                px *= svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
            if (px < limit) small.push(n.textContent.trim().slice(0, 40) + ' @ ' + px.toFixed(1) + 'px');
        }
    }
    return small;
}"""
