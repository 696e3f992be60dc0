"""Activations and losses write themselves as one spec ("leaky_relu(0.2)", "huber(1.5)") that
get_activation / get_loss read back to an equal object, parameters included."""

from __future__ import annotations

import numpy as np
import pytest

import bpnet
from bpnet import ACTIVATIONS, LOSSES, Activation, get_activation, get_loss, register_activation
from bpnet.core.activations import LeakyReLU
from bpnet.core.losses import Huber

Z = np.linspace(-4.0, 4.0, 17).reshape(-1, 1)


def _same_function(a, b) -> bool:
    return (type(a) is type(b) and np.array_equal(a.f(Z), b.f(Z)) and np.array_equal(a.df(Z), b.df(Z)))


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_every_registered_activation_reads_back_from_its_spec(name):
    act = get_activation(name)
    again = get_activation(act.spec)
    assert again.spec == act.spec and _same_function(act, again)


@pytest.mark.parametrize("alpha", [0.2, 0.1, 1e-7, 0.30000000000000004, 2.0])
def test_leaky_relu_keeps_every_digit_of_its_slope(alpha):
    act = LeakyReLU(alpha)
    assert act.spec == f"leaky_relu({alpha!r})"
    again = get_activation(act.spec)
    assert again.alpha == alpha and _same_function(act, again)
    assert LeakyReLU(0.2).spec == "leaky_relu(0.2)"


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_every_registered_loss_reads_back_from_its_spec(name):
    loss = get_loss(name)
    again = get_loss(loss.spec)
    a, y = np.array([[0.2, 0.8], [0.6, 0.4]]), np.array([[0.0, 1.0], [1.0, 0.0]])
    assert type(again) is type(loss) and again.spec == loss.spec
    assert np.array_equal(loss.per_sample(a, y), again.per_sample(a, y))


def test_huber_keeps_its_threshold():
    assert Huber(1.5).spec == "huber(1.5)"
    loss = get_loss("huber(0.25)")
    assert loss.threshold == 0.25 and loss.spec == "huber(0.25)"
    assert get_loss("huber").threshold == 1.0


def test_a_spec_is_read_like_a_name():
    """Case, '-' for '_' and spaces are forgiven, as they are for plain names."""
    act = get_activation(" Leaky-ReLU( 0.3 ) ")
    assert isinstance(act, LeakyReLU) and act.alpha == 0.3


@pytest.mark.parametrize("spec,words", [
    ("leaky_relu(x)", "finite numbers"), ("leaky_relu(nan)", "finite numbers"), ("sigmoid(1)", "takes no parameters"),
    ("leaky_relu(0.1", "brackets"), ("leaky_relu(1, 2)", "1 parameter"), ("swoosh(1)", "unknown activation"),
])
def test_a_bad_spec_is_one_clear_error(spec, words):
    with pytest.raises(ValueError, match="activation") as info:
        get_activation(spec)
    assert words in str(info.value) and spec in str(info.value)


def test_an_activation_defined_here_with_a_parameter_round_trips():
    class Scaled(Activation):
        """f(z) = c*z: a parameter the spec must carry."""

        name = "scaled_for_spec_test"
        parameters = ("c",)

        def __init__(self, c: float = 1.0):
            self.c = float(c)

        def f(self, z):
            return self.c * np.asarray(z)

        def df(self, z, a=None):
            return np.full_like(np.asarray(z, dtype=float), self.c)

    register_activation(Scaled)
    try:
        act = Scaled(3.5)
        assert act.spec == "scaled_for_spec_test(3.5)"
        again = get_activation(act.spec)
        assert again.c == 3.5 and _same_function(act, again)
        net = bpnet.Network.random([2, 3, 1], [act.spec, "identity"], seed=1)
        assert net.acts[0].c == 3.5
    finally:
        del ACTIVATIONS["scaled_for_spec_test"]


def test_register_refuses_parameters_its_constructor_does_not_take():
    class Bad(Activation):
        name = "bad_for_spec_test"
        parameters = ("k",)

        def f(self, z):
            return z

        def df(self, z, a=None):
            return np.ones_like(z)

    with pytest.raises(TypeError, match="parameters"):
        register_activation(Bad)
    assert "bad_for_spec_test" not in ACTIVATIONS
