"""Losses: the value for each sample, the gradient dL/da, and the output delta dL/dz.

Shapes: predictions ``a`` and targets ``y`` are (m, k) arrays, m samples of k
outputs. ``loss.per_sample(a, y)`` has shape (m,); the cost of a batch is the
mean of the per-sample losses, ``loss.cost(a, y)``. ``loss.grad(a, y)`` is
dL/da for one sample's loss (the network divides by m when it averages).

The output layer's delta is dL/dz = dL/da * f'(z), ``loss.delta(act, z, a, y)``
(Nielsen's ``Cost.delta``). Some pairs have the famous short form delta = a - y:
identity + squared error, sigmoid + binary cross-entropy and softmax + categorical
cross-entropy (the activation is the loss's "canonical link"). Each loss lists the
activations it pairs with this way in ``short_delta_activations``; the short form
is also the numerically stable way (no division by a(1-a) near 0 or 1).

Each loss also carries its text: ``formula``/``formula_latex`` for one output,
``written(...)`` for one sample with names and numbers, ``hint``, and
``cost_mistakes(a, y)``, the wrong costs a learner typically computes with it.
``validate(act, y)`` refuses targets or an output activation the loss cannot use. ``spec`` is
the loss as text that ``get_loss`` reads back, parameters included: "bce", "huber(1.5)".

A new loss is one subclass and ``register_loss(cls)``; one with parameters names them in
``parameters`` (constructor order, each kept as an attribute of that name), as activations do.
"""

from __future__ import annotations

import numpy as np

from .checks import lookup, write_spec
from .notation import fmt
from .activations import Activation

__all__ = [
    "Loss",
    "HalfSquaredError",
    "BinaryCrossEntropy",
    "CategoricalCrossEntropy",
    "AbsoluteError",
    "Huber",
    "LOSSES",
    "get_loss",
    "register_loss",
]

# Predictions are clipped this far from 0 and 1 before a log: log(0) never happens.
EPS = 1e-12


def _target_names(k: int) -> list[str]:
    return ["y"] if k == 1 else [f"y{j}" for j in range(k)]


