"""What a learner sees at 1000 x 800 with the file browser open, in JupyterLab in headless Chromium.

Each notebook is opened as stored (the session's JupyterLab and Chromium: tests/conftest.py), run
with Run -> Run All Cells, and then looked at and used in a laptop's window beside the file browser:

- 02's batch stepper: a batch gradient says it is the batch mean of the 4 samples (formula,
  diagram's description, screen-reader line) and the diagram shows no one sample's a, z or δ;
- 04's graph step-throughs and 00's: each picture fits its box whole (no sideways scroll, node L
  not cut), is shown at its drawn size (9-point text at 12 px or more), and at the last step the
  highlighted node is in the notebook's view with the widget's buttons;
- 03's and 07's tables: no number is broken across two lines, a table fits the column;
- 01's activation explorer: softmax is offered and shown on a vector of scores; then 01's link to the
  notation card opens 00 with the card's heading near the top of the view (with 00 open already; on the
  first click, JupyterLab 4.6 may leave 00 at its top: the test says so as an expected failure);
- in all of them no text of the widgets and tables is under 9 points (12 CSS px).

And every notebook as stored (its outputs, not run), as a learner or a teacher first opens it, in the
page load its Run All then uses: not marked modified once its kernel is idle, no number broken across
lines, no output wider than the column, listings in their monospace font and indentation, no output
text under 9 points.

Screenshots of the walk-through: test-artifacts/walk-*.png (those of each screenful as stored: outside CI).
"""

from __future__ import annotations

import pytest

from infra_support import ARTIFACTS, PT9, SMALL_TEXT, SPLIT_NUMBERS, START_NOTEBOOK, notebooks, open_file_browser

pytestmark = pytest.mark.browser


#: Where an element is against the notebook's column: {right, panel (the column's right edge), scrolls}.
FITS = """(el) => {
    const r = el.getBoundingClientRect();
    const panel = document.querySelector('.jp-NotebookPanel .jp-Notebook').getBoundingClientRect();
    const area = el.closest('.jp-OutputArea-output') || el;
    // what is cut off: shown elements reaching past the output's right edge (not inside a box of their own that scrolls)
    const edge = area.getBoundingClientRect().right;
    const out = [...el.querySelectorAll('*')].filter(d => {
        const b = d.getBoundingClientRect();
        if (b.width === 0 || b.right <= edge + 1) return false;
        for (let p = d.parentElement; p && p !== el; p = p.parentElement)
            if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(p).overflowX)) return false;
        return true;
    }).map(d => d.tagName + '.' + [...d.classList].join('.') + ' ' + Math.round(d.getBoundingClientRect().right));
    return {right: r.right, width: r.width, panel: panel.right, out: out.slice(0, 8),
            scrolls: area.scrollWidth > area.clientWidth + 1};
}"""

#: The highlighted box (yellow, #F0E442) or edge (vermilion, #D55E00) of a graph picture, in page coordinates,
#: and the notebook's visible area: the current step as the learner sees it.
CURRENT_NODE = """async (img) => {
    if (!img.complete) await new Promise(ok => img.addEventListener('load', ok, {once: true}));
    const c = document.createElement('canvas');
    c.width = img.naturalWidth; c.height = img.naturalHeight;
    const ctx = c.getContext('2d');
    ctx.drawImage(img, 0, 0);
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    let x0 = Infinity, y0 = Infinity, x1 = -1, y1 = -1;
    for (let y = 0; y < c.height; y++) for (let x = 0; x < c.width; x++) {
        const k = 4 * (y * c.width + x);
        const yellow = Math.abs(d[k] - 240) < 6 && Math.abs(d[k + 1] - 228) < 6 && Math.abs(d[k + 2] - 66) < 6;
        const vermilion = Math.abs(d[k] - 213) < 6 && Math.abs(d[k + 1] - 94) < 6 && Math.abs(d[k + 2]) < 6;
        if (yellow || vermilion) {
            x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y);
        }
    }
    const r = img.getBoundingClientRect(), s = r.width / img.naturalWidth;
    const view = document.querySelector('.jp-NotebookPanel .jp-WindowedPanel-outer, .jp-NotebookPanel .jp-Notebook')
                         .getBoundingClientRect();
    return {found: x1 >= 0, top: r.top + y0 * s, bottom: r.top + y1 * s, left: r.left + x0 * s,
            right: r.left + x1 * s, viewTop: view.top, viewBottom: Math.min(view.bottom, innerHeight),
            viewRight: view.right};
}"""


