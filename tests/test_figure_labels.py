"""Figures and step texts that read right: what a learner saw clipped or misleading in JupyterLab."""

import numpy as np

from bpnet.explain.autograd import inputs
from bpnet.views.graph_plots import draw_graph


def _gates():
    x, y, z, w = inputs(x=3.0, y=-4.0, z=2.0, w=-1.0)
    s = ((x * y).named("q") + z.max(w).named("m")).named("s")
    return (s * 2.0).named("f").backward()


def test_the_first_chain_step_names_its_local_factor_so_it_does_not_read_as_circular():
    trace = _gates()
    step = trace.find("chain", "s->f")
    assert step.formula == "∂f/∂s = ∂f/∂f*(local ∂f/∂s)" and step.numbers == "1*2 = 2"
    assert r"\text{local}" in trace.latex(step)
    # further down the chain the factors have different names already
    assert trace.find("chain", "q->s").formula == "∂f/∂q = ∂f/∂s*∂s/∂q"


def test_every_graph_text_is_at_least_9_points():
    d = draw_graph(None, _gates())
    sizes = [t.get_fontsize() for t in d.texts + d.labels] + [d.title.get_fontsize()]
    assert min(sizes) >= 9, sorted(set(sizes))
    import matplotlib.pyplot as plt
    plt.close("all")


def _yellow_rows(png: bytes) -> np.ndarray:
    import io

    from PIL import Image

    px = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    yellow = (np.abs(px - np.array([240, 228, 66])) < 6).all(axis=2)
    return np.flatnonzero(yellow.any(axis=1))


def test_a_tall_graph_shows_the_window_around_the_current_step():
    """A long chain wrapped into bands is taller than a laptop's view: the picture is the window of
    max_height rows around the current step's node, which moves with the step (the whole picture below)."""
    from bpnet.explain.autograd import Value
    from bpnet.views.graph_widgets import GraphStepThrough

    x = Value(0.5, "x", const=True)
    v = x
    for k in range(9):
        v = (v * Value(0.9, f"w{k}", param=True) + Value(0.1, f"b{k}", param=True)).named(f"z{k}").tanh().named(f"h{k}")
    w = GraphStepThrough(v, lr=0.5)
    full_height = w._fig.canvas.get_width_height()[1]
    assert full_height > w.max_height
    for move in (w.stepper.start, w.stepper.end):
        move()
        w._show()
        rows = _yellow_rows(w.diagram_image.value)
        assert len(rows) > 10, "the current node is not in the picture shown"
        top, bottom = w.window()
        assert bottom - top == w.max_height and "the table below lists every node" in w.diagram_note.value
    a, b = inputs(a=2.0, b=-3.0)
    small = GraphStepThrough((a * b).named("L"))
    assert small.window() is None and small.diagram_note.layout.display == "none"
