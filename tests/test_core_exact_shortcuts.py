"""The cheaper forms on the training path give exactly the numbers of the plain ones.

The finiteness check of the new weights sums each array (a sum is finite only if every term is);
a sum that overflows must not be taken for a NaN. ReLU's backward multiplies by the mask z > 0.
Categorical cross-entropy's cost from softmax outputs, none below EPS, is its formula from a.
"""

import numpy as np
import pytest

from bpnet.core.activations import get_activation
from bpnet.core.errors import DivergenceError
from bpnet.core.losses import EPS, get_loss
from bpnet.core.errors import all_finite
from bpnet.core.network import Network


@pytest.mark.parametrize("arrays, expected", [
    ([np.array([[1.0, -2.0]]), np.array([[3.0]])], True),
    ([np.array([[1e308, 1e308]])], True),  # the sum overflows to inf; every number is finite
    ([np.array([[1e308, 1e308, -1e308, -1e308, 1e308]])], True),  # the sum may come out inf - inf = NaN
    ([np.array([[1.0, np.nan]])], False),
    ([np.array([[1.0]]), np.array([[np.inf, -np.inf]])], False),
    ([np.array([[1e308, 1e308, -np.inf]])], False),
    ([np.array([[-np.inf]])], False),
])
def test_all_finite_is_exact(arrays, expected):
    with np.errstate(over="ignore", invalid="ignore"):
        assert all_finite(arrays) is expected
        assert all_finite(arrays) == all(np.isfinite(w).all() for w in arrays)


def test_weights_whose_sum_overflows_train_on():
    # Both weights 1e308: their sum is beyond the largest float, yet every weight is finite and
    # the cost is 0, so the update (which changes nothing) must go through.
    net = Network([[[1e308], [1e308]]], "identity")
    history = net.train(np.zeros((1, 1)), [[1e308]], 3, 0.1)
    np.testing.assert_array_equal(history, [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(net.W[0], [[1e308], [1e308]])


def test_a_weight_overflowing_is_still_named_and_nothing_changes():
    # z = -1e308 + 1e308 = 0, delta = 1, both gradients 1: the bias would become -1e308 - 1e308 = -inf
    net = Network([[[-1e308], [1e308]]], "identity")
    before = net.W[0].copy()
    with pytest.raises(DivergenceError) as info:
        net.train(np.ones((1, 1)), [[-1.0]], 1, 1e308)
    assert (info.value.quantity, info.value.where, info.value.value) == ("weight", "X0->D0", -np.inf)
    np.testing.assert_array_equal(net.W[0], before)


def test_relu_backward_is_g_times_its_derivative_bit_for_bit():
    relu = get_activation("relu")
    z = np.array([[-2.0, -0.0, 0.0, 1e-300, 3.0], [np.inf, -np.inf, 5.0, -5.0, 0.5]])
    g = np.array([[1.5, -2.0, -0.0, -3.0, np.nan], [2.0, -1.0, -0.0, 4.0, -7.0]])
    with np.errstate(invalid="ignore"):
        got, expected = relu.backward(z, relu.f(z), g), g * relu.df(z)
    assert got.dtype == np.float64 and got.tobytes() == expected.tobytes()


@pytest.mark.parametrize("a", [
    np.array([[0.2, 0.3, 0.5], [1e-12, 0.5, 0.5 - 1e-12]]),  # softmax outputs, none below EPS
    np.array([[2.5, 0.3, 1.0], [1e-3, 7.0, 0.25]]),  # above 1 (a learner's unnormalised e^z): clipped at 1
])
def test_cce_cost_from_a_equals_the_clipped_formula(a):
    cce, softmax = get_loss("cce"), get_activation("softmax")
    y = np.array([[0.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    assert a.min() >= EPS
    got = cce.sample_losses(a, y, np.zeros_like(a), softmax)  # z unused where no a is below EPS
    assert got.tobytes() == cce.per_sample(a, y).tobytes()