def _fits(page, el) -> None:
    m = el.evaluate(FITS)
    assert m["width"] > 200 and m["right"] <= m["panel"] + 1 and not m["scrolls"] and not m["out"], m


def _small_text(page, selector: str) -> list[str]:
    return page.evaluate(SMALL_TEXT, [selector, PT9])


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"walk-{name}.png"), full_page=False)


def _wait_label(page, root, pattern: str) -> str:
    label = root.locator(".bp-step-label").first
    page.wait_for_function("([e, p]) => new RegExp(p).test(e.innerText)", arg=[label.element_handle(), pattern],
                           timeout=30_000)
    page.wait_for_timeout(300)  # the formula is typeset a moment after the label
    return label.inner_text()


@pytest.mark.notebook("02_forward_pass.ipynb")
def test_02_batch_gradient_is_the_batch_mean_in_words_and_on_the_diagram(notebook_page):
    import re

    import bpnet
    from bpnet.views.widgets import StepThrough

    page = notebook_page  # after Run All, at 1000 x 800 beside the file browser
    page.wait_for_selector(".bp-stepper .bp-next-phase", timeout=60_000)
    stepper = page.locator(".jp-NotebookPanel .bp-stepper").first
    stepper.scroll_into_view_if_needed()
    _fits(page, stepper)
    small = _small_text(page, ".jp-NotebookPanel .bp-stepper")
    for _ in range(6):  # forward -> loss -> deltas -> updates
        if "updates" in stepper.locator(".bp-step-label").first.inner_text():
            break
        before = stepper.locator(".bp-step-label").first.inner_text()
        stepper.locator(".bp-next-phase").first.click()
        page.wait_for_function("([e, t]) => e.innerText !== t",
                               arg=[stepper.locator(".bp-step-label").first.element_handle(), before])
    label = _wait_label(page, stepper, "updates")
    k = int(re.search(r"step (\d+) of", label).group(1))
    # the same step, built here: a gradient over the XOR batch of 4
    net, X, y, lr = bpnet.xor_example()
    w = StepThrough(net, X, y, lr=lr, rule="gradient")
    w.stepper.goto(k - 1)
    assert w.stepper.current.kind == "gradient" and w.stepper.current.sample is None
    formula = stepper.locator(".bp-formula").first.inner_text()
    assert "the batch mean of 4 samples" in formula, formula
    alt = stepper.locator(".bp-diagram svg").first.get_attribute("aria-label")
    assert "the batch mean of 4 samples" in alt and not re.search(r"sample \d of 4", alt), alt
    live = stepper.locator(".bp-live").first.inner_text()
    assert live.strip() == w.live_text().strip() and "*" in live, live  # the four products and their mean
    values = stepper.locator(".bp-diagram svg text").all_text_contents()
    assert not [t for t in values if re.match(r"(⚠ )?(a|z|δ)=", t)], values
    _shot(page, "02-batch-gradient")
    small += _small_text(page, ".jp-NotebookPanel .bp-stepper")
    assert not small, f"text under 9 points: {sorted(set(small))}"


def _graph_pictures(page) -> list[dict]:
    return page.evaluate("""() => [...document.querySelectorAll('.jp-NotebookPanel .bp-graph')].map(graph => {
        const box = graph.querySelector('.bp-graph-diagram-box'), img = box.querySelector('img');
        const b = box.getBoundingClientRect(), i = img.getBoundingClientRect();
        const area = graph.closest('.jp-OutputArea-output');
        return {boxLeft: b.left, boxRight: b.right, imgLeft: i.left, imgRight: i.right, imgWidth: i.width,
                natural: img.naturalWidth, scrolls: box.scrollWidth > box.clientWidth + 1,
                areaScrolls: area.scrollWidth > area.clientWidth + 1, areaRight: area.getBoundingClientRect().right};
    })""")


