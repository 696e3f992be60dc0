"""Code checkers: run a learner's own backpropagation code and name the bug in it.

A learner writes a function for one of the ``TASKS`` below (the forward pass, the gradient
of one neuron's cost, the output delta, the hidden deltas, the gradients, the update, one
whole training step) or a scalar autograd ``Value`` class. ``check_code(task, fn)`` runs it
on a fixed, seeded battery of networks (``battery()``: the worked example of
``bpnet.xor_example`` and random networks
with sigmoid, tanh, ReLU and leaky ReLU units, 1 to 3 hidden layers, batches of 1 and 4
samples and every loss of ``bpnet.core.losses.LOSSES``), and compares every number it
returns with bpnet's own (``bpnet.core.network.Backprop``) and with what every mistake of
the catalogue (``bpnet.explain.mistakes``) gives on the same networks.

    >>> from bpnet.teach.code_checks import TASKS, check_code
    >>> print(TASKS["output_delta"].signature)          # the learner's cell starts from TASKS[...].starter
    def output_delta(z, a, y, dL_da, df):
    >>> def output_delta(z, a, y, dL_da, df):
    ...     return dL_da(a[-1], y) * df[-1](a[-1])        # f' taken at a
    >>> result = check_code("output_delta", output_delta)
    >>> print(result)                                     # doctest: +ELLIPSIS
    ✗ The output delta: δ(D0) on network 2, sample 1: yours 0.0714182, expected 0.0759566
    Your function reproduces a known mistake: f'(a) used where f'(z) belongs, only where the output units are...
    >>> result.mistake
    'derivative_of_a'
    >>> print(result.hint())                              # doctest: +ELLIPSIS
    Hint 1 of 3 (the idea): Look for this slip in your code: f'(a) used where f'(z) belongs. ...

``result.hint()`` again gives the formula, then the numbers; ``result.solution()`` a solution.

The public API
--------------
``TASKS``: {name: Task}, in the order a course meets them. A ``Task`` has ``name``,
``title``, ``signature`` (the ``def`` line), ``docstring``, ``starter`` (signature,
docstring and ``...``: the learner's starting cell) and ``solution`` (reference code).

``check_code(task, fn) -> CodeResult``: ``task`` a name of ``TASKS`` (or a Task), ``fn``
the learner's function (the autograd task: their ``Value`` class). Never raises for a
fault of ``fn``: an exception inside it is reported with the learner's own line.
``CodeResult``: truthy exactly when correct; ``.correct``; ``.mistake`` (None, a key of
``bpnet.explain.mistakes.CATALOGUE``, or a code-level key of ``SLIPS``); ``.where`` (which
networks show it, e.g. "only where f' ≠ 1"); ``.message`` (the first differing number by
name, e.g. "δ(Z2) on network 3, sample 2: yours 0.0123, expected 0.0119"); ``.hint()``
(the next of up to three hint levels each call: the idea, the formula, the numbers);
``.hints`` (all levels); ``.note`` (more to say: a mistake seen on some networks only, a
float32 precision); ``.solution()``; ``_repr_markdown_``/``_repr_html_`` and ``repr`` start
with ✓ or ✗. The same function always gets the same result.

The tasks (shape convention of ``bpnet.core.network``; the names of the notation card)
--------------------------------------------------------------------------------------
Layers are numbered l = 0 (the input) .. K (the output), and every per-layer list is
indexed by it, entry 0 unused (None) where the input layer has none:

* ``W[l]``, l = 0 .. K-1: shape (n_l + 1, n_{l+1}); row 0 holds the biases, row i the
  weights out of unit i, column j the weights into unit j of layer l + 1.
* Samples are rows: ``X`` is (m, n_0), ``y`` (m, n_K); ``z[l]``, ``a[l]``, ``delta[l]`` are
  (m, n_l) for l = 1 .. K; ``a[0] = X``; ``z[0] = delta[0] = None``.
* ``f[l]``, ``df[l]``: the activation of layer l and its derivative, functions of z
  (elementwise; ``f[0] = df[0] = None``). ``dL_da(a, y)``: dL/da of one sample's loss,
  elementwise, shaped like a. ``lr``: the learning rate. ``grad_W[l]`` is shaped like W[l].

``forward(W, X, f) -> (z, a)``                  z[l] = a[l-1] @ W[l-1][1:] + W[l-1][0], a[l] = f[l](z[l])
``cost_gradient(w, b, x, y) -> (dJ_dw, dJ_db)``  the neuron a = w*x + b, J = mean of 1/2 (a - y)^2
                                                (x, y: m numbers each; run on ``neuron_battery()``)
``output_delta(z, a, y, dL_da, df) -> delta_K`` delta[K] = dL_da(a[K], y) * df[K](z[K])
``backward(W, z, a, delta_K, df) -> delta``      delta[l] = (delta[l+1] @ W[l][1:].T) * df[l](z[l])
``gradients(z, a, delta) -> grad_W``            grad_W[l] = [mean(delta[l+1]); a[l].T @ delta[l+1] / m]
``update(W, grad_W, lr) -> W``                  W[l] - lr * grad_W[l] (W may be changed in place)
``train_step(W, X, y, f, df, dL_da, lr) -> W``  all of the above, once
``autograd``: a class ``Value(data)`` with ``.data``, ``.grad``, ``+``, ``*``, ``.tanh()`` and
``.backward()`` (micrograd's names: ``_prev``, the Values it was made from, and ``_backward``,
the closure that passes its grad on; ``backward()`` zeroes every grad of the graph first).

Output activations are elementwise (no softmax), so that f' is a function of z.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import html
import inspect
import io
import linecache
import math
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from ..core.losses import LOSSES, get_loss
from ..core.network import Backprop, Forward, Network
from ..core.notation import PALETTE, fmt, markdown_escape
from ..explain.autograd import Value as _BpValue
from ..explain.mistakes import CATALOGUE, Learner, Question
from ..explain.trace import trace_step
from .examples import xor_example

__all__ = ["TASKS", "Task", "CodeResult", "Hint", "CodeSolution", "Case", "SLIPS", "battery", "neuron_battery",
           "check_code", "RTOL", "RTOL_SINGLE"]

#: Agreement asked of a float64 result: |yours - expected| <= RTOL * (|expected| + the largest
#: |number| of that array). Floating-point noise of a different order of the same arithmetic is
#: about 1e-16 of it; any slip moves a number by far more.
RTOL = 1e-9
#: The same for a result computed in single precision (float32): its own rounding, about 1e-7.
RTOL_SINGLE = 2e-5

#: Code-level slips the checker names, with one line each.
SLIPS = {
    "unwritten": "not written yet: the body still raises NotImplementedError",
    "exception": "your code raised an exception",
    "wrong_signature": "the function does not take the task's arguments",
    "wrong_type": "the function returned something of the wrong kind",
    "wrong_length": "a list with the wrong number of layers",
    "wrong_shape": "a result of the wrong shape",
    "transposed": "a result transposed",
    "not_finite": "a NaN or an infinity in the result",
    "mutated_input": "an input changed by the function",
    "nondeterministic": "different results for the same input",
    "missing_zero_grad": "gradients not zeroed between calls of backward",
    "no_topological_order": "a node's backward run before all its users' (no topological order)",
    "overwritten_grad": "= where += belongs at a fork: a gradient overwritten, not accumulated",
    "tanh_from_z": "tanh' computed from z (1 - z²) instead of from t = tanh(z) (1 - t²)",
    "general": "no known mistake matches",
}


# ----- the tasks ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Task:
    """One thing a learner writes: its ``signature`` (the def line), ``docstring`` and reference ``solution``."""

    name: str
    title: str
    signature: str
    docstring: str
    solution: str
    idea: str  # hint level 1 when nothing more specific is known
    formula: str  # hint level 2

    @property
    def starter(self) -> str:
        """The learner's starting cell: the signature, the docstring, and ``...`` for the body."""
        doc = "\n".join(("    " + line) if line else "" for line in self.docstring.splitlines())
        body = "    ..." if self.name != "autograd" else ""
        return f'{self.signature}\n    """{doc.lstrip()}\n    """\n{body}'.rstrip() + "\n"

    def _repr_markdown_(self) -> str:
        return f"**{self.title}**\n\n```python\n{self.starter}```"

    def __repr__(self) -> str:
        return self.starter


_SHAPES = """W[l] is (n_l + 1, n_{l+1}): row 0 the biases, rows 1.. the weights out of each unit.
Samples are rows. Lists are indexed by layer, 0 (input) .. K (output); entry 0 is None
where the input layer has none."""

