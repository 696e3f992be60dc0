"""The activation explorer's maths: f(z), f'(z), and where a unit saturates.

``activation_reading(name, z)`` gives f(z), f'(z) and a sentence on how fast a unit
at z learns; ``saturation_ranges(name)`` the intervals of z where f'(z) is below
``SATURATION`` of its peak. Numpy only: the plots and widgets draw what these return.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .activations import get_activation
from .trace import fmt

__all__ = ["ActivationReading", "activation_reading", "saturation_ranges", "EXPLORER_ACTIVATIONS", "SATURATION"]


EXPLORER_ACTIVATIONS = ("identity", "sigmoid", "tanh", "relu", "leaky_relu")

#: A unit "saturates" where f'(z) is below this fraction of its largest value.
SATURATION = 0.1


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


def saturation_ranges(name: str, lo: float = -6.0, hi: float = 6.0, n: int = 2401) -> list[tuple[float, float]]:
    """Intervals of [lo, hi] where f'(z) < SATURATION * max f'(z) (on a grid of n points)."""
    act = get_activation(name)
    z = np.linspace(lo, hi, n)
    d = act.df(z)
    peak = float(np.max(np.abs(d)))
    if peak == 0:
        return [(lo, hi)]
    flat = np.abs(d) < SATURATION * peak
    out, startz = [], None
    for zi, f in zip(z, flat):
        if f and startz is None:
            startz = zi
        elif not f and startz is not None:
            out.append((float(startz), float(zi)))
            startz = None
    if startz is not None:
        out.append((float(startz), float(hi)))
    return out


def activation_reading(name: str, z: float) -> ActivationReading:
    """f(z), f'(z) and a note for the explorer; f'(z) is how fast a unit at z learns."""
    act = get_activation(name)
    z = float(z)
    if not math.isfinite(z):
        raise ValueError(f"z must be a finite number, got {z}")
    f = float(act.f(np.array([z]))[0])
    d = float(act.df(np.array([z]))[0])
    key = act.name
    if key == "identity":
        note = "f'(z) = 1 everywhere: it never saturates, but a network of identity units is only linear."
    elif key == "relu":
        note = ("z > 0: f'(z) = 1, no saturation on this side." if z > 0 else
                "z <= 0: f'(z) = 0, so no gradient flows back through this unit (a unit stuck here for every input is 'dead').")
    elif key == "leaky_relu":
        note = ("z > 0: f'(z) = 1." if z > 0 else
                f"z <= 0: f'(z) = {fmt(d)}, small but not zero, so the unit can still recover.")
    else:
        peak = 0.25 if key == "sigmoid" else 1.0
        if d < SATURATION * peak:
            note = (f"Saturated: f'(z) is below {fmt(SATURATION * 100)}% of its peak {fmt(peak)}, "
                    "so this unit's delta, and its weights' gradients, are tiny.")
        else:
            note = f"f'(z) is {fmt(100 * d / peak)}% of its peak {fmt(peak)} (at z = 0): the unit learns well here."
    return ActivationReading(key, z, f, d, note)
