"""Numbers, names and formulas as bpnet writes them: one place for every text and LaTeX format.

Numbers
``fmt(x)``           a number as a worked solution prints it: 6 significant digits, never "-0";
``short(x)``         fmt(x, DIAGRAM_DIGITS): the 3 digits of a diagram's labels and a readout
``fmt_or_dash(x)``   fmt, or "—" for a value not computed yet (None or NaN)
``paren(x)``         fmt, in parentheses when negative, so a product reads 0.1*(-4)
``paren_term(s)``    an already written term in parentheses when negative: 4.48 + (-0.5)
``latex_number(x)``  the same number for LaTeX: 1.5e-07 becomes 1.5 \\times 10^{-7}
``vector(x)``        an array, flattened, as "(1, -2, 0.5)"

The update rule     ASSIGN, LR (":=", "lr") and their LaTeX, RULE_TEXT and RULE_TEX: the notation
                    card's w := w - lr*g in every view
Phase titles        PHASE_TITLES: a trace's, a graph trace's and a worksheet's headings
Text                markdown_escape (Markdown), tex_text (words inside \\text{...})
Widths              tex_width (about how wide typeset maths is, in em), DISPLAY_WIDTH_EM (the widest
                    display formula a notebook's column holds beside the file browser)
Names and formulas  tex_name ("w(X0->Z1)" as w_{X_{0} \\to Z_{1}}), PlainTex / plain_to_tex (a plain
                    formula in LaTeX), graph_expression and graph_local (a graph node's formulas,
                    from its recorded op)
Colours             OKABE_ITO, PALETTE (every colour, by meaning), palette_css (the widgets' CSS)

It imports nothing of bpnet: the activations and losses describe themselves with it.
"""

from __future__ import annotations

import math
import re

import numpy as np

__all__ = ["fmt", "short", "fmt_or_dash", "paren", "paren_term", "latex_number", "latex_paren", "vector",
           "DIAGRAM_DIGITS", "DASH", "ASSIGN", "LR", "TEX_ASSIGN", "TEX_LR", "RULE_TEXT", "RULE_TEX",
           "PHASE_TITLES", "LINK_ARROW", "link_name", "weight_symbol", "markdown_escape", "tex_text",
           "tex_operator", "tex_name", "PlainTex", "plain_to_tex", "tex_width", "DISPLAY_WIDTH_EM", "OKABE_ITO",
           "PALETTE", "palette_css", "GRAPH_OPERATORS", "graph_operand", "graph_expression", "graph_local"]

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


# ----- the update rule, as the notation card writes it -----------------------------------
#: "becomes" and the learning rate: w := w - lr*g, in plain text and in LaTeX.
ASSIGN, LR = ":=", "lr"
TEX_ASSIGN, TEX_LR = ":=", r"\mathrm{lr}"
#: Each rule's deltas and update, in words a learner reads (plain text) and typeset.
RULE_TEXT = {"gradient": "gradient descent (δ = ∂L/∂z, then w := w − lr·∂J/∂w)",
             "article": "the article's rule (δ = y − a at the output, then w := w − lr·a·δ)"}
RULE_TEX = {"gradient": r"gradient descent ($\delta = \partial L / \partial z$, then "
                        r"$w := w - \mathrm{lr} \cdot \partial J / \partial w$)",
            "article": r"the article's rule ($\delta = y - a$ at the output, then "
                       r"$w := w - \mathrm{lr} \cdot a \, \delta$)"}


# ----- phase titles -------------------------------------------------------------------------
#: The heading of each phase of a trace (forward, loss, deltas, updates), of a graph's trace
#: (forward, backward, update) and of a worksheet's questions (delta, gradient, update).
PHASE_TITLES = {
    "forward": "Forward pass", "loss": "Loss", "deltas": "Deltas (backward pass)",
    "updates": "Gradients and weight updates", "backward": "Backward pass",
    "delta": "Deltas (backward pass)", "gradient": "Gradients", "update": "Weight updates",
}


# ----- Markdown and TeX text ------------------------------------------------------------------
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|~^$&])")


def markdown_escape(text: str) -> str:
    """``text`` with every character Markdown (and JupyterLab's $...$ maths) would read escaped.

    CommonMark lets any ASCII punctuation be backslash-escaped, and shows it literally.
    """
    return _MD_SPECIAL.sub(r"\\\1", text)