_TASKS = [
    Task(
        "forward", "The forward pass",
        "def forward(W, X, f):",
        f"""The forward pass of a batch: every layer's pre-activation z and activation a.

W: list of K weight arrays. {_SHAPES}
X: (m, n_0) inputs, one sample per row.
f: list of K + 1 activation functions, f[l] for layer l (f[0] is None).
Returns (z, a): two lists of K + 1 arrays, z[0] = None and a[0] = X; for l = 1 .. K
    z[l] = a[l-1] @ W[l-1][1:] + W[l-1][0]   shape (m, n_l)
    a[l] = f[l](z[l])""",
        """def forward(W, X, f):
    z, a = [None], [X]
    for l in range(1, len(W) + 1):
        z.append(a[l - 1] @ W[l - 1][1:] + W[l - 1][0])
        a.append(f[l](z[l]))
    return z, a
""",
        "Each layer takes the previous layer's activations, forms a weighted sum with the bias, "
        "then applies its activation function. Keep every z and every a: the backward pass needs them.",
        "z[l] = a[l-1] @ W[l-1][1:] + W[l-1][0]  (row 0 of W is the bias)\na[l] = f[l](z[l])",
    ),
    Task(
        "cost_gradient", "The gradient of the cost of one neuron",
        "def cost_gradient(w, b, x, y):",
        """The gradient of the cost J of the neuron a = w*x + b (one input, the identity activation).

J is the mean over the m samples of the half squared error L = 1/2 * (a - y)**2.
w, b: numbers, the weight and the bias.
x, y: arrays of m inputs and m targets, one per sample.
Returns (dJ_dw, dJ_db), two numbers: the mean over the samples of (a - y)*x, and of (a - y).""",
        """def cost_gradient(w, b, x, y):
    a = w * x + b
    return np.mean((a - y) * x), np.mean(a - y)
""",
        "The chain rule: L depends on w through a = w*x + b, so dL/dw = dL/da * da/dw. The cost is the mean of "
        "the losses, so its gradient is the mean of theirs.",
        "dL/da = a - y for L = 1/2 * (a - y)**2;  da/dw = x,  da/db = 1\n"
        "dJ/dw = mean of (a - y)*x;  dJ/db = mean of (a - y)",
    ),
    Task(
        "output_delta", "The output delta",
        "def output_delta(z, a, y, dL_da, df):",
        f"""delta[L] = dL/dz of the output layer, for every sample.

z, a: lists of K + 1 arrays from the forward pass (z[0] = None, a[0] = X); the output
    layer's are z[K] and a[K], shape (m, n_K).
y: (m, n_K) targets, one sample per row.
dL_da: dL_da(a, y) is dL/da of one sample's loss, elementwise, shaped like a.
df: list of K + 1 derivative functions, df[l](z) = f'(z) of layer l.
Returns delta[K], shape (m, n_K): dL/da * f'(z) at the output.""",
        """def output_delta(z, a, y, dL_da, df):
    K = len(a) - 1
    return dL_da(a[K], y) * df[K](z[K])
""",
        "The output delta is how one sample's loss changes with the output unit's pre-activation z: "
        "the chain rule through a = f(z) gives two factors, one from the loss and one from the activation.",
        "delta[K] = dL_da(a[K], y) * df[K](z[K])   (elementwise; f' at z, not at a)",
    ),
    Task(
        "backward", "The hidden deltas: a backward pass over all layers",
        "def backward(W, z, a, delta_K, df):",
        f"""Every layer's delta, from the output's back to the first hidden layer's.

W: list of K weight arrays (the weights of the forward pass). {_SHAPES}
z, a: lists of K + 1 arrays from the forward pass.
delta_K: (m, n_K) the output delta.
df: list of K + 1 derivative functions, df[l](z) = f'(z) of layer l.
Returns delta: a list of K + 1 arrays, delta[0] = None, delta[K] = delta_K, and for
    l = K-1 .. 1:  delta[l] = (delta[l+1] @ W[l][1:].T) * df[l](z[l])   shape (m, n_l)""",
        """def backward(W, z, a, delta_K, df):
    K = len(W)
    delta = [None] * (K + 1)
    delta[K] = delta_K
    for l in range(K - 1, 0, -1):
        delta[l] = (delta[l + 1] @ W[l][1:].T) * df[l](z[l])
    return delta
""",
        "A hidden unit's delta collects the deltas of the units it feeds, each through the weight of its "
        "link, and multiplies the sum by its own slope f'(z). The bias row carries nothing back: the bias "
        "unit has no inputs.",
        "delta[l] = (delta[l+1] @ W[l][1:].T) * df[l](z[l])   for l = K-1 down to 1",
    ),
    Task(
        "gradients", "The gradients",
        "def gradients(z, a, delta):",
        f"""The gradient of the cost J (the mean of the samples' losses) for every weight.

z, a: lists of K + 1 arrays from the forward pass (a[0] = X).
delta: list of K + 1 arrays, delta[l] = dL/dz[l] per sample (delta[0] = None).
Returns grad_W: a list of K arrays, grad_W[l] shaped like W[l], (n_l + 1, n_{{l+1}}):
    row 0 (the bias unit, activation 1): the mean over the samples of delta[l+1]
    rows 1..: a[l].T @ delta[l+1] / m   (source activation times destination delta, averaged)""",
        """def gradients(z, a, delta):
    m = a[0].shape[0]
    K = len(a) - 1
    return [np.vstack([delta[l + 1].mean(axis=0), a[l].T @ delta[l + 1] / m]) for l in range(K)]
""",
        "The gradient of a weight is the activation at the link's source times the delta at its "
        "destination, averaged over the batch. The bias unit's activation is 1.",
        "grad_W[l][0] = mean over samples of delta[l+1]\ngrad_W[l][1:] = a[l].T @ delta[l+1] / m",
    ),
    Task(
        "update", "The update",
        "def update(W, grad_W, lr):",
        f"""One step of gradient descent on every weight.

W: list of K weight arrays. {_SHAPES}
grad_W: list of K gradient arrays, shaped like W.
lr: the learning rate.
Returns the list of the K new weight arrays, W[l] - lr * grad_W[l]
    (changing W in place and returning it is fine).""",
        """def update(W, grad_W, lr):
    return [w - lr * g for w, g in zip(W, grad_W)]
""",
        "Gradient descent moves every weight a small step against its gradient, the direction in which "
        "the cost falls fastest.",
        "W[l] := W[l] - lr * grad_W[l]",
    ),
    Task(
        "train_step", "One whole training step",
        "def train_step(W, X, y, f, df, dL_da, lr):",
        f"""One update of every weight from the batch (X, y): forward pass, deltas, gradients, update.

W: list of K weight arrays. {_SHAPES}
X: (m, n_0) inputs; y: (m, n_K) targets; one sample per row.
f, df: lists of K + 1 functions: f[l] the activation of layer l, df[l] its derivative (of z).
dL_da: dL_da(a, y) is dL/da of one sample's loss, elementwise.
lr: the learning rate.
Returns the list of the K new weight arrays (changing W in place and returning it is fine).
Every delta is computed with the weights of the forward pass: update only at the end.""",
        """def train_step(W, X, y, f, df, dL_da, lr):
    K = len(W)
    z, a = [None], [X]
    for l in range(1, K + 1):
        z.append(a[l - 1] @ W[l - 1][1:] + W[l - 1][0])
        a.append(f[l](z[l]))
    delta = [None] * (K + 1)
    delta[K] = dL_da(a[K], y) * df[K](z[K])
    for l in range(K - 1, 0, -1):
        delta[l] = (delta[l + 1] @ W[l][1:].T) * df[l](z[l])
    m = X.shape[0]
    grad_W = [np.vstack([delta[l + 1].mean(axis=0), a[l].T @ delta[l + 1] / m]) for l in range(K)]
    return [w - lr * g for w, g in zip(W, grad_W)]
""",
        "A training step is the forward pass (keep every z and a), the output delta, the hidden deltas "
        "back to the first layer, the gradients, and only then the update of every weight.",
        "z[l] = a[l-1] @ W[l-1][1:] + W[l-1][0];  a[l] = f[l](z[l])\n"
        "delta[K] = dL_da(a[K], y) * df[K](z[K]);  delta[l] = (delta[l+1] @ W[l][1:].T) * df[l](z[l])\n"
        "grad_W[l] = [mean(delta[l+1]); a[l].T @ delta[l+1] / m];  W[l] := W[l] - lr * grad_W[l]",
    ),
    Task(
        "autograd", "A scalar autograd: Value.backward",
        "class Value:",
        """One number in a computation graph, with the gradient the backward pass gives it.

Value(data): data a float; .grad starts at 0. Write:
  __add__(self, other), __mul__(self, other): a new Value made from (self, other);
  tanh(self): a new Value t = tanh(self.data);
  backward(self): set every .grad of the graph to dL/d(that Value), L = self.
Use micrograd's names: ._prev holds the Values a Value was made from and ._backward is
the function that passes its .grad on to them (the chain rule for one node).
backward() first zeroes the grad of every Value of the graph, sets self.grad = 1, then
calls each node's _backward in reverse topological order (a node after every node that
uses it). A Value used twice (a fork) receives the sum of both contributions: +=.""",
        '''class Value:
    def __init__(self, data, _prev=()):
        self.data, self.grad = float(data), 0.0
        self._prev = tuple(_prev)
        self._backward = lambda: None

    def __add__(self, other):
        out = Value(self.data + other.data, (self, other))
        def _backward():
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        out = Value(self.data * other.data, (self, other))
        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def tanh(self):
        t = math.tanh(self.data)
        out = Value(t, (self,))
        def _backward():
            self.grad += (1 - t ** 2) * out.grad
        out._backward = _backward
        return out

    def backward(self):
        order, seen = [], set()
        def visit(v):
            if id(v) not in seen:
                seen.add(id(v))
                for p in v._prev:
                    visit(p)
                order.append(v)
        visit(self)
        for v in order:
            v.grad = 0.0
        self.grad = 1.0
        for v in reversed(order):
            v._backward()
''',
        "The backward pass applies the chain rule node by node from the output back. A node may pass its "
        "gradient on only once every node that uses it has added its share, and a node used twice gets "
        "the sum of both shares.",
        "For out = a + b: a.grad += out.grad, b.grad += out.grad\n"
        "For out = a * b: a.grad += b.data * out.grad, b.grad += a.data * out.grad\n"
        "For t = tanh(a): a.grad += (1 - t**2) * out.grad\n"
        "Order: a topological sort of the graph, walked from the output backwards.",
    ),
]

