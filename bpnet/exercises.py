"""Answer checkers for the notebooks' exercises, with a diagnosis of common mistakes.

Every checker computes the right answer with bpnet, accepts the learner's answer when

    |answer - expected| <= atol + rtol * |expected|      (elementwise; rtol 1e-3, atol 1e-6)

and otherwise compares it, with the same tolerance, against the values that known
mistakes produce (the sign flipped, f'(z) forgotten, the updated weights used for a
hidden delta, source and destination swapped, the batch summed instead of averaged, ...).
The first match gives a specific hint; no match gives a general one. Nothing is printed:
each checker returns a ``CheckResult`` (``.correct``, ``.mistake``, ``.hint``), which a
notebook displays. The solution is shown only on request: ``result.solution()`` or
``show_solution=True``.

    >>> from bpnet import xor_example
    >>> net, X, y, lr = xor_example()
    >>> check_delta(net, X[0], y[0], "D0", -4).mistake
    'sign'
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from ._checks import as_batch, as_float_array, check_lr, check_rule
from .activations import Identity, Sigmoid, Softmax, Tanh, LeakyReLU, ReLU, get_activation
from .losses import BinaryCrossEntropy, CategoricalCrossEntropy, HalfSquaredError, get_loss
from .network import Network
from .trace import _terms, fmt, trace_step

__all__ = [
    "CheckResult",
    "Solution",
    "MISTAKES",
    "check_neuron",
    "check_activation",
    "check_activation_derivative",
    "check_forward",
    "check_cost",
    "check_delta",
    "check_gradient",
    "check_update",
    "check_learning_rate",
]

#: Every mistake key a checker can report, with what it means in one line.
MISTAKES = {
    "sign": "the sign is flipped (e.g. y - a where a - y belongs)",
    "missing_derivative": "the factor f'(z) of the activation is missing",
    "updated_weights": "a hidden delta was computed with weights already updated in this step",
    "swapped": "source and destination of a link are swapped",
    "sum_not_mean": "the batch was summed instead of averaged",
    "pre_activation": "z (before the activation) was used where the activation a belongs",
    "missing_bias": "the bias (the weight from the bias unit) was left out",
    "missing_activation": "the activation function was not applied",
    "activation_applied": "the activation a was given where z (before the activation) was asked",
    "missing_half": "the 1/2 of the half squared error was left out",
    "error_not_loss": "a signed error (y - a) was given instead of a loss",
    "value_not_derivative": "f(z) was given instead of f'(z)",
    "derivative_not_value": "f'(z) was given instead of f(z)",
    "derivative_of_z": "the derivative formula was applied to z instead of to f(z)",
    "missing_square": "a square in the formula was left out",
    "kink": "the derivative at the kink z = 0 (bpnet, like most libraries, uses the left side)",
    "missing_normalisation": "softmax without dividing by the sum",
    "missing_lr": "the learning rate was left out of the update",
    "change_not_weight": "the change -lr*g was given instead of the new weight",
    "off_by_one": "the schedule was applied one step too early or too late",
    "missing_slope": "leaky ReLU treated as plain ReLU (its small negative slope left out)",
    "missing_power": "a repeated factor multiplied by a count instead of raised to a power",
    "rounding": "close, but rounded too much",
    "general": "no known mistake matches",
}

RTOL, ATOL = 1e-3, 1e-6


# ----- results ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Solution:
    """The worked solution of an exercise: ``text`` (formula with numbers) and ``value``."""

    text: str
    value: object

    def __repr__(self) -> str:
        return self.text

    def _repr_markdown_(self) -> str:
        return "**Solution**\n\n```text\n" + self.text + "\n```"


@dataclass(frozen=True)
class CheckResult:
    """The verdict on one answer.

    ``correct``: True if within tolerance. ``mistake``: None when correct, else a key of
    ``MISTAKES`` (two joined by "+" for a compound one, e.g. "sign+sum_not_mean").
    ``hint``: what to look at ("" when correct). Truthy exactly when correct.
    """

    quantity: str  # what was asked, e.g. "δ(Z1)"
    context: str  # for which data, e.g. "x = (0, 0), y = 0"
    answer: object
    correct: bool
    mistake: str | None
    hint: str
    _solution: Solution
    show_solution: bool = False

    @property
    def question(self) -> str:
        return f"{self.quantity} ({self.context})" if self.context else self.quantity

    def solution(self) -> Solution:
        """The worked solution, with the expected value."""
        return self._solution

    def __bool__(self) -> bool:
        return self.correct

    def _head(self) -> tuple[str, str]:
        ctx = f" ({self.context})" if self.context else ""
        if self.correct:
            return "✓ Correct:", f"{self.quantity} = {_fmt_value(self.answer)}{ctx}."
        return "✗ Not yet:", f"{self.quantity} is not {_fmt_value(self.answer)}{ctx}."

    def __repr__(self) -> str:
        mark, text = self._head()
        lines = [f"{mark} {text}"]
        if not self.correct:
            lines.append(f"Hint ({self.mistake}): {self.hint}")
        if self.show_solution:
            lines += ["Solution:", self._solution.text]
        elif not self.correct:
            lines.append("(Call .solution() on this result to see the worked solution.)")
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        mark, text = self._head()
        parts = [f"**{mark}** `{text}`"]
        if not self.correct:
            parts.append(f"*Hint ({self.mistake}):* {self.hint}")
        if self.show_solution:
            parts.append("**Solution**\n\n```text\n" + self._solution.text + "\n```")
        elif not self.correct:
            parts.append("*Call `.solution()` on this result to see the worked solution.*")
        return "\n\n".join(parts)


def _fmt_value(v) -> str:
    arr = np.asarray(v, dtype=float)
    if arr.ndim == 0:
        return fmt(arr)
    return "[" + ", ".join(fmt(x) for x in arr.ravel()) + "]"


def _vec(x) -> str:
    x = np.ravel(x)
    return fmt(x[0]) if x.size == 1 else "(" + ", ".join(fmt(v) for v in x) + ")"


# ----- input checks ----------------------------------------------------------------------
def _answer(answer, shape: tuple) -> np.ndarray:
    """The learner's answer as a float array of ``shape``, or one clear error."""
    if answer is None:
        raise TypeError("answer is None: replace None with your number")
    if isinstance(answer, (str, bytes)):
        raise TypeError(f"answer must be a number, got the text {answer!r}; write it without quotes")
    if isinstance(answer, (bool, np.bool_)):
        raise TypeError(f"answer must be a number, got {answer!r}")
    if isinstance(answer, numbers.Number) and not isinstance(answer, numbers.Real):
        raise TypeError(f"answer must be a real number, got {answer!r}")
    arr = as_float_array(answer, "answer")
    if shape == ():
        if arr.size != 1:
            raise ValueError(f"answer must be one number, got an array of shape {arr.shape}")
        return arr.reshape(())
    if arr.shape != shape:
        if arr.size == int(np.prod(shape)) and arr.ndim <= 1:
            return arr.reshape(shape)
        raise ValueError(f"answer must have shape {shape} (one number per z), got {arr.shape}")
    return arr


