"""Dropout and batch normalisation: every gradient agrees with central differences of the cost."""

from __future__ import annotations

import numpy as np
import pytest

import bpnet
from bpnet.core.dropout_batchnorm import BatchNorm, Dropout

EPS = 1e-6


def _data(m=5, n_in=3, n_out=2, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(m, n_in)), rng.uniform(0.1, 0.9, size=(m, n_out))


def _numerical(cost_of, arrays):
    """Central differences of cost_of() with respect to every entry of every array (changed in place)."""
    out = []
    for arr in arrays:
        g = np.zeros_like(arr)
        for idx in np.ndindex(arr.shape):
            keep = arr[idx]
            arr[idx] = keep + EPS
            up = cost_of()
            arr[idx] = keep - EPS
            down = cost_of()
            arr[idx] = keep
            g[idx] = (up - down) / (2 * EPS)
        out.append(g)
    return out


@pytest.mark.parametrize("acts", [["tanh", "tanh", "sigmoid"], ["relu", "sigmoid", "identity"]])
def test_batch_norm_gradients_of_weights_gamma_and_beta_match_central_differences(acts):
    X, y = _data()
    net = bpnet.Network.random([3, 4, 3, 2], activations=acts, seed=2)
    bn = BatchNorm(net)
    bn.gamma = [np.array([1.3, 0.7, 1.1, 0.9]), np.array([0.8, 1.2, 1.5])]
    bn.beta = [np.array([0.1, -0.2, 0.3, 0.0]), np.array([-0.1, 0.2, 0.05])]
    fwd = bn.forward(X)
    deltas = bn.deltas(fwd, y)
    grads = bn.gradients(fwd, deltas)
    g_gamma, g_beta = bn.norm_gradients(deltas)
    cost_of = lambda: bn.cost(bn.forward(X), y)  # noqa: E731
    numeric = _numerical(cost_of, [*net.W, *bn.gamma, *bn.beta])
    for got, want in zip([*grads, *g_gamma, *g_beta], numeric):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-8)
    assert np.allclose(grads[0][0], 0, atol=1e-12)  # the mean is subtracted: the bias row learns nothing


def test_batch_norm_normalises_each_hidden_unit_over_the_batch():
    X, _ = _data(m=8)
    net = bpnet.Network.random([3, 4, 2], activations=["tanh", "sigmoid"], seed=1)
    bn = BatchNorm(net)
    z = bn.forward(X).z[0]
    np.testing.assert_allclose(z.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(z.var(axis=0), 1, rtol=1e-3)


@pytest.mark.parametrize("p", [0.25, 0.5])
def test_dropout_gradients_match_central_differences_with_the_same_mask(p):
    X, y = _data(m=6)
    net = bpnet.Network.random([3, 5, 4, 2], activations=["tanh", "sigmoid", "sigmoid"], seed=3)
    drop = Dropout(net, p, seed=7)
    fwd = drop.forward(X)
    grads = drop.gradients(fwd, drop.deltas(fwd, y))
    cost_of = lambda: (lambda d: d.cost(d.forward(X), y))(Dropout(net, p, seed=7))  # noqa: E731  same masks
    for got, want in zip(grads, _numerical(cost_of, net.W)):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-8)


def test_dropout_drops_about_p_of_the_hidden_units_and_scales_the_rest():
    X, _ = _data(m=400)
    net = bpnet.Network.random([3, 50, 2], activations=["tanh", "sigmoid"], seed=3)
    drop = Dropout(net, 0.5, seed=0)
    a = drop.forward(X).a[1]
    plain = net.forward(X).a[1]
    kept = drop.masks[0] > 0
    assert 0.45 < kept.mean() < 0.55
    np.testing.assert_allclose(a[kept], 2 * plain[kept])
    assert np.all(a[~kept] == 0)


def test_bad_dropout_probabilities_are_refused_in_one_line():
    net = bpnet.Network.random([2, 3, 1], seed=0)
    for p in (1, 1.5, -0.1):
        with pytest.raises(ValueError, match=r"dropout probability p must be in \[0, 1\)"):
            Dropout(net, p)


def test_training_with_batch_norm_updates_gamma_and_beta_and_lowers_the_cost():
    X, y = _data(m=16, seed=4)
    net = bpnet.Network.random([3, 6, 6, 2], activations=["sigmoid", "sigmoid", "sigmoid"], seed=5)
    bn = BatchNorm(net)
    costs = list(bn.training(X, y, epochs=60, lr=0.5))
    assert costs[-1] < 0.9 * costs[0]
    assert not np.allclose(bn.gamma[0], 1) and not np.allclose(bn.beta[1], 0)


def test_the_batch_norm_graph_gives_the_numbers_of_the_batch_norm_backprop():
    from bpnet.explain.autograd import Graph, numerical_gradient
    from bpnet.explain.norm_graphs import batch_norm_graph

    u, t, gamma, beta = [0.5, 2.0, -1.0], [0.0, 1.0, 0.5], 1.5, 0.25
    L = batch_norm_graph(u, t, gamma, beta)
    trace = L.backward()
    graph = trace.graph
    # the same unit in a one-weight network: u = x * 1, identity output after the normalised layer
    net = bpnet.Network([np.array([[0.0], [1.0]]), np.array([[0.0], [1.0]])], ["identity", "identity"])
    bn = BatchNorm(net)
    bn.gamma, bn.beta = [np.array([gamma])], [np.array([beta])]
    X, y = np.array(u)[:, None], np.array(t)[:, None]
    fwd = bn.forward(X)
    assert L.data == pytest.approx(bn.cost(fwd, y), rel=1e-12)
    deltas = bn.deltas(fwd, y)
    g_gamma, g_beta = bn.norm_gradients(deltas)
    assert graph["γ"].grad == pytest.approx(g_gamma[0][0], rel=1e-9)
    assert graph["β"].grad == pytest.approx(g_beta[0][0], rel=1e-9)
    # dL/du_i, per sample, is the normalised layer's delta_u divided by m (the graph's L is the mean)
    delta_u = bn.through_norm(0, deltas[0])[:, 0] / 3
    for i in range(3):
        assert graph[f"u{i + 1}"].grad == pytest.approx(delta_u[i], rel=1e-8)
        assert graph[f"u{i + 1}"].grad == pytest.approx(numerical_gradient(graph, f"u{i + 1}"), rel=1e-6)
    assert abs(sum(graph[f"u{i + 1}"].grad for i in range(3))) < 1e-12  # shifting the whole batch changes nothing


def test_the_dropout_graph_passes_no_gradient_to_a_dropped_unit():
    from bpnet.explain.autograd import numerical_gradient
    from bpnet.explain.norm_graphs import dropout_graph

    L = dropout_graph([0.5, -1.0, 2.0], [2.0, 0.0, 2.0], [0.3, -0.6, 0.9], 1.0)
    graph = L.backward().graph
    assert graph["z2"].grad == 0 and graph["w2"].grad == 0
    for name in ("z1", "z3", "w1", "w3"):
        assert graph[name].grad == pytest.approx(numerical_gradient(graph, name), rel=1e-6)
