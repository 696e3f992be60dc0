"""Code checkers, property tests: learner-style code with one slip is named by that slip; right
code in every style is accepted.

For every mistake of the catalogue that can be written as code, a function below makes it the
way a learner would (one line different from a right implementation), and ``check_code`` must
name exactly that mistake. Right implementations written with loops over units, in matrix
form, with np.einsum, in float32 and with lists instead of arrays must all be accepted. Code-
level slips (an exception, a wrong shape, a changed input, ...) are named too.
"""

import math

import numpy as np
import pytest

from bpnet.explain.mistakes import CATALOGUE
from bpnet.teach.code_checks import SLIPS, TASKS, battery, check_code


# ----- right implementations, in several styles ---------------------------------------------------------
def forward_loops(W, X, f):
    """One unit and one sample at a time, plain Python numbers."""
    z, a = [None], [X]
    for l in range(1, len(W) + 1):
        w = W[l - 1]
        zl = [[w[0][j] + sum(a[l - 1][s][i] * w[i + 1][j] for i in range(len(w) - 1)) for j in range(len(w[0]))]
              for s in range(len(X))]
        z.append(np.array(zl))
        a.append(f[l](z[l]))
    return z, a


def forward_einsum(W, X, f):
    z, a = [None], [X]
    for l in range(1, len(W) + 1):
        z.append(np.einsum("si,ij->sj", a[l - 1], W[l - 1][1:]) + W[l - 1][0])
        a.append(f[l](z[l]))
    return z, a


def forward_float32(W, X, f):
    z, a = [None], [np.asarray(X, dtype=np.float32)]
    for l in range(1, len(W) + 1):
        w = W[l - 1].astype(np.float32)
        z.append(a[l - 1] @ w[1:] + w[0])
        a.append(f[l](z[l]))
    return z, a


def forward_lists(W, X, f):
    """Returns nested lists, not arrays; the bias as a column of ones on the left."""
    z, a = [None], [X]
    for l in range(1, len(W) + 1):
        ones = np.ones((len(X), 1))
        zl = np.hstack([ones, np.asarray(a[l - 1])]) @ W[l - 1]
        z.append(zl.tolist())
        a.append(f[l](zl).tolist())
    return z, a


def backward_loops(W, z, a, delta_L, df):
    L = len(W)
    delta = [None] * (L + 1)
    delta[L] = delta_L
    for l in range(L - 1, 0, -1):
        m, n = z[l].shape
        d = np.zeros((m, n))
        for s in range(m):
            for i in range(n):
                back = sum(W[l][i + 1, j] * delta[l + 1][s, j] for j in range(delta[l + 1].shape[1]))
                d[s, i] = back * df[l](z[l][s, i])
        delta[l] = d
    return delta


def backward_einsum(W, z, a, delta_L, df):
    L = len(W)
    delta = [None] * (L + 1)
    delta[L] = delta_L
    for l in range(L - 1, 0, -1):
        delta[l] = np.einsum("sj,ij->si", delta[l + 1], W[l][1:]) * df[l](z[l])
    return delta


def gradients_loops(z, a, delta):
    L, m = len(a) - 1, len(a[0])
    grads = []
    for l in range(L):
        n_src, n_dst = a[l].shape[1], delta[l + 1].shape[1]
        g = [[sum((1.0 if i == 0 else a[l][s][i - 1]) * delta[l + 1][s][j] for s in range(m)) / m
              for j in range(n_dst)] for i in range(n_src + 1)]
        grads.append(g)  # a list of lists
    return grads


def gradients_einsum(z, a, delta):
    L, m = len(a) - 1, a[0].shape[0]
    return [np.vstack([np.einsum("sj->j", delta[l + 1]) / m, np.einsum("si,sj->ij", a[l], delta[l + 1]) / m])
            for l in range(L)]


def update_in_place(W, grad_W, lr):
    for l in range(len(W)):
        W[l] -= lr * grad_W[l]
    return W


def train_step_float32(W, X, y, f, df, dL_da, lr):
    W32 = [w.astype(np.float32) for w in W]
    L = len(W)
    z, a = [None], [X.astype(np.float32)]
    for l in range(1, L + 1):
        z.append(a[l - 1] @ W32[l - 1][1:] + W32[l - 1][0])
        a.append(f[l](z[l]))
    delta = [None] * (L + 1)
    delta[L] = dL_da(a[L], y.astype(np.float32)) * df[L](z[L])
    for l in range(L - 1, 0, -1):
        delta[l] = (delta[l + 1] @ W32[l][1:].T) * df[l](z[l])
    m = X.shape[0]
    return [w - lr * np.vstack([delta[l + 1].mean(axis=0), a[l].T @ delta[l + 1] / m]) for l, w in enumerate(W32)]


