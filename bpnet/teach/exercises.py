"""Answer checkers for the notebooks' exercises, with a diagnosis of common mistakes.

Every checker computes the right answer with bpnet and the answer of every known
mistake with ``bpnet.explain.mistakes`` (the same routine with one step done wrong: the sign
flipped, f'(z) forgotten, the updated weights used for a hidden delta, source and
destination swapped, the batch summed instead of averaged, ...). Then it decides by the
nearest candidate (``bpnet.explain.mistakes.judge``):

* correct: within the tolerance of the right value, rtol*|value| plus a floor scaled to
  the size of the numbers the answer is made of, AND strictly nearer to it than to every
  mistake's value that differs from it;
* else the nearest mistake within its own tolerance gives its hint;
* else "rounding" if the answer is nearer the right value than any mistake and within
  about two significant digits of it; else a general hint.

When a mistake gives the right number on the question asked, a correct answer says so:
the check cannot tell whether that mistake was avoided. Nothing is printed: each checker
returns a ``CheckResult`` (``.correct``, ``.mistake``, ``.diagnosis``, ``.same_as``), which a
notebook displays.

An answer of ``None`` is not yet an answer: the result says so (``.answered`` is False) and
asks for one, so that a notebook can hold ``answer = None`` where the learner writes.

Help comes on request, one level at a time, as for the code checkers of
``bpnet.teach.code_checks``: ``result.hint()`` shows the first of three hints, the next call the
next one (``HINT_LEVELS``: the idea, the formula, the numbers that go into it, never the answer
itself); ``result.hints`` holds all three. The worked solution comes last, and only when asked:
``result.solution()`` or ``show_solution=True``.

    >>> from bpnet import xor_example
    >>> net, X, y, lr = xor_example()
    >>> check_delta(net, X[0], y[0], "D0", -4).mistake
    'sign'
"""

from __future__ import annotations

import numbers
import re
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..core.checks import as_float_array, check_lr, check_rule
from ..core.notation import fmt, markdown_escape, paren
from ..core.activations import get_activation
from ..core.losses import get_loss
from ..explain.mistakes import (
    CATALOGUE, RTOL, Assessment, Candidate, Question, Verdict, assess, explain, judge,
)
from ..core.network import Network
from ..explain.trace import trace_step

__all__ = [
    "CheckResult",
    "Hint",
    "HINT_LEVELS",
    "Solution",
    "MISTAKES",
    "RTOL",
    "check_neuron",
    "check_activation",
    "check_activation_derivative",
    "check_forward",
    "check_cost",
    "check_delta",
    "check_gradient",
    "check_update",
    "check_learning_rate",
    "markdown_escape",
    "layout",
]

#: Every generic mistake key a checker can report, with what it means in one line.
#: Activations and losses add their own ("activation:sign", "derivative:missing_square",
#: "loss:missing_half", ...); a compound mistake joins two keys with "+".
MISTAKES = {
    **{k: m.explanation for k, m in CATALOGUE.items()},
    "rounding": "close, but rounded too much",
    "general": "no known mistake matches",
}

#: The hint levels, in the order ``CheckResult.hint()`` gives them.
HINT_LEVELS = ("the idea", "the formula", "the numbers")

_GENERAL_LEAD = "This number matches none of the mistakes bpnet knows. "
_ROUNDING_HINT = ("Very close, but outside the tolerance: you rounded too much. Keep at least "
                  "4 significant digits, or let Python do the arithmetic.")
_WIDTH = 72  # a worked solution's line is laid out one term per line beyond this


# ----- Markdown -----------------------------------------------------------------------


def _code_block(text: str) -> str:
    """A fenced block: shown exactly as written, in a fixed-width font."""
    fence = "```"
    while fence in text:
        fence += "`"
    return f"{fence}text\n{text}\n{fence}"


# ----- laying out a long solution ------------------------------------------------------
def _split_top(s: str, sep: str, depth_max: int) -> list[str]:
    """``s`` split at ``sep`` wherever the bracket depth is at most ``depth_max``."""
    parts, depth, start, k = [], 0, 0, 0
    while k < len(s):
        ch = s[k]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if depth <= depth_max and s.startswith(sep, k):
            parts.append(s[start:k])
            start = k + len(sep)
            k = start
            continue
        k += 1
    parts.append(s[start:])
    return parts


def _terms(stage: str) -> list[str]:
    """A sum split into its terms at + or - between terms (signs kept), at the shallowest depth that splits it."""
    for depth in (0, 1):
        marked = stage
        pieces = _split_top(marked, " + ", depth)
        out = []
        for p in pieces:
            sub = _split_top(p, " - ", depth)
            out += [sub[0]] + ["- " + t for t in sub[1:]]
        if len(out) > 1:
            # Put the sign back in front of each term after the first.
            result, rest = [out[0]], out[1:]
            for t in rest:
                result.append(t if t.startswith("- ") else "+ " + t)
            return result
    return [stage]


def layout(text: str, width: int = _WIDTH) -> str:
    """A worked solution with every line longer than ``width`` laid out one term per line.

    A line ``lhs = stage = stage = value`` becomes one stage per line, and a stage that is a
    long sum one term per line, so that nothing wraps in the middle of a number.
    """
    out = []
    for line in text.splitlines():
        if len(line) <= width:
            out.append(line)
            continue
        stages = _split_top(line, " = ", 0)
        if line.startswith("where "):
            # A definition, not a step of the chain above: its own stages are indented under its '='.
            pad = " " * (len(stages[0]) + 1)
            out.append(stages[0] + " = " + stages[1])
            out += [pad + "= " + st for st in stages[2:]]
            continue
        out.append(stages[0])
        for stage in stages[1:]:
            if len(stage) + 4 <= width:
                out.append("  = " + stage)
                continue
            terms = _terms(stage)
            out.append("  = " + terms[0])
            out += ["     " + t for t in terms[1:]]
    return "\n".join(out)


# ----- results ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Solution:
    """The worked solution of an exercise: ``text`` (formula with numbers) and ``value``."""

    text: str
    value: object

    def __repr__(self) -> str:
        return self.text

    def _repr_markdown_(self) -> str:
        return "**Solution**\n\n" + _code_block(self.text)


@dataclass(frozen=True)
class Hint:
    """One hint: its ``level`` (1, 2, ...) of ``of``, what kind it is (``name``, see ``HINT_LEVELS``) and its ``text``.

    A level of 0 is no hint: all were given, and the text says where the solution is.
    """

    level: int
    of: int
    name: str
    text: str

    @property
    def head(self) -> str:
        return f"Hint {self.level} of {self.of} ({self.name})" if self.level else "No more hints"

    def __repr__(self) -> str:
        return f"{self.head}:\n{self.text}"

    def _repr_markdown_(self) -> str:
        if self.level > 1:  # a formula or its numbers: shown as written, in a fixed-width font
            return f"**{self.head}:**\n\n" + _code_block(self.text)
        return f"**{self.head}:** {markdown_escape(self.text)}"


