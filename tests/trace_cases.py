"""One catalogue of traces to test on (not a test module): the worked example and seeded random
networks of other shapes, activations, losses and rules.

``CASES``: (id, net, X, y, lr, loss, rule) for ``bpnet.trace_step``; ``CASE_IDS`` their ids, for
``pytest.mark.parametrize("case", CASES, ids=CASE_IDS)``. Each random case draws from its own seed.
"""

from __future__ import annotations

import numpy as np

import bpnet


def _cases():
    ex = bpnet.xor_example()
    yield "xor-article", ex.net, ex.X[:1], ex.y[:1], 0.1, "half_squared_error", "article"
    yield "xor-batch", ex.net, ex.X, ex.y, 0.1, "half_squared_error", "gradient"
    net = bpnet.Network.random([2, 3, 1], "sigmoid", seed=7)
    yield "sigmoid-bce", net, ex.X, ex.y, 0.5, "binary_cross_entropy", "gradient"
    rng = np.random.default_rng(3)
    net = bpnet.Network.random([3, 4, 3, 2], ["tanh", "relu", "identity"], init="normal", seed=11)
    yield "deep-random-article", net, rng.normal(size=(2, 3)), rng.normal(size=(2, 2)), 0.05, "half_squared_error", \
        "article"
    rng = np.random.default_rng(2)
    net = bpnet.Network.random([2, 3, 2], ["tanh", "softmax"], seed=1)
    yield "softmax-cce", net, rng.normal(size=(2, 2)), np.eye(2)[[0, 1]], 0.1, "cce", "gradient"
    rng = np.random.default_rng(5)
    net = bpnet.Network.random([3, 4, 3], ["tanh", "softmax"], seed=2)
    yield "softmax-cce-3", net, rng.normal(size=(2, 3)), np.eye(3)[[0, 2]], 0.3, "cce", "gradient"
    rng = np.random.default_rng(4)
    net = bpnet.Network.random([3, 4, 3, 1], ["relu", "leaky_relu", "sigmoid"], init="he", seed=4)
    yield "deep-bce", net, rng.normal(size=(1, 3)), [[1.0]], 1e-5, "bce", "gradient"
    rng = np.random.default_rng(3)
    net = bpnet.Network.random([2, 3, 2], ["relu", "sigmoid"], init="he", seed=3)
    yield "two-outputs-bce-article", net, rng.normal(size=(3, 2)), rng.random((3, 2)), 0.2, "bce", "article"
    for loss in ("absolute_error", "huber"):
        rng = np.random.default_rng(6)
        net = bpnet.Network.random([2, 2, 1], ["sigmoid", "identity"], seed=6)
        yield f"identity-{loss}", net, rng.normal(size=(2, 2)), rng.normal(size=(2, 1)), 0.5, loss, "gradient"


CASES = list(_cases())
CASE_IDS = [c[0] for c in CASES]
