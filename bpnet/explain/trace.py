"""A recorded trace of one training step: every number, in order, with its formula.

``trace_step(net, X, y, lr, rule=...)`` runs one update on a copy of ``net`` and
returns a ``Trace``: an ordered sequence of ``MicroStep`` records in four phases,

  forward  one step per unit and sample:   Z1 = w(X0->Z1)*X0 + ... = 1*1 + ... = 1
  loss     the loss of each sample (and the batch cost J when there are several)
  deltas   output deltas, then hidden deltas layer by layer towards the input
  updates  per weight: its gradient, then its update  w := w - lr*g

The numbers come from the network's own vectorised forward/backward pass; this
module only lays them out one by one and writes the formulas, each phase by its own
pair of functions (one records the phase's steps, one writes a step's formula).

Memory: a trace stores the update's arrays once, a small table with one row per
micro-step (what it computes and where), and for every number the index of the
step that computes it. The ``State`` of the whole network right after step i is
rebuilt from these on demand (``trace.state_at(i)``, or ``step.state``): every
number computed at or before i, NaN for the rest. So a trace costs
O(steps + weights) and any state is exact, in any order of access. Formulas are
written when asked for, in plain text (``step.formula``, ``step.numbers``) or LaTeX
(``step.latex``).

Notation in plain formulas: a unit's name stands for its activation (the worked
example writes Z1 for the value of unit Z1), z(Z1) for its pre-activation, δ(Z1)
for its delta, w(X0->Z1) for a weight and g(X0->Z1) for its gradient. LaTeX uses
Z_1, z_{Z_1}, δ_{Z_1}, w_{X_0→Z_1}, ∂L/∂w, := and lr, as the notation card does.
"""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..core.errors import DivergenceError
from ..core.losses import get_loss
from ..core.network import Backprop, Network
from ..core.checks import check_lr, check_rule
from ..core.notation import (ASSIGN, DISPLAY_WIDTH_EM, LR, PALETTE, PHASE_TITLES, TEX_ASSIGN, TEX_LR, PlainTex, fmt,
                             latex_number, latex_paren, link_name, markdown_escape, paren, tex_name, tex_operator,
                             tex_text, tex_width, weight_symbol)

__all__ = ["trace_step", "Trace", "MicroStep", "State", "Excerpt", "Formula", "PHASES", "MAX_WHOLE_STEPS", "fmt"]

PHASES = ("forward", "loss", "deltas", "updates")
#: Most steps ``to_text``/``to_json``/``to_dict`` build at once (a string of about 350 MB of JSON);
#: ``write_text``/``write_json`` write a trace of any size to a file step by step.
MAX_WHOLE_STEPS = 1_000_000
_PHASE_OF = {"forward": "forward", "loss": "loss", "delta": "deltas", "gradient": "updates", "update": "updates"}

# What a micro-step computes: one code per kind of formula.
_FWD, _FWD_Z, _FWD_RATIO, _LOSS, _LOSS_ARTICLE, _COST, _DELTA_OUT, _DELTA_HIDDEN, _GRAD, _UPDATE = range(10)
_KIND = ("forward", "forward", "forward", "loss", "loss", "loss", "delta", "delta", "gradient", "update")
_UNIT_CODES = (_FWD, _FWD_Z, _FWD_RATIO, _DELTA_OUT, _DELTA_HIDDEN)  # row = sample, col = unit
_WEIGHT_CODES = (_GRAD, _UPDATE)  # row = source unit (0 = bias), col = destination unit
_NEVER = np.iinfo(np.int64).max  # "not computed in this trace"
#: The colour that marks the number a step computes in its LaTeX form.
CHANGED_COLOUR = PALETTE["changed"]


# ----- the state at one moment ----------------------------------------------------------
@dataclass(frozen=True)
class State:
    """The whole network at one moment. Arrays are read-only; NaN means not computed yet.

    weights[l]: (n_l + 1, n_{l+1}) — the weights *as updated so far*
    z[l], delta[l]: (m, n_{l+1});  a[l]: (m, n_l) with a[0] = X
    grad[l]: like weights[l];  loss: (m,) per sample;  cost: float
    """

    weights: tuple
    z: tuple
    a: tuple
    delta: tuple
    grad: tuple
    loss: np.ndarray
    cost: float


def _read_only(arr: np.ndarray) -> np.ndarray:
    arr.flags.writeable = False
    return arr


# ----- notation: the same formula in plain text or LaTeX --------------------------------
class _Plain:
    """How a formula is spelled in plain text (the CLI, ``to_text``, the widgets' fallback)."""

    mul, assign, lr, loss_name = "*", ASSIGN, LR, "loss"

    def __init__(self, trace: "Trace"):
        self.m = trace.X.shape[0]

    def u(self, name):  # a unit's activation
        return name

    def z(self, name):
        return f"z({name})"

    def d(self, name):
        return f"δ({name})"

    def w(self, name):
        return weight_symbol(name)

    def g(self, name):
        return f"g({name})"

    def y(self, k, n_out):
        return "y" if n_out == 1 else f"y{k}"

    def n(self, x):
        return fmt(x)

    def p(self, x):
        return paren(x)

    def f(self, act, arg):
        return f"{act.symbol}({arg})"

    def fp(self, name):
        return f"f'(z({name}))"

    def exp(self, x):
        return f"e^{x}"

    def ratio(self, num, den):
        return f"{num} / ({den})"

    def mean(self, x):
        return f"mean({x})"

    def over_m(self, total, m):
        return f"({total})/{m}"

    def paren(self, x):
        return f"({x})"

    def half(self, x):
        return f"1/2*{x}"

    def per_sample(self, name, s):
        return f"{name}{s + 1}"

    def dl_dz(self, name):
        return f"dL/dz({name})"

    def dl_da(self, name):
        return f"dL/d{name}"

    def pre(self, s):
        return f"sample {s + 1}: " if self.m > 1 else ""

    def held(self, name):
        return f"{weight_symbol(name)} := {weight_symbol(name)} (held fixed)"

    def from_plain(self, text):  # a loss's own text (written in plain text)
        return text

    def changed(self, x):
        return fmt(x)


