"""Drawing a computation graph: what each box and edge says at each step, the highlight,
a fork's branches adding, and boxes big enough for their text."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import bpnet  # noqa: E402
from bpnet.explain.autograd import inputs, network_graph
from bpnet.views.stepper import GraphStepper  # noqa: E402
from bpnet.views.graph_plots import VERMILION, YELLOW, draw_graph, graph_figsize  # noqa: E402


def fork_graph():
    a, b = inputs(a=1.5, b=-0.5)
    c = (a * b).named("c")
    d = a.exp().named("d")
    return (c + d).named("L")


def _figure(trace):
    fig = Figure(figsize=graph_figsize(trace.graph), dpi=80)
    return fig, fig.add_axes((0.01, 0.01, 0.98, 0.9))


def test_boxes_show_values_then_gradients():
    trace = fork_graph().backward()
    fig, ax = _figure(trace)
    d = draw_graph(ax, trace, index=0)
    names = trace.graph.names
    assert d.texts[names.index("L")].get_text() == "L = c + d\nvalue —\ngrad —"
    assert d.texts[names.index("c")].get_text() == "c = a*b\nvalue -0.75\ngrad —"
    d.update(trace.state(len(trace) - 1))
    assert d.texts[names.index("b")].get_text() == "b\nvalue -0.5\ngrad 1.5"


def test_a_fork_shows_its_branches_adding_and_is_highlighted():
    trace = fork_graph().backward()
    st = GraphStepper(trace)
    i = next(s.index for s in trace if s.kind == "sum")
    st.goto(i)
    fig, ax = _figure(trace)
    d = draw_graph(ax, trace, index=i)
    a = trace.graph.names.index("a")
    text = d.texts[a].get_text().splitlines()
    assert text[2] == "grad 3.982"  # b + e^a = -0.5 + 4.48169
    assert text[3] == "= 4.48 + (-0.5)"  # in the order the branches sent them, as the sum step adds them
    assert to_hex(d.boxes[a].get_facecolor()) == YELLOW.lower() and d.boxes[a].get_linewidth() == 3.0
    # one step earlier both branches had arrived and only their sum was left: no "+ …" waits for more
    d.update(trace.state(i - 1), trace[i - 1])
    assert d.texts[a].get_text().splitlines()[3] == "4.48 + (-0.5)"
    # while only the first branch is in, the box says more is coming
    first = next(s.index for s in trace if s.kind == "chain" and s.name.startswith("a->"))
    d.update(trace.state(first), trace[first])
    assert d.texts[a].get_text().splitlines()[3].endswith(" + …")


def test_the_current_edge_is_highlighted_with_its_local_derivative():
    trace = fork_graph().backward()
    step = trace.find("local", "a->c")
    fig, ax = _figure(trace)
    d = draw_graph(ax, trace, index=step.index)
    e = step.where[0][1]
    assert d.labels[e].get_text() == "×(-0.5)"
    assert to_hex(d.arrows[e].get_edgecolor()) == VERMILION.lower() and d.labels[e].get_fontweight() == "bold"
    d.update(trace.state(step.index + 1), trace[step.index + 1])
    assert d.labels[e].get_text() == "×(-0.5)\n← -0.5"


def _thirty_nodes():
    x, y, z, w = inputs(x=0.3, y=-1.2, z=0.7, w=2.0)
    v = [x, y, z, w]
    for k in range(8):
        v.append((v[-1] * v[-3] + v[-4]).tanh())
    return v[-1].backward()


TRACES = {
    "fork": lambda: fork_graph().backward(),
    "thirty": _thirty_nodes,
    "xor": lambda: network_graph(bpnet.xor_example().net, [[0.0, 1.0]], [[1.0]]).trace(lr=0.1),
}


@pytest.mark.parametrize("name", list(TRACES))
def test_every_text_fits_its_box_and_boxes_do_not_overlap(name):
    trace = TRACES[name]()
    assert len(trace.graph) <= 30
    fig, ax = _figure(trace)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    renderer = FigureCanvasAgg(fig).get_renderer()
    for index in (0, len(trace) // 2, len(trace) - 1):
        d = draw_graph(ax, trace, index=index) if index == 0 else d
        d.update(trace.state(index), trace[index])
        boxes = [b.get_window_extent(renderer) for b in d.boxes]
        for i, (box, text) in enumerate(zip(boxes, d.texts)):
            t = text.get_window_extent(renderer)
            assert box.x0 <= t.x0 and t.x1 <= box.x1 and box.y0 <= t.y0 and t.y1 <= box.y1, \
                (trace.graph.names[i], text.get_text())
            for other in boxes[i + 1:]:
                assert not box.overlaps(other)


def test_draw_graph_takes_a_value_and_refuses_anything_else():
    d = draw_graph(_figure(fork_graph().backward())[1], fork_graph())
    assert len(d.boxes) == 5  # a, b, c, d, L
    with pytest.raises(TypeError):
        draw_graph(None, np.zeros(3))


def _gates():
    x, y, z, w = inputs(x=3.0, y=-4.0, z=2.0, w=-1.0)
    return (((x * y).named("q") + z.max(w).named("m")).named("s") * 2.0).backward()


def _chain():
    from bpnet.explain.autograd import Value

    x = Value(1.5, "x", const=True)
    w1, b1, w2, b2 = (Value(v, n, param=True) for v, n in [(0.8, "w1"), (-0.5, "b1"), (-1.2, "w2"), (0.3, "b2")])
    y_hat = (w2 * (w1 * x + b1).sigmoid() + b2).sigmoid()
    return (0.5 * (y_hat - 1.0) ** 2).named("L").backward(lr=0.5)


@pytest.mark.parametrize("make", [_gates, lambda: fork_graph().backward(), _chain, TRACES["xor"]],
                         ids=["gates", "fork", "chain", "xor"])
def test_edge_labels_clear_the_boxes_and_each_other(make):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    trace = make()
    fig, ax = _figure(trace)
    renderer = FigureCanvasAgg(fig).get_renderer()
    d = draw_graph(ax, trace)  # the last step: every label is shown
    boxes = [b.get_window_extent(renderer) for b in d.boxes]
    labels = [(lab.get_text(), lab.get_window_extent(renderer)) for lab in d.labels if lab.get_text()]
    assert len(labels) >= len(trace.graph.edges) // 2
    for k, (text, extent) in enumerate(labels):
        assert not any(extent.overlaps(b) for b in boxes), text
        assert not any(extent.overlaps(other) for _, other in labels[k + 1:]), text


def test_the_cost_ratio_draws_the_counted_line_and_the_measured_one():
    """2n / 3 for the arithmetic count; 2n / (the measured backprop cost) only when one is given."""
    from bpnet.views.graph_plots import plot_cost_ratio

    n, ratios = [15, 37, 105], [20.0, 31.5, 80.2]
    ax = Figure().add_subplot()
    plot_cost_ratio(ax, n, ratios)
    assert len(ax.get_lines()) == 2
    np.testing.assert_allclose(ax.get_lines()[1].get_ydata(), [10.0, 74 / 3, 70.0])
    ax = Figure().add_subplot()
    plot_cost_ratio(ax, n, ratios, measured_forward_per_backprop=1.6)
    counted, measured = ax.get_lines()[1:]
    np.testing.assert_allclose(measured.get_ydata(), [30 / 1.6, 74 / 1.6, 210 / 1.6])
    assert "measured" in measured.get_label() and "counted as 3" in counted.get_label()


def test_a_graph_drawn_in_its_own_figure_fits_a_notebooks_column():
    """draw_graph(None, ...) wraps a wide graph into the columns that fit plots.FIGURE_WIDTH, so JupyterLab
    shows it at its own size (its 9-point text not shrunk); drawn into a given axes it is not wrapped."""
    import matplotlib.pyplot as plt

    from bpnet.views.graph_plots import COL_W, graph_layout
    from bpnet.views.plots import FIGURE_WIDTH

    x, y, z, w = inputs(x=3.0, y=-4.0, z=2.0, w=-1.0)
    f = (((x * y).named("q") + z.max(w).named("m")).named("s") * 2.0).named("f")
    assert (max(c for c, _ in graph_layout(f.backward().graph).values()) + 1) * COL_W > FIGURE_WIDTH  # wide unwrapped
    d = draw_graph(None, f)
    try:
        assert d.ax.figure.get_figwidth() <= FIGURE_WIDTH
        assert min(t.get_fontsize() for t in d.texts) >= 9
    finally:
        plt.close("all")
