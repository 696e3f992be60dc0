"""Divergence and overflow are seen: the first NaN/inf stops training with a DivergenceError.

``Network.step``/``train`` and ``trace_step`` check the cost, every gradient and every new
weight; at the first one that is not finite they raise ``bpnet.DivergenceError`` (a
ValueError) naming the epoch and the unit or weight, and the weights stay exactly as they
were before that update. ``train`` attaches the history so far to the error. The command
line prints one error line and exits non-zero; the training stepper stops and says where.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

import bpnet
from bpnet import DivergenceError
from bpnet.core.optimizers import SGD, Adam, Momentum

X, Y = bpnet.XOR_X, bpnet.XOR_Y

# These tests overflow on purpose; numpy's RuntimeWarnings on the way are expected.
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def identity_net(seed=0):
    return bpnet.Network.random([2, 3, 1], "identity", seed=seed)


def relu_net(seed=0):
    return bpnet.Network.random([2, 4, 1], ["relu", "identity"], init="he", seed=seed)


def worked_example_net():
    """The worked example's 2-3-1 identity network, every weight 1: gradients of a few units."""
    return bpnet.Network.constant([2, 3, 1], "identity")


def same_weights(a, b):
    return all(np.array_equal(wa, wb) for wa, wb in zip(a.W, b.W))


def test_divergence_error_is_a_value_error_and_exported():
    assert issubclass(DivergenceError, ValueError)
    assert "DivergenceError" in bpnet.__all__


# ----- train: stop at the first non-finite number, weights as before that update -------------
@pytest.mark.parametrize("make,lr", [(identity_net, 1e6), (relu_net, 1e6), (identity_net, 50.0)],
                         ids=["identity-1e6", "relu-1e6", "identity-50"])
def test_train_stops_at_the_first_divergent_epoch(make, lr):
    net = make()
    with pytest.raises(DivergenceError) as info:
        net.train(X, Y, epochs=5000, lr=lr)
    err = info.value
    e = err.epoch
    assert isinstance(e, int) and 0 <= e < 5000
    assert f"epoch {e}" in str(err)
    assert err.where and err.where in str(err)  # a unit (Z1, D0) or a weight (X1->Z1)
    assert err.quantity in ("cost", "pre-activation", "activation", "gradient", "weight")
    # Every number training produced before stopping is finite: nothing NaN/inf was kept.
    assert all(np.isfinite(w).all() for w in net.W)
    assert np.isfinite(err.history).all() and len(err.history) in (e, e + 1)
    # The weights are exactly those after e full-batch epochs: replay them on a fresh copy.
    replay = make()
    h = replay.train(X, Y, epochs=e, lr=lr)
    assert same_weights(net, replay)
    np.testing.assert_array_equal(err.history[:e], h)


def test_train_with_minibatches_keeps_the_updates_before_the_failing_one():
    net = identity_net()
    with pytest.raises(DivergenceError) as info:
        net.train(X, Y, epochs=5000, lr=30.0, batch_size=1, seed=3)
    assert all(np.isfinite(w).all() for w in net.W)
    assert info.value.epoch is not None and info.value.history is not None


def test_weight_overflow_is_caught_before_it_is_written():
    """Finite gradient, finite cost, but w - lr*g overflows: refused, weights untouched, the weight named."""
    net = worked_example_net()
    before = net.copy()
    with pytest.raises(DivergenceError, match=r"->") as info:
        net.step(X, Y, lr=1e308)
    err = info.value
    assert err.quantity == "weight" and err.where in net.weight_names()
    assert same_weights(net, before)


def test_non_finite_cost_names_the_output_unit():
    net = identity_net()
    before = net.copy()
    big = np.full((1, 2), 1e200)
    with pytest.raises(DivergenceError, match="D0") as info:
        net.step(big, [[0.0]], lr=0.1)
    assert info.value.quantity in ("cost", "pre-activation", "activation")
    assert same_weights(net, before)


def test_overflowing_pre_activation_names_the_hidden_unit():
    """z = inf in a hidden ReLU unit makes the output and the cost inf: the error names where it started."""
    net = bpnet.Network.random([2, 3, 1], ["relu", "identity"], seed=1)
    net.W[0][1, 1] = 1e308
    net.W[0][2, 1] = 1e308
    before = net.copy()
    with pytest.raises(DivergenceError, match=r"pre-activation of Z2 is inf \(sample 1\)") as info:
        net.step([[1.0, 1.0]], [[1.0]], lr=0.1)
    assert info.value.quantity == "pre-activation" and info.value.where == "Z2"
    assert same_weights(net, before)


