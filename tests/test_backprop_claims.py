"""What notebook 04's prose claims about backpropagation, checked on bpnet's own networks: the memory the
backward pass needs (section 5) and BP2 read unit by unit against the matrix form."""

from __future__ import annotations

import numpy as np
import pytest

import bpnet


@pytest.mark.parametrize("sizes,m", [([2, 3, 1], 4), ([2, 32, 32, 1], 256), ([5, 4, 3, 2], 1)])
def test_the_forward_pass_keeps_the_input_and_a_z_and_an_a_per_unit_for_every_sample(sizes, m):
    net = bpnet.Network.random(sizes, "tanh", seed=0)
    fwd = net.forward(np.random.default_rng(0).normal(size=(m, sizes[0])))
    kept = sum(a.size for a in fwd.a) + sum(z.size for z in fwd.z)
    assert kept == m * (sizes[0] + 2 * sum(sizes[1:]))


def test_bp2_unit_by_unit_is_the_matrix_product_and_the_chain_rule():
    """delta_i = f'(z_i) * sum_j W_ij delta_j for every hidden unit, and that is dL/dz_i by central differences."""
    rng = np.random.default_rng(3)
    net = bpnet.Network([rng.normal(size=(3, 4)), rng.normal(size=(5, 2))], "sigmoid")
    x, y = np.array([[0.4, -1.2]]), np.array([[0.2, 0.9]])
    fwd = net.forward(x)
    hidden, out = net.backward(fwd, y)
    sig = net.acts[0]
    by_unit = [sig.df(fwd.z[0][0, i]) * sum(net.W[1][1 + i, j] * out[0, j] for j in range(2)) for i in range(4)]
    np.testing.assert_allclose(hidden[0], by_unit, rtol=1e-12)

    def loss_at(z_hidden):
        a = sig.f(z_hidden)
        o = net.acts[1].f(a @ net.W[1][1:] + net.W[1][0])
        return 0.5 * np.sum((o - y) ** 2)

    eps = 1e-6
    central = [(loss_at(fwd.z[0] + eps * np.eye(4)[i]) - loss_at(fwd.z[0] - eps * np.eye(4)[i])) / (2 * eps)
               for i in range(4)]
    np.testing.assert_allclose(hidden[0], central, rtol=1e-6, atol=1e-10)