def _check_graph_pictures(pictures: list[dict], name: str) -> None:
    assert pictures, f"{name}: no graph step-through"
    for k, p in enumerate(pictures):
        assert not p["scrolls"] and not p["areaScrolls"], (name, k, p)  # no sideways scroll
        assert p["imgLeft"] >= p["boxLeft"] - 1 and p["imgRight"] <= p["boxRight"] + 1, (name, k, p)  # nothing cut
        assert p["boxRight"] <= p["areaRight"] + 1, (name, k, p)
        # shown at its drawn size (96 dpi): 9-point text at 12 px, never shrunk
        assert p["imgWidth"] >= p["natural"] - 1, (name, k, p)


@pytest.mark.parametrize("name", [pytest.param(name, marks=pytest.mark.notebook(name))
                                  for name in ("04_backpropagation.ipynb", "00_start_here.ipynb")])
def test_graph_pictures_fit_and_the_last_step_is_in_view(notebook_page, name):
    page = notebook_page  # after Run All, at 1000 x 800 beside the file browser
    page.wait_for_selector(".bp-graph .bp-graph-end", timeout=60_000)
    _check_graph_pictures(_graph_pictures(page), name)
    assert not _small_text(page, ".jp-NotebookPanel .bp-graph"), name
    graphs = page.locator(".jp-NotebookPanel .bp-graph")
    for k in range(graphs.count()):
        graph = graphs.nth(k)
        # the learner has the buttons at the top of the view and presses "end"
        graph.locator(".bp-graph-buttons").first.evaluate("e => e.scrollIntoView({block: 'start'})")
        label = graph.locator(".bp-graph-label").first
        before = label.inner_text()
        graph.locator(".bp-graph-end").first.click()
        page.wait_for_function("([e, t]) => e.innerText !== t || /step (\\d+) of \\1\\b/.test(e.innerText)",
                               arg=[label.element_handle(), before], timeout=30_000)
        page.wait_for_timeout(800)  # the picture arrives after the label
        n = label.inner_text()
        where = graph.locator("img").first.evaluate(CURRENT_NODE)
        assert where["found"], (name, k, n)
        assert where["top"] >= where["viewTop"] - 1 and where["bottom"] <= where["viewBottom"] + 1, (
            f"{name}, graph {k + 1}: at the last step ({n}) the highlighted node is out of view: {where}")
        assert where["right"] <= where["viewRight"] + 1, (name, k, where)
        _shot(page, f"{name[:2]}-graph{k + 1}-last-step")


@pytest.mark.parametrize("name", [pytest.param(name, marks=pytest.mark.notebook(name))
                                  for name in ("03_loss_and_gradient_descent.ipynb", "07_beyond_gradient_descent.ipynb")])
def test_tables_keep_every_number_whole_and_fit_the_column(notebook_page, name):
    page = notebook_page  # after Run All, at 1000 x 800 beside the file browser
    page.wait_for_selector(".bp-table", timeout=60_000)
    split = page.evaluate(SPLIT_NUMBERS)
    assert not split, f"{name}: numbers broken across lines at 1000 x 800: {split}"
    tables = page.locator(".jp-NotebookPanel .bp-table")
    assert tables.count() >= 3
    for k in range(tables.count()):
        _fits(page, tables.nth(k))
    assert not _small_text(page, ".jp-NotebookPanel .bp-table")
    tables.first.scroll_into_view_if_needed()
    _shot(page, f"{name[:2]}-table")


@pytest.mark.notebook("01_neuron_and_activation.ipynb")
def test_01_explorer_offers_softmax_on_a_vector_of_scores(notebook_page):
    from bpnet.explain.activation_reading import softmax_reading

    name = "01_neuron_and_activation.ipynb"
    page = notebook_page  # after Run All, at 1000 x 800 beside the file browser
    page.wait_for_selector(".bp-explorer", timeout=60_000)
    explorer = page.locator(".jp-NotebookPanel .bp-explorer").first
    explorer.scroll_into_view_if_needed()
    explorer.locator(".bp-activation-choice select").select_option("softmax")
    # the readout and the picture are two updates of the widget: wait for both
    page.wait_for_function("(e) => /a3 = /.test(e.innerText) && /softmax of/.test(e.querySelector('svg')?.textContent)",
                           arg=explorer.element_handle(), timeout=30_000)
    z = float(explorer.locator(".bp-z .widget-readout").first.inner_text())
    r = softmax_reading(z)
    text = explorer.inner_text()
    for k, a in enumerate(r.a):
        assert f"a{k + 1} = {format(a, '.3g')}" in text, text
    assert "softmax of" in explorer.locator("svg").first.text_content()
    _fits(page, explorer)
    assert not _small_text(page, ".jp-NotebookPanel .bp-explorer")
    _shot(page, "01-explorer-softmax")
    _notation_link_opens_the_card(page, name)


