"""The API's entry points at their limits: one clear error, or the right number, never a silent wrong one.

Each case is one a hostile sweep found: an optimizer's running averages carried to another network
through a stepper, a stepper reading the caller's arrays after they changed, arguments silently
truncated, and raw Python/numpy messages where a sentence naming the argument belongs.
"""

from __future__ import annotations

import numpy as np
import pytest

import bpnet
from bpnet.core.optimizers import Adam
from bpnet.teach.netfile import network_to_dict
from bpnet.views.stepper import RuleStepper, TrainingComparison, TrainingStepper

X, Y = bpnet.XOR_X, bpnet.XOR_Y


def net(seed=0):
    return bpnet.Network.random([2, 3, 1], ["tanh", "sigmoid"], seed=seed)


def used_adam():
    """An Adam that trained another network for 50 epochs: its averages belong there."""
    other, opt = net(1), Adam(0.1)
    other.train(X, Y, 50, optimizer=opt)
    return opt


def opt_state(opt):
    return opt.t, [np.array(a, copy=True) for a in opt.v], [np.array(a, copy=True) for a in opt.s]


# ----- 1. an optimizer's binding holds in the steppers --------------------------------------------
def test_training_stepper_refuses_an_optimizer_bound_to_another_network():
    opt, b = used_adam(), net()
    before, weights = opt_state(opt), [w.copy() for w in b.W]
    with pytest.raises(ValueError, match="keeps running averages for another network"):
        TrainingStepper(b, X, Y, lr=None, optimizer=opt)
    after = opt_state(opt)
    assert after[0] == before[0] == 50
    for a, a0 in zip(after[1] + after[2], before[1] + before[2]):
        np.testing.assert_array_equal(a, a0)
    for w, w0 in zip(b.W, weights):
        np.testing.assert_array_equal(w, w0)


def test_training_comparison_refuses_a_bound_optimizer_as_base_or_branch():
    with pytest.raises(ValueError, match="another network"):
        TrainingComparison(net(), X, Y, lr=None, optimizer=used_adam(), branch={"lr": 0.5})
    with pytest.raises(ValueError, match="another network"):
        TrainingComparison(net(), X, Y, branch={"optimizer": used_adam()})


def test_training_view_refuses_a_bound_optimizer():
    pytest.importorskip("ipywidgets")
    from bpnet.views.widgets import TrainingView

    with pytest.raises(ValueError, match="another network"):
        TrainingView(net(), X, Y, lr=None, optimizer=used_adam())


def test_a_fresh_optimizer_in_a_stepper_trains_as_network_train_does():
    """The refusal is only for another network's state: a fresh Adam gives Network.train's weights."""
    s = TrainingStepper(net(), X, Y, lr=None, optimizer=Adam(0.1))
    s.forward(20)
    ref = net()
    ref.train(X, Y, 20, optimizer=Adam(0.1))
    for w, r in zip(s.net.W, ref.W):
        np.testing.assert_array_equal(w, r)


def test_an_optimizer_used_on_the_same_network_may_continue_in_a_stepper():
    a, opt = net(), Adam(0.1)
    a.train(X, Y, 5, optimizer=opt)
    s = TrainingStepper(a, X, Y, lr=None, optimizer=opt)
    s.forward(3)
    a.train(X, Y, 3, optimizer=opt)  # the same continuation, made directly
    for w, r in zip(s.net.W, a.W):
        np.testing.assert_array_equal(w, r)


# ----- 1. a stepper copies its inputs -------------------------------------------------------------
def test_training_stepper_keeps_its_own_copy_of_the_data():
    Xc, Yc = X.copy(), Y.copy()
    s = TrainingStepper(net(), Xc, Yc)
    Xc[:] = 5.0
    Yc[:] = 0.0
    s.forward(3)
    ref = TrainingStepper(net(), X, Y)
    ref.forward(3)
    np.testing.assert_array_equal(s.costs, ref.costs)


