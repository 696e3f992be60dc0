"""A recorded trace of one training step: every number, in order, with its formula.

``trace_step(net, X, y, lr, rule=...)`` runs one update on a copy of ``net`` and
returns a ``Trace``: an ordered list of ``MicroStep`` records in four phases,

  forward  one step per unit and sample:   Z1 = w(X0->Z1)*X0 + ... = 1*1 + ... = 1
  loss     the loss of each sample (and the batch cost J when there are several)
  deltas   output deltas, then hidden deltas layer by layer towards the input
  updates  per weight: its gradient, then its update  w := w - lr*g

The numbers come from the network's own vectorised forward/backward pass
(``Network._forward``/``backward``); this module only lays them out one by one and
writes the formulas. Each step carries the ``State`` of the whole network as it
stands right after it: what is not yet computed is NaN.

Notation in formulas: a unit's name stands for its activation (the worked example
writes Z1 for the value of unit Z1), z(Z1) for its pre-activation, d(Z1) spelled
``δ(Z1)`` for its delta, w(X0->Z1) for a weight and g(X0->Z1) for its gradient.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np

from .activations import Identity, Sigmoid, Softmax
from .losses import AbsoluteError, BinaryCrossEntropy, CategoricalCrossEntropy, HalfSquaredError, get_loss
from .network import RULES, Network
from ._checks import check_lr

__all__ = ["trace_step", "Trace", "MicroStep", "State", "PHASES", "fmt"]

PHASES = ("forward", "loss", "deltas", "updates")
_PHASE_OF = {"forward": "forward", "loss": "loss", "delta": "deltas", "gradient": "updates", "update": "updates"}


def fmt(x: float) -> str:
    """A number as a worked solution prints it: up to 6 significant digits, no -0."""
    s = format(float(x), ".6g")
    return "0" if s == "-0" else s


def _p(x: float) -> str:
    """fmt, parenthesised when negative so that products read 0.1*(-4)."""
    s = fmt(x)
    return f"({s})" if s.startswith("-") else s


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


@dataclass(frozen=True)
class MicroStep:
    """One number of the update: what it is, how it is computed, and its value."""

    index: int
    kind: str  # forward | loss | delta | gradient | update
    name: str  # a unit (Z1), a weight (X0->Z1), or L / J / loss
    sample: int | None  # which sample (0-based) for per-sample steps, None for batch-wide ones
    formula: str  # in symbols, e.g. "Z1 = w(X0->Z1)*X0 + w(X1->Z1)*X1"
    numbers: str  # the same with numbers, ending in "= value"
    value: float
    state: State = field(repr=False, compare=False)
    #: where the value lives in the state: (field, layer, index), e.g. ("weights", 0, (0, 0))
    where: tuple = field(default=(), repr=False, compare=False)

    @property
    def phase(self) -> str:
        return _PHASE_OF[self.kind]

    @property
    def text(self) -> str:
        return f"{self.formula} = {self.numbers}"

    def to_dict(self) -> dict:
        return {
            "index": self.index, "kind": self.kind, "phase": self.phase, "name": self.name,
            "sample": self.sample, "formula": self.formula, "numbers": self.numbers, "value": self.value,
        }


class _Recorder:
    """Builds the list of steps, copying only the array a step changes."""

    def __init__(self, net: Network, X: np.ndarray, m: int):
        nan = lambda shape: np.full(shape, np.nan)  # noqa: E731
        self.cur = {
            "weights": [w.copy() for w in net.W],
            "z": [nan((m, n)) for n in net.sizes[1:]],
            "a": [X.copy()] + [nan((m, n)) for n in net.sizes[1:]],
            "delta": [nan((m, n)) for n in net.sizes[1:]],
            "grad": [nan(w.shape) for w in net.W],
            "loss": nan((m,)),
            "cost": np.nan,
        }
        for v in self.cur.values():
            if isinstance(v, list):
                for arr in v:
                    arr.flags.writeable = False
            elif isinstance(v, np.ndarray):
                v.flags.writeable = False
        self.steps: list[MicroStep] = []

    def _set(self, fieldname, layer, idx, value):
        if fieldname == "cost":
            self.cur["cost"] = float(value)
            return
        if fieldname == "loss":
            arr = self.cur["loss"].copy()
            arr[idx] = value
            arr.flags.writeable = False
            self.cur["loss"] = arr
            return
        arrs = list(self.cur[fieldname])
        arr = arrs[layer].copy()
        arr[idx] = value
        arr.flags.writeable = False
        arrs[layer] = arr
        self.cur[fieldname] = arrs

    def add(self, kind, name, sample, formula, numbers, value, sets):
        for fieldname, layer, idx, v in sets:
            self._set(fieldname, layer, idx, v)
        c = self.cur
        state = State(tuple(c["weights"]), tuple(c["z"]), tuple(c["a"]), tuple(c["delta"]),
                      tuple(c["grad"]), c["loss"], c["cost"])
        fieldname, layer, idx, _ = sets[0]
        self.steps.append(MicroStep(len(self.steps), kind, name, sample, formula,
                                    f"{numbers} = {fmt(value)}", float(value), state,
                                    (fieldname, layer, idx)))


@dataclass
class Trace:
    """The recorded micro-steps of one update, with the network before and after."""

    steps: list[MicroStep]
    before: Network
    after: Network
    X: np.ndarray
    y: np.ndarray
    lr: float
    rule: str
    loss: str

    def __len__(self) -> int:
        return len(self.steps)

    def __getitem__(self, k):
        return self.steps[k]

    def __iter__(self):
        return iter(self.steps)

    def phase_starts(self) -> dict[str, int]:
        """Index of the first step of each phase."""
        starts: dict[str, int] = {}
        for s in self.steps:
            starts.setdefault(s.phase, s.index)
        return starts

    def find(self, kind: str, name: str, sample: int | None = None) -> MicroStep:
        """The first step of ``kind`` about ``name`` (and ``sample`` if given)."""
        for s in self.steps:
            if s.kind == kind and s.name == name and (sample is None or s.sample == sample):
                return s
        raise KeyError(f"no {kind} step for {name!r} in this trace")

    def to_dict(self) -> dict:
        return {
            "rule": self.rule, "loss": self.loss, "lr": self.lr,
            "inputs": self.X.tolist(), "targets": self.y.tolist(),
            "weights_before": self.before.weights_dict(),
            "weights_after": self.after.weights_dict(),
            "steps": [s.to_dict() for s in self.steps],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def to_text(self) -> str:
        """The whole step as a worked solution: one micro-step a line, phase by phase."""
        heads = {"forward": "Forward pass", "loss": "Loss", "deltas": "Deltas (backward pass)",
                 "updates": "Gradients and weight updates"}
        rule = ("the article's rule: delta(output) = y - a, then w := w - lr*a_src*delta_dst"
                if self.rule == "article" else f"gradient descent on the {self.loss} loss")
        lines = [f"One update with {rule}, learning rate {fmt(self.lr)}"]
        for x, t in zip(self.X, self.y):
            lines.append(f"  sample: x = ({', '.join(fmt(v) for v in x)}), y = ({', '.join(fmt(v) for v in t)})")
        phase = None
        for s in self.steps:
            if s.phase != phase:
                phase = s.phase
                lines += ["", f"{heads[phase]}:"]
            lines.append(f"  {s.text}")
        lines += ["", "Weights before -> after:"]
        after = self.after.weights_dict()
        for name, w in self.before.weights_dict().items():
            lines.append(f"  {name:<10} {fmt(w):>10} -> {fmt(after[name])}")
        return "\n".join(lines)


def _terms(src_names, w_col, a_src, dst):
    sym = " + ".join(f"w({s}->{dst})*{s}" for s in src_names)
    num = " + ".join(f"{_p(w)}*{_p(a)}" for w, a in zip(w_col, a_src))
    return sym, num


def _loss_formula(loss, outs, a_row, y_row):
    """Symbols and numbers of one sample's loss."""
    if isinstance(loss, HalfSquaredError):
        sym = " + ".join(f"({o} - y{k if len(outs) > 1 else ''})^2" for k, o in enumerate(outs))
        num = " + ".join(f"({fmt(a)} - {fmt(y)})^2" for a, y in zip(a_row, y_row))
        return f"1/2*({sym})" if len(outs) > 1 else f"1/2*{sym}", f"1/2*({num})" if len(outs) > 1 else f"1/2*{num}"
    if isinstance(loss, BinaryCrossEntropy):
        sym = " + ".join(f"y*log({o}) + (1 - y)*log(1 - {o})" for o in outs)
        num = " + ".join(f"{fmt(y)}*log({fmt(a)}) + {fmt(1 - y)}*log({fmt(1 - a)})" for a, y in zip(a_row, y_row))
        return f"-({sym})", f"-({num})"
    if isinstance(loss, CategoricalCrossEntropy):
        sym = " + ".join(f"y{k}*log({o})" for k, o in enumerate(outs))
        num = " + ".join(f"{fmt(y)}*log({fmt(a)})" for a, y in zip(a_row, y_row))
        return f"-({sym})", f"-({num})"
    ys = ["y"] if len(outs) == 1 else [f"y{k}" for k in range(len(outs))]
    if isinstance(loss, AbsoluteError):
        sym = " + ".join(f"|{o} - {yk}|" for o, yk in zip(outs, ys))
        return sym, " + ".join(f"|{fmt(a)} - {fmt(y)}|" for a, y in zip(a_row, y_row))
    # Any other loss (Huber, ...): its name applied to each output.
    sym = " + ".join(f"{loss.name}({o} - {yk})" for o, yk in zip(outs, ys))
    num = " + ".join(f"{loss.name}({fmt(a)} - {fmt(y)})" for a, y in zip(a_row, y_row))
    return sym, num


