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


def test_leaving_out_the_sigmoids_derivative_under_squared_error_is_told_it_is_cross_entropys_delta():
    """Notebook 03, Exercise 2b: a - y without σ'(z) is right for cross-entropy, not for ½(a - y)²."""
    from bpnet.teach import exercises

    net = bpnet.Network([np.array([[-0.2], [0.5]])], ["sigmoid"])
    X = np.array([[-0.8], [-0.5], [0.1], [0.6], [0.9]])
    y = np.array([[0.0], [0.0], [1.0], [1.0], [1.0]])
    a = net.forward(X).output
    result = exercises.check_update(net, X, y, "X1->D0", 0.5 - 0.3 * np.mean((a - y) * X), lr=0.3)
    assert not result and "right output delta for binary cross entropy" in str(result)
    # and that answer is right under cross-entropy
    assert exercises.check_update(net, X, y, "X1->D0", 0.5 - 0.3 * np.mean((a - y) * X), lr=0.3,
                                  loss="binary_cross_entropy")
