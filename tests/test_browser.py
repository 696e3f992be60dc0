"""The notebooks in a real browser: JupyterLab in headless Chromium, driven by Playwright.

Each notebook is opened from a temporary copy of the repository (outputs stripped, so every
output seen comes from this run, and nothing the browser saves reaches the checkout), run with
Run -> Run All Cells at 1000 x 800 with the file browser open, and checked for errors and for
widgets that did not render; that run is the one every browser test of the notebook then uses
(``notebook_page``, tests/conftest.py). The worked-example notebook's step-through widget is
then clicked through and checked in laptop-sized windows (layout, pause). Its click latency is measured, idle and with a busy CPU
beside it, in the notebook as JupyterLab opens it for a learner.
Artefacts: test-artifacts/stepper.png, stepper-1400x900.png, stepper-1000x800.png,
browser_layout.json, browser_latency.json.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import statistics
import subprocess
import sys

import nbformat
import pytest

from bpnet.lab import ENABLE
from infra_support import (
    ARTIFACTS, FRESH, REPO, WORKED_EXAMPLE, LabServer, chromium_path, notebooks, open_file_browser, output_differences,
    run_all_cells, save_notebook, wait_for_kernel, wait_until_quiet, watched_page,
)

pytestmark = pytest.mark.browser

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


def _notebook_ids():
    return [p.name for p in notebooks()] or ["<no notebooks>"]


# --- JupyterLab server -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def lab(lab_server):
    """The session's JupyterLab (tests/conftest.py), naming the copies of the notebooks without stored
    outputs: every output seen comes from this run."""
    return lab_server.in_folder(FRESH)


@pytest.fixture
def page(browser, lab, request):
    context = browser.new_context(viewport={"width": 1500, "height": 1600})
    try:
        with watched_page(context, request, request.node.name) as page:
            yield page
    finally:
        context.close()
        lab.delete_sessions()  # kernels outlive the page


# --- helpers -----------------------------------------------------------------------------------

def _open_and_run_all(page, lab: LabServer, name: str) -> int:
    """Open notebooks/NAME, Run All Cells, wait until every code cell has run. Returns the code cell count."""
    page.sockets.clear()
    page.goto(lab.url(name))
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook")
    wait_for_kernel(page)
    code_cells = run_all_cells(page, lab.path(name))
    wait_until_quiet(page, name)
    return code_cells


def _outputs(page) -> list[dict]:
    return page.eval_on_selector_all(
        ".jp-NotebookPanel .jp-OutputArea-output",
        "els => els.map(e => ({mime: e.getAttribute('data-mime-type') || '', text: e.innerText,"
        " widget: !!e.querySelector('.jupyter-widgets')}))",
    )


def _stored_widget_views(name: str) -> int:
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

@pytest.mark.parametrize("name", [pytest.param(name, marks=pytest.mark.notebook(name)) for name in _notebook_ids()])
def test_notebook_runs_in_jupyterlab_without_errors_and_widgets_render(notebook_page, notebook_runs, name):
    """Run All (the session's one run of the notebook, shared by its other browser tests, which come
    after this one): no error output, every widget rendered, no stretched picture, no solution shown;
    and, saved, the notebook holds the stored outputs, compared as nbval compares them. The kernels
    use OpenBLAS's kernels for an older CPU (``infra_support.LAB_ENVIRONMENT``), so this is also the
    check that the stored numbers hold on a CPU without FMA or AVX."""
    page = notebook_page

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
    assert not page.errors, f"{name}: JavaScript errors: {page.errors}"
    stretched = _stretched_pictures(page)
    assert not stretched, f"{name}: widget pictures stretched or enlarged beyond their natural size: {stretched}"
    # Solutions appear only on request: after Run All no worked solution may be on screen. This
    # depends on the notebooks keeping their solution cells' outputs collapsed (or calling
    # .solution() only where a learner asks for it); a failure here names the notebook and cell.
    shown = _visible_solutions(page)
    assert not shown, f"{name}: worked solutions visible after Run All:\n" + "\n---\n".join(shown)

    # The session loads JupyterLab once and opens every notebook in it (a page discarded after a
    # failed test excepted): a notebook must open and run the same way after others were open.
    assert notebook_runs.loads <= 1 + notebook_runs.discards, (
        f"{name}: JupyterLab was loaded {notebook_runs.loads} times in this session, "
        f"with {notebook_runs.discards} page(s) discarded")
    path = notebook_runs.server.path(name)
    save_notebook(page, path)
    differ = output_differences(nbformat.read(REPO / "notebooks" / name, as_version=4), nbformat.read(path, as_version=4))
    assert not differ, (f"{name}: after Run All in JupyterLab (OpenBLAS kernels for an older CPU) these outputs "
                        "differ from the stored ones:\n" + "\n".join(differ))


def _stretched_pictures(page) -> list[str]:
    """Every picture in a bpnet widget whose shown aspect ratio is off its own by more than 5 %,
    or that is shown larger than its natural size (which blurs a raster image)."""
    return page.eval_on_selector_all(
        ".jp-NotebookPanel .jupyter-widgets svg[viewBox], .jp-NotebookPanel .jupyter-widgets img",
        """els => els.filter(e => e.checkVisibility() && e.closest('[class*="bp-"]')).flatMap(e => {
            const r = e.getBoundingClientRect();
            if (!r.width || !r.height) return [];
            let w, h;
            if (e.tagName.toLowerCase() === 'img') { w = e.naturalWidth; h = e.naturalHeight;
                if (!w || !h) return [];
                if (e.getAttribute('width')) { w = +e.getAttribute('width'); h = w * e.naturalHeight / e.naturalWidth; } }
            else { [, , w, h] = e.getAttribute('viewBox').split(/\\s+/).map(Number);
                   if (e.getAttribute('width')) { const k = +e.getAttribute('width') / w; w *= k; h *= k; } }
            const ratio = (r.width / r.height) / (w / h);
            const bad = Math.abs(ratio - 1) > 0.05 || r.width > w + 1;
            return bad ? [`${e.className.baseVal || e.className || e.tagName}: shown ${Math.round(r.width)}x${Math.round(r.height)}, natural ${Math.round(w)}x${Math.round(h)}`] : [];
        })""",
    )


def _visible_solutions(page) -> list[str]:
    """Text of every output on screen that shows a worked solution (a "Solution" heading).

    A solution folded in a closed ``<details>`` element (its ``<summary>`` may say "Solution")
    is not shown. Note: a cell's collapsed-output metadata does not keep a solution hidden,
    since JupyterLab shows a cell's outputs again when the cell runs.
    """
    return page.eval_on_selector_all(
        ".jp-NotebookPanel .jp-OutputArea-output",
        """els => els.filter(o => o.checkVisibility() && o.getClientRects().length)
                    .filter(o => [...o.querySelectorAll('strong, b, h1, h2, h3, h4')]
                                     .some(s => /^Solutions?$/.test(s.textContent.trim())
                                                && !s.closest('summary') && s.checkVisibility())
                                 || /^\\s*Solution:/m.test(o.innerText))
                    .map(o => o.innerText.slice(0, 300))""",
    )


# --- the worked example's step-through widget ----------------------------------------------------

STEPPER = ".bp-stepper"
LABEL = f"{STEPPER} .bp-step-label"
FORMULA = f"{STEPPER} .bp-formula"
LIVE = f"{STEPPER} .bp-live"
DIAGRAM = f"{STEPPER} .bp-diagram"


def _click(page, css_class: str) -> None:
    page.locator(f"{STEPPER} .{css_class}").first.click()


def _shown(page) -> tuple[str, str]:
    return _text(page, LABEL), _text(page, LIVE)


def _settle(page) -> None:
    """Wait until the kernel has handled the click: label, formula and table arrive as separate messages."""
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook-ExecutionIndicator[data-status='idle']")


def _click_and_wait_for_new_step(page, css_class: str) -> tuple[str, str]:
    label, live = _shown(page)
    _click(page, css_class)
    page.wait_for_function(
        """([l, f, before]) => {
            const label = document.querySelector(l), live = document.querySelector(f);
            return label && live && label.innerText.trim() !== before[0] && live.textContent.trim() !== before[1];
        }""",
        arg=[LABEL, LIVE, [label, live]],
    )
    _settle(page)
    return _shown(page)


def _click_and_wait_for(page, css_class: str, expected: tuple[str, str]) -> tuple[str, str]:
    _click(page, css_class)
    try:
        page.wait_for_function(
            """([l, f, want]) => {
                const label = document.querySelector(l), live = document.querySelector(f);
                return label && live && label.innerText.trim() === want[0] && live.textContent.trim() === want[1];
            }""",
            arg=[LABEL, LIVE, list(expected)], timeout=60_000,
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
    """The row of ``weight`` in the table of the weights the current step uses."""
    rows = page.locator(STEPPER).first.locator(".bp-touched tbody tr").evaluate_all(
        "rows => rows.map(r => [...r.querySelectorAll('th, td')].map(c => c.innerText.trim()))",
    )
    matching = [r for r in rows if r and r[0] == weight]
    assert len(matching) == 1, f"no single row for {weight} in this step's weights: {rows}"
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


@pytest.mark.notebook(WORKED_EXAMPLE)
def test_worked_example_stepper(notebook_page):
    """The worked example after Run All: forward/back and the X0->Z1 update; the layout
    in laptop windows; pause."""
    page = notebook_page
    page.set_viewport_size({"width": 1400, "height": 900})
    page.wait_for_selector(f"{STEPPER} .bp-forward")
    _steps_forward_back_and_updates_x0_z1(page)
    _fits_a_laptop_window_and_pauses_in_place(page)


def _steps_forward_back_and_updates_x0_z1(page) -> None:
    page.set_viewport_size({"width": 1500, "height": 1600})
    page.locator(STEPPER).first.scroll_into_view_if_needed()

    # forward -> the next micro-step; back -> exactly the previous one
    if _step(page)[0] != 1:
        _click_and_wait_for_new_step(page, "bp-start")
    label0, live0 = _shown(page)
    k0, total = _step(page)
    assert k0 == 1, f"start shows {label0!r}"
    label1, live1 = _click_and_wait_for_new_step(page, "bp-forward")
    assert _step(page) == (k0 + 1, total), f"forward went from {label0!r} to {label1!r}"
    assert _click_and_wait_for(page, "bp-back", (label0, live0)) == (label0, live0), "back did not restore step 1"

    # the article's rule, up to the first update of X0->Z1: 1 -> 1.4
    _select_article_rule(page)
    if _step(page)[0] != 1:
        _click_and_wait_for_new_step(page, "bp-start")
    for _ in range(total):
        label, live = _shown(page)
        if "update" in label.lower() and UPDATE_X0_Z1.search(live):
            break
        _click_and_wait_for_new_step(page, "bp-forward")
    else:
        pytest.fail(f"no update step of X0->Z1 in {total} steps")
    row = _weight_row(page, "X0->Z1")
    assert len(row) >= 4, f"expected name, before, gradient, after: {row}"
    assert (_number(row[1]), _number(row[-1])) == ("1", "1.4"), f"X0->Z1 row under the article's rule: {row}"
    # the full table folds open on request and agrees
    page.locator(f"{STEPPER} .bp-all-weights .lm-AccordionPanel-title, {STEPPER} .bp-all-weights .jupyter-widget-Collapse-header").first.click()
    page.wait_for_selector(f"{STEPPER} .bp-weights tr[data-weight='X0->Z1']")
    full = page.locator(f"{STEPPER} .bp-weights tr[data-weight='X0->Z1'] td").all_inner_texts()
    assert [_number(c) for c in full] == ["1", "-4", "1.4"], f"X0->Z1 in the full table: {full}"

    ARTIFACTS.mkdir(exist_ok=True)
    page.locator(STEPPER).first.screenshot(path=str(ARTIFACTS / "stepper.png"))
    page.locator(f"{STEPPER} .bp-all-weights .lm-AccordionPanel-title, {STEPPER} .bp-all-weights .jupyter-widget-Collapse-header").first.click()  # fold it again
    assert not page.errors, f"JavaScript errors: {page.errors}"


# --- the step-through in a laptop window, and under load ------------------------------------------

# Measured on the page: where things are, and whether any text is cut.
_LAYOUT_JS = """(root) => {
    const box = e => { const r = e.getBoundingClientRect(); return {left: r.left, top: r.top, right: r.right, bottom: r.bottom, width: r.width, height: r.height}; };
    const panel = [...document.querySelectorAll('.jp-NotebookPanel')].find(p => p.checkVisibility());
    const scroller = panel.querySelector('.jp-WindowedPanel-outer') || panel.querySelector('.jp-Notebook');
    const svg = root.querySelector('.bp-diagram svg');
    const [, , vw, vh] = svg.getAttribute('viewBox').split(/\\s+/).map(Number);
    const current = root.querySelector('.bp-touched tr[aria-current="true"]');
    return {
        view: box(scroller), window: {width: innerWidth, height: innerHeight},
        formula: box(root.querySelector('.bp-formula')),
        formula_text: root.querySelector('.bp-formula').innerText,
        mathjax: root.querySelectorAll('.bp-formula mjx-container').length,
        diagram: box(svg), viewbox: [vw, vh],
        current_row: current ? box(current) : null,
        cut: [...root.querySelectorAll('button, .bp-step-label, .bp-legend, .bp-legend-box')]
            .filter(b => b.checkVisibility() && b.scrollWidth > b.clientWidth + 1)
            .map(b => `${b.innerText.trim() || b.className}: ${b.scrollWidth} > ${b.clientWidth}`),
        buttons: [...root.querySelectorAll('button')].map(b => [b.innerText.trim(), b.title]),
        file_browser: !!document.querySelector('.jp-FileBrowser') && document.querySelector('.jp-FileBrowser').checkVisibility(),
    };
}"""


def _inside(inner: dict, outer: dict) -> bool:
    return (inner["top"] >= outer["top"] - 1 and inner["bottom"] <= outer["bottom"] + 1
            and inner["left"] >= outer["left"] - 1 and inner["right"] <= outer["right"] + 1)


def _measure_clicks(page, n: int, view: str = STEPPER) -> list[dict]:
    """Click the ``view``'s forward button n times; per click the ms until its label, its diagram and
    its formula (None for a view without one) changed."""
    return page.evaluate(
        """async ([view, n]) => {
            const root = document.querySelector(view);
            const forward = root.querySelector('.bp-forward');
            const label = root.querySelector('.bp-step-label');
            const diagram = root.querySelector('.bp-diagram');
            const formula = root.querySelector('.bp-formula');
            const until = (done, t0) => new Promise(resolve => {
                const tick = () => {
                    if (done()) resolve(performance.now() - t0);
                    else if (performance.now() - t0 > 30000) resolve(null);
                    else requestAnimationFrame(tick);
                };
                tick();
            });
            const out = [];
            for (let i = 0; i < n; i++) {
                const text0 = label.textContent, svg0 = diagram.innerHTML, formula0 = formula && formula.innerHTML;
                const t0 = performance.now();
                forward.click();
                const [text, figure, typeset] = await Promise.all([
                    until(() => label.textContent !== text0, t0),
                    until(() => diagram.innerHTML !== svg0, t0),
                    formula ? until(() => formula.innerHTML !== formula0 && !/\\$/.test(formula.innerText), t0) : null,
                ]);
                out.push({text_ms: text, figure_ms: figure, formula_ms: typeset});
                await new Promise(r => setTimeout(r, 50));  // a person's clicks are apart
            }
            return out;
        }""",
        [view, n],
    )


def _add_bare_button(page) -> None:
    """Add a cell with a button that counts its clicks in a label, and run it."""
    page.keyboard.press("Escape")
    page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").last.click(position={"x": 5, "y": 5})
    page.keyboard.press("Escape")
    page.keyboard.press("b")  # a new code cell below, in command mode
    page.keyboard.press("Enter")
    page.keyboard.insert_text("import ipywidgets as _w; _b = _w.Button(description='ping'); _l = _w.Label('0'); "
                              "_b.add_class('bp-ping'); _l.add_class('bp-pong'); "
                              "_b.on_click(lambda b: setattr(_l, 'value', str(int(_l.value) + 1))); _w.HBox([_b, _l])")
    page.keyboard.press("Shift+Enter")
    page.wait_for_selector(".bp-ping", timeout=60_000)


def _bare_button_round_trips(page, n: int) -> dict:
    """Click the bare button n times: per click, the ms until its label changed."""
    ms = page.evaluate(
        """async (n) => {
            const button = document.querySelector('.bp-ping'), label = document.querySelector('.bp-pong');
            const out = [];
            for (let i = 0; i < n; i++) {
                const before = label.textContent, t0 = performance.now();
                button.click();
                await new Promise(resolve => { const tick = () => label.textContent !== before || performance.now() - t0 > 30000
                    ? resolve() : requestAnimationFrame(tick); tick(); });
                out.push(performance.now() - t0);
                await new Promise(r => setTimeout(r, 50));
            }
            return out;
        }""", n)
    return _summary([{"ms": v} for v in ms], "ms")


def _summary(samples: list[dict], key: str) -> dict:
    values = sorted(s[key] for s in samples if s[key] is not None)
    if not values:
        return {"median": None, "p95": None, "missing": len(samples)}
    p95 = values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]
    return {"median": round(statistics.median(values), 1), "p95": round(p95, 1),
            "missing": len(samples) - len(values)}


def _fits_a_laptop_window_and_pauses_in_place(page) -> None:
    """At 1400 x 900 and 1000 x 800 with the file browser open: buttons whole, diagram unstretched,
    formula visible and typeset, this step's weight row in view after a click; pause keeps the step."""
    import bpnet.explain.trace

    open_file_browser(page)
    root = page.locator(STEPPER).first
    ARTIFACTS.mkdir(exist_ok=True)
    typeset = hasattr(bpnet.explain.trace.MicroStep, "formula_latex")
    report = {"notebook": f"notebooks/{WORKED_EXAMPLE}", "layouts": {}}

    for width, height in ((1400, 900), (1000, 800)):
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(300)
        root.evaluate("e => e.scrollIntoView({block: 'start'})")
        if _step(page)[0] != 1:
            _click_and_wait_for_new_step(page, "bp-start")
        # to the first step of the updates: a gradient, with its weight's row highlighted
        for _ in range(3):
            _click_and_wait_for_new_step(page, "bp-next-phase")
        page.wait_for_function(
            "s => !/\\$/.test(document.querySelector(s).innerText)", arg=FORMULA, timeout=30_000)
        page.wait_for_timeout(200)
        root.evaluate("e => e.scrollIntoView({block: 'start'})")
        shot = ARTIFACTS / f"stepper-{width}x{height}.png"
        page.screenshot(path=str(shot))
        m = root.evaluate(_LAYOUT_JS)
        report["layouts"][f"{width}x{height}"] = {k: m[k] for k in ("formula", "diagram", "viewbox", "cut", "view")}
        where = f"at {width} x {height} (see {shot.name})"
        assert m["file_browser"], f"the file browser is not open {where}"
        assert m["formula"]["width"] >= 200 and m["formula"]["height"] > 20, f"formula panel too small {where}: {m['formula']}"
        assert not m["cut"], f"truncated labels {where}: {m['cut']}"
        shown_ratio = m["diagram"]["width"] / m["diagram"]["height"]
        true_ratio = m["viewbox"][0] / m["viewbox"][1]
        assert abs(shown_ratio / true_ratio - 1) <= 0.05, f"diagram stretched {where}: {shown_ratio:.3f} vs {true_ratio:.3f}"
        assert m["diagram"]["width"] <= m["viewbox"][0] + 1, f"diagram enlarged beyond its natural size {where}"
        assert "$" not in m["formula_text"], f"raw LaTeX visible {where}: {m['formula_text']!r}"
        if typeset:
            assert m["mathjax"] >= 2, f"formula not typeset by MathJax {where}: {m['formula_text']!r}"
        assert m["current_row"] is not None, f"no highlighted weight row at a gradient step {where}"
        for part in ("formula", "current_row"):
            assert _inside(m[part], m["view"]) and m[part]["bottom"] <= m["window"]["height"], (
                f"{part} not in view after a click {where}: {m[part]} outside {m['view']}")
        for text, tooltip in m["buttons"]:
            assert text and tooltip, f"button without label or tooltip {where}: {text!r} / {tooltip!r}"

    # pause keeps the step (play, let it move on, pause, and it stays)
    k_before = _step(page)[0]
    _click(page, "bp-play")
    page.wait_for_function("([s, k]) => { const m = /step (\\d+) of/.exec(document.querySelector(s).innerText);"
                           " return m && +m[1] >= k + 2; }", arg=[LABEL, k_before], timeout=30_000)
    assert "pause" in _text(page, f"{STEPPER} .bp-play").lower(), "the play button does not offer to pause while playing"
    _click(page, "bp-play")
    page.wait_for_function("s => /play/i.test(document.querySelector(s).innerText)", arg=f"{STEPPER} .bp-play")
    _settle(page)
    paused = _text(page, LABEL)
    page.wait_for_timeout(1500)
    assert _text(page, LABEL) == paused, f"still moving after pause: {paused!r} then {_text(page, LABEL)!r}"
    assert _step(page)[0] >= k_before + 2, f"pause went back: {paused!r}"
    slider = page.locator(f"{STEPPER} .bp-slider .widget-readout").first.inner_text().strip()
    assert slider == str(_step(page)[0]), f"slider says {slider}, label {paused!r}"

    (ARTIFACTS / "browser_layout.json").write_text(json.dumps(report, indent=2) + "\n")
    assert not page.errors, f"JavaScript errors: {page.errors}"


