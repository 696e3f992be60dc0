"""Slips made at one place: f'(a) at the hidden units only, one middle layer's f' left out,
one layer's bias left out. The number checkers name them (they used to accept some, and
call the rest "matches none of the mistakes bpnet knows")."""

import numpy as np
import pytest

import bpnet
from bpnet import Network
from bpnet.explain import mistakes
from bpnet.teach.exercises import check_delta, check_forward, check_gradient

ACTS = {"sigmoid": (lambda z: 1 / (1 + np.exp(-z)), lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2),
        "tanh": (np.tanh, lambda z: 1 - np.tanh(z) ** 2)}


def sweep_network(seed):
    """A random 2-3-1 (or 3-2-1) network of sigmoid/tanh units, one sample, its target."""
    rng = np.random.default_rng([23, seed])
    n0, n1 = (2, 3) if seed % 2 else (3, 2)
    hidden, out = list(ACTS)[seed % 2], list(ACTS)[(seed // 2) % 2]
    W = [rng.normal(0.0, 1.0, size=(n0 + 1, n1)), rng.normal(0.0, 1.0, size=(n1 + 1, 1))]
    x = rng.normal(0.0, 1.0, size=n0)
    t = rng.uniform(0.0, 1.0, size=1) if out == "sigmoid" else rng.uniform(-1.0, 1.0, size=1)
    return Network(W, [hidden, out]), x, t, hidden, out


def hidden_delta_with_slope_of_a(W, x, t, hidden, out, j):
    """δ(Z_j) by hand, with the hidden unit's f' evaluated at its activation a (the output's f' at z)."""
    f, df = ACTS[hidden]
    g, dg = ACTS[out]
    z1 = x @ W[0][1:] + W[0][0]
    a1 = f(z1)
    z2 = a1 @ W[1][1:] + W[1][0]
    d2 = (g(z2) - t) * dg(z2)
    return float(df(a1[j]) * W[1][1 + j] @ d2)


@pytest.mark.slow
def test_the_slope_of_a_at_the_hidden_unit_is_never_accepted_in_a_seeded_sweep_of_150_networks():
    accepted, named = [], 0
    for seed in range(150):
        net, x, t, hidden, out = sweep_network(seed)
        answer = hidden_delta_with_slope_of_a(net.W, x, t, hidden, out, 0)
        r = check_delta(net, x, t, "Z1", answer)
        if r.correct:
            accepted.append(seed)
        named += r.mistake in ("derivative_of_a_hidden", "derivative_of_a")
    assert accepted == []
    assert named == 150


def test_a_delta_with_the_slope_of_a_at_the_hidden_units_only_is_named_for_that_place():
    # tanh hidden units, a sigmoid output: f'(a) where f'(z) belongs at the hidden layer, the output's f' right.
    X, y = bpnet.XOR_X, bpnet.XOR_Y
    net = Network.random([2, 3, 1], activations=["tanh", "sigmoid"], init="xavier", seed=0)
    net.train(X, y, epochs=200, lr=0.5)
    fwd = net.forward(X)
    y_hat, a_Z3 = fwd.output[:, 0], fwd.a[1][:, 2]
    delta_Z3 = (1 - np.tanh(a_Z3) ** 2) * net["Z3->D0"] * (y_hat - y[:, 0]) * y_hat * (1 - y_hat)
    r = check_gradient(net, X, y, "X2->Z3", np.mean(X[:, 1] * delta_Z3))
    assert not r.correct and r.mistake == "derivative_of_a_hidden", r
    assert "hidden units" in r.diagnosis and "1 - a^2" in r.diagnosis


def deep_chain():
    return Network([np.array([[0.1], [1.2]]), np.array([[-0.3], [1.5]]),
                    np.array([[0.2], [-1.1]]), np.array([[0.4], [1.3]])],
                   activations=["tanh", "tanh", "tanh", "sigmoid"])


@pytest.mark.parametrize("left_out", [1, 2])
def test_one_middle_layers_slope_left_out_is_named_with_its_units(left_out):
    net = deep_chain()
    x, t = np.array([0.5]), np.array([1.0])
    a = [layer[0, 0] for layer in net.forward(x).a[1:]]
    delta = (a[3] - t[0]) * a[3] * (1 - a[3])
    for k, w in ((2, net["H3_1->D0"]), (1, net["H2_1->H3_1"]), (0, net["H1_1->H2_1"])):
        delta = w * delta * (1.0 if k == left_out else 1 - a[k] ** 2)
    r = check_delta(net, x, t, "H1_1", delta)
    assert not r.correct and r.mistake == "missing_derivative_one_layer", r
    assert f"H{left_out + 1}_1" in r.diagnosis


def test_one_layers_bias_left_out_is_named():
    net = deep_chain()
    x = np.array([0.5])
    a1 = np.tanh(0.5 * 1.2 + 0.1)
    a2 = np.tanh(a1 * 1.5)  # the bias -0.3 of H2_1 left out
    a3 = np.tanh(a2 * -1.1 + 0.2)
    r = check_forward(net, x, "H3_1", a3)
    assert not r.correct and r.mistake == "missing_bias_one_layer", r
    assert "H2_1" in r.diagnosis and "H1_0" in r.diagnosis


def test_the_place_variants_are_catalogue_entries_with_a_place_per_candidate():
    for key in ("derivative_of_a_hidden", "derivative_of_a_output", "missing_derivative_one_layer",
                "derivative_of_a_one_layer", "missing_bias_one_layer", "ascent"):
        assert key in mistakes.CATALOGUE, key
    net = deep_chain()
    a = mistakes.assess(net, np.array([0.5]), np.array([1.0]), ("delta", "H1_1"))
    places = [c for c in a.candidates if c.key == "missing_derivative_one_layer"]
    assert len(places) == 3  # at H1_1 itself, at H2_1, at H3_1: one candidate each
    assert len({c.hint() for c in places}) == 3