#: The tasks by name, in the order a course meets them.
TASKS: dict[str, Task] = {t.name: t for t in _TASKS}


# ----- the battery of networks ------------------------------------------------------------------
@dataclass(frozen=True)
class Case:
    """One network of the battery, with its batch, loss and learning rate. ``number`` counts from 1."""

    number: int
    net: Network
    X: np.ndarray
    y: np.ndarray
    loss: object
    lr: float
    description: str

    @property
    def L(self) -> int:
        return self.net.n_layers

    @property
    def m(self) -> int:
        return self.X.shape[0]

    @property
    def identity_only(self) -> bool:
        """Every unit has f' = 1 (the worked example): a forgotten f' changes nothing here."""
        return all(a.name == "identity" for a in self.net.acts)


# (sizes, activations of layers 1..L, loss, batch size m); a seed per line.
_SPECS = [
    ([2, 3, 1], ["sigmoid", "sigmoid"], "half_squared_error", 4),
    ([3, 4, 2], ["tanh", "identity"], "half_squared_error", 1),
    ([2, 3, 2, 1], ["relu", "tanh", "sigmoid"], "binary_cross_entropy", 4),
    ([2, 4, 3, 2], ["leaky_relu", "sigmoid", "sigmoid"], "categorical_cross_entropy", 4),
    ([3, 2, 3, 2, 1], ["tanh", "relu", "sigmoid", "identity"], "absolute_error", 4),
    ([2, 3, 1], ["relu", "identity"], "huber", 1),
    ([2, 3, 2], ["leaky_relu", "tanh"], "half_squared_error", 4),
    ([3, 3, 4, 2], ["sigmoid", "tanh", "sigmoid"], "binary_cross_entropy", 1),
    ([2, 4, 2, 3, 2], ["leaky_relu", "tanh", "relu", "sigmoid"], "categorical_cross_entropy", 1),
    ([2, 3, 2], ["tanh", "sigmoid"], "huber", 4),
    ([3, 2, 4, 1], ["relu", "leaky_relu", "identity"], "half_squared_error", 4),
    ([2, 2, 3, 3, 1], ["sigmoid", "leaky_relu", "tanh", "tanh"], "absolute_error", 1),
    ([2, 3, 4, 2], ["tanh", "tanh", "identity"], "huber", 4),
    ([3, 4, 1], ["sigmoid", "sigmoid"], "binary_cross_entropy", 4),
    ([2, 3, 3, 3, 2], ["relu", "sigmoid", "leaky_relu", "sigmoid"], "half_squared_error", 4),
]
_LR = 0.3
_RECTIFIERS = ("relu", "leaky_relu")


def _random_case(number: int, sizes, acts, loss_name: str, m: int) -> Case:
    """A seeded random network whose numbers show every slip: biases not 0, no unit at a kink,
    rectifier layers with units on both sides of 0, outputs away from their targets."""
    loss = get_loss(loss_name)
    for attempt in range(1000):
        rng = np.random.default_rng([number, attempt])
        W = [rng.uniform(-1.2, 1.2, size=(n + 1, k)) for n, k in zip(sizes[:-1], sizes[1:])]
        for w in W:  # no weight so small that leaving it out changes nothing visible
            w[np.abs(w) < 0.1] += 0.2
        net = Network(W, acts)
        X = rng.normal(0.0, 1.0, size=(m, sizes[0]))
        n_out = sizes[-1]
        if loss.name == "binary_cross_entropy":
            y = rng.integers(0, 2, size=(m, n_out)).astype(float)
        elif loss.name == "categorical_cross_entropy":
            y = np.eye(n_out)[rng.integers(0, n_out, size=m)]
        elif acts[-1] == "sigmoid":
            y = rng.uniform(0.05, 0.95, size=(m, n_out))
        else:
            y = rng.uniform(-1.0, 1.0, size=(m, n_out))
        fwd = Backprop(net, loss).forward(X)
        ok = True
        for act, z in zip(net.acts, fwd.z):
            if act.name in _RECTIFIERS:
                positive = float(np.mean(z > 0))
                ok &= bool(np.all(np.abs(z) > 0.05)) and 0.25 <= positive <= 0.75
            elif act.name in ("sigmoid", "tanh"):
                ok &= bool(np.all(np.abs(z) < 2.5))  # not saturated: f' well away from 0
        a = fwd.a[-1]
        ok &= bool(np.all(np.abs(a - y) > 0.05))  # no output on its target (|a - y| has a kink there)
        if loss.name == "huber":
            ok &= bool(np.all(np.abs(a - y) < 0.9))  # inside Huber's quadratic part: f' shows
        if ok:
            hidden = len(sizes) - 2
            text = (f"{'-'.join(map(str, sizes))}, {'/'.join(acts[:-1])} hidden, {acts[-1]} output, "
                    f"{loss.name.replace('_', ' ')}, {m} sample{'s' if m > 1 else ''}")
            return Case(number, net, X, y, loss, _LR, text)
    raise RuntimeError(f"no usable network for battery entry {number}")  # not reached: tested


@functools.lru_cache(maxsize=1)
def neuron_battery() -> tuple[Case, ...]:
    """The cost_gradient task's cases: one identity neuron a = w*x + b, half squared error, 1 to 5 samples."""
    cases = []
    for k, m in enumerate((1, 4, 5, 1, 4, 3)):
        rng = np.random.default_rng([23, 3, k])
        w, b = (float(np.round(v, 2)) for v in rng.uniform(0.3, 1.5, size=2) * rng.choice([-1, 1], size=2))
        x = np.round(rng.uniform(-1.0, 1.0, size=(m, 1)), 2)
        y = np.round(2.0 * x + 1.0 + rng.normal(0.0, 0.3, size=(m, 1)), 2)
        net = Network([np.array([[b], [w]])], "identity")
        cases.append(Case(k + 1, net, x, y, get_loss("half_squared_error"), _LR,
                          f"w = {fmt(w)}, b = {fmt(b)}, {m} sample{'s' if m > 1 else ''}"))
    return tuple(cases)


def _cases(task: str) -> tuple[Case, ...]:
    return neuron_battery() if task == "cost_gradient" else battery()


@functools.lru_cache(maxsize=1)
def battery() -> tuple[Case, ...]:
    """The networks every function is run on: the worked example, then the seeded random ones."""
    ex = xor_example()
    cases = [Case(1, ex.net, ex.X, ex.y, get_loss(ex.loss), ex.lr,
                  "the worked example: 2-3-1, identity units, every weight 1, half squared error, 4 samples")]
    for k, (sizes, acts, loss, m) in enumerate(_SPECS):
        cases.append(_random_case(k + 2, sizes, acts, loss, m))
    names = {c.loss.name for c in cases}
    assert names >= {cls().name for cls in set(LOSSES.values())}, names  # every loss of bpnet
    return tuple(cases)


# ----- what the learner's function is given, and what bpnet (or a mistake) gives back ------------
class _Probe:
    """The functions handed to the learner (f, df, dL_da): bpnet's own, keeping a float32
    argument float32, and noting whether the learner computes in single precision."""

    def __init__(self):
        self.single = False

    def wrap(self, fn: Callable) -> Callable:
        def call(*args):
            arrays = [np.asarray(x) for x in args]
            single = any(x.dtype.kind == "f" and x.dtype.itemsize < 8 for x in arrays)
            self.single |= single
            arrays = [x.astype(float) if x.dtype.kind not in "f" else x for x in arrays]
            out = fn(*arrays)
            return np.asarray(out).astype(np.float32) if single else out
        call.__name__ = getattr(fn, "__name__", "f")
        return call


def _activation_lists(case: Case, probe: _Probe):
    f = [None] + [probe.wrap(act.f) for act in case.net.acts]
    df = [None] + [probe.wrap(lambda z, act=act: act.df(z)) for act in case.net.acts]
    return f, df


def _inputs(task: str, case: Case, ref: dict, probe: _Probe) -> tuple[list, list[str]]:
    """Fresh copies of the arguments of ``task`` on ``case``, and which of them may be changed in place."""
    W = [w.copy() for w in case.net.W]
    X, y = case.X.copy(), case.y.copy()
    z = [None] + [v.copy() for v in ref["z"]]
    a = [X.copy()] + [v.copy() for v in ref["a"]]
    f, df = _activation_lists(case, probe)
    dL_da = probe.wrap(case.loss.grad)
    if task == "forward":
        return [W, X, f], ["W", "X"]
    if task == "cost_gradient":
        return [float(W[0][1, 0]), float(W[0][0, 0]), X[:, 0].copy(), y[:, 0].copy()], ["w", "b", "x", "y"]
    if task == "output_delta":
        return [z, a, y, dL_da, df], ["z", "a", "y"]
    if task == "backward":
        return [W, z, a, ref["delta"][-1].copy(), df], ["W", "z", "a", "delta_K"]
    if task == "gradients":
        return [z, a, [None] + [d.copy() for d in ref["delta"]]], ["z", "a", "delta"]
    if task == "update":
        return [W, [g.copy() for g in ref["g"]], case.lr], ["W", "grad_W"]
    if task == "train_step":
        return [W, X, y, f, df, dL_da, case.lr], ["W", "X", "y"]
    raise KeyError(task)


#: Arguments a function may change in place (it returns the new weights).
_MAY_CHANGE = {"update": {"W"}, "train_step": {"W"}}


