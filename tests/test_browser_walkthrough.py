"""A learner's first minutes in notebook 01, in JupyterLab in headless Chromium.

The notebook is run with Run -> Run All Cells (file browser open, as JupyterLab opens), then
used as a learner uses it:

- the activation explorer fits the notebook at 1000 x 800 and at 1400 x 900, and answers
  when the activation is changed and z is typed in (the numbers it shows are bpnet's);
- the first exercise, run as stored, asks for an answer; a wrong one (the bias left out) is told
  "Not yet" with the hint for that mistake; the right one, "Correct".

Then notebooks 04 and 05: after Run All every trace is typeset by MathJax and fits the notebook.

Each notebook is the session's one run of it (tests/conftest.py ``notebook_page``: a temporary copy
of notebooks/ without stored outputs, nothing written back to the checkout).
"""

from __future__ import annotations

import re

import pytest

from infra_support import ARTIFACTS

import bpnet
import bpnet.explain.activation_reading

pytestmark = pytest.mark.browser

NOTEBOOK = "01_neuron_and_activation.ipynb"
EXPLORER = ".jp-NotebookPanel .bp-explorer"
WITHOUT_BIAS = "answer = 1 / (1 + np.exp(-(w1 @ x1)))"
RIGHT = "answer = 1 / (1 + np.exp(-(w1 @ x1 + b1)))"


def _short(x: float) -> str:
    """The explorer's readout: 3 significant digits (its tables and text keep six)."""
    s = format(float(x), ".3g")
    return "0" if s == "-0" else s


def _explorer_text(page) -> str:
    return page.locator(EXPLORER).first.inner_text()


def _fits(page) -> dict:
    return page.evaluate(
        """(sel) => {
            const e = document.querySelector(sel).getBoundingClientRect();
            const n = document.querySelector('.jp-NotebookPanel .jp-Notebook').getBoundingClientRect();
            const fb = document.querySelector('.jp-FileBrowser');
            return {right: e.right, panel: n.right, width: e.width,
                    file_browser: !!fb && fb.getClientRects().length > 0 && fb.getBoundingClientRect().width > 50};
        }""",
        EXPLORER,
    )


@pytest.mark.notebook(NOTEBOOK)
def test_explorer_and_first_exercise_as_a_learner_uses_them(notebook_page):
    page = notebook_page  # after Run All
    page.wait_for_selector(EXPLORER, timeout=60_000)

    # The explorer fits beside the file browser, in a small and a larger laptop window.
    for width, height in ((1000, 800), (1400, 900)):
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(500)
        m = _fits(page)
        assert m["file_browser"], f"the file browser is not open at {width} x {height}"
        assert m["width"] > 300 and m["right"] <= m["panel"] + 1, (
            f"the activation explorer does not fit the notebook at {width} x {height}: {m}")

    # It answers: another activation, then z typed into the slider's readout.
    page.locator(f"{EXPLORER} .bp-activation-choice select").select_option("tanh")
    reading = bpnet.explain.activation_reading.activation_reading("tanh", 2.0)
    page.wait_for_function("([s, t]) => document.querySelector(s).innerText.includes(t)",
                           arg=[EXPLORER, f"f(z) = {_short(reading.f)}"], timeout=30_000)
    readout = page.locator(f"{EXPLORER} .bp-z .widget-readout").first
    readout.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("-0.5")
    page.keyboard.press("Enter")
    reading = bpnet.explain.activation_reading.activation_reading("tanh", -0.5)
    page.wait_for_function("([s, t]) => document.querySelector(s).innerText.includes(t)",
                           arg=[EXPLORER, f"f'(z) = {_short(reading.df)}"], timeout=30_000)
    text = _explorer_text(page)
    assert f"f(z) = {_short(reading.f)}" in text, text
    assert "$" not in text, f"raw LaTeX in the explorer: {text!r}"

    # The first exercise: as stored, nothing is answered yet.
    learner = page.locator(".jp-NotebookPanel .jp-CodeCell").filter(  # its source changes: not by "answer = None"
        has=page.locator(".jp-InputArea-editor", has_text="x1 = np.array([2.0, 1.0])")).first
    check = page.locator(".jp-NotebookPanel .jp-CodeCell").filter(
        has=page.locator(".jp-InputArea-editor", has_text="check_neuron(w1, b1, x1, answer")).first
    output = check.locator(".jp-OutputArea")
    first = output.inner_text()
    assert "Not answered yet" in first and "Not yet:" not in first, f"run as stored: {first!r}"
    for answer, expect in ((WITHOUT_BIAS, "Not yet"), (RIGHT, "Correct")):
        learner.locator(".jp-InputArea-editor").click()
        page.keyboard.press("Control+A")
        page.keyboard.insert_text(f"w1 = np.array([0.5, -1.5])\nb1 = 0.25\nx1 = np.array([2.0, 1.0])\n\n{answer}")
        page.keyboard.press("Shift+Enter")  # runs it
        check.locator(".jp-InputArea-editor").click()  # and then its check cell
        page.keyboard.press("Shift+Enter")
        page.wait_for_function("([e, t]) => e.innerText.includes(t)", arg=[output.element_handle(), expect],
                               timeout=60_000)
        text = output.inner_text()
        if expect == "Not yet":
            assert "bias" in text, f"the bias left out should be named: {text!r}"
        else:
            assert re.search(r"✓\s*Correct", text) and "Not yet" not in text, text
            assert "0.437823" in text, f"the checker should confirm the value: {text!r}"


# ----- typeset traces: notebooks 04 and 05 after Run All ---------------------------------------------------
MARKDOWN_OUT = ".jp-NotebookPanel .jp-OutputArea-output.jp-RenderedMarkdown"