def _tolerances(rtol, atol) -> tuple[float, float]:
    for name, v in (("rtol", rtol), ("atol", atol)):
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not np.isfinite(v) or v < 0:
            raise ValueError(f"{name} must be a finite number >= 0, got {v!r}")
    return float(rtol), float(atol)


def _one_sample(net: Network, x, y=None):
    X, Y = net.check(x, y)
    if X.shape[0] != 1:
        raise ValueError(
            f"give one sample (shape ({net.sizes[0]},)), got a batch of {X.shape[0]}; "
            "a unit's value or delta belongs to one sample, e.g. X[0]"
        )
    return X, Y


def _unit(net: Network, name) -> tuple[int, int]:
    """(layer, column) of a hidden or output unit called ``name``, e.g. Z1 -> (1, 0)."""
    if not isinstance(name, str):
        raise TypeError(f"unit must be a name such as 'Z1' or 'D0', got {name!r}")
    for layer in range(1, len(net.sizes)):
        for j in range(net.sizes[layer]):
            if net.dest_name(layer - 1, j) == name:
                return layer, j
    valid = [net.dest_name(l - 1, j) for l in range(1, len(net.sizes)) for j in range(net.sizes[l])]
    if any(name == net.unit_name(l, 0) for l in range(len(net.sizes) - 1)):
        raise ValueError(
            f"{name} is a bias unit: its activation is always 1 and nothing feeds it, so it has "
            f"no z and no delta; ask about one of {', '.join(valid)}"
        )
    if name in net.unit_names(0, bias=False):
        raise ValueError(f"{name} is an input unit: its value is the input itself; ask about one of {', '.join(valid)}")
    raise ValueError(f"unknown unit {name!r}; this network's units are {', '.join(valid)}")


def _weight(net: Network, name) -> tuple[int, int, int]:
    if not isinstance(name, str):
        raise TypeError(f"weight_name must be a name such as 'X0->Z1', got {name!r}")
    try:
        return net.weight_index(name)
    except KeyError:
        names = net.weight_names()
        shown = ", ".join(names[:16]) + (", ..." if len(names) > 16 else "")
        raise ValueError(f"unknown weight {name!r}; this network's weights are {shown}") from None


def _loss_rule(loss, rule):
    loss = get_loss(loss)
    check_rule(rule)
    return loss


# ----- the judge -------------------------------------------------------------------------
def _close(a, b, rtol, atol) -> bool:
    a, b = np.asarray(a, float), np.asarray(b, float)
    return bool(np.all(np.isfinite(b)) and np.all(np.abs(a - b) <= atol + rtol * np.abs(b)))


