"""The notation module: every number, name, escape, title and colour bpnet writes has one home.

Each format is checked against values worked out by hand, and the package is scanned so that
no other module defines its own number format, escaper or palette.
"""

from __future__ import annotations

import html
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


def _lines_outside_notation(pattern: re.Pattern) -> list[str]:
    """Every line of bpnet but the notation module's that ``pattern`` finds, as "path:line: text"."""
    return [f"{p.relative_to(PACKAGE)}:{k}: {line.strip()}"
            for p in _modules() for k, line in enumerate(p.read_text().splitlines(), 1) if pattern.search(line)]


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
_NUMBER_FORMAT = re.compile(r"""[.:]\d*[geE]\}|["']\.\d*[geE]["']|\{digits\}[geE]|%\.?\d*[geE]\b""")


def test_no_module_but_notation_defines_a_number_format():
    found = _lines_outside_notation(_NUMBER_FORMAT)
    assert not found, "number formats outside bpnet/core/notation.py:\n" + "\n".join(found)


def test_the_scan_finds_a_number_format():
    for line in ['s = f"{x:.4g}"', 's = format(x, ".3g")', 'f".{digits}g"', '"%.3e" % x', 'f"{x:g}"']:
        assert _NUMBER_FORMAT.search(line), line
    assert not _NUMBER_FORMAT.search('pts = f"{x:.1f},{y:.1f}"')


# ----- names of links and weights ---------------------------------------------------------------
def test_a_weight_is_named_by_its_link_and_written_w_of_it():
    net = bpnet.xor_example().net
    assert net.weight_name(0, 0, 0) == nt.link_name("X0", "Z1") == "X0->Z1"
    assert net.weight_index(nt.link_name("Z2", "D0")) == (1, 2, 0)
    assert nt.weight_symbol("X0->Z1") == "w(X0->Z1)"
    assert nt.tex_name(nt.weight_symbol(nt.link_name("X0", "Z1"))) == r"w_{X_{0} \to Z_{1}}"


_LINK_WRITTEN = re.compile(r"""\}->\{|\(["']->["']\)|["']->["'] \+|\+ ["']->["']""")


def test_no_module_but_notation_joins_or_splits_a_link_name():
    found = _lines_outside_notation(_LINK_WRITTEN)
    assert not found, "link names written outside bpnet/core/notation.py:\n" + "\n".join(found)


def test_the_scan_finds_a_link_name_written():
    for line in ['name = f"{src}->{dst}"', 'src, _, dst = name.partition("->")', 'w.endswith("->" + unit)',
                 "w.startswith(unit + '->')"]:
        assert _LINK_WRITTEN.search(line), line
    assert not _LINK_WRITTEN.search('"→": "->",')


# ----- names and formulas in LaTeX ------------------------------------------------------------
@pytest.mark.parametrize("name, tex", [
    ("X0", "X_{0}"), ("H1_1", r"\mathrm{H1}_{1}"), ("w(X0->Z1)", r"w_{X_{0} \to Z_{1}}"), ("z(Z1)", "z_{Z_{1}}"),
    ("y_hat", r"\hat{y}"), ("Z1[2]", "Z_{1}^{(2)}"), ("x", "x"), ("cost_J", r"\mathrm{cost\_J}"),
    ("z^[1]", "z^{[1]}"), ("a^[2]", "a^{[2]}"),  # a layer's index in square brackets, as on the card
])
def test_tex_name_sets_units_weights_and_tags(name, tex):
    assert nt.tex_name(name) == tex