def _pipeline(task: str, lrn: Learner, case: Case, ref: dict | None) -> dict:
    """The outputs of ``task`` computed by ``lrn`` (bpnet's Backprop, or one mistake), given the right inputs."""
    X, y, L = case.X, case.y, case.L
    with np.errstate(all="ignore"):
        if task == "forward":
            fwd = lrn.forward(X.copy())
            return {"z": [v.copy() for v in fwd.z], "a": [v.copy() for v in fwd.a[1:]]}
        fwd0 = Forward([v.copy() for v in ref["z"]], [X.copy()] + [v.copy() for v in ref["a"]])
        if task == "output_delta":
            lrn.fwd = fwd0
            return {"delta": [np.array(lrn.output_delta(fwd0.z[-1], fwd0.a[-1], y))]}
        if task == "backward":
            lrn.fwd = fwd0
            delta = [None] * L
            delta[-1] = ref["delta"][-1].copy()
            for l in range(L - 2, -1, -1):
                delta[l] = np.array(lrn.hidden_delta(l, fwd0.z[l], fwd0.a[l + 1], lrn.backpropagate(l, delta[l + 1])))
            return {"delta": delta}
        if task == "gradients":
            deltas = [d.copy() for d in ref["delta"]]
            return {"g": [np.array(g) for g in lrn.gradients(fwd0, deltas)]}
        if task == "update":
            return {"w": [np.array(lrn.update(l, ref["g"][l].copy(), case.lr)) for l in range(L)]}
        if task == "cost_gradient":
            fwd = lrn.forward(X.copy())
            return {"g": [np.array(lrn.gradients(fwd, lrn.deltas(fwd, y))[0])]}
        if task == "train_step":
            fwd = lrn.forward(X.copy())
            deltas = lrn.deltas(fwd, y)
            grads = [np.array(g) for g in lrn.gradients(fwd, deltas)]
            return {"w": [np.array(lrn.update(l, grads[l], case.lr)) for l in range(L)]}
    raise KeyError(task)


@functools.lru_cache(maxsize=None)
def _reference(case_number: int, bank: str = "networks") -> dict:
    """bpnet's own numbers on one case: z, a, delta (weight-layer indexed), g and the new weights."""
    case = (neuron_battery() if bank == "neuron" else battery())[case_number - 1]
    bp = Learner(case.net, case.loss, "gradient", case.lr, _question(case, 0))
    fwd = bp.forward(case.X.copy())
    deltas = [np.array(d) for d in bp.deltas(fwd, case.y)]
    grads = [np.array(g) for g in bp.gradients(fwd, deltas)]
    new = [w - case.lr * g for w, g in zip(case.net.W, grads)]
    return {"z": [v.copy() for v in fwd.z], "a": [v.copy() for v in fwd.a[1:]], "delta": deltas, "g": grads,
            "w": new}


def _question(case: Case, layer: int) -> Question:
    """The question a catalogue learner is built with: it only fixes the layer a per-place mistake is at."""
    return Question("delta", case.net.dest_name(layer, 0), layer, None, 0)


# Places a slip made at one layer is looked for at (weight-layer index from the layer count L).
_PLACES = {
    "first hidden layer": lambda L: 0,
    "last hidden layer": lambda L: L - 2,
    "output layer": lambda L: L - 1,
}
# How a slip at one layer reads, the layer named.
_AT_PLACE = {
    "missing_derivative_one_layer": "f'(z) left out at the {place} only",
    "derivative_of_a_one_layer": "f'(a) used where f'(z) belongs, at the {place} only",
    "missing_bias_one_layer": "the bias of the {place} left out",
}
# Catalogue entries that answer one kind of number question only (read a z for an a, ...): a
# whole pass is unchanged by them; and missing_bias, the asked unit's layer's bias, which in a
# whole pass is missing_bias_one_layer at that layer.
_NOT_IN_CODE = {"missing_activation", "activation_applied", "missing_bias"}


@dataclass(frozen=True)
class _Candidate:
    key: str
    place: str | None
    explanation: str
    make: Callable[[Case, str], Learner] = field(repr=False)
    twins: tuple = ()  # labels of other mistakes that give the very same numbers in this task

    @property
    def own_label(self) -> str:
        if not self.place:
            return self.explanation
        return _AT_PLACE.get(self.key, "{explanation}, at the {place}").format(explanation=self.explanation,
                                                                               place=self.place)

    @property
    def label(self) -> str:
        if not self.twins:
            return self.own_label
        return f"{self.own_label} (or, with the very same numbers here: {'; '.join(self.twins)})"


def _catalogue_candidates(loss_slips: bool = False) -> list[_Candidate]:
    """Every mistake of the catalogue a function can make, the per-layer ones at each place; with
    ``loss_slips``, the losses' own slips in dL/da too (for a function that writes dL/da itself)."""
    out = []
    for key, m in CATALOGUE.items():
        declared = ":" in key and not (loss_slips and key.startswith("loss:"))
        if m.learner is None or declared or key in _NOT_IN_CODE:
            continue
        cls = m.learner
        if getattr(cls, "per_layer", False):
            for place, where in _PLACES.items():
                out.append(_Candidate(key, place, m.explanation, functools.partial(_make_at, cls, where)))
        else:
            out.append(_Candidate(key, None, m.explanation, functools.partial(_make, cls)))
    return out


@functools.lru_cache(maxsize=None)
def _spelled_out(cls: type) -> type:
    """The mistake as code makes it: the output delta always dL/da * f'(z), never the short a - y
    (a learner's function multiplies by the f' it was given, so an f' slip shows there too)."""
    return type(cls.__name__, (cls,), {"short_form": False})


def _make(cls, case: Case, task: str) -> Learner:
    lr = case.lr if task in ("update", "train_step") else None
    return _spelled_out(cls)(case.net, case.loss, "gradient", lr, _question(case, case.L - 1))


def _make_at(cls, where, case: Case, task: str) -> Learner | None:
    layer = where(case.L)
    if layer < 0:
        return None
    lr = case.lr if task in ("update", "train_step") else None
    return _spelled_out(cls)(case.net, case.loss, "gradient", lr, _question(case, layer), layer)


@functools.lru_cache(maxsize=None)
def _mistake_outputs(task: str) -> tuple:
    """(candidate, per case: its outputs or None) for every mistake that changes ``task``'s numbers
    somewhere in the battery; the first of several giving the same numbers everywhere is kept."""
    cases = _cases(task)
    kept, seen = [], []
    for cand in _catalogue_candidates(loss_slips=task == "cost_gradient"):
        if cand.place and task == "cost_gradient":
            continue  # one layer: a slip at one layer is a slip everywhere
        outs, differs = [], False
        for case in cases:
            ref = _ref(task, case)
            lrn = cand.make(case, task)
            out = None if lrn is None else _pipeline(task, lrn, case, ref)
            if out is not None and all(np.isnan(v).all() for vs in out.values() for v in vs):
                out = None  # the mistake cannot arise on this network (NaN where it is undefined)
            if out is not None and _changes(out, _expected(task, ref)):
                differs = True
            outs.append(out)
        if not differs:
            continue
        twin = next((k for k, other in enumerate(seen) if all(_same(p, q) for p, q in zip(outs, other))), None)
        if twin is not None:
            first, first_outs = kept[twin]
            # Another idea with the same numbers is worth saying (a sign flip or a step added); a
            # narrower place of the same slip is not.
            if cand.place is None and not cand.key.startswith(first.key) and cand.own_label not in first.twins:
                kept[twin] = (dataclasses.replace(first, twins=first.twins + (cand.own_label,)), first_outs)
            continue
        seen.append(outs)
        kept.append((cand, tuple(outs)))
    return tuple(kept)


def _same(p, q) -> bool:
    if p is None or q is None:
        return p is None and q is None
    return all(np.array_equal(x, y, equal_nan=True) for k in p for x, y in zip(p[k], q[k]))


def _expected(task: str, ref: dict) -> dict:
    """bpnet's numbers for ``task``: the parts of the reference its function returns."""
    if task == "forward":
        return {"z": ref["z"], "a": ref["a"]}
    if task == "output_delta":
        return {"delta": [ref["delta"][-1]]}
    if task == "backward":
        return {"delta": ref["delta"]}
    if task in ("gradients", "cost_gradient"):
        return {"g": ref["g"]}
    return {"w": ref["w"]}


def _tolerance(e: np.ndarray, scale: float, single: bool) -> np.ndarray:
    return (RTOL_SINGLE if single else RTOL) * (np.abs(e) + scale) + 1e-300


def _scales(expected: dict) -> dict:
    return {k: max((float(np.nanmax(np.abs(v), initial=0.0)) for v in vs if v.size), default=0.0)
            for k, vs in expected.items()}


def _agrees(yours: dict, expected: dict, single: bool) -> bool:
    return _first_difference(yours, expected, single) is None


def _changes(mistake: dict, right: dict) -> bool:
    """The mistake gives another number than the right one somewhere it is defined (not NaN)."""
    return _first_difference(right, mistake, False) is not None


def _order(expected: dict) -> list[tuple[str, int]]:
    """The parts of a result in the order they are computed: forward layer by layer (z then a),
    deltas from the output back, gradients and weights layer by layer."""
    if "z" in expected:
        return [(k, l) for l in range(len(expected["z"])) for k in ("z", "a")]
    if "delta" in expected:
        return [("delta", l) for l in range(len(expected["delta"]) - 1, -1, -1)]
    key = next(iter(expected))
    return [(key, l) for l in range(len(expected[key]))]