class _Tex(_Plain):
    """The same formulas in LaTeX, for MathJax (``HTMLMath`` widgets, Markdown output)."""

    mul, assign, lr, loss_name = r" \cdot ", TEX_ASSIGN, TEX_LR, r"\text{loss}"

    def __init__(self, trace: "Trace"):
        super().__init__(trace)
        self.names = trace._tex_names()
        self.rule = trace.rule
        self.plain_tex = PlainTex(self.names)

    def u(self, name):
        return self.names[name]

    def z(self, name):
        return tex_name(f"z({name})")

    def d(self, name):
        return tex_name(f"δ({name})")

    def w(self, name):
        return tex_name(weight_symbol(name))

    def g(self, name):
        if self.rule == "article":  # not a gradient: the article's a_src * (y - a)
            return tex_name(f"g({name})")
        of = "J" if self.m > 1 else "L"
        return rf"\frac{{\partial {of}}}{{\partial {self.w(name)}}}"

    def y(self, k, n_out):
        return "y" if n_out == 1 else f"y_{{{k}}}"

    def n(self, x):
        return latex_number(x)

    def p(self, x):
        return latex_paren(x)

    def f(self, act, arg):
        return rf"{tex_operator(act.symbol)}\left({arg}\right)"

    def fp(self, name):
        return f"f'({self.z(name)})"

    def exp(self, x):
        return f"e^{{{x}}}"

    def ratio(self, num, den):
        return rf"\frac{{{num}}}{{{den}}}"

    def mean(self, x):
        return rf"\operatorname{{mean}}\left({x}\right)"

    def over_m(self, total, m):
        return rf"\frac{{{total}}}{{{m}}}"

    def paren(self, x):
        return rf"\left({x}\right)"

    def half(self, x):
        return rf"\tfrac{{1}}{{2}}{x}"

    def per_sample(self, name, s):
        return f"{name}_{{{s + 1}}}"

    def dl_dz(self, name):
        return rf"\frac{{\partial L}}{{\partial {self.z(name)}}}"

    def dl_da(self, name):
        return rf"\frac{{\partial L}}{{\partial {self.names[name]}}}"

    def pre(self, s):
        # No sample label inside the formula: a view shows the sample beside it (the widget's
        # heading), and MicroStep.latex puts it in front of the whole line.
        return ""

    def held(self, name):
        return rf"{self.w(name)} \text{{ held fixed}}"

    def from_plain(self, text):
        return self.plain_tex(text)

    def changed(self, x):
        return rf"{{\color{{{CHANGED_COLOUR}}}{{{latex_number(x)}}}}}"


# ----- what the activations and losses say about themselves ------------------------------
def _sub(template: str, a: str, y: str) -> str:
    """A formula in a and y (e.g. a loss's dL/da, "a - y") with names or numbers put in their place."""
    return re.sub(r"(?<![\\A-Za-z])([ay])(?![A-Za-z])", lambda mo: a if mo.group(1) == "a" else y, template)


def _is_sum(text: str) -> bool:
    """True if ``text`` has a +, - or / outside every parenthesis (so a product needs it in parentheses)."""
    depth = 0
    for k, ch in enumerate(text):
        depth += (ch == "(") - (ch == ")")
        if depth == 0 and (ch == "/" or (ch in "+-" and k > 0 and text[k - 1] == " ")):
            return True
    return False


def _loss_terms(nt, loss, outs, a_row, y_row):
    """(symbols, numbers) of one sample's loss, as the loss writes them."""
    sym, num = loss.written(outs, a_row, y_row)
    return nt.from_plain(sym), nt.from_plain(num)


# ----- recording: one function per phase ------------------------------------------------
class _Recorder:
    """The step table (one row per micro-step) and, per number, the step that computes it."""

    def __init__(self, run: "_Run"):
        m = run.m
        never = lambda shape: np.full(shape, _NEVER, dtype=np.int64)  # noqa: E731
        self.when = {
            "weights": [never(w.shape) for w in run.before.W],
            "grad": [never(w.shape) for w in run.before.W],
            "z": [never((m, n)) for n in run.before.sizes[1:]],
            "a": [np.full((m, run.before.sizes[0]), -1, dtype=np.int64)]
                 + [never((m, n)) for n in run.before.sizes[1:]],
            "delta": [never((m, n)) for n in run.before.sizes[1:]],
        }
        self.loss_writes: list[tuple[int, int, float]] = []  # (step, sample, value)
        self.cost_at = _NEVER
        self.rows: list[tuple] = []  # (code, layer, row, col, values) per block
        self.n = 0

    def add(self, code: int, layer: int, row, col, values, sets=()) -> np.ndarray:
        """A block of steps of one code and layer; ``sets`` names the (field, layer) they compute."""
        row = np.broadcast_to(np.asarray(row, dtype=np.int64), np.shape(values))
        col = np.broadcast_to(np.asarray(col, dtype=np.int64), np.shape(values))
        index = np.arange(self.n, self.n + row.size)
        for field_, fl in sets:
            self.when[field_][fl][row, col] = index
        self.rows.append((code, layer, row, col, np.asarray(values, dtype=float)))
        self.n += row.size
        return index

    def table(self):
        code = np.concatenate([np.broadcast_to(np.asarray(r[0], dtype=np.int8), r[2].shape).ravel()
                               for r in self.rows])
        layer = np.concatenate([np.full(r[2].size, r[1], dtype=np.int16) for r in self.rows])
        row = np.concatenate([r[2].ravel() for r in self.rows]).astype(np.int32)
        col = np.concatenate([r[3].ravel() for r in self.rows]).astype(np.int32)
        value = np.concatenate([r[4].ravel() for r in self.rows])
        return code, layer, row, col, value


def _record_forward(rec: _Recorder, run: "_Run") -> None:
    """One step per unit and sample, sample by sample, layer by layer (softmax: all z, then a)."""
    for s in range(run.m):
        for l, act in enumerate(run.before.acts):
            n = run.before.sizes[l + 1]
            j = np.arange(n)
            if act.elementwise:
                rec.add(_FWD, l, s, j, run.a[l + 1][s], [("a", l + 1), ("z", l)])
            else:  # z first, then the normalised a, for every unit of the layer
                rec.add(_FWD_Z, l, s, j, run.z[l][s], [("z", l)])
                rec.add(_FWD_RATIO, l, s, j, run.a[l + 1][s], [("a", l + 1)])


def _record_loss(rec: _Recorder, run: "_Run") -> None:
    """The loss of each sample, then the cost J when the batch has several samples.

    The article's rule records its "loss" y - a per output, which is also its delta.
    """
    m, n_out = run.m, run.before.sizes[-1]
    if run.rule == "article":
        for s in range(m):
            values = run.y[s] - run.a[-1][s]
            index = rec.add(_LOSS_ARTICLE, run.L - 1, s, np.arange(n_out), values)
            rec.loss_writes += [(int(i), s, float(v)) for i, v in zip(index, values)]
        return
    index = rec.add(_LOSS, run.L - 1, np.arange(m), 0, run.per_sample)
    rec.loss_writes += [(int(i), s, float(v)) for s, (i, v) in enumerate(zip(index, run.per_sample))]
    if m > 1:
        rec.cost_at = int(rec.add(_COST, run.L - 1, -1, -1, [run.cost])[0])


def _record_deltas(rec: _Recorder, run: "_Run") -> None:
    """Output deltas sample by sample, then each hidden layer towards the input."""
    L = run.L
    for s in range(run.m):
        rec.add(_DELTA_OUT, L - 1, s, np.arange(run.before.sizes[-1]), run.delta[-1][s], [("delta", L - 1)])
    for l in range(L - 2, -1, -1):
        for s in range(run.m):
            rec.add(_DELTA_HIDDEN, l, s, np.arange(run.before.sizes[l + 1]), run.delta[l][s], [("delta", l)])


