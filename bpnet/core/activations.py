"""Activation functions f(z) with their derivatives f'(z), each describing itself.

Every activation works elementwise on an array z of any shape, except softmax,
which normalises along the last axis (one row per sample). Each one is stable
for large |z|: no overflow warnings at |z| = 1000.

An activation is an object with
  ``f(z)``                 the value a = f(z)
  ``df(z, a=None)``        the derivative f'(z), elementwise (``a = f(z)`` may be passed
                           when it is known, to save recomputing it)
  ``backward(z, a, g)``    g * da/dz, the chain-rule step dL/dz from dL/da; derived from
                           ``df`` for elementwise activations, so f' is written once
and text that says what it is, for the trace, the checkers and the explorer:
  ``formula``, ``formula_latex``         f(z), e.g. "1/(1 + e^-z)"
  ``derivative``, ``derivative_latex``   f'(z)
  ``derivative_in_terms_of_a``           f'(z) written with a = f(z), e.g. "a*(1 - a)", or None
  ``value_range``, ``peak``, ``peak_at``, ``saturation_note``, ``hint``, ``derivative_hint``
  ``note(z)``                            a sentence on how fast a unit at z learns
  ``value_mistakes(z)``, ``derivative_mistakes(z)``   wrong answers typical of this activation
  ``describe()``                         all of it as a dict
  ``spec``                               itself as text that ``get_activation`` reads back,
                                         parameters included: "sigmoid", "leaky_relu(0.2)"

A new activation is one subclass and ``register_activation(cls)``. One with parameters takes them
in its constructor, in the order its ``parameters`` names them, and keeps each as an attribute
of that name (LeakyReLU: ``parameters = ("alpha",)``, ``self.alpha``), so that its ``spec`` is
complete.
"""

from __future__ import annotations

import inspect
import math

import numpy as np

from .checks import lookup, write_spec
from .notation import fmt

__all__ = [
    "Activation",
    "Identity",
    "Sigmoid",
    "Tanh",
    "ReLU",
    "LeakyReLU",
    "Softmax",
    "ACTIVATIONS",
    "SATURATION",
    "get_activation",
    "register_activation",
]

#: A unit "saturates" where f'(z) is below this fraction of its largest value.
SATURATION = 0.1


