"""Plots return artists a test can read back; updates change them in place."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402
from matplotlib.patches import Circle, FancyBboxPatch  # noqa: E402

import bpnet  # noqa: E402
from bpnet.views.plots import (  # noqa: E402
    BIAS_FILL, DOWN, HIGHLIGHT, UP, activation_svg, diagram_layout, diagram_styles, draw_network, label_boxes,
    network_svg, plot_activation, plot_decision_boundary, plot_loss, short, touched_weights,
)
from bpnet.views.stepper import Stepper  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _article_stepper():
    ex = bpnet.xor_example()
    return Stepper(bpnet.trace_step(ex.net, ex.X[:1], ex.y[:1], ex.lr, rule="article"))


def test_diagram_names_every_unit_and_weight_and_marks_bias_units():
    net = bpnet.Network.random([2, 3, 1], "sigmoid", seed=3)
    d = draw_network(None, net)
    assert set(d.links) == set(d.weight_labels) == set(net.weight_names())
    assert set(d.units) == {"X0", "X1", "X2", "Z0", "Z1", "Z2", "Z3", "D0"}
    for name in ("X0", "Z0"):
        assert isinstance(d.units[name], FancyBboxPatch)
        assert to_hex(d.units[name].get_facecolor()) == BIAS_FILL.lower()
        assert "+1" in d.unit_labels[name].get_text()
    assert all(isinstance(d.units[n], Circle) for n in ("X1", "Z1", "D0"))
    # 3 significant digits on the diagram (the widgets' tables keep six)
    assert d.weight_texts() == {n: format(v, ".3g") for n, v in net.weights_dict().items()}


def test_diagram_follows_the_worked_example_update():
    st = _article_stepper()
    d = draw_network(None, st.state, net=st.trace.before, highlight=st.current)
    assert d.highlighted == "Z1"
    assert to_hex(d.units["Z1"].get_facecolor()) == HIGHLIGHT.lower()
    assert "a=1" in d.unit_values["Z1"].get_text()
    st.goto(st.trace.find("update", "X0->Z1").index)
    updated = [r.name for r in st.weight_rows() if r.after is not None]
    d.update(st.state, highlight=st.current, updated=updated)
    assert d.highlighted == "X0->Z1"
    assert to_hex(d.units["Z1"].get_facecolor()) == "#ffffff"  # the old highlight is cleared
    assert d.weight_labels["X0->Z1"].get_text() == "1 → 1.4 ▲"
    assert to_hex(d.weight_labels["X0->Z1"].get_bbox_patch().get_facecolor()) == HIGHLIGHT.lower()
    assert d.weight_labels["X0->Z2"].get_text() == "1"  # not updated yet
    assert "δ=-4" in d.unit_values["D0"].get_text()
    st.end()
    d.update(st.state, highlight=st.current, updated=[r.name for r in st.weight_rows()])
    texts = d.weight_texts()
    assert texts["X1->Z1"] == "1 (=)" and texts["Z3->D0"] == "1 → 1.4 ▲"
    assert to_hex(d.weight_labels["Z0->D0"].get_color()) == UP.lower()
    assert to_hex(d.links["Z0->D0"].get_color()) == UP.lower()


def test_diagram_shows_decreases_with_marker_and_colour_on_random_weights():
    net = bpnet.Network.random([2, 3, 1], "tanh", seed=21)
    trace = bpnet.trace_step(net, [[0.4, -0.9]], [[0.8]], 0.5)
    d = draw_network(None, net)
    final = trace.steps[-1].state
    d.update(final, updated=net.weight_names())
    for name in net.weight_names():
        old, new = net[name], trace.after[name]
        text = d.weight_labels[name].get_text()
        if new > old:
            assert text == f"{format(old, '.3g')} → {format(new, '.3g')} ▲"
            assert to_hex(d.weight_labels[name].get_color()) == UP.lower()
        elif new < old:
            assert text == f"{format(old, '.3g')} → {format(new, '.3g')} ▼"
            assert to_hex(d.weight_labels[name].get_color()) == DOWN.lower()
    assert any("▼" in t for t in d.weight_texts().values())
    assert any("▲" in t for t in d.weight_texts().values())


def test_diagram_updates_in_place_without_new_artists():
    st = _article_stepper()
    d = draw_network(None, st.state, net=st.trace.before)
    ax = d.ax
    counts = (len(ax.texts), len(ax.lines), len(ax.patches))
    ids = {k: id(v) for k, v in d.weight_labels.items()}
    for i in range(st.n):
        st.goto(i)
        d.update(st.state, highlight=st.current)
    assert (len(ax.texts), len(ax.lines), len(ax.patches)) == counts
    assert ids == {k: id(v) for k, v in d.weight_labels.items()}


def test_diagram_of_a_deep_network_and_input_checks():
    net = bpnet.Network.random([3, 6, 6, 6, 2], "tanh", seed=1)
    d = draw_network(None, net)
    assert len(d.links) == len(net.weight_names()) == 4 * 6 + 2 * 7 * 6 + 7 * 2
    # too many to label them all: only the highlighted weight and those the step touches
    assert not any(t.get_visible() for t in d.weight_labels.values())
    trace = bpnet.trace_step(net, [[0.1, 0.2, 0.3]], [[0, 1]])
    step = trace.find("update", "H1_1->H2_2") if "H1_1->H2_2" in net.weight_names() else trace.steps[-1]
    d.update(step.state, highlight=step)
    assert [n for n, t in d.weight_labels.items() if t.get_visible()] == [step.name]
    with pytest.raises(TypeError, match="needs net="):
        draw_network(None, bpnet.trace_step(net, [[0, 0, 0]], [[0, 1]]).steps[0].state)
    with pytest.raises(TypeError, match="Network or a State"):
        draw_network(None, [1, 2])


def test_activation_plot_marks_z_on_f_and_df():
    p = plot_activation(None, "sigmoid", z=2.0)
    s = 1 / (1 + np.exp(-2.0))
    assert p.f_point.get_xydata()[0] == pytest.approx([2.0, s])
    assert p.df_point.get_xydata()[0] == pytest.approx([2.0, s * (1 - s)])
    assert p.ax.get_xlabel() and p.ax.get_ylabel() and "sigmoid" in p.ax.get_title()
    assert len(p.spans) == 2
    p.update(name="relu", z=-1.0)
    assert p.df_point.get_xydata()[0] == pytest.approx([-1.0, 0.0])
    assert np.array_equal(p.f_line.get_ydata(), np.maximum(p.f_line.get_xdata(), 0))
    assert "relu" in p.ax.get_title() and "f'(z) = 0" in p.note.get_text()
    legend = [t.get_text() for t in p.ax.get_legend().get_texts()]
    assert legend[0] == "f(z) = relu(z)" and not any("sigmoid" in t for t in legend)


def test_loss_and_boundary_plots_show_the_numbers_given():
    ex = bpnet.xor_example()
    net = bpnet.Network.random([2, 4, 1], "sigmoid", seed=0)
    history = net.train(ex.X, ex.y, 50, lr=2.0)
    lp = plot_loss(None, history)
    assert np.array_equal(lp.line.get_ydata(), history)
    assert lp.ax.get_xlabel() == "epoch" and lp.ax.get_title()
    bp = plot_decision_boundary(None, net, ex.X, ex.y, resolution=11)
    expected = net.predict(bp.grid)[:, 0].reshape(11, 11)
    assert np.allclose(bp.image.get_array(), expected)
    assert bp.ax.get_xlabel() == "X1" and bp.ax.get_ylabel() == "X2"
    with pytest.raises(ValueError, match="2 inputs"):
        plot_decision_boundary(None, bpnet.Network.random([3, 2, 1], seed=0), np.zeros((4, 3)), ex.y)


def test_highlight_moving_back_and_forth_leaves_the_right_colours():
    st = _article_stepper()
    d = draw_network(None, st.state, net=st.trace.before)
    u = st.trace.find("update", "X0->Z1").index
    for i in (u, u - 1, u, u + 1, u - 1, 0, u + 1):
        st.goto(i)
        d.update(st.state, highlight=st.current, updated=[r.name for r in st.weight_rows() if r.after is not None])
    # at u + 1 (gradient of X0->Z2): X0->Z1 is updated and no longer highlighted
    assert d.highlighted == "X0->Z2"
    assert to_hex(d.links["X0->Z1"].get_color()) == UP.lower()
    assert to_hex(d.weight_labels["X0->Z1"].get_color()) == UP.lower()
    assert d.links["X0->Z1"].get_linewidth() == 2.2
    assert to_hex(d.weight_labels["X0->Z1"].get_bbox_patch().get_facecolor()) == "#ffffff"
    st.goto(u - 1)
    d.update(st.state, highlight=st.current, updated=[])
    st.goto(0)
    d.update(st.state, highlight=st.current, updated=[])
    assert to_hex(d.links["X0->Z1"].get_color()) == "#b0b0b0" and d.weight_labels["X0->Z1"].get_text() == "1"


# ----- styles from (state, highlight, updated) only; labels that never overlap ------------
def _look(d) -> dict:
    """Everything a reader sees of a matplotlib diagram, by artist name."""
    out = {}
    for name, line in d.links.items():
        t = d.weight_labels[name]
        out[name] = (to_hex(line.get_color()), line.get_linewidth(), t.get_text(), to_hex(t.get_color()),
                     t.get_visible(), to_hex(t.get_bbox_patch().get_facecolor()))
    for name, patch in d.units.items():
        out[name] = (to_hex(patch.get_facecolor()), patch.get_linewidth(), d.unit_values[name].get_text())
    return out


@pytest.mark.slow
def test_diagram_look_does_not_depend_on_what_was_shown_before():
    net = bpnet.Network.random([2, 3, 1], "tanh", seed=5)
    trace = bpnet.trace_step(net, [[0.4, -0.9], [1.0, 0.3]], [[0.8], [0.1]], 0.5)
    st = Stepper(trace)

    def updated():
        return [r.name for r in st.weight_rows() if r.after is not None]

    walked = draw_network(None, trace.steps[0].state, net=net)
    rng = np.random.default_rng(3)
    for i in rng.integers(0, len(trace), size=12):
        st.goto(int(i))
        walked.update(st.state, highlight=st.current, updated=updated())
        fresh = draw_network(None, st.state, net=net, highlight=st.current)
        fresh.update(updated=updated(), highlight=st.current)
        assert _look(walked) == _look(fresh), f"step {i} looks different after other steps"
        plt.close(fresh.figure)


def _overlap(a: tuple, b: tuple) -> bool:
    """Two (x0, y0, x1, y1) boxes share some area."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _overlaps(boxes: dict, others: dict | None = None) -> list:
    names = list(boxes)
    pairs = [(a, b) for k, a in enumerate(names) for b in names[k + 1:] if _overlap(boxes[a], boxes[b])]
    if others:
        pairs += [(a, o) for a in names for o, box in others.items() if _overlap(boxes[a], box)]
    return pairs