def _record_updates(rec: _Recorder, run: "_Run") -> None:
    """Per weight, row by row: its gradient, then its update (the deltas used the old weights)."""
    for l, (g, w_new) in enumerate(zip(run.grads, run.w_after)):
        i, j = np.indices(g.shape)
        # Interleave: gradient of w, update of w, gradient of the next weight, ...
        rows = np.repeat(i.ravel(), 2)
        cols = np.repeat(j.ravel(), 2)
        values = np.empty(2 * g.size)
        values[0::2], values[1::2] = g.ravel(), w_new.ravel()
        first = rec.n
        for offset, field_ in ((0, "grad"), (1, "weights")):
            rec.when[field_][l][i.ravel(), j.ravel()] = first + offset + 2 * np.arange(g.size)
        rec.rows.append((np.tile(np.array([_GRAD, _UPDATE], dtype=np.int8), g.size), l, rows, cols, values))
        rec.n += 2 * g.size


# ----- writing: one function per phase --------------------------------------------------
def _write_forward(run: "_Run", nt, code, l, s, j):
    net = run.before
    act = net.acts[l]
    dst = net.dest_name(l, j)
    srcs = net.unit_names(l)
    pre = nt.pre(s)
    if code == _FWD_RATIO:
        outs = net.unit_names(l + 1)
        zs = run.z[l][s]
        den_sym = " + ".join(nt.exp(nt.z(o)) for o in outs)
        den_num = " + ".join(nt.exp(nt.p(v)) for v in zs)
        return (f"{pre}{nt.u(dst)} = {nt.ratio(nt.exp(nt.z(dst)), den_sym)}",
                nt.ratio(nt.exp(nt.p(zs[j])), den_num))
    a_src = np.concatenate([[1.0], run.a[l][s]])
    sym = " + ".join(f"{nt.w(link_name(src, dst))}{nt.mul}{nt.u(src)}" for src in srcs)
    num = " + ".join(f"{nt.p(w)}{nt.mul}{nt.p(a)}" for w, a in zip(run.w_before[l][:, j], a_src))
    if code == _FWD_Z:
        return f"{pre}{nt.z(dst)} = {sym}", num
    if act.formula == "z":  # f(z) = z: the weighted sum is the activation
        return f"{pre}{nt.u(dst)} = {sym}", num
    return (f"{pre}{nt.u(dst)} = {nt.f(act, sym)}",
            f"{nt.f(act, num)} = {nt.f(act, nt.n(run.z[l][s, j]))}")


def _write_loss(run: "_Run", nt, code, l, s, k):
    net = run.before
    outs = net.unit_names(run.L)
    if code == _COST:
        terms = " + ".join(nt.per_sample("L", t) for t in range(run.m))
        nums = " + ".join(nt.n(v) for v in run.per_sample)
        return f"J = {nt.over_m(terms, run.m)}", nt.over_m(nums, run.m)
    pre = nt.pre(s)
    if code == _LOSS_ARTICLE:
        return (f"{pre}{nt.loss_name} = {nt.y(k, len(outs))} - {nt.u(outs[k])}",
                f"{nt.n(run.y[s, k])} - {nt.n(run.a[-1][s, k])}")
    sym, num = _loss_terms(nt, run.loss, outs, run.a[-1][s], run.y[s])
    return f"{pre}L = {sym}", num


def _write_delta(run: "_Run", nt, code, l, s, j):
    net = run.before
    pre = nt.pre(s)
    if code == _DELTA_OUT:
        outs = net.unit_names(run.L)
        o, n_out = outs[j], len(outs)
        a_, y_ = run.a[-1][s, j], run.y[s, j]
        act = net.acts[-1]
        yk = nt.y(j, n_out)
        if run.rule == "article":
            sym, num = f"{yk} - {nt.u(o)}", f"{nt.n(y_)} - {nt.n(a_)}"
        elif run.loss.short_delta(act) and act.derivative != "1":
            # The short form a - y is what is computed (the chain rule's factors cancel).
            sym, num = f"{nt.u(o)} - {yk}", f"{nt.n(a_)} - {nt.n(y_)}"
        elif not act.elementwise:
            sym, num = nt.dl_dz(o), nt.n(run.delta[-1][s, j])
        else:  # the chain rule: dL/da (as the loss writes it) times f'(z)
            fp = act.df(run.z[-1][s, j])
            grad = run.loss.grad_formula
            y_name = "y" if n_out == 1 else f"y{j}"  # plain: the loss writes its dL/da in plain text
            sym, num = nt.from_plain(_sub(grad, o, y_name)), nt.from_plain(_sub(grad, fmt(a_), paren(y_)))
            if _is_sum(grad):  # a sum or quotient is a factor of the product only in parentheses
                sym, num = nt.paren(sym), nt.paren(num)
            sym, num = f"{sym}{nt.mul}{nt.fp(o)}", f"{num}{nt.mul}{nt.p(fp)}"
        return f"{pre}{nt.d(o)} = {sym}", num
    u = net.dest_name(l, j)
    nxt = [net.dest_name(l + 1, k) for k in range(net.sizes[l + 2])]
    fp = net.acts[l].df(run.z[l][s, j])
    sym = " + ".join(f"{nt.w(link_name(u, n))}{nt.mul}{nt.d(n)}" for n in nxt)
    num = " + ".join(f"{nt.p(w)}{nt.mul}{nt.p(dn)}" for w, dn in zip(run.w_before[l + 1][j + 1], run.delta[l + 1][s]))
    return f"{pre}{nt.d(u)} = {nt.fp(u)}{nt.mul}{nt.paren(sym)}", f"{nt.p(fp)}{nt.mul}{nt.paren(num)}"


def _write_update(run: "_Run", nt, code, l, i, j):
    net = run.before
    src, dst = net.unit_name(l, i), net.dest_name(l, j)
    name = net.weight_name(l, i, j)
    if code == _GRAD:
        a_src = np.ones(run.m) if i == 0 else run.a[l][:, i - 1]
        prods = [f"{nt.p(a)}{nt.mul}{nt.p(d)}" for a, d in zip(a_src, run.delta[l][:, j])]
        if run.m == 1:
            sym, num = f"{nt.u(src)}{nt.mul}{nt.d(dst)}", prods[0]
        else:
            sym, num = nt.mean(f"{nt.u(src)}{nt.mul}{nt.d(dst)}"), nt.over_m(" + ".join(prods), run.m)
        return f"{nt.g(name)} = {sym}", num
    if name in run.frozen:
        return nt.held(name), None
    g = run.grads[l][i, j]
    return (f"{nt.w(name)} {nt.assign} {nt.w(name)} - {nt.lr}{nt.mul}{nt.g(name)}",
            f"{nt.n(run.w_before[l][i, j])} - {nt.n(run.lr)}{nt.mul}{nt.p(g)}")