def test_rule_stepper_keeps_its_own_copy_of_the_data():
    """Its second rule's trace is computed on the first switch: from the data it was given."""
    Xc = X.copy()
    s = RuleStepper(net(), Xc, Y, 0.5)
    Xc[:] = 9.0
    s.set_rule("article")
    ref = RuleStepper(net(), X, Y, 0.5, rule="article")
    assert [st.value for st in s.trace.steps] == [st.value for st in ref.trace.steps]


# ----- 5. stepper arguments -----------------------------------------------------------------------
@pytest.mark.parametrize("lr", [0, -1.0, float("inf"), float("nan")])
def test_training_stepper_refuses_a_bad_learning_rate_at_once(lr):
    with pytest.raises(ValueError, match="learning rate must be a finite number > 0"):
        TrainingStepper(net(), X, Y, lr=lr)


@pytest.mark.parametrize("lr", [0, float("inf")])
def test_training_view_refuses_a_bad_learning_rate_at_once(lr):
    pytest.importorskip("ipywidgets")
    from bpnet.views.widgets import TrainingView

    with pytest.raises(ValueError, match="learning rate"):
        TrainingView(net(), X, Y, lr=lr)


@pytest.mark.parametrize("move,k", [("back", -5), ("forward", -1), ("forward", 1.9), ("forward", float("inf")),
                                    ("back", 0.5), ("run", 1.5), ("forward", "2")])
def test_stepper_moves_refuse_counts_that_are_not_whole(move, k):
    s = TrainingStepper(net(), X, Y)
    s.forward(2)
    with pytest.raises((ValueError, TypeError), match="whole number"):
        getattr(s, move)(k)
    assert s.index == 2


def test_stepper_moves_accept_whole_floats():
    s = TrainingStepper(net(), X, Y)
    s.forward(3.0)
    s.back(1.0)
    assert s.index == 2


# ----- 5. Network's entry points --------------------------------------------------------------------
@pytest.mark.parametrize("acts", [5, 1.5])
def test_activations_that_are_not_names(acts):
    with pytest.raises(TypeError, match=r"activations must be a name .* got (int|float)"):
        bpnet.Network.random([2, 3, 1], acts)


@pytest.mark.parametrize("seed,exc", [(-1, ValueError), ("a", TypeError), (1.5, ValueError), (None, TypeError)])
def test_random_seed_must_be_a_whole_number(seed, exc):
    with pytest.raises(exc, match="seed must be a whole number >= 0"):
        bpnet.Network.random([2, 3, 1], seed=seed)


@pytest.mark.parametrize("name", ["Z Z", "Z-", "1Z", "Zé", "Z\n"])
def test_layer_names_follow_the_network_file_rule(name):
    with pytest.raises(ValueError, match="letters, digits or _"):
        bpnet.Network.random([2, 3, 1], names=["X", name, "D"])
    with pytest.raises(bpnet.NetworkFileError, match=r"names\[1\]"):
        bpnet.load_network(dict(network_to_dict(bpnet.xor_example()), names=["X", name, "D"]))


def test_forward_overflow_is_a_divergence_error_naming_the_unit():
    n = bpnet.Network.constant([2, 3, 1], value=1e308)
    with _no_warnings():
        with pytest.raises(bpnet.DivergenceError, match=r"z\(Z1\) of sample 1 is inf") as info:
            n.forward([1, 1])
    assert info.value.where == "Z1"


def test_forward_at_the_edge_of_floats_is_still_computed():
    n = bpnet.Network.constant([1, 1], value=1e307)
    np.testing.assert_array_equal(n.forward([1.0]).output, [[2e307]])


class _no_warnings:
    def __enter__(self):
        import warnings

        self._cm = warnings.catch_warnings()
        self._cm.__enter__()
        warnings.simplefilter("error")

    def __exit__(self, *exc):
        return self._cm.__exit__(*exc)
