"""Traces shown to a learner: typeset (Markdown with LaTeX) in a notebook, plain text everywhere else.

A ``Trace`` and a graph's ``GraphTrace`` share one layout (phase headings, one $$...$$ line per
step) and one way to show some of their steps (``excerpt``); their text fallback (IPython's
text/plain) is the same plain text ``to_text`` writes, and the LaTeX carries no digit the plain
text does not.
"""

from __future__ import annotations

import html
import re

import pytest

import bpnet
from bpnet import fmt
from bpnet.core.notation import DISPLAY_WIDTH_EM, tex_width
from bpnet.explain.autograd import Value, inputs, network_graph
from bpnet.explain.trace import CHANGED_COLOUR, Excerpt

pretty = pytest.importorskip("IPython.lib.pretty").pretty


@pytest.fixture(scope="module")
def full():
    ex = bpnet.xor_example()
    return bpnet.trace_step(ex.net, ex.X, ex.y, ex.lr)


@pytest.fixture(scope="module")
def gates():
    x, y, z, w = inputs(x=3.0, y=-4.0, z=2.0, w=-1.0)
    q = (x * y).named("q")
    m = z.max(w).named("m")
    s = (q + m).named("s")
    return (s * 2.0).named("f").backward()


def _numbers(text: str) -> list[str]:
    """The numbers of a line, as written (a LaTeX power of ten read back as e-notation)."""
    text = re.sub(r"(\d(?:\.\d+)?) \\times 10\^\{(-?\d+)\}", lambda m: f"{m.group(1)}e{int(m.group(2)):+03d}", text)
    text = re.sub(r"\\color\{[^{}]*\}", "", text)
    tag = r"_\{[^{}]*\}|\^\{\(\d+\)\}"  # subscripts (unit names) and sample tags, innermost first (not powers)
    while re.search(tag, text):
        text = re.sub(tag, "", text)
    return re.findall(r"(?<![A-Za-z_\d.])\d+(?:\.\d+)?(?:e[+-]\d+)?", text)


def test_a_phase_excerpt_is_that_part_of_the_whole_text(full):
    text = full.to_text()
    part = full.excerpt("updates")
    assert isinstance(part, Excerpt) and len(part) == sum(s.phase == "updates" for s in full)
    assert part.to_text() == text[text.index("Gradients and weight updates:"):]
    assert str(part) == part.to_text() == pretty(part)
    md = part.to_markdown()
    assert md == part._repr_markdown_()
    assert md.startswith("**Gradients and weight updates**") and md.count("$$") == 2 * len(part)
    assert "**Forward pass**" not in md and "One update" not in md
    # It reaches the last step, so it ends with every weight before and after, as the text does.
    rows = [line for line in md.splitlines() if line.startswith("| $w_")]
    after = full.after.weights_dict()
    assert len(rows) == len(after)
    assert rows[0] == rf"| $w_{{X_{{0}} \to Z_{{1}}}}$ | $1$ | ${fmt(after['X0->Z1'])}$ |"


def test_excerpts_by_kind_slice_and_steps(full):
    deltas = full.excerpt(kind="delta")
    assert [s.kind for s in deltas] == ["delta"] * 16 and [s.index for s in deltas] == sorted(s.index for s in deltas)
    md = deltas.to_markdown()
    for step in deltas:
        assert f"$${step.latex}$$" in md
    assert md.count("$$") == 2 * 16 and "Weights before" not in md
    assert deltas.to_text().splitlines()[1:] == [f"  {s.text}" for s in deltas]
    assert all(s.text.startswith(f"sample {s.sample + 1}: ") for s in deltas)

    first = full.excerpt(slice(0, 5))
    assert [s.index for s in first] == [0, 1, 2, 3, 4]
    assert first.to_markdown().count("$$") == 10 and first.to_markdown().startswith("**Forward pass**")
    one = full.excerpt([full.find("update", "Z1->D0")])
    assert one.to_text() == f"Gradients and weight updates:\n  {full.find('update', 'Z1->D0').text}"
    assert full.excerpt([3, 1, 3]).indices == [1, 3]
    assert full.excerpt("deltas", kind="delta").indices == deltas.indices
    assert len(full.excerpt("forward", kind="update")) == 0