def _last_hint(levels: int) -> Hint:
    return Hint(0, levels, "", "That was the last hint; .solution() shows the worked solution.")


_NUMBER_STAGE = re.compile(r"^[\s\d.eE+\-−()\[\],]*$")


def _shows(stage: str, numbers: list[str]) -> bool:
    return any(re.search(rf"(?<![\w.]){re.escape(n)}(?![\w.])", stage) for n in numbers)


def hint_levels(idea: str, solution: str, answer, formula: str | None = None,
                numbers: str | None = None) -> tuple[str, str, str]:
    """The three hints of an exercise whose worked ``solution`` reads ``lhs = formula = numbers = value``.

    The idea is ``idea``; the formula is each line of the solution up to its formula (or ``formula``
    when given); the numbers are each line up to, not including, the first stage that shows the
    ``answer`` (any of its values as ``fmt`` prints them): no level ever gives the answer itself.
    """
    shown = [fmt(v) for v in np.ravel(np.asarray(answer, dtype=float))]
    lines: list[str] = []
    for line in solution.splitlines():
        if lines and line.lstrip().startswith("= "):
            lines[-1] += " " + line.strip()  # a stage already laid out on a line of its own
        else:
            lines.append(line)
    formula_lines, number_lines = [], []
    for line in lines:
        assign = " := " in line.split(" = ")[0]  # an update: w := w - lr*g = numbers = value
        stages = _split_top(line.replace(" := ", " = ", 1) if assign else line, " = ", 0)
        if assign:
            stages = [stages[0] + " := " + stages[1]] + stages[2:]
        first = 1 if assign else 2  # the first stage that holds numbers
        head = stages[:first] if len(stages) > first or not _NUMBER_STAGE.match(stages[-1]) else stages[:1]
        formula_lines.append(" = ".join(head))
        keep = len(stages)
        for k in range(1, len(stages)):
            if _shows(stages[k], shown):
                keep = k
                break
        number_lines.append(" = ".join(stages[:keep]))
    return idea, formula or "\n".join(formula_lines), numbers or "\n".join(number_lines)


@dataclass(frozen=True)
class CheckResult:
    """The verdict on one answer.

    ``correct``: True if right (see the module docstring). ``mistake``: None when correct,
    else a mistake key (see ``MISTAKES``; two joined by "+" for a compound one), "rounding",
    "general", or "unanswered" for an answer of None. ``diagnosis``: what the answer shows and
    what to look at ("" when correct). ``hint()``: the next hint level, one per call. ``same_as``: explanations of
    the mistakes that give the right number on this question. Truthy exactly when correct.
    """

    quantity: str  # what was asked, e.g. "δ(Z1)"
    context: str  # for which data, e.g. "x = (0, 0), y = 0"
    answer: object
    correct: bool
    mistake: str | None
    diagnosis: str
    _solution: Callable[[], Solution] = field(repr=False, compare=False)
    show_solution: bool = False
    same_as: tuple = ()
    _hints: Callable[[], tuple] = field(default=lambda: (), repr=False, compare=False)
    _given: list = field(default_factory=list, repr=False, compare=False)  # how many hints were shown

    @property
    def answered(self) -> bool:
        """False when the answer was None: nothing to judge yet."""
        return self.mistake != "unanswered"

    @property
    def hints(self) -> tuple:
        """The hints, one per level of ``HINT_LEVELS``: the idea, the formula, the numbers (never the answer)."""
        return tuple(self._hints())

    def hint(self) -> Hint:
        """The next hint: the first call gives the idea, the next the formula, then the numbers."""
        hints = self.hints
        k = len(self._given)
        if k >= len(hints):
            return _last_hint(len(hints))
        self._given.append(k)
        return Hint(k + 1, len(hints), HINT_LEVELS[k] if k < len(HINT_LEVELS) else "", hints[k])

    @property
    def question(self) -> str:
        return f"{self.quantity} ({self.context})" if self.context else self.quantity

    def solution(self) -> Solution:
        """The worked solution, with the expected value."""
        return self._solution()

    @property
    def note(self) -> str:
        """For a correct answer: which mistakes would have given the same number here ("" if none)."""
        if not self.correct or not self.same_as:
            return ""
        shown = list(self.same_as[:3])
        more = len(self.same_as) - len(shown)
        listed = "; ".join(shown) + (f"; and {more} more" if more else "")
        one = len(self.same_as) == 1
        return (f"Here {'this mistake gives' if one else 'these mistakes give'} the same number, "
                f"so this check cannot tell whether you avoided {'it' if one else 'them'}: {listed}.")

    def __bool__(self) -> bool:
        return self.correct

    def _head(self) -> tuple[str, str]:
        ctx = f" ({self.context})" if self.context else ""
        if not self.answered:
            return "… Not answered yet:", f"{self.quantity}{ctx}."
        if self.correct:
            return "✓ Correct:", f"{self.quantity} = {_fmt_value(self.answer)}{ctx}."
        return "✗ Not yet:", f"{self.quantity} is not {_fmt_value(self.answer)}{ctx}."

    def __repr__(self) -> str:
        mark, text = self._head()
        lines = [f"{mark} {text}"]
        if not self.answered:
            lines.append(self.diagnosis)
        elif not self.correct:
            lines.append(f"Hint: {self.diagnosis}")
        elif self.note:
            lines.append(f"Note: {self.note}")
        if self.show_solution:
            lines += ["Solution:", self.solution().text]
        elif not self.correct:
            lines.append(_ON_REQUEST)
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        mark, text = self._head()
        parts = [f"**{mark}** {_code_span(text)}"]
        if not self.answered:
            parts.append(markdown_escape(self.diagnosis))
        elif not self.correct:
            parts.append(f"*Hint:* {markdown_escape(self.diagnosis)}")
        elif self.note:
            parts.append(f"*Note:* {markdown_escape(self.note)}")
        if self.show_solution:
            parts.append("**Solution**\n\n" + _code_block(self.solution().text))
        elif not self.correct:
            parts.append("*" + _ON_REQUEST.replace(".hint()", "`.hint()`").replace(".solution()", "`.solution()`") + "*")
        return "\n\n".join(parts)


_ON_REQUEST = ("Call .hint() for a hint (3 levels, one at a time: the idea, the formula, the numbers), "
               ".solution() for the worked solution.")
_UNANSWERED = "Write your answer in its cell above (in place of None), run that cell, then run this one again."


def _code_span(text: str) -> str:
    tick = "`"
    while tick in text:
        tick += "`"
    return f"{tick}{text}{tick}"


def _fmt_value(v) -> str:
    arr = np.asarray(v, dtype=float)
    if arr.ndim == 0:
        return fmt(arr)
    return "[" + ", ".join(fmt(x) for x in arr.ravel()) + "]"


