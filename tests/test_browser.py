"""The notebooks in a real browser: JupyterLab in headless Chromium, driven by Playwright.

Each notebook is opened from a temporary copy of the repository (outputs stripped, so every
output seen comes from this run, and nothing the browser saves reaches the checkout), run with
Run -> Run All Cells, and checked for errors and for widgets that did not render. The
worked-example notebook's step-through widget is then clicked through.
Artefacts: test-artifacts/stepper.png, test-artifacts/browser_latency.json.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from infra_support import REPO, WORKED_EXAMPLE, free_port, in_ci, mirror_repo, notebooks, stop_process_group

pytestmark = pytest.mark.browser

ARTIFACTS = REPO / "test-artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
# What a widget looks like when the front end cannot render it: its Python repr as text.
WIDGET_TEXT_FALLBACK = re.compile(
    r"\b(Button|HBox|VBox|Box|GridBox|Label|HTML|HTMLMath|Image|Output|Play|IntSlider|FloatSlider|"
    r"ToggleButtons|ToggleButton|Dropdown|Checkbox|Tab|Accordion|Text|Textarea|interactive|\w+Widget)"
    r"\((children|description|value|layout|options|outputs|style|_dom_classes|min|max)="
)
BROKEN_WIDGET_TEXT = ("Loading widget", "Error displaying widget", "model not found", "Failed to load model class")
STEP_LABEL = re.compile(r"step (\d+) of (\d+)")
UPDATE_X0_Z1 = re.compile(r"w\(X0->Z1\)\s*:=")  # the update itself, not its gradient g(X0->Z1)
NUMBER = re.compile(r"^[-+−]?\d+(?:\.\d+)?")


def _chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        message = "Debian's chromium is not on PATH (apt-get install -y chromium)"
        if in_ci():
            pytest.fail(message + ": CI must run the real-browser tests")
        pytest.skip(message)
    return path


def _notebook_ids():
    return [p.name for p in notebooks()] or ["<no notebooks>"]


# --- JupyterLab server -----------------------------------------------------------------------

@dataclass
class Lab:
    base: str
    token: str
    root: Path
    log: Path

    def api(self, method: str, path: str) -> tuple[int, object]:
        request = urllib.request.Request(f"{self.base}{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                body = response.read()
                return response.status, (json.loads(body) if body else None)
        except urllib.error.HTTPError as error:
            return error.code, None

    def delete_sessions(self) -> None:
        status, sessions = self.api("GET", "/api/sessions")
        for session in sessions or []:
            self.api("DELETE", f"/api/sessions/{session['id']}")

    def url(self, notebook: str) -> str:
        return f"{self.base}/lab/tree/notebooks/{notebook}?token={self.token}&reset"


def _strip_outputs(folder: Path) -> None:
    import nbformat

    for path in folder.glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs = []
                cell.execution_count = None
        nbformat.write(nb, path)


def _write_settings(settings: Path) -> None:
    user = {
        # All cells attached to the DOM, so every output can be inspected; start the notebook's own
        # kernel (python3) without the "Select Kernel" dialog a person would confirm with one click.
        "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none",
                                                                       "autoStartDefaultKernel": True},
        # Never write back (the copies are temporary anyway).
        "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
        # No news or update checks from the network.
        "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                            "checkForUpdates": False},
    }
    for name, values in user.items():
        path = settings / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    _chromium()  # decide skip/fail before starting anything
    for stale in ARTIFACTS.glob("failure-*.png"):  # screenshots of an earlier run's failures
        stale.unlink()
    tmp = tmp_path_factory.mktemp("lab")
    root = mirror_repo(tmp / "root")
    _strip_outputs(root / "notebooks")
    config = tmp / "config"
    config.mkdir()
    (config / "jupyter_server_config.json").write_text(json.dumps(
        {"LabApp": {"news_url": None, "check_for_updates_class": "jupyterlab.NeverCheckForUpdate"}}))
    _write_settings(tmp / "settings")
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(config), "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"),
           "JUPYTERLAB_SETTINGS_DIR": str(tmp / "settings"), "JUPYTERLAB_WORKSPACES_DIR": str(tmp / "workspaces"),
           "IPYTHONDIR": str(tmp / "ipython"), "BROWSER": "true"}
    port, token = free_port(), secrets.token_hex(24)
    log = tmp / "jupyterlab.log"
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ServerApp.ip=127.0.0.1",
           f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
           f"--ServerApp.root_dir={root}"]
    with open(log, "w") as log_file:
        proc = subprocess.Popen(cmd, cwd=root, env=env, stdin=subprocess.DEVNULL, stdout=log_file,
                                stderr=subprocess.STDOUT, start_new_session=True)
    server = Lab(f"http://127.0.0.1:{port}", token, root, log)
    try:
        deadline = time.monotonic() + 180  # a hang guard, not a timing check
        while not (_port_open(port) and server.api("GET", "/api/status")[0] == 200):
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


def _port_open(port: int) -> bool:
    import socket

    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def browser(lab):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=_chromium(), headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser, lab, request):
    context = browser.new_context(viewport={"width": 1500, "height": 1600})
    page = context.new_page()
    page.set_default_timeout(120_000)  # hang guard for every wait
    page.page_errors = []
    page.on("pageerror", lambda error: page.page_errors.append(str(error)))
    page.sockets = []
    page.on("websocket", lambda ws: page.sockets.append(ws.url))
    failed_before = request.session.testsfailed
    try:
        yield page
        if request.session.testsfailed > failed_before:  # keep what the browser showed
            ARTIFACTS.mkdir(exist_ok=True)
            shot = ARTIFACTS / ("failure-" + re.sub(r"[^\w.-]+", "_", request.node.name) + ".png")
            page.screenshot(path=str(shot), full_page=True)
            print(f"screenshot of the failure: {shot}")
    finally:
        try:
            context.close()
        finally:
            lab.delete_sessions()  # kernels outlive the page


# --- helpers -----------------------------------------------------------------------------------

def _open_and_run_all(page, lab: Lab, name: str) -> int:
    """Open notebooks/NAME, Run All Cells, wait until every code cell has run. Returns the code cell count."""
    import nbformat

    code_cells = sum(c.cell_type == "code" for c in nbformat.read(lab.root / "notebooks" / name, as_version=4).cells)
    page.sockets.clear()
    page.goto(lab.url(name))
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook")
    # The indicator reads 'idle' before the kernel is connected: wait for the kernel's websocket.
    deadline = time.monotonic() + 120  # hang guard
    while not any("/api/kernels/" in url for url in page.sockets):
        assert time.monotonic() < deadline, f"no kernel connection for {name}; websockets: {page.sockets}"
        page.wait_for_timeout(50)
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook-ExecutionIndicator[data-status='idle']")
    page.locator(".lm-MenuBar-itemLabel:text-is('Run')").click()
    page.locator(".lm-Menu-item[data-command='runmenu:run-all']").click()
    page.wait_for_function(
        """(n) => {
            const prompts = [...document.querySelectorAll('.jp-NotebookPanel .jp-CodeCell .jp-InputArea-prompt')];
            return prompts.length === n && prompts.every(p => /^\\[\\d+\\]:$/.test(p.textContent.trim()));
        }""",
        arg=code_cells,
    )
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook-ExecutionIndicator[data-status='idle']")
    return code_cells


def _outputs(page) -> list[dict]:
    return page.eval_on_selector_all(
        ".jp-NotebookPanel .jp-OutputArea-output",
        "els => els.map(e => ({mime: e.getAttribute('data-mime-type') || '', text: e.innerText,"
        " widget: !!e.querySelector('.jupyter-widgets')}))",
    )


def _stored_widget_views(name: str) -> int:
    import nbformat

    nb = nbformat.read(REPO / "notebooks" / name, as_version=4)
    return sum(WIDGET_VIEW in out.get("data", {}) for c in nb.cells if c.cell_type == "code" for out in c.outputs)


def _text(page, selector: str) -> str:
    return page.locator(selector).first.inner_text().strip()


def _wait_change(page, selector: str, before: str, timeout: float | None = None) -> str:
    page.wait_for_function(
        "([sel, before]) => { const e = document.querySelector(sel); return e && e.innerText.trim() !== before; }",
        arg=[selector, before], timeout=timeout,
    )
    return _text(page, selector)


# --- every notebook ----------------------------------------------------------------------------

@pytest.mark.parametrize("name", _notebook_ids())
def test_notebook_runs_in_jupyterlab_without_errors_and_widgets_render(page, lab, name):
    assert (lab.root / "notebooks" / name).is_file(), f"no notebooks in {REPO / 'notebooks'}"
    _open_and_run_all(page, lab, name)

    expected_widgets = _stored_widget_views(name)
    if expected_widgets:  # widget views render asynchronously after the cell has run
        try:
            page.wait_for_function(
                """(n) => [...document.querySelectorAll('.jp-NotebookPanel .jp-OutputArea-output')]
                          .filter(o => o.querySelector('.jupyter-widgets')).length >= n""",
                arg=expected_widgets, timeout=60_000,
            )
        except Exception:  # the assertions below say what is wrong
            pass

    outputs = _outputs(page)
    errors = [o["text"] for o in outputs if o["mime"] == "application/vnd.jupyter.stderr"
              and re.search(r"Traceback|Error|Exception|Warning", o["text"])]
    assert not errors, f"{name}: error output in the browser:\n" + "\n---\n".join(errors)
    broken = [o["text"][:300] for o in outputs if any(s in o["text"] for s in BROKEN_WIDGET_TEXT)]
    assert not broken, f"{name}: widgets did not load:\n" + "\n---\n".join(broken)
    fallback = [o["text"][:300] for o in outputs if o["mime"] == "text/plain" and WIDGET_TEXT_FALLBACK.search(o["text"])]
    assert not fallback, f"{name}: widgets shown as text, not rendered:\n" + "\n---\n".join(fallback)
    # A widget view's output area has no data-mime-type; rendered, it holds the widget's DOM.
    unrendered = [o["text"][:300] for o in outputs if not o["mime"] and not o["widget"]]
    assert not unrendered, f"{name}: output(s) that did not render:\n" + "\n---\n".join(unrendered)
    views = [o for o in outputs if o["widget"]]
    assert len(views) >= expected_widgets, (
        f"{name}: {expected_widgets} widget(s) expected (stored outputs), {len(views)} rendered")
    if expected_widgets:
        assert views, f"{name}: has widgets but none rendered"
    assert not page.page_errors, f"{name}: JavaScript errors: {page.page_errors}"


# --- the worked example's step-through widget ----------------------------------------------------

STEPPER = ".bp-stepper"
LABEL = f"{STEPPER} .bp-step-label"
FORMULA = f"{STEPPER} .bp-formula"
DIAGRAM_IMG = f"{STEPPER} img.bp-diagram, {STEPPER} .bp-diagram img"


def _click(page, css_class: str) -> None:
    page.locator(f"{STEPPER} .{css_class}").first.click()


def _shown(page) -> tuple[str, str]:
    return _text(page, LABEL), _text(page, FORMULA)


def _settle(page) -> None:
    """Wait until the kernel has handled the click: label, formula and table arrive as separate messages."""
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook-ExecutionIndicator[data-status='idle']")


def _click_and_wait_for_new_step(page, css_class: str) -> tuple[str, str]:
    label, formula = _shown(page)
    _click(page, css_class)
    page.wait_for_function(
        """([l, f, before]) => {
            const label = document.querySelector(l), formula = document.querySelector(f);
            return label && formula && label.innerText.trim() !== before[0] && formula.innerText.trim() !== before[1];
        }""",
        arg=[LABEL, FORMULA, [label, formula]],
    )
    _settle(page)
    return _shown(page)


def _click_and_wait_for(page, css_class: str, expected: tuple[str, str]) -> tuple[str, str]:
    _click(page, css_class)
    try:
        page.wait_for_function(
            """([l, f, want]) => {
                const label = document.querySelector(l), formula = document.querySelector(f);
                return label && formula && label.innerText.trim() === want[0] && formula.innerText.trim() === want[1];
            }""",
            arg=[LABEL, FORMULA, list(expected)], timeout=60_000,
        )
    except Exception:  # reported by the caller's assertion
        pass
    _settle(page)
    return _shown(page)


def _step(page) -> tuple[int, int]:
    match = STEP_LABEL.search(_text(page, LABEL))
    assert match, f"step label {_text(page, LABEL)!r} does not read 'step K of N'"
    return int(match.group(1)), int(match.group(2))


def _weight_row(page, weight: str) -> list[str]:
    rows = page.locator(STEPPER).first.locator(".bp-weights tr").evaluate_all(
        "rows => rows.map(r => [...r.querySelectorAll('th, td')].map(c => c.innerText.trim()))",
    )
    matching = [r for r in rows if r and r[0] == weight]
    assert len(matching) == 1, f"no single row for {weight} in the weights table: {rows}"
    return matching[0]


def _number(cell: str) -> str:
    match = NUMBER.match(cell)
    return match.group().replace("−", "-") if match else cell


def _select_article_rule(page) -> None:
    buttons = page.locator(f"{STEPPER} .bp-rule button")
    for i in range(buttons.count()):
        button = buttons.nth(i)
        if "article" in button.inner_text().lower():
            if "mod-active" not in (button.get_attribute("class") or ""):
                before = _text(page, FORMULA)
                button.click()
                try:  # the formula's note names the other rule, so it changes with the rule
                    _wait_change(page, FORMULA, before, timeout=30_000)
                except Exception:
                    pass
                _settle(page)
                assert "mod-active" in (button.get_attribute("class") or ""), "could not select the article's rule"
            return
    pytest.fail("the rule toggle (.bp-rule) has no 'article' option")


def test_worked_example_stepper_steps_forward_back_and_updates_x0_z1(page, lab):
    assert (REPO / "notebooks" / WORKED_EXAMPLE).is_file(), f"notebooks/{WORKED_EXAMPLE} is missing"
    _open_and_run_all(page, lab, WORKED_EXAMPLE)
    page.wait_for_selector(f"{STEPPER} .bp-forward")
    page.locator(STEPPER).first.scroll_into_view_if_needed()

    # forward -> the next micro-step; back -> exactly the previous one
    if _step(page)[0] != 1:
        _click_and_wait_for_new_step(page, "bp-start")
    label0, formula0 = _shown(page)
    k0, total = _step(page)
    assert k0 == 1, f"start shows {label0!r}"
    label1, formula1 = _click_and_wait_for_new_step(page, "bp-forward")
    assert _step(page) == (k0 + 1, total), f"forward went from {label0!r} to {label1!r}"
    assert _click_and_wait_for(page, "bp-back", (label0, formula0)) == (label0, formula0), "back did not restore step 1"

    # the article's rule, up to the first update of X0->Z1: 1 -> 1.4
    _select_article_rule(page)
    if _step(page)[0] != 1:
        _click_and_wait_for_new_step(page, "bp-start")
    for _ in range(total):
        label, formula = _shown(page)
        if "update" in label.lower() and UPDATE_X0_Z1.search(formula):
            break
        _click_and_wait_for_new_step(page, "bp-forward")
    else:
        pytest.fail(f"no update step of X0->Z1 in {total} steps")
    row = _weight_row(page, "X0->Z1")
    assert len(row) >= 4, f"expected name, before, gradient, after: {row}"
    assert (_number(row[1]), _number(row[-1])) == ("1", "1.4"), f"X0->Z1 row under the article's rule: {row}"

    ARTIFACTS.mkdir(exist_ok=True)
    page.locator(STEPPER).first.screenshot(path=str(ARTIFACTS / "stepper.png"))

    # click -> updated text and click -> updated figure, measured (reported, not asserted)
    _click_and_wait_for_new_step(page, "bp-start")
    clicks = min(20, total - 1)
    samples = page.evaluate(
        """async ([stepper, n]) => {
            const root = document.querySelector(stepper);
            const forward = root.querySelector('.bp-forward');
            const label = root.querySelector('.bp-step-label');
            const image = () => root.querySelector('img.bp-diagram, .bp-diagram img');
            const until = (done, t0) => new Promise(resolve => {
                const tick = () => {
                    if (done()) resolve(performance.now() - t0);
                    else if (performance.now() - t0 > 30000) resolve(null);
                    else setTimeout(tick, 1);
                };
                tick();
            });
            const out = [];
            for (let i = 0; i < n; i++) {
                const text0 = label.textContent, src0 = image() && image().getAttribute('src');
                const t0 = performance.now();
                forward.click();
                const [text, figure] = await Promise.all([
                    until(() => label.textContent !== text0, t0),
                    until(() => image() && image().getAttribute('src') !== src0, t0),
                ]);
                out.push({text_ms: text, figure_ms: figure});
            }
            return out;
        }""",
        [STEPPER, clicks],
    )
    text_ms = [s["text_ms"] for s in samples if s["text_ms"] is not None]
    figure_ms = [s["figure_ms"] for s in samples if s["figure_ms"] is not None]
    report = {
        "notebook": f"notebooks/{WORKED_EXAMPLE}",
        "clicks": len(samples),
        "click_to_text_ms_median": round(statistics.median(text_ms), 1) if text_ms else None,
        "click_to_figure_ms_median": round(statistics.median(figure_ms), 1) if figure_ms else None,
        "click_to_text_ms": [None if s["text_ms"] is None else round(s["text_ms"], 1) for s in samples],
        "click_to_figure_ms": [None if s["figure_ms"] is None else round(s["figure_ms"], 1) for s in samples],
        "browser": "headless chromium", "chromium": _chromium_version(),
    }
    (ARTIFACTS / "browser_latency.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nstep-through latency over {len(samples)} clicks: median click->text "
          f"{report['click_to_text_ms_median']} ms, click->figure {report['click_to_figure_ms_median']} ms")
    assert len(text_ms) == len(samples), "some forward clicks never updated the step label"
    assert not page.page_errors, f"JavaScript errors: {page.page_errors}"


def _chromium_version() -> str:
    try:
        return subprocess.run([_chromium(), "--version"], capture_output=True, text=True, timeout=60).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "?"
