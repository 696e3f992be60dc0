"""Errors bpnet raises for training that went wrong (not for bad input, which is a plain ValueError/TypeError).

``DivergenceError``: an update produced a number that is not finite (NaN, +inf or -inf) — a
cost, a pre-activation, a gradient or a new weight. Training stops at the first one, and the
weights are left exactly as they were before that update. It is a ``ValueError``, so code that
already catches bad input (``except ValueError``) catches it too.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["DivergenceError", "all_finite", "first_non_finite"]


class DivergenceError(ValueError):
    """An update produced NaN or inf; the weights are as they were before that update.

    Attributes (None when not known):
      ``quantity``  what was not finite: "cost", "pre-activation", "activation", "gradient" or "weight";
      ``where``     the unit or weight it belongs to, e.g. "Z1" or "X0->Z1";
      ``epoch``     the epoch (0-based, as an index into ``train``'s history) whose update diverged;
      ``value``     the offending number (nan, inf or -inf);
      ``history``   for ``Network.train``: the cost before each epoch that completed, a 1-D array
                    (``len(history)`` epochs ran and were applied);
      ``layer``, ``index``  position of that number: layer l and its (row, column) in the array;
      ``detail``    what was not finite, in words, e.g. "the cost is inf (output D0 = ...)".
    """

    def __init__(self, message: str, *, quantity: str | None = None, where: str | None = None,
                 epoch: int | None = None, value: float | None = None, history: np.ndarray | None = None,
                 layer: int | None = None, index: tuple | None = None, detail: str | None = None):
        super().__init__(message)
        self.quantity = quantity
        self.where = where
        self.epoch = epoch
        self.value = value
        self.history = history
        self.layer = layer
        self.index = index
        self.detail = message if detail is None else detail


def all_finite(arrays) -> bool:
    """True if every number in ``arrays`` is finite. A sum is finite only if each of its terms is (a
    NaN or inf anywhere makes it NaN or inf), so one sum per array settles the usual case; an array
    whose sum is not finite (a NaN or inf in it, or finite numbers whose sum overflows) is looked at
    number by number. (A sum that overflows warns unless numpy is told not to, as ``Network.step``
    and ``train`` tell it; ``first_non_finite`` never sums.)"""
    return all([math.isfinite(w.sum()) or np.isfinite(w).all() for w in arrays])


def first_non_finite(arrays) -> tuple[int, tuple, float] | None:
    """(l, index, value) of the first NaN/inf in a list of arrays, in order; None if all are finite.

    ``np.isfinite(a).all()`` is one pass over each array, so the common all-finite case is cheap.
    """
    for l, a in enumerate(arrays):
        a = np.asarray(a)
        if not np.isfinite(a).all():
            idx = tuple(int(i) for i in np.argwhere(~np.isfinite(a))[0])
            return l, idx, float(a[idx])
    return None