def train_step_composed(W, X, y, f, df, dL_da, lr):
    """The whole step from the five reference solutions of the other tasks."""
    ns = {"np": np}
    for name in ("forward", "output_delta", "backward", "gradients", "update"):
        exec(TASKS[name].solution, ns)
    z, a = ns["forward"](W, X, f)
    delta = ns["backward"](W, z, a, ns["output_delta"](z, a, y, dL_da, df), df)
    return ns["update"](W, ns["gradients"](z, a, delta), lr)


RIGHT = [
    ("forward", forward_loops), ("forward", forward_einsum), ("forward", forward_float32), ("forward", forward_lists),
    ("backward", backward_loops), ("backward", backward_einsum),
    ("gradients", gradients_loops), ("gradients", gradients_einsum),
    ("update", update_in_place),
    ("train_step", train_step_float32), ("train_step", train_step_composed),
]


@pytest.mark.parametrize("task, fn", RIGHT, ids=[fn.__name__ for _, fn in RIGHT])
def test_right_code_in_every_style_is_accepted(task, fn):
    result = check_code(task, fn)
    assert result.correct and result.mistake is None, result
    assert repr(result).startswith("✓")


# ----- one slip each, as a learner writes it ------------------------------------------------------------
def step(W, X, y, f, df, dL_da, lr, *, out=None, hidden=None, grad=None, new=None, update_early=False):
    """A training step written out; the keyword arguments put one slip in one line."""
    L, m = len(W), X.shape[0]
    z, a = [None], [X]
    for l in range(1, L + 1):
        z.append(a[l - 1] @ W[l - 1][1:] + W[l - 1][0])
        a.append(f[l](z[l]))
    delta = [None] * (L + 1)
    delta[L] = out(z, a, y, dL_da, df, L) if out else dL_da(a[L], y) * df[L](z[L])
    W = list(W)
    for l in range(L - 1, -1, -1):
        if update_early:  # W[l] changed as soon as its gradient is known, before delta[l] is sent back
            W[l] = W[l] - lr * np.vstack([delta[l + 1].mean(axis=0), a[l].T @ delta[l + 1] / m])
        if l > 0:
            back = delta[l + 1] @ W[l][1:].T
            delta[l] = hidden(z, a, back, df, l, L) if hidden else back * df[l](z[l])
    if update_early:
        return W
    grads = [grad(z, a, delta, l, m) if grad else np.vstack([delta[l + 1].mean(axis=0), a[l].T @ delta[l + 1] / m])
             for l in range(L)]
    return [new(w, g, lr) if new else w - lr * g for w, g in zip(W, grads)]


def slip(**kwargs):
    def train_step(W, X, y, f, df, dL_da, lr):
        return step(W, X, y, f, df, dL_da, lr, **kwargs)
    return train_step


def forward_without(bias_at=None, act_at=None):
    """A forward pass whose bias is left out at the layers ``bias_at``, its activation at ``act_at``."""
    def forward(W, X, f):
        L = len(W)
        z, a = [None], [X]
        for l in range(1, L + 1):
            z.append(a[l - 1] @ W[l - 1][1:] + (0 if l in bias_at(L) else W[l - 1][0]))
            a.append(z[l] if l in act_at(L) else f[l](z[l]))
        return z, a
    return forward


def none(L):
    return ()


def output_delta(expr):
    def fn(z, a, y, dL_da, df):
        return expr(z[-1], a[-1], y, dL_da, df[-1])
    return fn


def backward_with(slope):
    """The backward pass with f' of layer l (of L) computed as ``slope(z, a, df, l, L)``."""
    def backward(W, z, a, delta_L, df):
        L = len(W)
        delta = [None] * (L + 1)
        delta[L] = delta_L
        for l in range(L - 1, 0, -1):
            delta[l] = (delta[l + 1] @ W[l][1:].T) * slope(z, a, df, l, L)
        return delta
    return backward


def gradients_with(expr):
    def gradients(z, a, delta):
        m = a[0].shape[0]
        return [expr(z, a, delta, l, m) for l in range(len(a) - 1)]
    return gradients


def right_grad(z, a, delta, l, m):
    return np.vstack([delta[l + 1].mean(axis=0), a[l].T @ delta[l + 1] / m])