def tex_operator(name: str) -> str:
    """A function's name set upright, as an operator: \\operatorname{leaky\\_relu}."""
    return r"\operatorname{" + name.replace("_", r"\_") + "}"


def tex_text(text: str) -> str:
    """Plain words inside \\text{...}: TeX's special characters escaped."""
    return re.sub(r"([#$%&_{}])", r"\\\1", text).replace("~", r"\textasciitilde{}").replace("^", r"\^{}")


# ----- how wide a typeset formula is ----------------------------------------------------------
#: The widest display formula, in em of the typeset maths, that fits a notebook's column beside
#: JupyterLab's file browser in a 1000 px wide window (548 px; MathJax sets 1 em at about 18 px),
#: with room to spare for a wider font.
DISPLAY_WIDTH_EM = 28.0

#: Advance widths (em) of TeX's maths fonts, rounded up: digits and upright letters, italic letters,
#: capitals, punctuation; an operator or relation with the spaces TeX puts around it.
_TEX_EM = {**dict.fromkeys("0123456789", 0.5), **dict.fromkeys("abcdefghijklmnopqrstuvwxyz", 0.53),
           **dict.fromkeys("ABCDEFGHIJKLMNOPQRSTUVWXYZ", 0.78), ".": 0.28, ",": 0.45, ";": 0.45, ":": 0.28,
           "(": 0.39, ")": 0.39, "[": 0.28, "]": 0.28, "|": 0.28, "/": 0.5, "'": 0.3, "!": 0.28}
_TEX_BINARY = {"+": 1.23, "-": 1.23, r"\cdot": 0.73, r"\times": 1.23, r"\pm": 1.23}
_TEX_RELATION = {"=": 1.34, r"\to": 1.56, r"\leftarrow": 1.56, r"\approx": 1.34, r"\ne": 1.34, r"\le": 1.34,
                 r"\ge": 1.34, ":=": 1.62}
_TEX_SPACES = {r"\;": 0.28, r"\,": 0.17, r"\:": 0.22, r"\quad": 1.0, r"\qquad": 2.0, r"\ ": 0.25, r"\!": -0.17}
_TEX_SILENT = {r"\left", r"\right", r"\bigl", r"\bigr", r"\Bigl", r"\Bigr", r"\displaystyle"}
_TEX_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|:=|.", re.S)


def _tex_group(tokens: list, k: int) -> tuple[list, int]:
    """The tokens of the group starting at ``tokens[k]`` ({...} or one token), and the index after it."""
    if k >= len(tokens):
        return [], k
    if tokens[k] != "{":
        return [tokens[k]], k + 1
    depth, j = 0, k
    while j < len(tokens):
        depth += {"{": 1, "}": -1}.get(tokens[j], 0)
        if depth == 0:
            return tokens[k + 1:j], j + 1
        j += 1
    return tokens[k + 1:], j


def _tex_em(tokens: list, upright: bool = False) -> float:
    width, k = 0.0, 0
    while k < len(tokens):
        t = tokens[k]
        k += 1
        if t in ("{", "}", " ") or t in _TEX_SILENT:
            continue
        if t in ("_", "^"):
            group, k = _tex_group(tokens, k)
            width += 0.71 * _tex_em(group, upright)
        elif t in (r"\text", r"\mathrm", r"\operatorname", r"\textrm"):
            group, k = _tex_group(tokens, k)
            width += _tex_em(group, upright=True) + (0.17 if t == r"\operatorname" else 0.0)
        elif t in (r"\color", r"\label"):
            _, k = _tex_group(tokens, k)
        elif t in (r"\hat", r"\bar", r"\tilde", r"\vec", r"\mathbf", r"\boldsymbol"):
            group, k = _tex_group(tokens, k)
            width += _tex_em(group, upright)
        elif t in (r"\frac", r"\tfrac", r"\dfrac"):
            num, k = _tex_group(tokens, k)
            den, k = _tex_group(tokens, k)
            width += max(_tex_em(num, upright), _tex_em(den, upright)) * (0.71 if t == r"\tfrac" else 1.0) + 0.24
        elif t in _TEX_SPACES:
            width += _TEX_SPACES[t]
        elif t in _TEX_BINARY:
            # an operator between two terms has TeX's spaces around it; a sign before a number has none
            prev = next((p for p in reversed(tokens[:k - 1]) if p != " "), None)
            binary = prev is not None and prev not in ("(", "[", "{", "=", ",") and prev not in _TEX_RELATION
            width += _TEX_BINARY[t] if binary else _TEX_BINARY[t] - 0.45
        elif t in _TEX_RELATION:
            width += _TEX_RELATION[t]
        elif t.startswith("\\") and len(t) > 2:
            width += 0.6  # a Greek letter or a symbol
        elif t.startswith("\\"):
            width += 0.5  # an escaped character
        elif upright and t.isalpha():
            width += 0.5 if t.islower() else 0.72
        else:
            width += _TEX_EM.get(t, 0.78)
    return width


