"""Batch normalisation and dropout as computation graphs of ``Value``s, to step through.

``batch_norm_graph(u, targets, gamma, beta)``: one unit over a batch of samples, its weighted
sums ``u`` normalised, scaled and shifted, and the half squared error of the results against
``targets`` averaged over the batch. ``dropout_graph(z, mask, w, target)``: one sample through
a layer of tanh units, some dropped by ``mask``, summed by the weights ``w`` into one output.
Both return the loss Value, whose ``backward()`` records every step; the numbers are those of
``bpnet.core.dropout_batchnorm`` (the tests compare them).
"""

from __future__ import annotations

from ..core.dropout_batchnorm import BN_EPS
from .autograd import Value, mean, total

__all__ = ["batch_norm_graph", "dropout_graph"]


def batch_norm_graph(u, targets, gamma: float = 1.0, beta: float = 0.0, eps: float = BN_EPS) -> Value:
    """L = mean over the batch of ½(z − t)², z = γ·û + β, û = (u − μ)/√(v + ε), μ and v the batch's mean and variance."""
    if len(u) != len(targets) or len(u) < 2:
        raise ValueError(f"batch_norm_graph needs as many targets as samples, at least 2; got {len(u)} and {len(targets)}")
    us = [Value(x, f"u{i + 1}") for i, x in enumerate(u)]
    g, b = Value(gamma, "γ", param=True), Value(beta, "β", param=True)
    mu = mean(us).named("μ")
    d = [(x - mu).named(f"d{i + 1}") for i, x in enumerate(us)]
    v = mean([di * di for di in d]).named("v")
    s = ((v + eps) ** 0.5).named("s")
    z = [(g * (di / s).named(f"û{i + 1}") + b).named(f"z{i + 1}") for i, di in enumerate(d)]
    return (0.5 * mean([(zi - t) ** 2 for zi, t in zip(z, targets)])).named("L")


def dropout_graph(z, mask, w, target: float) -> Value:
    """L = ½(y − t)² for y = Σ w_i · tanh(z_i) · mask_i: each hidden unit's activation times its
    mask entry (0 for a dropped unit, 1/q for a kept one)."""
    if not len(z) == len(mask) == len(w):
        raise ValueError(f"dropout_graph needs z, mask and w of one length, got {len(z)}, {len(mask)} and {len(w)}")
    zs = [Value(x, f"z{i + 1}") for i, x in enumerate(z)]
    ws = [Value(x, f"w{i + 1}", param=True) for i, x in enumerate(w)]
    a = [(zi.tanh() * float(m)).named(f"a{i + 1}") for i, (zi, m) in enumerate(zip(zs, mask))]
    y = total([wi * ai for wi, ai in zip(ws, a)]).named("y")
    return (0.5 * (y - target) ** 2).named("L")