def update_with(expr):
    def update(W, grad_W, lr):
        return [expr(w, g, lr) for w, g in zip(W, grad_W)]
    return update


def shifted(x):
    return np.roll(x, -1, axis=1)  # the next unit of the same layer


BUGGY = {
    # the forward pass
    "missing_biases": ("forward", forward_without(lambda L: range(1, L + 1), none)),
    "missing_hidden_biases": ("forward", forward_without(lambda L: range(1, L), none)),
    "missing_bias_one_layer": ("forward", forward_without(lambda L: (1,), none)),
    "hidden_activation_skipped": ("forward", forward_without(none, lambda L: range(1, L))),
    "missing_activations": ("forward", forward_without(none, lambda L: range(1, L + 1))),
    # the output delta
    "sign": ("output_delta", output_delta(lambda z, a, y, dL_da, df: -dL_da(a, y) * df(z))),
    "article": ("output_delta", output_delta(lambda z, a, y, dL_da, df: y - a)),
    "missing_output_derivative": ("output_delta", output_delta(lambda z, a, y, dL_da, df: dL_da(a, y))),
    "derivative_of_a": ("output_delta", output_delta(lambda z, a, y, dL_da, df: dL_da(a, y) * df(a))),
    "extra_derivative": ("output_delta", output_delta(lambda z, a, y, dL_da, df: dL_da(a, y) * df(z) * df(z))),
    "derivative_of_wrong_unit": ("output_delta", output_delta(lambda z, a, y, dL_da, df: dL_da(a, y) * df(shifted(z)))),
    # the hidden deltas
    "missing_hidden_derivative": ("backward", backward_with(lambda z, a, df, l, L: 1.0)),
    "missing_derivative_one_layer": ("backward", backward_with(
        lambda z, a, df, l, L: 1.0 if l == 1 else df[l](z[l]))),
    "derivative_of_a_one_layer": ("backward", backward_with(
        lambda z, a, df, l, L: df[l](a[l]) if l == L - 1 else df[l](z[l]))),
    # the whole step: slips that show only there
    "missing_derivative": ("train_step", slip(out=lambda z, a, y, dL_da, df, L: dL_da(a[L], y),
                                              hidden=lambda z, a, back, df, l, L: back)),
    "derivative_of_a_hidden": ("train_step", slip(hidden=lambda z, a, back, df, l, L: back * df[l](a[l]))),
    "derivative_of_a_output": ("train_step", slip(out=lambda z, a, y, dL_da, df, L: dL_da(a[L], y) * df[L](a[L]))),
    "updated_weights": ("train_step", slip(update_early=True)),
    # the gradients
    "sum_not_mean": ("gradients", gradients_with(lambda z, a, d, l, m: np.vstack([d[l + 1].sum(axis=0), a[l].T @ d[l + 1]]))),
    "swapped": ("gradients", gradients_with(lambda z, a, d, l, m: right_grad(z, a, d, l, m) if l == 0 else
                                            np.vstack([d[l + 1].mean(axis=0), d[l].T @ a[l + 1] / m]))),
    "destination_activation": ("gradients", gradients_with(
        lambda z, a, d, l, m: np.tile(np.mean(a[l + 1] * d[l + 1], axis=0), (a[l].shape[1] + 1, 1)))),
    "pre_activation": ("gradients", gradients_with(lambda z, a, d, l, m: right_grad(z, a, d, l, m) if l == 0 else
                                                   np.vstack([d[l + 1].mean(axis=0), z[l].T @ d[l + 1] / m]))),
    "wrong_source": ("gradients", gradients_with(
        lambda z, a, d, l, m: np.vstack([d[l + 1].mean(axis=0), shifted(a[l]).T @ d[l + 1] / m]))),
    "transposed": ("gradients", gradients_with(lambda z, a, d, l, m: np.vstack([d[l + 1].mean(axis=0),
                                                                                 (d[l + 1].T @ a[l]).T / m]).T)),
    # the update
    "missing_lr": ("update", update_with(lambda w, g, lr: w - g)),
    "gradient_not_weight": ("update", update_with(lambda w, g, lr: g)),
    "change_not_weight": ("update", update_with(lambda w, g, lr: -lr * g)),
    "unchanged": ("update", update_with(lambda w, g, lr: w)),
    "ascent": ("update", update_with(lambda w, g, lr: w + lr * g)),
}
# Catalogue entries that are not code: they answer a number question about one unit with the
# wrong one of its two numbers (z for a, a for z); and missing_bias, the asked unit's own layer's
# bias, which in code is missing_bias_one_layer.
NOT_CODE = {"missing_activation", "activation_applied", "missing_bias"}


