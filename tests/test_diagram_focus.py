"""A big network's step-through draws each step's own units and a few others, never all of them."""

from __future__ import annotations

import re

import numpy as np

import bpnet
import bpnet.views.plots
from bpnet.views.plots import MAX_DRAWN_UNITS, diagram_layout, focus_units, network_svg


def _big():
    net = bpnet.Network.random([64, 32, 10], activations=["tanh", "softmax"], seed=1)
    rng = np.random.default_rng(0)
    x, y = rng.uniform(0, 1, (1, 64)), np.eye(10)[[3]]
    return net, bpnet.trace_step(net, x, y, lr=0.5, loss="categorical_cross_entropy")


def test_a_small_network_draws_every_unit():
    net = bpnet.xor_example().net
    assert focus_units(net, bpnet.trace_step(net, [[0, 0]], [[0]])[3]) is None
    assert len(diagram_layout(net).units) == sum(net.sizes) + net.n_layers


def test_every_step_of_a_big_network_draws_its_own_units_and_at_most_a_few_per_layer():
    net, trace = _big()
    for i in list(range(0, len(trace), 97)) + [len(trace) - 1]:
        step = trace[i]
        shown = focus_units(net, step)
        lay = diagram_layout(net, shown)
        assert all(len(s) == min(n, MAX_DRAWN_UNITS) for s, n in zip(shown, net.sizes))
        own = step.name.split("->") if step.kind in ("gradient", "update") else [step.name.strip("z()")]
        for unit in own:
            assert unit in lay.units or unit.startswith("L"), (i, unit)
        if step.kind in ("gradient", "update"):
            assert step.name in lay.links
        assert len(lay.units) <= 3 * (MAX_DRAWN_UNITS + 1) and lay.height < 900
        counts = sorted(count for _x, _y, count in lay.elided.values())
        assert counts == sorted(n - MAX_DRAWN_UNITS for n in net.sizes if n > MAX_DRAWN_UNITS)


def test_the_focused_diagram_says_how_many_units_it_leaves_out_and_shows_true_values():
    net, trace = _big()
    i = next(i for i, s in enumerate(trace) if s.kind == "delta" and s.name == "Z17")
    step, state = trace[i], trace.state_at(i)
    lay = diagram_layout(net, focus_units(net, step))
    svg = network_svg(net, state, step, layout=lay)
    assert re.findall(r"⋮ (\d+) more", svg) == ["58", "26", "4"]
    x, y, layer, k, bias = lay.units["Z17"]
    assert (layer, k) == (1, 16)  # Z17 is hidden unit 17: its values are the 17th unit's, not the 7th drawn
    delta = state.delta[0][0, 16]
    assert f"δ={bpnet.views.plots.short(delta)}" in svg
