"""The widgets without a browser: built in pytest, driven by clicks and slider values."""

import html
import re

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import bpnet  # noqa: E402
from bpnet.widgets import ActivationExplorer, StepThrough, TrainingView  # noqa: E402

CONTRACT = ("bp-start", "bp-back", "bp-forward", "bp-end", "bp-next-phase", "bp-play", "bp-slider",
            "bp-step-label", "bp-formula", "bp-weights", "bp-rule", "bp-diagram")


def _table(w) -> dict[str, list[str]]:
    """The weight table as {name: [before, gradient, after]}, read back from its HTML."""
    rows = re.findall(r"<tr [^>]*><th[^>]*>(.*?)</th>(.*?)</tr>", w.weights.value)
    return {html.unescape(name): [html.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", cells)]
            for name, cells in rows}


def _walk(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _walk(child)


def test_css_class_contract():
    w = StepThrough.from_example()
    assert "bp-stepper" in w.widget._dom_classes
    classes = {c for child in _walk(w.widget) for c in child._dom_classes}
    assert set(CONTRACT) <= classes
    assert "bp-forward" in w.forward_button._dom_classes and "bp-diagram" in w.diagram_image._dom_classes
    assert w.weights.value.count("<tr ") == 13  # one <tr> per weight, nothing else


def test_article_rule_first_update_of_X0_Z1_shows_1_to_1_4_then_gradient_rule_0_6():
    w = StepThrough.from_example(rule="article")
    target = w.stepper.trace.find("update", "X0->Z1").index
    for _ in range(target):
        w.forward_button.click()
    assert w.step_label.value == f"step {target + 1} of 35 — updates"
    row = _table(w)["X0->Z1"]
    assert row == ["1", "-4", "1.4 ▲"]
    assert "1 - 0.1*(-4) = 1.4" in html.unescape(w.formula.value)
    assert "w(X0->Z1) := w(X0->Z1) - lr*g(X0->Z1)" in html.unescape(w.formula.value)
    assert _table(w)["X0->Z2"] == ["1", "—", "—"]  # not reached yet
    w.rule_toggle.value = "gradient"
    assert w.stepper.rule == "gradient"
    assert w.step_label.value == f"step {target + 1} of 35 — updates"
    assert _table(w)["X0->Z1"] == ["1", "4", "0.6 ▼"]
    assert "1 - 0.1*4 = 0.6" in html.unescape(w.formula.value)
    assert "1 - 0.1*(-4) = 1.4" in html.unescape(w.formula.value)  # the other rule's number, for contrast


def test_buttons_and_slider_move_through_the_trace():
    w = StepThrough.from_example(rule="article")
    n = w.stepper.n
    w.back_button.click()  # harmless at the start
    assert w.step_label.value == f"step 1 of {n} — forward" and w.slider.value == 1
    w.next_phase_button.click()
    assert w.step_label.value == f"step 5 of {n} — loss" and w.slider.value == 5
    assert "0 - 4 = -4" in w.formula.value
    w.end_button.click()
    w.forward_button.click()  # harmless at the end
    assert w.slider.value == n and w.step_label.value == f"step {n} of {n} — updates"
    assert all(row[2] != "—" for row in _table(w).values())
    w.slider.value = 6
    assert w.step_label.value == f"step 6 of {n} — deltas"
    assert "δ(D0) = y - D0" in w.formula.value
    w.start_button.click()
    assert w.slider.value == 1 and w.stepper.index == 0


def test_every_number_in_the_table_is_the_trace_number_on_a_random_network():
    net = bpnet.Network.random([2, 3, 2], ["tanh", "sigmoid"], seed=17)
    X = np.array([[0.2, -1.3], [0.9, 0.4]])
    y = np.array([[1.0, 0.0], [0.0, 1.0]])
    w = StepThrough(net, X, y, lr=0.3, loss="binary_cross_entropy", rule="gradient")
    trace = bpnet.trace_step(net, X, y, 0.3, "binary_cross_entropy")
    rng = np.random.default_rng(0)
    for k in rng.integers(1, len(trace) + 1, size=25):
        w.slider.value = int(k)
        step = trace.steps[int(k) - 1]
        assert w.step_label.value == f"step {k} of {len(trace)} — {step.phase}"
        assert html.escape(step.numbers) in w.formula.value
        table = _table(w)
        for name in net.weight_names():
            l, i, j = net.weight_index(name)
            before, grad, after = table[name]
            assert before == bpnet.fmt(net[name])
            g_done = trace.find("gradient", name).index <= step.index
            u_done = trace.find("update", name).index <= step.index
            assert grad == (bpnet.fmt(step.state.grad[l][i, j]) if g_done else "—")
            if u_done:
                assert after.split(" ")[0] == bpnet.fmt(trace.after[name])
                assert after.endswith("▲") == (trace.after[name] > net[name])
            else:
                assert after == "—"


def test_diagram_image_is_redrawn_from_the_same_figure():
    w = StepThrough.from_example(rule="article")
    fig, first = w._fig, w.diagram_image.value
    assert first[:8] == b"\x89PNG\r\n\x1a\n"
    w.forward_button.click()
    assert w.diagram_image.value != first and w._fig is fig
    assert w.diagram.highlighted == "Z2"
    w.slider.value = w.stepper.trace.find("update", "Z1->D0").index + 1
    assert w.diagram.highlighted == "Z1->D0"
    assert w.diagram.weight_labels["Z1->D0"].get_text() == "1 → 1.4 ▲"
    assert w.diagram.weight_labels["Z2->D0"].get_text() == "1"


def test_activation_panel_shows_on_delta_steps_with_z_marked():
    net = bpnet.Network.random([2, 2, 1], "sigmoid", seed=2)
    w = StepThrough(net, [[1.0, -0.5]], [[1.0]], lr=0.5)
    z = net.forward([[1.0, -0.5]]).z
    assert w.activation_image.layout.display == "none"  # forward pass: no delta yet
    w.slider.value = w.stepper.trace.find("delta", "D0").index + 1
    assert w.activation_image.layout.display is None
    assert w.activation_plot.name == "sigmoid" and w.activation_plot.z == pytest.approx(z[1][0, 0])
    png_d0 = w.activation_image.value
    w.forward_button.click()  # delta of Z1: its own z
    assert w.activation_plot.z == pytest.approx(z[0][0, 0]) and w.activation_image.value != png_d0
    w.back_button.click()
    assert w.activation_image.value == png_d0
    w.end_button.click()
    assert w.activation_image.layout.display == "none"


def test_text_repr_is_short_and_deterministic():
    a, b = StepThrough.from_example(), StepThrough.from_example()
    ra, rb = a._repr_mimebundle_(), b._repr_mimebundle_()
    assert ra["text/plain"] == rb["text/plain"] == (
        "StepThrough: 35 steps of one update under 'article' rule, at step 1 of 35 — forward\n"
        "(run this cell to show the interactive widget)")
    assert "application/vnd.jupyter.widget-view+json" in ra


def test_play_speed_and_rule_switch_keep_slider_in_range():
    ex = bpnet.xor_example()
    w = StepThrough(ex.net, ex.X, ex.y, ex.lr, rule="gradient")
    assert w.slider.max == w.play.max == 63
    w.speed.value = 4.0
    assert w.play.interval == 250
    w.end_button.click()
    w.rule_toggle.value = "article"  # 62 steps: no batch cost J
    assert w.slider.max == w.play.max == 62 and w.slider.value == 62
    assert w.step_label.value == "step 62 of 62 — updates"


def test_activation_explorer():
    e = ActivationExplorer()
    e.z_slider.value = 4.0
    assert "f(z) = 0.982014" in e.reading.value and "Saturated" in e.reading.value
    png = e.image.value
    e.choice.value = "relu"
    assert "f'(z) = 1" in e.reading.value and e.image.value != png
    e.z_slider.value = -2.0
    assert "f(z) = 0</code>" in e.reading.value and "no gradient" in e.reading.value
    assert e.plot.df_point.get_xydata()[0] == pytest.approx([-2.0, 0.0])
    assert repr(e).startswith("ActivationExplorer: relu: z = -2")


def test_training_view_follows_the_stepper():
    ex = bpnet.xor_example()
    net = bpnet.Network.random([2, 4, 1], "sigmoid", seed=0)
    v = TrainingView(net, ex.X, ex.y, epochs=60, lr=2.0, every=10)
    history = net.copy().train(ex.X, ex.y, 60, lr=2.0)
    v.forward_button.click()
    assert v.stepper.index == 10 and v.slider.value == 10
    assert v.status.value == f"epoch 10 — cost {bpnet.fmt(v.stepper.cost)}"
    assert np.allclose(v.loss_plot.line.get_ydata(), history[:11])
    v.end_button.click()
    assert v.progress.value == 60 and v.stepper.index == 60
    v.back_button.click()
    assert v.stepper.index == 50 and v.stepper.cost == pytest.approx(history[50], abs=1e-14)
    v.slider.value = 20
    assert v.stepper.index == 20
    assert np.allclose(v.boundary_plot.image.get_array(),
                       v.stepper.net.predict(v.boundary_plot.grid)[:, 0].reshape(v.boundary_plot.shape))
    assert repr(v) == f"TrainingView: epoch 20 — cost {bpnet.fmt(history[20])} (of 60)"


def test_text_fallback_says_how_to_get_the_widget():
    """Where a stored widget cannot be drawn (before its cell runs), its text says what to do."""
    from bpnet.widgets import ActivationExplorer, StepThrough

    for view in (StepThrough.from_example(rule="article"), ActivationExplorer()):
        text = view._repr_mimebundle_()["text/plain"]
        assert text.startswith(repr(view)) and text.endswith("(run this cell to show the interactive widget)")
