"""Analytic gradients against central finite differences, float64, on random networks."""

import zlib

import numpy as np
import pytest

from bpnet import Network
from bpnet.core.activations import ACTIVATIONS, get_activation

HIDDEN_ACTS = ["identity", "sigmoid", "tanh", "relu", "leaky_relu"]
# (output activation, loss, kind of target)
OUTPUTS = [
    ("identity", "half_squared_error", "real"),
    ("sigmoid", "half_squared_error", "binary"),
    ("tanh", "half_squared_error", "real"),
    ("sigmoid", "binary_cross_entropy", "binary"),
    ("softmax", "categorical_cross_entropy", "onehot"),
    ("softmax", "half_squared_error", "onehot"),
    ("identity", "huber", "real"),
    ("identity", "absolute_error", "real"),
]
SHAPES = [[2, 3, 1], [3, 4, 2], [4, 5, 3, 2], [2, 6, 5, 4, 3]]


def targets(kind, m, k, rng):
    if kind == "real":
        return rng.normal(size=(m, k))
    if kind == "binary":
        return rng.integers(0, 2, size=(m, k)).astype(float)
    return np.eye(k)[rng.integers(0, k, size=m)]


def numerical_gradients(net, X, y, loss, h=1e-6):
    grads = []
    for w in net.W:
        g = np.zeros_like(w)
        for idx in np.ndindex(w.shape):
            old = w[idx]
            w[idx] = old + h
            up = net.cost(X, y, loss)
            w[idx] = old - h
            down = net.cost(X, y, loss)
            w[idx] = old
            g[idx] = (up - down) / (2 * h)
        grads.append(g)
    return grads


def relative_error(a, b):
    return np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-12)


def near_kink(net, X, eps=1e-4):
    fwd = net.forward(X)
    return any(
        act.name in ("relu", "leaky_relu") and np.any(np.abs(z) < eps) for act, z in zip(net.acts, fwd.z)
    )


CASES = [
    (shape, hidden, out)
    for shape in SHAPES
    for hidden in HIDDEN_ACTS
    for out in OUTPUTS[: 3 if len(shape) > 3 else len(OUTPUTS)]
    if not (out[0] == "softmax" and shape[-1] < 2)  # softmax needs at least two outputs
]


@pytest.mark.parametrize("shape,hidden,out", CASES, ids=lambda v: str(v))
def test_gradient_matches_central_differences(shape, hidden, out):
    out_act, loss, kind = out
    seed = zlib.crc32(repr((shape, hidden, out_act, loss)).encode())  # stable across runs
    rng = np.random.default_rng(seed)
    acts = [hidden] * (len(shape) - 2) + [out_act]
    for attempt in range(5):
        W = [rng.normal(0, 0.8, size=(n + 1, k)) for n, k in zip(shape[:-1], shape[1:])]
        net = Network(W, acts)
        X = rng.normal(size=(5, shape[0]))
        if not near_kink(net, X):
            break
    else:
        pytest.skip("could not draw a sample away from the ReLU kink")
    y = targets(kind, 5, shape[-1], rng)
    analytic = net.gradients(X, y, loss)
    numeric = numerical_gradients(net, X, y, loss)
    for l, (a, n) in enumerate(zip(analytic, numeric)):
        assert relative_error(a, n) <= 1e-7, f"layer {l}: {relative_error(a, n):.2e}"


def test_gradient_check_can_fail():
    """A deliberately wrong gradient (one weight's sign flipped) is caught."""
    rng = np.random.default_rng(1)
    net = Network.random([2, 3, 1], ["tanh", "sigmoid"], seed=1)
    X, y = rng.normal(size=(4, 2)), rng.integers(0, 2, size=(4, 1)).astype(float)
    analytic = net.gradients(X, y, "bce")
    analytic[0][1, 2] *= -1
    numeric = numerical_gradients(net, X, y, "bce")
    assert relative_error(analytic[0], numeric[0]) > 1e-3


@pytest.mark.parametrize("name", sorted(set(ACTIVATIONS) - {"softmax", "linear"}))
def test_activation_derivative_matches_differences(name):
    act = get_activation(name)
    z = np.linspace(-4, 4, 81)
    z = z[np.abs(z) > 1e-3]  # away from the ReLU kink
    h = 1e-6
    numeric = (act.f(z + h) - act.f(z - h)) / (2 * h)
    np.testing.assert_allclose(act.df(z), numeric, rtol=1e-7, atol=1e-9)


