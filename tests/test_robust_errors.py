"""Plausible misuse gets one clear ValueError/TypeError naming the problem, and changes nothing.

Each case is a mistake a learner makes in a notebook; before, each gave a raw numpy or
Python traceback (or, for a list put in place of a weight array, silently no update).
"""

from __future__ import annotations

import numpy as np
import pytest

import bpnet
from bpnet.core.optimizers import Adam, get_optimizer

X, Y = bpnet.XOR_X, bpnet.XOR_Y


def net():
    return bpnet.Network.random([2, 3, 1], ["tanh", "sigmoid"], seed=0)


def snapshot(n):
    return [np.array(w, copy=True) for w in n.W]


def assert_unchanged(n, snap):
    assert len(n.W) == len(snap)
    for w, s in zip(n.W, snap):
        np.testing.assert_array_equal(np.asarray(w), s)


def refused(call, exc, match, n=None):
    """``call(n)`` raises ``exc`` with a message matching ``match`` and leaves ``n`` (a fresh net by
    default) as it was; returns the error."""
    n = net() if n is None else n
    snap = snapshot(n)
    with pytest.raises(exc, match=match) as info:
        call(n)
    assert_unchanged(n, snap)
    return info.value


# ----- optimizer given by name ----------------------------------------------------------------
def test_step_with_an_optimizer_name_says_what_to_pass():
    """A name in step() would make a fresh Adam every call (its averages lost each time): refuse, and say how."""
    error = refused(lambda n: n.step(X, Y, optimizer="adam"), TypeError, r"get_optimizer\('adam'")
    assert "every call" in str(error)


@pytest.mark.parametrize("lr", [0.1, 0.02])
def test_train_accepts_an_optimizer_name(lr):
    """train() makes one optimizer for the whole call from a name, with the call's learning rate."""
    a, b = net(), net()
    ha = a.train(X, Y, epochs=20, lr=lr, optimizer="adam")
    hb = b.train(X, Y, epochs=20, optimizer=Adam(lr=lr))
    np.testing.assert_array_equal(ha, hb)
    for wa, wb in zip(a.W, b.W):
        np.testing.assert_array_equal(wa, wb)
    assert not np.array_equal(a.W[0], net().W[0])


@pytest.mark.parametrize("bad,exc", [("nesterov", ValueError), (3, TypeError), ([Adam()], TypeError)])
def test_train_with_a_bad_optimizer(bad, exc):
    refused(lambda n: n.train(X, Y, epochs=3, optimizer=bad), exc, "optimizer")


@pytest.mark.parametrize("bad", [3, None.__class__, [Adam()]])
def test_step_with_something_that_is_not_an_optimizer(bad):
    refused(lambda n: n.step(X, Y, optimizer=bad), TypeError, "optimizer must be a name")


def test_get_optimizer_none():
    with pytest.raises(TypeError, match=r"optimizer must be a name, one of .*got NoneType None"):
        get_optimizer(None)


# ----- trace_step given a WorkedExample -------------------------------------------------------
def test_trace_step_with_a_worked_example_says_what_to_pass():
    ex = bpnet.xor_example()
    with pytest.raises(TypeError, match=r"trace_step\(ex\.net, ex\.X, ex\.y, ex\.lr\)") as info:
        bpnet.trace_step(ex, X, Y)
    assert "WorkedExample" in str(info.value)


@pytest.mark.parametrize("bad", [None, "xor", [np.ones((3, 3))]])
def test_trace_step_needs_a_network(bad):
    with pytest.raises(TypeError, match="bpnet.Network"):
        bpnet.trace_step(bad, X, Y)


# ----- Network(...) with None -------------------------------------------------------------------
def test_network_with_no_activations():
    with pytest.raises(TypeError, match=r"activations must be .*got None"):
        bpnet.Network(net().W, None)


