"""Optimizers: how a gradient becomes a weight change. Swappable in ``Network.step``/``train``.

Each has ``update(W, grads)``, which changes the list of weight arrays in place, and
keeps whatever running averages it needs (one array per layer, shaped like W[l]).
"""

from __future__ import annotations

import numbers

import numpy as np

from ._checks import check_lr

__all__ = ["SGD", "Momentum", "RMSprop", "Adam", "get_optimizer", "step_decay", "exponential_decay"]


def _number(x, name: str) -> float:
    """``x`` as a float, or a TypeError naming the hyperparameter (not float()'s own message)."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(x).__name__} {x!r}")
    return float(x)


def _check_beta(beta: float, name: str) -> float:
    beta = _number(beta, name)
    if not 0.0 <= beta < 1.0:  # also rejects NaN
        raise ValueError(f"{name} must be in [0, 1), got {beta}")
    return beta


def _check_eps(eps: float) -> float:
    # eps keeps g / sqrt(s) finite where s is 0; 0 would give 0/0 = NaN there.
    eps = _number(eps, "eps")
    if not (np.isfinite(eps) and eps > 0):
        raise ValueError(f"eps must be a finite number > 0, got {eps}")
    return eps


def _check_epoch(epoch) -> int:
    if isinstance(epoch, bool) or not isinstance(epoch, (int, np.integer)) or epoch < 0:
        raise ValueError(f"epoch must be a whole number >= 0, got {epoch!r}")
    return int(epoch)


class SGD:
    """W := W - lr * grad."""

    def __init__(self, lr: float = 0.1):
        self.lr = check_lr(lr)

    def update(self, W, grads) -> None:
        for w, g in zip(W, grads):
            w -= self.lr * g

    def __repr__(self) -> str:
        return f"SGD(lr={self.lr})"


class Momentum(SGD):
    """v := beta*v + (1 - beta)*grad;  W := W - lr * v  (an exponentially weighted average)."""

    def __init__(self, lr: float = 0.1, beta: float = 0.9):
        super().__init__(lr)
        self.beta = _check_beta(beta, "beta")
        self.v = None

    def update(self, W, grads) -> None:
        if self.v is None:
            self.v = [np.zeros_like(w) for w in W]
        for w, g, v in zip(W, grads, self.v):
            v *= self.beta
            v += (1.0 - self.beta) * g
            w -= self.lr * v


class RMSprop(SGD):
    """s := beta*s + (1 - beta)*grad^2;  W := W - lr * grad / (sqrt(s) + eps)."""

    def __init__(self, lr: float = 0.01, beta: float = 0.9, eps: float = 1e-8):
        super().__init__(lr)
        self.beta = _check_beta(beta, "beta")
        self.eps = _check_eps(eps)
        self.s = None

    def update(self, W, grads) -> None:
        if self.s is None:
            self.s = [np.zeros_like(w) for w in W]
        for w, g, s in zip(W, grads, self.s):
            s *= self.beta
            s += (1.0 - self.beta) * g * g
            w -= self.lr * g / (np.sqrt(s) + self.eps)


class Adam(SGD):
    """Momentum and RMSprop together, with bias correction for the first steps t = 1, 2, ...

    v := b1*v + (1-b1)*g;  s := b2*s + (1-b2)*g^2;
    W := W - lr * (v / (1-b1^t)) / (sqrt(s / (1-b2^t)) + eps)
    """

    def __init__(self, lr: float = 0.01, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
        super().__init__(lr)
        self.beta1 = _check_beta(beta1, "beta1")
        self.beta2 = _check_beta(beta2, "beta2")
        self.eps = _check_eps(eps)
        self.t = 0
        self.v = self.s = None

    def update(self, W, grads) -> None:
        if self.v is None:
            self.v = [np.zeros_like(w) for w in W]
            self.s = [np.zeros_like(w) for w in W]
        self.t += 1
        c1 = 1.0 - self.beta1 ** self.t
        c2 = 1.0 - self.beta2 ** self.t
        for w, g, v, s in zip(W, grads, self.v, self.s):
            v *= self.beta1
            v += (1.0 - self.beta1) * g
            s *= self.beta2
            s += (1.0 - self.beta2) * g * g
            w -= self.lr * (v / c1) / (np.sqrt(s / c2) + self.eps)


OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "rmsprop": RMSprop, "adam": Adam}


def get_optimizer(name: str, **kwargs):
    """A fresh optimizer by name: 'sgd', 'momentum', 'rmsprop' or 'adam'."""
    try:
        return OPTIMIZERS[name.lower()](**kwargs)
    except KeyError:
        raise ValueError(f"unknown optimizer {name!r}; expected one of {sorted(OPTIMIZERS)}") from None


def step_decay(lr0: float, epoch: int, drop: float = 0.5, every: int = 10) -> float:
    """lr = lr0 * drop^floor(epoch / every)."""
    lr0, epoch = check_lr(lr0), _check_epoch(epoch)
    drop = _number(drop, "drop")
    if not 0.0 < drop <= 1.0:
        raise ValueError(f"drop must be in (0, 1], got {drop}")
    if isinstance(every, bool) or not isinstance(every, (int, np.integer)) or every < 1:
        raise ValueError(f"every must be a whole number of epochs >= 1, got {every!r}")
    return lr0 * drop ** (epoch // every)


def exponential_decay(lr0: float, epoch: int, k: float = 0.1) -> float:
    """lr = lr0 * e^(-k * epoch)."""
    lr0, epoch = check_lr(lr0), _check_epoch(epoch)
    k = _number(k, "k")
    if not (np.isfinite(k) and k >= 0):
        raise ValueError(f"decay rate k must be a finite number >= 0, got {k}")
    return float(lr0 * np.exp(-k * epoch))