def test_saturated_unit_with_infinite_z_is_not_a_divergence():
    """z = inf in a tanh unit gives a = 1, f'(z) = 0: every cost, gradient and weight stays finite, so training goes on."""
    net = bpnet.Network.random([2, 3, 1], ["tanh", "sigmoid"], seed=1)
    net.W[0][1, 1] = net.W[0][2, 1] = 1e308
    cost = net.step([[1.0, 1.0]], [[1.0]], lr=0.1)
    assert np.isfinite(cost) and all(np.isfinite(w).all() for w in net.W)


@pytest.mark.parametrize("opt", [lambda: SGD(1e308), lambda: Momentum(1e308, average=False), lambda: Adam(1e308)],
                         ids=["sgd", "momentum", "adam"])
def test_optimizer_overflow_is_named_and_nothing_changes(opt):
    net = worked_example_net()
    o = opt()
    with pytest.raises(DivergenceError) as info:
        net.train(X, Y, epochs=10, optimizer=o)
    err = info.value
    assert err.where in net.weight_names() and err.where in str(err) and f"epoch {err.epoch}" in str(err)
    assert o.t == err.epoch  # the failing update moved neither the weights nor the optimizer's state
    replay = worked_example_net()
    replay.train(X, Y, epochs=err.epoch, optimizer=opt())
    assert same_weights(net, replay)


def test_step_message_is_one_line():
    with pytest.raises(DivergenceError) as info:
        worked_example_net().step(X, Y, lr=1e308)
    assert "\n" not in str(info.value)


# ----- trace_step ---------------------------------------------------------------------------------
def test_trace_step_refuses_a_divergent_update():
    net = worked_example_net()
    before = net.copy()
    with pytest.raises(DivergenceError) as info:
        bpnet.trace_step(net, X, Y, lr=1e308)
    assert info.value.where in str(info.value)
    assert same_weights(net, before)


# ----- the command line ---------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["json", "text"])
def test_cli_prints_one_error_line_and_exits_non_zero(fmt):
    r = subprocess.run([sys.executable, "-m", "bpnet", "trace", "--example", "xor", "--lr", "1e308",
                        "--format", fmt], capture_output=True, text=True)
    assert r.returncode != 0
    assert r.stdout == ""  # no half-written JSON, no -Infinity
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and "diverged" in lines[0]


@pytest.mark.slow
def test_cli_json_is_strict_json():
    """Every number the CLI writes is finite: a strict parser (no NaN/Infinity) reads it."""
    r = subprocess.run([sys.executable, "-m", "bpnet", "trace", "--example", "xor", "--lr", "1e300",
                        "--format", "json"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr

    def refuse(name):
        raise ValueError(f"non-finite number {name} in the JSON")

    data = json.loads(r.stdout, parse_constant=refuse)
    assert data["weights_after"]


# ----- the training stepper and its view ----------------------------------------------------------
def test_training_stepper_stops_and_says_where():
    from bpnet.views.stepper import TrainingStepper

    st = TrainingStepper(identity_net(), X, Y, lr=1e6, max_steps=200)
    st.run(200)
    assert st.diverged_at is not None and st.index == st.diverged_at < 200
    assert np.isfinite(st.costs).all()
    assert f"diverged at epoch {st.diverged_at}" in st.label
    # Going back and forth still works, and never past the divergence.
    assert st.back(1) and st.index == st.diverged_at - 1
    st.forward(10)
    assert st.index == st.diverged_at
    # The weights shown are those a plain train() of that many epochs gives.
    ref = identity_net()
    ref.train(X, Y, epochs=st.diverged_at, lr=1e6)
    assert same_weights(st.net, ref)


def test_training_stepper_without_divergence_says_nothing_about_it():
    from bpnet.views.stepper import TrainingStepper

    st = TrainingStepper(identity_net(), X, Y, lr=0.05, max_steps=30)
    st.run(30)
    assert st.diverged_at is None and "diverged" not in st.label and st.index == 30


def test_training_view_shows_the_divergence_instead_of_nans():
    pytest.importorskip("ipywidgets")
    from bpnet.views.widgets import TrainingView

    view = TrainingView(identity_net(), X, Y, epochs=100, lr=1e6)
    view.run()
    st = view.stepper
    assert st.diverged_at is not None
    assert f"diverged at epoch {st.diverged_at}" in view.status.value
    assert np.isfinite(st.costs).all()


def test_training_stepper_takes_an_optimizer_name_as_train_does():
    from bpnet.views.stepper import TrainingStepper

    st = TrainingStepper(identity_net(), X, Y, lr=0.01, optimizer="adam", max_steps=15)
    st.run(15)
    ref = identity_net()
    ref.train(X, Y, epochs=15, lr=0.01, optimizer="adam")
    assert st.index == 15 and same_weights(st.net, ref)
