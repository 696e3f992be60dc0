"""Optimizers: how a gradient becomes a weight change. Swappable in ``Network.step``/``train``.

Each has ``update(W, grads)``, which changes the list of weight arrays in place, and
keeps whatever running averages it needs (one array per layer, shaped like W[l]).

Those running averages belong to the weights they were computed from. An optimizer is
therefore *bound* to the first network (or list of weight arrays) it updates, and refuses,
before changing anything, to update another one: a clear ValueError instead of a broadcast
error half-way through or a layer silently never updated. ``opt.reset()`` forgets the state
and the binding, so the same object can start afresh on another network.

An update is all or nothing: the new weights and state are computed first, and only if every
new weight is finite are they written. Otherwise ``bpnet.core.errors.DivergenceError`` (a
ValueError) names the weight, and the weights and the optimizer's state are unchanged.
"""

from __future__ import annotations

import copy
import numbers
import weakref

import numpy as np

from .checks import MAX_EPOCHS, check_lr
from .errors import DivergenceError, first_non_finite

__all__ = ["Optimizer", "SGD", "Momentum", "RMSprop", "Adam", "AdaGrad", "OPTIMIZERS", "get_optimizer",
           "step_decay", "exponential_decay"]


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
    if isinstance(epoch, bool) or not isinstance(epoch, (int, np.integer)) or not 0 <= epoch <= MAX_EPOCHS:
        raise ValueError(f"epoch must be a whole number from 0 to {MAX_EPOCHS:,} (the most one training "
                         f"runs), got {epoch!r:.40}")
    return int(epoch)


def _shapes(W) -> tuple:
    return tuple(w.shape for w in W)