def _vec(x, most: int = 10) -> str:
    """A sample's numbers as the question names them: all of a short vector, the ends of a long one
    (a digit's 64 pixels) with their count."""
    x = np.ravel(x)
    if x.size == 1:
        return fmt(x[0])
    if x.size <= most:
        return "(" + ", ".join(fmt(v) for v in x) + ")"
    return "(" + ", ".join(fmt(v) for v in x[:4]) + ", …, " + ", ".join(fmt(v) for v in x[-2:]) + f"; {x.size} numbers)"


# ----- input checks ----------------------------------------------------------------------
def _answer(answer, shape: tuple) -> np.ndarray:
    """The learner's answer as a float array of ``shape``, or one clear error.

    A number may come as a float, an int, a numpy scalar, a one-element list or array
    (shape (1,) or (1, 1)); an array answer may come flat.
    """
    if answer is None:
        return None  # not answered yet: the result says so
    if isinstance(answer, (str, bytes)):
        raise TypeError(f"answer must be a number, got the text {answer!r}; write it without quotes")
    if isinstance(answer, (bool, np.bool_)):
        raise TypeError(f"answer must be a number, got {answer!r}")
    if isinstance(answer, numbers.Number) and not isinstance(answer, numbers.Real):
        raise TypeError(f"answer must be a real number, got {answer!r}")
    try:
        arr = as_float_array(answer, "answer")
    except TypeError:  # Fraction(4), 2**1000 or a list of them: numbers numpy keeps as objects
        try:
            arr = np.asarray(answer, dtype=float)
        except OverflowError:
            raise ValueError("answer is too large for a float (beyond about 1.8e308)") from None
        except (TypeError, ValueError):
            raise TypeError(f"answer must be a number or numbers, got {type(answer).__name__} {answer!r:.60}") from None
        arr = as_float_array(arr, "answer")
    if shape == ():
        if arr.size != 1:
            raise ValueError(f"answer must be one number, got an array of shape {arr.shape}")
        return arr.reshape(())
    if arr.shape != shape:
        if arr.size == int(np.prod(shape)):
            return arr.reshape(shape)
        raise ValueError(f"answer must have shape {shape} (one number per z), got {arr.shape}")
    return arr


def _tolerances(rtol, atol) -> tuple[float, float | None]:
    for name, v in (("rtol", rtol), ("atol", atol)):
        if name == "atol" and v is None:
            continue
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not np.isfinite(v) or v < 0:
            raise ValueError(f"{name} must be a finite number >= 0, got {v!r}")
    return float(rtol), (None if atol is None else float(atol))


def _network(net) -> Network:
    """``net`` if it is a Network, else a TypeError saying what to pass."""
    if not isinstance(net, Network):
        raise TypeError(f"net must be a bpnet.Network (e.g. ex.net of a worked example), got {type(net).__name__}")
    return net


def _assess(net, X, y, question, *args) -> Assessment:
    """``assess``, with overflow on the way reported once by ``_result`` (a clear error), not as warnings."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return assess(net, X, y, question, *args)


def _beyond_floats(quantity: str, a: Assessment) -> None:
    """A ValueError when the question's own numbers are not finite: then every verdict would be a guess."""
    for what, v in (("the right value", a.expected), ("the step lr*g", a.step),
                    ("a number it is computed from", a.scale)):
        if v is not None and not np.isfinite(np.asarray(v, dtype=float)).all():
            shown = fmt(float(v)) if np.ndim(v) == 0 else "not finite"
            raise ValueError(
                f"{quantity}: {what} is {shown} here, beyond the largest float (about 1.8e308), so no answer "
                "can be checked against it; choose smaller numbers (weights, inputs or learning rate)")


def _one_sample(net: Network, x, y=None):
    X, Y = _network(net).check(x, y)
    if X.shape[0] != 1:
        raise ValueError(
            f"give one sample (shape ({net.sizes[0]},)), got a batch of {X.shape[0]}; "
            "a unit's value or delta belongs to one sample, e.g. X[0]"
        )
    return X, Y


# ----- the verdict -----------------------------------------------------------------------
def _result(quantity: str, context: str, given, a: Assessment, rtol, atol, general: str,
            solution: Callable[[], str], show_solution: bool, hints: dict | None = None,
            formula: str | None = None, numbers: str | None = None) -> CheckResult:
    """The CheckResult of ``judge``: the diagnosed mistake's hint, or rounding, or the general hint.

    ``given``: the answer as the learner gave it (its digits tell its precision); None when not
    answered yet. ``general`` is also the first hint level (the idea); ``formula`` the second and
    ``numbers`` the third, when the solution's own lines do not show them.
    """
    _beyond_floats(quantity, a)
    ans = _answer(given, np.shape(a.expected))
    expected = a.expected
    value = float(expected) if np.ndim(expected) == 0 else np.array(expected)
    cache = {}

    def raw() -> str:
        if "raw" not in cache:
            cache["raw"] = solution()
        return cache["raw"]

    def sol() -> Solution:
        if "s" not in cache:
            cache["s"] = Solution(layout(raw()), value)
        return cache["s"]

    def levels() -> tuple:
        if "h" not in cache:
            idea, form, nums = hint_levels(general, raw(), expected, formula, numbers)
            cache["h"] = (idea, layout(form), layout(nums))
        return cache["h"]

    if ans is None:
        return CheckResult(quantity, context, None, False, "unanswered", _UNANSWERED, sol, show_solution, (),
                           levels)
    with np.errstate(over="ignore", invalid="ignore"):  # an answer such as 1e308 is merely far from everything
        v: Verdict = judge(ans, a, rtol, atol, given=given)

    ans_out = float(ans) if ans.ndim == 0 else ans.copy()
    explanations = {c.key: c.explanation for c in a.candidates}
    same_keys = _could_make(a, v.same_as) if v.correct else v.same_as
    same = tuple(dict.fromkeys(explanations.get(k, k) for k in same_keys))
    if v.correct:
        return CheckResult(quantity, context, ans_out, True, None, "", sol, show_solution, same, levels)
    if v.key == "rounding":
        hint = _ROUNDING_HINT
    elif v.key == "general":
        hint = _GENERAL_LEAD + general
    else:
        hint = (hints or {}).get(v.key) or v.candidate.hint()
    return CheckResult(quantity, context, ans_out, False, v.key, hint, sol, show_solution, same, levels)