class Loss:
    """Base class: a per-sample loss L(a, y) summed over the outputs, averaged over the batch."""

    name = "loss"
    formula = "L(a, y)"
    formula_latex = r"L(a, y)"
    #: dL/da for one output, in words
    grad_formula = "dL/da"
    #: how to compute it, for a learner who got it wrong
    hint = "Compute each sample's loss, then average over the batch."
    #: names of output activations with which dL/dz = a - y
    short_delta_activations: tuple[str, ...] = ()
    #: one output's term, written with {a} and {y}; used by ``written``
    term = "L({a}, {y})"
    #: the constructor's parameters, in order, each kept as an attribute of that name
    parameters: tuple[str, ...] = ()

    @property
    def spec(self) -> str:
        """This loss as text that ``get_loss`` reads back to an equal one, e.g. "bce" or "huber(1.5)"."""
        return write_spec(self.name, [getattr(self, p) for p in self.parameters])

    def per_sample(self, a: np.ndarray, y: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def grad(self, a: np.ndarray, y: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    #: ``per_sample_from_z(z, y, a)``: the per-sample loss from the output's pre-activation z
    #: (and a = f(z)), for the short-delta activations, where it can be written without a log
    #: of a rounded a (exact for any z); None where the loss has no such form.
    per_sample_from_z = None

    def sample_losses(self, a: np.ndarray, y: np.ndarray, z: np.ndarray | None = None,
                      act: Activation | None = None) -> np.ndarray:
        """Each sample's loss, shape (m,): from z when the output activation ``act`` allows it."""
        if z is not None and self.per_sample_from_z is not None and act is not None \
                and act.name in self.short_delta_activations:
            return self.per_sample_from_z(z, y, a)
        return self.per_sample(a, y)

    def cost(self, a: np.ndarray, y: np.ndarray, z: np.ndarray | None = None,
             act: Activation | None = None) -> float:
        """J = mean over the batch of the per-sample losses (from z where ``sample_losses`` can)."""
        per_sample = self.sample_losses(a, y, z, act)
        return float(per_sample.sum() / len(per_sample))

    def short_delta(self, act: Activation) -> bool:
        """True if, with this output activation, dL/dz is simply a - y."""
        return act.name in self.short_delta_activations

    def delta(self, act: Activation, z: np.ndarray, a: np.ndarray, y: np.ndarray) -> np.ndarray:
        """delta = dL/dz at the output layer, shape (m, k), for one sample's loss."""
        if act.name in self.short_delta_activations:
            return a - y
        return act.backward(z, a, self.grad(a, y))

    def validate(self, act: Activation, y: np.ndarray) -> None:
        """Raise ValueError if targets ``y`` or the output activation ``act`` do not suit this loss."""

    def written(self, outs: list[str], a_row, y_row) -> tuple[str, str]:
        """One sample's loss as (symbols, numbers), e.g. ("1/2*(D0 - y)^2", "1/2*(4 - 0)^2")."""
        ys = _target_names(len(outs))
        sym = " + ".join(self.term.format(a=o, y=yk) for o, yk in zip(outs, ys))
        num = " + ".join(self.term.format(a=fmt(a), y=fmt(y)) for a, y in zip(a_row, y_row))
        return sym, num

    def cost_mistakes(self, a: np.ndarray, y: np.ndarray) -> list[tuple[str, float, str]]:
        """(key, wrong cost, hint) for costs of the batch (a, y) that this loss invites."""
        return []

    def grad_mistakes(self, a: np.ndarray, y: np.ndarray) -> list[tuple[str, np.ndarray, str]]:
        """(key, wrong dL/da, hint) for slips in dL/da that this loss invites (bpnet.explain.mistakes carries
        each into the deltas, gradients and updates)."""
        return []

    def describe(self) -> dict:
        return {"name": self.name, "formula": self.formula, "formula_latex": self.formula_latex,
                "grad_formula": self.grad_formula, "hint": self.hint,
                "short_delta_activations": self.short_delta_activations}

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class HalfSquaredError(Loss):
    """L = 1/2 * sum_k (a_k - y_k)^2, dL/da = a - y."""

    name = "half_squared_error"
    formula = "1/2*(a - y)^2"
    formula_latex = r"\tfrac{1}{2}(a - y)^2"
    grad_formula = "a - y"
    hint = "L = 1/2*(a - y)^2 for each sample (summed over outputs), then the mean over the batch."
    short_delta_activations = ("identity",)

    def per_sample(self, a, y):
        r = a - y
        return (0.5 * (r * r)).sum(axis=-1)

    def grad(self, a, y):
        return a - y

    def written(self, outs, a_row, y_row):
        ys = _target_names(len(outs))
        sym = " + ".join(f"({o} - {yk})^2" for o, yk in zip(outs, ys))
        num = " + ".join(f"({fmt(a)} - {fmt(y)})^2" for a, y in zip(a_row, y_row))
        if len(outs) > 1:
            return f"1/2*({sym})", f"1/2*({num})"
        return f"1/2*{sym}", f"1/2*{num}"

    def grad_mistakes(self, a, y):
        return [("missing_half", 2.0 * (a - y), "You left out the 1/2 of the loss: dL/da came out as "
                 "2*(a - y). With L = 1/2*(a - y)^2 the 1/2 cancels the 2 of the square, so dL/da = a - y."),
                ("missing_error", np.ones_like(a), "Your number is f'(z) alone: the output delta is "
                 "dL/da*f'(z), and you left out dL/da = a - y, the error of the prediction.")]

    def cost_mistakes(self, a, y):
        per = self.per_sample(a, y)
        expected = float(np.mean(per))
        return [
            ("missing_half", 2 * expected, "You left out the 1/2: this loss is 1/2*(a - y)^2. The 1/2 "
             "cancels the 2 of the derivative, so dL/da = a - y."),
            ("error_not_loss", float(np.mean(np.sum(y - a, axis=1))), "That is the mean of y - a, a "
             "signed error: positive and negative errors cancel. A loss squares it, so it is never negative."),
            ("error_not_loss", float(np.mean(np.sum(a - y, axis=1))), "That is the mean of a - y, a "
             "signed error: positive and negative errors cancel. A loss squares it, so it is never negative."),
            ("missing_half", 2 * float(np.sum(per)), "You summed instead of averaging and left out the 1/2."),
        ]


class _CrossEntropy(Loss):
    """What binary and categorical cross-entropy share: a minus sign, and outputs that are probabilities."""

    hint = "Cross-entropy is -sum(y*log(a)): the log of a probability is negative, the loss positive."

    def cost_mistakes(self, a, y):
        return [("sign", -self.cost(a, y), "Cross-entropy has a minus sign in front: the log of a "
                 "probability is negative, the loss is positive.")]

    def _check_probability_output(self, act: Activation) -> None:
        lo, hi = act.value_range
        if lo < 0 or hi > 1:
            raise ValueError(
                f"{self.name} needs outputs that are probabilities in (0, 1), but a {act.name} output "
                f"ranges over ({fmt(lo)}, {fmt(hi)}); use a {self.short_delta_activations[0]} "
                "output layer, or a squared-error loss")


class BinaryCrossEntropy(_CrossEntropy):
    """L = -sum_k [y log a + (1 - y) log(1 - a)], dL/da = (a - y) / (a (1 - a))."""

    name = "binary_cross_entropy"
    formula = "-(y*log(a) + (1 - y)*log(1 - a))"
    formula_latex = r"-\left(y \log a + (1 - y) \log(1 - a)\right)"
    grad_formula = "(a - y)/(a*(1 - a))"
    short_delta_activations = ("sigmoid",)

    def per_sample(self, a, y):
        a = np.clip(a, EPS, 1.0 - EPS)
        return -(y * np.log(a) + (1.0 - y) * np.log1p(-a)).sum(axis=-1)

    def grad(self, a, y):
        a = np.clip(a, EPS, 1.0 - EPS)
        return (a - y) / (a * (1.0 - a))

    def per_sample_from_z(self, z, y, a):
        """With a = sigmoid(z): L = softplus(z) - y*z, softplus(z) = max(z, 0) + log(1 + e^-|z|)."""
        softplus = np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))
        return (softplus - y * z).sum(axis=-1)

    def validate(self, act, y):
        self._check_probability_output(act)
        if y.min() < 0 or y.max() > 1:
            bad = y[(y < 0) | (y > 1)].flat[0]
            raise ValueError(f"binary_cross_entropy needs targets y in [0, 1] (a probability), got {fmt(bad)}")

    def written(self, outs, a_row, y_row):
        sym = " + ".join(f"y*log({o}) + (1 - y)*log(1 - {o})" for o in outs)
        num = " + ".join(f"{fmt(y)}*log({fmt(a)}) + {fmt(1 - y)}*log({fmt(1 - a)})" for a, y in zip(a_row, y_row))
        return f"-({sym})", f"-({num})"