def _first_difference(yours: dict, expected: dict, single: bool):
    """(kind, layer, index, yours, expected) of the first number outside the tolerance, or None."""
    scales = _scales(expected)
    for k, l in _order(expected):
        e, v = expected[k][l], np.asarray(yours[k][l], dtype=float)
        # A mistake's number is NaN where it is undefined (the "delta" of an input unit): any number agrees.
        bad = ~(np.abs(v - e) <= _tolerance(e, scales[k], single)) & ~np.isnan(e)
        if bad.any():
            idx = tuple(int(i) for i in np.argwhere(bad)[0])
            return k, l, idx, float(v[idx]), float(e[idx])
    return None


# ----- reading what the learner's function returned ------------------------------------------------
class _Slip(Exception):
    """A code-level slip found while running or reading the learner's function."""

    def __init__(self, key: str, message: str, hint: str = ""):
        super().__init__(message)
        self.key, self.message, self.hint = key, message, hint


_LIST_NAMES = {"z": "z", "a": "a", "delta": "delta", "g": "grad_W", "w": "W"}


def _array(value, what: str) -> np.ndarray:
    try:
        arr = np.asarray(value)
        if arr.dtype.kind not in "fiub":
            arr = arr.astype(float)
    except (TypeError, ValueError):
        raise _Slip("wrong_type", f"{what} is a {type(value).__name__}, not an array of numbers",
                    "Return numpy arrays (or nested lists of numbers).") from None
    return arr


def _check_shape(arr: np.ndarray, expected: np.ndarray, what: str, kind: str) -> None:
    if arr.shape == expected.shape:
        return
    shape = expected.shape
    rows = "samples are rows" if kind in ("z", "a", "delta") else "row 0 the bias, then one row per source unit"
    if len(shape) == 2 and arr.shape == shape[::-1]:
        raise _Slip("transposed", f"{what} has shape {arr.shape}: it is transposed; the expected shape is {shape} "
                                  f"({rows})",
                    f"Shapes: {what} must be {shape} ({rows}). Check the order of the factors of each matrix "
                    f"product, or where a .T is missing or one too many.")
    extra = ""
    if kind in ("g", "w") and arr.ndim == 2 and arr.shape == (shape[0] - 1, shape[1]):
        extra = "; the bias row (row 0) is missing"
    elif arr.size == expected.size:
        extra = "; the right numbers of values, arranged differently"
    raise _Slip("wrong_shape", f"{what} has shape {arr.shape}; the expected shape is {shape} ({rows}){extra}",
                f"Shapes: {what} must be {shape} ({rows}).")


def _layer_list(value, kind: str, expected: list, offset: int) -> list:
    """The learner's per-layer list (entry 0 unused when ``offset`` is 1) as arrays checked against ``expected``."""
    name = _LIST_NAMES[kind]
    n = len(expected) + offset
    if isinstance(value, np.ndarray) and value.dtype != object and offset == 0 and len(expected) == 1:
        value = [value]
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or not hasattr(value, "__getitem__"):
        raise _Slip("wrong_type", f"{name} is a {type(value).__name__}; it must be a list of {n} arrays",
                    f"Return {name} as a list with one array per layer.")
    if len(value) != n:
        where = (f": {name}[0] = None for the input layer, then {name}[1] .. {name}[{n - 1}]" if offset
                 else f": {name}[0] .. {name}[{n - 1}], one per weight layer")
        raise _Slip("wrong_length", f"{name} has {len(value)} entries; it needs {n}{where}",
                    f"The list {name} is indexed by layer{where}.")
    out = []
    for l, e in enumerate(expected):
        what = f"{name}[{l + offset}]"
        arr = _array(value[l + offset], what)
        _check_shape(arr, e, what, kind)
        out.append(arr)
    return out


def _read(task: str, ret, expected: dict) -> dict:
    """The learner's return value as a dict of per-layer arrays like ``expected``, or a _Slip."""
    if task == "forward":
        if not (isinstance(ret, (tuple, list)) and len(ret) == 2):
            raise _Slip("wrong_type", f"forward returned {_kind_of(ret)}; it must return the pair (z, a)",
                        "End with `return z, a`.")
        z, a = ret
        return {"z": _layer_list(z, "z", expected["z"], 1), "a": _layer_list(a, "a", expected["a"], 1)}
    if task == "output_delta":
        arr = _array(ret, "the output delta") if ret is not None else None
        if arr is None:
            raise _Slip("wrong_type", "output_delta returned None; it must return delta[K]", "End with `return ...`.")
        _check_shape(arr, expected["delta"][0], "the output delta", "delta")
        return {"delta": [arr]}
    if task == "backward":
        return {"delta": _layer_list(ret, "delta", expected["delta"], 1)}
    if task == "cost_gradient":
        if not (isinstance(ret, (tuple, list)) and len(ret) == 2):
            raise _Slip("wrong_type", f"cost_gradient returned {_kind_of(ret)}; it must return the pair "
                                      f"(dJ_dw, dJ_db)", "End with `return dJ_dw, dJ_db`.")
        parts = []
        for name, v in zip(("dJ_dw", "dJ_db"), ret):
            arr = _array(v, name)
            if arr.size != 1:
                raise _Slip("wrong_shape", f"{name} has shape {arr.shape}; the gradient of the cost is one number "
                                           f"(the mean over the samples)",
                            "The cost J is the mean of the samples' losses, and its gradient the mean of "
                            "theirs: one number for w, one for b.")
            parts.append(arr.reshape(()))
        dtype = np.float32 if any(p.dtype.kind == "f" and p.dtype.itemsize < 8 for p in parts) else float
        return {"g": [np.array([[parts[1]], [parts[0]]], dtype=dtype)]}
    key = "g" if task == "gradients" else "w"
    if ret is None:
        raise _Slip("wrong_type", f"{task} returned None; it must return the list {_LIST_NAMES[key]}",
                    f"End with `return {_LIST_NAMES[key]}` (after changing W in place, return W)."
                    if key == "w" else "End with `return grad_W`.")
    return {key: _layer_list(ret, key, expected[key], 0)}


def _kind_of(ret) -> str:
    if ret is None:
        return "None"
    if isinstance(ret, (tuple, list)):
        return f"a {type(ret).__name__} of {len(ret)}"
    return f"a {type(ret).__name__}"


def _unchanged(before, after) -> bool:
    if isinstance(before, np.ndarray):
        return isinstance(after, np.ndarray) and before.shape == after.shape and np.array_equal(before, after,
                                                                                              equal_nan=True)
    if isinstance(before, list):
        return isinstance(after, list) and len(before) == len(after) and all(
            _unchanged(b, a) for b, a in zip(before, after))
    return True


def _snapshot(x):
    if isinstance(x, np.ndarray):
        return x.copy()
    if isinstance(x, list):
        return [_snapshot(v) for v in x]
    return x


_PACKAGE_DIR = str(Path(__file__).resolve().parents[1])
_NUMPY_DIR = str(Path(np.__file__).resolve().parent)


def _their_line(exc: BaseException) -> str:
    """Where in the learner's code ``exc`` was raised: the innermost frame outside bpnet and numpy."""
    frames = traceback.extract_tb(exc.__traceback__)
    theirs = [fr for fr in frames if not fr.filename.startswith((_PACKAGE_DIR, _NUMPY_DIR))
              and not fr.filename.startswith("<frozen")]
    if not theirs:
        return ""
    fr = theirs[-1]
    line = (fr.line or linecache.getline(fr.filename, fr.lineno)).strip()
    place = f"line {fr.lineno} of {fr.name}" if fr.name != "<module>" else f"line {fr.lineno}"
    return f"{place}: {line}" if line else place


def _call(fn, args: list, what: str):
    """``fn(*args)``; an exception inside it becomes a _Slip quoting the learner's line. What it prints is
    not shown (it runs on every network of the battery, some twice)."""
    try:
        with np.errstate(all="ignore"), contextlib.redirect_stdout(io.StringIO()):
            return fn(*args)
    except NotImplementedError:  # the starter's body, not yet replaced: nothing to judge
        raise _Slip("unwritten", "not written yet") from None
    except Exception as exc:  # the learner's code may raise anything
        line = _their_line(exc)
        message = f"your code raised {type(exc).__name__}: {exc}" + (f" ({what})" if what else "")
        raise _Slip("exception", message + (f"\n    at {line}" if line else ""),
                    "Read the error and the line it names: which array has which shape there? "
                    "Printing .shape of each operand of that line shows it.") from None


# ----- naming numbers -------------------------------------------------------------------------------
def _number_name(case: Case, task: str, kind: str, l: int, idx: tuple) -> str:
    net = case.net
    if task == "output_delta":
        l = case.L - 1
    if kind in ("z", "a", "delta"):
        s, j = idx
        unit = net.dest_name(l, j)
        name = {"z": f"z({unit})", "a": unit, "delta": f"δ({unit})"}[kind]
        sample = f", sample {s + 1}" if case.m > 1 else ""
        return f"{name} on network {case.number}{sample}"
    i, j = idx
    if task == "cost_gradient":
        return f"{'dJ/db' if i == 0 else 'dJ/dw'} on data set {case.number} ({case.description})"
    w = net.weight_name(l, i, j)
    name = f"g({w})" if kind == "g" else f"the new w({w})"
    return f"{name} on network {case.number}"


def _trace_text(case: Case, task: str, kind: str, l: int, idx: tuple) -> str:
    """bpnet's worked line for one number of ``case`` (its formula with the numbers)."""
    if task == "output_delta":
        l = case.L - 1
    trace = trace_step(case.net, case.X, case.y, case.lr, case.loss)
    if kind in ("z", "a", "delta"):
        s, j = idx
        unit = case.net.dest_name(l, j)
        want = "delta" if kind == "delta" else "forward"
        lines = [st.text for st in trace.steps if st.kind == want and st.name == unit and st.sample == s]
    else:
        w = case.net.weight_name(l, *idx)
        lines = [st.text for st in trace.steps if st.name == w and st.kind in ("gradient", "update")
                 and (kind == "w" or st.kind == "gradient")]
    return "\n".join(lines)


