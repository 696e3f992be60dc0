"""The activation explorer's maths: f(z), f'(z), and where a unit saturates.

``activation_reading(name, z)`` gives f(z), f'(z) and the activation's own sentence on
how fast a unit at z learns; ``saturation_ranges(name)`` the intervals of z where
f'(z) is below ``SATURATION`` of the activation's peak slope. Each activation
describes itself (``bpnet.core.activations``: ``peak``, ``note(z)``, ``describe()``); this
module only evaluates it. Numpy only: the plots and widgets draw what these return.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..core.notation import fmt, short
from ..core.activations import ACTIVATIONS, SATURATION, get_activation

__all__ = ["ActivationReading", "activation_reading", "saturation_ranges", "explorer_activations", "SATURATION",
           "SoftmaxReading", "softmax_reading", "SOFTMAX_OTHERS"]


def explorer_activations() -> tuple[str, ...]:
    """What the activation explorer offers: every registered elementwise activation, by name, read
    from the registry when asked (so one registered later is offered too)."""
    names = []
    for cls in ACTIVATIONS.values():
        if cls.elementwise and cls.name not in names:
            names.append(cls.name)
    return tuple(names)


@dataclass(frozen=True)
class ActivationReading:
    """f(z), f'(z) at one z, and a sentence on how fast a unit there learns."""

    name: str
    z: float
    f: float
    df: float
    note: str

    @property
    def text(self) -> str:
        return f"{self.name}: z = {fmt(self.z)}, f(z) = {fmt(self.f)}, f'(z) = {fmt(self.df)}. {self.note}"


def saturation_ranges(name, lo: float = -6.0, hi: float = 6.0, n: int = 2401) -> list[tuple[float, float]]:
    """Intervals of [lo, hi] where f'(z) < SATURATION * peak (on a grid of n points)."""
    act = get_activation(name)
    z = np.linspace(lo, hi, n)
    peak = float(act.peak)
    if peak == 0:
        return [(lo, hi)]
    flat = np.abs(act.df(z)) < SATURATION * peak
    out, start = [], None
    for zi, f in zip(z, flat):
        if f and start is None:
            start = zi
        elif not f and start is not None:
            out.append((float(start), float(zi)))
            start = None
    if start is not None:
        out.append((float(start), float(hi)))
    return out


def activation_reading(name, z: float) -> ActivationReading:
    """f(z), f'(z) and the activation's note for the explorer; f'(z) is how fast a unit at z learns."""
    act = get_activation(name)
    z = float(z)
    if not math.isfinite(z):
        raise ValueError(f"z must be a finite number, got {z}")
    f = float(act.f(np.array([z]))[0])
    d = float(act.df(np.array([z]))[0])
    return ActivationReading(act.name, z, f, d, act.note(z))


#: The scores the explorer keeps fixed beside the one it varies, z1, for softmax: softmax is not
#: elementwise (each share depends on every score), so it is read on a vector of three scores.
SOFTMAX_OTHERS = (1.0, -1.0)


@dataclass(frozen=True)
class SoftmaxReading:
    """Softmax on the scores ``z`` = (z1, the others): the shares ``a``, and how each share moves
    when z1 grows, ``da`` = (∂a_1/∂z_1, ∂a_2/∂z_1, ...) = a_k (1[k=1] - a_1)."""

    z: tuple
    a: tuple
    da: tuple
    note: str
    name: str = "softmax"

    @property
    def f(self) -> float:
        """a_1, the share of the varied score."""
        return self.a[0]

    @property
    def df(self) -> float:
        """∂a_1/∂z_1 = a_1 (1 - a_1)."""
        return self.da[0]

    @property
    def text(self) -> str:
        return (f"softmax of z = ({', '.join(fmt(v) for v in self.z)}): a = ({', '.join(fmt(v) for v in self.a)}), "
                f"da/dz1 = ({', '.join(fmt(v) for v in self.da)}). {self.note}")


def softmax_reading(z1: float, others=SOFTMAX_OTHERS) -> SoftmaxReading:
    """Softmax of (z1, *others) by bpnet's softmax, and the column of its Jacobian for z1 (its
    chain-rule step with the gradient 1 on a_1: the Jacobian is symmetric)."""
    z1 = float(z1)
    if not math.isfinite(z1):
        raise ValueError(f"z must be a finite number, got {z1}")
    act = get_activation("softmax")
    z = np.array([[z1, *map(float, others)]])
    a = act.f(z)
    unit = np.zeros_like(z)
    unit[0, 0] = 1.0
    da = act.backward(z, a, unit)[0]
    a = a[0]
    if da[0] < SATURATION * float(act.peak):
        where = "far below" if a[0] < 0.5 else "far above"
        note = (f"z1 is {where} the other scores: its share is near {0 if a[0] < 0.5 else 1} and barely moves "
                f"(a unit here learns slowly).")
    else:
        note = (f"Raising z1 raises a1 by a1(1 - a1) = {short(da[0])} per unit of z1 and lowers each other share "
                f"by a_k*a1; the shares always add up to 1.")
    return SoftmaxReading(tuple(float(v) for v in z[0]), tuple(float(v) for v in a), tuple(float(v) for v in da),
                          note)