@pytest.mark.parametrize("sizes,seed", [([2, 3, 1], s) for s in range(6)] + [([2, 2, 2], 1), ([3, 3, 2], 4)])
def test_weight_labels_never_overlap_each_other_or_a_unit(sizes, seed):
    net = bpnet.Network.random(sizes, "tanh", seed=seed)
    rng = np.random.default_rng(seed)
    X, y = rng.normal(size=(2, sizes[0])), rng.uniform(size=(2, sizes[-1]))
    trace = bpnet.trace_step(net, X, y, 0.7)
    lay = diagram_layout(net)
    # A link starts on its unit's rim: the distance from the unit's centre is the unit's radius.
    link, (x0, y0, *_) = next(iter(lay.links.items()))
    ux, uy = lay.units[link.split("->")[0]][:2]
    r = float(np.hypot(x0 - ux, y0 - uy))
    assert r > 5, r
    units = {u: (x - r, y0 - r, x + r, y0 + r) for u, (x, y0, *_rest) in lay.units.items()}
    st = Stepper(trace)
    for i in list(range(0, len(trace), 7)) + [len(trace) - 1]:
        st.goto(i)
        done = [r.name for r in st.weight_rows() if r.after is not None]
        sty = diagram_styles(net, st.state, st.current, done, layout=lay)
        boxes = label_boxes(sty, lay)
        assert len(boxes) == len(net.weight_names())  # every label shown for a small network
        assert not _overlaps(boxes, units), f"step {i}: overlapping labels {_overlaps(boxes, units)}"


