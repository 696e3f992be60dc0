"""Losses: the value for each sample and the gradient dL/da at the output.

Shapes: predictions ``a`` and targets ``y`` are (m, k) arrays, m samples of k
outputs. ``loss.per_sample(a, y)`` has shape (m,); the cost of a batch is the
mean of the per-sample losses, ``loss.cost(a, y)``. ``loss.grad(a, y)`` is
dL/da for one sample's loss (the network divides by m when it averages).

The output layer's delta is dL/dz = dL/da * f'(z). Two pairs have a famous
short form, delta = a - y: sigmoid + binary cross-entropy and softmax +
categorical cross-entropy. ``output_delta`` uses it for those pairs, which is
also the numerically stable way (no division by a(1-a) near 0 or 1).
"""

from __future__ import annotations

import numpy as np

from ._checks import lookup
from .activations import Activation, Identity, Sigmoid, Softmax

__all__ = [
    "Loss",
    "HalfSquaredError",
    "BinaryCrossEntropy",
    "CategoricalCrossEntropy",
    "AbsoluteError",
    "Huber",
    "LOSSES",
    "get_loss",
    "output_delta",
]

# Predictions are clipped this far from 0 and 1 before a log: log(0) never happens.
EPS = 1e-12


def _clip(a, lo: float, hi: float) -> np.ndarray:
    """np.clip(a, lo, hi) for lo < hi (NaN stays NaN) as two ufunc calls: np.clip's
    Python-level dispatch costs more than the clipping itself on a training batch."""
    return np.minimum(np.maximum(a, lo), hi)


class Loss:
    name = "loss"
    formula = "L"

    def per_sample(self, a: np.ndarray, y: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def grad(self, a: np.ndarray, y: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def cost(self, a: np.ndarray, y: np.ndarray) -> float:
        """J = mean over the batch of the per-sample losses."""
        per_sample = self.per_sample(a, y)
        # sum / size is exactly np.mean (the same pairwise sum), without its Python wrapper.
        return float(per_sample.sum() / per_sample.size)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class HalfSquaredError(Loss):
    """L = 1/2 * sum_k (a_k - y_k)^2, dL/da = a - y."""

    name = "half_squared_error"
    formula = "1/2*(a - y)^2"

    def per_sample(self, a, y):
        return 0.5 * ((a - y) ** 2).sum(axis=-1)

    def grad(self, a, y):
        return a - y


class BinaryCrossEntropy(Loss):
    """L = -sum_k [y log a + (1 - y) log(1 - a)], dL/da = (a - y) / (a (1 - a))."""

    name = "binary_cross_entropy"
    formula = "-(y*log(a) + (1 - y)*log(1 - a))"

    def per_sample(self, a, y):
        a = _clip(a, EPS, 1.0 - EPS)
        return -(y * np.log(a) + (1.0 - y) * np.log1p(-a)).sum(axis=-1)

    def grad(self, a, y):
        a = np.clip(a, EPS, 1.0 - EPS)
        return (a - y) / (a * (1.0 - a))


class CategoricalCrossEntropy(Loss):
    """L = -sum_k y_k log a_k (one-hot y), dL/da = -y / a."""

    name = "categorical_cross_entropy"
    formula = "-sum(y*log(a))"

    def per_sample(self, a, y):
        return -(y * np.log(_clip(a, EPS, 1.0))).sum(axis=-1)

    def grad(self, a, y):
        return -y / np.clip(a, EPS, 1.0)


class AbsoluteError(Loss):
    """L = sum_k |a_k - y_k|, dL/da = sign(a - y) (0 at a = y, where |.| has a kink)."""

    name = "absolute_error"
    formula = "|a - y|"

    def per_sample(self, a, y):
        return np.abs(a - y).sum(axis=-1)

    def grad(self, a, y):
        return np.sign(a - y)


class Huber(Loss):
    """Huber (smooth L1): L = 1/2 r^2 for |r| <= d, else d (|r| - d/2), with r = a - y.

    dL/da = r for |r| <= d, else d * sign(r): squared error near the target, absolute
    error far from it, so an outlier's pull on the weights is capped at d.
    """

    name = "huber"
    formula = "huber(a - y)"

    def __init__(self, delta: float = 1.0):
        delta = float(delta)
        if not np.isfinite(delta) or delta <= 0:
            raise ValueError(f"Huber delta must be a finite number > 0, got {delta}")
        self.delta = delta

    def per_sample(self, a, y):
        r = np.abs(a - y)
        d = self.delta
        return np.where(r <= d, 0.5 * r * r, d * (r - 0.5 * d)).sum(axis=-1)

    def grad(self, a, y):
        return np.clip(a - y, -self.delta, self.delta)

    def __repr__(self) -> str:
        return f"Huber(delta={self.delta})"


LOSSES = {
    "half_squared_error": HalfSquaredError,
    "mse": HalfSquaredError,
    "squared_error": HalfSquaredError,
    "binary_cross_entropy": BinaryCrossEntropy,
    "bce": BinaryCrossEntropy,
    "categorical_cross_entropy": CategoricalCrossEntropy,
    "cce": CategoricalCrossEntropy,
    "cross_entropy": CategoricalCrossEntropy,
    "absolute_error": AbsoluteError,
    "mae": AbsoluteError,
    "huber": Huber,
    "smooth_l1": Huber,
}


def get_loss(spec: str | Loss) -> Loss:
    """Return the loss named by ``spec`` (or ``spec`` itself if it is one)."""
    return lookup(spec, LOSSES, Loss, "loss", "bce")


def output_delta(loss: Loss, act: Activation, z: np.ndarray, a: np.ndarray, y: np.ndarray) -> np.ndarray:
    """delta = dL/dz at the output layer, shape (m, k), for one sample's loss."""
    if isinstance(act, Sigmoid) and isinstance(loss, BinaryCrossEntropy):
        return a - y
    if isinstance(act, Softmax) and isinstance(loss, CategoricalCrossEntropy):
        return a - y
    if isinstance(act, Identity) and isinstance(loss, HalfSquaredError):
        return a - y
    return act.backward(z, a, loss.grad(a, y))