def _could_make(a: Assessment, keys: tuple) -> tuple:
    """Of the mistakes ``keys`` that give the right number on ``a``'s question, those that are a step
    one could get wrong there: a mistake that gives the right number on every input is none (f'(z)
    left out where f'(z) is always 1, as at an identity output or a softmax output with
    cross-entropy, where the delta is a - y), and a note about it would name a step the learner
    never takes. Told by asking again on other weights and inputs (seeded): a mistake that still
    gives the right number there is left out."""
    c = a.context
    if not keys or c is None or not isinstance(a.question, Question) or c.q.kind not in (
            "forward", "z", "delta", "gradient", "update", "cost"):
        return tuple(keys)
    rng = np.random.default_rng(20240611)
    net = Network([w + rng.normal(0.0, 0.5, size=w.shape) for w in c.net.W], c.net.acts, c.net.names)
    X = c.X + rng.normal(0.0, 0.5, size=c.X.shape)
    with np.errstate(over="ignore", invalid="ignore"):  # near the limits of floats a mistake may overflow
        other = assess(net, X, c.y, c.q, c.loss, c.rule, c.lr, combos=False)
        e = np.asarray(other.expected, dtype=float)
        differ = {cand.key for cand in other.candidates
                  if np.any(np.abs(np.asarray(cand.value, dtype=float) - e) > 1e-9 * (1.0 + np.abs(e)))}
    return tuple(k for k in keys if k in differ)


def _plain(question: Question, expected, cands: list, scale, accepted=()) -> Assessment:
    """An Assessment for a question about no network (an activation, a schedule)."""
    return Assessment(question, expected, tuple(accepted),
                      tuple(Candidate(k, np.asarray(v, dtype=float), (lambda h=h: h), explain(k)) for k, v, h in cands),
                      scale)


# ----- checkers --------------------------------------------------------------------------
def check_neuron(w, b, x, answer, activation="sigmoid", value: str = "a", *, rtol=RTOL, atol=None,
                 show_solution: bool = False) -> CheckResult:
    """One neuron: z = w.x + b (``value="z"``) or a = f(z) (``value="a"``).

    ``w`` and ``x`` have shape (n,), ``b`` is a number.
    """
    rtol, atol = _tolerances(rtol, atol)
    w = as_float_array(w, "weights w").ravel()
    x = as_float_array(x, "input x").ravel()
    b = as_float_array(b, "bias b")
    if b.size != 1:
        raise ValueError(f"bias b must be one number, got shape {b.shape}")
    b = float(b.reshape(()))
    if w.shape != x.shape:
        raise ValueError(f"w and x must have the same length, got {w.shape[0]} and {x.shape[0]}")
    if value not in ("a", "z"):
        raise ValueError(f"value must be 'a' (the activation) or 'z' (the weighted sum), got {value!r}")
    act = get_activation(activation)
    if not act.elementwise:
        raise ValueError(f"a single neuron cannot use {act.name}; it needs several outputs")
    ans = _answer(answer, ())
    with np.errstate(over="ignore", invalid="ignore"):
        z_check = float(b + w @ x)
    if not np.isfinite(z_check):
        raise ValueError(f"z = w.x + b is {fmt(z_check)} here, beyond the largest float (about 1.8e308), so no "
                         "answer can be checked against it; choose smaller weights or inputs")
    # The neuron is a network of one layer: input units x1..xn and a bias unit, one output.
    net = Network([np.concatenate([[b], w]).reshape(-1, 1)], [act], names=["x", "a"])
    a = _assess(net, x, None, ("forward" if value == "a" else "z", "a0"))
    z = float(net.W[0][0, 0] + w @ x)
    af = float(act.f(np.array(z)))

    def solution() -> str:
        terms = " + ".join(f"w{k + 1}*x{k + 1}" for k in range(w.size))
        nums = " + ".join(f"{paren(wk)}*{paren(xk)}" for wk, xk in zip(w, x))
        text = f"z = {terms} + b = {nums} + {paren(b)} = {fmt(z)}"
        if value == "a":
            text += f"\na = {act.symbol}(z) = {act.symbol}({fmt(z)}) = {fmt(af)}"
        return text

    bias_hint = f"You left out the bias: z = w.x + b, and b = {fmt(b)} here."
    hints = {
        "missing_bias": bias_hint + (" The bias lets the neuron shift where it switches on." if value == "a" else ""),
        "missing_biases": bias_hint,
        "missing_activation": (f"That is z, the weighted sum. The neuron's output is a = {act.symbol}(z): "
                               "apply the activation to it."),
        "missing_activations": f"That is z, the weighted sum. The neuron's output is a = {act.symbol}(z).",
        "missing_activation+missing_bias": "You left out the bias and the activation: a = f(w.x + b).",
        "missing_activation+missing_biases": "You left out the bias and the activation: a = f(w.x + b).",
        "activation_applied": (f"That is a = {act.symbol}(z). The question asks for z itself, before the "
                               "activation."),
    }
    general = "Multiply each input by its weight, add the products, add the bias" + (
        f", then apply {act.symbol}." if value == "a" else ".")
    quantity = f"a = {act.symbol}(w.x + b)" if value == "a" else "z = w.x + b"
    return _result(quantity, f"x = {_vec(x)}", answer, a, rtol, atol, general, solution, show_solution, hints)


def _kink_values(z: np.ndarray, act) -> list:
    """The other right values where some z sits on a kink of f (``act.kinks``): f' just right, and
    just left, of it (the other z keep their own f'(z))."""
    kink = act.at_kink(z)
    if not kink.any():
        return []
    at = act.df(z)
    out = []
    for side in (np.inf, -np.inf):
        v = np.where(kink, act.df(np.nextafter(z, side)), at)
        if not np.array_equal(v, at):
            out.append(v)
    return out


def check_activation(name, z, answer, *, rtol=RTOL, atol=None, show_solution: bool = False) -> CheckResult:
    """f(z) for the activation ``name``; ``z`` a number or an array (softmax: a vector)."""
    rtol, atol = _tolerances(rtol, atol)
    act = get_activation(name)
    z = as_float_array(z, "z")
    if z.size == 0:
        raise ValueError("z is empty; give a number or an array of numbers")
    if not act.elementwise and z.ndim != 1:
        raise ValueError(f"{act.name} needs a vector z of several scores, got shape {z.shape}")
    ans = _answer(answer, z.shape)
    expected = act.f(z)
    scale = np.abs(expected) + np.abs(act.df(z) * z)
    a = _plain(Question("activation", act.name), expected, act.value_mistakes(z), scale)

    def solution() -> str:
        arg = _vec(z) if z.ndim else "(" + fmt(z) + ")"
        return f"{act.symbol}{arg} = {_fmt_value(expected)}"

    return _result(f"{act.symbol}(z)", f"z = {_fmt_value(z)}", answer, a, rtol, atol, act.hint, solution,
                   show_solution, formula=f"{act.symbol}(z) = {act.formula}",
                   numbers=f"{act.symbol}(z) = {act.formula}, with z = {_fmt_value(z)}")