def test_whole_trace_markdown_ends_with_the_weights_unless_cut_short(full):
    md = full.to_markdown(max_steps=None)
    assert md.count("$$") == 2 * len(full) and "**Weights before → after**" in md
    short = full.to_markdown(max_steps=5)
    assert "Weights before" not in short and f"{len(full) - 5} more steps" in short
    mistune = pytest.importorskip("mistune")
    rendered = mistune.create_markdown(plugins=["math", "table"])(md)
    formulas = re.findall(r"\$\$(.*?)\$\$", md, flags=re.S)
    assert len(formulas) == len(full)
    for formula in formulas:  # every formula left intact by Markdown (none read as emphasis or a link)
        assert html.escape(formula, quote=False) in rendered
    assert "<em>" not in rendered and rendered.count("<tr>") == len(full.before.weight_names()) + 1


def test_text_fallback_is_the_plain_text(full):
    ex = bpnet.xor_example()
    article = bpnet.trace_step(ex.net, ex.X[:1], ex.y[:1], ex.lr, rule="article")
    assert pretty(article) == article.to_text()
    assert "$" not in pretty(article) and "\\" not in pretty(article)
    step = article.find("update", "X0->Z1")
    assert pretty(step) == step.text == "w(X0->Z1) := w(X0->Z1) - lr*g(X0->Z1) = 1 - 0.1*(-4) = 1.4"
    # A long trace's fallback is cut like its Markdown, and says so.
    assert pretty(full) == full.to_text()  # 63 steps: all of them
    big = bpnet.trace_step(bpnet.Network.random([4, 6, 6, 6, 2], "tanh", seed=0),
                           [[0.1, 0.2, 0.3, 0.4]] * 3, [[0.0, 1.0]] * 3, 0.1)
    assert len(big) > 200 and pretty(big).endswith(f"... and {len(big) - 200} more steps")


def test_bad_selections_say_what_was_expected(full):
    with pytest.raises(ValueError, match=r"no phase 'backward'.*'forward', 'loss', 'deltas', 'updates'"):
        full.excerpt("backward")
    with pytest.raises(ValueError, match="no steps of kind 'deltas'"):
        full.excerpt(kind="deltas")
    with pytest.raises(IndexError, match="outside 0..62"):
        full.excerpt([63])
    with pytest.raises(TypeError, match="micro-step or its index"):
        full.excerpt([1.5])
    with pytest.raises(TypeError, match="a phase name, a slice"):
        full.excerpt(7)
    with pytest.raises(ValueError, match="max_steps must be 0 or more"):
        full.to_markdown(max_steps=-1)


def test_latex_carries_no_digit_the_plain_text_lacks(full):
    ex = bpnet.xor_example()
    rnet = bpnet.Network.random([2, 3, 1], "sigmoid", seed=3)
    small = bpnet.trace_step(rnet, ex.X, ex.y, 0.5)
    for step in list(small) + list(full):
        tex = re.sub(r"^\\text\{sample \d+: \}", "", step.latex)
        text = re.sub(r"^sample \d+: ", "", step.text)
        assert sorted(_numbers(tex)) == sorted(_numbers(text)), step.text


