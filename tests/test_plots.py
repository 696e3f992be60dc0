"""Plots return artists a test can read back; updates change them in place."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402
from matplotlib.patches import Circle, FancyBboxPatch  # noqa: E402

import bpnet  # noqa: E402
from bpnet.plots import (  # noqa: E402
    BIAS_FILL, DOWN, HIGHLIGHT, UP, draw_network, plot_activation, plot_decision_boundary, plot_loss,
)
from bpnet.stepper import Stepper  # noqa: E402


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
    assert d.weight_texts() == {n: bpnet.fmt(v) for n, v in net.weights_dict().items()}


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
            assert text == f"{bpnet.fmt(old)} → {bpnet.fmt(new)} ▲"
            assert to_hex(d.weight_labels[name].get_color()) == UP.lower()
        elif new < old:
            assert text == f"{bpnet.fmt(old)} → {bpnet.fmt(new)} ▼"
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
    assert d.show_weights == "changed"  # too many to label them all
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
