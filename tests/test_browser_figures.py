"""Figures as a learner sees them at 1000 x 800 beside JupyterLab's file browser, in headless Chromium.

Each notebook is opened without stored outputs and run with Run -> Run All Cells once for the whole
session (tests/conftest.py ``notebook_page``: the page every browser test of that notebook shares),
then looked at in a laptop's window, 1000 x 800, with the file browser open:

- 01: the logistic-regression plot is coloured to the edges of its axes (no white strip, no sample
  off the coloured square) and shown whole at its drawn size; then, in a cell typed below, a
  training comparison (``TrainingView.compare(lr=...)``): its header (slider and label) fits the
  column, its cost plot marks the epoch where the branch splits off with a dashed line and says so in
  its legend, and none of its text is cut or under 9 points (the cell is deleted again afterwards);
- 02: the sigmoid network's forward trace fits the column: every typeset line inside it, nothing
  scrolled out of sight;
- 05: the step-through's weight labels at the last update step (many "1 (=)") neither overlap nor
  touch one another, in the article's step and in the corrected one.

Screenshots: test-artifacts/figures-*.png.
"""

from __future__ import annotations

import re

import pytest

from bpnet.core.notation import PALETTE
from infra_support import ARTIFACTS, PT9, SMALL_TEXT

pytestmark = pytest.mark.browser

WIDTH, HEIGHT = 1000, 800

#: Texts of the SVGs under an element that reach outside their SVG's box (cut off at its edge).
SVG_TEXT_CUT = """(root) => {
    const out = [];
    for (const svg of root.querySelectorAll('svg')) {
        const s = svg.getBoundingClientRect();
        for (const t of svg.querySelectorAll('text')) {
            const r = t.getBoundingClientRect();
            if (r.width === 0) continue;
            if (r.left < s.left - 0.5 || r.right > s.right + 0.5 || r.top < s.top - 0.5 || r.bottom > s.bottom + 0.5)
                out.push(t.textContent + ' ' + [r.left, r.right, r.top, r.bottom].map(Math.round) + ' in ' +
                         [s.left, s.right, s.top, s.bottom].map(Math.round));
        }
    }
    return out;
}"""

#: Elements under ``root`` whose box reaches past the notebook output's right edge, or whose own text
#: is wider than their box (cut by overflow), or an output that scrolls sideways.
CUT_OFF = """(root) => {
    const area = root.closest('.jp-OutputArea-output');
    const edge = area.getBoundingClientRect().right;
    const out = [];
    for (const el of [root, ...root.querySelectorAll('*')]) {
        const b = el.getBoundingClientRect();
        if (b.width === 0 || el.closest('svg')) continue;
        if (b.right > edge + 1) out.push('past the edge: ' + el.className + ' ' + Math.round(b.right) + ' > ' + Math.round(edge));
        const style = getComputedStyle(el);
        if (el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0 && ['hidden', 'clip'].includes(style.overflowX))
            out.push('cut: ' + el.className + ' ' + el.scrollWidth + ' > ' + el.clientWidth + ' ' + el.innerText.slice(0, 40));
    }
    if (area.scrollWidth > area.clientWidth + 1) out.push('the output scrolls sideways');
    return out;
}"""


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"figures-{name}.png"))


def _code_cell(page, text: str):
    """The notebook's code cell whose source contains ``text``."""
    cells = page.locator(".jp-NotebookPanel .jp-CodeCell").filter(
        has=page.locator(".jp-InputArea-editor", has_text=text))
    assert cells.count() == 1, f"{cells.count()} code cells contain {text!r}"
    return cells.first


def _run_new_cell(page, source: str) -> None:
    """Type ``source`` into a new cell at the end of the notebook and run it, as a learner would."""
    last = page.locator(".jp-NotebookPanel .jp-Cell").last
    last.scroll_into_view_if_needed()
    last.locator(".jp-InputPrompt, .jp-Cell-inputCollapser").first.click()
    page.keyboard.press("Escape")
    page.keyboard.press("b")  # a new code cell below, in edit mode after Enter
    page.keyboard.press("Enter")
    page.keyboard.insert_text(source)
    count = page.locator(".jp-NotebookPanel .jp-CodeCell").count()
    cell = page.locator(".jp-NotebookPanel .jp-CodeCell").nth(count - 1)
    page.keyboard.press("Control+Enter")
    page.wait_for_function("(e) => /^\\[\\d+\\]:$/.test(e.innerText.trim())",
                           arg=cell.locator(".jp-InputArea-prompt").first.element_handle(), timeout=120_000)
    return cell