def test_plain_formulas_are_set_in_the_cards_notation():
    tex = nt.plain_to_tex("w(X0->Z1) := w(X0->Z1) - lr*g(X0->Z1) = 1 - 0.1*(-4) = 1.4")
    assert tex == (r"w_{X_{0} \to Z_{1}} := w_{X_{0} \to Z_{1}} - \mathrm{lr} \cdot g_{X_{0} \to Z_{1}}"
                   r" = 1 - 0.1 \cdot (-4) = 1.4")
    assert nt.TEX_ASSIGN == nt.ASSIGN == ":=" and nt.LR == "lr"
    assert nt.plain_to_tex("L = 1/2*(D0 - y0)^2 + log(a)") == r"L = \frac{1}{2}(D_{0} - y_{0})^{2} + \log(a)"
    assert nt.plain_to_tex("δ(Z1) = 2.5e-07") == r"\delta_{Z_{1}} = 2.5 \times 10^{-7}"
    assert nt.plain_to_tex("∂f/∂q = 1", ["f", "q"]) == r"\frac{\partial f}{\partial q} = 1"
    # a layer's index stays a layer's (square brackets), never a sample's (round ones)
    assert nt.plain_to_tex("a^[1] = sigmoid(z^[1])", ["a^[1]", "z^[1]"]) == r"a^{[1]} = \operatorname{sigmoid}(z^{[1]})"


def test_every_rule_is_written_with_the_cards_assign_and_lr():
    for rule in ("gradient", "article"):
        assert "w := w − lr·" in nt.RULE_TEXT[rule]
        assert r"w := w - \mathrm{lr} \cdot" in nt.RULE_TEX[rule]
    assert "∂J/∂w" in nt.RULE_TEXT["gradient"]  # g = ∂J/∂w, the card's gradient


# ----- Markdown, TeX text, phase titles ----------------------------------------------------
def test_markdown_escape_escapes_every_markup_character():
    assert nt.markdown_escape("a_b *c* [d](e) #1 |x| $y$ 1. - ~ ^ & < >") == (
        r"a\_b \*c\* \[d\]\(e\) \#1 \|x\| \$y\$ 1\. \- \~ \^ \& \< \>")


def test_markdown_escape_renders_as_the_text_itself():
    mistune = pytest.importorskip("mistune")  # a CommonMark renderer, as JupyterLab's
    text = "w(X0->Z1) := w - lr*g_1 [see #2] | 1. $x$ ~ ^ & <b>"
    rendered = mistune.create_markdown(renderer="html")(nt.markdown_escape(text))
    assert html.unescape(re.sub(r"</?p>\n?", "", rendered)) == text


def test_a_function_name_is_set_upright_as_an_operator_in_formulas_and_traces():
    assert nt.tex_operator("leaky_relu") == r"\operatorname{leaky\_relu}"
    assert nt.tex_operator("softplus") in nt.plain_to_tex("softplus(z)")
    net = bpnet.Network([np.array([[0.1], [0.5]])], ["leaky_relu"])
    tr = bpnet.trace_step(net, np.array([[1.0]]), np.array([[0.0]]))
    assert any(nt.tex_operator("leaky_relu") + r"\left(" in st.latex for st in tr.steps)


def test_tex_text_escapes_tex_specials():
    assert nt.tex_text("a_b #1 50% & {x} ~ ^") == r"a\_b \#1 50\% \& \{x\} \textasciitilde{} \^{}"


def test_one_title_per_phase():
    assert nt.PHASE_TITLES["forward"] == "Forward pass" and nt.PHASE_TITLES["update"] == "Weight updates"
    assert set(bpnet.PHASES) <= set(nt.PHASE_TITLES)
    from bpnet.explain.autograd import GRAPH_PHASES
    assert set(GRAPH_PHASES) <= set(nt.PHASE_TITLES)


_TITLE = re.compile(r'"(Forward pass|Backward pass|Weight updates|Updates?|Gradients and weight updates)"')
#: An escaper by name, or by its work: a string of Markdown's markup characters starting \\`*_
#: (a regex's character class or a loop's string), whatever the function is called.
_ESCAPER = re.compile(r"def \w*(md|markdown)_?escape|re\.compile\(r[\"']\(\[\\\\`|\\\\`\*_")


