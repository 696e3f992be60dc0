"""Dropout and batch normalisation, each a ``Backprop`` that changes one or two per-layer steps.

Both act on the hidden layers only (l = 0 .. L-2); the output layer is as in ``Backprop``.

Dropout (inverted), with keep probability q = 1 - p and a fresh random mask per forward pass:
  mask[l]  = (uniform(0, 1) >= p) / q         (m, n_{l+1}): 0 or 1/q
  a[l+1]   = f(z[l]) * mask[l]                so that E[a] is f(z) and nothing changes at test time
  delta[l] = f'(z[l]) * mask[l] * back        a dropped unit passes no delta back

Batch normalisation of each hidden unit over the batch (Ioffe and Szegedy, 2015), with u the
weighted sum ``a[l] @ W[l][1:] + W[l][0]``:
  mu    = mean(u)        var = mean((u - mu)^2)        s = sqrt(var + eps)
  u_hat = (u - mu) / s   z[l] = gamma[l] * u_hat + beta[l]
and backwards, with delta = dL/dz[l] per sample (means over the batch):
  dJ/dgamma = mean(delta * u_hat)     dJ/dbeta = mean(delta)
  delta_u   = gamma / s * (delta - mean(delta) - u_hat * mean(delta * u_hat))
``delta_u`` is what flows into W[l] (its gradient, source activation * delta_u averaged) and
back to the layer below. The mean is subtracted, so W[l]'s bias row gets a zero gradient.

``Dropout(net, p, seed)`` and ``BatchNorm(net)`` train with ``.training(...)`` or ``.step(...)``
like any Backprop; ``BatchNorm`` keeps gamma and beta (start 1 and 0) and updates them with lr.
"""

from __future__ import annotations

import numpy as np

from .checks import check_real
from .network import Backprop, Network, batches

__all__ = ["Dropout", "BatchNorm", "BN_EPS"]

#: Added to the variance before the square root, so that a unit constant over the batch does not divide by 0.
BN_EPS = 1e-5


class Dropout(Backprop):
    """Backprop with (inverted) dropout on every hidden layer: each forward pass drops each hidden
    unit with probability ``p`` (seeded) and scales the kept ones by 1 / (1 - p)."""

    def __init__(self, net: Network, p: float, seed: int = 0, loss="half_squared_error"):
        super().__init__(net, loss)
        p = check_real(p, "the dropout probability p")
        if not 0 <= p < 1:
            raise ValueError(f"the dropout probability p must be in [0, 1), got {p}")
        self.p = p
        self.rng = np.random.default_rng(seed)
        self.masks: dict[int, np.ndarray] = {}  # layer -> this forward pass's mask

    def activate(self, l: int, z: np.ndarray) -> np.ndarray:
        a = super().activate(l, z)
        if l == self.L - 1:
            return a
        self.masks[l] = (self.rng.uniform(size=a.shape) >= self.p) / (1 - self.p)
        return a * self.masks[l]

    def hidden_delta(self, l: int, z: np.ndarray, a: np.ndarray, back: np.ndarray) -> np.ndarray:
        # f'(z) from z and the unit's own activation f(z), not the dropped one
        return self.acts[l].backward(z, self.acts[l].f(z), back * self.masks[l])


class BatchNorm(Backprop):
    """Backprop with batch normalisation of every hidden unit's weighted sum, over the batch."""

    def __init__(self, net: Network, loss="half_squared_error", eps: float = BN_EPS):
        super().__init__(net, loss)
        self.eps = eps
        hidden = [w.shape[1] for w in net.W[:-1]]
        self.gamma = [np.ones(n) for n in hidden]
        self.beta = [np.zeros(n) for n in hidden]
        self.u_hat: dict[int, np.ndarray] = {}
        self.s: dict[int, np.ndarray] = {}

    def pre_activation(self, l: int, a_src: np.ndarray) -> np.ndarray:
        u = super().pre_activation(l, a_src)                     # (m, n)
        if l == self.L - 1:
            return u
        mu = u.mean(axis=0)                                      # (n,)
        var = ((u - mu) ** 2).mean(axis=0)
        self.s[l] = np.sqrt(var + self.eps)
        self.u_hat[l] = (u - mu) / self.s[l]
        return self.gamma[l] * self.u_hat[l] + self.beta[l]

    def through_norm(self, l: int, delta: np.ndarray) -> np.ndarray:
        """delta_u = dL/du of hidden layer l from delta = dL/dz (per sample, as every delta)."""
        u_hat = self.u_hat[l]
        return self.gamma[l] / self.s[l] * (delta - delta.mean(axis=0) - u_hat * (delta * u_hat).mean(axis=0))

    def backpropagate(self, l: int, delta_next: np.ndarray) -> np.ndarray:
        if l + 1 < self.L - 1:                                   # layer l+1 is normalised
            delta_next = self.through_norm(l + 1, delta_next)
        return super().backpropagate(l, delta_next)

    def gradient(self, l: int, a_src: np.ndarray, delta: np.ndarray) -> np.ndarray:
        return super().gradient(l, a_src, self.through_norm(l, delta) if l < self.L - 1 else delta)

    def norm_gradients(self, deltas: list[np.ndarray]) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """dJ/dgamma and dJ/dbeta of every hidden layer."""
        return ([(d * self.u_hat[l]).mean(axis=0) for l, d in enumerate(deltas[:-1])],
                [d.mean(axis=0) for d in deltas[:-1]])

    def step(self, X: np.ndarray, y: np.ndarray, lr: float, optimizer=None) -> float:
        """One update of the weights, gamma and beta from the batch (X, y); the cost before it."""
        if optimizer is not None:
            raise ValueError("BatchNorm updates gamma and beta by plain gradient descent: no optimizer")
        fwd = self.forward(X)
        cost = self.cost(fwd, y)
        deltas = self.deltas(fwd, y)
        g_gamma, g_beta = self.norm_gradients(deltas)
        self.apply(self.gradients(fwd, deltas), lr)
        for l in range(self.L - 1):
            self.gamma[l] -= lr * g_gamma[l]
            self.beta[l] -= lr * g_beta[l]
        return cost

    def training(self, X, y, epochs: int, lr: float, optimizer=None, batch_size: int | None = None, seed: int = 0,
                 first_epoch: int = 0):
        """The epoch loop, every update through ``step`` (gamma and beta learn too); yields the cost before each epoch."""
        m = X.shape[0]
        for epoch in range(first_epoch, first_epoch + epochs):
            yield self.cost(self.forward(X), y)
            for batch in (batches(m, batch_size, seed, epoch) if batch_size and batch_size < m else [slice(None)]):
                self.step(X[batch], y[batch], lr, optimizer)
