"""Activations and losses describe themselves, and what they say is true of their numbers."""

import math

import numpy as np
import pytest

from bpnet.core.activations import ACTIVATIONS, Activation, get_activation, register_activation
from bpnet.core.losses import LOSSES, Loss, get_loss, register_loss

ELEMENTWISE = sorted({cls.name for cls in ACTIVATIONS.values() if cls.elementwise})
Z = np.linspace(-8, 8, 3201)


@pytest.mark.parametrize("name", sorted({cls.name for cls in ACTIVATIONS.values()}))
def test_every_activation_has_its_text(name):
    act = get_activation(name)
    d = act.describe()
    for key in ("formula", "formula_latex", "derivative", "derivative_latex", "saturation_note", "hint",
                "derivative_hint"):
        assert isinstance(d[key], str) and d[key] and d[key] != getattr(Activation, key), (name, key)
    lo, hi = act.value_range
    a = act.f(Z if act.elementwise else Z[:3200].reshape(-1, 8))
    assert (a >= lo).all() and (a <= hi).all()


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_backward_is_df_times_g_and_a_may_be_passed(name):
    act = get_activation(name)
    a = act.f(Z)
    g = np.random.default_rng(0).normal(size=Z.shape)
    np.testing.assert_array_equal(act.df(Z, a), act.df(Z))
    np.testing.assert_allclose(act.backward(Z, a, g), g * act.df(Z), rtol=1e-15, atol=0)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_peak_is_the_largest_slope(name):
    act = get_activation(name)
    assert float(np.max(act.df(Z))) == pytest.approx(act.peak, rel=1e-6)


@pytest.mark.parametrize("name,z,words", [
    ("sigmoid", 0.0, "100% of its peak 0.25"),
    ("sigmoid", 6.0, "Saturated"),
    ("tanh", 3.0, "Saturated"),
    ("relu", -1.0, "'dead'"),
    ("relu", 1.0, "no saturation"),
    ("leaky_relu", -1.0, "f'(z) = 0.01"),
    ("identity", 5.0, "never saturates"),
])
def test_notes_for_the_explorer(name, z, words):
    assert words in get_activation(name).note(z)


def test_derivative_in_terms_of_a_is_true():
    for name in ("sigmoid", "tanh"):
        act = get_activation(name)
        a = act.f(Z)
        value = eval(act.derivative_in_terms_of_a.replace("^", "**"), {"a": a})
        np.testing.assert_allclose(value, act.df(Z), rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize("name", sorted({cls.name for cls in LOSSES.values()}))
def test_every_loss_has_its_text_and_delta_is_dl_dz(name):
    loss = get_loss(name)
    assert loss.formula and loss.formula_latex and loss.hint and loss.grad_formula
    rng = np.random.default_rng(1)
    y = np.array([[1.0, 0.0, 0.0], [0.0, 0.3, 0.7]])
    z = rng.normal(size=(2, 3))
    for act in (get_activation("sigmoid"), get_activation("softmax"), get_activation("identity")):
        a = act.f(z)
        general = act.backward(z, a, loss.grad(a, y))
        np.testing.assert_allclose(loss.delta(act, z, a, y), general, rtol=1e-9, atol=1e-12)
        assert loss.short_delta(act) == (act.name in loss.short_delta_activations)
    sym, num = loss.written(["D0", "D1", "D2"], a[0], y[0])
    assert "D2" in sym and "D0" in sym


def test_short_delta_pairs():
    assert get_loss("bce").short_delta(get_activation("sigmoid"))
    assert get_loss("cce").short_delta(get_activation("softmax"))
    assert get_loss("mse").short_delta(get_activation("identity"))
    assert not get_loss("mse").short_delta(get_activation("sigmoid"))
    assert not get_loss("bce").short_delta(get_activation("identity"))


def test_loss_text_as_the_trace_writes_it():
    assert get_loss("mse").written(["D0"], [4.0], [0.0]) == ("1/2*(D0 - y)^2", "1/2*(4 - 0)^2")
    assert get_loss("mae").written(["D0", "D1"], [1, 2], [0, 0]) == ("|D0 - y0| + |D1 - y1|", "|1 - 0| + |2 - 0|")
    assert get_loss("huber").written(["D0"], [1.5], [0]) == ("huber(D0 - y)", "huber(1.5 - 0)")


def test_cost_mistakes():
    a, y = np.array([[0.8], [0.3]]), np.array([[1.0], [0.0]])
    keys = [k for k, _, _ in get_loss("mse").cost_mistakes(a, y)]
    assert "missing_half" in keys and "error_not_loss" in keys
    (key, value, hint), = get_loss("bce").cost_mistakes(a, y)
    assert key == "sign" and value == -get_loss("bce").cost(a, y) and "minus sign" in hint
    assert get_loss("mae").cost_mistakes(a, y) == []


def test_registration_by_name():
    class Cube(Activation):
        name = symbol = "cube_for_test"
        formula = "z^3"

        def f(self, z):
            return z ** 3

        def df(self, z, a=None):
            return 3 * np.asarray(z) ** 2

    class Quartic(Loss):
        name = "quartic_for_test"

        def per_sample(self, a, y):
            return ((a - y) ** 4).sum(axis=-1)

        def grad(self, a, y):
            return 4 * (a - y) ** 3

    try:
        register_activation(Cube, "cube-alias")
        register_loss(Quartic)
        assert isinstance(get_activation("cube_for_test"), Cube) and isinstance(get_activation("Cube-Alias"), Cube)
        assert isinstance(get_loss("quartic_for_test"), Quartic)
        np.testing.assert_array_equal(get_activation("cube_for_test").backward(np.array([2.0]), None, np.array([1.0])),
                                      [12.0])
    finally:
        for reg, keys in ((ACTIVATIONS, ("cube_for_test", "cube_alias")), (LOSSES, ("quartic_for_test",))):
            for k in keys:
                reg.pop(k, None)
    with pytest.raises(TypeError, match="Activation subclass"):
        register_activation(int)
    with pytest.raises(TypeError, match="Loss subclass"):
        register_loss(Loss)


def test_leaky_relu_text_follows_alpha():
    from bpnet.core.activations import LeakyReLU
    act = LeakyReLU(0.2)
    assert "0.2" in act.formula and "0.2" in act.derivative and act.value_range == (-math.inf, math.inf)
    assert "0.2" in act.note(-1.0)


def test_registering_a_df_without_a_is_refused():
    class OneArg(Activation):
        name = "one_arg_for_test"

        def f(self, z):
            return z

        def df(self, z):
            return np.ones_like(z)

    with pytest.raises(TypeError, match=r"OneArg.df must take \(z, a=None\)"):
        register_activation(OneArg)
    assert "one_arg_for_test" not in ACTIVATIONS