def _delete_cell(page, cell) -> None:
    """Delete ``cell`` (command mode, d d), leaving the notebook as Run All left it for the next test."""
    n = page.locator(".jp-NotebookPanel .jp-CodeCell").count()
    cell.locator(".jp-InputPrompt").first.click()
    page.keyboard.press("Escape")
    page.keyboard.press("d")
    page.keyboard.press("d")
    page.wait_for_function("(n) => document.querySelectorAll('.jp-NotebookPanel .jp-CodeCell').length === n - 1", arg=n)


#: Where the axes of a matplotlib picture are (its longest dark lines: the spines), and how much of the
#: line of pixels just inside each spine is white: the coloured output must reach every spine.
AXES_EDGES = """async (img) => {
    if (!img.complete) await new Promise(ok => img.addEventListener('load', ok, {once: true}));
    const w = img.naturalWidth, h = img.naturalHeight, c = document.createElement('canvas');
    c.width = w; c.height = h;
    const ctx = c.getContext('2d');
    ctx.drawImage(img, 0, 0);
    const d = ctx.getImageData(0, 0, w, h).data;
    const px = (x, y) => { const k = 4 * (y * w + x); return [d[k], d[k + 1], d[k + 2]]; };
    const dark = (x, y) => { const [r, g, b] = px(x, y); return r < 60 && g < 60 && b < 60; };
    const white = (x, y) => { const [r, g, b] = px(x, y); return r > 245 && g > 245 && b > 245; };
    const run = (n, f) => { let best = 0, cur = 0; for (let i = 0; i < n; i++) { cur = f(i) ? cur + 1 : 0; best = Math.max(best, cur); } return best; };
    let left = -1, best = 0;
    for (let x = 0; x < w / 2; x++) { const r = run(h, y => dark(x, y)); if (r > best) { best = r; left = x; } }
    let bottom = -1; best = 0;
    for (let y = Math.floor(h / 2); y < h; y++) { const r = run(w, x => dark(x, y)); if (r > best) { best = r; bottom = y; } }
    let top = -1; best = 0;
    for (let y = 0; y < h / 2; y++) { const r = run(w, x => dark(x, y)); if (r > best) { best = r; top = y; } }
    let right = -1;  // the first full-height dark line right of the left spine: the axes' right spine
    for (let x = left + 10; x < w && right < 0; x++) {
        let n = 0; for (let y = top; y <= bottom; y++) n += dark(x, y);
        if (n >= 0.9 * (bottom - top)) right = x;
    }
    const share = (xs, ys) => { let n = 0, m = 0; for (const x of xs) for (const y of ys) { n += white(x, y); m++; } return n / m; };
    const range = (a, b) => Array.from({length: b - a + 1}, (_, i) => a + i);
    const inset = 3;
    return {w, h, left, right, top, bottom,
            white: {left: share([left + inset], range(top + inset, bottom - inset)),
                    right: share([right - inset], range(top + inset, bottom - inset)),
                    top: share(range(left + inset, right - inset), [top + inset]),
                    bottom: share(range(left + inset, right - inset), [bottom - inset])}};
}"""