def check_activation_derivative(name, z, answer, *, rtol=RTOL, atol=None,
                                show_solution: bool = False) -> CheckResult:
    """f'(z) for an elementwise activation ``name``; ``z`` a number or an array.

    Where f has a kink (ReLU at z = 0) either one-sided slope is accepted.
    """
    rtol, atol = _tolerances(rtol, atol)
    act = get_activation(name)
    if not act.elementwise:
        raise ValueError(f"{act.name}'s derivative is a matrix (each output depends on every z), not one "
                         "number per z; choose an elementwise activation such as sigmoid, tanh or relu")
    z = as_float_array(z, "z")
    if z.size == 0:
        raise ValueError("z is empty; give a number or an array of numbers")
    ans = _answer(answer, z.shape)
    expected = act.df(z)
    f = act.f(z)
    cands = list(act.derivative_mistakes(z))
    cands.append(("derivative_of_a", act.df(f), f"You evaluated the derivative at a = {act.symbol}(z) "
                  f"instead of at z: f'(z) = {act.derivative} takes z itself."))
    scale = np.abs(f) + np.abs(expected)
    kinks = _kink_values(z, act)
    a = _plain(Question("derivative", act.name), expected, cands, scale, kinks)

    def solution() -> str:
        # The chain of '=' ends in f'(z)'s values; a = f(z) is defined on a line of its own, so
        # that laid out one stage per line its values never read as a step of the chain.
        if act.derivative_in_terms_of_a:
            lines = [f"{act.symbol}'(z) = {act.derivative} = {act.derivative_in_terms_of_a} = {_fmt_value(expected)}",
                     f"where a = {act.symbol}(z) = {_fmt_value(f)}"]
        else:
            lines = [f"{act.symbol}'(z) = {act.derivative}", f"  = {_fmt_value(expected)}"]
        if kinks:
            lines.append("(at a kink either one-sided slope is accepted)")
        return "\n".join(lines)

    return _result(f"{act.symbol}'(z)", f"z = {_fmt_value(z)}", answer, a, rtol, atol, act.derivative_hint,
                   solution, show_solution)


def _trace_text(net, X, Y, lr, loss, rule, pick) -> str:
    t = trace_step(net, X, Y, lr, loss, rule)
    return "\n".join(s.text for s in t.steps if pick(s))


def check_forward(net: Network, x, unit: str, answer, value: str = "a", *, rtol=RTOL, atol=None,
                  show_solution: bool = False) -> CheckResult:
    """The activation a (``value="a"``) or pre-activation z (``value="z"``) of ``unit`` for one input x."""
    rtol, atol = _tolerances(rtol, atol)
    if value not in ("a", "z"):
        raise ValueError(f"value must be 'a' (the activation) or 'z' (the weighted sum), got {value!r}")
    X, _ = _one_sample(net, x)
    ans = _answer(answer, ())
    a = _assess(net, X, None, ("forward" if value == "a" else "z", unit))
    q = a.question
    act = net.acts[q.layer]
    srcs = net.unit_names(q.layer)
    snapshot = a.context.net  # the network as it was asked about

    def solution() -> str:
        Y = np.zeros((1, net.sizes[-1]))
        return _trace_text(snapshot, X, Y, 0.1, "half_squared_error", "gradient",
                           lambda s: s.kind == "forward" and s.sample in (0, None) and s.name in (unit, f"z({unit})"))

    general = (f"z({unit}) is the sum over its incoming links of weight times the source's activation, "
               f"bias unit {srcs[0]} = 1 included; compute the layers in order, input first"
               + ("." if value == "z" else f", and apply {act.symbol} to z."))
    quantity = unit if value == "a" else f"z({unit})"
    return _result(quantity, f"x = {_vec(X)}", answer, a, rtol, atol, general, solution, show_solution)


def check_cost(net: Network, X, y, answer, loss="half_squared_error", *, rtol=RTOL, atol=None,
               show_solution: bool = False) -> CheckResult:
    """The cost J = mean over the batch of each sample's loss (one sample: its loss)."""
    rtol, atol = _tolerances(rtol, atol)
    loss = get_loss(loss)
    X, Y = _network(net).check(X, y)
    if Y is None:
        raise ValueError("check_cost needs the targets y")
    ans = _answer(answer, ())
    a = _assess(net, X, Y, ("cost", None), loss)
    m = X.shape[0]
    snapshot = a.context.net  # the network as it was asked about

    def solution() -> str:
        return _trace_text(snapshot, X, Y, 0.1, loss, "gradient", lambda s: s.kind == "loss")

    general = f"Compute each sample's loss L = {loss.formula}, then average them over the batch."
    return _result("J" if m > 1 else "L", f"{loss.name}, {m} sample{'s' if m > 1 else ''}", answer, a, rtol, atol,
                   general, solution, show_solution)


def check_delta(net: Network, x, y, unit: str, answer, loss="half_squared_error", rule: str = "gradient",
                lr: float | None = None, *, rtol=RTOL, atol=None, show_solution: bool = False) -> CheckResult:
    """delta = dL/dz of ``unit`` for one sample (x, y), before any weight changes.

    Pass ``lr`` to let the checker also recognise deltas computed with weights already
    updated in the same step.
    """
    rtol, atol = _tolerances(rtol, atol)
    loss = get_loss(loss)
    rule = check_rule(rule)
    X, Y = _one_sample(net, x, y)
    if Y is None:
        raise ValueError("check_delta needs the target y of the sample")
    lr_ = check_lr(lr) if lr is not None else None
    ans = _answer(answer, ())
    a = _assess(net, X, Y, ("delta", unit), loss, rule, lr_)
    l, L = a.question.layer, net.n_layers
    snapshot = a.context.net  # the network as it was asked about

    def solution() -> str:
        return _trace_text(snapshot, X, Y, lr_ or 0.1, loss, rule, lambda s: s.kind == "delta" and s.name == unit)

    if l < L - 1:
        nxt = ", ".join(net.dest_name(l + 1, k) for k in range(net.sizes[l + 2]))
        general = (f"A hidden unit's delta is f'(z({unit})) times the sum over its outgoing links of "
                   f"(weight of the link)*(delta at its end: {nxt}). Compute those deltas first.")
    elif rule == "article":
        general = f"Under the article's rule the output delta is simply y - a for {unit}."
    else:
        out = net.acts[-1]
        form = "a - y" if loss.short_delta(out) else f"dL/da*f'(z) = ({loss.grad_formula})*{out.derivative}"
        general = (f"At the output, delta = {form} for {loss.name.replace('_', ' ')} with a {out.name} output. "
                   f"Start from the forward pass value of {unit}.")
    return _result(f"δ({unit})", f"x = {_vec(X)}, y = {_vec(Y)}", answer, a, rtol, atol, general, solution,
                   show_solution)