def trace_step(net: Network, X, y, lr: float = 0.1, loss="half_squared_error", rule: str = "gradient") -> Trace:
    """Record one update of ``net`` on the batch (X, y) without changing ``net``.

    ``rule="gradient"``: plain gradient descent on the mean ``loss`` of the batch.
    ``rule="article"``: the worked example's published (sign-flipped) convention;
    the loss step then records the article's "loss" y - a, which is also its delta.
    """
    X, y = net.check(X, y)
    loss_fn = get_loss(loss)
    lr = check_lr(lr)
    if rule not in RULES:
        raise ValueError(f"unknown rule {rule!r}; expected one of {RULES}")
    net.check_weights()
    after = net.copy()
    grads, fwd, delta = after._gradients(X, y, loss_fn, rule)
    after._apply(grads, lr, None)
    m, L = X.shape[0], net.n_layers
    pre = (lambda s: f"sample {s + 1}: ") if m > 1 else (lambda s: "")
    rec = _Recorder(net, X, m)

    # ---- forward: one step per unit and sample (softmax: z first, then the ratio)
    for s in range(m):
        for l in range(L):
            act = net.acts[l]
            srcs = net.unit_names(l)
            a_src = np.concatenate([[1.0], fwd.a[l][s]])
            for j in range(net.sizes[l + 1]):
                dst = net.dest_name(l, j)
                zv, av = fwd.z[l][s, j], fwd.a[l + 1][s, j]
                sym, num = _terms(srcs, net.W[l][:, j], a_src, dst)
                if isinstance(act, Identity):
                    rec.add("forward", dst, s, f"{pre(s)}{dst} = {sym}", num, av,
                            [("a", l + 1, (s, j), av), ("z", l, (s, j), zv)])
                elif isinstance(act, Softmax):
                    rec.add("forward", f"z({dst})", s, f"{pre(s)}z({dst}) = {sym}", num, zv,
                            [("z", l, (s, j), zv)])
                else:
                    rec.add("forward", dst, s, f"{pre(s)}{dst} = {act.symbol}({sym})",
                            f"{act.symbol}({num}) = {act.symbol}({fmt(zv)})", av,
                            [("a", l + 1, (s, j), av), ("z", l, (s, j), zv)])
            if isinstance(act, Softmax):
                outs = net.unit_names(l + 1)
                zs = fwd.z[l][s]
                denom = " + ".join(f"e^{_p(v)}" for v in zs)
                for j, dst in enumerate(outs):
                    rec.add("forward", dst, s,
                            f"{pre(s)}{dst} = e^z({dst}) / ({' + '.join(f'e^z({o})' for o in outs)})",
                            f"e^{_p(zs[j])} / ({denom})", fwd.a[l + 1][s, j],
                            [("a", l + 1, (s, j), fwd.a[l + 1][s, j])])

    # ---- loss
    outs = net.unit_names(L)
    per_sample = loss_fn.per_sample(fwd.a[-1], y)
    if rule == "article":
        for s in range(m):
            for k, o in enumerate(outs):
                yk = "y" if len(outs) == 1 else f"y{k}"
                rec.add("loss", "loss", s, f"{pre(s)}loss = {yk} - {o}",
                        f"{fmt(y[s, k])} - {fmt(fwd.a[-1][s, k])}", y[s, k] - fwd.a[-1][s, k],
                        [("loss", None, s, y[s, k] - fwd.a[-1][s, k])])
    else:
        for s in range(m):
            sym, num = _loss_formula(loss_fn, outs, fwd.a[-1][s], y[s])
            rec.add("loss", "L", s, f"{pre(s)}L = {sym}", num, per_sample[s],
                    [("loss", None, s, per_sample[s])])
        if m > 1:
            cost = float(np.mean(per_sample))
            rec.add("loss", "J", None, f"J = ({' + '.join(f'L{s + 1}' for s in range(m))})/{m}",
                    f"({' + '.join(fmt(v) for v in per_sample)})/{m}", cost, [("cost", None, None, cost)])

    # ---- deltas: output layer, then hidden layers towards the input
    out_act = net.acts[-1]
    for s in range(m):
        for k, o in enumerate(outs):
            d = delta[-1][s, k]
            a_, y_ = fwd.a[-1][s, k], y[s, k]
            if rule == "article":
                sym, num = f"y{'' if len(outs) == 1 else k} - {o}", f"{fmt(y_)} - {fmt(a_)}"
            elif (isinstance(out_act, Sigmoid) and isinstance(loss_fn, BinaryCrossEntropy)) or (
                    isinstance(out_act, Softmax) and isinstance(loss_fn, CategoricalCrossEntropy)):
                sym, num = f"{o} - y{'' if len(outs) == 1 else k}", f"{fmt(a_)} - {fmt(y_)}"
            elif isinstance(out_act, Softmax):
                sym, num = f"dL/dz({o})", f"{fmt(d)}"
            else:
                fp = out_act.df(fwd.z[-1][s, k])
                g = loss_fn.grad(fwd.a[-1][s:s + 1], y[s:s + 1])[0, k]
                if isinstance(loss_fn, HalfSquaredError):
                    sym, num = f"({o} - y)*f'(z({o}))", f"({fmt(a_)} - {fmt(y_)})*{_p(fp)}"
                else:
                    sym, num = f"dL/d{o}*f'(z({o}))", f"{_p(g)}*{_p(fp)}"
            rec.add("delta", o, s, f"{pre(s)}δ({o}) = {sym}", num, d, [("delta", L - 1, (s, k), d)])
    for l in range(L - 2, -1, -1):
        nxt = [net.dest_name(l + 1, k) for k in range(net.sizes[l + 2])]
        for s in range(m):
            for j in range(net.sizes[l + 1]):
                u = net.dest_name(l, j)
                fp = net.acts[l].df(fwd.z[l][s, j])
                w_out = net.W[l + 1][j + 1]
                sym = " + ".join(f"w({u}->{n})*δ({n})" for n in nxt)
                num = " + ".join(f"{_p(w)}*{_p(dn)}" for w, dn in zip(w_out, delta[l + 1][s]))
                d = delta[l][s, j]
                rec.add("delta", u, s, f"{pre(s)}δ({u}) = f'(z({u}))*({sym})", f"{_p(fp)}*({num})", d,
                        [("delta", l, (s, j), d)])

    # ---- per weight: gradient, then update (deltas above used the old weights)
    for l in range(L):
        srcs = net.unit_names(l)
        for i, src in enumerate(srcs):
            for j in range(net.sizes[l + 1]):
                dst = net.dest_name(l, j)
                name = f"{src}->{dst}"
                a_src = np.ones(m) if i == 0 else fwd.a[l][:, i - 1]
                prods = [f"{_p(a)}*{_p(d)}" for a, d in zip(a_src, delta[l][:, j])]
                if m == 1:
                    sym, num = f"{src}*δ({dst})", prods[0]
                else:
                    sym, num = f"mean({src}*δ({dst}))", f"({' + '.join(prods)})/{m}"
                g = grads[l][i, j]
                rec.add("gradient", name, None, f"g({name}) = {sym}", num, g, [("grad", l, (i, j), g)])
                w_old, w_new = net.W[l][i, j], after.W[l][i, j]
                rec.add("update", name, None, f"w({name}) := w({name}) - lr*g({name})",
                        f"{fmt(w_old)} - {fmt(lr)}*{_p(g)}", w_new, [("weights", l, (i, j), w_new)])

    return Trace(rec.steps, net.copy(), after, X, y, lr, rule, loss_fn.name)