#: JupyterLab's own default for how a notebook draws its cells: the cells out of view are not
#: drawn (CSS content-visibility). The other tests attach every cell ("none") to inspect every output.
LEARNER_WINDOWING = "contentVisibility"


#: The views whose forward click is timed: (notebook, the view's CSS selector, what it is).
TIMED_VIEWS = ((WORKED_EXAMPLE, STEPPER, "step-through"), ("06_training_xor.ipynb", ".bp-training", "training view"))


@pytest.mark.latency
def test_click_latency_in_the_notebook_as_a_learner_opens_it(page, lab):
    """Forward clicks in the worked example's step-through and in notebook 06's training view:
    per click, the ms until the label, the diagram and (the step-through's) typeset formula
    changed; 20 clicks idle and 20 with one CPU core kept busy by another process, at 1000 x 800
    with the file browser open, in JupyterLab's default settings (served as ``make lab`` serves
    it). For scale, the same on a bare ipywidgets button.

    Written to test-artifacts/browser_latency.json and printed; not asserted, since a timing
    belongs to the machine as much as to the code."""
    import bpnet.views.widgets

    tracker = "@jupyterlab/notebook-extension:tracker"
    status, before = lab.api("GET", f"/lab/api/settings/{tracker}")
    assert status == 200, f"cannot read the notebook settings ({status})"
    learner = {k: v for k, v in json.loads(before["raw"] or "{}").items() if k != "windowingMode"}
    assert lab.api("PUT", f"/lab/api/settings/{tracker}", {"raw": json.dumps(learner)})[0] == 204
    views, baseline = {}, {}
    try:
        page.set_viewport_size({"width": 1000, "height": 800})
        for notebook, view, name in TIMED_VIEWS:
            _open_and_run_all(page, lab, notebook)
            # In that mode JupyterLab sets content-visibility on each cell.
            mode = page.evaluate("""() => [...document.querySelectorAll('.jp-NotebookPanel .jp-Cell')]
                .some(c => c.style.contentVisibility) ? 'contentVisibility' : 'other'""")
            assert mode == LEARNER_WINDOWING, f"{notebook} does not open in JupyterLab's default windowing mode"
            open_file_browser(page)
            page.locator(view).first.evaluate("e => e.scrollIntoView({block: 'start'})")
            samples = {}
            for load in ("idle", "one core busy"):
                page.locator(f"{view} .bp-start").first.click()
                _settle(page)
                page.wait_for_timeout(300)
                with _busy_core(load != "idle"):
                    samples[load] = _measure_clicks(page, 20, view)
                _settle(page)
            views[name] = {"notebook": f"notebooks/{notebook}", "samples": samples}
        # The round trip through the kernel that every widget pays, whatever it draws.
        try:
            _add_bare_button(page)
            for load in ("idle", "one core busy"):
                with _busy_core(load != "idle"):
                    baseline[load] = _bare_button_round_trips(page, 20)
        except Exception as error:  # a measurement aid, not what this test checks
            baseline["error"] = f"{type(error).__name__}: {error}"[:300]
    finally:
        lab.api("PUT", f"/lab/api/settings/{tracker}", {"raw": before["raw"]})
    keys = ("text_ms", "figure_ms", "formula_ms")
    report = {
        "window": "1000x800, file browser open", "windowing": LEARNER_WINDOWING, "server": "jupyter lab " + ENABLE,
        "clicks": 20, "load": "idle, then one other process spinning on a CPU core",
        "views": {name: {
            "notebook": v["notebook"],
            "summary": {load: {k: _summary(runs, k) for k in keys if any(r[k] is not None for r in runs)}
                        for load, runs in v["samples"].items()},
            "click_ms_one_core_busy": {k: [r[k] and round(r[k], 1) for r in v["samples"]["one core busy"]]
                                       for k in keys if any(r[k] is not None for r in v["samples"]["one core busy"])},
        } for name, v in views.items()},
        "bare_button_round_trip_ms": baseline,
        # The formula is sent this long after the diagram (MathJax would hold the diagram back).
        "formula_sent_after_diagram_ms": round(1000 * bpnet.views.widgets.StepThrough.typeset_delay),
        "cpus": os.cpu_count(), "browser": "headless chromium", "chromium": _chromium_version(),
    }
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "browser_latency.json").write_text(json.dumps(report, indent=2) + "\n")
    for name, v in report["views"].items():
        for load, summary in v["summary"].items():
            print(f"\n{name} latency, {load}, 20 clicks: " + ", ".join(
                f"click->{key[:-3]} median {m['median']} ms, p95 {m['p95']} ms" for key, m in summary.items()))
    print(f"\nbare button round trip: {baseline}")
    for name, v in views.items():
        assert all(r["text_ms"] is not None and r["figure_ms"] is not None
                   for runs in v["samples"].values() for r in runs), (
            f"some forward clicks in the {name} never updated its label or its diagram")
    assert not page.errors, f"JavaScript errors: {page.errors}"


@contextlib.contextmanager
def _busy_core(busy: bool):
    """While the block runs, another process keeps one CPU core busy (if ``busy``)."""
    spinner = None
    if busy:
        spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"], stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield
    finally:
        if spinner is not None:
            spinner.kill()
            spinner.wait(timeout=30)


def _chromium_version() -> str:
    try:
        return subprocess.run([chromium_path(), "--version"], capture_output=True, text=True, timeout=60).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "?"