def test_every_catalogue_mistake_that_code_can_make_has_a_learner_style_implementation_here():
    generic = {key for key in CATALOGUE if ":" not in key}  # the activations' and losses' own: f, df, dL_da are given
    assert generic - NOT_CODE == set(BUGGY)


@pytest.mark.slow
@pytest.mark.parametrize("key", sorted(BUGGY))
def test_code_with_one_slip_is_named_by_that_slip(key):
    task, fn = BUGGY[key]
    result = check_code(task, fn)
    assert not result.correct and result.mistake == (key if key != "transposed" else "transposed"), result
    assert repr(result).startswith("✗") and result._repr_markdown_().startswith("**✗")
    levels = [result.hint() for _ in range(3)]
    assert len(set(levels)) == 3 and all(levels)


def test_a_slip_at_one_layer_is_named_with_its_place():
    task, fn = BUGGY["missing_derivative_one_layer"]
    result = check_code(task, fn)
    assert "first hidden layer only" in result.explanation
    task, fn = BUGGY["derivative_of_a_one_layer"]
    assert "last hidden layer only" in check_code(task, fn).explanation


def test_where_a_mistake_shows_is_said():
    # A forgotten hidden f' changes nothing on the worked example (identity units, f' = 1).
    result = check_code(*BUGGY["missing_hidden_derivative"])
    assert result.where.startswith("only where f' ≠ 1")
    result = check_code(*BUGGY["sum_not_mean"])
    assert result.where == "only on batches of more than one sample"
    assert "sample" not in result.message or "network 1" in result.message


def test_a_transposed_gradient_is_named_with_the_expected_shape():
    result = check_code(*BUGGY["transposed"])
    assert result.mistake == "transposed"
    # The worked example's W[0] is square (2 inputs + bias, 3 units): W[1] shows the transposition.
    assert result.message.startswith("grad_W[1] has shape (1, 4): it is transposed; the expected shape is (4, 1)")


# ----- code-level slips -----------------------------------------------------------------------------------
def test_an_exception_is_shown_at_the_learners_own_line():
    def forward(W, X, f):
        z, a = [None], [X]
        for l in range(1, len(W) + 1):
            z.append(a[l - 1] @ W[l - 1] + W[l - 1][0])   # the bias row multiplied too
            a.append(f[l](z[l]))
        return z, a

    result = check_code("forward", forward)
    assert result.mistake == "exception"
    assert "ValueError" in result.message and "matmul" in result.message
    assert "z.append(a[l - 1] @ W[l - 1] + W[l - 1][0])" in result.message
    assert "at line" in result.message and "of forward:" in result.message
    assert result.message.count("network 1") == 1


def test_a_bias_row_missing_from_the_gradient_is_a_wrong_shape():
    result = check_code("gradients", gradients_with(lambda z, a, d, l, m: a[l].T @ d[l + 1] / m))
    assert result.mistake == "wrong_shape"
    assert "grad_W[0] has shape (2, 3); the expected shape is (3, 3)" in result.message
    assert "bias row (row 0) is missing" in result.message


def test_a_changed_input_is_named():
    def gradients(z, a, delta):
        m, L = a[0].shape[0], len(a) - 1
        for l in range(1, L + 1):
            delta[l] /= m  # divides the caller's arrays
        return [np.vstack([delta[l + 1].sum(axis=0), a[l].T @ delta[l + 1]]) for l in range(L)]

    result = check_code("gradients", gradients)
    assert result.mistake == "mutated_input" and "delta" in result.message


def test_a_function_that_changes_its_answer_is_named():
    calls = []

    def update(W, grad_W, lr):
        calls.append(1)
        return [w - lr * g * (1 + 1e-6 * len(calls)) for w, g in zip(W, grad_W)]

    assert check_code("update", update).mistake == "nondeterministic"


def test_a_nan_or_infinity_is_named_by_its_number():
    result = check_code("output_delta", output_delta(lambda z, a, y, dL_da, df: dL_da(a, y) / (z - z)))
    assert result.mistake == "not_finite" and result.message.startswith("δ(D0) on network 1, sample 1 is")


