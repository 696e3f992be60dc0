"""Notebook 04's graph step-through in a real browser: JupyterLab in headless Chromium, via Playwright.

The notebook is opened from a temporary copy of the repository with its outputs stripped and run
with Run -> Run All Cells (the session's one run of it, tests/conftest.py ``notebook_page``), and the
first graph widget (the fork L = a*b + e^a) is stepped:
forward, back (which must restore exactly what was shown), next phase, then forward until the
step where the two branches of a are added, whose sum must be visible in the formula panel, in
the node table and in a new picture. At 1000 x 800 with the file browser open every graph picture
must fit its box or scroll sideways inside it, never be cut off by the notebook.
Artefacts: test-artifacts/graph_stepper.png, graph_stepper-1000x800.png.
"""

from __future__ import annotations

import re

import pytest

from infra_support import ARTIFACTS, open_file_browser

pytestmark = pytest.mark.browser

NOTEBOOK = "04_backpropagation.ipynb"
GRAPH = ".bp-graph"
LABEL = f"{GRAPH} .bp-graph-label"
FORMULA = f"{GRAPH} .bp-graph-formula"
NODES = f"{GRAPH} .bp-graph-nodes"
IMAGE = f"{GRAPH} img.bp-graph-diagram, {GRAPH} .bp-graph-diagram img"
STEP = re.compile(r"step (\d+) of (\d+)")


def _shown(page) -> tuple[str, str, str, str]:
    first = lambda sel: page.locator(sel).first  # noqa: E731
    return (first(LABEL).inner_text().strip(), first(FORMULA).inner_text().strip(),
            first(NODES).inner_text().strip(), first(IMAGE).get_attribute("src") or "")


def _click(page, button: str, until) -> tuple[str, str, str, str]:
    """Click a button of the first graph widget, wait until ``until(label, formula)`` holds and the kernel is idle."""
    page.locator(f"{GRAPH} .{button}").first.click()
    page.wait_for_function(
        """([l, f, js]) => {
            const label = document.querySelector(l), formula = document.querySelector(f);
            return label && formula && (new Function('label', 'formula', js))(label.innerText.trim(), formula.innerText.trim());
        }""",
        arg=[LABEL, FORMULA, until],
    )
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook-ExecutionIndicator[data-status='idle']")
    page.wait_for_timeout(200)  # the picture arrives in its own message after the text
    return _shown(page)


@pytest.mark.notebook(NOTEBOOK)
def test_graph_stepper_steps_forward_and_back_and_shows_a_fork_adding(notebook_page):
    page = notebook_page
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.wait_for_selector(f"{GRAPH} .bp-graph-forward")
    page.locator(GRAPH).first.scroll_into_view_if_needed()
    label0, formula0, nodes0, image0 = start = _shown(page)
    k, n = map(int, STEP.search(label0).groups())
    assert k == 1 and "Forward pass" in formula0, start[:2]

    after = _click(page, "bp-graph-forward", f"return label.startsWith('step 2 of {n}')")
    assert after[1] != formula0 and after[3] != image0, "forward changed the label but not the formula or picture"
    back = _click(page, "bp-graph-back", f"return label.startsWith('step 1 of {n}')")
    assert back[:3] == start[:3], "back did not restore exactly what step 1 showed"

    shown = _click(page, "bp-graph-next-phase", "return formula.includes('Backward pass')")
    for _ in range(n):
        if "the branches add" in shown[1]:
            break
        k = int(STEP.search(shown[0]).group(1))
        shown = _click(page, "bp-graph-forward", f"return label.startsWith('step {k + 1} of {n}')")
    else:
        pytest.fail(f"no step of the fork's sum in {n} steps")
    label, formula, nodes, image = shown
    assert "a fork: a feeds several nodes" in formula, formula
    assert "the branches add: 4.48169 (from d) + (-0.5) (from c) = 3.98169" in formula, formula
    row = page.locator(f"{GRAPH} .bp-graph-nodes tr[aria-current='true']").first.inner_text()
    assert row.split()[0] == "a" and "3.98169" in row, row
    assert image not in (image0, after[3])
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator(GRAPH).first.screenshot(path=str(ARTIFACTS / "graph_stepper.png"))
    assert not page.errors, f"JavaScript errors: {page.errors}"


@pytest.mark.notebook(NOTEBOOK)
def test_every_graph_picture_fits_at_1000x800_with_the_file_browser_open(notebook_page):
    page = notebook_page  # at 1000 x 800 with the file browser open
    page.wait_for_selector(f"{GRAPH} .bp-graph-forward")
    open_file_browser(page)
    page.wait_for_timeout(300)  # the notebook panel takes the width that is left
    boxes = page.evaluate(
        """() => [...document.querySelectorAll('.bp-graph')].map(graph => {
            const box = graph.querySelector('.bp-graph-diagram-box');
            const img = box.querySelector('img');
            const area = graph.closest('.jp-OutputArea-output') || graph.closest('.jp-Cell');
            const r = box.getBoundingClientRect(), a = area.getBoundingClientRect();
            const overflowX = getComputedStyle(box).overflowX;
            box.scrollLeft = box.scrollWidth;  // the far (loss) end, scrolled into view if it scrolls
            const end = img.getBoundingClientRect().right, boxEnd = box.getBoundingClientRect().right;
            box.scrollLeft = 0;
            return {boxRight: r.right, areaRight: a.right, areaScroll: area.scrollWidth - area.clientWidth,
                    scrollWidth: box.scrollWidth, clientWidth: box.clientWidth, overflowX,
                    imgWidth: img.getBoundingClientRect().width, naturalWidth: img.naturalWidth,
                    imgEnd: end, boxEnd};
        })""")
    assert len(boxes) == 2, boxes  # the fork L = a*b + e^a and the two-layer chain
    for k, b in enumerate(boxes):
        assert b["boxRight"] <= b["areaRight"] + 1 and b["areaScroll"] <= 1, (k, b)  # the box itself is whole
        fits = b["scrollWidth"] <= b["clientWidth"] + 1
        assert fits or b["overflowX"] in ("auto", "scroll"), (k, b)  # else it scrolls sideways ...
        assert b["imgEnd"] <= b["boxEnd"] + 1, (k, b)  # ... far enough to show the picture's right end
        assert 0.8 * b["naturalWidth"] <= b["imgWidth"] <= b["naturalWidth"] + 1, (k, b)  # legible, never stretched
    for b in boxes:  # the fork fits; the long chain is wrapped into bands: neither scrolls sideways
        assert b["scrollWidth"] <= b["clientWidth"] + 1, b
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "graph_stepper-1000x800.png"))
    assert not page.errors, f"JavaScript errors: {page.errors}"