def _judge(question: tuple[str, str], answer, expected, candidates, general_hint, solution_text, rtol, atol,
           show_solution, with_sign_combos=True) -> CheckResult:
    """Correct, a known mistake (first match in ``candidates`` order), close, or general."""
    expected = np.asarray(expected, float)
    sol = Solution(solution_text, float(expected) if expected.ndim == 0 else expected.copy())
    ans_out = float(answer) if answer.ndim == 0 else answer.copy()
    if _close(answer, expected, rtol, atol):
        return CheckResult(*question, ans_out, True, None, "", sol, show_solution)
    # A candidate equal to the right answer is no mistake on this question: skip it.
    cands = [(k, np.asarray(v, float), h) for k, v, h in candidates
             if v is not None and not _close(v, expected, rtol, atol)]
    if with_sign_combos:
        sign_hint = next((h for k, v, h in cands if k == "sign"), None)
        if sign_hint is not None:
            cands += [(f"sign+{k}", -v, f"{h} Also, {sign_hint[0].lower()}{sign_hint[1:]}")
                      for k, v, h in list(cands) if k != "sign"]
    for key, value, hint in cands:
        if value.shape == expected.shape and _close(answer, value, rtol, atol):
            return CheckResult(*question, ans_out, False, key, hint, sol, show_solution)
    if _close(answer, expected, 0.05, 1e-3):
        hint = ("Very close, but outside the tolerance: you rounded too much. Keep at least "
                "4 significant digits, or let Python do the arithmetic.")
        return CheckResult(*question, ans_out, False, "rounding", hint, sol, show_solution)
    return CheckResult(*question, ans_out, False, "general", general_hint, sol, show_solution)


# ----- maths the mistakes need -----------------------------------------------------------
def _backward_variant(net: Network, fwd, y, loss, rule, *, skip_df=(), lr=None):
    """Deltas as a learner might compute them.

    ``skip_df``: layers (0-based, as in delta[l]) where f'(z) is left out.
    ``lr``: if given, each layer's incoming weights are updated (with the gradient from
    this very delta) before the delta of the layer below is computed: the "updated
    weights" mistake, repeated layer by layer.
    """
    L = net.n_layers
    m = fwd.a[0].shape[0]
    delta = [None] * L
    if rule == "article":
        delta[-1] = y - fwd.a[-1]
    elif (L - 1) in skip_df:
        delta[-1] = loss.grad(fwd.a[-1], y)
    else:
        delta[-1] = net.backward(fwd, y, loss, rule)[-1]
    for l in range(L - 2, -1, -1):
        W_next = net.W[l + 1]
        if lr is not None:
            g = np.vstack([delta[l + 1].sum(axis=0, keepdims=True), fwd.a[l + 1].T @ delta[l + 1]]) / m
            W_next = W_next - lr * g
        back = delta[l + 1] @ W_next[1:].T
        delta[l] = back if l in skip_df else net.acts[l].backward(fwd.z[l], fwd.a[l + 1], back)
    return delta


def _grad_from(net, fwd, delta, l, i, j, reduce="mean", src="a"):
    """mean over the batch of (source value) * (destination delta) for W[l][i, j]."""
    m = fwd.a[0].shape[0]
    if i == 0:
        s = np.ones(m)
    elif src == "a":
        s = fwd.a[l][:, i - 1]
    else:  # "z": the source's pre-activation (inputs have none)
        if l == 0:
            return None
        s = fwd.z[l - 1][:, i - 1]
    total = float(np.sum(s * delta[l][:, j]))
    return total if reduce == "sum" else total / m


# ----- hints -----------------------------------------------------------------------------
def _sign_hint(rule: str) -> str:
    if rule == "article":
        return ("Your answer has the opposite sign. This exercise uses the article's rule, "
                "where the output's delta is y - a (target minus prediction).")
    return ("Your answer has the opposite sign. That is what the target-minus-prediction "
            "convention y - a gives. The delta is dL/dz, which for squared error is "
            "(a - y)*f'(z) at the output: positive when the prediction is above the target. "
            "With y - a, the update w := w - lr*a*delta climbs the loss instead of descending it.")