class Optimizer:
    """The part every optimizer shares: checks, binding to one network, the all-or-nothing update.

    A subclass names its per-layer state arrays in ``STATE`` (e.g. ``("v",)``) and writes its
    rule in ``_rule(W, grads, state, t) -> (new_W, new_state)``, which returns new arrays and
    changes none of its arguments (t = 1, 2, ... counts this update).

    Binding (optimizers with state, i.e. all but SGD): the first ``update`` (or ``bind(net)``,
    which ``Network.step``/``train`` call) records the weight arrays and their shapes; an update
    of any other arrays is refused with a ValueError before anything changes. ``reset()`` forgets the state and the binding.
    ``copy.deepcopy(opt)`` keeps the state and the shapes but not the binding: the copy goes with
    a copy of the network (``net.copy()``), which has the same shapes and new arrays.
    """

    STATE: tuple[str, ...] = ()

    def __init__(self, lr: float):
        self.lr = check_lr(lr)
        self.reset()

    # ----- state and binding ------------------------------------------------------------
    def reset(self) -> "Optimizer":
        """Forget the running averages, the step count and the network it was bound to; returns self."""
        for name in self.STATE:
            setattr(self, name, None)
        self.t = 0  # updates applied since construction or the last reset
        self._shapes = None  # shapes of the weight arrays the state belongs to
        self._arrays = None  # weak references to those arrays (no reference cycle, no leak)
        self._owner = None  # weak reference to the Network given to bind(), if any
        return self

    def bind(self, net) -> None:
        """Bind to the network ``net`` (anything with a list ``net.W``), or check it is the bound one.

        Called by ``Network.step``/``train`` before they compute anything. The same network may
        have had a weight array replaced (same shape) since: the binding follows it.
        """
        if not self.STATE:
            return  # no state (SGD): nothing to keep apart, any network may use it
        self.check_network(net)
        self._owner = weakref.ref(net)
        self._bind_arrays(list(net.W))

    def check_network(self, net) -> None:
        """The ValueError ``bind(net)`` would raise, without binding: for code that updates a copy of
        ``net`` with a copy of this optimizer (the steppers), so the binding holds there too."""
        if not self.STATE:
            return
        W = list(net.W)
        owner = None if self._owner is None else self._owner()
        if self._owner is not None and owner is not net:
            gone = ", a network that no longer exists" if owner is None else ""
            shapes = list(self._shapes) if self._shapes is not None else "?"
            differ = "" if _shapes(W) == self._shapes else f", not {list(_shapes(W))}"
            raise ValueError(
                f"this {type(self).__name__} keeps running averages for another network (weights of shapes "
                f"{shapes}{differ}{gone}); it will not update this one. {self._advice()}"
            )
        if self._owner is None and self._arrays is not None:
            self._check_binding(W)  # it updated plain arrays before: they must be this network's
        self._check_shapes(W)

    def _bind_arrays(self, W) -> None:
        self._shapes = _shapes(W)
        self._arrays = [weakref.ref(w) for w in W]

    def _advice(self) -> str:
        name = type(self).__name__
        return (f"Use one {name} per network (a new {name}(...) for each), "
                f"or call .reset() first to forget its state and start afresh.")

    def _check_shapes(self, W) -> None:
        if self._shapes is not None and _shapes(W) != self._shapes:
            raise ValueError(
                f"this {type(self).__name__} keeps running averages for weights of shapes "
                f"{list(self._shapes)}, not {list(_shapes(W))} (another network). {self._advice()}"
            )

    def _check_binding(self, W) -> None:
        self._check_shapes(W)
        if self._arrays is not None and any(r() is not w for r, w in zip(self._arrays, W)):
            raise ValueError(
                f"this {type(self).__name__} keeps running averages for other weight arrays of the same "
                f"shapes (another network, or a copy of one). {self._advice()} "
                f"(If you replaced a weight array yourself, .reset() is also the way on.)"
            )

    def __deepcopy__(self, memo):
        new = type(self).__new__(type(self))
        memo[id(self)] = new
        for key, value in self.__dict__.items():
            new.__dict__[key] = None if key in ("_arrays", "_owner") else copy.deepcopy(value, memo)
        return new

    # ----- the update -------------------------------------------------------------------
    def _check(self, W, grads) -> None:
        if not isinstance(W, (list, tuple)) or not isinstance(grads, (list, tuple)):
            raise TypeError(
                f"update(W, grads) takes two lists of arrays (one per layer), got "
                f"{type(W).__name__} and {type(grads).__name__}"
            )
        if len(grads) != len(W):
            raise ValueError(f"got {len(grads)} gradient arrays for {len(W)} weight arrays; need one per layer")
        for l, (w, g) in enumerate(zip(W, grads)):
            if not isinstance(w, np.ndarray) or w.dtype != np.float64:
                what = type(w).__name__ if not isinstance(w, np.ndarray) else f"array of dtype {w.dtype}"
                raise TypeError(f"W[{l}] must be a float64 numpy array (it is changed in place), got {what}")
            if np.shape(g) != w.shape:
                raise ValueError(f"grads[{l}] has shape {np.shape(g)} but W[{l}] has shape {w.shape}")
        self._check_binding(W)
        bad = first_non_finite(grads)
        if bad is not None:
            l, idx, value = bad
            raise DivergenceError(f"the gradient of W[{l}]{list(idx)} is {value}; no weight was changed",
                                  quantity="gradient", layer=l, index=idx, value=value)

    def update(self, W, grads) -> None:
        """Apply one step of the rule to the weight arrays ``W`` in place, from ``grads`` (same shapes).

        All or nothing: nothing changes unless every new weight is finite (else DivergenceError).
        """
        self._check(W, grads)
        grads = [np.asarray(g, dtype=np.float64) for g in grads]
        state = {name: getattr(self, name) or [np.zeros_like(w) for w in W] for name in self.STATE}
        with np.errstate(over="ignore", invalid="ignore"):  # a non-finite result is reported below
            new_W, new_state = self._rule(W, grads, state, self.t + 1)
        bad = first_non_finite(new_W)
        if bad is not None:
            l, idx, value = bad
            raise DivergenceError(
                f"this {type(self).__name__} step would make W[{l}]{list(idx)} {value}; no weight was changed",
                quantity="weight", layer=l, index=idx, value=value)
        for w, new in zip(W, new_W):
            w[...] = new
        for name, arrays in new_state.items():
            setattr(self, name, arrays)
        self.t += 1
        if self._arrays is None and self.STATE:
            self._bind_arrays(W)

    def _rule(self, W, grads, state, t):
        raise NotImplementedError

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={getattr(self, k)}" for k in self._params())
        return f"{type(self).__name__}({params})"

    def _params(self) -> tuple[str, ...]:
        return ("lr",)


class SGD(Optimizer):
    """Plain gradient descent: W := W - lr * grad."""

    def __init__(self, lr: float = 0.1):
        super().__init__(lr)

    def _rule(self, W, grads, state, t):
        return [w - self.lr * g for w, g in zip(W, grads)], {}