def check_gradient(net: Network, X, y, weight_name: str, answer, loss="half_squared_error",
                   rule: str = "gradient", lr: float | None = None, *, rtol=RTOL, atol=None,
                   show_solution: bool = False) -> CheckResult:
    """dJ/dw for the weight ``weight_name`` on the batch (X, y): mean of a_src * delta_dst.

    Pass ``lr`` to let the checker also recognise deltas computed with updated weights.
    """
    rtol, atol = _tolerances(rtol, atol)
    loss = get_loss(loss)
    rule = check_rule(rule)
    X, Y = _network(net).check(X, y)
    if Y is None:
        raise ValueError("check_gradient needs the targets y")
    lr_ = check_lr(lr) if lr is not None else None
    ans = _answer(answer, ())
    a = _assess(net, X, Y, ("gradient", weight_name), loss, rule, lr_)
    q = a.question
    src, dst = net.unit_name(q.layer, q.i), net.dest_name(q.layer, q.j)
    snapshot = a.context.net  # the network as it was asked about

    def solution() -> str:
        return _trace_text(snapshot, X, Y, lr_ or 0.1, loss, rule,
                           lambda s: s.kind == "gradient" and s.name == weight_name)

    general = (f"The gradient of {weight_name} is the mean over the batch of (activation of {src})*"
               f"(delta of {dst}). Find the delta of {dst} first.")
    m = X.shape[0]
    return _result(f"g({weight_name})", f"{m} sample{'s' if m > 1 else ''}", answer, a, rtol, atol, general,
                   solution, show_solution)


def check_update(net: Network, X, y, weight_name: str, answer, lr: float, loss="half_squared_error",
                 rule: str = "gradient", *, rtol=RTOL, atol=None, show_solution: bool = False) -> CheckResult:
    """The new value of ``weight_name`` after one step w := w - lr * dJ/dw on the batch (X, y).

    The tolerance never exceeds a quarter of the step lr*g: with a small learning rate the
    answer must still get the step right, not only the first digits of the weight.
    """
    rtol, atol = _tolerances(rtol, atol)
    loss = get_loss(loss)
    rule = check_rule(rule)
    X, Y = _network(net).check(X, y)
    if Y is None:
        raise ValueError("check_update needs the targets y")
    lr = check_lr(lr)
    ans = _answer(answer, ())
    a = _assess(net, X, Y, ("update", weight_name), loss, rule, lr)
    snapshot = a.context.net  # the network as it was asked about

    def solution() -> str:
        return _trace_text(snapshot, X, Y, lr, loss, rule,
                           lambda s: s.kind in ("gradient", "update") and s.name == weight_name)

    general = f"New weight = old weight - lr*gradient, with the gradient of {weight_name} from this batch."
    m = X.shape[0]
    return _result(f"new w({weight_name})", f"lr = {fmt(lr)}, {m} sample{'s' if m > 1 else ''}", answer, a, rtol,
                   atol, general, solution, show_solution)


def check_learning_rate(schedule: str, lr0: float, epoch: int, answer, *, drop: float = 0.5, every: int = 10,
                        k: float = 0.1, rtol=RTOL, atol=None, show_solution: bool = False) -> CheckResult:
    """The learning rate at ``epoch`` (0-based) of a decay ``schedule``: "step" or "exponential".

    step: lr0 * drop^floor(epoch / every);  exponential: lr0 * e^(-k * epoch).
    """
    from ..core.optimizers import exponential_decay, step_decay

    rtol, atol = _tolerances(rtol, atol)
    lr0 = check_lr(lr0)
    if isinstance(epoch, bool) or not isinstance(epoch, (int, np.integer)) or epoch < 0:
        raise ValueError(f"epoch must be a whole number >= 0, got {epoch!r}")
    ans = _answer(answer, ())
    if schedule == "step":
        expected = step_decay(lr0, epoch, drop, every)
        n = epoch // every
        text = f"lr = lr0*drop^floor(epoch/every) = {fmt(lr0)}*{fmt(drop)}^{n} = {fmt(expected)}"
        cands = [
            ("off_by_one", lr0 * drop ** (n + 1), f"Epochs count from 0 and the rate drops after every "
             f"{every} epochs: floor({epoch}/{every}) = {n} drops so far."),
            ("off_by_one", lr0 * drop ** max(n - 1, 0), f"floor({epoch}/{every}) = {n} drops so far."),
            ("missing_power", lr0 * drop * n, f"The drops multiply: {fmt(drop)} to the power {n}, not "
             f"{fmt(drop)} times {n}."),
        ]
        general = "lr = lr0*drop^(number of completed periods), with floor(epoch/every) periods."
    elif schedule == "exponential":
        expected = exponential_decay(lr0, epoch, k)
        text = f"lr = lr0*e^(-k*epoch) = {fmt(lr0)}*e^(-{fmt(k)}*{epoch}) = {fmt(expected)}"
        cands = [
            ("sign", lr0 * np.exp(k * epoch), "The exponent is negative: the rate shrinks, e^(-k*epoch)."),
            ("off_by_one", lr0 * np.exp(-k * (epoch + 1)), "Epochs count from 0: at epoch 0 the rate is lr0."),
        ]
        general = "lr = lr0*e^(-k*epoch); np.exp computes e^x."
    else:
        raise ValueError(f"unknown schedule {schedule!r}; expected 'step' or 'exponential'")
    a = _plain(Question("learning_rate", schedule), float(expected), cands, abs(float(expected)))
    return _result(f"lr at epoch {epoch}", f"{schedule} decay from {fmt(lr0)}", answer, a, rtol, atol, general,
                   lambda: text, show_solution)


# ----- batch normalisation (notebook 10) -----------------------------------------------------------
__all__ += ["check_batch_norm", "check_batch_norm_gradient"]


def _batch_norm_unit(u, targets=None, gamma: float = 1.0, beta: float = 0.0):
    """One unit batch-normalised over the samples ``u``: (u_hat, s, z, dL/dz per sample, dL/du per sample)
    for L = mean of ½(z − t)² (the last two None without targets), by bpnet.core.dropout_batchnorm."""
    from ..core.dropout_batchnorm import BatchNorm

    u = as_float_array(u, "u").ravel()
    if u.size < 2:
        raise ValueError(f"batch normalisation needs a batch of at least 2 samples, got {u.size}")
    net = Network([np.array([[0.0], [1.0]]), np.array([[0.0], [1.0]])], ["identity", "identity"])
    bn = BatchNorm(net)
    bn.gamma, bn.beta = [np.array([float(gamma)])], [np.array([float(beta)])]
    fwd = bn.forward(u[:, None])
    u_hat, s, z = bn.u_hat[0][:, 0], float(bn.s[0][0]), fwd.z[0][:, 0]
    if targets is None:
        return u_hat, s, z, None, None
    t = as_float_array(targets, "targets").ravel()
    if t.shape != u.shape:
        raise ValueError(f"one target per sample: {u.size} samples, {t.size} targets")
    delta = bn.deltas(fwd, t[:, None])[0]
    return u_hat, s, z, delta[:, 0] / u.size, bn.through_norm(0, delta)[:, 0] / u.size