_WRITERS = {_FWD: _write_forward, _FWD_Z: _write_forward, _FWD_RATIO: _write_forward,
            _LOSS: _write_loss, _LOSS_ARTICLE: _write_loss, _COST: _write_loss,
            _DELTA_OUT: _write_delta, _DELTA_HIDDEN: _write_delta, _GRAD: _write_update, _UPDATE: _write_update}


# ----- the numbers of one update --------------------------------------------------------
class _Run:
    """Every number of one update, computed once by the network's vectorised pass."""

    def __init__(self, net: Network, X, y, lr, loss, rule):
        self.before = net.copy()
        self.X, self.y, self.lr, self.loss, self.rule = X, y, lr, loss, rule
        self.m, self.L = X.shape[0], net.n_layers
        self.after = net.copy()
        bp = Backprop(self.after, loss, rule)
        fwd = bp.forward(X)
        delta = bp.deltas(fwd, y)
        grads = bp.gradients(fwd, delta)
        bp.apply(grads, lr)
        self.frozen = frozenset(getattr(net, "frozen", ()) or ())
        # Private read-only copies, so a trace never changes with the arrays it was computed
        # from, nor when its networks ``before``/``after`` are changed or trained further.
        self.w_before = [_read_only(w.copy()) for w in net.W]
        self.w_after = [_read_only(w.copy()) for w in self.after.W]
        self.z = [np.array(z) for z in fwd.z]
        self.a = [np.array(a) for a in fwd.a]
        self.delta = [np.array(d) for d in delta]
        self.grads = [np.array(g) for g in grads]
        # from z where the loss can (cross-entropy): the true loss at any z, as Network.step reports it
        self.per_sample = np.asarray(loss.sample_losses(self.a[-1], y, self.z[-1], net.acts[-1]), dtype=float)
        self.cost = float(np.mean(self.per_sample))


# ----- the micro-steps ------------------------------------------------------------------
class MicroStep:
    """One number of the update: what it is, how it is computed, and its value.

    ``formula`` (in symbols) and ``numbers`` (the same with numbers, ending in
    "= value") are plain text; ``latex`` is the whole line in LaTeX with the computed
    value coloured. ``state`` is the whole network right after this step (rebuilt on
    demand). ``where`` = (field, layer, index) of the value in a State.
    """

    __slots__ = ("trace", "index", "_code", "_layer", "_row", "_col", "value")

    def __init__(self, trace: "Trace", index: int):
        t = trace._table
        self.trace, self.index = trace, index
        self._code, self._layer = int(t[0][index]), int(t[1][index])
        self._row, self._col = int(t[2][index]), int(t[3][index])
        self.value = float(t[4][index])

    @property
    def kind(self) -> str:
        """forward | loss | delta | gradient | update"""
        return _KIND[self._code]

    @property
    def phase(self) -> str:
        return _PHASE_OF[self.kind]

    @property
    def sample(self) -> int | None:
        """Which sample (0-based) for per-sample steps, None for batch-wide ones."""
        if self._code in _UNIT_CODES or self._code in (_LOSS, _LOSS_ARTICLE):
            return self._row
        return None

    @property
    def name(self) -> str:
        """A unit (Z1, or z(D0) for softmax's first step), a weight (X0->Z1), or L / loss / J."""
        c, net = self._code, self.trace.before
        if c in _WEIGHT_CODES:
            return net.weight_name(self._layer, self._row, self._col)
        if c in _UNIT_CODES:
            dst = net.dest_name(self._layer, self._col)
            return f"z({dst})" if c == _FWD_Z else dst
        return {_LOSS: "L", _LOSS_ARTICLE: "loss", _COST: "J"}[c]

    @property
    def where(self) -> tuple:
        """Where the value lives in a State: (field, layer, index), e.g. ("weights", 0, (0, 0))."""
        c, l, rc = self._code, self._layer, (self._row, self._col)
        if c in (_FWD, _FWD_RATIO):
            return ("a", l + 1, rc)
        return {_FWD_Z: ("z", l, rc), _DELTA_OUT: ("delta", l, rc), _DELTA_HIDDEN: ("delta", l, rc),
                _GRAD: ("grad", l, rc), _UPDATE: ("weights", l, rc), _LOSS: ("loss", None, self._row),
                _LOSS_ARTICLE: ("loss", None, self._row), _COST: ("cost", None, None)}[c]

    def _write(self, nt) -> tuple[str, str]:
        formula, numbers = _WRITERS[self._code](self.trace._run, nt, self._code, self._layer, self._row, self._col)
        value = nt.changed(self.value)
        return formula, value if numbers is None else f"{numbers} = {value}"

    @property
    def formula(self) -> str:
        """In symbols, e.g. "Z1 = w(X0->Z1)*X0 + w(X1->Z1)*X1"."""
        return self._write(self.trace._plain())[0]

    @property
    def numbers(self) -> str:
        """The same with numbers, ending in "= value"."""
        return self._write(self.trace._plain())[1]

    @property
    def text(self) -> str:
        return " = ".join(self._write(self.trace._plain()))

    @property
    def formula_latex(self) -> str:
        """The formula in LaTeX symbols: w_{X_0 \\to Z_1}, \\delta_{Z_1}, \\mathrm{lr}, ..."""
        return self._write(self.trace._tex())[0]

    @property
    def numbers_latex(self) -> str:
        """The numbers in LaTeX, the computed value coloured with CHANGED_COLOUR."""
        return self._write(self.trace._tex())[1]

    @property
    def latex(self) -> str:
        """The whole line in LaTeX (no $ delimiters): symbols = numbers = value, led by
        "sample k:" when the batch has several samples and the step belongs to one."""
        line = " = ".join(self._write(self.trace._tex()))
        if self.sample is not None and len(self.trace.X) > 1:
            line = rf"\text{{sample {self.sample + 1}: }}\; " + line
        return line

    def _repr_markdown_(self) -> str:
        return f"$${_display(self.latex, self.text)}$$"

    def _repr_pretty_(self, p, cycle) -> None:  # IPython's text/plain: the step's plain line
        p.text(self.text)

    @property
    def state(self) -> State:
        """The whole network right after this step (NaN where not computed yet)."""
        return self.trace.state_at(self.index)

    def to_dict(self) -> dict:
        formula, numbers = self._write(self.trace._plain())
        return {
            "index": self.index, "kind": self.kind, "phase": self.phase, "name": self.name,
            "sample": self.sample, "formula": formula, "numbers": numbers, "value": self.value,
        }

    def _key(self):
        return (self.index, self.kind, self.name, self.sample, self.value)

    def __eq__(self, other) -> bool:
        if not isinstance(other, MicroStep):
            return NotImplemented
        return self._key() == other._key() and self.text == other.text

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (f"MicroStep(index={self.index}, kind={self.kind!r}, name={self.name!r}, "
                f"sample={self.sample!r}, value={self.value!r})")