# ----- the graph trace ---------------------------------------------------------------------------
def test_graph_trace_typesets_every_step(gates):
    md = gates._repr_markdown_()
    assert md == gates.to_markdown()
    assert md.count("$$") == 2 * len(gates)
    assert md.startswith("**Forward pass**") and "**Backward pass**" in md
    colour = rf"{{\color{{{CHANGED_COLOUR}}}"
    assert gates.latex(gates.find("forward", "q")) == rf"q = x \cdot y = 3 \cdot (-4) = {colour}{{-12}}}}"
    assert gates.latex(gates.find("chain", "x->q")) == (
        r"\frac{\partial f}{\partial x} = \frac{\partial f}{\partial q} \cdot \frac{\partial q}{\partial x}"
        rf" = 2 \cdot (-4) = {colour}{{-8}}}}")
    assert gates.latex(gates.find("local", "w->m")) == rf"\text{{local}}\ \frac{{\partial m}}{{\partial w}} = " \
        rf"[w \geq z] = [(-1) \geq 2] = {colour}{{0}}}}"
    # "∂f/∂f = 1" already ends in its number: written once.
    assert gates.latex(gates.find("seed", "f")) == rf"\frac{{\partial f}}{{\partial f}} = {colour}{{1}}}}"
    for step in gates:
        assert f"$${gates.latex(step)}$$" in md
        assert sorted(_numbers(gates.latex(step))) == sorted(_numbers(step.text)), step.text


def test_graph_names_and_operators_in_latex():
    ex = bpnet.xor_example()
    graph = network_graph(ex.net, ex.X[:2], ex.y[:2])
    trace = graph.trace(lr=0.1)
    update = trace.latex(trace.find("update", "w(Z1->D0)"))
    assert update.startswith(r"w_{Z_{1} \to D_{0}} := w_{Z_{1} \to D_{0}} - \mathrm{lr} \cdot "
                             r"\frac{\partial J}{\partial w_{Z_{1} \to D_{0}}} = 1 - 0.1 \cdot 8 = ")
    assert r"Z_{1}^{(2)}" in trace.latex(trace.find("forward", "Z1[2]"))
    a = Value(1.5, "a")
    y_hat = (a ** -1.5 + a.leaky_relu(0.1) + a.sigmoid()).named("y_hat")
    odd = y_hat.backward()
    assert odd.latex(odd.find("forward", "n1")).startswith(r"n_{1} = a^{(-1.5)} = 1.5^{(-1.5)}")
    assert r"\hat{y}" in odd.latex(odd.find("seed", "y_hat"))
    assert r"\operatorname{leaky\_relu}(a)" in odd.latex(odd.find("forward", "n2"))
    for t in (trace, odd):
        for step in t:
            tex = t.latex(step)
            # Nothing of the plain notation is left: every ∂, * and arrow is typeset, lr set upright
            # (as the notation card writes it, with :=).
            assert not re.search(r"∂|\*|->|(?<!\\mathrm\{)\blr\b", tex), tex


def test_graph_excerpt_and_text_fallback(gates):
    a, b = inputs(a=1.5, b=-0.5)
    fork = ((a * b).named("c") + a.exp().named("d")).named("L").backward()
    at_sum = fork.find("sum", "a")
    part = fork.excerpt([at_sum])
    assert part.to_text() == f"Backward pass:\n  {at_sum.text}"
    assert part.to_markdown() == f"**Backward pass**\n\n$${fork.latex(at_sum)}$$"
    assert r"(\text{via}\ d) + (\text{via}\ c) = 4.48169 + (-0.5)" in fork.latex(at_sum)
    assert pretty(fork) == fork.to_text() and pretty(at_sum) == at_sum.text
    assert gates.to_text().startswith("Forward pass:\n  q = x*y = 3*(-4) = -12\n")
    assert gates.excerpt("backward").to_text() == gates.to_text()[gates.to_text().index("Backward pass:"):]
    assert len(gates.excerpt(kind="chain")) == 7
    with pytest.raises(ValueError, match="no phase 'update'"):
        gates.excerpt("update")