class Momentum(Optimizer):
    """Gradient descent with a running average of gradients (momentum).

    ``average=True`` (default), the exponentially weighted average:
        v := beta*v + (1 - beta)*grad;  W := W - lr * v
    ``average=False``, the sum form many libraries use (PyTorch's ``SGD(momentum=beta)``):
        v := beta*v + grad;              W := W - lr * v

    The two take the same path when the sum form's learning rate is ``lr * (1 - beta)``:
    the sum form's v is the average form's v divided by (1 - beta), at every step. So
    ``Momentum(lr, beta)`` and ``Momentum(lr * (1 - beta), beta, average=False)`` give the same
    weights (up to floating-point rounding). With the average, lr is the step size a
    constant gradient eventually gets; with the sum, that step is lr / (1 - beta).
    v is 0 before the first update; arrays shaped like W[l].
    """

    STATE = ("v",)

    def __init__(self, lr: float = 0.1, beta: float = 0.9, average: bool = True):
        super().__init__(lr)
        self.beta = _check_beta(beta, "beta")
        if not isinstance(average, (bool, np.bool_)):
            raise TypeError(f"average must be True or False, got {average!r}")
        self.average = bool(average)

    def _rule(self, W, grads, state, t):
        keep = 1.0 - self.beta if self.average else 1.0  # weight of the new gradient in v
        v = [self.beta * v + keep * g for v, g in zip(state["v"], grads)]
        return [w - self.lr * vl for w, vl in zip(W, v)], {"v": v}

    def _params(self):
        return ("lr", "beta") + (() if self.average else ("average",))


class RMSprop(Optimizer):
    """s := beta*s + (1 - beta)*grad^2;  W := W - lr * grad / (sqrt(s) + eps)."""

    STATE = ("s",)

    def __init__(self, lr: float = 0.01, beta: float = 0.9, eps: float = 1e-8):
        super().__init__(lr)
        self.beta = _check_beta(beta, "beta")
        self.eps = _check_eps(eps)

    def _rule(self, W, grads, state, t):
        s = [self.beta * s + (1.0 - self.beta) * g * g for s, g in zip(state["s"], grads)]
        return [w - self.lr * g / (np.sqrt(sl) + self.eps) for w, g, sl in zip(W, grads, s)], {"s": s}

    def _params(self):
        return ("lr", "beta", "eps")


class AdaGrad(Optimizer):
    """Each weight's step shrinks with the sum of its squared gradients so far (Duchi et al., 2011).

    s := s + grad^2;  W := W - lr * grad / (sqrt(s) + eps)      (s starts at 0)

    Unlike RMSprop, s never forgets: weights with large or frequent gradients soon take small
    steps, and every step shrinks as training goes on. At t = 1 the step is about lr * sign(grad).
    """

    STATE = ("s",)

    def __init__(self, lr: float = 0.1, eps: float = 1e-8):
        super().__init__(lr)
        self.eps = _check_eps(eps)

    def _rule(self, W, grads, state, t):
        s = [s + g * g for s, g in zip(state["s"], grads)]
        return [w - self.lr * g / (np.sqrt(sl) + self.eps) for w, g, sl in zip(W, grads, s)], {"s": s}

    def _params(self):
        return ("lr", "eps")


class Adam(Optimizer):
    """Momentum and RMSprop together, with bias correction for the first steps t = 1, 2, ...

    v := b1*v + (1-b1)*g;  s := b2*s + (1-b2)*g^2;
    W := W - lr * (v / (1-b1^t)) / (sqrt(s / (1-b2^t)) + eps)
    """

    STATE = ("v", "s")

    def __init__(self, lr: float = 0.01, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
        super().__init__(lr)
        self.beta1 = _check_beta(beta1, "beta1")
        self.beta2 = _check_beta(beta2, "beta2")
        self.eps = _check_eps(eps)

    def _rule(self, W, grads, state, t):
        c1 = 1.0 - self.beta1 ** t
        c2 = 1.0 - self.beta2 ** t
        v = [self.beta1 * v + (1.0 - self.beta1) * g for v, g in zip(state["v"], grads)]
        s = [self.beta2 * s + (1.0 - self.beta2) * g * g for s, g in zip(state["s"], grads)]
        new_W = [w - self.lr * (vl / c1) / (np.sqrt(sl / c2) + self.eps) for w, vl, sl in zip(W, v, s)]
        return new_W, {"v": v, "s": s}

    def _params(self):
        return ("lr", "beta1", "beta2", "eps")


OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "rmsprop": RMSprop, "adagrad": AdaGrad, "adam": Adam}


def get_optimizer(name, **kwargs) -> Optimizer:
    """A fresh optimizer by name ('sgd', 'momentum', 'rmsprop', 'adagrad' or 'adam'), e.g.
    ``get_optimizer("adam", lr=0.01)``. An optimizer object is returned as it is (no kwargs then).
    """
    if isinstance(name, Optimizer):
        if kwargs:
            raise TypeError(f"got an optimizer object {name!r} and settings {sorted(kwargs)}; "
                            "give the settings when creating it")
        return name
    if not isinstance(name, str):
        raise TypeError(
            f"optimizer must be a name, one of {sorted(OPTIMIZERS)}, or an optimizer object such as "
            f"bpnet.core.optimizers.Adam(lr=0.01); got {type(name).__name__} {name!r}"
        )
    key = name.strip().lower()
    if key not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; expected one of {sorted(OPTIMIZERS)}")
    return OPTIMIZERS[key](**kwargs)

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
