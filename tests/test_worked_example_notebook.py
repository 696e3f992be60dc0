"""Notebook 05 (the XOR worked example): its stored outputs are the trace's numbers.

nbval checks that a fresh run reproduces the stored outputs; these tests check that the
stored outputs say what the notebook claims, recomputing every number with bpnet here:
the article's step (output 4, deltas -4, weights 1.4 / 1), the corrected step (deltas +4,
weights 0.6 / 1, output 4 -> 1.68, loss 8 -> 1.41 vs 26.5) and the full-batch step.
Also: the article's published numbers are shown beside bpnet's, and the first stepper is the
article's rule (the browser test clicks it). That no computed number is typed into the markdown,
and the rules every notebook keeps, are in notebook_rules (applied by test_notebook_content).
"""

from __future__ import annotations

import re

import pytest

import bpnet
from bpnet import fmt

nbformat = pytest.importorskip("nbformat")

from notebook_rules import NOTEBOOKS_DIR, cell_with, code_cells, load, stored_text as text_of  # noqa: E402

PATH = NOTEBOOKS_DIR / "05_xor_worked_example.ipynb"


@pytest.fixture(scope="module")
def nb():
    return load(PATH)


@pytest.fixture(scope="module")
def traces():
    net, X, y, lr = bpnet.xor_example()
    return {
        "article": bpnet.trace_step(net, X[:1], y[:1], lr, rule="article"),
        "gradient": bpnet.trace_step(net, X[:1], y[:1], lr, rule="gradient"),
        "full": bpnet.trace_step(net, X, y, lr, rule="gradient"),
    }


def test_first_stepper_is_the_worked_example_under_the_articles_rule(nb):
    steppers = [c for c in code_cells(nb) if "StepThrough" in c.source and "import" not in c.source]
    assert steppers, "notebook 05 has no StepThrough"
    first = steppers[0]
    assert 'rule="article"' in first.source and "from_example" in first.source
    assert "under 'article' rule" in text_of(first)
    # It is displayed (a widget view is stored) and never moved by a later cell: the browser test starts it at step 1.
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in first.outputs)
    name = first.source.split("=")[0].strip()
    later = "".join(c.source for c in code_cells(nb)[code_cells(nb).index(first) + 1:])
    assert f"{name}." not in later, f"a later cell changes {name}"


def test_stored_article_trace_is_the_traces_text(nb, traces):
    out = text_of(cell_with(nb, "article = bpnet.trace_step("))  # its text fallback: the plain trace
    assert out.strip() == traces["article"].to_text().strip()
    for line in ("D0 = w(Z0->D0)*Z0 + w(Z1->D0)*Z1 + w(Z2->D0)*Z2 + w(Z3->D0)*Z3 = 1*1 + 1*1 + 1*1 + 1*1 = 4",
                 "δ(D0) = y - D0 = 0 - 4 = -4",
                 "w(X0->Z1) := w(X0->Z1) - lr*g(X0->Z1) = 1 - 0.1*(-4) = 1.4"):
        assert line in out


# The article's published numbers, as it prints them (the reference reconstruction of its one update),
# held here independently of the network file the notebook reads them from.
PUBLISHED = {("forward", f"Z{k}"): "1" for k in (1, 2, 3)} | {("forward", "D0"): "4"}
PUBLISHED |= {("delta", u): "-4" for u in ("D0", "Z1", "Z2", "Z3")}
PUBLISHED |= {("weights after", f"X0->Z{k}"): "1.4" for k in (1, 2, 3)}
PUBLISHED |= {("weights after", f"X{i}->Z{k}"): "1" for i in (1, 2) for k in (1, 2, 3)}
PUBLISHED |= {("weights after", f"Z{k}->D0"): "1.4" for k in range(4)}


def test_stored_article_numbers_published_beside_computed(nb, traces):
    t = traces["article"]
    after = t.after.weights_dict()
    out = text_of(cell_with(nb, "published = bpnet.load_network("))
    lines = out.splitlines()
    assert re.match(r"article's update, sample 1:\s+published\s+computed\s+agree$", lines[0]), lines[0]
    rows = {}
    for line in lines[1:]:
        m = re.match(r"^\s+(forward|delta|weights after) (\S+)\s+(\S+)\s+(\S+)\s+(yes|NO)$", line)
        if m:
            rows[m.group(1), m.group(2)] = m.group(3, 4, 5)
    assert set(rows) == set(PUBLISHED)
    for (section, name), published in PUBLISHED.items():
        ours = fmt(after[name]) if section == "weights after" else fmt(t.find(section, name).value)
        assert rows[section, name] == (published, ours, "yes"), (section, name, rows[section, name])
    assert f"actual - predicted: {fmt(t.find('loss', 'loss').value)}" in out


