"""Numbers, names and formulas as bpnet writes them: one place for every text and LaTeX format.

Numbers
``fmt(x)``           a number as a worked solution prints it: 6 significant digits, never "-0";
``short(x)``         fmt(x, DIAGRAM_DIGITS): the 3 digits of a diagram's labels and a readout
``fmt_or_dash(x)``   fmt, or "—" for a value not computed yet (None or NaN)
``paren(x)``         fmt, in parentheses when negative, so a product reads 0.1*(-4)
``paren_term(s)``    an already written term in parentheses when negative: 4.48 + (-0.5)
``latex_number(x)``  the same number for LaTeX: 1.5e-07 becomes 1.5 \\times 10^{-7}
``vector(x)``        an array, flattened, as "(1, -2, 0.5)"
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["fmt", "short", "fmt_or_dash", "paren", "paren_term", "latex_number", "latex_paren", "vector",
           "DIAGRAM_DIGITS", "DASH"]

#: Significant digits of the numbers a worked solution and a table print.
DIGITS = 6
#: Significant digits of the numbers written on a diagram or a readout (tables show all six).
DIAGRAM_DIGITS = 3
#: What a table shows for a value not computed yet.
DASH = "—"


# ----- numbers ---------------------------------------------------------------------------
def fmt(x: float, digits: int = DIGITS) -> str:
    """A number with up to ``digits`` significant digits (6: a worked solution's), never "-0"."""
    s = format(float(x), f".{int(digits)}g")
    return "0" if s == "-0" else s


def short(x: float) -> str:
    """fmt with DIAGRAM_DIGITS significant digits: a diagram's labels, a readout."""
    return fmt(x, DIAGRAM_DIGITS)


def fmt_or_dash(x, digits: int = DIGITS) -> str:
    """fmt, or a dash for a value not computed yet (None or NaN)."""
    if x is None or (isinstance(x, (float, np.floating)) and math.isnan(x)):
        return DASH
    return fmt(x, digits)


def paren_term(s: str) -> str:
    """A written term in parentheses when it is negative: 4.48 + (-0.5), never 4.48 + -0.5."""
    return f"({s})" if s.startswith("-") else s


def paren(x: float, digits: int = DIGITS) -> str:
    """fmt, parenthesised when negative so that products read 0.1*(-4)."""
    return paren_term(fmt(x, digits))


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