def tex_width(latex: str) -> float:
    r"""About how wide ``latex`` is when typeset as one line of maths, in em (TeX's fonts, rounded up):
    sub- and superscripts at 71 %, \left and \right as their delimiters, \color's argument not
    shown. Good to a few per cent for the formulas bpnet writes; used to decide where a long
    display formula breaks (``DISPLAY_WIDTH_EM``)."""
    return _tex_em(_TEX_TOKEN.findall(latex))


# ----- names of links and weights --------------------------------------------------------------
#: What joins the unit a link leaves to the unit it enters in the link's name: X0->Z1.
LINK_ARROW = "->"


def link_name(src: str, dst: str) -> str:
    """The name of the link (and of its weight) from unit ``src`` to unit ``dst``: ``X0->Z1``."""
    return f"{src}{LINK_ARROW}{dst}"


def weight_symbol(link: str) -> str:
    """The weight on a link, as a formula writes it: ``w(X0->Z1)``."""
    return f"w({link})"


# ----- names and plain formulas in LaTeX -----------------------------------------------------
def _tex_unit(prefix: str, i: int) -> str:
    """A unit name in LaTeX: X0 -> X_{0}; a multi-letter layer name is set upright."""
    prefix = prefix.rstrip("_")
    head = prefix if len(prefix) == 1 else rf"\mathrm{{{prefix}}}"
    return f"{head}_{{{i}}}"


def tex_name(name: str) -> str:
    r"""A name in LaTeX: x, n_{1}, X_{0}, w_{X_{0} \to Z_{1}}, g_{X_{0} \to Z_{1}}, z_{Z_{1}}, \delta_{Z_{1}},
    \hat{y}; a layer's index ^[1] as the superscript [1] (z^[1]: z^{[1]}), a sample's tag [2] as a
    superscript (2)."""
    layered = re.fullmatch(r"(.+)\^\[(\d+)\]", name)
    if layered:
        return f"{tex_name(layered.group(1))}^{{[{layered.group(2)}]}}"
    tagged = re.fullmatch(r"(.+)\[(\d+)\]", name)
    if tagged:
        return f"{tex_name(tagged.group(1))}^{{({tagged.group(2)})}}"
    of = re.fullmatch(r"([wgzδ])\((.+)\)", name)  # w(X0->Z1), g(X0->Z1), z(Z1), δ(Z1)
    if of:
        sub = r" \to ".join(tex_name(part) for part in of.group(2).split(LINK_ARROW))
        return ("\\delta" if of.group(1) == "δ" else of.group(1)) + f"_{{{sub}}}"
    hat = re.fullmatch(r"([A-Za-z])_?hat", name)
    if hat:
        return rf"\hat{{{hat.group(1)}}}"
    unit = re.fullmatch(r"([A-Za-z][A-Za-z0-9_]*?)(\d+)", name)
    if unit:
        return _tex_unit(unit.group(1), int(unit.group(2)))
    if len(name) == 1:
        return name
    return r"\mathrm{" + re.sub(r"([_#$%&{}])", r"\\\1", name) + "}"


#: Identifiers set as names: one letter, letters and an index (X1, w2, H1_1), or a hat (y_hat).
_NAME_LIKE = re.compile(r"[A-Za-z]|[A-Za-z][A-Za-z0-9_]*?\d+|[A-Za-z]_?hat")
_TEX_WORDS = {"lr": TEX_LR, **{f: "\\" + f for f in ("exp", "log", "ln", "sin", "cos", "tan", "sinh", "cosh", "tanh",
                                                  "arctan", "max", "min")}}