class _Steps(Sequence):
    """The micro-steps of a trace as a read-only sequence; each is built when read."""

    def __init__(self, trace: "Trace"):
        self._trace = trace

    def __len__(self) -> int:
        return self._trace._n

    def __getitem__(self, k):
        if isinstance(k, slice):
            return [MicroStep(self._trace, i) for i in range(*k.indices(len(self)))]
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
            raise TypeError(f"step index must be a whole number, got {k!r}")
        k = int(k)
        if k < 0:
            k += len(self)
        if not 0 <= k < len(self):
            raise IndexError(f"step index {k} is outside 0..{len(self) - 1}")
        return MicroStep(self._trace, k)

    def __iter__(self):
        return (MicroStep(self._trace, i) for i in range(len(self)))


class Trace:
    """The recorded micro-steps of one update, with the network before and after.

    ``steps`` (also ``trace[i]``, ``len(trace)``, iteration) are the micro-steps;
    ``state_at(i)`` the network right after step i. ``before``/``after`` are copies of
    the network; ``X``, ``y``, ``lr``, ``rule`` and ``loss`` (a name) what it ran on.
    """

    _CACHE = 8  # states kept, so a widget moving back and forth rebuilds few

    def __init__(self, run: _Run, rec: _Recorder):
        self._run = run
        self._table = rec.table()
        self._n = len(self._table[0])
        self._when = {k: tuple(_read_only(w) for w in v) for k, v in rec.when.items()}
        self._loss_writes = rec.loss_writes
        self._cost_at = rec.cost_at
        self._states: OrderedDict[int, State] = OrderedDict()
        self._lock = threading.Lock()
        self._units = None  # unit name -> (layer, column), made by the first find()
        self._tex_cache = self._plain_cache = None
        self.steps = _Steps(self)
        self.before, self.after = run.before, run.after
        self.X, self.y, self.lr, self.rule, self.loss = run.X, run.y, run.lr, run.rule, run.loss.name

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, k):
        return self.steps[k]

    def __iter__(self):
        return iter(self.steps)

    # ----- states, rebuilt on demand ------------------------------------------------
    def when(self, field_: str) -> tuple:
        """Per layer, the index of the step that computes each number of ``field_``.

        ``field_`` is weights, grad, z, a or delta; the arrays have that field's shapes in
        a State. -1: known before the first step (the inputs); a huge number: never.
        """
        return self._when[field_]

    def state_at(self, i: int) -> State:
        """The whole network right after step ``i``: what is computed by then, NaN for the rest."""
        i = int(i)
        if not 0 <= i < self._n:
            raise IndexError(f"step index {i} is outside 0..{self._n - 1}")
        with self._lock:  # a widget may play in a background thread while the learner clicks
            cached = self._states.get(i)
            if cached is not None:
                self._states.move_to_end(i)
                return cached
        run, w = self._run, self._when
        nan = np.nan

        def known(when, value, otherwise):
            return tuple(_read_only(np.where(t <= i, v, o)) for t, v, o in zip(when, value, otherwise))

        loss = np.full(run.m, nan)
        for k, s, v in self._loss_writes:
            if k <= i:
                loss[s] = v
        state = State(
            weights=known(w["weights"], run.w_after, run.w_before),
            z=known(w["z"], run.z, [nan] * run.L),
            a=known(w["a"], run.a, [nan] * (run.L + 1)),
            delta=known(w["delta"], run.delta, [nan] * run.L),
            grad=known(w["grad"], run.grads, [nan] * run.L),
            loss=_read_only(loss),
            cost=run.cost if self._cost_at <= i else nan,
        )
        with self._lock:
            self._states[i] = state
            while len(self._states) > self._CACHE:
                self._states.popitem(last=False)
        return state

    # ----- finding steps ------------------------------------------------------------
    def phase_starts(self) -> dict[str, int]:
        """Index of the first step of each phase."""
        code = self._table[0]
        starts = {}
        for phase in PHASES:
            codes = [c for c, k in enumerate(_KIND) if _PHASE_OF[k] == phase]
            hits = np.flatnonzero(np.isin(code, codes))
            if hits.size:
                starts[phase] = int(hits[0])
        return starts

    def find(self, kind: str, name: str, sample: int | None = None) -> MicroStep:
        """The first step of ``kind`` about ``name`` (and ``sample`` if given)."""
        code, layer, row, col, _ = self._table
        net = self.before
        mask = None
        if kind in ("gradient", "update"):
            try:
                l, i, j = net.weight_index(name)
            except KeyError:
                mask = None
            else:
                mask = (code == (_GRAD if kind == "gradient" else _UPDATE)) & (layer == l) & (row == i) & (col == j)
        elif kind in ("forward", "delta"):
            unit = name[2:-1] if kind == "forward" and name.startswith("z(") else name
            where = self._unit_where().get(unit)
            if where is not None:
                l, j = where
                if kind == "delta":
                    codes = [_DELTA_OUT, _DELTA_HIDDEN]
                else:
                    codes = [_FWD_Z] if name.startswith("z(") else [_FWD, _FWD_RATIO]
                mask = np.isin(code, codes) & (layer == l) & (col == j)
                if sample is not None:
                    mask &= row == sample
        elif kind == "loss":
            codes = {"L": [_LOSS], "loss": [_LOSS_ARTICLE], "J": [_COST]}.get(name)
            if codes is not None:
                mask = np.isin(code, codes)
                if sample is not None:
                    mask &= row == sample
        hits = np.flatnonzero(mask) if mask is not None else ()
        if len(hits):
            return MicroStep(self, int(hits[0]))
        raise KeyError(f"no {kind} step for {name!r} in this trace")

    def _unit_where(self) -> dict[str, tuple[int, int]]:
        """Unit name -> (weight layer that computes it, column)."""
        if self._units is None:
            net = self.before
            self._units = {net.dest_name(l, j): (l, j) for l in range(net.n_layers) for j in range(net.sizes[l + 1])}
        return self._units

    def _tex_names(self) -> dict[str, str]:
        net = self.before
        return {name: tex_name(name) for layer in range(len(net.sizes)) for name in net.unit_names(layer)}

    def _plain(self) -> _Plain:
        if self._plain_cache is None:
            self._plain_cache = _Plain(self)
        return self._plain_cache

    def _tex(self) -> _Tex:
        if self._tex_cache is None:
            self._tex_cache = _Tex(self)
        return self._tex_cache

    # ----- whole-trace forms --------------------------------------------------------
    def _shown(self, chosen, max_steps) -> int:
        """How many steps a text of ``chosen`` (None: all) capped at ``max_steps`` writes."""
        n = self._n if chosen is None else len(chosen)
        return n if max_steps is None or isinstance(max_steps, bool) else min(n, max(int(max_steps), 0))

    def _check_fits(self, form: str, n_steps: int, bytes_per_step: int, stream: str) -> None:
        """A ValueError with the size it would take, before building a whole-trace string or
        dict of more than MAX_WHOLE_STEPS steps (the ``write_*`` methods stream any size)."""
        if n_steps > MAX_WHOLE_STEPS:
            size = n_steps * bytes_per_step
            raise ValueError(
                f"this trace has {n_steps:,} steps: {form} would take about {size / 1e9:,.1f} GB in memory "
                f"(at most {MAX_WHOLE_STEPS:,} steps are built at once); write it to a file step by step "
                f"instead: with open('trace.out', 'w') as f: trace.{stream}(f)")

    def _head_dict(self) -> dict:
        return {
            "rule": self.rule, "loss": self.loss, "lr": self.lr,
            "inputs": self.X.tolist(), "targets": self.y.tolist(),
            "weights_before": self.before.weights_dict(),
            "weights_after": self.after.weights_dict(),
        }

    def to_dict(self) -> dict:
        self._check_fits("its dict", self._n, 1000, "write_json")
        return {**self._head_dict(), "steps": [s.to_dict() for s in self.steps]}

    def to_json(self) -> str:
        self._check_fits("its JSON", self._n, 350, "write_json")
        # Strict JSON: a NaN/inf would be written as NaN/-Infinity, which strict parsers refuse.
        return json.dumps(self.to_dict(), indent=2, allow_nan=False)

    def write_json(self, fh) -> None:
        """Write ``to_json()``'s text to the open text file ``fh``, one step at a time: any size of
        trace, in the memory of one step (plus the weights before and after)."""
        def dump(v) -> str:  # a value at the second level of indentation, as json.dumps(indent=2) writes it
            return json.dumps(v, indent=2, allow_nan=False).replace("\n", "\n  ")

        fh.write("{\n" + "".join(f'  "{k}": {dump(v)},\n' for k, v in (
            ("rule", self.rule), ("loss", self.loss), ("lr", self.lr), ("inputs", self.X.tolist()),
            ("targets", self.y.tolist()))))
        for key, net in (("weights_before", self.before), ("weights_after", self.after)):
            fh.write(f'  "{key}": {{')  # one weight a line: no dict of a million names in memory
            for l, w in enumerate(net.W):
                for i in range(w.shape[0]):
                    fh.write("".join(f'{"," if (l, i, j) != (0, 0, 0) else ""}\n    '
                                     f'{json.dumps(net.weight_name(l, i, j))}: {dump(float(w[i, j]))}'
                                     for j in range(w.shape[1])))
            fh.write("\n  },\n")
        if not self._n:
            fh.write('  "steps": []\n}')
            return
        fh.write('  "steps": [')
        for i, step in enumerate(self.steps):
            # A step is a flat dict: written key by key (json's indenting encoder is pure Python, 3x slower).
            text = "{" + ",".join(f"\n      {json.dumps(k)}: {json.dumps(v, allow_nan=False)}"
                                  for k, v in step.to_dict().items()) + "\n    }"
            fh.write(("\n    " if i == 0 else ",\n    ") + text)
        fh.write("\n  ]\n}")

    _HEADS = PHASE_TITLES

    def _title(self) -> str:
        rule = ("the article's rule: delta(output) = y - a, then w := w - lr*a_src*delta_dst"
                if self.rule == "article" else f"gradient descent on the {self.loss} loss")
        return f"One update with {rule}, learning rate {fmt(self.lr)}"

    def to_text(self, steps=None, max_steps: int | None = None) -> str:
        """The whole step as a worked solution: one micro-step a line, phase by phase.

        ``steps`` writes only some steps (see ``excerpt``), under their phases' headings,
        without the title; the weights table closes any text that reaches the last step.
        ``max_steps`` caps the number of steps written (None: all of them).
        """
        chosen = None if steps is None else select_steps(self, steps)
        self._check_fits("its text", self._shown(chosen, max_steps), 120, "write_text")
        return "\n".join(self._text_lines(chosen, max_steps)).lstrip("\n")

    def write_text(self, fh) -> None:
        """Write ``to_text()`` to the open text file ``fh``, one line at a time (any size of trace)."""
        started = False
        for line in self._text_lines(None, None):
            if started or line:
                fh.write(("\n" if started else "") + line)
                started = True

    def _text_lines(self, chosen, max_steps):
        if chosen is None:
            yield self._title()
            for x, t in zip(self.X, self.y):
                yield f"  sample: x = ({', '.join(fmt(v) for v in x)}), y = ({', '.join(fmt(v) for v in t)})"
        indices = range(self._n) if chosen is None else chosen
        shown = capped(indices, max_steps)
        yield from phase_lines((self.steps[i] for i in shown), self._HEADS, markdown=False)
        if len(shown) < len(indices):
            yield from ["", f"... and {len(indices) - len(shown)} more steps"]
        elif indices and indices[-1] == self._n - 1:
            yield from ["", "Weights before -> after:"]
            after = self.after.weights_dict()
            for name, w in self.before.weights_dict().items():
                yield f"  {name:<10} {fmt(w):>10} -> {fmt(after[name])}"

    def to_markdown(self, max_steps: int | None = 200, steps=None) -> str:
        """The whole step as Markdown with LaTeX formulas (one $$...$$ line per micro-step).

        ``max_steps`` caps the number of steps written (None: all of them); ``steps`` writes
        only some steps (see ``excerpt``), under their phases' headings, without the title.
        A text that reaches the last step ends with the weights before and after the update.
        """
        chosen = None if steps is None else select_steps(self, steps)
        self._check_fits("its Markdown", self._shown(chosen, max_steps), 250, "write_text")
        lines = []
        if chosen is None:
            if self.rule == "article":
                rule = (r"the article's rule: $\delta_{\text{out}} = y - a$, then "
                        rf"$w {TEX_ASSIGN} w - {TEX_LR} \cdot a_{{\text{{src}}}} \, \delta_{{\text{{dst}}}}$")
            else:
                rule = f"gradient descent on the {markdown_escape(self.loss)} loss"
            lines += [f"**One update with {rule}, learning rate ${TEX_LR} = {latex_number(self.lr)}$**", ""]
            for x, t in zip(self.X, self.y):
                lines.append(f"- sample: $x = ({', '.join(latex_number(v) for v in x)})$, "
                             f"$y = ({', '.join(latex_number(v) for v in t)})$")
        indices = range(self._n) if chosen is None else chosen
        shown = capped(indices, max_steps)
        lines += phase_blocks([self.steps[i] for i in shown], self._HEADS, markdown=True)
        if len(shown) < len(indices):
            more = "`to_markdown(max_steps=None)` shows all" if chosen is None else "`to_text()` lists them"
            lines += ["", f"… and {len(indices) - len(shown)} more steps ({more})."]
        elif indices and indices[-1] == self._n - 1:
            tex, after = self._tex(), self.after.weights_dict()
            lines += ["", "**Weights before → after**", "", "| weight | before | after |", "|---|---:|---:|"]
            for name, w in self.before.weights_dict().items():
                lines.append(f"| ${tex.w(name)}$ | ${latex_number(w)}$ | ${latex_number(after[name])}$ |")
        return "\n".join(lines).strip("\n")

    def excerpt(self, steps=None, kind: str | None = None) -> "Excerpt":
        """Some of the steps, shown as the trace shows itself: typeset in a notebook, plain text elsewhere.

        ``steps``: a phase name ("updates"), a slice of step indices (``slice(0, 10)``), or
        steps or their indices (``[trace.find("delta", "D0")]``); ``kind`` keeps only the
        steps of one kind ("forward", "loss", "delta", "gradient", "update").
        ``trace.excerpt("deltas")`` as a cell's last line shows the deltas typeset.
        """
        return Excerpt(self, select_steps(self, steps, kind))

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_pretty_(self, p, cycle) -> None:  # IPython's text/plain: the plain worked solution
        p.text(self.to_text(max_steps=200))

    def __repr__(self) -> str:
        return f"Trace({self._n} steps, rule={self.rule!r}, loss={self.loss!r}, lr={fmt(self.lr)})"