def _where(outs: tuple, task: str) -> str:
    """On which networks a mistake changes the numbers, in words."""
    cases = _cases(task)
    differs = {c.number for c, out in zip(cases, outs) if out is not None and _changes(out, _expected(task, _ref(task, c)))}
    everything = {c.number for c in cases}
    noun = "data set" if task == "cost_gradient" else "network"
    if differs == everything:
        return f"on every {noun}"
    rules = [
        ({c.number for c in cases if not c.identity_only},
         "only where f' ≠ 1: on every network but the worked example, whose identity units have f' = 1"),
        ({c.number for c in cases if c.m > 1}, "only on batches of more than one sample"),
        ({c.number for c in cases if c.L >= 3}, "only on networks with two or more hidden layers"),
    ]
    for numbers, text in rules:
        if differs == numbers:
            return text
    hidden = {a.name for k in differs for a in cases[k - 1].net.acts[:-1]} - {
        a.name for c in cases if c.number not in differs for a in c.net.acts[:-1]}
    if hidden and differs == {c.number for c in cases if any(a.name in hidden for a in c.net.acts[:-1])}:
        return (f"only on networks with {'/'.join(sorted(hidden))} hidden units; on the others it gives the "
                f"right numbers")
    outs = sorted({cases[k - 1].net.acts[-1].name for k in differs})
    if differs == {c.number for c in cases if c.net.acts[-1].name in outs}:
        return f"only where the output units are {'/'.join(outs)}; on the others it gives the right numbers"
    return f"on {noun}s {_listed(sorted(differs))}; on the others it gives the right numbers"


def _listed(numbers) -> str:
    numbers = [str(n) for n in numbers]
    return numbers[0] if len(numbers) == 1 else ", ".join(numbers[:-1]) + " and " + numbers[-1]


# ----- the result ------------------------------------------------------------------------------------
class Hint(str):
    """One level of a hint: plain text that a notebook shows as Markdown."""

    def _repr_markdown_(self) -> str:
        return _markdown(self)


class CodeSolution(str):
    """A task's reference code: plain text, shown in a notebook as a code block."""

    def _repr_markdown_(self) -> str:
        return "**Solution**\n\n```python\n" + str(self) + "```"


def _markdown(text: str) -> str:
    """Plain text as Markdown: lines kept, code-like lines (indented) in a block."""
    out, block = [], []
    for line in text.splitlines():
        if line.startswith("    ") or line.startswith("\t"):
            block.append(line.strip())
            continue
        if block:
            out.append("```text\n" + "\n".join(block) + "\n```")
            block = []
        out.append(markdown_escape(line))
    if block:
        out.append("```text\n" + "\n".join(block) + "\n```")
    return "\n\n".join(x for x in out if x)


class CodeResult:
    """The verdict on a learner's function: truthy exactly when every number agrees.

    ``correct``; ``mistake``: None when correct, else a key of the catalogue
    (``bpnet.explain.mistakes.CATALOGUE``) or of ``SLIPS``; ``message``: the first
    differing number by name (or the slip); ``explanation``: the mistake in words;
    ``where``: on which networks the function's numbers are the mistake's. ``hint()``
    gives the next hint level each call (the idea, the formula, the numbers);
    ``solution()`` a reference solution.
    """

    def __init__(self, task: Task, correct: bool, mistake: str | None = None, message: str = "",
                 explanation: str = "", where: str = "", hints: tuple = (), n_cases: int = 0, note: str = ""):
        self.task, self.correct, self.mistake = task, correct, mistake
        self.message, self.explanation, self.where = message, explanation, where
        self._hints = tuple(h for h in hints if h)
        self._level = 0
        self.n_cases = n_cases
        self.note = note

    def __bool__(self) -> bool:
        return self.correct

    @property
    def hints(self) -> tuple:
        """Every hint level (what ``hint()`` gives one call at a time)."""
        return self._hints

    def hint(self) -> Hint:
        """The next hint level: the idea, then the formula, then the numbers; the last one again after that."""
        if self.correct:
            return Hint("Nothing to hint: every number agrees.")
        if not self._hints:
            return Hint("No hint for this one; .solution() shows a solution.")
        k = min(self._level, len(self._hints) - 1)
        self._level += 1
        last = k == len(self._hints) - 1
        names = ("the idea", "the formula", "the numbers")
        head = f"Hint {k + 1} of {len(self._hints)} ({names[k] if k < 3 else 'more'}): "
        tail = "\n(That was the last hint; .solution() shows a solution.)" if last else ""
        return Hint(head + self._hints[k] + tail)

    def solution(self) -> CodeSolution:
        """A reference solution of the task (give it a try first: the hints come one level at a time)."""
        return CodeSolution(self.task.solution)

    def _lines(self) -> list[str]:
        t = self.task
        if self.mistake == "unwritten":
            return [f"… Not written yet: {t.title}.",
                    "Write your code in the cell above, in place of raise NotImplementedError; run that cell, "
                    "then run this one again.",
                    f"Call .hint() for a hint ({len(self._hints)} levels, one at a time), .solution() for a solution."]
        if self.correct:
            if t.name == "cost_gradient":
                lines = [f"✓ {t.title}: both numbers agree with bpnet's, on all {self.n_cases} data sets "
                         f"(1 to 5 samples)."]
            elif t.name == "autograd":
                lines = [f"✓ {t.title}: every gradient agrees with bpnet's own autograd, on all {self.n_cases} "
                         f"expressions (forks, a + a, tanh), on a first and a second call of backward."]
            else:
                lines = [f"✓ {t.title}: every number agrees with bpnet's, on all {self.n_cases} networks "
                         f"(the worked example and {self.n_cases - 1} random ones)."]
            if self.note:
                lines.append(self.note)
            return lines
        lines = [f"✗ {t.title}: {self.message}"]
        if self.explanation:
            lines.append(f"Your function reproduces a known mistake: {self.explanation}"
                         + (f", {self.where}" if self.where else "") + ".")
        if self.note:
            lines.append(self.note)
        lines.append(f"Call .hint() for a hint ({len(self._hints)} levels, one at a time), .solution() for a solution.")
        return lines

    def __repr__(self) -> str:
        return "\n".join(self._lines())

    def __str__(self) -> str:
        return self.__repr__()

    def _repr_markdown_(self) -> str:
        lines = self._lines()
        head = lines[0]
        mark, rest = head[0], head[2:]
        first, _, more = rest.partition("\n")
        out = [f"**{mark} {markdown_escape(first)}**"]
        if more:
            out.append("```text\n" + more + "\n```")
        out += [markdown_escape(x) for x in (lines[1:] if self.correct else lines[1:-1])]
        if not self.correct:
            out.append("*Call `.hint()` for a hint, one level at a time; `.solution()` for a solution.*")
        return "\n\n".join(out)

    def _repr_html_(self) -> str:
        lines = self._lines()
        colour = PALETTE["agree"] if self.correct else PALETTE["warn"]
        head = html.escape(lines[0]).replace("\n", "<br>")
        body = "".join(f"<p>{html.escape(x)}</p>" for x in lines[1:])
        return f'<div class="bpnet-code-check"><p style="color:{colour}"><b>{head}</b></p>{body}</div>'


# ----- checking a network task -------------------------------------------------------------------------
def _slip_result(task: Task, slip: _Slip, case: Case | None) -> CodeResult:
    what = "data set" if task.name == "cost_gradient" else "network"
    where = f" on {what} {case.number} ({case.description})" if case is not None else ""
    message = slip.message
    if where and slip.key not in ("nondeterministic", "unwritten"):
        first, _, rest = message.partition("\n")
        message = first + where + (("\n" + rest) if rest else "")
    hints = (task.idea, task.formula) if slip.key == "unwritten" else (slip.hint, task.idea, task.formula)
    return CodeResult(task, False, slip.key, message, "", "", hints)


def _ref(task: str, case: Case) -> dict:
    return _reference(case.number, "neuron" if task == "cost_gradient" else "networks")