def _typeset_outputs(page) -> list[dict]:
    """Every Markdown output once MathJax is done: its code cell's source, visible text, typeset
    formulas (display and all), MathJax errors, and the widest formula against the output's width."""
    page.wait_for_function(
        """(s) => [...document.querySelectorAll(s)].every(o => !o.textContent.includes('$$'))""",
        arg=MARKDOWN_OUT, timeout=60_000)
    return page.evaluate(
        """(s) => [...document.querySelectorAll(s)].map(o => {
            const cell = o.closest('.jp-CodeCell');
            const math = [...o.querySelectorAll('mjx-container > mjx-math')];
            const widths = math.map(m => m.getBoundingClientRect().width);
            const at = widths.indexOf(Math.max(0, ...widths));
            return {
                source: cell.querySelector('.jp-InputArea-editor').textContent,
                text: o.innerText,
                display: o.querySelectorAll('mjx-container[display="true"]').length,
                math: math.length,
                errors: o.querySelectorAll('mjx-merror').length,
                widest: Math.max(0, ...widths),
                widest_text: at < 0 ? '' : math[at].closest('mjx-container').textContent.slice(0, 160),
                width: o.getBoundingClientRect().width,
                scrolls: o.scrollWidth > o.clientWidth + 1,
                scrollable: ['auto', 'scroll'].includes(getComputedStyle(o).overflowX),
            };
        })""",
        MARKDOWN_OUT)


def _output_of(outputs: list[dict], needle: str) -> dict:
    hits = [o for o in outputs if needle in o["source"]]
    assert len(hits) == 1, f"expected one typeset output from the cell with {needle!r}, got {len(hits)}"
    return hits[0]


def _expected_traces() -> dict:
    """The traces notebooks 04 and 05 show, rebuilt here (the step counts the pages must typeset)."""
    import numpy as np
    from bpnet.explain.autograd import inputs

    x, y, z, w = inputs(x=3.0, y=-4.0, z=2.0, w=-1.0)
    gates = ((x * y).named("q") + z.max(w).named("m")).named("s")
    gates = (gates * 2.0).named("f").backward()
    rng = np.random.default_rng(4)
    rnet = bpnet.Network([rng.normal(size=(3, 3)), rng.normal(size=(4, 1))], activations="sigmoid")
    trace = bpnet.trace_step(rnet, np.array([0.5, -1.0]), np.array([1.0]), lr=0.5)
    net, X, y_, lr = bpnet.xor_example()
    return {"gates": gates, "deltas": trace.excerpt(kind="delta"), "gradients": trace.excerpt(kind="gradient"),
            "article": bpnet.trace_step(net, X[:1], y_[:1], lr, rule="article"),
            "updates": bpnet.trace_step(net, X, y_, lr).excerpt("updates")}


@pytest.mark.parametrize("name", [pytest.param(name, marks=pytest.mark.notebook(name))
                                  for name in ("04_backpropagation.ipynb", "05_xor_worked_example.ipynb")])
def test_traces_are_typeset_after_run_all(notebook_page, name):
    page = notebook_page  # the notebook without stored outputs, after Run All: every output is this run's
    outputs = _typeset_outputs(page)
    assert outputs, f"{name}: no Markdown output after Run All"
    for o in outputs:
        # MathJax typeset every formula: no raw $...$ or TeX command visible, and no TeX error.
        assert "$" not in o["text"] and "\\" not in o["text"], f"{name}: raw LaTeX visible: {o['text'][:300]!r}"
        assert o["errors"] == 0, f"{name}: MathJax could not typeset a formula in {o['text'][:200]!r}"
    # Beside the open file browser every formula fits the notebook at 1400 x 900 (a long step is set
    # one '=' a line); at 1000 x 800 one that is still too wide scrolls sideways in its output, never cut off.
    for width, height in ((1400, 900), (1000, 800)):
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(500)
        for o in _typeset_outputs(page):
            fits = o["widest"] <= o["width"] + 1 and not o["scrolls"]
            assert fits or (width < 1400 and o["scrollable"]), (
                f"{name} at {width} x {height}: a formula is wider ({o['widest']:.0f} px) than its output "
                f"({o['width']:.0f} px): {o['widest_text']!r}")
    want = _expected_traces()
    if name.startswith("04"):
        shown = {"gates": _output_of(outputs, "gates = f.backward()"),
                 "deltas": _output_of(outputs, 'trace.excerpt(kind="delta")'),
                 "gradients": _output_of(outputs, 'trace.excerpt(kind="gradient")')}
        sums = _output_of(outputs, "fork.excerpt([at_sum])")
        assert sums["display"] == 1 and "Backward pass" in sums["text"]
    else:
        shown = {"article": _output_of(outputs, 'article = bpnet.trace_step(net, X[:1]'),
                 "updates": _output_of(outputs, 'full.excerpt("updates")')}
        assert "Weights before → after" in shown["updates"]["text"]
        # the 13 weights' table: three typeset numbers a row
        assert shown["updates"]["math"] == len(want["updates"]) + 3 * 13
        assert _output_of(outputs, 'display(step)')["display"] == 1
    for key, o in shown.items():
        assert o["display"] == len(want[key]), (
            f"{name}: {key}: {o['display']} typeset steps on the page, the trace has {len(want[key])}")
    ARTIFACTS.mkdir(exist_ok=True)
    first = "gates = f.backward()" if name.startswith("04") else "article = bpnet.trace_step(net, X[:1]"
    page.locator(".jp-NotebookPanel .jp-CodeCell").filter(
        has=page.locator(".jp-InputArea-editor", has_text=first)).first.locator(
        ".jp-OutputArea-output.jp-RenderedMarkdown").first.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / f"typeset-{name[:2]}.png"), full_page=False)