@pytest.mark.notebook("01_neuron_and_activation.ipynb")
def test_01_logistic_regression_is_coloured_to_its_edges_and_a_training_comparison_marks_its_split(notebook_page):
    page = notebook_page
    # 1. the logistic-regression picture: whole, at its drawn size, coloured to every spine
    cell = _code_cell(page, "One sigmoid neuron = logistic regression")
    img = cell.locator(".jp-OutputArea-output img").first
    img.scroll_into_view_if_needed()
    box = img.evaluate("""(i) => { const r = i.getBoundingClientRect(), a = i.closest('.jp-OutputArea-output');
        return {width: r.width, natural: i.naturalWidth, right: r.right, edge: a.getBoundingClientRect().right,
                scrolls: a.scrollWidth > a.clientWidth + 1}; }""")
    assert box["right"] <= box["edge"] + 1 and not box["scrolls"], box
    assert box["width"] >= box["natural"] - 1, box  # not shrunk: its 9-point text stays 9 points
    axes = img.evaluate(AXES_EDGES)
    assert min(axes["left"], axes["right"], axes["top"], axes["bottom"]) >= 0, axes
    assert axes["right"] - axes["left"] > 0.4 * axes["w"] and axes["bottom"] - axes["top"] > 0.4 * axes["h"], axes
    # inside each spine the output's colours (white only where a circle of target 0 sits)
    assert max(axes["white"].values()) < 0.3, f"a white strip inside the axes: {axes}"
    _shot(page, "01-logistic-regression")

    # 3, 4. a training comparison, typed below as a learner would: branch at epoch 300 with lr 2
    cell = _run_new_cell(page, "\n".join([
        "from bpnet.views.widgets import TrainingView",
        "training = TrainingView(bpnet.Network.random([2, 3, 1], activations=['tanh', 'sigmoid'], init='xavier',",
        "                                             seed=0), bpnet.XOR_X, bpnet.XOR_Y, epochs=2000, lr=0.5, every=50)",
        "training.goto(300)",
        "both = training.compare(lr=2.0)",
        "both.goto(1000)",
        "both"]))
    widget = cell.locator(".bp-compare").first
    widget.wait_for(timeout=60_000)
    page.wait_for_function("(e) => /epoch 1000/.test(e.innerText)", arg=widget.element_handle(), timeout=60_000)
    widget.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    label = widget.locator(".bp-step-label").first
    assert "epoch 1000" in label.inner_text() and "(branch)" in label.inner_text()
    assert not widget.evaluate(CUT_OFF)
    for part in (label, widget.locator(".bp-slider").first):
        b, w = part.bounding_box(), widget.bounding_box()
        assert b["x"] >= w["x"] - 1 and b["x"] + b["width"] <= w["x"] + w["width"] + 1, (part, b, w)
    assert label.evaluate("(e) => e.scrollWidth <= e.clientWidth + 1")
    assert not widget.evaluate(SVG_TEXT_CUT)
    assert not page.evaluate(SMALL_TEXT, [".jp-NotebookPanel .bp-compare", PT9])
    # the split: a dashed line at epoch 300 of the cost plot's axis, named in the legend
    loss = widget.locator("svg.bp-loss-svg").first
    split = loss.evaluate("""(svg) => {
        const frame = [...svg.querySelectorAll('rect')].find(r => r.getAttribute('fill') === 'none');
        const line = svg.querySelector('line.bp-split');
        const ticks = [...svg.querySelectorAll('text')].map(t => [t.textContent, +t.getAttribute('x')]);
        return {x: line && +line.getAttribute('x1'), dash: line && line.getAttribute('stroke-dasharray'),
                colour: line && line.getAttribute('stroke'), left: +frame.getAttribute('x'),
                width: +frame.getAttribute('width'), texts: ticks.map(t => t[0])}; }""")
    assert split["x"] is not None and split["dash"], split
    assert split["x"] == pytest.approx(split["left"] + 300 / 1000 * split["width"], abs=0.2), split
    assert "lr changed here" in split["texts"] and "lr changed here (epoch 300)" in split["texts"], split["texts"]
    assert split["colour"].lower() == PALETTE["split"].lower()
    _shot(page, "01-compare-training")
    _delete_cell(page, cell)