#: Where the heading a link's fragment names is in the notebook shown: its top against the top of the
#: notebook's visible area, and that area's height (null when the shown notebook has no such heading).
#: JupyterLab gives a heading the id of its text (spaces as '-'), as data-jupyter-id in a notebook not trusted.
HEADING_IN_VIEW = """(fragment) => {
    const tab = document.querySelector('.lm-DockPanel .lm-TabBar-tab.lm-mod-current');
    const panel = tab && document.getElementById(tab.dataset.id);
    const id = CSS.escape(decodeURIComponent(fragment));
    const h = panel && panel.querySelector(`[data-jupyter-id="${id}"], [id="${id}"]`);
    if (!h) return null;
    const view = panel.querySelector('.jp-WindowedPanel-outer').getBoundingClientRect();
    return {top: h.getBoundingClientRect().top - view.top, height: view.height, text: h.textContent};
}"""

#: The main area's tab of the notebook shown.
CURRENT_TAB = ".lm-DockPanel .lm-TabBar-tab.lm-mod-current"


def _card_shown(page, fragment: str, tab: str) -> dict:
    """Once the notebook ``tab`` is the current one and its heading ``fragment`` is drawn: where that heading is."""
    page.wait_for_selector(f"{CURRENT_TAB}:has-text('{tab}')", timeout=60_000)
    page.wait_for_function(f"(f) => ({HEADING_IN_VIEW})(f) !== null", arg=fragment, timeout=60_000)
    page.wait_for_timeout(1500)  # JupyterLab scrolls once the notebook is drawn
    return page.evaluate(HEADING_IN_VIEW, fragment)


def _near_the_top(where: dict) -> bool:
    return -2 <= where["top"] <= 0.25 * where["height"]


def _in_view(where: dict) -> bool:
    """The heading is on the first screen of the notebook's view, with room for the card's first rows."""
    return -2 <= where["top"] <= 0.6 * where["height"]


def _notation_link_opens_the_card(page, name: str) -> None:
    """The learner clicks a link to 00's notation card in ``name``: JupyterLab opens 00 with the card's heading
    in view, and scrolls it near the top when 00 is open already and the link is clicked once more. (JupyterLab
    4.6 looks for a link's heading before a notebook it opens has drawn its cells, and then shows the notebook
    at its top: so the card is the first section of 00.) Then 00's tab is closed, and ``name`` is shown again."""
    here = page.locator(CURRENT_TAB).first.get_attribute("data-id")  # the notebook's panel
    link = page.locator(f"[id='{here}'] a[href*='{START_NOTEBOOK}'][href*='#']").first  # JupyterLab writes the file's URL
    href = link.get_attribute("href")
    fragment = href.split("#", 1)[1]
    link.scroll_into_view_if_needed()
    link.click()
    first = _card_shown(page, fragment, START_NOTEBOOK)
    _shot(page, "00-notation-card-from-link")
    assert _in_view(first), (
        f"{name}'s link {href} to the notation card opens 00 with the card's heading out of view: {first}")
    page.locator(f".lm-DockPanel .lm-TabBar-tab[data-id='{here}']").first.click()  # back to the notebook, 00 open
    page.wait_for_selector(f"{CURRENT_TAB}[data-id='{here}']")
    page.wait_for_timeout(500)
    link.scroll_into_view_if_needed()
    link.click()
    again = _card_shown(page, fragment, START_NOTEBOOK)
    assert _near_the_top(again), (
        f"{name}'s link {href} to the notation card, clicked with 00 open: the heading is not near the top of the "
        f"notebook's view: {again}")
    page.locator(f"{CURRENT_TAB} .lm-TabBar-tabCloseIcon").first.click()  # 00 closed: the notebook as it was
    page.locator(f".lm-DockPanel .lm-TabBar-tab[data-id='{here}']").first.click()
    page.wait_for_selector(f"{CURRENT_TAB}[data-id='{here}']")
    page.wait_for_timeout(300)


