"""What the notebooks' prose claims about deep networks, measured (notebook 07, section 5)."""

from __future__ import annotations

import numpy as np
import pytest

import bpnet

WIDE = [64] * 21


@pytest.fixture(scope="module")
def inputs():
    rng = np.random.default_rng(0)
    return rng.normal(size=(300, 64)), rng.uniform(-0.5, 0.5, size=(300, 64))


def _measure(net, X, Y):
    fwd = net.forward(X)
    rms = [float(np.sqrt(np.mean(d ** 2))) for d in net.backward(fwd, Y)]
    return [float(np.var(z)) for z in fwd.z], rms


def _gain(seed, gain):
    r = np.random.default_rng(seed)
    return bpnet.Network([np.vstack([np.zeros((1, 64)), r.normal(0.0, gain * np.sqrt(2 / 128), (64, 64))])
                          for _ in range(20)], "tanh")


def test_tanh_with_standard_normal_weights_explodes_the_deltas_not_vanishes_them(inputs):
    var, rms = _measure(bpnet.Network.random(WIDE, activations="tanh", init="normal", seed=0), *inputs)
    assert min(var) > 40                                   # values saturated, not vanishing: Var(z) ~ n_in
    assert (rms[0] / rms[-1]) ** (1 / 19) > 1.5            # deltas grow toward the input, layer after layer


def test_tanh_gain_5_3_is_above_he_and_keeps_the_variance_level(inputs):
    assert (5 / 3) ** 2 * 2 / 128 > 2 / 64                 # σ² above He's 2/n_in for 64 -> 64
    var, _ = _measure(_gain(0, 5 / 3), *inputs)
    assert 0.7 < min(var[1:]) and max(var[1:]) < 1.6       # level from layer 2 to 20
    var_x, _ = _measure(bpnet.Network.random(WIDE, activations="tanh", init="xavier", seed=0), *inputs)
    assert var_x[-1] < var_x[1] / 4                        # while Xavier's falls with depth