def test_weight_labels_do_not_overlap_as_matplotlib_draws_them():
    net = bpnet.Network.random([2, 3, 1], "sigmoid", seed=2)
    trace = bpnet.trace_step(net, [[0.3, -0.8]], [[1.0]], 2.0)
    d = draw_network(None, trace.steps[-1].state, net=net, title="all weights updated")
    d.update(updated=net.weight_names())
    d.figure.canvas.draw()  # the label boxes are laid out when drawn
    renderer = d.figure.canvas.get_renderer()
    boxes = {n: tuple(t.get_bbox_patch().get_window_extent(renderer).extents)
             for n, t in d.weight_labels.items() if t.get_visible()}
    units = {n: tuple(p.get_window_extent(renderer).extents) for n, p in d.units.items()}
    # window extents have y upwards; as (x0, y0, x1, y1) boxes the overlap test is the same
    assert len(boxes) == 13 and not _overlaps(boxes, units)


def test_touched_weights_are_what_a_step_reads_or_writes():
    ex = bpnet.xor_example()
    trace = bpnet.trace_step(ex.net, ex.X[:1], ex.y[:1], ex.lr)
    net = ex.net
    assert touched_weights(net, trace.find("forward", "Z1")) == ["X0->Z1", "X1->Z1", "X2->Z1"]
    assert touched_weights(net, trace.find("delta", "Z2")) == ["Z2->D0"]
    assert touched_weights(net, trace.find("update", "X1->Z3")) == ["X1->Z3"]
    assert touched_weights(net, trace.find("delta", "D0")) == []