def test_a_wrong_return_is_said_in_the_learners_terms():
    assert check_code("forward", lambda W, X, f: None).mistake == "wrong_type"
    result = check_code("forward", lambda W, X, f: (*forward_einsum(W, X, f), None))
    assert result.mistake == "wrong_type" and "the pair (z, a)" in result.message
    result = check_code("backward", lambda W, z, a, d, df: backward_einsum(W, z, a, d, df)[1:])
    assert result.mistake == "wrong_length" and "delta[0] = None" in result.message


def cost_gradient_einsum(w, b, x, y):
    a = w * np.asarray(x) + b
    m = len(x)
    return float(np.einsum("s,s->", a - y, x) / m), float(np.einsum("s->", a - y) / m)


def cost_gradient_loop(w, b, x, y):
    dw = db = 0.0
    for xs, ys in zip(list(x), list(y)):
        dw += (w * xs + b - ys) * xs
        db += w * xs + b - ys
    return [dw / len(x)], np.array([db / len(x)], dtype=np.float32)  # one-element list and float32: fine


@pytest.mark.parametrize("fn", [cost_gradient_einsum, cost_gradient_loop])
def test_the_cost_gradient_in_any_style_is_accepted(fn):
    assert check_code("cost_gradient", fn)


@pytest.mark.parametrize("key, fn", [
    ("sum_not_mean", lambda w, b, x, y: (np.sum((w * x + b - y) * x), np.sum(w * x + b - y))),
    ("loss:missing_half", lambda w, b, x, y: (np.mean(2 * (w * x + b - y) * x), np.mean(2 * (w * x + b - y)))),
    ("sign", lambda w, b, x, y: (np.mean((y - w * x - b) * x), np.mean(y - w * x - b))),
    ("missing_biases", lambda w, b, x, y: (np.mean((w * x - y) * x), np.mean(w * x - y))),
    ("wrong_shape", lambda w, b, x, y: ((w * x + b - y) * x, np.mean(w * x + b - y))),
])
def test_a_cost_gradient_slip_is_named(key, fn):
    result = check_code("cost_gradient", fn)
    assert not result and result.mistake == key, result
    assert "data set" in result.message


def test_every_slip_key_is_explained():
    for key in ("exception", "wrong_shape", "transposed", "not_finite", "mutated_input", "nondeterministic",
                "overwritten_grad", "no_topological_order", "missing_zero_grad", "tanh_from_z"):
        assert SLIPS[key]


# ----- the autograd task -------------------------------------------------------------------------------------
def reference_value():
    ns = {"math": math}
    exec(TASKS["autograd"].solution, ns)
    return ns["Value"]


def value_class(*, assign=False, tanh_from_z=False, order="topological", zero=True):
    """A learner's Value class: right, or with one slip."""

    class Value:
        def __init__(self, data, _prev=()):
            self.data, self.grad = float(data), 0.0
            self._prev = tuple(_prev)
            self._backward = lambda: None

        def _add_to(self, node, g):
            if assign:
                node.grad = g
            else:
                node.grad += g

        def __add__(self, other):
            out = Value(self.data + other.data, (self, other))

            def _backward():
                self._add_to(self, out.grad)
                self._add_to(other, out.grad)
            out._backward = _backward
            return out

        def __mul__(self, other):
            out = Value(self.data * other.data, (self, other))

            def _backward():
                self._add_to(self, other.data * out.grad)
                self._add_to(other, self.data * out.grad)
            out._backward = _backward
            return out

        def tanh(self):
            t = math.tanh(self.data)
            out = Value(t, (self,))

            def _backward():
                self._add_to(self, (1 - (self.data if tanh_from_z else t) ** 2) * out.grad)
            out._backward = _backward
            return out

        def backward(self):
            topo, seen = [], set()

            def build(v):
                if v not in seen:
                    seen.add(v)
                    for p in v._prev:
                        build(p)
                    topo.append(v)
            build(self)
            if zero:
                for v in topo:
                    v.grad = 0.0
            self.grad = 1.0
            if order == "topological":
                for v in reversed(topo):
                    v._backward()
            elif order == "breadth-first":  # each node as soon as it is reached
                queue = [self]
                while queue:
                    v = queue.pop(0)
                    v._backward()
                    queue.extend(v._prev)
            else:  # the order the Values were made in, reversed by hand: wrong at a diamond
                for v in sorted(topo, key=lambda v: -len(v._prev)):
                    v._backward()

    return Value


def test_right_value_classes_are_accepted():
    assert check_code("autograd", reference_value())
    assert check_code("autograd", value_class())