# ----- checkers --------------------------------------------------------------------------
def check_neuron(w, b, x, answer, activation="sigmoid", value: str = "a", *, rtol=RTOL, atol=ATOL,
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
    z = float(w @ x + b)
    a = float(act.f(np.array(z)))
    terms = " + ".join(f"w{k + 1}*x{k + 1}" for k in range(w.size))
    nums = " + ".join(f"{_par(wk)}*{_par(xk)}" for wk, xk in zip(w, x))
    text = f"z = {terms} + b = {nums} + {_par(b)} = {fmt(z)}"
    if value == "a":
        text += f"\na = {act.symbol}(z) = {act.symbol}({fmt(z)}) = {fmt(a)}"
    f_no_b = float(act.f(np.array(z - b)))
    if value == "a":
        expected = a
        cands = [
            ("missing_bias", f_no_b, f"You left out the bias: z = w.x + b, and b = {fmt(b)} here. "
             "The bias lets the neuron shift where it switches on."),
            ("missing_activation", z, f"That is z, the weighted sum. The neuron's output is a = "
             f"{act.symbol}(z): apply the activation to it."),
            ("missing_bias", z - b, "You left out the bias and the activation: a = f(w.x + b)."),
        ]
        question = (f"a = {act.symbol}(w.x + b)", f"x = {_vec(x)}")
    else:
        expected = z
        cands = [
            ("missing_bias", z - b, f"You left out the bias: z = w.x + b, and b = {fmt(b)} here."),
            ("activation_applied", a, f"That is a = {act.symbol}(z). The question asks for z itself, "
             "before the activation."),
        ]
        question = ("z = w.x + b", f"x = {_vec(x)}")
    general = "Multiply each input by its weight, add the products, add the bias" + (
        f", then apply {act.symbol}." if value == "a" else ".")
    return _judge(question, ans, expected, cands, general, text, rtol, atol, show_solution, False)


def _par(v) -> str:
    s = fmt(v)
    return f"({s})" if s.startswith("-") else s


def check_activation(name, z, answer, *, rtol=RTOL, atol=ATOL, show_solution: bool = False) -> CheckResult:
    """f(z) for the activation ``name``; ``z`` a number or an array (softmax: a vector)."""
    rtol, atol = _tolerances(rtol, atol)
    act = get_activation(name)
    z = as_float_array(z, "z")
    if isinstance(act, Softmax) and z.ndim != 1:
        raise ValueError(f"softmax needs a vector z of several scores, got shape {z.shape}")
    ans = _answer(answer, z.shape)
    expected = act.f(z)
    cands = []
    if isinstance(act, Softmax):
        cands.append(("missing_normalisation", np.exp(z), "Those are the e^z. Softmax divides each "
                      "by their sum, so the outputs add up to 1."))
        cands.append(("sign", act.f(-z), "Use e^(+z): the largest score must get the largest share."))
    else:
        cands.append(("derivative_not_value", act.df(z), f"That is the derivative f'(z). The question "
                      f"asks for the value {act.symbol}(z) itself."))
        if isinstance(act, Sigmoid):
            cands.append(("sign", act.f(-z), "Check the sign in the exponent: sigmoid(z) = 1/(1 + e^(-z)), "
                          "which is above 0.5 for positive z."))
        if isinstance(act, (ReLU, LeakyReLU)):
            cands.append(("swapped", np.where(z > 0, 0.0, z), "ReLU keeps positive z and zeroes negative z, "
                          "not the other way round."))
        if isinstance(act, LeakyReLU):
            cands.append(("missing_slope", np.maximum(z, 0.0), f"That is plain ReLU. Leaky ReLU keeps a "
                          f"small slope {fmt(act.alpha)} for negative z: f(z) = {fmt(act.alpha)}*z there."))
    text = f"{act.symbol}{_vec(z) if z.ndim else '(' + fmt(z) + ')'} = {_fmt_value(expected)}"
    question = (f"{act.symbol}(z)", f"z = {_fmt_value(z)}")
    general = {
        "identity": "The identity returns z unchanged.",
        "sigmoid": "sigmoid(z) = 1/(1 + e^(-z)); np.exp helps.",
        "tanh": "tanh(z) = (e^z - e^(-z))/(e^z + e^(-z)); np.tanh computes it.",
        "relu": "relu(z) = max(0, z).",
        "leaky_relu": f"leaky_relu(z) = z for z > 0, else {fmt(getattr(act, 'alpha', 0.01))}*z.",
        "softmax": "softmax(z)_k = e^(z_k) / (e^(z_1) + ... + e^(z_n)).",
    }[act.name]
    return _judge(question, ans, expected, cands, general, text, rtol, atol, show_solution, False)


def check_activation_derivative(name, z, answer, *, rtol=RTOL, atol=ATOL,
                                show_solution: bool = False) -> CheckResult:
    """f'(z) for an elementwise activation ``name``; ``z`` a number or an array."""
    rtol, atol = _tolerances(rtol, atol)
    act = get_activation(name)
    if not act.elementwise:
        raise ValueError("softmax's derivative is a matrix (each output depends on every z), not one "
                         "number per z; choose identity, sigmoid, tanh, relu or leaky_relu")
    z = as_float_array(z, "z")
    ans = _answer(answer, z.shape)
    expected = act.df(z)
    a = act.f(z)
    cands = [("value_not_derivative", a, f"That is {act.symbol}(z), the value. The question asks for its "
              "derivative f'(z), the slope of the curve at z.")]
    if isinstance(act, Sigmoid):
        text = f"sigmoid'(z) = sigmoid(z)*(1 - sigmoid(z)) with sigmoid(z) = {_fmt_value(a)}\n= {_fmt_value(expected)}"
        cands += [
            ("derivative_of_z", z * (1 - z), "You computed z*(1 - z). The formula is s*(1 - s) with "
             "s = sigmoid(z): compute sigmoid first."),
            ("sign", -expected, "The sigmoid only rises, so its slope is positive everywhere."),
        ]
        general = "sigmoid'(z) = sigmoid(z)*(1 - sigmoid(z)); it is at most 0.25, at z = 0."
    elif isinstance(act, Tanh):
        text = f"tanh'(z) = 1 - tanh(z)^2 with tanh(z) = {_fmt_value(a)}\n= {_fmt_value(expected)}"
        cands += [
            ("derivative_of_z", 1 - z * z, "You computed 1 - z^2. The formula is 1 - tanh(z)^2: "
             "compute tanh(z) first."),
            ("missing_square", 1 - a, "Square tanh(z): the derivative is 1 - tanh(z)^2."),
            ("sign", -expected, "tanh only rises, so its slope is positive everywhere."),
        ]
        general = "tanh'(z) = 1 - tanh(z)^2; it is 1 at z = 0 and near 0 for large |z|."
    elif isinstance(act, (ReLU, LeakyReLU)):
        low = act.alpha if isinstance(act, LeakyReLU) else 0.0
        text = f"{act.symbol}'(z) = 1 where z > 0, else {fmt(low)}\n= {_fmt_value(expected)}"
        cands.append(("kink", np.where(z >= 0, 1.0, low), "At exactly z = 0 the curve has a kink; "
                      f"bpnet (like most libraries) uses the slope on the left there: {fmt(low)}."))
        if isinstance(act, LeakyReLU):
            cands.append(("missing_slope", (z > 0).astype(float), f"That is plain ReLU's derivative. "
                          f"Leaky ReLU keeps the slope {fmt(low)} for negative z, so its derivative is "
                          f"{fmt(low)} there, not 0."))
        general = f"The slope of {act.symbol} is 1 for z > 0 and {fmt(low)} otherwise."
    else:
        text = f"identity'(z) = 1 everywhere\n= {_fmt_value(expected)}"
        cands.append(("value_not_derivative", z, "That is z. The identity's slope is 1 everywhere."))
        general = "f(z) = z rises by exactly 1 per unit of z."
    question = (f"{act.symbol}'(z)", f"z = {_fmt_value(z)}")
    return _judge(question, ans, expected, cands, general, text, rtol, atol, show_solution, False)


def check_forward(net: Network, x, unit: str, answer, value: str = "a", *, rtol=RTOL, atol=ATOL,
                  show_solution: bool = False) -> CheckResult:
    """The activation a (``value="a"``) or pre-activation z (``value="z"``) of ``unit`` for one input x."""
    rtol, atol = _tolerances(rtol, atol)
    if value not in ("a", "z"):
        raise ValueError(f"value must be 'a' (the activation) or 'z' (the weighted sum), got {value!r}")
    X, _ = _one_sample(net, x)
    layer, j = _unit(net, unit)
    ans = _answer(answer, ())
    net.check_weights()
    fwd = net._forward(X)
    l = layer - 1
    act = net.acts[l]
    W = net.W[l]
    zv, av = fwd.z[l][0, j], fwd.a[layer][0, j]
    srcs = net.unit_names(l)
    a_src = np.concatenate([[1.0], fwd.a[l][0]])
    sym, num = _terms(srcs, W[:, j], a_src, unit)
    text = f"z({unit}) = {sym}\n= {num} = {fmt(zv)}"
    if isinstance(act, Softmax):
        text += f"\n{unit} = e^z({unit}) / (sum of e^z over the output layer) = {fmt(av)}"
    elif not isinstance(act, Identity):
        text += f"\n{unit} = {act.symbol}(z({unit})) = {act.symbol}({fmt(zv)}) = {fmt(av)}"
    # The same unit with its bias weight left out, and with the source layer's activation skipped.
    z_nob = zv - W[0, j]
    a_nob = act.f(np.concatenate([fwd.z[l][0, :j], [z_nob], fwd.z[l][0, j + 1:]]))[j] if isinstance(act, Softmax) \
        else float(act.f(np.array(z_nob)))
    z_prev_noact = (fwd.z[l - 1][0] @ W[1:, j] + W[0, j]) if l > 0 else None
    # Every bias left out, in this layer and all below.
    nob = Network([np.vstack([np.zeros((1, w.shape[1])), w[1:]]) for w in net.W], net.acts)._forward(X)
    z_nob_all, a_nob_all = nob.z[l][0, j], nob.a[layer][0, j]
    if value == "a":
        expected = av
        question = (f"{unit}", f"x = {_vec(X)}")
        cands = [
            ("missing_bias", a_nob, f"You left out the bias: the weight from {srcs[0]} (always 1) into "
             f"{unit}, w({srcs[0]}->{unit}) = {fmt(W[0, j])}, belongs in the sum."),
            ("missing_activation", zv, f"That is z({unit}), the weighted sum. Apply the activation "
             f"{act.symbol} to it to get the unit's output."),
            ("missing_bias", z_nob, f"You left out the bias w({srcs[0]}->{unit}) and the activation."),
            ("missing_bias", a_nob_all, "You left out the biases: every layer's sum includes the weight "
             "from its bias unit (whose activation is always 1)."),
        ]
        if z_prev_noact is not None and not isinstance(net.acts[l - 1], Identity):
            a_wrong = act.f(np.array(z_prev_noact)) if act.elementwise else None
            cands.append(("missing_activation", a_wrong, f"The inputs of {unit} are the activations "
                          f"of layer {net.names[l]} (after {net.acts[l - 1].symbol}), not their z."))
    else:
        expected = zv
        question = (f"z({unit})", f"x = {_vec(X)}")
        cands = [
            ("missing_bias", z_nob, f"You left out the bias: w({srcs[0]}->{unit}) = {fmt(W[0, j])} "
             f"times {srcs[0]} = 1 belongs in the sum."),
            ("activation_applied", av, f"That is the activation {act.symbol}(z). The question asks "
             "for z itself, before the activation."),
            ("missing_bias", z_nob_all, "You left out the biases: every layer's sum includes the weight "
             "from its bias unit (whose activation is always 1)."),
        ]
        if z_prev_noact is not None and not isinstance(net.acts[l - 1], Identity):
            cands.append(("missing_activation", z_prev_noact, f"The inputs of {unit} are the "
                          f"activations of layer {net.names[l]} (after {net.acts[l - 1].symbol}), not their z."))
    general = (f"z({unit}) is the sum over its incoming links of weight times the source's activation, "
               f"bias unit {srcs[0]} = 1 included; compute the layers in order, input first"
               + ("." if isinstance(act, Identity) or value == "z" else f", and apply {act.symbol} to z."))
    return _judge(question, ans, expected, cands, general, text, rtol, atol, show_solution, False)


def check_cost(net: Network, X, y, answer, loss="half_squared_error", *, rtol=RTOL, atol=ATOL,
               show_solution: bool = False) -> CheckResult:
    """The cost J = mean over the batch of each sample's loss (one sample: its loss)."""
    rtol, atol = _tolerances(rtol, atol)
    loss = _loss_rule(loss, "gradient")
    X, Y = net.check(X, y)
    ans = _answer(answer, ())
    net.check_weights()
    a = net._forward(X).output
    per = loss.per_sample(a, Y)
    m = X.shape[0]
    expected = float(np.mean(per))
    t = trace_step(net, X, Y, 0.1, loss)
    text = "\n".join(s.text for s in t.steps if s.kind == "loss")
    cands = [("sum_not_mean", float(np.sum(per)), f"You added the {m} losses. The cost of a batch is "
              f"their mean: divide by the number of samples, {m}. A mean keeps the cost (and the step "
              "size) independent of the batch size.")]
    if isinstance(loss, HalfSquaredError):
        cands += [
            ("missing_half", 2 * expected, "You left out the 1/2: this loss is 1/2*(a - y)^2. The 1/2 "
             "cancels the 2 of the derivative, so dL/da = a - y."),
            ("error_not_loss", float(np.mean(np.sum(Y - a, axis=1))), "That is the mean of y - a, a "
             "signed error: positive and negative errors cancel. A loss squares it, so it is never negative."),
            ("error_not_loss", float(np.mean(np.sum(a - Y, axis=1))), "That is the mean of a - y, a "
             "signed error: positive and negative errors cancel. A loss squares it, so it is never negative."),
            ("missing_half", 2 * float(np.sum(per)), "You summed instead of averaging and left out the 1/2."),
        ]
    else:
        cands.append(("sign", -expected, "Cross-entropy has a minus sign in front: the log of a "
                      "probability is negative, the loss is positive."))
    question = ("J" if m > 1 else "L", f"{loss.name}, {m} sample{'s' if m > 1 else ''}")
    general = f"Compute each sample's loss L = {loss.formula}, then average them over the batch."
    return _judge(question, ans, expected, cands, general, text, rtol, atol, show_solution, False)


def check_delta(net: Network, x, y, unit: str, answer, loss="half_squared_error", rule: str = "gradient",
                lr: float | None = None, *, rtol=RTOL, atol=ATOL, show_solution: bool = False) -> CheckResult:
    """delta = dL/dz of ``unit`` for one sample (x, y), before any weight changes.

    Pass ``lr`` to let the checker also recognise deltas computed with weights already
    updated in the same step.
    """
    rtol, atol = _tolerances(rtol, atol)
    loss = _loss_rule(loss, rule)
    X, Y = _one_sample(net, x, y)
    if Y is None:
        raise ValueError("check_delta needs the target y of the sample")
    layer, j = _unit(net, unit)
    lr_ = check_lr(lr) if lr is not None else None
    ans = _answer(answer, ())
    net.check_weights()
    fwd = net._forward(X)
    l = layer - 1
    L = net.n_layers
    delta = net.backward(fwd, Y, loss, rule)
    expected = delta[l][0, j]
    t = trace_step(net, X, Y, lr_ or 0.1, loss, rule)
    text = t.find("delta", unit).text
    act = net.acts[l]
    nxt = "the next layer"
    if l < L - 1:
        nxt = ", ".join(net.dest_name(l + 1, k) for k in range(net.sizes[layer + 1]))
    cands = [("sign", -expected, _sign_hint(rule))]
    if rule == "gradient":
        if l == L - 1:
            hint = (f"You left out f'(z({unit})). The delta is dL/dz = dL/da * f'(z): with the "
                    f"{act.symbol} activation that factor is {fmt(float(act.df(fwd.z[l][0, j])))} here.")
        else:
            hint = (f"You left out f'(z({unit})): the delta of a hidden unit is f'(z) times the sum over its "
                    f"outgoing links of weight * delta downstream. With {act.symbol}, "
                    f"f'(z({unit})) = {fmt(float(act.df(fwd.z[l][0, j])))} here.")
        cands.append(("missing_derivative", _backward_variant(net, fwd, Y, loss, rule, skip_df={l})[l][0, j], hint))
        cands.append(("missing_derivative", _backward_variant(net, fwd, Y, loss, rule, skip_df=set(range(L)))[l][0, j],
                      "You left out the activation's derivative f'(z): it belongs in every delta, "
                      "at the output and at each hidden layer on the way back."))
        if l < L - 1:
            cands.append(("missing_derivative",
                          _backward_variant(net, fwd, Y, loss, rule, skip_df=set(range(l + 1, L)))[l][0, j],
                          f"Check the deltas of {nxt} first: f'(z) is missing there, and the error carries "
                          f"back to {unit}."))
    if l < L - 1 and lr_ is not None:
        cands.append(("updated_weights", _backward_variant(net, fwd, Y, loss, rule, lr=lr_)[l][0, j],
                      f"You used the weights out of {unit} after updating them. Every delta of this step is "
                      "computed with the old weights, the ones used in the forward pass; update the weights "
                      "only once all deltas are known."))
    if rule == "gradient" and l == L - 1:
        general = (f"At the output, delta = dL/da * f'(z); for half squared error dL/da = a - y. "
                   f"Start from the forward pass value of {unit}.")
    elif l == L - 1:
        general = f"Under the article's rule the output delta is simply y - a for {unit}."
    else:
        general = (f"A hidden unit's delta is f'(z({unit})) times the sum over its outgoing links of "
                   f"(weight of the link) * (delta at its end: {nxt}). Compute those deltas first.")
    question = (f"δ({unit})", f"x = {_vec(X)}, y = {_vec(Y)}")
    return _judge(question, ans, expected, cands, general, text, rtol, atol, show_solution)


def _gradient_candidates(net, X, Y, loss, rule, l, i, j, lr_):
    """(expected gradient, [(key, value, hint)]) for W[l][i, j] on the batch (X, Y)."""
    fwd = net._forward(X)
    L = net.n_layers
    m = X.shape[0]
    delta = net.backward(fwd, Y, loss, rule)
    g = _grad_from(net, fwd, delta, l, i, j)
    src, dst = net.unit_name(l, i), net.dest_name(l, j)
    cands = [("sign", -g, _sign_hint(rule))]
    if m > 1:
        cands.append(("sum_not_mean", _grad_from(net, fwd, delta, l, i, j, reduce="sum"),
                      f"You added the {m} samples' products. The gradient of the cost (a mean) is the "
                      f"mean of the per-sample gradients: divide by {m}."))
    # Source and destination swapped: the activation at the link's end, not its start.
    a_dst = fwd.a[l + 1][:, j]
    cands.append(("swapped", float(np.mean(a_dst * delta[l][:, j])),
                  f"You used the activation of {dst}, the link's destination. The gradient of a weight "
                  f"is (activation at its source, {src}) * (delta at its destination, {dst})."))
    if l > 0 and i > 0:
        cands.append(("swapped", float(np.mean(a_dst * delta[l - 1][:, i - 1])),
                      f"Source and destination are swapped: use the activation of the source {src} "
                      f"and the delta of the destination {dst}, not the other way round."))
    cands.append(("pre_activation", _grad_from(net, fwd, delta, l, i, j, src="z"),
                  f"You used z({src}), the value before the activation. The link carries the activation "
                  f"of {src}, so that is the factor."))
    if rule == "gradient":
        cands.append(("missing_derivative",
                      _grad_from(net, fwd, _backward_variant(net, fwd, Y, loss, rule, skip_df={l}), l, i, j),
                      f"The delta of {dst} is missing its factor f'(z({dst})) "
                      f"({net.acts[l].symbol} activation)."))
        cands.append(("missing_derivative",
                      _grad_from(net, fwd, _backward_variant(net, fwd, Y, loss, rule, skip_df=set(range(l, L))), l, i, j),
                      "Your deltas are missing the activation's derivative f'(z): it belongs in every "
                      "delta, at the output and at each hidden layer."))
    if l < L - 1 and lr_ is not None:
        cands.append(("updated_weights",
                      _grad_from(net, fwd, _backward_variant(net, fwd, Y, loss, rule, lr=lr_), l, i, j),
                      f"The delta of {dst} was computed with weights already updated in this step. "
                      "Compute every delta with the old weights first, then update all weights."))
    return g, cands, fwd, delta


def check_gradient(net: Network, X, y, weight_name: str, answer, loss="half_squared_error",
                   rule: str = "gradient", lr: float | None = None, *, rtol=RTOL, atol=ATOL,
                   show_solution: bool = False) -> CheckResult:
    """dJ/dw for the weight ``weight_name`` on the batch (X, y): mean of a_src * delta_dst.

    Pass ``lr`` to let the checker also recognise deltas computed with updated weights.
    """
    rtol, atol = _tolerances(rtol, atol)
    loss = _loss_rule(loss, rule)
    X, Y = net.check(X, y)
    if Y is None:
        raise ValueError("check_gradient needs the targets y")
    l, i, j = _weight(net, weight_name)
    lr_ = check_lr(lr) if lr is not None else None
    ans = _answer(answer, ())
    net.check_weights()
    g, cands, _, _ = _gradient_candidates(net, X, Y, loss, rule, l, i, j, lr_)
    t = trace_step(net, X, Y, lr_ or 0.1, loss, rule)
    text = t.find("gradient", weight_name).text
    src, dst = net.unit_name(l, i), net.dest_name(l, j)
    general = (f"The gradient of {weight_name} is the mean over the batch of (activation of {src}) * "
               f"(delta of {dst}). Find the delta of {dst} first.")
    m = X.shape[0]
    question = (f"g({weight_name})", f"{m} sample{'s' if m > 1 else ''}")
    return _judge(question, ans, g, cands, general, text, rtol, atol, show_solution)


def check_update(net: Network, X, y, weight_name: str, answer, lr: float, loss="half_squared_error",
                 rule: str = "gradient", *, rtol=RTOL, atol=ATOL, show_solution: bool = False) -> CheckResult:
    """The new value of ``weight_name`` after one step w := w - lr * dJ/dw on the batch (X, y)."""
    rtol, atol = _tolerances(rtol, atol)
    loss = _loss_rule(loss, rule)
    X, Y = net.check(X, y)
    if Y is None:
        raise ValueError("check_update needs the targets y")
    l, i, j = _weight(net, weight_name)
    lr = check_lr(lr)
    ans = _answer(answer, ())
    net.check_weights()
    g, gcands, _, _ = _gradient_candidates(net, X, Y, loss, rule, l, i, j, lr)
    w = float(net.W[l][i, j])
    expected = w - lr * g
    # Slips in the update itself first, then the gradient's mistakes carried into it.
    cands = [("sign", w + lr * g, _sign_hint(rule) if rule == "article" else
              "You moved the weight the wrong way. Either a delta was computed as y - a where a - y "
              "belongs, or the step was added: gradient descent subtracts, "
              "w := w - lr*g, because the gradient points uphill."),
             ("missing_lr", w - g, f"You subtracted the whole gradient. The step is lr*g, with lr = {fmt(lr)}."),
             ("change_not_weight", -lr * g, f"That is the change -lr*g. The new weight is the old one, "
              f"{fmt(w)}, plus that change."),
             ("change_not_weight", lr * g, f"That is lr*g. The new weight is the old one, {fmt(w)}, minus it.")]
    cands += [(k, None if v is None else w - lr * v, h) for k, v, h in gcands if k != "sign"]
    t = trace_step(net, X, Y, lr, loss, rule)
    text = t.find("gradient", weight_name).text + "\n" + t.find("update", weight_name).text
    general = f"New weight = old weight - lr * gradient, with the gradient of {weight_name} from this batch."
    question = (f"new w({weight_name})", f"lr = {fmt(lr)}, {X.shape[0]} sample{'s' if X.shape[0] > 1 else ''}")
    # With a small lr the step is tiny next to the weight, and a tolerance relative to the
    # new weight alone would accept a wrong step (e.g. a batch summed instead of averaged):
    # the answer must also get the step itself right to within a quarter of it.
    tol = atol + min(rtol * abs(expected), 0.25 * abs(lr * g))
    return _judge(question, ans, expected, cands, general, text, 0.0, tol, show_solution)


def check_learning_rate(schedule: str, lr0: float, epoch: int, answer, *, drop: float = 0.5, every: int = 10,
                        k: float = 0.1, rtol=RTOL, atol=ATOL, show_solution: bool = False) -> CheckResult:
    """The learning rate at ``epoch`` (0-based) of a decay ``schedule``: "step" or "exponential".

    step: lr0 * drop^floor(epoch / every);  exponential: lr0 * e^(-k * epoch).
    """
    from .optimizers import exponential_decay, step_decay

    rtol, atol = _tolerances(rtol, atol)
    lr0 = check_lr(lr0)
    if isinstance(epoch, bool) or not isinstance(epoch, (int, np.integer)) or epoch < 0:
        raise ValueError(f"epoch must be a whole number >= 0, got {epoch!r}")
    ans = _answer(answer, ())
    if schedule == "step":
        expected = step_decay(lr0, epoch, drop, every)
        n = epoch // every
        text = f"lr = lr0 * drop^floor(epoch/every) = {fmt(lr0)} * {fmt(drop)}^{n} = {fmt(expected)}"
        cands = [
            ("off_by_one", lr0 * drop ** (n + 1), f"Epochs count from 0 and the rate drops after every "
             f"{every} epochs: floor({epoch}/{every}) = {n} drops so far."),
            ("off_by_one", lr0 * drop ** max(n - 1, 0), f"floor({epoch}/{every}) = {n} drops so far."),
            ("missing_power", lr0 * drop * n, f"The drops multiply: {fmt(drop)} to the power {n}, not {fmt(drop)} times {n}."),
        ]
        general = "lr = lr0 * drop^(number of completed periods), with floor(epoch/every) periods."
    elif schedule == "exponential":
        expected = exponential_decay(lr0, epoch, k)
        text = f"lr = lr0 * e^(-k*epoch) = {fmt(lr0)} * e^(-{fmt(k)}*{epoch}) = {fmt(expected)}"
        cands = [
            ("sign", lr0 * np.exp(k * epoch), "The exponent is negative: the rate shrinks, e^(-k*epoch)."),
            ("off_by_one", lr0 * np.exp(-k * (epoch + 1)), "Epochs count from 0: at epoch 0 the rate is lr0."),
        ]
        general = "lr = lr0 * e^(-k*epoch); np.exp computes e^x."
    else:
        raise ValueError(f"unknown schedule {schedule!r}; expected 'step' or 'exponential'")
    question = (f"lr at epoch {epoch}", f"{schedule} decay from {fmt(lr0)}")
    return _judge(question, ans, expected, cands, general, text, rtol, atol, show_solution, False)