@pytest.mark.notebook("02_forward_pass.ipynb")
def test_02_sigmoid_forward_trace_fits_the_column(notebook_page):
    page = notebook_page
    cell = _code_cell(page, 'rtrace.excerpt("forward")')
    assert cell.locator(".jp-OutputArea-output mjx-container[display='true']").count() == 4  # Z1, Z2, Z3, D0
    # every display formula of the notebook's outputs (the identity network's trace too): whole in the column
    maths = page.locator(".jp-NotebookPanel .jp-OutputArea-output mjx-container[display='true']")
    assert maths.count() >= 4 + 16
    for k in range(maths.count()):
        m = maths.nth(k).evaluate("""(m) => {
            const r = m.getBoundingClientRect(), a = m.closest('.jp-OutputArea-output');
            const e = a.getBoundingClientRect();
            // the typeset lines' own boxes (MathJax's table rows of an aligned block)
            const parts = [...m.querySelectorAll('mjx-mtr, mjx-math')].map(p => p.getBoundingClientRect().right);
            return {scroll: m.scrollWidth, client: m.clientWidth, right: r.right, edge: e.right,
                    widest: Math.max(...parts), text: m.textContent.slice(0, 40),
                    areaScrolls: a.scrollWidth > a.clientWidth + 1};
        }""")
        assert m["scroll"] <= m["client"] + 1, m  # nothing scrolled out of sight
        assert m["right"] <= m["edge"] + 1 and m["widest"] <= m["edge"] + 1 and not m["areaScrolls"], m
    text = re.sub(r"\s+", "", cell.locator(".jp-OutputArea-output").first.inner_text()).replace("−", "-")
    for number in ("0.442167", "sigmoid(-0.232374)", "+0.105414⋅0.180659)"):  # D0's step, whole, on its lines
        assert number in text, number
    cell.locator(".jp-OutputArea-output mjx-container[display='true']").nth(3).scroll_into_view_if_needed()
    _shot(page, "02-sigmoid-forward-trace")


#: The weight labels of a step-through's diagram: how many, how many read "(=)", the pairs whose texts
#: overlap and the pairs whose boxes (the white rectangle behind each text) come closer than ``gap`` px.
LABELS_APART = """([svg, gap]) => {
    const texts = [...svg.querySelectorAll('rect[rx] + text')];
    const box = e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
    const near = (a, b, g) => a[0] < b[2] + g && b[0] < a[2] + g && a[1] < b[3] + g && b[1] < a[3] + g;
    const overlap = [], close = [];
    for (let i = 0; i < texts.length; i++) for (let j = i + 1; j < texts.length; j++) {
        const pair = texts[i].textContent + ' | ' + texts[j].textContent;
        if (near(box(texts[i]), box(texts[j]), -0.5)) overlap.push(pair);
        if (near(box(texts[i].previousSibling), box(texts[j].previousSibling), gap)) close.push(pair);
    }
    return {n: texts.length, same: texts.filter(t => t.textContent.includes('(=)')).length, overlap, close};
}"""


@pytest.mark.notebook("05_xor_worked_example.ipynb")
def test_05_weight_labels_of_the_update_steps_do_not_overlap(notebook_page):
    page = notebook_page
    steppers = page.locator(".jp-NotebookPanel .bp-stepper")
    assert steppers.count() >= 2
    seen_same = 0
    for k in range(steppers.count()):
        stepper = steppers.nth(k)
        stepper.scroll_into_view_if_needed()
        label = stepper.locator(".bp-step-label").first
        before = label.inner_text()
        stepper.locator(".bp-end").first.click()  # the last update: every weight labelled, many "(=)"
        page.wait_for_function("([e, t]) => e.innerText !== t", arg=[label.element_handle(), before], timeout=30_000)
        page.wait_for_timeout(500)
        svg = stepper.locator(".bp-diagram svg").first
        result = page.evaluate(LABELS_APART, [svg.element_handle(), 2.0])  # 2 px: the gap drawn, scaled to fit
        assert result["n"] >= 13 and not result["overlap"] and not result["close"], (k, result)
        seen_same += result["same"]
        svg.scroll_into_view_if_needed()
        _shot(page, f"05-labels-{k + 1}")
        stepper.locator(".bp-start").first.click()  # back where Run All left it, for the next test
    assert seen_same >= 4, "the update steps' unchanged weights read '1 (=)'"
    assert not page.evaluate(SMALL_TEXT, [".jp-NotebookPanel .bp-stepper .bp-diagram", PT9])
