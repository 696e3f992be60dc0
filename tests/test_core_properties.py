"""Random valid inputs never raise; random invalid ones raise ValueError/TypeError with a message, changing nothing."""

import numpy as np
import pytest

from bpnet import SGD, Network, trace_step

HIDDEN = ["identity", "sigmoid", "tanh", "relu", "leaky_relu"]
# output activation -> losses that suit it, and how to draw targets for it
OUTPUTS = {
    "identity": (["half_squared_error", "absolute_error", "huber"], "real"),
    "tanh": (["half_squared_error", "huber"], "real"),
    "sigmoid": (["binary_cross_entropy", "half_squared_error"], "unit"),
    "softmax": (["categorical_cross_entropy", "half_squared_error"], "onehot"),
}


def valid_case(rng):
    depth = int(rng.integers(1, 4))
    out = list(OUTPUTS)[rng.integers(len(OUTPUTS))]
    sizes = [int(rng.integers(1, 5)) for _ in range(depth)] + [int(rng.integers(2 if out == "softmax" else 1, 4))]
    acts = [HIDDEN[rng.integers(len(HIDDEN))] for _ in range(depth - 1)] + [out]
    losses, kind = OUTPUTS[out]
    loss = losses[rng.integers(len(losses))]
    m, k = int(rng.integers(1, 6)), sizes[-1]
    X = rng.normal(size=(m, sizes[0]))
    y = {"real": rng.normal(size=(m, k)), "unit": rng.uniform(size=(m, k)),
         "onehot": np.eye(k)[rng.integers(0, k, m)]}[kind]
    net = Network.random(sizes, acts, init=["xavier", "he", "normal"][rng.integers(3)], seed=int(rng.integers(1000)))
    return net, X, y, loss


@pytest.mark.parametrize("seed", range(40))
def test_random_valid_inputs_never_raise(seed):
    rng = np.random.default_rng(seed)
    net, X, y, loss = valid_case(rng)
    rule = "gradient" if rng.uniform() < 0.8 else "article"
    lr = float(rng.uniform(0.001, 0.1))
    trace_step(net, X, y, lr, loss, rule)
    net.gradients(X, y, loss, rule)
    net.copy().step(X, y, lr, loss, rule)
    bs = [None, 1, 2][rng.integers(3)]
    # (the article's rule climbs the loss: train with gradient descent only, so nothing diverges)
    history = net.copy().train(X, y, 3, lr, loss, batch_size=bs, seed=seed)
    assert history.shape == (3,) and np.isfinite(history).all()
    net.copy().train(X, y, 2, loss=loss, optimizer=SGD(lr))


def corruptions(net, X, y, loss):
    """(description, call) pairs that must each be refused."""
    m, n0, k = X.shape[0], net.sizes[0], net.sizes[-1]
    yield "X wrong width", lambda: net.step(np.zeros((m, n0 + 1)), y, 0.1, loss)
    yield "y wrong shape", lambda: net.step(X, np.zeros((m + 1, k)), 0.1, loss)
    yield "X NaN", lambda: net.step(np.full_like(X, np.nan), y, 0.1, loss)
    yield "X text", lambda: net.step([["a"] * n0], y[:1], 0.1, loss)
    yield "lr negative", lambda: net.step(X, y, -0.1, loss)
    yield "lr text", lambda: net.step(X, y, "0.1", loss)
    yield "lr twice", lambda: net.step(X, y, 0.1, loss, optimizer=SGD(0.1))
    yield "rule", lambda: net.step(X, y, 0.1, loss, rule="backwards")
    yield "loss", lambda: net.step(X, y, 0.1, "hinge")
    yield "loss type", lambda: net.step(X, y, 0.1, 3)
    yield "epochs", lambda: net.train(X, y, -1, 0.1, loss)
    yield "epochs fraction", lambda: net.train(X, y, 2.5, 0.1, loss)
    yield "batch_size", lambda: net.train(X, y, 2, 0.1, loss, batch_size=0.5)
    yield "seed", lambda: net.train(X, y, 2, 0.1, loss, seed="x")
    yield "trace lr", lambda: trace_step(net, X, y, 0, loss)
    yield "frozen", lambda: Network(net.W, net.acts, frozen=["nope"])
    yield "names", lambda: Network(net.W, net.acts, names=["Q"] * len(net.sizes))
    yield "activation", lambda: Network(net.W, ["swish"] * net.n_layers)
    if loss == "categorical_cross_entropy":
        yield "targets not summing to 1", lambda: net.step(X, y * 2, 0.1, loss)
    if loss == "binary_cross_entropy":
        yield "targets above 1", lambda: net.step(X, y + 1.5, 0.1, loss)


@pytest.mark.parametrize("seed", range(12))
def test_random_invalid_inputs_raise_a_named_error_and_change_nothing(seed):
    rng = np.random.default_rng(100 + seed)
    net, X, y, loss = valid_case(rng)
    before = [w.copy() for w in net.W]
    for what, call in corruptions(net, X, y, loss):
        with pytest.raises((ValueError, TypeError)) as info:
            call()
        assert len(str(info.value)) > 15, what
        for w, b in zip(net.W, before):
            np.testing.assert_array_equal(w, b, err_msg=what)