class PlainTex:
    """A plain formula ("∂f/∂q = ∂f/∂s*∂s/∂q", "w(X0->Z1) := ...", "dJ/dw = 0 - 0.5*(-0.4)") in LaTeX.

    ``names``: the names of a graph's nodes, set as names wherever they stand; any other
    identifier that looks like a name (x, X1, w2, y_hat) is set as one, a known function
    (exp, log, tanh, max) as itself, another word before a parenthesis as an operator name,
    any other word as text.
    """

    def __init__(self, names=()):
        names = list(names)
        words = sorted({n for n in names if not re.fullmatch(r"-?[\d.e+-]+", n)}, key=len, reverse=True)
        name = "|".join(re.escape(n) for n in words) or r"(?!)"
        bound = r"(?![A-Za-z0-9_\[(])"
        self.token = re.compile(
            rf"∂(?P<of>{name})/∂(?P<by>{name}){bound}"
            rf"|dL/d(?P<dl>{name}){bound}"
            r"|(?<![A-Za-z0-9_])d(?P<dof>[LJ])/d(?P<dby>[A-Za-z][A-Za-z0-9_]*)(?![A-Za-z0-9_(])"
            rf"|g\((?P<g>{name})\)"
            r"|(?<![\d.])(?P<half>1/2)\*"
            r"|(?<![A-Za-z0-9_])(?P<fn>[wgzδ])\((?P<arg>[A-Za-z][A-Za-z0-9_]*(?:->[A-Za-z][A-Za-z0-9_]*)?)\)"
            rf"|(?<![A-Za-z0-9_])(?P<name>{name}){bound}"
            r"|(?P<num>\d+(?:\.\d+)?(?:e[+-]?\d+)?)"
            r"|(?P<op>:=|>=|<=|\*|\^)"
            r"|(?P<word>[A-Za-z_][A-Za-z0-9_]*)"
            r"|(?P<space> )"
            r"|(?P<other>.)")

    def __call__(self, text: str) -> str:
        out = []  # (kind, tex)
        pos = depth = 0
        while pos < len(text):
            mo = self.token.match(text, pos)
            kind, tok = mo.lastgroup, mo.group()
            pos = mo.end()
            depth += (tok in "([") - (tok in ")]") if kind == "other" else 0
            if kind == "other" and tok == "," and depth == 0 and text[pos:pos + 1] == " ":
                out.append(("tex", r",\quad "))  # "w = 1, b = 2": two formulas on one line
                pos += 1
                continue
            if kind in ("of", "by"):
                out.append(("tex", rf"\frac{{\partial {tex_name(mo.group('of'))}}}"
                                   rf"{{\partial {tex_name(mo.group('by'))}}}"))
            elif kind == "dl":
                out.append(("tex", rf"\frac{{\partial L}}{{\partial {tex_name(mo.group('dl'))}}}"))
            elif kind in ("dof", "dby"):
                out.append(("tex", rf"\frac{{\partial {mo.group('dof')}}}{{\partial {tex_name(mo.group('dby'))}}}"))
            elif kind == "g":
                out.append(("tex", f"g_{{{tex_name(mo.group('g'))}}}"))
            elif kind in ("fn", "arg"):
                out.append(("tex", tex_name(tok)))
            elif kind == "half":
                out.append(("tex", r"\frac{1}{2}"))
            elif kind == "name":
                out.append(("tex", tex_name(tok)))
            elif kind == "num":
                out.append(("tex", latex_number(float(tok))))
            elif kind == "op" and tok == "^":  # the exponent: one number, name or parenthesised group
                atom = self._atom(text, pos)
                out.append(("tex", f"^{{{self(atom)}}}"))
                pos += len(atom)
            elif kind == "op":
                out.append(("tex", {":=": TEX_ASSIGN, ">=": r"\geq", "<=": r"\leq", "*": r" \cdot "}[tok]))
            elif kind == "word":
                if tok in _TEX_WORDS:
                    out.append(("tex", _TEX_WORDS[tok]))
                elif _NAME_LIKE.fullmatch(tok):
                    out.append(("tex", tex_name(tok)))
                elif text[pos:pos + 1] in ("(", "'"):
                    out.append(("tex", tex_operator(tok)))
                else:
                    out.append(("text", r"\text{" + tex_text(tok) + "}"))
            elif kind == "space":
                out.append(("space", " "))
            else:
                out.append(("tex", {"∂": r"\partial ", "δ": r"\delta ", "{": r"\{", "}": r"\}", "#": r"\#",
                                    "%": r"\%", "&": r"\&", "$": r"\$", "~": r"\sim ", "\\": r"\backslash "}
                            .get(tok, tok)))
        # A space beside a word set as text is kept (math mode drops plain spaces).
        parts = []
        for k, (kind, tex) in enumerate(out):
            if kind == "space":
                near_text = (k and out[k - 1][0] == "text") or (k + 1 < len(out) and out[k + 1][0] == "text")
                parts.append(r"\ " if near_text else " ")
            else:
                parts.append(tex)
        return "".join(parts)

    @staticmethod
    def _atom(text: str, pos: int) -> str:
        if text[pos:pos + 1] == "(":
            depth = 0
            for k in range(pos, len(text)):
                depth += (text[k] == "(") - (text[k] == ")")
                if depth == 0:
                    return text[pos:k + 1]
            return text[pos:]
        mo = re.compile(r"-?\d+(?:\.\d+)?(?:e[+-]?\d+)?|[A-Za-z_][A-Za-z0-9_]*").match(text, pos)
        return mo.group() if mo else text[pos:pos + 1]


