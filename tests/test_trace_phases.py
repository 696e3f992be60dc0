"""The trace asks activations and losses for their text, and shows frozen weights held fixed."""

import numpy as np
import pytest

import bpnet
from bpnet.core.activations import Activation
from bpnet.explain.activation_reading import activation_reading, explorer_activations, saturation_ranges
from bpnet.core.losses import Loss


class Softplus(Activation):
    """Defined here, not in bpnet: the trace and the explorer must handle it from its own description."""

    name = symbol = "softplus_test"
    formula, formula_latex = "log(1 + e^z)", r"\log(1 + e^{z})"
    derivative, derivative_latex = "1/(1 + e^-z)", r"\frac{1}{1 + e^{-z}}"
    value_range = (0.0, np.inf)
    peak = 1.0
    peak_at = "as z grows"
    saturation_note = "For z below about -2.2, f'(z) < 0.1."

    def f(self, z):
        return np.logaddexp(0.0, z)

    def df(self, z, a=None):
        return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=float)))


class LogCosh(Loss):
    name = "log_cosh_test"
    formula = "log(cosh(a - y))"
    formula_latex = r"\log\cosh(a - y)"
    grad_formula = "tanh(a - y)"
    term = "log(cosh({a} - {y}))"

    def per_sample(self, a, y):
        return np.log(np.cosh(a - y)).sum(axis=-1)

    def grad(self, a, y):
        return np.tanh(a - y)


def test_a_new_activation_and_loss_are_written_from_their_own_text():
    net = bpnet.Network([np.array([[0.1, -0.2], [0.5, 0.3]]), np.array([[0.2], [1.0], [-1.5]])],
                        [Softplus(), Softplus()])
    trace = bpnet.trace_step(net, [[2.0]], [[0.5]], 0.1, loss=LogCosh())
    fwd = net.forward([[2.0]])
    z1 = trace.find("forward", "Z1")
    assert z1.formula == "Z1 = softplus_test(w(X0->Z1)*X0 + w(X1->Z1)*X1)"
    assert z1.value == fwd.a[1][0, 0]
    loss = trace.find("loss", "L")
    a = fwd.a[-1][0, 0]
    assert loss.formula == "L = log(cosh(D0 - y))"
    assert loss.numbers == f"log(cosh({bpnet.fmt(a)} - 0.5)) = {bpnet.fmt(np.log(np.cosh(a - 0.5)))}"
    d0 = trace.find("delta", "D0")
    # The chain rule with the loss's own dL/da and f'(z), and the value the network computes.
    assert d0.formula == "δ(D0) = tanh(D0 - y)*f'(z(D0))"
    assert d0.value == net.backward(fwd, np.array([[0.5]]), LogCosh())[-1][0, 0]
    assert r"\tanh(D_{0} - y)" in d0.latex and r"\log(\cosh(D_{0} - y))" in loss.latex


def test_short_delta_and_chain_rule_forms():
    ex = bpnet.xor_example()
    # identity + squared error: the chain rule with f'(z) = 1 (the worked example's form)
    t = bpnet.trace_step(ex.net, ex.X[:1], ex.y[:1], 0.1)
    assert t.find("delta", "D0").text == "δ(D0) = (D0 - y)*f'(z(D0)) = (4 - 0)*1 = 4"
    # sigmoid + binary cross-entropy: the short form is what is computed
    net = bpnet.Network.random([2, 2, 1], "sigmoid", seed=1)
    t = bpnet.trace_step(net, [[1.0, 2.0]], [[1.0]], 0.1, loss="bce")
    assert t.find("delta", "D0").formula == "δ(D0) = D0 - y"
    # a sum as dL/da is put in parentheses, a function call is not
    t = bpnet.trace_step(net, [[1.0, 2.0]], [[1.0]], 0.1, loss="huber")
    assert t.find("delta", "D0").formula == "δ(D0) = clip(D0 - y, -1, 1)*f'(z(D0))"


def test_frozen_weights_are_shown_held_fixed():
    ex = bpnet.xor_example()
    net = bpnet.Network(ex.net.W, "identity", frozen=["X0->Z1"])
    t = bpnet.trace_step(net, ex.X[:1], ex.y[:1], 0.1)
    held = t.find("update", "X0->Z1")
    assert held.text == "w(X0->Z1) := w(X0->Z1) (held fixed) = 1"
    assert held.value == 1.0 == t.after["X0->Z1"]
    assert r"\text{ held fixed}" in held.latex
    assert t.find("gradient", "X0->Z1").value == 4.0  # its gradient is still computed and shown
    assert t.find("update", "X0->Z2").text.endswith("= 1 - 0.1*4 = 0.6")


def test_explorer_asks_the_activation():
    act = Softplus()
    r = activation_reading(act, -5.0)
    assert r.df == pytest.approx(1 / (1 + np.exp(5.0)))
    assert r.note == act.note(-5.0) and "Saturated" in r.note
    (lo, hi), = saturation_ranges(act)
    assert lo == -6.0 and hi == pytest.approx(-np.log(9), abs=0.01)  # f'(z) = 0.1 at z = -ln 9
    assert {"identity", "sigmoid", "tanh", "relu", "leaky_relu"} <= set(explorer_activations())
    assert "softmax" not in explorer_activations()
