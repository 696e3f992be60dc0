"""The graph step-through widget: controls, formula panel and node table all show the same step."""

import pytest

from bpnet.explain.autograd import inputs
from bpnet.views.graph_widgets import GraphStepThrough, cost_ratio_view


def fork_graph():
    a, b = inputs(a=1.5, b=-0.5)
    return ((a * b).named("c") + a.exp().named("d")).named("L")


@pytest.fixture
def view():
    return GraphStepThrough(fork_graph())


def test_forward_and_back_move_every_part_together(view):
    st = view.stepper
    first = (view.step_label.value, view.formula.value, view.nodes.value, view.diagram_image.value)
    assert view.slider.value == 1 and first[0] == f"step 1 of {st.n} — forward"
    view.forward_button.click()
    assert view.slider.value == 2 and view.step_label.value == f"step 2 of {st.n} — forward"
    assert view.formula.value != first[1] and view.diagram_image.value != first[3]
    view.back_button.click()
    assert (view.step_label.value, view.formula.value, view.nodes.value, view.diagram_image.value) == first
    view.back_button.click()  # harmless at the start
    assert st.index == 0
    view.next_phase_button.click()
    assert "Backward pass" in view.formula.value and st.current.kind == "seed"
    view.slider.value = 5
    assert st.index == 4 and view.step_label.value.startswith("step 5 of")
    view.end_button.click()
    assert st.at_end and view.slider.value == st.n
    view.start_button.click()
    assert st.index == 0


def test_a_fork_shows_its_branches_adding(view):
    i = next(s.index for s in view.stepper.trace if s.kind == "sum")
    view.goto(i)
    html = view.formula.value
    assert "a fork: a feeds several nodes" in html
    assert "the branches add: <code>4.48169 (from d) + (-0.5) (from c) = 3.98169</code>" in html
    assert '<tr data-node="a" aria-current="true">' in view.nodes.value


def test_the_node_table_has_every_node_and_dashes_until_computed(view):
    html = view.nodes.value
    assert html.count("<tr data-node=") == 5
    assert '<tr data-node="L"><th scope="row" title="node">L</th>' in html and "—" in html
    view.end_button.click()
    assert "—" not in view.nodes.value.split("</caption>")[1]


def test_text_form_is_deterministic():
    view = GraphStepThrough(fork_graph(), lr=0.1)  # no param node: nothing to update
    assert repr(view) == "GraphStepThrough: 15 steps through the graph of L (5 nodes), at step 1 of 15 — forward"
    assert view._repr_mimebundle_()["text/plain"].endswith("(run this cell to show the interactive widget)")
    with pytest.raises(TypeError):
        GraphStepThrough(3.0)
    f = GraphStepThrough(lambda x, y: (x * y).tanh(), x=0.5, y=2.0)
    assert repr(f).startswith("GraphStepThrough: 9 steps through the graph of L (4 nodes)")


def test_a_measured_figure_keeps_no_numbers_in_its_text_form():
    view = cost_ratio_view([15, 37, 105], [20.0, 31.5, 80.2])
    data = view._repr_mimebundle_()
    assert data["text/plain"] == ("Figure: numerical gradient time / backprop time against the number of weights\n"
                                  "(run this cell to measure on your machine)")
    assert view.widget.value[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow
def test_redrawing_only_what_changed_gives_the_same_picture_as_drawing_everything():
    import numpy as np

    from bpnet.views.graph_widgets import Frames

    x, w, b = inputs(x=1.5, w=0.8, b=-0.5)
    L = (0.5 * ((w * x + b).sigmoid() - 1.0) ** 2).named("L")
    view = GraphStepThrough(L)
    st, drawing = view.stepper, view.drawing
    fig = drawing.ax.figure
    frames = Frames(fig, drawing)
    frames.full()
    for move in [st.forward] * 12 + [st.next_phase] + [st.forward] * 3 + [st.back] * 3 + [st.start]:
        move()
        changed = drawing.update(st.state, st.current, f"{st.label}:  {st.current.text}")
        frames.update(changed)
        incremental = np.asarray(fig.canvas.buffer_rgba()).copy()
        fig.canvas.draw()
        full = np.asarray(fig.canvas.buffer_rgba())
        # Agg's clipping may round the coverage of an antialiased edge pixel by a level or two.
        differ = np.abs(incremental.astype(int) - full.astype(int)).max(axis=2) > 3
        assert differ.sum() == 0, (st.index, int(differ.sum()), np.argwhere(differ)[:5])


def test_play_moves_on_by_itself_and_pause_keeps_the_step(view):
    import time

    view.speed.value = 8.0
    view.toggle_play()
    assert view.playing and view.play_button.description == "pause"
    deadline = time.monotonic() + 60  # a hang guard, not a timing check
    while view.stepper.index < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    view.pause()
    kept = view.stepper.index
    assert kept >= 2 and not view.playing and view.play_button.description == "play"
    time.sleep(0.5)
    assert view.stepper.index == kept  # pause is not stop: the step stays
    assert view.slider.value == kept + 1 and view.step_label.value.startswith(f"step {kept + 1} of")
    view.forward_button.click()
    assert view.stepper.index == kept + 1