@pytest.mark.parametrize("bad", [None, 3, "weights"])
def test_network_with_no_weights(bad):
    with pytest.raises(TypeError, match=r"weights must be a list of 2-D arrays"):
        bpnet.Network(bad, "sigmoid")


# ----- batch_size and epochs ------------------------------------------------------------------
@pytest.mark.parametrize("bad,exc", [("abc", TypeError), (2.7, ValueError), (0, ValueError), (-1, ValueError),
                                     (True, TypeError)])
def test_train_bad_batch_size(bad, exc):
    refused(lambda n: n.train(X, Y, epochs=2, batch_size=bad), exc, "batch_size")


@pytest.mark.parametrize("bad,exc", [(10**12, ValueError), (-1, ValueError), (2.5, ValueError), ("10", TypeError)])
def test_train_bad_epochs(bad, exc):
    refused(lambda n: n.train(X, Y, epochs=bad), exc, "epochs")


def test_train_epochs_limit_is_documented_and_allowed_at_the_limit():
    from bpnet.core.network import MAX_EPOCHS

    assert f"{MAX_EPOCHS:,}" in bpnet.Network.train.__doc__.replace("_", ",")
    with pytest.raises(ValueError, match=f"at most {MAX_EPOCHS:,}"):
        net().train(X, Y, epochs=MAX_EPOCHS + 1)


# ----- a weight array replaced after construction -----------------------------------------------
@pytest.mark.parametrize("layer,bad,match", [
    (0, lambda n: np.ones((2, 3)), r"W\[0\] has shape \(2, 3\); it must be \(3, 3\)"),
    (1, lambda n: np.ones((4,)), r"W\[1\] has shape \(4,\); it must be \(4, 1\)"),
    (0, lambda n: n.W[0].tolist(), r"W\[0\] is a list; it must be a numpy array of shape \(3, 3\)"),
    (1, lambda n: n.W[1].astype(np.float32), r"W\[1\] .*float32.*float64"),
])
@pytest.mark.parametrize("use", ["forward", "cost", "gradients", "step", "train", "trace_step"])
def test_replaced_weight_array_is_checked_at_next_use(layer, bad, match, use):
    n = net()
    n.W[layer] = bad(n)
    calls = {
        "forward": lambda n: n.forward(X),
        "cost": lambda n: n.cost(X, Y),
        "gradients": lambda n: n.gradients(X, Y),
        "step": lambda n: n.step(X, Y),
        "train": lambda n: n.train(X, Y, epochs=3),
        "trace_step": lambda n: bpnet.trace_step(n, X, Y),
    }
    refused(calls[use], (ValueError, TypeError), match, n)


def test_replaced_weight_array_of_the_right_shape_is_used():
    n = net()
    n.W[1] = np.full((4, 1), 0.25)  # a learner setting weights by hand: fine
    out = n.forward(X).output
    a1 = np.tanh(X @ n.W[0][1:] + n.W[0][0])
    np.testing.assert_allclose(out, 1 / (1 + np.exp(-(a1 @ n.W[1][1:] + n.W[1][0]))))
    n.step(X, Y)
    assert not np.array_equal(n.W[1], np.full((4, 1), 0.25))


# ----- absurd sizes -------------------------------------------------------------------------------
@pytest.mark.parametrize("make", ["random", "constant"])
def test_absurd_sizes_are_refused_before_allocating(make):
    with pytest.raises(ValueError, match=r"too large: .* would need 8,000 GB") as info:
        getattr(bpnet.Network, make)([10**6, 10**6, 1])
    assert "1,000,002,000,001 weights" in str(info.value)


def test_size_limit_lets_a_large_but_reasonable_network_through():
    from bpnet.core.network import MAX_WEIGHTS

    assert MAX_WEIGHTS >= 3001 * 3000 + 3001  # the 3000 x 3000 network of the benchmarks
    n = bpnet.Network.constant([300, 300, 1])
    assert n.sizes == [300, 300, 1]