def _check_signature(task: Task, fn: Callable, n_args: int) -> None:
    """A _Slip if ``fn`` cannot be called with the task's arguments (checked before running it)."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):  # a builtin or a C function: its call will tell
        return
    try:
        sig.bind(*range(n_args))
    except TypeError:
        want = task.signature.partition("(")[2].rstrip(":").rstrip(")")
        raise _Slip("wrong_signature", f"your function takes {sig}; the task calls it with ({want})",
                    f"Start from the task's first line: {task.signature}") from None


def _check_network_task(task: Task, fn: Callable) -> CodeResult:
    cases = _cases(task.name)
    try:
        _check_signature(task, fn, len(_inputs(task.name, cases[0], _ref(task.name, cases[0]), _Probe())[0]))
    except _Slip as slip:
        return _slip_result(task, slip, None)
    yours, singles = [], []
    for case in cases:
        ref = _ref(task.name, case)
        expected = _expected(task.name, ref)
        probe = _Probe()
        args, names = _inputs(task.name, case, ref, probe)
        before = [_snapshot(x) for x in args]
        try:
            ret = _call(fn, args, "")
            for name, b, x in zip(names, before, args):
                if name not in _MAY_CHANGE.get(task.name, ()) and not _unchanged(b, x):
                    raise _Slip("mutated_input", f"your function changed its input {name}",
                                f"Your function must leave {name} as it was: it belongs to the caller (the "
                                f"forward pass's numbers are needed again later). Work on new arrays: "
                                f"`x = x + ...` makes a new one, `x += ...` changes it in place.")
            out = _read(task.name, ret, expected)
        except _Slip as slip:
            return _slip_result(task, slip, case)
        for k in out:
            for l, v in enumerate(out[k]):
                if not np.all(np.isfinite(v.astype(float))):
                    idx = tuple(int(i) for i in np.argwhere(~np.isfinite(v.astype(float)))[0])
                    name = _number_name(case, task.name, k, l, idx)
                    return CodeResult(task, False, "not_finite", f"{name} is {v[idx]}", "", "",
                                      ("A NaN or an infinity comes from a division by zero, a log of 0, or an "
                                       "overflow: look for one in the line that computes this number.",
                                       task.formula))
        single = probe.single or any(v.dtype.kind == "f" and v.dtype.itemsize < 8 for vs in out.values() for v in vs)
        yours.append(out)
        singles.append(single)
    # The same input twice: the same numbers.
    for case in cases[:2]:
        ref = _ref(task.name, case)
        again = []
        for _ in range(2):
            args, _ = _inputs(task.name, case, ref, _Probe())
            try:
                again.append(_read(task.name, _call(fn, args, ""), _expected(task.name, ref)))
            except _Slip as slip:
                return _slip_result(task, slip, case)
        if not all(np.array_equal(x, y, equal_nan=True) for k in again[0] for x, y in zip(again[0][k], again[1][k])):
            return CodeResult(task, False, "nondeterministic",
                              f"two calls with the same input on network {case.number} gave different numbers",
                              "", "", ("Your function must give the same numbers for the same input: does it keep "
                                       "something between calls (a global list, a default argument that is a list), "
                                       "or draw random numbers?", task.formula))
    return _judge_numbers(task, cases, yours, singles)


def _judge_numbers(task: Task, cases, yours: list, singles: list) -> CodeResult:
    first = None
    wrong = []
    for case, out, single in zip(cases, yours, singles):
        diff = _first_difference(out, _expected(task.name, _ref(task.name, case)), single)
        if diff is not None:
            wrong.append(case.number)
            if first is None:
                first = (case, diff)
    n = len(cases)
    if first is None:
        return CodeResult(task, True, n_cases=n)
    if all(_agrees(out, _expected(task.name, _ref(task.name, c)), True) for c, out in zip(cases, yours)):
        # Right to single precision everywhere: float32 somewhere inside (X.astype(np.float32), ...). No
        # slip moves a number of these networks by so little.
        return CodeResult(task, True, n_cases=n, note=(
            "Your numbers agree to about 7 significant digits, the precision of float32: somewhere your code "
            "computes in single precision. That is fine; bpnet itself computes in float64."))
    case, (kind, l, idx, v, e) = first
    message = f"{_number_name(case, task.name, kind, l, idx)}: yours {fmt(v)}, expected {fmt(e)}"
    what = "data set" if task.name == "cost_gradient" else "network"
    names = " (bpnet names w X1->D0 and b X0->D0)" if task.name == "cost_gradient" else ""
    numbers = (f"On {what} {case.number} ({case.description}), bpnet computes{names}\n"
               + "\n".join("    " + x for x in _trace_text(case, task.name, kind, l, idx).splitlines())
               + f"\nYour function gives {fmt(v)} there.")
    # Which mistake gives the function's numbers: on every network, else on the most of those it gets wrong.
    best, best_hits = None, []
    for cand, outs in _mistake_outputs(task.name):
        explained, contradicted = [], False
        for c, out, mine, single in zip(cases, outs, yours, singles):
            changes = out is not None and _changes(out, _expected(task.name, _ref(task.name, c)))
            if c.number in wrong and changes and _agrees(mine, out, single):
                explained.append(c.number)
            elif c.number not in wrong and changes:
                contradicted = True  # the mistake would show here, and the function is right here
        if len(explained) == len(wrong) and not contradicted:
            return CodeResult(task, False, cand.key, message, cand.label, _where(outs, task.name),
                              (_mistake_idea(cand, task), task.formula, numbers), n)
        if len(explained) > len(best_hits):
            best, best_hits = cand, explained
    if best is not None:
        others = [k for k in wrong if k not in best_hits]
        tail = (f"; on {what}{'s' if len(others) > 1 else ''} {_listed(others)} they match no mistake bpnet knows"
                if others else "; on the others it would change the numbers, and yours are right there")
        note = (f"On {what}{'s' if len(best_hits) > 1 else ''} {_listed(best_hits)} your numbers are exactly those "
                f"of this mistake: {best.label}{tail}.")
        return CodeResult(task, False, best.key, message, "", "",
                          (_mistake_idea(best, task), task.formula, numbers), n, note)
    return CodeResult(task, False, "general", message, "", "",
                      (task.idea, task.formula, numbers), n,
                      "Your numbers match none of the mistakes bpnet knows.")


def _mistake_idea(cand: _Candidate, task: Task) -> str:
    return f"Look for this slip in your code: {cand.label}. {task.idea}"


# ----- the entry point -------------------------------------------------------------------------------
def check_code(task, fn) -> CodeResult:
    """Run the learner's ``fn`` for ``task`` (a name of ``TASKS``, or a Task) on the battery and judge it.

    For "autograd", ``fn`` is the learner's ``Value`` class. Returns a ``CodeResult``; a fault of
    ``fn`` (an exception, a wrong shape, ...) is reported in it, never raised.
    """
    if isinstance(task, Task):
        task = task.name
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; the tasks are {', '.join(TASKS)}")
    if not callable(fn):
        raise TypeError(f"check_code needs your function (or, for autograd, your Value class), got {fn!r}")
    t = TASKS[task]
    if task == "autograd":
        return _check_autograd(t, fn)
    return _check_network_task(t, fn)


# ----- the autograd task: the learner's Value class ----------------------------------------------------
@dataclass(frozen=True)
class _Expression:
    """A small computation graph, built the same way with any Value class: ``build(V, values)``
    returns the output L and {name: Value} of the nodes whose gradients are compared."""

    text: str
    leaves: tuple
    build: Callable = field(repr=False)


def _fork(V, v):
    a, b = V(v["a"]), V(v["b"])
    n = a * b
    return n + a, {"a": a, "b": b, "n": n}


def _twice(V, v):
    a = V(v["a"])
    return a + a, {"a": a}


def _diamond(V, v):
    a, b = V(v["a"]), V(v["b"])
    e = a * b
    s = e + a
    return s * e, {"a": a, "b": b, "e": e, "s": s}


def _neuron(V, v):
    x1, w1, x2, w2, b = (V(v[k]) for k in ("x1", "w1", "x2", "w2", "b"))
    n = x1 * w1 + x2 * w2 + b
    return n.tanh(), {"x1": x1, "w1": w1, "x2": x2, "w2": w2, "b": b, "n": n}


def _tanh_fork(V, v):
    a, b = V(v["a"]), V(v["b"])
    t = (a * b).tanh()
    return t * t + t, {"a": a, "b": b, "t": t}


def _two_layers(V, v):
    x, w1, b1, w2, b2, v1, v2 = (V(v[k]) for k in ("x", "w1", "b1", "w2", "b2", "v1", "v2"))
    h1 = (x * w1 + b1).tanh()
    h2 = (x * w2 + b2).tanh()
    return (h1 * v1 + h2 * v2 + h1 * h2).tanh(), {"x": x, "w1": w1, "b1": b1, "w2": w2, "b2": b2, "v1": v1,
                                                  "v2": v2, "h1": h1, "h2": h2}


_EXPRESSIONS = (
    _Expression("n = a*b; L = n + a", ("a", "b"), _fork),
    _Expression("L = a + a", ("a",), _twice),
    _Expression("e = a*b; s = e + a; L = s*e", ("a", "b"), _diamond),
    _Expression("n = x1*w1 + x2*w2 + b; L = tanh(n)", ("x1", "w1", "x2", "w2", "b"), _neuron),
    _Expression("t = tanh(a*b); L = t*t + t", ("a", "b"), _tanh_fork),
    _Expression("h1 = tanh(x*w1 + b1); h2 = tanh(x*w2 + b2); L = tanh(h1*v1 + h2*v2 + h1*h2)",
                ("x", "w1", "b1", "w2", "b2", "v1", "v2"), _two_layers),
)


@functools.lru_cache(maxsize=1)
def _expression_values() -> tuple:
    rng = np.random.default_rng(23)
    return tuple({k: float(np.round(rng.uniform(0.3, 1.2) * rng.choice([-1, 1]), 2)) for k in e.leaves}
                 for e in _EXPRESSIONS)


class _Ref:
    """A reference autograd Value with switches for the slips a learner makes (all off: right)."""

    assign = frozenset()  # ops ("+", "*", "tanh") whose _backward overwrites grads (= for +=)
    tanh_from_z = False
    topological = True
    zero = True

    def __init__(self, data, _prev=()):
        self.data, self.grad = float(data), 0.0
        self._prev = tuple(_prev)
        self._backward = lambda: None

    def _give(self, node, g, op):
        if op in self.assign:
            node.grad = g
        else:
            node.grad += g

    def __add__(self, other):
        out = type(self)(self.data + other.data, (self, other))

        def _backward():
            self._give(self, out.grad, "+")
            self._give(other, out.grad, "+")
        out._backward = _backward
        return out

    def __mul__(self, other):
        out = type(self)(self.data * other.data, (self, other))

        def _backward():
            self._give(self, other.data * out.grad, "*")
            self._give(other, self.data * out.grad, "*")
        out._backward = _backward
        return out

    def tanh(self):
        t = math.tanh(self.data)
        out = type(self)(t, (self,))

        def _backward():
            slope = 1 - (self.data if self.tanh_from_z else t) ** 2
            self._give(self, slope * out.grad, "tanh")
        out._backward = _backward
        return out

    def backward(self):
        nodes = _graph(self)
        if self.zero:
            for v in nodes:
                v.grad = 0.0
        self.grad = 1.0
        if self.topological:
            for v in reversed(nodes):
                v._backward()
        else:  # each node, then straight on to the Values it was made from: no waiting for other users
            def go(v):
                v._backward()
                for p in v._prev:
                    go(p)
            go(self)


def _variant(name: str, **switches) -> type:
    return type(name, (_Ref,), switches)


#: The autograd slips, each as the reference Value with one switch turned.
_AUTOGRAD_VARIANTS = (
    ("overwritten_grad", _variant("Overwrite", assign=frozenset({"+", "*", "tanh"}))),
    ("overwritten_grad", _variant("OverwriteAdd", assign=frozenset({"+"}))),
    ("overwritten_grad", _variant("OverwriteMul", assign=frozenset({"*"}))),
    ("no_topological_order", _variant("Recursive", topological=False)),
    ("tanh_from_z", _variant("TanhFromZ", tanh_from_z=True)),
    ("missing_zero_grad", _variant("NoZero", zero=False)),
)


def _graph(root) -> list:
    """Every Value ``root`` depends on, parents before children (iterative depth-first search on _prev)."""
    order, seen, stack = [], set(), [(root, False)]
    while stack:
        v, done = stack.pop()
        if done:
            order.append(v)
            continue
        if id(v) in seen:
            continue
        seen.add(id(v))
        stack.append((v, True))
        for p in reversed(tuple(getattr(v, "_prev", ()) or ())):
            if id(p) not in seen:
                stack.append((p, False))
    return order


def _expected_grads() -> list[tuple[float, dict]]:
    """bpnet's own autograd (bpnet.explain.autograd.Value) on every expression: L's value and the gradients."""
    out = []
    for e, values in zip(_EXPRESSIONS, _expression_values()):
        L, nodes = e.build(_BpValue, values)
        L.backward()
        out.append((L.data, {k: float(v.grad) for k, v in nodes.items()}))
    return out


def _run_value_class(V, calls: int = 2, record: bool = False) -> list:
    """Per expression: (L.data, [grads after call 1, grads after call 2], order violation or None)."""
    results = []
    for k, (e, values) in enumerate(zip(_EXPRESSIONS, _expression_values())):
        what = f"expression {k + 1}, {e.text}"
        L, nodes = _call(e.build, [V, values], what)
        data = _call(lambda: float(L.data), [], f"reading L.data, {what}")
        check = _instrument(L, {id(v): name for name, v in [("L", L), *nodes.items()]}) if record else None
        grads, violation = [], None
        for call in range(calls):
            _call(L.backward, [], f"L.backward(), {what}")
            if call == 0 and check is not None:
                violation = check()  # the order of the first call's _backward runs
            grads.append({name: _call(lambda v=v: float(v.grad), [], f"reading .grad, {what}")
                          for name, v in nodes.items()})
        results.append((data, grads, violation))
    return results


def _instrument(L, names: dict):
    """Wrap every node's _backward to record the order they run in; returns a function giving the
    first node whose _backward ran twice, or before (the last run of) that of a node using it, as
    a sentence, or None."""
    nodes = _graph(L)
    inner = [v for v in nodes if getattr(v, "_prev", ())]
    calls = []
    for v in inner:
        original = getattr(v, "_backward", None)
        if not callable(original):
            return None

        def wrapped(*args, _v=v, _f=original, **kwargs):
            calls.append(id(_v))
            return _f(*args, **kwargs)
        try:
            v._backward = wrapped
        except AttributeError:  # __slots__ without _backward, or a read-only attribute
            return None
    users = {id(v): [u for u in inner if any(p is v for p in u._prev)] for v in inner}

    def name(v) -> str:
        return names.get(id(v), f"the node of value {fmt(v.data)}")

    def first_violation():
        first_call, last_call = {}, {}
        for k, i in enumerate(calls):
            first_call.setdefault(i, k)
            last_call[i] = k
        for v in inner:
            if id(v) not in first_call:
                continue
            if calls.count(id(v)) > 1:
                return f"the _backward of {name(v)} ran {calls.count(id(v))} times, passing its gradient on each time"
            for u in users[id(v)]:
                if last_call.get(id(u), -1) > first_call[id(v)]:
                    return (f"the _backward of {name(v)} ran before that of {name(u)}, which uses it: {name(v)} "
                            f"passed its gradient on before it was complete")
        return None
    return first_violation


def _grad_difference(got: dict, want: dict, single: bool = False):
    scale = max(abs(x) for x in want.values())
    for name, e in want.items():
        v = got[name]
        if not (abs(v - e) <= (RTOL_SINGLE if single else RTOL) * (abs(e) + scale) + 1e-300):
            return name, v, e
    return None


_AUTOGRAD_HINTS = {
    "overwritten_grad": "A Value used twice (a fork, or a + a) receives one share of the gradient from each use: "
                        "the shares add up. In every _backward write `self.grad += ...` and `other.grad += ...`; "
                        "with `=` the second share overwrites the first.",
    "no_topological_order": "A node may pass its gradient on only once it is complete: after every node that uses "
                            "it has run its _backward. Sort the graph topologically (a depth-first search that "
                            "appends a node after the Values in its _prev) and call _backward in the reverse order.",
    "missing_zero_grad": "backward() must give the same gradients when it is called twice: first set the grad of "
                         "every Value of the graph to 0, then the output's to 1.",
    "tanh_from_z": "tanh'(z) = 1 - tanh(z)² = 1 - t², with t the output of the tanh node (out.data), not 1 - z² with "
                   "z its input.",
}


def _check_autograd(task: Task, V) -> CodeResult:
    expected = _expected_grads()
    values = _expression_values()
    try:
        yours = _run_value_class(V, record=True)
    except _Slip as slip:
        return _slip_result(task, slip, None)
    n = len(_EXPRESSIONS)

    def numbers(k: int, call: int) -> str:
        e, (_, want) = _EXPRESSIONS[k], expected[k]
        given = ", ".join(f"{name} = {fmt(values[k][name])}" for name in e.leaves)
        lines = [f"Expression {k + 1}: {e.text}, with {given}. bpnet's gradients, and yours:"]
        lines += [f"    ∂L/∂{name} = {fmt(g)}    yours {fmt(yours[k][1][call][name])}" for name, g in want.items()]
        return "\n".join(lines)

    for k, ((data, grads, violation), (want_data, want)) in enumerate(zip(yours, expected)):
        e = _EXPRESSIONS[k]
        if not abs(data - want_data) <= RTOL * (abs(want_data) + 1):
            return CodeResult(task, False, "general",
                              f"L.data in expression {k + 1} ({e.text}): yours {fmt(data)}, expected {fmt(want_data)}",
                              "", "", ("The forward values are wrong before any gradient: check __add__, __mul__ "
                                       "and tanh, each returning a new Value with the result as its data.",
                                       task.formula), n)
    # The first call of backward, then the second (the same gradients again).
    for call in (0, 1):
        first = next(((k, d) for k, (r, (_, want)) in enumerate(zip(yours, expected))
                      if (d := _grad_difference(r[1][call], want)) is not None), None)
        if first is None:
            continue
        k, (name, v, e) = first
        which = "" if call == 0 else ", on a second call of L.backward()"
        message = f"∂L/∂{name} in expression {k + 1} ({_EXPRESSIONS[k].text}){which}: yours {fmt(v)}, expected {fmt(e)}"
        key, where = _autograd_mistake(V, yours, call)
        violation = next((r[2] for r in yours if r[2] is not None), None)
        if key is None and violation is not None:
            key = "no_topological_order"
        note = ""
        if key == "no_topological_order" and violation is not None:
            k_v = next(k for k, r in enumerate(yours) if r[2] is not None)
            note = f"In expression {k_v + 1} ({_EXPRESSIONS[k_v].text}), {violation}."
        if key is None:
            return CodeResult(task, False, "general", message, "", "",
                              (task.idea, task.formula, numbers(k, call)), n,
                              "Your gradients match none of the slips bpnet knows.")
        return CodeResult(task, False, key, message, SLIPS[key], where,
                          (_AUTOGRAD_HINTS[key], task.formula, numbers(k, call)), n, note)
    return CodeResult(task, True, n_cases=n)


def _autograd_mistake(V, yours: list, call: int):
    """The slip whose gradients the learner's Value gives on every expression (first and second call), and
    which expressions it shows on; (None, "") if none."""
    for key, variant in _AUTOGRAD_VARIANTS:
        ref = _run_value_class(variant)
        if all(_grad_difference(y[1][c], r[1][c]) is None for y, r in zip(yours, ref) for c in (0, 1)):
            right = _expected_grads()
            shows = [k + 1 for k, (r, (_, want)) in enumerate(zip(ref, right))
                     if any(_grad_difference(r[1][c], want) is not None for c in (0, 1))]
            if key == "missing_zero_grad":
                where = "on the second call of backward"
            elif len(shows) == len(_EXPRESSIONS):
                where = "on every expression"
            else:
                where = f"on expressions {_listed(shows)}; on the others the gradients are right"
            return key, where
    return None, ""
