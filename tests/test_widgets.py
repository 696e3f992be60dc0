"""The widgets without a browser: built in pytest, driven by clicks and slider values."""

import html
import re

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import ipywidgets  # noqa: E402
import pytest  # noqa: E402

import bpnet  # noqa: E402
from bpnet.views.widgets import ActivationExplorer, StepThrough, TrainingView  # noqa: E402

CONTRACT = ("bp-start", "bp-back", "bp-forward", "bp-end", "bp-next-phase", "bp-play", "bp-speed", "bp-slider",
            "bp-step-label", "bp-live", "bp-formula", "bp-touched", "bp-weights", "bp-all-weights", "bp-rule",
            "bp-diagram", "bp-activation")


def _table(w, which: str = "weights") -> dict[str, list[str]]:
    """A weight table as {name: [before, gradient, after]}, read back from its HTML.

    ``which``: "weights" (the full table, unfolded first) or "touched" (this step's rows).
    """
    if which == "weights":
        w.all_weights.selected_index = 0
    rows = re.findall(r"<tr [^>]*><th[^>]*>(.*?)</th>(.*?)</tr>", getattr(w, which).value)
    return {html.unescape(name): [html.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", cells)]
            for name, cells in rows}


def _plain(value: str) -> str:
    """What a reader sees of an HTML value: tags dropped, entities and no-break spaces resolved."""
    return html.unescape(re.sub(r"<[^>]+>", "", value)).replace("\u00a0", " ")


def _formula_shows(w, step) -> bool:
    """The formula panel shows ``step`` with its numbers: typeset (LaTeX) if the trace has it, else as text."""
    latex = getattr(step, "numbers_latex", None)
    return (latex in w.formula.value) if latex is not None else (step.numbers in _plain(w.formula.value))


def _walk(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _walk(child)


def test_css_class_contract():
    w = StepThrough.from_example()
    assert "bp-stepper" in w.widget._dom_classes
    classes = {c for child in _walk(w.widget) for c in child._dom_classes}
    assert set(CONTRACT) <= classes
    assert "bp-forward" in w.forward_button._dom_classes and "bp-diagram" in w.diagram_view._dom_classes
    assert w.weights.value == ""  # the full table is folded and not built...
    w.all_weights.selected_index = 0
    assert w.weights.value.count("<tr ") == 13  # ...until unfolded: one <tr> per weight, nothing else


def test_article_rule_first_update_of_X0_Z1_shows_1_to_1_4_then_gradient_rule_0_6():
    w = StepThrough.from_example(rule="article")
    target = w.stepper.trace.find("update", "X0->Z1").index
    for _ in range(target):
        w.forward_button.click()
    assert w.step_label.value == f"step {target + 1} of 35 — updates"
    row = _table(w)["X0->Z1"]
    assert row == ["1", "-4", "1.4 ▲"]
    assert "1 - 0.1*(-4) = 1.4" in _plain(w.live.value)
    assert "w(X0->Z1) := w(X0->Z1) - lr*g(X0->Z1)" in _plain(w.live.value)
    assert _formula_shows(w, w.stepper.current)
    assert _table(w, "touched") == {"X0->Z1": ["1", "-4", "1.4 ▲"]}  # this step's row, always in view
    assert _table(w)["X0->Z2"] == ["1", "—", "—"]  # not reached yet
    w.rule_toggle.value = "gradient"
    assert w.stepper.rule == "gradient"
    assert w.step_label.value == f"step {target + 1} of 35 — updates"
    assert _table(w)["X0->Z1"] == ["1", "4", "0.6 ▼"]
    assert "1 - 0.1*4 = 0.6" in _plain(w.live.value) and _formula_shows(w, w.stepper.current)
    # the other rule's number, for contrast, typeset like the step's own
    assert r"⚠ differs under the article's rule" in _plain(w.formula.value)
    assert r"$1 - 0.1 \cdot \left(-4\right) = {\color{#D55E00}{1.4}}$" in _plain(w.formula.value)


def test_buttons_and_slider_move_through_the_trace():
    w = StepThrough.from_example(rule="article")
    n = w.stepper.n
    w.back_button.click()  # harmless at the start
    assert w.step_label.value == f"step 1 of {n} — forward" and w.slider.value == 1
    w.next_phase_button.click()
    assert w.step_label.value == f"step 5 of {n} — loss" and w.slider.value == 5
    assert "0 - 4 = -4" in _plain(w.live.value)
    w.end_button.click()
    w.forward_button.click()  # harmless at the end
    assert w.slider.value == n and w.step_label.value == f"step {n} of {n} — updates"
    assert all(row[2] != "—" for row in _table(w).values())
    w.slider.value = 6
    assert w.step_label.value == f"step 6 of {n} — deltas"
    assert "δ(D0) = y - D0" in _plain(w.live.value)
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
        assert step.numbers in _plain(w.live.value) and _formula_shows(w, step)
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


def test_diagram_is_redrawn_for_every_step_from_the_stepper_state():
    from bpnet.views.plots import network_svg

    w = StepThrough.from_example(rule="article")
    first = w.diagram_view.value
    assert first.startswith("<svg") and 'role="img"' in first
    w.forward_button.click()
    assert w.diagram_view.value != first
    st = w.stepper
    assert "highlighted unit Z2" in w.diagram_view.value  # its alt text names the step's unit
    w.slider.value = st.trace.find("update", "Z1->D0").index + 1
    done = [r.name for r in st.weight_rows() if r.after is not None]
    # exactly the picture of (state, highlight, updated): nothing left over from earlier steps
    assert w.diagram_view.value == network_svg(st.trace.before, st.state, st.current, done, st.sample,
                                               description=w.diagram_description())
    assert ">1 → 1.4 ▲</text>" in w.diagram_view.value and html.escape("highlighted weight Z1->D0") in w.diagram_view.value


def test_label_slider_formula_and_diagram_always_show_the_same_step():
    w = StepThrough.from_example(rule="article")
    rng = np.random.default_rng(1)
    for _ in range(40):
        action = rng.integers(0, 5)
        if action == 0:
            w.forward_button.click()
        elif action == 1:
            w.back_button.click()
        elif action == 2:
            w.next_phase_button.click()
        elif action == 3:
            w.slider.value = int(rng.integers(1, w.stepper.n + 1))
        else:
            w.rule_toggle.value = "gradient" if w.rule_toggle.value == "article" else "article"
        k = w.stepper.index + 1
        assert w.slider.value == k and _plain(w.step_label.value).startswith(f"step {k} of ")
        assert _formula_shows(w, w.stepper.current) and f"step {k} of " in w.diagram_view.value


def test_activation_panel_shows_on_delta_steps_with_z_marked():
    net = bpnet.Network.random([2, 2, 1], "sigmoid", seed=2)
    w = StepThrough(net, [[1.0, -0.5]], [[1.0]], lr=0.5)
    z = net.forward([[1.0, -0.5]]).z
    assert w.activation_view.layout.display == "none"  # forward pass: no delta yet
    w.slider.value = w.stepper.trace.find("delta", "D0").index + 1
    assert w.activation_view.layout.display is None
    d0 = w.activation_view.value
    assert "sigmoid" in d0 and f"z = {bpnet.fmt(z[1][0, 0])} marked" in d0
    w.forward_button.click()  # delta of Z1: its own z
    assert f"z = {bpnet.fmt(z[0][0, 0])} marked" in w.activation_view.value and w.activation_view.value != d0
    w.back_button.click()
    assert w.activation_view.value == d0
    w.end_button.click()
    assert w.activation_view.layout.display == "none"


def test_every_button_has_a_label_and_a_tooltip():
    from bpnet.views.widgets import BUTTONS

    for view in (StepThrough.from_example(), TrainingView(bpnet.Network.random([2, 2, 1], seed=0),
                                                          [[0, 0], [1, 1]], [[0], [1]], epochs=4)):
        buttons = [b for b in _walk(view.widget) if isinstance(b, ipywidgets.Button)]
        assert len(buttons) >= 5
        for b in buttons:
            assert b.description.strip() and len(b.tooltip) > len(b.description), (b.description, b.tooltip)
    w = StepThrough.from_example()
    assert [(getattr(w, a).description, getattr(w, a).tooltip) for a, *_ in BUTTONS] == [(t, tip) for _, t, _, tip, _ in BUTTONS]


def test_text_repr_is_short_and_deterministic():
    a, b = StepThrough.from_example(), StepThrough.from_example()
    ra, rb = a._repr_mimebundle_(), b._repr_mimebundle_()
    assert ra["text/plain"] == rb["text/plain"] == (
        "StepThrough: 35 steps of one update under 'article' rule, at step 1 of 35 — forward\n"
        "(run this cell to show the interactive widget)")
    assert "application/vnd.jupyter.widget-view+json" in ra


def test_rule_switch_keeps_slider_in_range():
    ex = bpnet.xor_example()
    w = StepThrough(ex.net, ex.X, ex.y, ex.lr, rule="gradient")
    assert w.slider.max == 63
    w.end_button.click()
    w.rule_toggle.value = "article"  # 62 steps: no batch cost J
    assert w.slider.max == 62 and w.slider.value == 62
    assert _plain(w.step_label.value) == "step 62 of 62 — updates"


def test_play_skips_frames_rather_than_falling_behind():
    from bpnet.views.widgets import Player

    # the frame due is a function of the clock alone: a slow redraw skips steps, never queues them
    assert [Player.frame(3, 10.0, t, 4.0, 30) for t in (10.0, 10.2, 10.26, 11.0, 13.0, 99.0)] == [3, 3, 4, 7, 15, 30]
    assert Player.frame(0, 0.0, 1.0, 2.0, 100, step=10) == 20


def test_play_then_pause_keeps_the_step_and_everything_agrees():
    w = StepThrough.from_example(rule="article")
    w.goto(4)
    w.speed.value = 8.0
    w.play_button.click()
    assert w.playing and w.play_button.description == "pause" and "Pause" in w.play_button.tooltip
    import time

    deadline = time.monotonic() + 10
    while w.stepper.index < 8 and time.monotonic() < deadline:
        time.sleep(0.02)
    w.play_button.click()  # pause
    assert not w.playing and w.play_button.description == "play"
    k = w.stepper.index
    assert k >= 8
    time.sleep(0.3)
    assert w.stepper.index == k and w.slider.value == k + 1  # paused where it was, not back at step 1
    assert _plain(w.step_label.value).startswith(f"step {k + 1} of ") and _formula_shows(w, w.stepper.current)
    w.forward_button.click()
    assert w.stepper.index == k + 1
    # playing to the end stops there by itself
    w.goto(w.stepper.n - 3)
    w.play_button.click()
    deadline = time.monotonic() + 10
    while w.playing and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not w.playing and w.stepper.at_end and w.play_button.description == "play"


def test_activation_explorer():
    e = ActivationExplorer()
    e.z_slider.value = 4.0
    assert "f(z) = 0.982" in _plain(e.reading.value) and "Saturated" in e.reading.value
    svg = e.image.value
    assert svg.startswith("<svg") and "z = 4 marked" in svg
    e.choice.value = "relu"
    assert "f'(z) = 1" in _plain(e.reading.value) and e.image.value != svg
    e.z_slider.value = -2.0
    assert "f(z) = 0" in _plain(e.reading.value) and "no gradient" in e.reading.value
    assert "f&#x27;(z) = 0" in e.image.value  # the alt text reads the marked point
    assert repr(e).startswith("ActivationExplorer: relu: z = -2")


def test_readouts_are_rounded_to_what_matters():
    from bpnet.views.widgets import rounded_percentages

    e = ActivationExplorer("sigmoid", z=2.0)
    text = _plain(e.reading.value)
    assert "42 % of its peak" in text and "41.99" not in text
    assert "f(z) = 0.881" in text and "0.880797" not in text
    assert rounded_percentages("below 10% and 41.9974%") == "below 10 % and 42 %"


def test_training_view_follows_the_stepper():
    ex = bpnet.xor_example()
    net = bpnet.Network.random([2, 4, 1], "sigmoid", seed=0)
    v = TrainingView(net, ex.X, ex.y, epochs=60, lr=2.0, every=10)
    history = net.copy().train(ex.X, ex.y, 60, lr=2.0)
    v.forward_button.click()
    assert v.stepper.index == 10 and v.slider.value == 10
    assert _plain(v.status.value) == f"epoch 10 — cost {bpnet.fmt(v.stepper.cost)}"
    assert v.image.value.count("<svg") == 2  # the cost curve and the output over the square
    assert f"epoch 10: cost {bpnet.fmt(history[10])}" in v.image.value
    v.end_button.click()
    assert v.progress.value == 60 and v.stepper.index == 60
    v.back_button.click()
    assert v.stepper.index == 50 and v.stepper.cost == pytest.approx(history[50], abs=1e-14)
    v.slider.value = 20
    assert v.stepper.index == 20
    from bpnet.views.plots import boundary_grid

    assert np.array_equal(v.boundary_values, v.stepper.net.predict(boundary_grid())[:, 0].reshape(81, 81))
    assert repr(v) == f"TrainingView: epoch 20 — cost {bpnet.fmt(history[20])} (of 60)"


def test_text_fallback_says_how_to_get_the_widget():
    """Where a stored widget cannot be drawn (before its cell runs), its text says what to do."""
    from bpnet.views.widgets import ActivationExplorer, StepThrough

    for view in (StepThrough.from_example(rule="article"), ActivationExplorer()):
        text = view._repr_mimebundle_()["text/plain"]
        assert text.startswith(repr(view)) and text.endswith("(run this cell to show the interactive widget)")


# ----- branch and compare ------------------------------------------------------------------
def test_compare_steps_shows_both_runs_and_marks_what_differs():
    from bpnet.views.stepper import StepComparison
    from bpnet.views.widgets import CompareSteps

    w = StepThrough.from_example(rule="article")
    w.goto(w.stepper.trace.find("update", "X0->Z1").index)
    c = w.compare(lr=0.5)
    assert isinstance(c, CompareSteps) and c.comparison.index == w.stepper.index  # branched from the step shown
    assert repr(c).startswith("CompareSteps: 35 steps, base (lr 0.1, loss half_squared_error, rule article) "
                              "against a branch (lr 0.5), at step")
    pure = StepComparison(*(lambda ex: (ex.net, ex.X[:1], ex.y[:1], ex.lr))(bpnet.xor_example()), rule="article",
                          branch={"lr": 0.5}, index=w.stepper.index)
    v = pure.view()
    assert v.differs and "X0->Z1" in v.marked
    # the update of X0->Z1: 1 - 0.1*(-4) = 1.4 against 1 - 0.5*(-4) = 3, both shown, the weight marked ⚠
    assert v.base.step.numbers_latex in c.base_formula.value and v.branch.step.numbers_latex in c.branch_formula.value
    assert "1 - 0.5*(-4) = 3" in _plain(c.live.value) and "1 - 0.1*(-4) = 1.4" in _plain(c.live.value)
    assert ">⚠ 1 → 1.4 ▲</text>" in c.base_diagram.value and ">⚠ 1 → 3 ▲</text>" in c.branch_diagram.value
    assert "⚠ this step" in _plain(c.summary.value) and "X0->Z1" in _plain(c.summary.value)
    c.start_button.click()  # rewinding: the forward pass is the same in both runs
    assert c.slider.value == 1 and "⚠" not in c.base_diagram.value and "⚠" not in c.branch_diagram.value
    assert "the same in both runs" in _plain(c.summary.value)
    c.slider.value = 20
    assert _plain(c.step_label.value).startswith("step 20 of 35")


def test_compare_steps_branch_with_another_rule_has_fewer_or_different_steps():
    from bpnet.views.widgets import CompareSteps

    ex = bpnet.xor_example()
    c = CompareSteps(ex.net, ex.X, ex.y, ex.lr, rule="gradient", branch={"rule": "article"})
    c.slider.value = c.comparison.n  # the batch cost J: the article's rule has no such step
    assert c.comparison.counterpart is None or c.branch_formula.value
    if c.comparison.counterpart is None:
        assert "no such step" in _plain(c.branch_formula.value) and c.branch_diagram.value == ""


def test_compare_training_overlays_the_costs_and_rewinds_to_the_same_start():
    ex = bpnet.xor_example()
    net = bpnet.Network.random([2, 3, 1], ["tanh", "sigmoid"], seed=0)
    v = TrainingView(net, ex.X, ex.y, epochs=40, lr=2.0, every=10)
    v.forward_button.click()
    c = v.compare(lr=0.5)
    assert c.comparison.at == 10 and c.comparison.index == 10
    c.end_button.click()
    base, branch = c.comparison.costs
    label = f"Cost after each epoch: base from {bpnet.fmt(base[0])} to {bpnet.fmt(base[-1])} after 40; " \
            f"branch (lr 0.5) from {bpnet.fmt(branch[0])} to {bpnet.fmt(branch[-1])} after 40; " \
            f"the second run splits off at epoch 10 (lr changed here)"
    assert f'aria-label="{label}"' in c.image.value  # both curves and where they part, said in words
    assert c.image.value.count("<polyline") >= 2 + 2 and c.image.value.count("<svg") == 3
    assert np.array_equal(base[:11], branch[:11]) and base[-1] != branch[-1]  # same until the split
    alone = bpnet.views.stepper.TrainingStepper(net, ex.X, ex.y, 2.0)
    alone.goto(40)
    assert base[-1] == alone.cost  # the base is the training the view showed
    from bpnet.views.plots import boundary_grid

    assert np.array_equal(c.boundary_values[1], c.comparison.branch_net.predict(boundary_grid())[:, 0].reshape(81, 81))
    assert not np.array_equal(c.boundary_values[0], c.boundary_values[1])
    c.start_button.click()
    assert c.comparison.index == 0 and np.array_equal(*c.comparison.costs)
    assert repr(c).startswith("CompareTraining: epoch 0 — cost ")


def test_formula_text_never_breaks_inside_a_name_or_a_number():
    w = StepThrough.from_example(rule="gradient")
    # In the step's words (the live panel): a token with a hyphen, arrow or bracket is one unbreakable
    # span; spaces are the only breaks.
    seen = set()
    for _ in range(30):
        words, shown = w.live_text(), w.live.value
        for token in words.split(" "):
            if re.search(r"[^\w.]", token):
                assert f'<span class="bp-tok">{html.escape(token)}</span>' in shown, (token, shown)
                seen.update(kind for kind, pattern in (("name", "->"), ("number", r"\d")) if re.search(pattern, token))
        w.forward_button.click()
    assert seen == {"name", "number"}, f"no weight name or no number with a sign or bracket in 30 steps: {seen}"
    assert ".bp-formula .bp-tok, .bp-live .bp-tok { white-space: nowrap; }" in w.widget.children[0].value


def test_speed_is_one_implementation_and_changes_the_rate_while_playing():
    from bpnet.explain.autograd import inputs
    from bpnet.views.graph_widgets import GraphStepThrough

    a, b = inputs(a=1.5, b=-0.5)
    graph = GraphStepThrough(((a * b).named("c") + a.exp().named("d")).named("L"))
    for w in (StepThrough.from_example(rule="article"), graph):  # both step-throughs, the same way
        w.speed.value = 2.0
        assert w.rate == 2.0 and not w.playing
        w.toggle_play()
        try:
            w.speed.value = 8.0
            assert w.rate == 8.0 and w.playing  # plays on, from the step shown, at the new rate
        finally:
            w.pause()


def test_a_click_in_a_kernel_shows_the_diagram_first_and_typesets_the_formula_after():
    """In a kernel's handler (an event loop running) the formula follows the diagram by
    typeset_delay, and clicks within the delay share one typesetting of the newest step."""
    import asyncio

    w = StepThrough.from_example(rule="article")
    first = w.formula.value

    async def two_quick_clicks():
        w.forward_button.click()
        shown = (w.stepper.index, w.formula.value, w.diagram_view.value)
        w.forward_button.click()
        pending = w.formula.value
        await asyncio.sleep(w.typeset_delay * 3)
        return shown, pending

    (index, formula_then, diagram), pending = asyncio.run(two_quick_clicks())
    assert index == 1 and diagram != "" and formula_then == first and pending == first  # not yet typeset
    assert w.stepper.index == 2 and _formula_shows(w, w.stepper.current)  # the newest step, once
    # outside an event loop (code, tests, the player's thread) the formula is set at once
    w.forward_button.click()
    assert _formula_shows(w, w.stepper.current)


def test_activation_explorer_takes_a_spec():
    """A leaky ReLU with its own slope is shown with that slope."""
    e = ActivationExplorer("leaky_relu(0.2)", z=-1.0)
    assert e.choice.value == "leaky_relu(0.2)" and "leaky_relu" in e.choice.options
    assert "f(z) = -0.2" in _plain(e.reading.value) and "f'(z) = 0.2" in _plain(e.reading.value)
    e.choice.value = "leaky_relu"
    assert "f(z) = -0.01" in _plain(e.reading.value)
    assert ActivationExplorer("leaky-relu").choice.value == "leaky_relu"  # the default slope: by its name
    assert ActivationExplorer("linear").choice.value == "identity"


def test_activation_explorer_shows_softmax_on_a_vector_of_scores():
    """Softmax (not elementwise) is offered, read on three scores (z, 1, -1): the three shares add up to
    1, and how each moves with z is the slope of bpnet's softmax by central differences."""
    from bpnet.core.activations import get_activation

    e = ActivationExplorer("sigmoid", z=0.5)
    assert "softmax" in e.choice.options
    e.choice.value = "softmax"
    text = _plain(e.reading.value)
    sm, h = get_activation("softmax"), 1e-6
    a = sm.f(np.array([[0.5, 1.0, -1.0]]))[0]
    slope = (sm.f(np.array([[0.5 + h, 1.0, -1.0]])) - sm.f(np.array([[0.5 - h, 1.0, -1.0]])))[0] / (2 * h)
    assert abs(a.sum() - 1) < 1e-12
    for k in range(3):
        assert f"a{k + 1} = {format(a[k], '.3g')}" in text, text
        assert f"da{k + 1}/dz1 = {format(slope[k], '.3g')}" in text, text
    assert "z = (0.5, 1, -1)" in text and "bp-activation-svg" in e.image.value and "a1" in e.image.value
    assert "softmax" in repr(e) and "f(z)" not in repr(e)
    e.z_slider.value = -6.0  # far below the other scores: its share is near 0 and barely moves
    assert "barely moves" in _plain(e.reading.value)
