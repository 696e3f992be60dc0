"""Every micro-step in LaTeX beside its plain text: well-formed, in textbook symbols, the value marked."""

import html
import re

import pytest

import bpnet
from bpnet.explain.trace import CHANGED_COLOUR, fmt

from trace_cases import CASE_IDS, CASES

mathtext = pytest.importorskip("matplotlib.mathtext")


_PARSER = mathtext.MathTextParser("path")


def _parses(tex: str) -> bool:
    # matplotlib's mathtext has no \color: the colour is checked separately.
    _PARSER.parse("$" + re.sub(r"\\color\{[^}]*\}", "", tex) + "$")
    return True


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_every_step_has_well_formed_latex_ending_in_its_marked_value(case):
    _, net, X, y, lr, loss, rule = case
    trace = bpnet.trace_step(net, X, y, lr, loss, rule)
    parsed = set()
    for step in trace:
        tex = step.latex
        # "sample k:" leads the whole line only; the formula itself never carries it (a view
        # such as the step-through shows the sample in its own heading).
        lead = (rf"\text{{sample {step.sample + 1}: }}\; "
                if step.sample is not None and len(trace.X) > 1 else "")
        assert tex == f"{lead}{step.formula_latex} = {step.numbers_latex}"
        assert "sample" not in step.formula_latex and "sample" not in step.numbers_latex
        kind = (step.kind, step.where[0], step.where[1])
        if kind not in parsed:  # mathtext is slow: one step of each kind per layer
            parsed.add(kind)
            assert _parses(tex), tex
        assert tex.count("{") == tex.count("}") and len(re.findall(r"\\left(?![a-z])", tex)) == len(re.findall(r"\\right(?![a-z])", tex))
        # The number the step computes is the coloured term, written as the plain text writes it.
        value = fmt(step.value)
        if "e" in value:
            mant, exp = value.split("e")
            value = f"{mant} \\times 10^{{{int(exp)}}}"
        assert tex.endswith(f"{{\\color{{{CHANGED_COLOUR}}}{{{value}}}}}")
        assert tex.count(r"\color") == 1
        # Code-like spellings stay in the plain text only.
        for code in ("->", "δ(", "lr*", "*"):
            assert code not in tex, (code, tex)
        assert not re.search(r"(?<![A-Za-z\\])[wg]\(", tex), tex  # w(X0->Z1), g(X0->Z1)
        assert "\\" not in step.text


def test_latex_uses_textbook_symbols():
    ex = bpnet.xor_example()
    one = bpnet.trace_step(ex.net, ex.X[:1], ex.y[:1], 0.1)
    update = one.find("update", "X0->Z1")
    assert update.formula_latex == (r"w_{X_{0} \to Z_{1}} := w_{X_{0} \to Z_{1}} - \mathrm{lr} \cdot "
                                    r"\frac{\partial L}{\partial w_{X_{0} \to Z_{1}}}")
    assert update.text.endswith("= 1 - 0.1*4 = 0.6")  # the plain form is unchanged
    assert one.find("delta", "Z1").formula_latex == r"\delta_{Z_{1}} = f'(z_{Z_{1}}) \cdot \left(w_{Z_{1} \to D_{0}} \cdot \delta_{D_{0}}\right)"
    batch = bpnet.trace_step(ex.net, ex.X, ex.y, 0.1)
    assert r"\partial J" in batch.find("gradient", "X0->Z1").formula_latex  # the gradient of the mean cost
    article = bpnet.trace_step(ex.net, ex.X[:1], ex.y[:1], 0.1, rule="article")
    # The article's number is not a gradient, so it is not written as one.
    assert r"\partial" not in article.find("update", "X0->Z1").latex
    assert article.find("update", "X0->Z1").latex.endswith(r"= 1 - 0.1 \cdot \left(-4\right) = {\color{#D55E00}{1.4}}")
    names = bpnet.Network.random([2, 2, 2, 1], "tanh", seed=0)
    t = bpnet.trace_step(names, [[1.0, 0.5]], [[0.0]], 0.1)
    assert t.find("forward", "H1_1").formula_latex.startswith(r"\mathrm{H1}_{1} = \operatorname{tanh}\left(")


def test_trace_displays_as_markdown_with_math():
    ex = bpnet.xor_example()
    trace = bpnet.trace_step(ex.net, ex.X[:1], ex.y[:1], 0.1, rule="article")
    md = trace._repr_markdown_()
    assert md.count("$$") == 2 * len(trace)
    for head in ("**Forward pass**", "**Loss**", "**Deltas (backward pass)**", "**Gradients and weight updates**"):
        assert head in md
    short = trace.to_markdown(max_steps=5)
    assert short.count("$$") == 10 and f"{len(trace) - 5} more steps" in short
    # a step shown alone is typeset as the whole trace shows it (a long one aligned, to fit the column)
    assert trace[0]._repr_markdown_() in md.split("\n")
    flat = trace[0]._repr_markdown_().strip("$").removeprefix(r"\begin{aligned}").removesuffix(r"\end{aligned}")
    assert flat.replace(" &= ", " = ").replace(r" \\ ", " ") == trace[0].latex
    mistune = pytest.importorskip("mistune")
    rendered = mistune.create_markdown(plugins=["math"])(md)
    # Markdown leaves every formula intact (nothing read as emphasis or a link).
    formulas = re.findall(r"\$\$(.*?)\$\$", md, flags=re.S)
    assert len(formulas) == len(trace) and any(r"\begin{aligned}" in f for f in formulas)  # a long step: aligned
    for formula in formulas:
        assert html.escape(formula, quote=False) in rendered
    assert "<em>" not in rendered


def test_cli_and_text_stay_plain():
    ex = bpnet.xor_example()
    text = bpnet.trace_step(ex.net, ex.X, ex.y, 0.1).to_text()
    assert "\\" not in text and "$" not in text
    assert "w(X0->Z1) := w(X0->Z1) - lr*g(X0->Z1)" in text
