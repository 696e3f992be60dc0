"""A learner's first minutes in notebook 01, in JupyterLab in headless Chromium.

The notebook is run with Run -> Run All Cells (file browser open, as JupyterLab opens), then
used as a learner uses it:

- the activation explorer fits the notebook at 1000 x 800 and at 1400 x 900, and answers
  when the activation is changed and z is typed in (the numbers it shows are bpnet's);
- the first exercise, run as stored, says "Not yet" with the hint for the mistake it holds (the
  bias left out); fixed and run again, it says "Correct".

The server, browser and helpers are those of tests/test_browser_clean.py (a temporary copy of
notebooks/, nothing written back to the checkout).
"""

from __future__ import annotations

import re

import pytest

from test_browser_clean import _open, _shutdown_kernels, lab  # noqa: F401  (lab is a fixture)

import bpnet.explorer

pytestmark = pytest.mark.browser

NOTEBOOK = "01_neuron_and_activation.ipynb"
EXPLORER = ".jp-NotebookPanel .bp-explorer"
FIXED_ATTEMPT = "attempt = 1 / (1 + np.exp(-(w1 @ x1 + b1)))   # <- fix this line"


def _run_all(page) -> None:
    page.locator(".lm-MenuBar-itemLabel:text-is('Run')").click()
    page.locator(".lm-Menu-item[data-command='runmenu:run-all']").click()
    page.wait_for_function(
        """() => {
            const ps = [...document.querySelectorAll('.jp-NotebookPanel .jp-CodeCell .jp-InputArea-prompt')];
            return ps.length > 0 && ps.every(p => /^\\[\\d+\\]:$/.test(p.textContent.trim()));
        }""",
        timeout=240_000,
    )
    page.wait_for_selector(EXPLORER, timeout=60_000)


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


def test_explorer_and_first_exercise_as_a_learner_uses_them(lab):  # noqa: F811
    browser, base, token, root = lab
    page = _open(browser, base, token, NOTEBOOK)
    try:
        _run_all(page)

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
        reading = bpnet.explorer.activation_reading("tanh", 2.0)
        page.wait_for_function("([s, t]) => document.querySelector(s).innerText.includes(t)",
                               arg=[EXPLORER, f"f(z) = {_short(reading.f)}"], timeout=30_000)
        readout = page.locator(f"{EXPLORER} .bp-z .widget-readout").first
        readout.click()
        page.keyboard.press("Control+A")
        page.keyboard.type("-0.5")
        page.keyboard.press("Enter")
        reading = bpnet.explorer.activation_reading("tanh", -0.5)
        page.wait_for_function("([s, t]) => document.querySelector(s).innerText.includes(t)",
                               arg=[EXPLORER, f"f'(z) = {_short(reading.df)}"], timeout=30_000)
        text = _explorer_text(page)
        assert f"f(z) = {_short(reading.f)}" in text, text
        assert "$" not in text, f"raw LaTeX in the explorer: {text!r}"

        # The first exercise: as stored it holds a mistake (the bias left out), named by the hint.
        cell = page.locator(".jp-NotebookPanel .jp-CodeCell").filter(
            has=page.locator(".jp-InputArea-editor", has_text="check_neuron(w1, b1, x1, attempt")).first
        output = cell.locator(".jp-OutputArea")
        first = output.inner_text()
        assert "Not yet" in first and "bias" in first, f"the stored first attempt should be diagnosed: {first!r}"
        # The learner fixes the marked line and runs the cell again.
        cell.locator(".jp-InputArea-editor").click()
        page.keyboard.press("Control+A")
        source = ("w1 = np.array([0.5, -1.5])\nb1 = 0.25\nx1 = np.array([2.0, 1.0])\n\n"
                  f"{FIXED_ATTEMPT}\n"
                  'result = exercises.check_neuron(w1, b1, x1, attempt, activation="sigmoid")\nresult')
        page.keyboard.insert_text(source)
        page.keyboard.press("Shift+Enter")
        page.wait_for_function("(e) => /Correct/.test(e.innerText)", arg=output.element_handle(), timeout=60_000)
        second = output.inner_text()
        assert re.search(r"✓\s*Correct", second) and "Not yet" not in second, second
        assert "0.437823" in second, f"the checker should confirm the value: {second!r}"
    finally:
        page.close()
        _shutdown_kernels(base, token)
