"""Activation functions f(z) with their derivatives f'(z).

Every activation works elementwise on an array z of any shape, except softmax,
which normalises along the last axis (one row per sample). Each one is stable
for large |z|: no overflow warnings at |z| = 1000.

An activation is an object with
  ``f(z)``                 the value a = f(z)
  ``df(z)``                the derivative f'(z), elementwise
  ``backward(z, a, g)``    g * da/dz, the chain-rule step dL/dz from dL/da
so a network can treat softmax (whose Jacobian is not diagonal) like the rest.
"""

from __future__ import annotations

import numpy as np

from ._checks import lookup

__all__ = [
    "Activation",
    "Identity",
    "Sigmoid",
    "Tanh",
    "ReLU",
    "LeakyReLU",
    "Softmax",
    "ACTIVATIONS",
    "get_activation",
]


class Activation:
    """Base class: an elementwise f with derivative df."""

    name = "activation"
    symbol = "f"  # how formulas write it, e.g. sigmoid(z)
    elementwise = True

    def f(self, z: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def df(self, z: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def backward(self, z: np.ndarray, a: np.ndarray, g: np.ndarray) -> np.ndarray:
        """dL/dz = dL/da * f'(z) for an elementwise activation."""
        return g * self.df(z)

    def __call__(self, z):
        return self.f(z)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Identity(Activation):
    """f(z) = z, f'(z) = 1 (the worked example's activation)."""

    name = symbol = "identity"

    def f(self, z):
        return z

    def df(self, z):
        return np.ones_like(z)

    def backward(self, z, a, g):
        return g  # f'(z) = 1: skip the multiplication on the hot path


class Sigmoid(Activation):
    """f(z) = 1 / (1 + e^-z), f'(z) = f(z) * (1 - f(z))."""

    name = symbol = "sigmoid"

    def f(self, z):
        # e^-|z| never overflows; pick the algebraically equal form per sign.
        e = np.exp(-np.abs(z))
        a = np.where(z >= 0, 1.0, e)  # numerator: 1 where z >= 0, e^z where z < 0
        a /= 1.0 + e
        return a

    def df(self, z):
        s = self.f(z)
        return s * (1.0 - s)

    def backward(self, z, a, g):
        return g * a * (1.0 - a)  # reuse a = f(z) from the forward pass


class Tanh(Activation):
    """f(z) = tanh(z), f'(z) = 1 - tanh(z)^2."""

    name = symbol = "tanh"

    def f(self, z):
        return np.tanh(z)

    def df(self, z):
        return 1.0 - np.tanh(z) ** 2

    def backward(self, z, a, g):
        return g * (1.0 - a * a)


class ReLU(Activation):
    """f(z) = max(0, z), f'(z) = 1 for z > 0 else 0 (0 at the kink)."""

    name = symbol = "relu"

    def f(self, z):
        return np.maximum(z, 0.0)

    def df(self, z):
        return (np.asarray(z) > 0).astype(float)

    def backward(self, z, a, g):
        return g * (z > 0)


class LeakyReLU(Activation):
    """f(z) = z for z > 0 else alpha*z, f'(z) = 1 or alpha."""

    name = symbol = "leaky_relu"

    def __init__(self, alpha: float = 0.01):
        self.alpha = float(alpha)

    def f(self, z):
        return np.where(z > 0, z, self.alpha * z)

    def df(self, z):
        return np.where(np.asarray(z) > 0, 1.0, self.alpha)

    def __repr__(self) -> str:
        return f"LeakyReLU(alpha={self.alpha})"


class Softmax(Activation):
    """f(z)_k = e^{z_k} / sum_j e^{z_j} along the last axis.

    Its Jacobian is da_k/dz_j = a_k (1[k=j] - a_j), so the chain-rule step is
    dL/dz = a * (g - sum_k g_k a_k); ``df`` gives only the diagonal a(1 - a).
    """

    name = symbol = "softmax"
    elementwise = False

    def f(self, z):
        # Subtracting the row maximum leaves softmax unchanged and keeps e^z <= 1.
        z = np.asarray(z)
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        e /= e.sum(axis=-1, keepdims=True)  # e is a fresh array: divide in place
        return e

    def df(self, z):
        a = self.f(z)
        return a * (1.0 - a)

    def backward(self, z, a, g):
        return a * (g - np.sum(g * a, axis=-1, keepdims=True))


ACTIVATIONS = {
    "identity": Identity,
    "linear": Identity,
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "softmax": Softmax,
}


def get_activation(spec: str | Activation) -> Activation:
    """Return the activation named by ``spec`` (or ``spec`` itself if it is one)."""
    return lookup(spec, ACTIVATIONS, Activation, "activation", "sigmoid")
