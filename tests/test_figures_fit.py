"""Figures that fit and say what they show, checked without a browser (tests/test_browser_figures.py
looks at the same figures in JupyterLab at 1000 x 800 beside the file browser).

- a decision-boundary plot is coloured over the whole axes, and every sample is on the coloured square;
- a long typeset step breaks between its terms so that every line fits the column;
- a training comparison's cost plot marks the step where the branch splits off, where the stepper says;
- the step-through's weight labels do not overlap, at every step of notebook 05's two updates.
"""

from __future__ import annotations

import itertools
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import bpnet  # noqa: E402
from bpnet.core.notation import DISPLAY_WIDTH_EM, PALETTE, tex_width  # noqa: E402
from bpnet.explain.trace import Formula  # noqa: E402
from bpnet.views.plots import (LABEL_GAP, boundary_square, diagram_layout, diagram_styles, focus_units, label_boxes,  # noqa: E402
                               loss_svg, plot_decision_boundary)
from bpnet.views.stepper import TrainingComparison  # noqa: E402
from bpnet.views.widgets import CompareTraining, StepThrough, TrainingView  # noqa: E402


# ----- the decision boundary's coloured square ---------------------------------------------------
def _blobs(seed: int = 3):
    rng = np.random.default_rng(seed)
    X = np.vstack([rng.normal([-1.0, -0.5], 0.8, size=(100, 2)), rng.normal([1.0, 0.8], 0.8, size=(100, 2))])
    X[0] = (-3.6, -1.0)  # as far out as notebook 01's outermost sample, past lim=(-3.5, 3.5)
    return X, np.r_[np.zeros(100), np.ones(100)]


@pytest.mark.parametrize("lim", [(-3.5, 3.5), (-0.25, 1.25), (-1.0, 1.0)])
def test_the_coloured_output_covers_the_whole_axes_and_every_sample(lim):
    X, y = _blobs()
    net = bpnet.Network.random([2, 1], activations="sigmoid", seed=0)
    p = plot_decision_boundary(None, net, X, y, lim=lim, resolution=21)
    ax = p.ax
    x0, x1, y0, y1 = p.image.get_extent()
    # the coloured square is exactly the axes: no white strip on any side
    assert ax.get_xlim() == pytest.approx((x0, x1)) and ax.get_ylim() == pytest.approx((y0, y1))
    # it holds lim and every sample, each at least 4 % of the side from the edge (a marker is drawn whole)
    side = x1 - x0
    assert x0 <= lim[0] and x1 >= lim[1] and (x0, x1) == (y0, y1)
    assert (X >= x0 + 0.039 * side).all() and (X <= x1 - 0.039 * side).all()
    # and the picture still shows it: drawing the figure does not widen the limits again
    ax.figure.canvas.draw()
    assert ax.get_xlim() == pytest.approx((x0, x1)) and ax.get_ylim() == pytest.approx((y0, y1))
    sizes = [t.get_fontsize() for t in ax.get_legend().get_texts()]
    assert min(sizes) >= 9, sizes  # no text under 9 points
    plt.close("all")


def test_boundary_square_keeps_lim_when_the_samples_are_well_inside_it():
    X = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    assert boundary_square(X, (-0.25, 1.25)) == (-0.25, 1.25)
    assert boundary_square(X, (0.0, 1.0)) != (0.0, 1.0)  # a sample on the edge: widened
    with pytest.raises(ValueError, match="low < high"):
        boundary_square(X, (1.0, 1.0))


# ----- a long typeset step: broken between its terms, every line in the column -------------------
def _display_lines(markdown: str) -> list[list[str]]:
    """Each $$...$$ of ``markdown`` as its typeset lines (an aligned block's rows, its & and lead-in dropped)."""
    out = []
    for shown in re.findall(r"\$\$(.*?)\$\$", markdown):
        rows = shown.removeprefix(r"\begin{aligned}").removesuffix(r"\end{aligned}").split(r" \\ ")
        out.append([row.replace("&= ", "= ").replace(r"&\quad {}", "").replace("&", "") for row in rows])
    return out


def test_notebook_02s_sigmoid_forward_trace_breaks_between_terms_to_fit_the_column():
    r7 = np.random.default_rng(7)  # notebook 02's section 4 network and input
    rnet = bpnet.Network([r7.normal(size=(3, 3)), r7.normal(size=(4, 1))], activations="sigmoid")
    trace = bpnet.trace_step(rnet, np.array([1.0, 0.5]), [1.0], 0.1)
    excerpt = trace.excerpt("forward")
    shown = _display_lines(excerpt.to_markdown())
    assert len(shown) == 4
    for step, lines in zip(excerpt, shown):
        assert all(tex_width(line) <= DISPLAY_WIDTH_EM for line in lines), lines
        # what the lines read, joined again, is the step: the same terms in the same order
        joined = " ".join(lines).replace(r"\bigl(", r"\left(").replace(r"\bigr)", r"\right)")
        assert re.sub(r"\s+", "", joined) == re.sub(r"\s+", "", step.latex)
    d0 = shown[3]
    assert len(d0) == 6, d0  # symbols and numbers each over two lines, then the sum and the value
    assert d0[2].startswith(r"= \operatorname{sigmoid}\bigl(") and d0[3].startswith("+ ")
    assert d0[3].endswith(r"\bigr)")
    # the identity network's four-term sums, led by "sample k:", fit as well
    net, X, y, lr = bpnet.xor_example()
    for lines in _display_lines(bpnet.trace_step(net, X, y, lr).excerpt("forward").to_markdown()):
        assert all(tex_width(line) <= DISPLAY_WIDTH_EM for line in lines), lines