class Activation:
    """Base class: an elementwise f with derivative df; subclasses fill in the text."""

    name = "activation"
    symbol = "f"  # how formulas write it, e.g. sigmoid(z)
    elementwise = True
    formula = "f(z)"
    formula_latex = r"f(z)"
    derivative = "f'(z)"
    derivative_latex = r"f'(z)"
    derivative_in_terms_of_a: str | None = None
    value_range: tuple[float, float] = (-math.inf, math.inf)
    peak: float = 1.0  # the largest value of f'(z)
    peak_at = "at z = 0"  # where f' reaches it
    saturation_note = "f'(z) never gets small: the unit does not saturate."
    hint = "Apply the activation to z."
    derivative_hint = "Differentiate the activation at z."
    kinks: tuple[float, ...] = ()  # the z where f' jumps (ReLU: 0): there either one-sided slope is right
    #: the constructor's parameters, in order, each kept as an attribute of that name
    parameters: tuple[str, ...] = ()

    @property
    def spec(self) -> str:
        """This activation as text that ``get_activation`` reads back to an equal one, e.g.
        "sigmoid" or "leaky_relu(0.2)" (``bpnet.core.checks.write_spec``: one written form)."""
        return write_spec(self.name, [getattr(self, p) for p in self.parameters])

    def f(self, z: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def at_kink(self, z) -> np.ndarray:
        """True where z sits exactly on one of the activation's kinks."""
        return np.isin(np.asarray(z, dtype=float), self.kinks)

    def df(self, z: np.ndarray, a: np.ndarray | None = None) -> np.ndarray:
        raise NotImplementedError

    def backward(self, z: np.ndarray, a: np.ndarray, g: np.ndarray) -> np.ndarray:
        """dL/dz = dL/da * f'(z) for an elementwise activation (a = f(z) from the forward pass)."""
        return g * self.df(z, a)

    def check_units(self, n: int) -> None:
        """Raise ValueError if an output layer of ``n`` units cannot use this activation."""

    def note(self, z: float) -> str:
        """How fast a unit at pre-activation ``z`` learns: f'(z) against its peak."""
        d = float(self.df(np.array([float(z)]))[0])
        if d < SATURATION * self.peak:
            return (f"Saturated: f'(z) is below {fmt(SATURATION * 100)}% of its peak {fmt(self.peak)}, "
                    "so this unit's delta, and its weights' gradients, are tiny.")
        return f"f'(z) is {fmt(100 * d / self.peak)}% of its peak {fmt(self.peak)} ({self.peak_at}): the unit learns well here."

    def value_mistakes(self, z: np.ndarray) -> list[tuple[str, np.ndarray, str]]:
        """(key, wrong value, hint) for answers to "f(z)?" that this activation invites."""
        return [("derivative_not_value", self.df(z), f"That is the derivative f'(z). The question "
                 f"asks for the value {self.symbol}(z) itself.")]

    def derivative_mistakes(self, z: np.ndarray) -> list[tuple[str, np.ndarray, str]]:
        """(key, wrong value, hint) for answers to "f'(z)?" that this activation invites."""
        return [("value_not_derivative", self.f(z), f"That is {self.symbol}(z), the value. The question "
                 "asks for its derivative f'(z), the slope of the curve at z.")]

    def describe(self) -> dict:
        """Everything the explorer and the checkers show about this activation."""
        return {
            "name": self.name, "symbol": self.symbol, "elementwise": self.elementwise,
            "formula": self.formula, "formula_latex": self.formula_latex,
            "derivative": self.derivative, "derivative_latex": self.derivative_latex,
            "derivative_in_terms_of_a": self.derivative_in_terms_of_a,
            "value_range": self.value_range, "peak": self.peak, "peak_at": self.peak_at,
            "saturation_note": self.saturation_note, "hint": self.hint,
            "derivative_hint": self.derivative_hint,
        }

    def __call__(self, z):
        return self.f(z)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Identity(Activation):
    """f(z) = z, f'(z) = 1 (the worked example's activation)."""

    name = symbol = "identity"
    formula, formula_latex = "z", "z"
    derivative = derivative_latex = "1"
    saturation_note = "f'(z) = 1 everywhere: it never saturates, but a network of identity units is only linear."
    hint = "The identity returns z unchanged."
    derivative_hint = "f(z) = z rises by exactly 1 per unit of z."

    def f(self, z):
        return z

    def df(self, z, a=None):
        return np.ones_like(z, dtype=float)

    def backward(self, z, a, g):
        return g  # g * f'(z) with f'(z) = 1: skip building the ones on the hot path

    def note(self, z):
        return self.saturation_note

    def derivative_mistakes(self, z):
        return super().derivative_mistakes(z) + [
            ("value_not_derivative", z, "That is z. The identity's slope is 1 everywhere.")]


class Sigmoid(Activation):
    """f(z) = 1 / (1 + e^-z), f'(z) = f(z) * (1 - f(z))."""

    name = symbol = "sigmoid"
    formula, formula_latex = "1/(1 + e^-z)", r"\frac{1}{1 + e^{-z}}"
    derivative = "sigmoid(z)*(1 - sigmoid(z))"
    derivative_latex = r"\sigma(z)\,(1 - \sigma(z))"
    derivative_in_terms_of_a = "a*(1 - a)"
    value_range = (0.0, 1.0)
    peak = 0.25
    saturation_note = "For |z| above about 3.6, f'(z) < 0.025: the unit saturates and learns slowly."
    hint = "sigmoid(z) = 1/(1 + e^(-z)); np.exp helps."
    derivative_hint = "sigmoid'(z) = sigmoid(z)*(1 - sigmoid(z)); it is at most 0.25, at z = 0."

    def f(self, z):
        # 1/(1 + e^-z) for z >= 0 and, the same number, e^z/(1 + e^z) for z < 0: with
        # e = e^-|z| <= 1 both are (1 or e)/(1 + e), and nothing overflows.
        e = np.exp(-np.abs(z))
        return np.where(z >= 0, 1.0, e) / (1.0 + e)

    def df(self, z, a=None):
        s = self.f(z) if a is None else a
        return s * (1.0 - s)

    def value_mistakes(self, z):
        return super().value_mistakes(z) + [
            ("sign", self.f(-z), "Check the sign in the exponent: sigmoid(z) = 1/(1 + e^(-z)), "
             "which is above 0.5 for positive z.")]

    def derivative_mistakes(self, z):
        return super().derivative_mistakes(z) + [
            ("derivative_of_z", z * (1 - z), "You computed z*(1 - z). The formula is s*(1 - s) with "
             "s = sigmoid(z): compute sigmoid first."),
            ("sign", -self.df(z), "The sigmoid only rises, so its slope is positive everywhere.")]


class Tanh(Activation):
    """f(z) = tanh(z), f'(z) = 1 - tanh(z)^2."""

    name = symbol = "tanh"
    formula, formula_latex = "(e^z - e^-z)/(e^z + e^-z)", r"\tanh z = \frac{e^{z} - e^{-z}}{e^{z} + e^{-z}}"
    derivative, derivative_latex = "1 - tanh(z)^2", r"1 - \tanh^2 z"
    derivative_in_terms_of_a = "1 - a^2"
    value_range = (-1.0, 1.0)
    peak = 1.0
    saturation_note = "For |z| above about 1.8, f'(z) < 0.1: the unit saturates and learns slowly."
    hint = "tanh(z) = (e^z - e^(-z))/(e^z + e^(-z)); np.tanh computes it."
    derivative_hint = "tanh'(z) = 1 - tanh(z)^2; it is 1 at z = 0 and near 0 for large |z|."

    def f(self, z):
        return np.tanh(z)

    def df(self, z, a=None):
        t = np.tanh(z) if a is None else a
        return 1.0 - t * t

    def derivative_mistakes(self, z):
        return super().derivative_mistakes(z) + [
            ("derivative_of_z", 1 - z * z, "You computed 1 - z^2. The formula is 1 - tanh(z)^2: "
             "compute tanh(z) first."),
            ("missing_square", 1 - self.f(z), "Square tanh(z): the derivative is 1 - tanh(z)^2."),
            ("sign", -self.df(z), "tanh only rises, so its slope is positive everywhere.")]


class _Rectifier(Activation):
    """Slope 1 for z > 0 and ``slope_below`` otherwise (at the kink too): ReLU and leaky ReLU."""

    slope_below = 0.0
    peak = 1.0
    peak_at = "for every z > 0"
    kinks = (0.0,)

    def note(self, z):
        if z > 0:
            return "z > 0: f'(z) = 1" + (", no saturation on this side." if self.slope_below == 0 else ".")
        if self.slope_below == 0:
            return ("z <= 0: f'(z) = 0, so no gradient flows back through this unit "
                    "(a unit stuck here for every input is 'dead').")
        return f"z <= 0: f'(z) = {fmt(self.slope_below)}, small but not zero, so the unit can still recover."

    def value_mistakes(self, z):
        return super().value_mistakes(z) + [
            ("swapped", np.where(z > 0, 0.0, z), "ReLU keeps positive z and zeroes negative z, "
             "not the other way round.")]

    def derivative_mistakes(self, z):
        low = self.slope_below
        return super().derivative_mistakes(z) + [
            ("kink", np.where(z >= 0, 1.0, low), "At exactly z = 0 the curve has a kink; "
             f"bpnet (like most libraries) uses the slope on the left there: {fmt(low)}.")]


class ReLU(_Rectifier):
    """f(z) = max(0, z), f'(z) = 1 for z > 0 else 0 (0 at the kink)."""

    name = symbol = "relu"
    formula, formula_latex = "max(0, z)", r"\max(0, z)"
    derivative = "1 if z > 0 else 0"
    derivative_latex = r"\begin{cases} 1 & z > 0 \\ 0 & z \le 0 \end{cases}"
    value_range = (0.0, math.inf)
    saturation_note = "f'(z) = 0 for z <= 0: a unit stuck there for every input is 'dead' and stops learning."
    hint = "relu(z) = max(0, z)."
    derivative_hint = "The slope of relu is 1 for z > 0 and 0 otherwise."

    def f(self, z):
        return np.maximum(z, 0.0)

    def df(self, z, a=None):
        return (np.asarray(z) > 0.0).astype(float)

    def backward(self, z, a, g):
        return g * (z > 0.0)  # g * f'(z), with the 1s and 0s of f'(z) read straight from z > 0


class LeakyReLU(_Rectifier):
    """f(z) = z for z > 0 else alpha*z, f'(z) = 1 or alpha."""

    name = symbol = "leaky_relu"
    parameters = ("alpha",)

    def __init__(self, alpha: float = 0.01):
        self.alpha = self.slope_below = float(alpha)
        a = fmt(self.alpha)
        self.formula = f"z if z > 0 else {a}*z"
        self.formula_latex = rf"\begin{{cases}} z & z > 0 \\ {a}\,z & z \le 0 \end{{cases}}"
        self.derivative = f"1 if z > 0 else {a}"
        self.derivative_latex = rf"\begin{{cases}} 1 & z > 0 \\ {a} & z \le 0 \end{{cases}}"
        self.value_range = (-math.inf, math.inf) if self.alpha > 0 else (0.0, math.inf)
        self.saturation_note = f"f'(z) = {a} for z <= 0: small but not zero, so a unit there can still recover."
        self.hint = f"leaky_relu(z) = z for z > 0, else {a}*z."
        self.derivative_hint = f"The slope of leaky_relu is 1 for z > 0 and {a} otherwise."

    def f(self, z):
        return np.where(z > 0, z, self.alpha * z)

    def df(self, z, a=None):
        return np.where(np.asarray(z) > 0, 1.0, self.alpha)

    def value_mistakes(self, z):
        return super().value_mistakes(z) + [
            ("missing_slope", np.maximum(z, 0.0), f"That is plain ReLU. Leaky ReLU keeps a "
             f"small slope {fmt(self.alpha)} for negative z: f(z) = {fmt(self.alpha)}*z there.")]

    def derivative_mistakes(self, z):
        low = fmt(self.alpha)
        return super().derivative_mistakes(z) + [
            ("missing_slope", (z > 0).astype(float), f"That is plain ReLU's derivative. "
             f"Leaky ReLU keeps the slope {low} for negative z, so its derivative is {low} there, not 0.")]

    def __repr__(self) -> str:
        return f"LeakyReLU(alpha={self.alpha})"


class Softmax(Activation):
    """f(z)_k = e^{z_k} / sum_j e^{z_j} along the last axis.

    Its Jacobian is da_k/dz_j = a_k (1[k=j] - a_j), so the chain-rule step is
    dL/dz = a * (g - sum_k g_k a_k); ``df`` gives only the diagonal a(1 - a).
    """

    name = symbol = "softmax"
    elementwise = False
    formula = "e^z_k / (e^z_1 + ... + e^z_n)"
    formula_latex = r"\frac{e^{z_k}}{\sum_j e^{z_j}}"
    derivative = "da_k/dz_j = a_k*(1[k=j] - a_j)"
    derivative_latex = r"\frac{\partial a_k}{\partial z_j} = a_k\,(\delta_{kj} - a_j)"
    derivative_in_terms_of_a = "a_k*(1[k=j] - a_j)"
    value_range = (0.0, 1.0)
    peak = 0.25
    saturation_note = "A score far below the others gets a share near 0 and barely moves."
    hint = "softmax(z)_k = e^(z_k) / (e^(z_1) + ... + e^(z_n))."
    derivative_hint = ("softmax's derivative is a matrix (each output depends on every z), not one "
                       "number per z.")

    def f(self, z):
        # Subtracting the row maximum leaves softmax unchanged and keeps e^z <= 1.
        z = np.asarray(z)
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)

    def df(self, z, a=None):
        a = self.f(z) if a is None else a
        return a * (1.0 - a)

    def backward(self, z, a, g):
        return a * (g - np.sum(g * a, axis=-1, keepdims=True))

    def check_units(self, n):
        if n < 2:
            raise ValueError("softmax on a single output unit always gives 1 (the cost is 0 and nothing is "
                             "learnt); for one output use sigmoid (with binary cross-entropy)")

    def value_mistakes(self, z):
        return [("missing_normalisation", np.exp(z), "Those are the e^z. Softmax divides each "
                 "by their sum, so the outputs add up to 1."),
                ("sign", self.f(-z), "Use e^(+z): the largest score must get the largest share.")]


