"""The notation module: every number, name, escape, title and colour bpnet writes has one home.

Each format is checked against values worked out by hand, and the package is scanned so that
no other module defines its own number format, escaper or palette.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest

import bpnet
from bpnet.core import notation as nt

PACKAGE = Path(bpnet.__file__).parent
NOTATION = PACKAGE / "core" / "notation.py"


def _modules():
    return [p for p in sorted(PACKAGE.rglob("*.py")) if p != NOTATION]


# ----- numbers ----------------------------------------------------------------------------
@pytest.mark.parametrize("x, text", [
    (0.1234567, "0.123457"), (-0.0, "0"), (-1e-300 * 1e-300, "0"), (1.5e-7, "1.5e-07"), (2.0, "2"),
    (-4.25, "-4.25"), (123456789.0, "1.23457e+08"), (float("inf"), "inf"), (np.float32(0.5), "0.5"),
])
def test_fmt_writes_six_significant_digits_and_never_minus_zero(x, text):
    assert nt.fmt(x) == text


def test_fmt_takes_fewer_digits_and_short_is_the_diagram_form():
    assert nt.fmt(0.123456, 3) == "0.123" and nt.fmt(-0.00012345, 2) == "-0.00012"
    assert nt.short(0.123456) == "0.123" and nt.short(-1e-20) == "-1e-20" and nt.short(-1e-400) == "0"
    assert nt.DIAGRAM_DIGITS == 3


@pytest.mark.parametrize("x", [None, float("nan"), np.float64("nan")])
def test_a_value_not_computed_yet_is_a_dash(x):
    assert nt.fmt_or_dash(x) == "—"


def test_fmt_or_dash_writes_a_number_like_fmt():
    assert nt.fmt_or_dash(-0.5) == "-0.5" and nt.fmt_or_dash(1 / 3, 4) == "0.3333"


def test_negative_numbers_and_terms_are_parenthesised():
    assert nt.paren(-4) == "(-4)" and nt.paren(4) == "4" and nt.paren(-0.0) == "0"
    assert nt.paren_term("-0.5") == "(-0.5)" and nt.paren_term("4.48") == "4.48"
    assert nt.latex_paren(-2) == r"\left(-2\right)" and nt.latex_paren(2) == "2"


@pytest.mark.parametrize("x, tex", [
    (1.5e-7, r"1.5 \times 10^{-7}"), (-2e10, r"-2 \times 10^{10}"), (0.25, "0.25"),
    (float("inf"), r"\infty"), (float("-inf"), r"-\infty"),
])
def test_latex_number_writes_powers_of_ten(x, tex):
    assert nt.latex_number(x) == tex


def test_vector_flattens_and_formats_each_entry():
    assert nt.vector(np.array([[1.0, -2.0], [0.5, -0.0]])) == "(1, -2, 0.5, 0)" and nt.vector(3) == "(3)"


# ----- one home ---------------------------------------------------------------------------
#: A number format with a precision: "{x:.4g}", format(x, ".3g"), f".{digits}g", "%.3e".
_NUMBER_FORMAT = re.compile(r"""\.\d*[geE]\}|["']\.\d*[geE]["']|\{digits\}[geE]|%\.?\d*[geE]\b""")


def test_no_module_but_notation_defines_a_number_format():
    found = [f"{p.relative_to(PACKAGE)}:{k}: {line.strip()}"
             for p in _modules() for k, line in enumerate(p.read_text().splitlines(), 1)
             if _NUMBER_FORMAT.search(line)]
    assert not found, "number formats outside bpnet/core/notation.py:\n" + "\n".join(found)


def test_the_scan_finds_a_number_format():
    for line in ['s = f"{x:.4g}"', 's = format(x, ".3g")', 'f".{digits}g"', '"%.3e" % x']:
        assert _NUMBER_FORMAT.search(line), line
    assert not _NUMBER_FORMAT.search('pts = f"{x:.1f},{y:.1f}"')