# ----- what a trace and a graph trace share: choosing steps, laying them out -------------------
def select_steps(trace, steps=None, kind: str | None = None) -> list[int]:
    """Indices of the chosen steps, in order: all, a phase's, a slice's, or the given steps';
    then only those of ``kind``. Works on any trace whose steps have index, phase and kind."""
    n = len(trace)
    all_steps = trace.steps
    if steps is None:
        chosen = list(range(n))
    elif isinstance(steps, str):
        phases = list(dict.fromkeys(s.phase for s in all_steps))
        if steps not in phases:
            raise ValueError(f"no phase {steps!r} in this trace; its phases are {phases}")
        chosen = [s.index for s in all_steps if s.phase == steps]
    elif isinstance(steps, slice):
        chosen = list(range(*steps.indices(n)))
    else:
        try:
            items = list(steps)
        except TypeError:
            raise TypeError(f"steps must be a phase name, a slice, or steps or their indices, got {steps!r}") from None
        chosen = []
        for item in items:
            k = getattr(item, "index", item)
            if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
                raise TypeError(f"a step must be a micro-step or its index (a whole number), got {item!r}")
            if not 0 <= int(k) < n:
                raise IndexError(f"step index {int(k)} is outside 0..{n - 1}")
            chosen.append(int(k))
        chosen = sorted(set(chosen))
    if kind is not None:
        kinds = sorted({s.kind for s in all_steps})
        if kind not in kinds:
            raise ValueError(f"no steps of kind {kind!r} in this trace; its kinds are {kinds}")
        chosen = [i for i in chosen if all_steps[i].kind == kind]
    return chosen