def test_network_svg_is_valid_scalable_and_says_what_it_shows():
    import xml.etree.ElementTree as ET

    st = _article_stepper()
    st.goto(st.trace.find("update", "X0->Z1").index)
    done = [r.name for r in st.weight_rows() if r.after is not None]
    svg = network_svg(st.trace.before, st.state, st.current, done, description="XOR network, X0->Z1 updated")
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    _, _, w, h = map(float, root.get("viewBox").split())
    assert float(root.get("width")) == w and "height:auto" in root.get("style")  # scales keeping its ratio
    assert root.get("role") == "img" and root.get("aria-label") == "XOR network, X0->Z1 updated"
    assert root.find(f"{ns}title").text == "XOR network, X0->Z1 updated"
    texts = [t.text for t in root.iter(f"{ns}text")]
    assert "1 → 1.4 ▲" in texts and texts.count("1") >= 3 and "δ=-4" in texts
    # the highlighted label sits on a yellow box, drawn last (on top)
    boxes = [r for r in root.iter(f"{ns}rect") if r.get("fill") == HIGHLIGHT]
    assert len(boxes) == 1
    lay = diagram_layout(st.trace.before)
    assert (w, h) == (round(lay.width, 1), round(lay.height, 1))


def test_network_svg_of_a_4_layer_6_unit_network_labels_the_step_only():
    import xml.etree.ElementTree as ET

    net = bpnet.Network.random([3, 6, 6, 6, 2], "tanh", seed=1)
    trace = bpnet.trace_step(net, [[0.1, 0.2, 0.3]], [[0.0, 1.0]], 0.5)
    step = trace.find("forward", net.dest_name(1, 2))
    root = ET.fromstring(network_svg(net, step.state, step))
    ns = "{http://www.w3.org/2000/svg}"
    arrows = [t.text for t in root.iter(f"{ns}text") if t.text and t.get("font-size") == "11"]
    # the 7 weights into the unit (bias + 6), plus the unit's values under each unit
    assert sum(1 for t in arrows if not t.startswith(("a=", "z=", "δ="))) == 7


def test_activation_svg_marks_z_on_both_curves():
    import xml.etree.ElementTree as ET

    ns = "{http://www.w3.org/2000/svg}"
    root = ET.fromstring(activation_svg("sigmoid", 2.0))
    label = root.get("aria-label")
    assert "sigmoid" in label and "z = 2" in label and "f(z) = 0.880797" in label
    assert len(list(root.iter(f"{ns}polyline"))) == 2
    assert len([c for c in root.iter(f"{ns}circle")]) == 1  # the point on f
    assert len([r for r in root.iter(f"{ns}rect") if r.get("fill") == "#E4E4E4"]) == 2 + 1  # 2 bands + legend


