"""Bad input: one clear error naming the problem, and nothing half-updated."""

import numpy as np
import pytest

from bpnet import Network, trace_step, xor_example
from bpnet.core.activations import get_activation
from bpnet.core.losses import get_loss


@pytest.fixture
def ex():
    return xor_example()


def unchanged(net, before):
    return all(np.array_equal(a, b) for a, b in zip(net.W, before))


def snapshot(net):
    return [w.copy() for w in net.W]


@pytest.mark.parametrize(
    "X, y, exc, words",
    [
        (np.zeros((4, 3)), np.zeros((4, 1)), ValueError, ["inputs X", "(m, 2)", "(4, 3)"]),
        (np.zeros((4, 2)), np.zeros((3, 1)), ValueError, ["targets y", "(4, 1)", "(3, 1)"]),
        (np.zeros((4, 2)), np.zeros((4, 2)), ValueError, ["targets y", "(4, 1)"]),
        (np.zeros((0, 2)), np.zeros((0, 1)), ValueError, ["empty batch"]),
        ([[0, np.nan]], [[0]], ValueError, ["inputs X", "NaN"]),
        ([[0, np.inf]], [[0]], ValueError, ["inputs X", "inf"]),
        ([[0, 0]], [[np.nan]], ValueError, ["targets y", "NaN"]),
        ([["a", "b"]], [[0]], TypeError, ["inputs X", "numbers"]),
        ([[0, 0]], [["x"]], TypeError, ["targets y", "numbers"]),
        ([[0, 0], [1]], [[0], [1]], ValueError, ["inputs X", "rectangular"]),
        ([[True, False]], [[0]], TypeError, ["inputs X", "numbers"]),
    ],
)
def test_bad_batches_raise_named_errors(ex, X, y, exc, words):
    before = snapshot(ex.net)
    for call in (lambda: ex.net.step(X, y, 0.1), lambda: trace_step(ex.net, X, y, 0.1),
                 lambda: ex.net.gradients(X, y), lambda: ex.net.train(X, y, epochs=3)):
        with pytest.raises(exc) as info:
            call()
        for w in words:
            assert w in str(info.value)
    assert unchanged(ex.net, before)


@pytest.mark.parametrize("lr", [0, -0.1, np.nan, np.inf, "0.1", None, True])
def test_bad_learning_rate(ex, lr):
    before = snapshot(ex.net)
    if lr is not None:  # step(lr=None) means the default, 0.1
        with pytest.raises((ValueError, TypeError), match="learning rate"):
            ex.net.step(ex.X, ex.y, lr)
    with pytest.raises((ValueError, TypeError), match="learning rate"):
        trace_step(ex.net, ex.X, ex.y, lr)
    assert unchanged(ex.net, before)


def test_nan_weight_is_named(ex):
    ex.net.W[1][2, 0] = np.nan
    before = snapshot(ex.net)
    with pytest.raises(ValueError, match=r"weight Z2->D0 is nan"):
        ex.net.step(ex.X, ex.y, 0.1)
    with pytest.raises(ValueError, match=r"Z2->D0"):
        trace_step(ex.net, ex.X, ex.y, 0.1)
    assert all(np.array_equal(a, b, equal_nan=True) for a, b in zip(ex.net.W, before))


@pytest.mark.parametrize(
    "weights, acts, words",
    [
        ([np.ones((3, 3)), np.ones((3, 1))], "identity", ["W[1]", "4 rows", "(3, 1)"]),
        ([np.ones(3)], "identity", ["W[0]", "2-D"]),
        ([np.array([[1.0], [np.inf]])], "identity", ["W[0]", "inf"]),
        ([np.ones((3, 2))], ["identity", "tanh"], ["one activation per", "1", "2"]),
        ([np.ones((3, 2))], "swish", ["unknown activation", "'swish'", "sigmoid"]),
        ([np.ones((3, 2)), np.ones((3, 1))], ["softmax", "identity"], ["softmax", "output layer"]),
        ([], "identity", ["at least one"]),
    ],
)
def test_bad_networks(weights, acts, words):
    with pytest.raises((ValueError, TypeError)) as info:
        Network(weights, acts)
    for w in words:
        assert w in str(info.value)


def test_unknown_names():
    with pytest.raises(ValueError, match="unknown loss 'hinge'"):
        get_loss("hinge")
    with pytest.raises(TypeError, match="activation must be a name"):
        get_activation(3)
    net = xor_example().net
    with pytest.raises(ValueError, match="unknown rule 'backwards'"):
        net.step([[0, 0]], [[0]], 0.1, rule="backwards")
    with pytest.raises(KeyError, match="no weight named 'X9->Z1'"):
        net["X9->Z1"]
    with pytest.raises(ValueError, match="unknown init"):
        Network.random([2, 2, 1], init="zeros")
    with pytest.raises(ValueError, match="sizes needs"):
        Network.constant([2])
    with pytest.raises(TypeError, match="sizes must be"):
        Network.constant(["two", 1])


def test_one_sample_may_be_given_flat(ex):
    a = ex.net.gradients([0, 1], 1)
    b = ex.net.gradients([[0, 1]], [[1]])
    for g, h in zip(a, b):
        np.testing.assert_array_equal(g, h)


def test_bad_epochs_and_batch_size(ex):
    with pytest.raises(ValueError, match="epochs"):
        ex.net.train(ex.X, ex.y, epochs=-1)
    with pytest.raises(ValueError, match="batch_size"):
        ex.net.train(ex.X, ex.y, epochs=1, batch_size=0)