@pytest.mark.parametrize("name", [pytest.param(p.name, marks=pytest.mark.notebook(p.name)) for p in notebooks()])
def test_walk_every_notebook_as_stored_keeps_its_numbers_whole(notebook_page, notebook_runs, name):
    """Each notebook as a learner or a teacher first opens it (its stored outputs, not run) at 1000 x 800
    beside the file browser, in the page load its other tests share (``infra_support.as_stored``, before
    its Run All): once its kernel is idle the tab is not marked modified, no number of a text output,
    listing or table is broken across two lines, no output scrolls sideways as a whole, and no text of an
    output is under 9 points; a screenshot of each screenful of the walk-through (outside CI)."""
    found = notebook_runs.stored[name]
    assert not found["modified"], (
        f"{name} is marked modified as soon as it opens: JupyterLab rewrote something in it "
        "(store it with tools/nbrun.py, which writes the metadata as JupyterLab does)")
    assert not found["split"], f"{name}: numbers broken across lines at 1000 x 800: {found['split']}"
    assert not found["wide"], f"{name}: outputs wider than the column: {found['wide']}"
    assert not found["plain"], (
        f"{name}: listing lines without their monospace font or indentation as stored: {found['plain'][:5]}")
    assert not found["small"], f"{name}: output text under 9 points: {sorted(set(found['small']))[:20]}"


def _type_and_run(page, cell, source: str) -> None:
    cell.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(source)
    prompt = cell.locator(".jp-InputArea-prompt").first
    before = prompt.inner_text()
    page.keyboard.press("Control+Enter")  # run the cell and stay on it
    # done when its prompt carries a new execution count (at 1000 px the toolbar hides the kernel indicator)
    page.wait_for_function("([e, t]) => /^\\[\\d+\\]:$/.test(e.innerText.trim()) && e.innerText !== t",
                           arg=[prompt.element_handle(), before], timeout=60_000)


@pytest.mark.notebook("05_xor_worked_example.ipynb")
def test_05_exercise_1b_hint_names_the_slip_made_not_a_tanh_unit(notebook_page):
    """f'(z) alone, ŷ(1 − ŷ), as the output delta: the hint says dL/da = a - y is missing; it once said
    'Check f'(z) of the tanh units ... Also: opposite sign', though no tanh unit is on the way."""
    page = notebook_page  # after Run All, at 1000 x 800 beside the file browser
    cells = page.locator(".jp-NotebookPanel .jp-CodeCell")
    answer_cell = cells.filter(has=page.locator(".jp-InputArea-editor", has_text="δ(D0) (x = (0, 1), y = 1)")).first
    check_cell = cells.filter(has=page.locator(".jp-InputArea-editor",
                                               has_text='check_delta(rnet, x, t, "D0", answer)')).first
    source = answer_cell.locator(".jp-InputArea-editor").inner_text()
    prefix = source.split("answer = None")[0]
    output = check_cell.locator(".jp-OutputArea")
    for attempt, expect in (("y_hat * (1 - y_hat)", "Not yet"),
                            ("(y_hat - t[0]) * y_hat * (1 - y_hat)", "Correct")):
        before = output.inner_text()
        _type_and_run(page, answer_cell, prefix + f"answer = {attempt}   # δ(D0) (x = (0, 1), y = 1): a number")
        _type_and_run(page, check_cell, 'result = check_delta(rnet, x, t, "D0", answer)\nresult')
        page.wait_for_function("([e, t, w]) => e.innerText !== t && e.innerText.includes(w)",
                               arg=[output.element_handle(), before, expect], timeout=60_000)
        text = output.inner_text()
        assert "tanh" not in text and "opposite sign" not in text, text
        if expect == "Not yet":
            assert "a - y" in text and "f'(z) alone" in text, text
        else:
            assert "f'(z) left out" not in text, text
        check_cell.scroll_into_view_if_needed()
        _shot(page, f"05-exercise-1b-{expect.split()[0].lower()}")
