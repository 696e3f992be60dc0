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

from ..core.notation import fmt
from ..core.activations import ACTIVATIONS, SATURATION, get_activation

__all__ = ["ActivationReading", "activation_reading", "saturation_ranges", "explorer_activations", "SATURATION"]


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