def check_batch_norm(u, i: int, answer, gamma: float = 1.0, beta: float = 0.0, *, rtol=RTOL, atol=None,
                     show_solution: bool = False) -> CheckResult:
    """z_i = γ·(u_i − μ)/√(v + ε) + β of one unit batch-normalised over the samples ``u`` (i from 1)."""
    rtol, atol = _tolerances(rtol, atol)
    u = as_float_array(u, "u").ravel()
    if isinstance(i, bool) or not isinstance(i, (int, np.integer)) or not 1 <= i <= u.size:
        raise ValueError(f"i must be a sample number 1..{u.size}, got {i!r}")
    u_hat, s, z, _, _ = _batch_norm_unit(u, None, gamma, beta)
    m, k = u.size, int(i) - 1
    mu = float(u.mean())
    s_sample = float(np.sqrt(((u - mu) ** 2).sum() / (m - 1)))
    cands = [
        ("variance_divided_by_m_minus_1", gamma * (u[k] - mu) / s_sample + beta,
         f"Batch normalisation divides the squared deviations by m = {m}, the batch's own variance, not by m - 1."),
        ("standard_deviation_left_out", gamma * (u[k] - mu) + beta,
         "After subtracting the mean, divide by s = sqrt(v + eps), the batch's standard deviation."),
        ("mean_left_out", gamma * u[k] / s + beta, "Subtract the batch's mean mu before dividing by s."),
        ("shift_left_out", gamma * u_hat[k], "Add the shift beta after scaling by gamma."),
        ("scale_left_out", u_hat[k] + beta, "Multiply the normalised u_hat by gamma before adding beta."),
    ]
    a = _plain(Question("batch_norm", i), float(z[k]), cands, abs(float(z[k])) + abs(gamma))

    def solution() -> str:
        return (f"mu = mean(u) = {fmt(mu)}\n"
                f"v = mean((u - mu)^2) = {fmt(float(((u - mu) ** 2).mean()))}\n"
                f"s = sqrt(v + eps) = {fmt(s)}\n"
                f"u_hat{i} = (u{i} - mu)/s = ({fmt(u[k])} - {paren(mu)})/{fmt(s)} = {fmt(u_hat[k])}\n"
                f"z{i} = gamma*u_hat{i} + beta = {fmt(gamma)}*{paren(u_hat[k])} + {paren(beta)} = {fmt(z[k])}")

    general = "Normalise u over the batch (subtract the mean, divide by the standard deviation), then scale and shift."
    return _result(f"z{i}", f"batch norm of u = {_fmt_value(u)}, gamma = {fmt(gamma)}, beta = {fmt(beta)}", answer, a,
                   rtol, atol, general, solution, show_solution,
                   formula=f"z{i} = gamma*(u{i} - mu)/sqrt(v + eps) + beta")


def check_batch_norm_gradient(u, targets, i: int, answer, gamma: float = 1.0, beta: float = 0.0, *, rtol=RTOL,
                              atol=None, show_solution: bool = False) -> CheckResult:
    """∂L/∂u_i for one unit batch-normalised over the samples ``u``, L = mean over the batch of ½(z − t)²."""
    rtol, atol = _tolerances(rtol, atol)
    u = as_float_array(u, "u").ravel()
    if isinstance(i, bool) or not isinstance(i, (int, np.integer)) or not 1 <= i <= u.size:
        raise ValueError(f"i must be a sample number 1..{u.size}, got {i!r}")
    u_hat, s, z, dz, du = _batch_norm_unit(u, targets, gamma, beta)
    k = int(i) - 1
    direct = gamma / s * dz
    through_mean = direct - direct.mean()
    cands = [
        ("statistics_held_constant", direct[k],
         "mu and s depend on every u of the batch, u_i included: add the paths through them (the mean and the variance)."),
        ("variance_path_left_out", through_mean[k],
         "You have the direct path and the one through the mean; u_i also changes the variance v, and so s."),
    ]
    a = _plain(Question("batch_norm_gradient", i), float(du[k]), cands, abs(float(direct[k])) + abs(float(du[k])))

    def solution() -> str:
        return (f"dL/dz = (z - t)/m per sample = {_fmt_value(dz)}\n"
                f"u_hat = {_fmt_value(u_hat)}, s = {fmt(s)}\n"
                f"dL/du{i} = gamma/s*(dL/dz{i} - mean(dL/dz) - u_hat{i}*mean(dL/dz*u_hat))\n"
                f"= {fmt(gamma)}/{fmt(s)}*({fmt(dz[k])} - {paren(float(dz.mean()))} - "
                f"{paren(u_hat[k])}*{paren(float((dz * u_hat).mean()))}) = {fmt(du[k])}")

    general = ("Every z depends on u_i three ways: directly, through the mean mu and through the variance v. "
               "Add the three paths.")
    return _result(f"dL/du{i}", f"batch norm of u = {_fmt_value(u)}, targets {_fmt_value(np.ravel(targets))}",
                   answer, a, rtol, atol, general, solution, show_solution,
                   formula=f"dL/du{i} = gamma/s*(dL/dz{i} - mean(dL/dz) - u_hat{i}*mean(dL/dz*u_hat))")


# ----- optimizers, initialisation and regularisation (notebook 07) ---------------------------------
__all__ += ["check_optimizer_step", "check_init_variance", "check_regularised_update"]


def _optimizer_path(name: str, w: float, grads, **params) -> float:
    """The weight after one update per gradient in ``grads`` by bpnet's optimizer ``name``, from ``w``."""
    from ..core.optimizers import get_optimizer

    opt = get_optimizer(name, **params)
    W = [np.array([[float(w)]])]
    for g in grads:
        opt.update(W, [np.array([[float(g)]])])
    return float(W[0][0, 0])