def capped(indices, max_steps):
    """The first ``max_steps`` of ``indices`` (all when None)."""
    if max_steps is None:
        return list(indices)
    max_steps = int(max_steps)
    if max_steps < 0:
        raise ValueError(f"max_steps must be 0 or more (or None for all), got {max_steps}")
    return list(indices)[:max_steps]


def phase_blocks(steps, heads: dict, markdown: bool) -> list[str]:
    """Steps one a line under a heading at each new phase: "Head:" and indented plain lines,
    or "**Head**" and one $$LaTeX$$ display line per step."""
    return list(phase_lines(steps, heads, markdown))


def phase_lines(steps, heads: dict, markdown: bool):
    """``phase_blocks``'s lines one at a time, for any number of steps."""
    phase = None
    for s in steps:
        if s.phase != phase:
            phase = s.phase
            yield from ["", f"**{heads[phase]}**", ""] if markdown else ["", f"{heads[phase]}:"]
        yield from [f"$${_display(s.latex, s.text)}$$", ""] if markdown else [f"  {s.text}"]


#: A step whose plain line is longer than this is typeset one "= ..." a line, so it fits a notebook beside
#: the file browser in a 1000 px wide window (about 9 px a character of plain text).
_ONE_LINE = 64


def _top_level_equals(latex: str) -> list[str]:
    r"""``latex`` split at its " = " signs outside every group and \left...\right pair."""
    parts, depth, start, k = [], 0, 0, 0
    while k < len(latex):
        if latex.startswith(r"\left", k) or latex[k] == "{":
            depth += 1
        elif latex.startswith(r"\right", k) or latex[k] == "}":
            depth -= 1
        elif depth == 0 and latex.startswith(" = ", k):
            parts.append(latex[start:k])
            start = k + 3
        k += 1
    parts.append(latex[start:])
    return parts


def _break_sum(part: str, room: float, more_room: float) -> list[str]:
    r"""``part`` as lines at most ``room`` em wide (the lines after the first ``more_room``), broken
    before a " + " or " - " between its outermost terms, never inside a term; one line if it fits
    or has no such place. A \left( ... \right) pair that a break falls inside becomes \bigl( ... \bigr)
    (TeX pairs \left and \right on one line only)."""
    if tex_width(part) <= room:
        return [part]
    places, open_at, pairs, braces, parens, k = [], [], {}, 0, 0, 0
    while k < len(part):
        if braces == 0 and part.startswith((r"\left", r"\right"), k):
            if part.startswith(r"\left", k):
                open_at.append(k)
                k += 5
            else:
                if open_at:
                    pairs[open_at.pop()] = k
                k += 6
            k += 2 if part.startswith("\\", k) else 1  # the delimiter: ( [ . or \{
            continue
        if part[k] == "{" and part[k - 1:k] != "\\":
            braces += 1
        elif part[k] == "}" and part[k - 1:k] != "\\":
            braces -= 1
        elif braces == 0 and part[k] in "()":
            parens += 1 if part[k] == "(" else -1
        elif braces == 0 and parens == 0 and (part.startswith(" + ", k) or part.startswith(" - ", k)):
            places.append((k, len(open_at), open_at[-1] if open_at else None))
        k += 1
    if not places or min(d for _, d, _ in places) > 1:
        return [part]
    depth = min(d for _, d, _ in places)
    places = [p for p in places if p[1] == depth]
    cuts, start = [], 0
    ends = [p[0] for p in places] + [len(part)]
    for (at, _d, group), end in zip(places, ends[1:]):
        limit = room if not cuts else more_room
        if tex_width(part[start:end]) > limit:
            cuts.append((at, group))
            start = at
    if not cuts:
        return [part]
    edits = {}  # position -> (old, new)
    for _at, group in cuts:
        if group is not None:
            edits[group] = (r"\left", r"\bigl")
            edits[pairs.get(group, -1)] = (r"\right", r"\bigr")
    text, last = [], 0
    for pos in sorted(p for p in edits if p >= 0):
        old, new = edits[pos]
        text += [part[last:pos], new]
        last = pos + len(old)
    text.append(part[last:])
    edited = "".join(text)
    shift = lambda pos: pos - sum(len(o) - len(n) for q, (o, n) in edits.items() if 0 <= q < pos)  # noqa: E731
    bounds = [0] + [shift(at) for at, _ in cuts] + [len(edited)]
    return [edited[a:b] for a, b in zip(bounds, bounds[1:])]