def test_a_formula_too_wide_for_the_column_breaks_before_a_plus_and_a_short_one_stays_whole():
    terms = " + ".join(f"0.{k}23456*{k}.5" for k in range(1, 9))
    long = Formula(f"y_hat = {terms} = 12.3456")
    lines = _display_lines(long.to_markdown())[0]
    assert len(lines) >= 3 and all(tex_width(line) <= DISPLAY_WIDTH_EM for line in lines), lines
    assert all(line.startswith(("=", "+", r"\hat")) for line in lines), lines
    assert _display_lines(Formula("z = 0.8*1.5 + 0.2 = 1.4").to_markdown()) == [[r"z = 0.8 \cdot 1.5 + 0.2 = 1.4"]]


def test_tex_width_counts_what_is_typeset():
    assert tex_width(r"X_{1}") < tex_width("X1")  # a subscript is set smaller
    assert tex_width(r"\left(-0.5\right)") == pytest.approx(tex_width("(-0.5)"))
    assert tex_width(r"{\color{#D55E00}{0.25}}") == pytest.approx(tex_width("0.25"))
    assert tex_width("a + b") > tex_width("a+") > tex_width("a")


# ----- where a comparison's branch splits off ------------------------------------------------------
def _frame_and_split(svg: str) -> tuple[float, float, float]:
    frame = re.search(r'<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)" height="[\d.]+" fill="none"', svg)
    line = re.search(r'<line class="bp-split" x1="([\d.]+)" x2="([\d.]+)"', svg)
    assert frame and line, svg[:300]
    assert line.group(1) == line.group(2)  # vertical
    return float(frame.group(1)), float(frame.group(2)), float(line.group(1))


def test_the_cost_plot_marks_the_step_where_the_branch_splits_off():
    base, branch = np.linspace(1, 0.1, 41), np.r_[np.linspace(1, 0.1, 41)[:13], np.linspace(0.5, 0.01, 28)]
    svg = loss_svg([("base", base), ("branch (lr 2)", branch)], split=12, split_label="lr changed here")
    left, width, x = _frame_and_split(svg)
    assert x == pytest.approx(left + 12 / 40 * width, abs=0.1)
    assert 'stroke-dasharray' in svg.split('class="bp-split"')[1].split("/>")[0]
    assert f'stroke="{PALETTE["split"]}"' in svg
    assert ">lr changed here<" in svg and ">lr changed here (epoch 12)<" in svg  # on the line and in the legend
    assert "splits off at epoch 12 (lr changed here)" in svg  # in the description a screen reader reads
    # before the curves reach it there is no line, but the legend still says where it will be
    early = loss_svg([("base", base[:6]), ("branch (lr 2)", branch[:6])], split=12, split_label="lr changed here")
    assert 'class="bp-split"' not in early and "(epoch 12)" in early
    assert 'class="bp-split"' not in loss_svg([("cost", base)])


def test_compare_training_draws_the_split_at_the_epoch_the_comparison_branches():
    X, y = bpnet.XOR_X, bpnet.XOR_Y
    view = TrainingView(bpnet.Network.random([2, 3, 1], activations=["tanh", "sigmoid"], init="xavier", seed=0),
                        X, y, epochs=200, lr=0.5, every=10)
    view.goto(60)
    both = view.compare(lr=2.0)
    assert isinstance(both, CompareTraining)
    c = both.comparison
    assert isinstance(c, TrainingComparison) and c.at == 60 and c.view().split == 60
    both.goto(150)
    base, branch = c.costs
    assert np.array_equal(base[:61], branch[:61]) and base[61] != branch[61]  # the curves part at epoch 60
    left, width, x = _frame_and_split(both.image.value)
    assert x == pytest.approx(left + 60 / 150 * width, abs=0.1)
    assert ">lr changed here (epoch 60)<" in both.image.value


# ----- the step-through's weight labels ------------------------------------------------------------
@pytest.mark.parametrize("rule,sample", [("article", 0), ("gradient", 0), ("gradient", None)])
def test_notebook_05s_weight_labels_never_overlap(rule, sample):
    """At every step of 05's update (at its updates many labels read "1 (=)"), on the layout the
    step-through draws; and each label's box holds its text (at the width the diagram measures)."""
    w = StepThrough.from_example(bpnet.xor_example(), rule=rule, sample=sample)
    st, same = w.stepper, 0
    net = st.trace.before
    for i in range(st.n):
        st.goto(i)
        v = st.view()
        lay = diagram_layout(net, focus_units(net, v.step))
        sty = diagram_styles(net, v.state, v.step, v.updated, v.sample, layout=lay)
        boxes = label_boxes(sty, lay)
        assert len(boxes) == len(net.weight_names())  # a small network: every weight labelled
        for (a, p), (b, q) in itertools.combinations(boxes.items(), 2):
            gap = LABEL_GAP - 1e-9  # apart, with room between them: each reads as its own link's
            apart = p[2] + gap <= q[0] or q[2] + gap <= p[0] or p[3] + gap <= q[1] or q[3] + gap <= p[1]
            assert apart, f"step {i + 1}: labels of {a} ({sty.links[a].label}) and {b} ({sty.links[b].label}) touch"
        same += sum(ls.label.endswith("(=)") for ls in sty.links.values())
        # the label boxes are inside the picture
        assert all(0 <= p[0] and p[2] <= lay.width and 0 <= p[1] and p[3] <= lay.height for p in boxes.values())
    assert same > 0 or rule == "gradient" and sample is None