@pytest.mark.slow
def test_dead_parameters_are_gone_and_plots_do_not_import_the_stepper():
    import dataclasses
    import importlib.util
    import subprocess
    import sys

    from bpnet.views.plots import BoundaryPlot, NetworkDiagram

    with pytest.raises(TypeError):
        plot_loss(None, [1.0, 0.5], log=True)
    assert "level" not in {f.name for f in dataclasses.fields(BoundaryPlot)}
    assert not hasattr(NetworkDiagram, "artists")
    assert short(0.123456) == "0.123" and short(-0.0001) == "-0.0001" and short(-1e-20) == "-1e-20"
    if importlib.util.find_spec("bpnet.explain.activation_reading") is None:
        pytest.skip("bpnet.explain.activation_reading (the explorer's maths) is not there yet")
    # One fresh process: the plots imported alone, then the widgets beside them.
    code = ("import sys, bpnet.views.plots; print('bpnet.views.stepper' in sys.modules); "
            "import bpnet.views.widgets; print('bpnet.views.stepper' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    plots_alone, with_widgets = out.split()
    assert plots_alone == "False"  # the plots only draw...
    assert with_widgets == "True"  # ...the widgets drive steppers


def test_loss_and_boundary_svgs_show_the_numbers_given():
    import xml.etree.ElementTree as ET

    from bpnet.views.plots import boundary_grid, boundary_svg, loss_svg

    ns = "{http://www.w3.org/2000/svg}"
    ex = bpnet.xor_example()
    net = bpnet.Network.random([2, 3, 1], ["tanh", "sigmoid"], seed=0)
    history = net.train(ex.X, ex.y, 300, lr=2.0)
    root = ET.fromstring(loss_svg([("cost", history)], "epoch", "Cost"))
    line = next(root.iter(f"{ns}polyline"))
    pts = [tuple(map(float, p.split(","))) for p in line.get("points").split()]
    assert len(pts) <= 401 and pts[0][0] < pts[-1][0]
    # the curve goes down as the cost does (y grows downwards in SVG)
    assert (pts[-1][1] > pts[0][1]) == (history[-1] < history[0])
    assert f"epoch {len(history) - 1}: cost {bpnet.fmt(history[-1])}" in [t.text for t in root.iter(f"{ns}text")]
    values = net.predict(boundary_grid())[:, 0].reshape(81, 81)
    root = ET.fromstring(boundary_svg(values, ex.X, ex.y))
    assert root.get("role") == "img" and "0.5 boundary" in root.get("aria-label")
    assert next(root.iter(f"{ns}image")).get("href").startswith("data:image/png;base64,")
    assert len(list(root.iter(f"{ns}polygon"))) == 2 + 1  # two target-1 samples, one in the legend
    assert any(p.get("stroke-dasharray") == "5 3" for p in root.iter(f"{ns}polyline"))  # the 0.5 contour
    flat = np.full((81, 81), 0.9)
    assert not any(p.get("stroke-dasharray") == "5 3"
                   for p in ET.fromstring(boundary_svg(flat, ex.X, ex.y)).iter(f"{ns}polyline"))


def test_plot_curves_and_bars_draw_the_values_given():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from bpnet.views.plots import plot_bars, plot_curves

    x = np.linspace(0.1, 0.9, 9)
    fig = plot_curves({"a": x ** 2, "b": 1 - x}, "T", "x", "y", x=x, ylim=(0, 2))
    try:
        ax = fig.axes[0]
        (la, lb) = ax.get_lines()
        assert np.array_equal(la.get_xdata(), x) and np.array_equal(la.get_ydata(), x ** 2)
        assert np.array_equal(lb.get_ydata(), 1 - x) and ax.get_ylim() == (0, 2)
        assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]
        assert (ax.get_title(), ax.get_xlabel(), ax.get_ylabel()) == ("T", "x", "y")
    finally:
        plt.close(fig)
    fig = plot_bars({"left": ([2.0, -1.0], "z", None), "right": ([0.9, 0.1], "p", (0, 1))}, ["c1", "c2"])
    try:
        left, right = fig.axes
        assert [p.get_height() for p in left.patches] == [2.0, -1.0]
        assert [p.get_height() for p in right.patches] == [0.9, 0.1] and right.get_ylim() == (0, 1)
        assert (left.get_title(), right.get_ylabel()) == ("left", "p")
    finally:
        plt.close(fig)