def _display(latex: str, plain: str) -> str:
    """A step's LaTeX for a display line: as it is, or, when it is long, aligned at its top-level "="
    signs (symbols, then each stage of the numbers, one a line), and a stage still wider than the
    column (``DISPLAY_WIDTH_EM``) broken before a "+" between its terms, the next line indented."""
    wide = tex_width(latex) > DISPLAY_WIDTH_EM
    if r",\quad " in latex:  # two formulas side by side: one under the other when they do not fit
        if not wide:
            return latex
        return r"\begin{aligned}&" + r", \\ &\quad ".join(latex.split(r",\quad ")) + r"\end{aligned}"
    if len(plain) <= _ONE_LINE and not wide:
        return latex
    parts = _top_level_equals(latex)
    if len(parts) < (2 if wide else 3):
        if not wide:
            return latex
        lines = _break_sum(latex, DISPLAY_WIDTH_EM, DISPLAY_WIDTH_EM - 1.0)
        if len(lines) == 1:
            return latex
        return r"\begin{aligned}&" + r" \\ &\quad {}".join(x.lstrip() for x in lines) + r"\end{aligned}"
    room = max(DISPLAY_WIDTH_EM - tex_width(parts[0] + " = "), 0.5 * DISPLAY_WIDTH_EM)
    rows = []
    for part in parts[1:]:
        lines = _break_sum(part, room, room - 1.0)
        rows += ["&= " + lines[0]] + [r"&\quad {}" + x.lstrip() for x in lines[1:]]
    return r"\begin{aligned}" + parts[0] + " " + r" \\ ".join(rows) + r"\end{aligned}"


class Formula:
    """Formulas written in plain text, shown typeset in a notebook and as that plain text elsewhere.

    ``Formula("z = 0.8*1.5 + 0.2 = 1.4", ("cross-entropy", "dL/dz = a - y = -0.99"))``: each
    argument is one line, a formula or a (label, formula) pair. In a notebook each line is a
    display formula (``dL/dz`` as a fraction, ``*`` as a dot, ``X1`` as X with subscript 1,
    ``y_hat`` as ŷ), a long one set one "=" a line; ``print`` and IPython's text fallback
    give the lines as written, "label: formula".
    """

    def __init__(self, *lines):
        if not lines:
            raise ValueError("Formula needs at least one line: a formula, or a (label, formula) pair")
        self.lines = []
        for line in lines:
            if isinstance(line, str):
                self.lines.append((None, line))
            elif (isinstance(line, tuple) and len(line) == 2 and all(isinstance(x, str) for x in line)):
                self.lines.append(line)
            else:
                raise TypeError(f"a Formula line is a formula (a string) or a (label, formula) pair of strings, "
                                f"got {line!r}")

    def to_text(self) -> str:
        return "\n".join(f if label is None else f"{label}: {f}" for label, f in self.lines)

    def to_markdown(self) -> str:
        tex = PlainTex()
        out = []
        for label, f in self.lines:
            line = tex(f) if label is None else rf"\text{{{tex_text(label)}: }}\; {tex(f)}"
            out.append(f"$${_display(line, f if label is None else f'{label}: {f}')}$$")
        return "\n\n".join(out)

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_pretty_(self, p, cycle) -> None:
        p.text(self.to_text())

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        return "Formula(" + ", ".join(repr(f if label is None else (label, f)) for label, f in self.lines) + ")"


class Excerpt(Sequence):
    """Some steps of a trace, shown as the trace shows itself.

    In a notebook it is Markdown with every formula typeset (``_repr_markdown_``); its text
    fallback, ``str()`` and ``print`` give the plain text. Made by ``trace.excerpt(...)``
    (a ``Trace`` or a ``bpnet.explain.autograd.GraphTrace``); it is a sequence of those steps.
    """

    def __init__(self, trace, indices: list[int]):
        self.trace = trace
        self.indices = list(indices)

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, k):
        if isinstance(k, slice):
            return [self.trace.steps[i] for i in self.indices[k]]
        return self.trace.steps[self.indices[k]]

    def to_text(self) -> str:
        return self.trace.to_text(steps=self.indices)

    def to_markdown(self) -> str:
        return self.trace.to_markdown(steps=self.indices, max_steps=None)

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_pretty_(self, p, cycle) -> None:
        p.text(self.to_text())

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        return f"Excerpt({len(self)} of the {len(self.trace)} steps of a {type(self.trace).__name__})"


def _terms(src_names, w_col, a_src, dst):
    """Symbols and numbers of the weighted sum into ``dst``: w(X0->Z1)*X0 + ... and 1*1 + ..."""
    sym = " + ".join(f"{weight_symbol(link_name(s, dst))}*{s}" for s in src_names)
    num = " + ".join(f"{paren(w)}*{paren(a)}" for w, a in zip(w_col, a_src))
    return sym, num


def trace_step(net: Network, X, y, lr: float = 0.1, loss="half_squared_error", rule: str = "gradient") -> Trace:
    """Record one update of ``net`` on the batch (X, y) without changing ``net``.

    ``rule="gradient"``: plain gradient descent on the mean ``loss`` of the batch.
    ``rule="article"``: the worked example's published (sign-flipped) convention;
    the loss step then records the article's "loss" y - a, which is also its delta.
    A NaN/inf cost, gradient or new weight raises ``bpnet.DivergenceError``.
    """
    if not isinstance(net, Network):
        parts = hasattr(net, "net") and hasattr(net, "X")
        raise TypeError(f"trace_step needs a bpnet.Network as its first argument, got {type(net).__name__}"
                        + ("; for a worked example ex pass its parts: trace_step(ex.net, ex.X, ex.y, ex.lr)"
                           if parts else ""))
    X, y = net.check_batch(X, y)
    loss_fn = get_loss(loss)
    lr = check_lr(lr)
    check_rule(rule)
    net.check_weights()
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported by DivergenceError
        run = _Run(net, X, y, lr, loss_fn, rule)  # raises DivergenceError for a NaN/inf gradient or weight
    if not np.isfinite(run.cost):
        raise DivergenceError(f"the update diverged: the cost is {run.cost}", quantity="cost", value=run.cost)
    rec = _Recorder(run)
    for record in (_record_forward, _record_loss, _record_deltas, _record_updates):
        record(rec, run)
    return Trace(run, rec)