def plain_to_tex(text: str, names=()) -> str:
    """A plain formula in LaTeX (``PlainTex(names)(text)``): "w(X0->Z1) := w(X0->Z1) - lr*g(X0->Z1)"."""
    return PlainTex(names)(text)


# ----- colours ------------------------------------------------------------------------------
#: Okabe & Ito (2008), "Color Universal Design": distinct under the common colour blindnesses.
OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "sky_blue": "#56B4E9", "green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermilion": "#D55E00", "purple": "#CC79A7",
}

#: Every colour bpnet draws or writes, by what it means. Nothing relies on colour alone: a grown
#: weight also has ▲, the current step a thick border or bold text, a check its ✓ ≈ ✗.
PALETTE = {
    # the step-through, the diagrams and the traces
    "up": OKABE_ITO["blue"],              # a weight that grew
    "down": OKABE_ITO["vermilion"],       # a weight that shrank
    "highlight": OKABE_ITO["yellow"],     # fill behind the element of the current step
    "changed": OKABE_ITO["vermilion"],    # the number a step computes, in its typeset formula
    "current": OKABE_ITO["vermilion"],    # the edge (and its label) of a graph's current step
    "mark": OKABE_ITO["purple"],          # ring around a unit whose numbers differ from the other run's
    "split": OKABE_ITO["purple"],         # the step where a comparison's branch splits off (from there they differ)
    "target": OKABE_ITO["orange"],        # a data point of target 1
    "ink": "#000000", "white": "#FFFFFF",
    "link": "#B0B0B0",                    # a weight not being looked at
    "bias_fill": "#D9D9D9",               # a bias unit
    "slow": "#E4E4E4",                    # where f'(z) is below 10% of its peak
    "axis": "#888888", "contour": "#999999", "table_rule": "#dddddd",
    "table_head_rule": "#999",            # under a table's head, where JupyterLab gives no colour
    "edge": "#8C8C8C",                    # a graph's edges
    "leaf_fill": "#E8E8E8", "const_fill": "#F5F5F5", "param_fill": "#D6EAF8",  # a graph's inputs
    # checks of published numbers and of the learner's code
    "agree": "#1a7f37", "close": "#9a6700", "disagree": "#cf222e", "disagree_fill": "#fde2e1",
    "warn": "#b35900",
    # printed worksheets
    "print_ink": "#111111", "print_rule": "#999999", "print_head": "#eeeeee", "print_note": "#555555",
    "print_cut": "#aaaaaa",
}


def palette_css() -> str:
    """The palette as CSS custom properties, ``--bp-up`` etc., for a style sheet's ``var(...)``."""
    return ":root { " + " ".join(f"--bp-{k.replace('_', '-')}: {v};" for k, v in PALETTE.items()) + " }"


# ----- a computation graph's formulas, from the recorded op ----------------------------------
#: Ops written between or before their operands; a negative number beside them is parenthesised.
GRAPH_OPERATORS = {"+", "-", "*", "/", "neg", "^", "dot", "sum", "mean"}


def graph_operand(op: str, x: float) -> str:
    """A plain number the op was applied to, as its formulas write it: 2*(-3), but max(b, -1)."""
    return paren(x) if op in GRAPH_OPERATORS else fmt(x)