@pytest.mark.parametrize("kwargs, key", [
    ({"assign": True}, "overwritten_grad"),
    ({"tanh_from_z": True}, "tanh_from_z"),
    ({"zero": False}, "missing_zero_grad"),
    ({"order": "breadth-first"}, "no_topological_order"),
    ({"order": "by hand"}, "no_topological_order"),
])
def test_an_autograd_slip_is_named(kwargs, key):
    result = check_code("autograd", value_class(**kwargs))
    assert not result and result.mistake == key, result
    assert result.hint().startswith("Hint 1 of 3")


def test_an_autograd_without_topological_order_says_which_node_ran_too_early():
    result = check_code("autograd", value_class(order="breadth-first"))
    assert "_backward of" in result.note


def test_gradients_not_zeroed_are_seen_on_the_second_call():
    result = check_code("autograd", value_class(zero=False))
    assert "second call" in result.message and result.where == "on the second call of backward"


def test_a_mistake_made_on_some_networks_only_is_named_with_those_networks():
    def backward(W, z, a, delta_L, df):
        L = len(W)
        delta = [None] * (L + 1)
        delta[L] = delta_L
        for l in range(L - 1, 0, -1):
            slope = 1.0 if L == 2 else df[l](z[l])  # f' forgotten, but only in networks of one hidden layer
            delta[l] = (delta[l + 1] @ W[l][1:].T) * slope
        return delta

    result = check_code("backward", backward)
    assert not result and result.mistake == "missing_hidden_derivative" and not result.explanation
    shallow = [c.number for c in battery() if c.L == 2 and not c.identity_only]
    assert result.note.startswith(f"On networks {', '.join(map(str, shallow[:-1]))} and {shallow[-1]} your numbers "
                                  f"are exactly those of this mistake: f'(z) left out at the hidden units")


def test_code_that_rounds_to_float32_inside_is_accepted_with_a_note():
    def forward(W, X, f):
        z, a = [None], [X.astype(np.float32)]  # only the inputs in float32: the results come out float64
        for l in range(1, len(W) + 1):
            z.append(a[l - 1] @ W[l - 1][1:] + W[l - 1][0])
            a.append(f[l](z[l]))
        return z, a

    result = check_code("forward", forward)
    assert result.correct and "float32" in result.note and "float32" in repr(result)



def test_a_function_with_other_arguments_is_told_the_tasks_signature():
    result = check_code("forward", lambda W, X: None)
    assert result.mistake == "wrong_signature"
    assert result.message == "your function takes (W, X); the task calls it with (W, X, f)"


def test_what_the_learners_function_prints_is_not_shown(capsys):
    def update(W, grad_W, lr):
        print("debugging", lr)
        return [w - lr * g for w, g in zip(W, grad_W)]

    assert check_code("update", update)
    assert capsys.readouterr().out == ""


def output_delta_loops(z, a, y, dL_da, df):
    L = len(a) - 1
    m, n = np.shape(a[L])
    return [[float(dL_da(a[L][s][j], y[s][j]) * df[L](z[L][s][j])) for j in range(n)] for s in range(m)]


def output_delta_einsum(z, a, y, dL_da, df):
    return np.einsum("sj,sj->sj", dL_da(a[-1], y), df[-1](z[-1]))


@pytest.mark.parametrize("fn", [output_delta_loops, output_delta_einsum])
def test_the_output_delta_in_any_style_is_accepted(fn):
    assert check_code("output_delta", fn)


class MicrogradValue:
    """micrograd's engine as its author wrote it: _prev a set, a recursive topological sort."""

    def __init__(self, data, _children=(), _op=""):
        self.data = data
        self.grad = 0
        self._backward = lambda: None
        self._prev = set(_children)
        self._op = _op

    def __add__(self, other):
        other = other if isinstance(other, MicrogradValue) else MicrogradValue(other)
        out = MicrogradValue(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, MicrogradValue) else MicrogradValue(other)
        out = MicrogradValue(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def tanh(self):
        t = (math.exp(2 * self.data) - 1) / (math.exp(2 * self.data) + 1)
        out = MicrogradValue(t, (self,), "tanh")

        def _backward():
            self.grad += (1 - t ** 2) * out.grad
        out._backward = _backward
        return out

    def backward(self):
        topo, visited = [], set()

        def build_topo(v):
            if v not in visited:
                visited.add(v)
                for child in v._prev:
                    build_topo(child)
                topo.append(v)
        build_topo(self)
        for v in topo:
            v.grad = 0
        self.grad = 1
        for v in reversed(topo):
            v._backward()


def test_micrograds_own_value_class_is_accepted():
    assert check_code("autograd", MicrogradValue)