def test_softmax_backward_is_its_jacobian():
    act = get_activation("softmax")
    rng = np.random.default_rng(3)
    z, g = rng.normal(size=(1, 4)), rng.normal(size=(1, 4))
    a = act.f(z)[0]
    J = np.diag(a) - np.outer(a, a)
    np.testing.assert_allclose(act.backward(z, act.f(z), g)[0], J.T @ g[0], rtol=1e-12)


@pytest.mark.parametrize("name", sorted(set(ACTIVATIONS) - {"linear"}))
def test_activations_are_stable_at_large_z(name):
    act = get_activation(name)
    z = np.array([[-1000.0, -50.0, 0.0, 50.0, 1000.0]])
    # Underflow to 0 is harmless (e^-1000 is 0 in float64); overflow and NaN are not.
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        a = act.f(z)
        if name != "softmax":
            d = act.df(z)
            assert np.isfinite(d).all()
    assert np.isfinite(a).all()


def test_sigmoid_and_tanh_saturate():
    s, t = get_activation("sigmoid"), get_activation("tanh")
    assert s.f(np.array(1000.0)) == 1.0 and s.f(np.array(-1000.0)) == 0.0
    assert s.df(np.array(0.0)) == 0.25 and t.df(np.array(0.0)) == 1.0
    assert s.df(np.array(40.0)) < 1e-15


@pytest.mark.parametrize("loss", ["binary_cross_entropy", "categorical_cross_entropy", "half_squared_error",
                                  "absolute_error", "huber"])
def test_losses_are_safe_at_exact_zero_and_one(loss):
    from bpnet.core.losses import get_loss

    fn = get_loss(loss)
    a = np.array([[0.0, 1.0], [1.0, 0.0]])
    y = np.array([[1.0, 0.0], [1.0, 0.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        v = fn.per_sample(a, y)
        g = fn.grad(a, y)
    assert np.isfinite(v).all() and np.isfinite(g).all()
    assert v[1] == pytest.approx(0.0, abs=1e-9)  # perfect prediction costs nothing
    assert v[0] >= 1.0 and v[0] > v[1]  # confident and wrong costs a lot


def test_sigmoid_bce_delta_is_a_minus_y_even_when_saturated():
    net = Network([np.array([[0.0], [100.0]])], ["sigmoid"])
    X, y = np.array([[1.0]]), np.array([[0.0]])
    g = net.gradients(X, y, "bce")
    np.testing.assert_allclose(g[0], [[1.0], [1.0]])  # a - y = 1, finite


def test_cost_is_the_mean_of_per_sample_losses():
    rng = np.random.default_rng(7)
    net = Network.random([3, 4, 2], ["tanh", "identity"], seed=7)
    X, y = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    per = [net.cost(X[i:i + 1], y[i:i + 1]) for i in range(6)]
    assert net.cost(X, y) == pytest.approx(np.mean(per))
    grads = net.gradients(X, y)
    mean_of_grads = [np.mean([net.gradients(X[i:i + 1], y[i:i + 1])[l] for i in range(6)], axis=0)
                     for l in range(2)]
    for g, mg in zip(grads, mean_of_grads):
        np.testing.assert_allclose(g, mg, rtol=1e-12, atol=1e-15)


def test_huber_is_squared_near_the_target_and_absolute_far_from_it():
    from bpnet.core.losses import Huber, get_loss

    h = Huber(delta=0.5)
    a, y = np.array([[0.2], [3.0], [-3.0]]), np.zeros((3, 1))
    np.testing.assert_allclose(h.per_sample(a, y), [0.02, 0.5 * (3.0 - 0.25), 0.5 * (3.0 - 0.25)])
    np.testing.assert_allclose(h.grad(a, y), [[0.2], [0.5], [-0.5]])  # an outlier's pull is capped at delta
    np.testing.assert_allclose(get_loss("mae").per_sample(a, y), [0.2, 3.0, 3.0])
    np.testing.assert_allclose(get_loss("mae").grad(a, y), [[1.0], [1.0], [-1.0]])
    with pytest.raises(ValueError, match="Huber delta"):
        Huber(delta=0)