def graph_expression(op: str, s: list, args: dict | None = None) -> str:
    """How a graph node is computed, ``s`` being its operands written as names or numbers:
    "a*b", "tanh(n1)", "w(X0->Z1)*X0 + w(X1->Z1)*X1", "(L[1] + L[2])/2"."""
    args = args or {}
    if "activation" in args:
        return f"{args['activation'].symbol}({s[0]})"
    if "loss" in args:
        return f"{args['loss'].name}({', '.join(s)})"
    written = {
        "+": lambda: f"{s[0]} + {s[1]}", "-": lambda: f"{s[0]} - {s[1]}", "*": lambda: f"{s[0]}*{s[1]}",
        "/": lambda: f"{s[0]}/{s[1]}", "neg": lambda: f"-{s[0]}", "^": lambda: f"{s[0]}^{s[1]}",
        "exp": lambda: f"exp({s[0]})", "log": lambda: f"log({s[0]})", "max": lambda: f"max({s[0]}, {s[1]})",
        "sum": lambda: " + ".join(s), "mean": lambda: f"({' + '.join(s)})/{len(s)}",
        "dot": lambda: " + ".join(f"{s[i]}*{s[i + 1]}" for i in range(0, len(s), 2)),
    }
    if op not in written:
        raise ValueError(f"no notation for the graph operation {op!r}")
    return written[op]()


def graph_local(op: str, k: int, n: list, v: list, out: str, out_value: float, local: float,
                args: dict | None = None) -> tuple[str, str]:
    """(symbols, numbers) of the local derivative of a node by its operand ``k``: ``n`` the operands'
    names (a plain number as graph_operand writes it), ``v`` their numbers, ``out`` and ``out_value``
    the node's name and value, ``local`` the derivative's value. "∂n/∂a" for n = a*b reads "b", "-3"."""
    args = args or {}
    p = paren
    act = args.get("activation")
    if act is not None:
        if act.name == "tanh":
            return f"1 - {out}^2", f"1 - {p(out_value)}^2"
        if act.name == "sigmoid":
            return f"{out}*(1 - {out})", f"{p(out_value)}*(1 - {p(out_value)})"
        if act.name == "relu":
            return f"[{n[0]} > 0]", f"[{p(v[0])} > 0]"
        if act.name == "leaky_relu":
            al = fmt(act.alpha)
            return (f"1 if {n[0]} > 0, else {al}",
                    f"1 since {p(v[0])} > 0" if v[0] > 0 else f"{al} since {p(v[0])} <= 0")
        return f"{act.symbol}'({n[0]})", f"{act.symbol}'({p(v[0])})"
    if "loss" in args:
        return f"dL/d{n[k]}", fmt(local)
    if op == "^":
        e = v[1]
        if e == 2:
            return f"2*{n[0]}", f"2*{p(v[0])}"
        return f"{fmt(e)}*{n[0]}^{fmt(e - 1)}", f"{fmt(e)}*{p(v[0])}^{p(e - 1)}"
    other = 1 - k
    written = {
        "+": lambda: ("1", "1"), "sum": lambda: ("1", "1"), "neg": lambda: ("-1", "-1"),
        "-": lambda: ("1", "1") if k == 0 else ("-1", "-1"),
        "*": lambda: (n[other], fmt(v[other])),
        "/": lambda: (f"1/{n[1]}", f"1/{p(v[1])}") if k == 0 else (f"-{n[0]}/{n[1]}^2", f"-{p(v[0])}/{p(v[1])}^2"),
        "exp": lambda: (f"exp({n[0]}) = {out}", fmt(out_value)),
        "log": lambda: (f"1/{n[0]}", f"1/{p(v[0])}"),
        "max": lambda: ((f"[{n[0]} > {n[1]}]", f"[{p(v[0])} > {p(v[1])}]") if k == 0
                        else (f"[{n[1]} >= {n[0]}]", f"[{p(v[1])} >= {p(v[0])}]")),
        "mean": lambda: (f"1/{len(n)}", f"1/{len(n)}"),
        "dot": lambda: (n[k ^ 1], fmt(v[k ^ 1])),  # ∂(w*x)/∂w = x, ∂/∂x = w
    }
    if op not in written:
        raise ValueError(f"no notation for the graph operation {op!r}")
    return written[op]()
