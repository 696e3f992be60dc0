"""Numbers and formulas as bpnet writes them: one place for every text and LaTeX format.

``fmt(x)``           a number as a worked solution prints it: 6 significant digits, never "-0"
``paren(x)``         fmt, in parentheses when negative, so a product reads 0.1*(-4)
``latex_number(x)``  the same number for LaTeX: 1.5e-07 becomes 1.5 \\times 10^{-7}
``vector(x)``        an array, flattened, as "(1, -2, 0.5)"
"""

from __future__ import annotations

import numpy as np

__all__ = ["fmt", "paren", "latex_number", "latex_paren", "vector"]


def fmt(x: float) -> str:
    """A number as a worked solution prints it: up to 6 significant digits, no -0."""
    s = format(float(x), ".6g")
    return "0" if s == "-0" else s


def paren(x: float) -> str:
    """fmt, parenthesised when negative so that products read 0.1*(-4)."""
    s = fmt(x)
    return f"({s})" if s.startswith("-") else s


def latex_number(x: float) -> str:
    """fmt for LaTeX: an exponent is written as a power of ten, infinities as \\infty."""
    s = fmt(x)
    if s in ("inf", "-inf"):
        return s.replace("inf", r"\infty")
    if "e" in s:
        mant, exp = s.split("e")
        return f"{mant} \\times 10^{{{int(exp)}}}"
    return s


def latex_paren(x: float) -> str:
    """latex_number, parenthesised when negative."""
    s = latex_number(x)
    return f"\\left({s}\\right)" if s.startswith("-") else s


def vector(x) -> str:
    """An array (or a number), flattened, as "(1, -2, 0.5)"."""
    x = np.ravel(np.asarray(x, dtype=float))
    return "(" + ", ".join(fmt(v) for v in x) + ")"