class CategoricalCrossEntropy(_CrossEntropy):
    """L = -sum_k y_k log a_k (y a probability distribution, e.g. one-hot), dL/da = -y / a."""

    name = "categorical_cross_entropy"
    formula = "-sum(y*log(a))"
    formula_latex = r"-\sum_k y_k \log a_k"
    grad_formula = "-y/a"
    short_delta_activations = ("softmax",)

    def per_sample(self, a, y):
        return -(y * np.log(np.clip(a, EPS, 1.0))).sum(axis=-1)

    def grad(self, a, y):
        return -y / np.clip(a, EPS, 1.0)

    def per_sample_from_z(self, z, y, a):
        """With a = softmax(z): L = sum(y)*logsumexp(z) - sum(y*z), written with d = z - max(z)
        so that no e^z overflows: L = sum(y)*log(sum(e^d)) - sum(y*d); exact for any z.
        Where no output is below the clipping bound the formula from a is just as exact, so it
        is used then."""
        if a.min() >= EPS:
            return self.per_sample(a, y)
        d = z - z.max(axis=-1, keepdims=True)
        return y.sum(axis=-1) * np.log(np.exp(d).sum(axis=-1)) - (y * d).sum(axis=-1)

    def validate(self, act, y):
        self._check_probability_output(act)
        if y.min() < 0:
            raise ValueError(f"categorical_cross_entropy needs targets y >= 0, got {fmt(y.min())}")
        sums = y.sum(axis=-1)
        if np.abs(sums - 1.0).max() > 1e-9:
            bad = np.flatnonzero(np.abs(sums - 1.0) > 1e-9)
            raise ValueError(
                f"categorical_cross_entropy needs each target row to sum to 1 (one-hot, or a probability "
                f"distribution); row {bad[0]} sums to {fmt(sums[bad[0]])}")

    def written(self, outs, a_row, y_row):
        sym = " + ".join(f"y{k}*log({o})" for k, o in enumerate(outs))
        num = " + ".join(f"{fmt(y)}*log({fmt(a)})" for a, y in zip(a_row, y_row))
        return f"-({sym})", f"-({num})"