def test_no_module_but_notation_defines_phase_titles_or_an_escaper():
    found = _lines_outside_notation(_TITLE) + _lines_outside_notation(_ESCAPER)
    assert not found, "titles or escapers outside bpnet/core/notation.py:\n" + "\n".join(found)


def test_the_scan_finds_titles_and_escapers():
    assert _TITLE.search('_PHASES = {"update": "Update"}') and _ESCAPER.search("def _md_escape(text):")
    assert _ESCAPER.search('_MD_SPECIAL = re.compile(r"([\\\\`*_])")')
    assert _ESCAPER.search('    return re.sub(r"([\\\\`*_{}\\[\\]<>#|])", r"\\\\\\1", text)')
    assert _ESCAPER.search('    for ch in "\\\\`*_{}[]<>#|$~":')


# ----- colours ---------------------------------------------------------------------------------
def test_the_palette_is_okabe_ito_where_it_means_something():
    assert nt.PALETTE["up"] == nt.OKABE_ITO["blue"] and nt.PALETTE["down"] == nt.OKABE_ITO["vermilion"]
    assert nt.PALETTE["highlight"] == nt.OKABE_ITO["yellow"] and nt.PALETTE["changed"] == nt.PALETTE["down"]
    assert all(re.fullmatch(r"#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?", c) for c in nt.PALETTE.values())


def test_the_widgets_css_is_generated_from_the_palette():
    css = nt.palette_css()
    for role, colour in nt.PALETTE.items():
        assert f"--bp-{role.replace('_', '-')}: {colour};" in css
    assert css.startswith(":root {") and css.endswith("}")


_HEX = re.compile(r"(?<![\w&])#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?\b")


def test_no_module_but_notation_writes_a_colour():
    found = _lines_outside_notation(_HEX)
    assert not found, "colours outside bpnet/core/notation.py:\n" + "\n".join(found)


def test_the_scan_finds_a_colour():
    assert _HEX.search('stroke="#000"') and _HEX.search('UP = "#0072B2"') and _HEX.search("{ background: #eee; }")
    assert not _HEX.search('fill="url(#bp-cividis)"') and not _HEX.search("see issue #12, &#123;")


# ----- kinks: one declaration, read by every checker ---------------------------------------------
class _Bent(bpnet.Activation):
    """f(z) = z below 1 and 1 + 2(z - 1) above: f' jumps from 1 to 2 at z = 1 (2 there)."""

    name = symbol = "bent"
    kinks = (1.0,)

    def f(self, z):
        return np.where(z < 1, z, 1 + 2 * (z - 1))

    def df(self, z, a=None):
        return np.where(np.asarray(z) < 1, 1.0, 2.0)


class _Undeclared(_Bent):
    name = symbol = "bent_undeclared"
    kinks = ()


def test_activations_declare_their_kinks():
    relu, leaky, sigmoid = (bpnet.get_activation(n) for n in ("relu", "leaky_relu", "sigmoid"))
    assert relu.at_kink(np.array([-1.0, 0.0, -0.0, 2.0])).tolist() == [False, True, True, False]
    assert leaky.at_kink(0.0) and not sigmoid.at_kink(0.0) and not _Bent().at_kink(0.0) and _Bent().at_kink(1.0)


def test_the_derivative_checker_accepts_either_slope_only_at_a_declared_kink():
    from bpnet.teach.exercises import check_activation_derivative

    assert check_activation_derivative(_Bent(), 1.0, 2.0) and check_activation_derivative(_Bent(), 1.0, 1.0)
    assert not check_activation_derivative(_Bent(), 0.5, 2.0)
    assert not check_activation_derivative(_Undeclared(), 1.0, 1.0)  # not declared: one right slope


def test_notation_imports_nothing_of_bpnet():
    import ast

    tree = ast.parse(NOTATION.read_text())
    imported = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    imported += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    assert not [m for m in imported if m.startswith("bpnet") or m == ""], imported
    assert not [n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level], "a relative import"
