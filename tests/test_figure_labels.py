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