class AbsoluteError(Loss):
    """L = sum_k |a_k - y_k|, dL/da = sign(a - y) (0 at a = y, where |.| has a kink)."""

    name = "absolute_error"
    formula = "|a - y|"
    formula_latex = r"|a - y|"
    grad_formula = "sign(a - y)"
    hint = "L = |a - y| for each sample (summed over outputs), then the mean over the batch."
    term = "|{a} - {y}|"

    def per_sample(self, a, y):
        return np.abs(a - y).sum(axis=-1)

    def grad(self, a, y):
        return np.sign(a - y)


class Huber(Loss):
    """Huber (smooth L1): L = 1/2 r^2 for |r| <= d, else d (|r| - d/2), with r = a - y
    and d = ``Huber(delta=...)``, stored as ``threshold``.

    dL/da = r for |r| <= d, else d * sign(r): squared error near the target, absolute
    error far from it, so an outlier's pull on the weights is capped at d.
    """

    name = "huber"
    parameters = ("threshold",)  # the constructor's delta (self.delta is the output delta)
    formula = "huber(a - y)"
    term = "huber({a} - {y})"

    def __init__(self, delta: float = 1.0):
        delta = float(delta)
        if not np.isfinite(delta) or delta <= 0:
            raise ValueError(f"Huber delta must be a finite number > 0, got {delta}")
        self.threshold = delta  # the constructor's delta; not self.delta, which is the output delta
        d = fmt(delta)
        self.formula_latex = (rf"\begin{{cases}} \tfrac12 r^2 & |r| \le {d} \\ {d}\,(|r| - \tfrac12 {d}) "
                              rf"& |r| > {d} \end{{cases}},\ r = a - y")
        self.grad_formula = f"clip(a - y, -{d}, {d})"
        self.hint = f"With r = a - y: L = 1/2*r^2 where |r| <= {d}, else {d}*(|r| - {d}/2)."

    def per_sample(self, a, y):
        r = np.abs(a - y)
        d = self.threshold
        return np.where(r <= d, 0.5 * r * r, d * (r - 0.5 * d)).sum(axis=-1)

    def grad(self, a, y):
        return np.clip(a - y, -self.threshold, self.threshold)

    def __repr__(self) -> str:
        return f"Huber(delta={self.threshold})"


LOSSES: dict[str, type[Loss]] = {}


def register_loss(cls: type[Loss], *aliases: str) -> type[Loss]:
    """Make ``cls`` available by its ``name`` (and any ``aliases``) everywhere a loss name is accepted."""
    if not (isinstance(cls, type) and issubclass(cls, Loss)) or cls.name == Loss.name:
        raise TypeError(f"register_loss needs a Loss subclass with its own name, got {cls!r}")
    for key in (cls.name, *aliases):
        LOSSES[key.lower().replace("-", "_")] = cls
    return cls


for _cls, *_aliases in (
    (HalfSquaredError, "mse", "squared_error"),
    (BinaryCrossEntropy, "bce"),
    (CategoricalCrossEntropy, "cce", "cross_entropy"),
    (AbsoluteError, "mae"),
    (Huber, "smooth_l1"),
):
    register_loss(_cls, *_aliases)


def get_loss(spec: str | Loss) -> Loss:
    """The loss ``spec`` names, with the parameters it gives ("bce", "huber(1.5)": what ``Loss.spec``
    writes), or ``spec`` itself if it is a Loss."""
    return lookup(spec, LOSSES, Loss, "loss", "bce")