ACTIVATIONS: dict[str, type[Activation]] = {}


def register_activation(cls: type[Activation], *aliases: str) -> type[Activation]:
    """Make ``cls`` available by its ``name`` (and any ``aliases``) everywhere a name is accepted."""
    if not (isinstance(cls, type) and issubclass(cls, Activation)) or cls.name == Activation.name:
        raise TypeError(f"register_activation needs an Activation subclass with its own name, got {cls!r}")
    try:  # backward calls df(z, a): a df written as df(self, z) would fail deep inside a training step
        inspect.signature(cls.df).bind(None, None, None)
    except TypeError:
        raise TypeError(f"{cls.__name__}.df must take (z, a=None), a = f(z) when it is known; "
                        f"got df{inspect.signature(cls.df)}") from None
    try:  # its spec is read back as cls(*parameters)
        inspect.signature(cls).bind(*[1.0] * len(cls.parameters))
    except TypeError:
        raise TypeError(f"{cls.__name__}.parameters names {list(cls.parameters)}: its constructor must take "
                        f"them in that order; got {cls.__name__}{inspect.signature(cls)}") from None
    for key in (cls.name, *aliases):
        ACTIVATIONS[key.lower().replace("-", "_")] = cls
    return cls


for _cls, *_aliases in ((Identity, "linear"), (Sigmoid,), (Tanh,), (ReLU,), (LeakyReLU,), (Softmax,)):
    register_activation(_cls, *_aliases)


def get_activation(spec: str | Activation) -> Activation:
    """The activation ``spec`` names, with the parameters it gives ("sigmoid", "leaky_relu(0.2)": what
    ``Activation.spec`` writes), or ``spec`` itself if it is an Activation."""
    return lookup(spec, ACTIVATIONS, Activation, "activation", "sigmoid")