def check_optimizer_step(optimizer: str, w: float, grads, answer, *, rtol=RTOL, atol=None, show_solution: bool = False,
                         **params) -> CheckResult:
    """One weight ``w`` after one update per gradient in ``grads`` (step 1, 2, ...) by ``optimizer``
    ("momentum", "adam", "rmsprop", "adagrad", "sgd"), with its parameters (lr, beta, average, beta1, ...)."""
    rtol, atol = _tolerances(rtol, atol)
    grads = [float(g) for g in np.ravel(as_float_array(grads, "grads"))]
    if not grads:
        raise ValueError("grads needs at least one gradient (one per step)")
    name = str(optimizer).lower()
    expected = _optimizer_path(name, w, grads, **params)
    cands = [("plain_gradient_descent", float(w) - params.get("lr", 0.1) * sum(grads),
              "That is plain gradient descent: the optimizer turns the gradients into steps with its running averages.")]
    if name == "momentum":
        other = dict(params, average=not params.get("average", True))
        cands.append(("other_momentum_form", _optimizer_path(name, w, grads, **other),
                      "That is the other form of momentum: the average form keeps v := beta*v + (1 - beta)*g, the sum "
                      "form v := beta*v + g. Use the one asked for."))
    if name == "adam":
        b1, b2 = params.get("beta1", 0.9), params.get("beta2", 0.999)
        lr, eps = params.get("lr", 0.01), params.get("eps", 1e-8)
        v = s = 0.0
        for g in grads:
            v, s = b1 * v + (1 - b1) * g, b2 * s + (1 - b2) * g * g
        cands.append(("no_bias_correction", float(w) - lr * v / (np.sqrt(s) + eps) if len(grads) == 1 else np.nan,
                      "Adam divides v by 1 - beta1^t and s by 1 - beta2^t (t = 1 at the first step): without that, "
                      "the first steps are far too small."))
    a = _plain(Question("optimizer", name), expected, cands, abs(expected) + abs(float(w)))

    def solution() -> str:
        ws = [float(w)] + [_optimizer_path(name, w, grads[:k], **params) for k in range(1, len(grads) + 1)]
        steps = "\n".join(f"after step {k}: w = {fmt(x)}" for k, x in enumerate(ws[1:], start=1))
        return f"{name} from w = {fmt(ws[0])} with {', '.join(f'{k}={v}' for k, v in params.items())}\n{steps}"

    general = {"momentum": "Keep the running average v of the gradients, then step against it: W := W - lr*v.",
               "adam": "Keep v (average of g) and s (average of g^2), correct both for their start at 0, then "
                       "step lr*v_hat/(sqrt(s_hat) + eps)."}.get(name, "Apply the optimizer's rule once per gradient.")
    return _result(f"w after {len(grads)} step{'s' if len(grads) > 1 else ''}", f"{name}", answer, a, rtol, atol,
                   general, solution, show_solution)


def check_init_variance(init: str, n_in: int, n_out: int, answer, *, rtol=RTOL, atol=None,
                        show_solution: bool = False) -> CheckResult:
    """The variance of a starting weight under ``init`` ("xavier": 2/(n_in + n_out); "he": 2/n_in)."""
    rtol, atol = _tolerances(rtol, atol)
    for n, what in ((n_in, "n_in"), (n_out, "n_out")):
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"{what} must be a whole number >= 1, got {n!r}")
    rules = {"xavier": 2 / (n_in + n_out), "he": 2 / n_in}
    if init not in rules:
        raise ValueError(f"init must be 'xavier' or 'he', got {init!r}")
    expected = rules[init]
    other = "he" if init == "xavier" else "xavier"
    cands = [
        (f"{other}_rule", rules[other], f"That is {other}'s variance; {init} is asked for."),
        ("standard_deviation", np.sqrt(expected), "That is the standard deviation; the variance is its square."),
        ("uniform_limit", np.sqrt(3 * expected),
         "That is the limit a of the uniform distribution on [-a, a]; its variance is a^2/3."),
        ("one_over_n_in", 1 / n_in, "1/n_in keeps a linear (or tanh near 0) unit's variance level forward only."),
    ]
    a = _plain(Question("init_variance", init), expected, cands, expected)
    text = (f"Var(w) = 2/(n_in + n_out) = 2/({n_in} + {n_out}) = {fmt(expected)}" if init == "xavier"
            else f"Var(w) = 2/n_in = 2/{n_in} = {fmt(expected)}")
    general = ("Xavier balances the forward and the backward pass: 2/(n_in + n_out). He makes up for ReLU zeroing "
               "half of its inputs: 2/n_in.")
    return _result(f"Var(w), {init}", f"n_in = {n_in}, n_out = {n_out}", answer, a, rtol, atol, general,
                   lambda: text, show_solution)


def check_regularised_update(kind: str, w: float, g: float, lr: float, lam: float, answer, *, rtol=RTOL, atol=None,
                             show_solution: bool = False) -> CheckResult:
    """One weight's update with a penalty: "l2" (λ/2·w², gradient λ·w: w := w − lr·(g + λ·w)) or "l1"
    (λ·|w| by soft-thresholding: w' = w − lr·g, then w := sign(w')·max(|w'| − lr·λ, 0))."""
    rtol, atol = _tolerances(rtol, atol)
    w, g, lr, lam = (float(v) for v in (w, g, check_lr(lr), lam))
    if not np.isfinite(lam) or lam < 0:
        raise ValueError(f"lambda must be a number >= 0, got {lam}")
    if kind == "l2":
        expected = w - lr * (g + lam * w)
        cands = [("penalty_gradient_halved", w - lr * (g + lam * w / 2),
                  "The penalty is lambda/2*w^2, whose derivative is lambda*w: the 1/2 cancels."),
                 ("penalty_sign", w - lr * (g - lam * w), "The penalty pulls towards 0: add lambda*w to the gradient."),
                 ("penalty_left_out", w - lr * g, "Add the penalty's gradient lambda*w to the loss's gradient.")]
        text = f"w := w - lr*(g + lambda*w) = {fmt(w)} - {fmt(lr)}*({fmt(g)} + {fmt(lam)}*{paren(w)}) = {fmt(expected)}"
        general = "Add the penalty's gradient lambda*w to the loss's gradient, then step."
    elif kind == "l1":
        step = w - lr * g
        expected = float(np.sign(step) * max(abs(step) - lr * lam, 0.0))
        cands = [("subgradient_not_proximal", w - lr * (g + lam * np.sign(w)),
                  "That is the subgradient step, which jitters around 0; the proximal step shrinks towards 0 and "
                  "stops there: sign(w')*max(|w'| - lr*lambda, 0)."),
                 ("shrink_without_stopping_at_zero", step - lr * lam * np.sign(step),
                  "Shrinking stops at 0: a weight smaller than lr*lambda becomes exactly 0."),
                 ("penalty_left_out", step, "Then shrink towards 0 by lr*lambda.")]
        text = (f"w' = w - lr*g = {fmt(w)} - {fmt(lr)}*{paren(g)} = {fmt(step)}\n"
                f"w := sign(w')*max(|w'| - lr*lambda, 0) = {fmt(expected)}")
        general = "Take the loss's gradient step first, then move the weight towards 0 by lr*lambda, stopping at 0."
    else:
        raise ValueError(f"kind must be 'l2' or 'l1', got {kind!r}")
    a = _plain(Question("regularised_update", kind), expected, cands, abs(w) + abs(lr * g) + abs(lr * lam * w) + lr * lam)
    return _result(f"new w ({kind.upper()})", f"w = {fmt(w)}, g = {fmt(g)}, lr = {fmt(lr)}, lambda = {fmt(lam)}",
                   answer, a, rtol, atol, general, lambda: text, show_solution)
