"""Notebook 04's exercises done as a learner does them, in JupyterLab in headless Chromium.

After Run All the first exercise asks for an answer (nothing was typed in advance). The learner
then writes a wrong answer (the sign of the output delta flipped) and checks it: "Not yet", and the
mistake is named. In a new cell they ask for help three times: the idea, the formula, the numbers,
one level per call, none of them the answer. Their right answer is then "Correct".

Then they write Exercise 5, the backward pass over all layers, as code, forgetting f'(z) at the
hidden units, and check it with bpnet.teach.code_checks: the checker names the first differing
number and the mistake. The two cells at that moment are docs/code-checker.png (the README shows
it). A hint, the fix, and every number agrees.

The server and browser are the session's (tests/conftest.py: a copy of the repository).
"""

from __future__ import annotations

import re

import pytest

from infra_support import REPO

import bpnet

pytestmark = pytest.mark.browser

NOTEBOOK = "04_backpropagation.ipynb"
CELLS = ".jp-NotebookPanel .jp-CodeCell"
SCREENSHOT = REPO / "docs" / "code-checker.png"

WRONG = "answer = (yq[0] - a_D0) * a_D0 * (1 - a_D0)"   # y - a: the sign flipped
RIGHT = "answer = (a_D0 - yq[0]) * a_D0 * (1 - a_D0)"

BUGGY_BACKWARD = '''def backward(W, z, a, delta_K, df):
    """Every layer's delta, from the output's back to the first hidden layer's."""
    K = len(W)
    delta = [None] * (K + 1)
    delta[K] = delta_K
    for l in range(K - 1, 0, -1):
        delta[l] = delta[l + 1] @ W[l][1:].T
    return delta'''
FIXED_BACKWARD = BUGGY_BACKWARD.replace("@ W[l][1:].T", "@ W[l][1:].T * df[l](z[l])")


def _expected():
    """The first exercise's right answer, computed here as the exercise states it."""
    import numpy as np

    r4 = np.random.default_rng(4)
    rnet = bpnet.Network([r4.normal(size=(3, 3)), r4.normal(size=(4, 1))], activations="sigmoid")
    xq, yq = np.array([-1.0, 2.0]), np.array([0.0])
    a = rnet.forward(xq).a[2][0, 0]
    return bpnet.fmt((a - yq[0]) * a * (1 - a))


def _type_into(page, cell, source: str) -> None:
    cell.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(source)


def _run(page, learner, check) -> None:
    """Run the learner's cell, then its check cell (a Markdown cell stands between them)."""
    learner.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Shift+Enter")
    check.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Shift+Enter")


def _new_cell_below(page, cell, source: str):
    """The learner adds a code cell below ``cell`` (Escape, b) and types ``source`` into it (not run yet)."""
    cell.locator(".jp-InputArea-prompt").click()
    page.keyboard.press("Escape")
    page.keyboard.press("b")
    added = page.locator(f"{CELLS}.jp-mod-selected").first
    page.keyboard.press("Enter")
    page.keyboard.insert_text(source)
    return added


def _output_with(page, cell, text: str) -> str:
    output = cell.locator(".jp-OutputArea")
    page.wait_for_function("([e, t]) => e.innerText.includes(t)", arg=[output.element_handle(), text],
                           timeout=60_000)
    return output.inner_text()


@pytest.mark.notebook(NOTEBOOK)
def test_an_exercise_and_a_code_check_as_a_learner_does_them(notebook_page):
    import nbformat

    page = notebook_page
    page.set_viewport_size({"width": 1400, "height": 900})  # the window of the README's picture
    stored = nbformat.read(REPO / "notebooks" / NOTEBOOK, as_version=4)
    code_sources = [c.source for c in stored.cells if c.cell_type == "code"]
    k = next(i for i, src in enumerate(code_sources) if "answer = None   # δ(D0)" in src)
    learner_source = code_sources[k]
    assert 'check_delta(rnet, xq, yq, "D0", answer)' in code_sources[k + 1]
    learner, check = page.locator(CELLS).nth(k), page.locator(CELLS).nth(k + 1)  # by position: the text changes
    right_value = _expected()

    # Run as stored: no verdict, no hint, no answer on the page.
    first = check.locator(".jp-OutputArea").inner_text()
    assert "Not answered yet" in first and "Not yet:" not in first and "Hint 1" not in first, first
    assert right_value not in page.locator(".jp-NotebookPanel").inner_text()

    # A wrong answer: the mistake is named.
    _type_into(page, learner, learner_source.replace(learner_source.splitlines()[-1], WRONG))
    _run(page, learner, check)
    wrong = _output_with(page, check, "Not yet")
    assert "opposite sign" in wrong and ".hint()" in wrong, wrong

    # Hints on request, one level per call, in a cell the learner adds below the check.
    asked = _new_cell_below(page, check, "result.hint()")
    seen = []
    for level, name in ((1, "the idea"), (2, "the formula"), (3, "the numbers")):
        page.keyboard.press("Control+Enter")
        text = _output_with(page, asked, f"Hint {level} of 3 ({name})")
        assert right_value not in text, f"hint {level} gives the answer away: {text!r}"
        seen.append(text)
    assert "δ(D0)" in seen[1] and "0.840153" in seen[2], seen  # the formula, then the numbers that go in
    page.keyboard.press("Control+Enter")
    assert "solution()" in _output_with(page, asked, "last hint")

    # The right answer.
    _type_into(page, learner, learner_source.replace(learner_source.splitlines()[-1], RIGHT))
    _run(page, learner, check)
    right = _output_with(page, check, "Correct")
    assert re.search(r"✓\s*Correct", right) and right_value in right, right

    # Exercise 5, the backward pass as code: as stored, not written yet.
    k = next(i for i, src in enumerate(code_sources) if src.startswith("def backward(W, z, a, delta_K, df):"))
    assert 'check_code("backward", backward)' in code_sources[k + 1]
    k += 1  # the cell added above for the hints comes before it
    learner, check = page.locator(CELLS).nth(k), page.locator(CELLS).nth(k + 1)
    assert "Not written yet" in check.locator(".jp-OutputArea").inner_text()
    # Written with f'(z) forgotten at the hidden units: the checker names the number and the mistake.
    _type_into(page, learner, BUGGY_BACKWARD)
    _run(page, learner, check)
    verdict = _output_with(page, check, "✗")
    assert "δ(Z1)" in verdict and "yours" in verdict and "expected" in verdict, verdict
    assert "f'(z) left out at the hidden units" in verdict, verdict
    box = [learner.bounding_box(), check.bounding_box()]
    page.evaluate("(e) => e.scrollIntoView({block: 'center'})", learner.element_handle())
    page.wait_for_timeout(500)
    box = [learner.bounding_box(), check.bounding_box()]
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), clip={"x": box[0]["x"], "y": box[0]["y"], "width": box[0]["width"],
                                                 "height": box[1]["y"] + box[1]["height"] - box[0]["y"]})
    # A hint on request, then the fix: every number agrees.
    asked = _new_cell_below(page, check, "result.hint()")
    page.keyboard.press("Control+Enter")
    assert "Hint 1 of" in _output_with(page, asked, "Hint 1 of")
    _type_into(page, learner, FIXED_BACKWARD)
    _run(page, learner, check)
    assert "every number agrees" in _output_with(page, check, "✓")