def test_sign_check_uses_a_central_difference_with_a_floored_relative_error(nb):
    cell = cell_with(nb, "slope = (up.cost(x0, y0) - down.cost(x0, y0)) / (2 * eps)")
    assert "max(abs(slope), abs(exact), 1e-4)" in cell.source   # notebook 04's floor and threshold
    assert "central difference 4, exact 4; error below 1e-6: True" in text_of(cell)


def test_stored_sign_check(nb, traces):
    t = traces["article"]
    x0, y0 = t.X, t.y
    out = text_of(cell_with(nb, "before_out ="))
    assert (f"output for (0,0): {fmt(t.before.predict(x0)[0, 0])} before, {fmt(t.after.predict(x0)[0, 0])} after"
            in out)
    assert f"{fmt(t.before.cost(x0, y0))} before, {fmt(t.after.cost(x0, y0))} after" in out
    assert fmt(t.after.predict(x0)[0, 0]) == "7.28" and round(t.after.cost(x0, y0), 1) == 26.5


def test_stored_side_by_side_table(nb, traces):
    art, cor = traces["article"], traces["gradient"]
    x0, y0 = art.X, art.y
    out = text_of(cell_with(nb, "rows = ["))
    rows = {}
    for line in filter(None, out.splitlines()[1:]):
        m = re.match(r"^(.*?)\s{2,}(\S+)\s+(\S+)$", line)
        assert m, line
        rows[m.group(1).strip()] = (m.group(2), m.group(3))
    aw, cw = art.after.weights_dict(), cor.after.weights_dict()
    want = {
        "output D0 (forward)": (fmt(art.find("forward", "D0").value), fmt(cor.find("forward", "D0").value)),
        "delta of D0": (fmt(art.find("delta", "D0").value), fmt(cor.find("delta", "D0").value)),
        "delta of Z1 (= Z2 = Z3)": (fmt(art.find("delta", "Z1").value), fmt(cor.find("delta", "Z1").value)),
        "new X0->Z1 (and X0->Z2, X0->Z3)": (fmt(aw["X0->Z1"]), fmt(cw["X0->Z1"])),
        "new X1->Z1 (and all from X1, X2)": (fmt(aw["X1->Z1"]), fmt(cw["X1->Z1"])),
        "new Z0->D0 (and Z1..Z3->D0)": (fmt(aw["Z0->D0"]), fmt(cw["Z0->D0"])),
        "output for (0,0) after the step": (fmt(art.after.predict(x0)[0, 0]), fmt(cor.after.predict(x0)[0, 0])),
        "loss 1/2*(D0 - y)^2 after": (fmt(art.after.cost(x0, y0)), fmt(cor.after.cost(x0, y0))),
    }
    for name, pair in want.items():
        assert rows[name] == pair, name
    # ... and those are the reference numbers.
    assert rows["delta of D0"] == ("-4", "4")
    assert rows["new X0->Z1 (and X0->Z2, X0->Z3)"] == ("1.4", "0.6")
    assert rows["new X1->Z1 (and all from X1, X2)"] == ("1", "1")
    assert rows["output for (0,0) after the step"] == ("7.28", "1.68")
    assert round(float(rows["loss 1/2*(D0 - y)^2 after"][1]), 2) == 1.41


def test_stored_full_batch_step(nb, traces):
    full = traces["full"]
    out = text_of(cell_with(nb, 'full.excerpt("updates")'))
    before, after = full.before.weights_dict(), full.after.weights_dict()
    for name in before:
        assert re.search(rf"^\s*{re.escape(name)}\s+{re.escape(fmt(before[name]))} -> {re.escape(fmt(after[name]))}$",
                         out, re.M), name
    assert {fmt(after[f"X0->Z{k}"]) for k in (1, 2, 3)} == {"0.35"}
    assert {fmt(after[f"Z{k}->D0"]) for k in (1, 2, 3)} == {"-0.45"}
    costs = text_of(cell_with(nb, "cost J (mean"))
    assert f"{fmt(full.before.cost(full.X, full.y))} before, {fmt(full.after.cost(full.X, full.y))} after" in costs