def test_a_long_step_is_typeset_one_equals_sign_a_line():
    rnet = bpnet.Network.random([2, 3, 1], "sigmoid", seed=7)
    trace = bpnet.trace_step(rnet, [[1.0, 0.5]], [[1.0]], 0.1)
    md = trace.excerpt("forward").to_markdown()
    displays = re.findall(r"\$\$(.*?)\$\$", md)
    assert len(displays) == 4
    for step, shown in zip(trace.excerpt("forward"), displays):
        assert len(step.text) > 64, "the sigmoid forward steps are the long ones"
        assert shown.startswith(r"\begin{aligned}") and shown.endswith(r"\end{aligned}")
        # Symbols, the sum with numbers, the sum, the value: one "=" a line, the same terms in order; a sum
        # wider than the column goes on over the next line (before a "+", the parentheses made \bigl, \bigr).
        assert shown.count(r" \\ &= ") == 3 and shown.count("&=") == 4
        flat = shown.removeprefix(r"\begin{aligned}").removesuffix(r"\end{aligned}")
        lines = [line.removeprefix("&= ").removeprefix(r"&\quad {}") for line in flat.split(r" \\ ")]
        assert all(tex_width(line) <= DISPLAY_WIDTH_EM for line in lines), lines
        flat = flat.replace(r" \\ &\quad {}+ ", " + ").replace(r"\bigl(", r"\left(").replace(r"\bigr)", r"\right)")
        assert flat.replace(" &= ", " = ").replace(r" \\ &= ", " = ").replace(r" \\ = ", " = ") == step.latex
    # A short step stays on one line.
    short = trace.find("gradient", "X0->Z1")
    assert len(short.text) <= 64 and f"$${short.latex}$$" in trace.excerpt([short]).to_markdown()


# ----- formulas a notebook writes itself -----------------------------------------------------------
def test_a_formula_is_typeset_and_its_fallback_is_as_written():
    from bpnet.explain.trace import Formula

    f = Formula("z = 0.8*1.5 + (-0.5)*0.5 + 0.2 = 1.15",
                ("squared error", "dL/dz = (a - y)*f'(z) = -0.00246041"),
                ("neuron.step(..., lr=0.5)", "w = 0.223349, b = 0.431153"),
                "y_hat = 0.510683 + (-0.00869549)*X1 + (-0.00869549)*X2")
    assert str(f) == pretty(f) == f.to_text() == (
        "z = 0.8*1.5 + (-0.5)*0.5 + 0.2 = 1.15\n"
        "squared error: dL/dz = (a - y)*f'(z) = -0.00246041\n"
        "neuron.step(..., lr=0.5): w = 0.223349, b = 0.431153\n"
        "y_hat = 0.510683 + (-0.00869549)*X1 + (-0.00869549)*X2")
    md = f._repr_markdown_()
    assert md.split("\n\n") == [
        r"$$z = 0.8 \cdot 1.5 + (-0.5) \cdot 0.5 + 0.2 = 1.15$$",
        r"$$\text{squared error: }\; \frac{\partial L}{\partial z} = (a - y) \cdot f'(z) = -0.00246041$$",
        r"$$\text{neuron.step(..., lr=0.5): }\; w = 0.223349,\quad b = 0.431153$$",
        r"$$\hat{y} = 0.510683 + (-0.00869549) \cdot X_{1} + (-0.00869549) \cdot X_{2}$$"]
    for line, shown in zip(str(f).splitlines(), md.split("\n\n")):
        formula = line.split(": ", 1)[-1]
        assert sorted(_numbers(re.sub(r"\\text\{[^}]*\}", "", shown))) == sorted(_numbers(formula))
    # A label's TeX characters are escaped; a long formula is set one "=" a line.
    odd = Formula(("cost_1 & 50%", "J = 1/2*(0.5 - 1)^2 + 1/2*(0.25 - 0)^2 + 1/2*(0.75 - 1)^2 = 0.0625 + 0.03125 + 0.03125 = 0.125"))
    assert r"\text{cost\_1 \& 50\%: }" in odd.to_markdown() and r"\begin{aligned}" in odd.to_markdown()
    assert r"^{2}" in odd.to_markdown()
    with pytest.raises(ValueError, match="at least one line"):
        Formula()
    with pytest.raises(TypeError, match=r"a \(label, formula\) pair"):
        Formula(("label", 1.5))
