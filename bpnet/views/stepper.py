"""Steppers: pure state objects that the widgets (and tests) drive.

``Stepper(trace)`` moves through the micro-steps of one recorded update
(``bpnet.trace_step``): forward/back one step, jump to any index, to the start or the
end, or to the next phase (forward -> loss -> deltas -> updates). Nothing is
recomputed: the state shown at index i is the trace's state after step i, so back
and forward are exact inverses. ``view()`` gives everything a widget shows about the
current step (label, formula, diagram state, change) computed from the one index, so
a view drawn from it can never show two different steps at once.

``RuleStepper(net, X, y, lr)`` is a ``Stepper`` that can switch between the article's
rule and gradient descent on the same network, keeping its place; each rule's trace is
built the first time it is needed.

``TrainingStepper(net, X, y, ...)`` is the coarse version for training: one update or
one epoch per step, with the cost after every step and a bounded number of weight
snapshots; any earlier step is reached by replaying from the nearest snapshot, which
gives the same numbers because every shuffle is seeded by its epoch.

``StepComparison`` and ``TrainingComparison`` run the same start twice, the second
run (the branch) with other settings (learning rate, activation, loss, rule,
optimizer or initial seed), side by side, and name every number that differs.

Numpy only: no matplotlib, no ipywidgets.
"""

from __future__ import annotations

import copy
import math
from collections import OrderedDict
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ..core.errors import DivergenceError
from ..core.losses import get_loss
from ..core.checks import check_lr, check_rule, check_whole
from ..core.network import Network, batches
from ..core.optimizers import get_optimizer
from ..explain.autograd import Graph, GraphState, GraphTrace, Value
from ..core.notation import fmt
from ..explain.trace import MicroStep, State, Trace, trace_step

__all__ = [
    "Stepper", "RuleStepper", "TrainingStepper", "StepComparison", "TrainingComparison",
    "StepView", "UpdatedWeights", "StepComparisonView", "TrainingComparisonView",
    "WeightRow", "Change", "RuleDifference", "Difference",
]


def _name_of_where(trace: Trace, where: tuple) -> str:
    """The name of the number at ``where`` = (field, layer, index) in a State."""
    field_, layer, idx = where
    net = trace.before
    if field_ in ("weights", "grad"):
        return net.weight_name(layer, *idx)
    if field_ == "a":
        return net.dest_name(layer - 1, idx[1])  # a[l+1] = f(z[l])
    if field_ in ("z", "delta"):
        return net.dest_name(layer, idx[1])
    return "loss" if field_ == "loss" else "J"


def _read(state: State, where: tuple) -> float:
    field_, layer, idx = where
    if field_ == "cost":
        return float(state.cost)
    if field_ == "loss":
        return float(state.loss[idx])
    return float(getattr(state, field_)[layer][idx])


class WeightRow(NamedTuple):
    """One row of the weight table: ``gradient``/``after`` are None until computed.

    (A named tuple: a table of a large network has tens of thousands of rows.)
    """

    name: str
    before: float
    gradient: float | None
    after: float | None

    @property
    def change(self) -> float | None:
        """after - before once updated, else None."""
        return None if self.after is None else self.after - self.before

    @property
    def direction(self) -> str:
        """'up', 'down', 'same', or '' while not yet updated."""
        if self.after is None:
            return ""
        if self.after > self.before:
            return "up"
        if self.after < self.before:
            return "down"
        return "same"


@dataclass(frozen=True)
class Change:
    """What one micro-step changed: ``field`` (a/z/delta/grad/weights/loss/cost) of ``name``.

    ``old`` is NaN when the number had not been computed before this step.
    """

    field: str
    name: str
    sample: int | None
    old: float
    new: float


@dataclass(frozen=True)
class RuleDifference:
    """The same micro-step under both rules (None where a rule has no such step)."""

    kind: str
    name: str
    sample: int | None
    article: float | None
    gradient: float | None


@dataclass(frozen=True)
class StepView:
    """Everything shown about one step, computed from one index (render all of it, or none).

    ``highlight``: what the diagram marks — a weight name, a unit name, or the output
    units joined by commas for a loss step (None: nothing). ``sample``: whose values
    the units show (None: a step over the whole batch, ``batch`` samples: no one sample's values). ``updated``: the weights already updated at this step.
    """

    index: int
    n: int
    label: str
    phase: str
    step: MicroStep
    state: State
    sample: int | None
    highlight: str | None
    updated: UpdatedWeights
    change: Change
    #: a RuleStepper's view: the same step under the other rule (None: it has no such step)
    other: MicroStep | None = None
    other_rule: str | None = None

    @property
    def batch(self) -> int:
        """How many samples the step averages over (0: the step is one sample's)."""
        return int(self.state.a[0].shape[0]) if self.sample is None else 0

    @property
    def formula(self) -> str:
        return self.step.formula

    @property
    def numbers(self) -> str:
        return self.step.numbers

    @property
    def latex(self) -> str:
        return self.step.latex

    @property
    def slider(self) -> int:
        """The slider's value for this step (counted from 1, like the label)."""
        return self.index + 1


def _highlight(net: Network, step: MicroStep) -> str | None:
    """What a diagram marks for ``step``: its weight, its unit, or the output units."""
    if step.kind in ("gradient", "update"):
        return step.name
    if step.kind == "loss":
        return ",".join(net.unit_names(net.n_layers))
    name = step.name
    return name[2:-1] if name.startswith("z(") else name


class UpdatedWeights(AbstractSet):
    """The names of the weights a trace has updated by step ``index``: a read-only set.

    Membership is a lookup (no set of names is built), so a view of a large network
    stays cheap; iterating lists the names in weight order.
    """

    def __init__(self, trace: Trace, index: int):
        self._trace, self._index = trace, index
        self._when = trace.when("weights")

    def __contains__(self, name) -> bool:
        try:
            l, i, j = self._trace.before.weight_index(name)
        except (KeyError, TypeError):
            return False
        return bool(self._when[l][i, j] <= self._index)

    def __iter__(self):
        net = self._trace.before
        for l, when in enumerate(self._when):
            for i, j in zip(*np.nonzero(when <= self._index)):
                yield net.weight_name(l, int(i), int(j))

    def __len__(self) -> int:
        return int(sum(np.count_nonzero(w <= self._index) for w in self._when))

    def __repr__(self) -> str:
        return f"UpdatedWeights({len(self)} of {sum(w.size for w in self._when)} weights)"


class Stepper:
    """Position in a recorded ``Trace``: index 0 .. n-1, each showing the state after that step.

    Moves never raise at the boundaries: ``back()`` at the start and ``forward()`` at the
    end leave the index where it is and return False.
    """

    def __init__(self, trace: Trace, index: int = 0):
        if not isinstance(trace, Trace):
            raise TypeError(f"Stepper needs a Trace from bpnet.trace_step, got {type(trace).__name__}")
        if not len(trace):
            raise ValueError("the trace has no steps")
        self._set_trace(trace)
        self.index = 0
        self.goto(index)

    def _set_trace(self, trace: Trace) -> None:
        self.trace = trace
        self._phase_starts = sorted(trace.phase_starts().values())
        self._weights_when = None  # made on first use by _when_weights

    def _when_weights(self) -> tuple[list, np.ndarray, np.ndarray]:
        """Weight names in flattened (layer, row, column) order, and the step computing each
        one's gradient and its update."""
        if self._weights_when is None:
            t = self.trace
            self._weights_when = (t.before.weight_names(),
                                  np.concatenate([w.ravel() for w in t.when("grad")]),
                                  np.concatenate([w.ravel() for w in t.when("weights")]))
        return self._weights_when

    # ----- moves --------------------------------------------------------------------
    @property
    def n(self) -> int:
        """Number of micro-steps in the trace."""
        return len(self.trace)

    def goto(self, i: int) -> bool:
        """Jump to step ``i`` (0-based; negative counts from the end). Returns True if it moved."""
        if isinstance(i, bool) or not isinstance(i, (int, np.integer)):
            raise TypeError(f"step index must be a whole number, got {i!r}")
        i = int(i)
        if i < 0:
            i += self.n
        if not 0 <= i < self.n:
            raise IndexError(f"step index {i} is outside 0..{self.n - 1}")
        moved = i != self.index
        self.index = i
        return moved

    def forward(self) -> bool:
        """One micro-step on; harmless at the end."""
        return self.goto(self.index + 1) if self.index + 1 < self.n else False

    def back(self) -> bool:
        """One micro-step back; harmless at the start."""
        return self.goto(self.index - 1) if self.index > 0 else False

    def start(self) -> bool:
        return self.goto(0)

    def end(self) -> bool:
        return self.goto(self.n - 1)

    def next_phase(self) -> bool:
        """To the first step of the next phase (the last step if this is the last phase)."""
        later = [p for p in self._phase_starts if p > self.index]
        return self.goto(later[0] if later else self.n - 1)

    def prev_phase(self) -> bool:
        """To the first step of this phase, or of the previous one if already there."""
        earlier = [p for p in self._phase_starts if p < self.index]
        return self.goto(earlier[-1] if earlier else 0)

    @property
    def at_start(self) -> bool:
        return self.index == 0

    @property
    def at_end(self) -> bool:
        return self.index == self.n - 1

    # ----- what is shown ------------------------------------------------------------
    @property
    def current(self) -> MicroStep:
        return self.trace.steps[self.index]

    @property
    def state(self) -> State:
        """The whole network right after the current step (NaN where not computed yet)."""
        return self.trace.state_at(self.index)

    @property
    def previous_state(self) -> State | None:
        return self.trace.state_at(self.index - 1) if self.index else None

    @property
    def phase(self) -> str:
        return self.current.phase

    @property
    def label(self) -> str:
        """``step k of n — phase`` with k counted from 1."""
        return f"step {self.index + 1} of {self.n} — {self.phase}"

    @property
    def sample(self) -> int | None:
        """Sample of the current step. None for a step over the whole batch of several samples
        (the cost, a gradient, an update: the batch mean, no one sample's step); for a trace of
        one sample, that sample."""
        s = self.current.sample
        if s is None and self.trace.X.shape[0] == 1:
            return 0
        return s

    def change(self) -> Change:
        """The one number the current step computed, with its value before (NaN if new)."""
        step = self.current
        where = step.where
        prev = self.previous_state
        if prev is not None:
            old = _read(prev, where)
        elif where[0] == "weights":
            old = float(self.trace.before.W[where[1]][where[2]])
        else:
            old = math.nan  # the first step computes a number nothing held before
        return Change(where[0], _name_of_where(self.trace, where), step.sample, old, float(step.value))

    def updated(self) -> "UpdatedWeights":
        """Names of the weights updated at or before the current step (a set, read lazily)."""
        return UpdatedWeights(self.trace, self.index)

    def weight_rows(self, names=None) -> list[WeightRow]:
        """Weights (all, or those in ``names``): value before, gradient and new value once computed."""
        state, net, i = self.state, self.trace.before, self.index
        if names is None:
            before = np.concatenate([w.ravel() for w in net.W])
            grad = np.concatenate([g.ravel() for g in state.grad])
            after = np.concatenate([w.ravel() for w in state.weights])
            names, grad_at, update_at = self._when_weights()
            g_known, u_known = grad_at <= i, update_at <= i
            return [WeightRow(name, b, g if gk else None, a if uk else None)
                    for name, b, g, a, gk, uk in zip(names, before.tolist(), grad.tolist(), after.tolist(),
                                                     g_known.tolist(), u_known.tolist())]
        rows = []
        for name in names:
            l, r, c = net.weight_index(name)
            g_at = self.trace.when("grad")[l][r, c]
            u_at = self.trace.when("weights")[l][r, c]
            rows.append(WeightRow(name, float(net.W[l][r, c]),
                                  float(state.grad[l][r, c]) if g_at <= i else None,
                                  float(state.weights[l][r, c]) if u_at <= i else None))
        return rows

    def unit_activation(self) -> tuple[str, float] | None:
        """(activation name, z) of the unit the current step is about, for forward and delta steps."""
        step = self.current
        if step.kind not in ("forward", "delta"):
            return None
        field_, layer, idx = step.where
        if field_ == "a":
            layer -= 1  # a[l+1] = f(z[l])
        elif field_ not in ("z", "delta"):
            return None
        z = float(step.state.z[layer][idx])
        return self.trace.before.acts[layer].name, z

    def view(self) -> StepView:
        """The current step as one consistent record: label, formula, diagram state, change."""
        step = self.current
        return StepView(self.index, self.n, self.label, step.phase, step, self.state, self.sample,
                        _highlight(self.trace.before, step), self.updated(), self.change())

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.label}, rule={self.trace.rule!r})"


def _key(step: MicroStep) -> tuple:
    # The article's rule records its "loss" y - a under the name "loss"; the gradient
    # rule records L per sample: the same place in the sequence.
    name = "L" if step.kind == "loss" and step.name == "loss" else step.name
    return step.kind, name, step.sample


def _matching(trace: Trace, step: MicroStep) -> MicroStep | None:
    """The step of ``trace`` that computes the same number as ``step`` (None if none does)."""
    kind, name, sample = _key(step)
    names = ("L", "loss") if kind == "loss" and name == "L" else (name,)
    for n in names:
        try:
            return trace.find(kind, n, sample)
        except KeyError:
            continue
    return None


class RuleStepper(Stepper):
    """A ``Stepper`` over one update of (net, X, y, lr) that can switch rule in place.

    ``rule`` is ``"gradient"`` (gradient descent) or ``"article"`` (the worked example's
    published convention). Both traces start from a copy of ``net`` taken here.
    """

    def __init__(self, net: Network, X, y, lr: float = 0.1, loss="half_squared_error",
                 rule: str = "gradient", index: int = 0):
        if not isinstance(net, Network):
            raise TypeError(f"RuleStepper needs a bpnet.Network, got {type(net).__name__}")
        check_rule(rule)
        self.net = net.copy()
        self.X, self.y = _own_copy(net, X, y)  # the caller may change its arrays later
        self.lr = check_lr(lr)
        self.loss = get_loss(loss).name
        self._traces: dict[str, Trace] = {}
        super().__init__(self.trace_for(rule), index)

    def trace_for(self, rule: str) -> Trace:
        """The recorded update under ``rule``, computed once."""
        check_rule(rule)
        if rule not in self._traces:
            self._traces[rule] = trace_step(self.net, self.X, self.y, self.lr, self.loss, rule)
        return self._traces[rule]

    @property
    def rule(self) -> str:
        return self.trace.rule

    @property
    def other_rule(self) -> str:
        return "gradient" if self.rule == "article" else "article"

    def set_rule(self, rule: str) -> bool:
        """Switch rule, staying on the matching step (same kind, name and sample)."""
        if rule == self.rule:
            return False
        new = self.trace_for(rule)
        match = _matching(new, self.current)
        index = match.index if match is not None else min(self.index, len(new) - 1)
        self._set_trace(new)
        self.index = index
        return True

    def counterpart(self) -> MicroStep | None:
        """The current step as the other rule records it (None if it has no such step)."""
        return _matching(self.trace_for(self.other_rule), self.current)

    def view(self) -> StepView:
        """``Stepper.view()`` plus the same step under the other rule (``other``, ``other_rule``)."""
        v = super().view()
        return StepView(*(getattr(v, f) for f in StepView.__dataclass_fields__ if f not in ("other", "other_rule")),
                        other=self.counterpart(), other_rule=self.other_rule)

    def differences(self, tol: float = 1e-12) -> list[RuleDifference]:
        """Every micro-step whose value differs between the two rules, in trace order."""
        art, grad = self.trace_for("article"), self.trace_for("gradient")
        gv = {_key(s): s.value for s in grad.steps}
        av = {_key(s): s.value for s in art.steps}
        out = []
        for s in grad.steps:  # the longer trace (it may add the batch cost J)
            k = _key(s)
            a = av.get(k)
            if a is None or abs(a - gv[k]) > tol:
                out.append(RuleDifference(s.kind, k[1], s.sample, a, gv[k]))
        return out


# ----- training, coarse ---------------------------------------------------------------
class _TrainingMoves:
    """The moves over steps 0..``max_steps`` of training, all made by one ``goto``.

    A subclass has ``index``, ``max_steps`` and ``goto(i) -> bool``: True if it moved,
    False if it stayed (already at ``i``, or held at a divergence).
    """

    index: int
    max_steps: int

    def goto(self, i: int) -> bool:
        raise NotImplementedError

    def forward(self, k: int = 1) -> bool:
        """Train ``k`` more steps (capped at ``max_steps``)."""
        return self.goto(min(self.index + check_whole(k, "forward(k): the number of steps"), self.max_steps))

    def back(self, k: int = 1) -> bool:
        """Go back ``k`` steps (not past step 0)."""
        return self.goto(max(self.index - check_whole(k, "back(k): the number of steps"), 0))

    def start(self) -> bool:
        """Back to step 0: the initial weights."""
        return self.goto(0)

    def run(self, steps: int, callback=None, every: int = 1) -> None:
        """Advance ``steps`` steps, calling ``callback(self)`` every ``every`` steps (for progress).

        Stops early where training stopped (a divergence): no call repeats the same step.
        """
        steps = check_whole(steps, "run(steps): the number of steps")
        every = check_whole(every, "run(every=...): steps between callbacks", 1)
        target = min(self.index + steps, self.max_steps)
        while self.index < target and self.goto(min(self.index + every, target)):
            if callback is not None:
                callback(self)


class TrainingStepper(_TrainingMoves):
    """Training one update or one epoch per step, able to go back within bounded memory.

    ``per="epoch"``: one pass over (X, y) per step (``batch_size`` None = one batch update).
    ``per="update"``: one (mini-)batch update per step.
    An epoch is ``Network.train``'s epoch loop for that one epoch (``first_epoch=e``: the same
    shuffle, ``bpnet.core.network.batches``), so any step can be recomputed exactly from an
    earlier snapshot. Keeps the cost after every step (one float each) and at most
    ``keep`` weight snapshots besides the start; ``max_steps`` bounds everything.
    ``costs[k]`` is the cost over all of (X, y) after k steps (``costs[0]`` = before training).
    ``first``: the number of steps already taken before ``net`` (a run continued from
    step ``first`` of another): step k here shuffles as step ``first + k`` of that run.

    Divergence: if the update from step k would make a NaN/inf (``bpnet.DivergenceError``),
    training stops at k: ``diverged_at`` = k, ``divergence`` says what, the label reads
    "diverged at epoch k" and no step beyond k is reached (nothing NaN is ever shown).
    """

    def __init__(self, net: Network, X, y, lr: float = 0.1, loss="half_squared_error",
                 optimizer=None, batch_size: int | None = None, per: str = "epoch",
                 seed: int = 0, keep: int = 64, max_steps: int = 100_000, rule: str = "gradient",
                 first: int = 0):
        if not isinstance(net, Network):
            raise TypeError(f"TrainingStepper needs a bpnet.Network, got {type(net).__name__}")
        if per not in ("epoch", "update"):
            raise ValueError(f"per must be 'epoch' or 'update', got {per!r}")
        check_rule(rule)
        self.X, self.y = _own_copy(net, X, y)  # the caller may change its arrays later
        self.loss = get_loss(loss)
        if isinstance(optimizer, str):  # a name: one fresh optimizer for the whole run, as Network.train does
            optimizer = get_optimizer(optimizer, **({} if lr is None else {"lr": lr}))
        elif optimizer is not None:
            optimizer = _usable_optimizer(optimizer, net)
        if optimizer is None and lr is not None:
            check_lr(lr)  # refused now, not at the first move
        self.lr, self.optimizer, self.rule = lr, optimizer, rule
        self._step_lr = None if optimizer is not None else lr  # an optimizer has its own learning rate
        self.per, self.seed = per, check_whole(seed, "seed")
        self.first = check_whole(first, "first")
        m = self.X.shape[0]
        self.batch_size = m if batch_size is None else check_whole(batch_size, "batch_size (or None for the whole batch)", 1)
        self.batches_per_epoch = -(-m // self.batch_size)
        self.keep = check_whole(keep, "keep (weight snapshots to keep)", 1)
        self.max_steps = check_whole(max_steps, "max_steps", 1)
        self.net = net.copy()  # the weights at the current step
        self._start = (net.copy(), copy.deepcopy(optimizer))
        self._snaps: OrderedDict[int, tuple[Network, object]] = OrderedDict()
        self._opt = copy.deepcopy(optimizer)
        self.index = 0
        self._costs = [self.net.cost(self.X, self.y, self.loss)]
        self.diverged_at: int | None = None  # the step whose next update made a NaN/inf
        self.divergence: DivergenceError | None = None

    # ----- one step of training, from the current weights ---------------------------
    def _batches(self, epoch: int):
        return batches(self.X.shape[0], self.batch_size, self.seed, epoch)

    def _advance(self, keep: bool = True) -> bool:
        """One more step; False if it diverged (then the weights stay at this step and it is recorded).

        ``keep``: snapshot the new step. A jump of many steps (a click that moves 50 epochs) keeps
        only the step it lands on: copying the weights after every epoch cost a third of the jump.
        """
        try:
            with np.errstate(over="ignore", invalid="ignore"):  # reported as a divergence, not as warnings
                if self.per == "epoch":  # Network.train's epoch loop, for this one epoch
                    self.net.train(self.X, self.y, 1, self._step_lr, self.loss, self._opt, self.batch_size,
                                   self.seed, self.rule, first_epoch=self.first + self.index)
                else:
                    epoch, b = divmod(self.first + self.index, self.batches_per_epoch)
                    idx = self._batches(epoch)[b]
                    self.net.step(self.X[idx], self.y[idx], self._step_lr, self.loss, self.rule, self._opt)
                cost = self._costs[self.index + 1] if self.index + 1 < len(self._costs) else \
                    self.net.cost(self.X, self.y, self.loss)
            if not math.isfinite(cost):
                raise DivergenceError(f"the cost over all samples would be {cost}", quantity="cost", value=cost)
        except DivergenceError as exc:
            self._return_to(self.index)  # undo the batches of this epoch that did go through
            self.diverged_at, self.divergence = self.index, exc
            return False
        self.index += 1
        if self.index == len(self._costs):
            self._costs.append(cost)
        if keep:
            self._snapshot()
        return True

    def _snapshot(self) -> None:
        self._snaps[self.index] = (self.net.copy(), copy.deepcopy(self._opt))
        self._snaps.move_to_end(self.index)
        while len(self._snaps) > self.keep:
            self._snaps.popitem(last=False)

    def _restore(self, i: int) -> None:
        net, opt = self._start if i == 0 else self._snaps[i]
        self.net, self._opt, self.index = net.copy(), copy.deepcopy(opt), i

    def _nearest_snapshot(self, i: int) -> int:
        return max((k for k in self._snaps if k <= i), default=0)

    def _return_to(self, i: int) -> None:
        """The weights after step i (reached before, so no divergence): from the nearest snapshot, replayed."""
        self._restore(self._nearest_snapshot(i))
        while self.index < i:
            self._advance(keep=False)

    # ----- moves --------------------------------------------------------------------
    def goto(self, i: int) -> bool:
        """Jump to ``i`` steps of training (replaying from the nearest snapshot if needed)."""
        if isinstance(i, bool) or not isinstance(i, (int, np.integer)):
            raise TypeError(f"step index must be a whole number, got {i!r}")
        i = int(i)
        if not 0 <= i <= self.max_steps:
            raise IndexError(f"step {i} is outside 0..{self.max_steps}")
        if self.diverged_at is not None:
            i = min(i, self.diverged_at)  # no step beyond a divergence
        if i == self.index:
            return False
        base = self._nearest_snapshot(i)
        if i < self.index or self.index < base:
            self._restore(base)  # nearer than the current weights, or behind us
        while self.index < i and self._advance(keep=self.index + 1 == i):
            pass
        return True

    # ----- what is shown ------------------------------------------------------------
    @property
    def costs(self) -> np.ndarray:
        """Cost after 0, 1, ..., index steps."""
        return np.array(self._costs[:self.index + 1])

    @property
    def cost(self) -> float:
        return self._costs[self.index]

    @property
    def epoch(self) -> float:
        """Epochs completed (fractional when stepping per update)."""
        return self.index if self.per == "epoch" else self.index / self.batches_per_epoch

    @property
    def unit(self) -> str:
        """What one step is: "epoch" or "update"."""
        return "epoch" if self.per == "epoch" else "update"

    @property
    def snapshots(self) -> tuple[int, ...]:
        """The steps whose weights are kept to replay from (besides step 0), at most ``keep``."""
        return tuple(sorted(self._snaps))

    @property
    def label(self) -> str:
        unit = self.unit
        label = f"{unit} {self.index} — cost {fmt(self.cost)}"
        if self.diverged_at is not None:
            what = self.divergence.detail
            label += f" — diverged at {unit} {self.diverged_at}, training stopped (the next update: {what})"
        return label

    def predict(self, X) -> np.ndarray:
        return self.net.predict(X)

    def __repr__(self) -> str:
        return f"TrainingStepper({self.label})"




# ----- branch and compare -------------------------------------------------------------
@dataclass(frozen=True)
class Difference:
    """One number in both runs of a comparison (None where a run has no such number)."""

    kind: str
    name: str
    sample: int | None
    base: float | None
    branch: float | None


def _own_copy(net: Network, X, y) -> tuple[np.ndarray, np.ndarray]:
    """(X, y) checked for ``net`` and copied: a stepper shows numbers computed from what it was given,
    whatever the caller does to its arrays afterwards."""
    X, y = net.check_batch(X, y)
    return X.copy(), y.copy()


def _usable_optimizer(optimizer, net: Network):
    """``optimizer`` if it may update ``net``: one bound to another network (its running averages
    belong there) is refused before anything is computed, as ``Network.train`` refuses it."""
    if not hasattr(optimizer, "update"):
        get_optimizer(optimizer)  # the TypeError saying what an optimizer is
    check = getattr(optimizer, "check_network", None)
    if check is not None:
        check(net)
    return optimizer


def _differs(a, b, tol: float) -> bool:
    if a is None or b is None:
        return a is not b
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) != math.isnan(b)
    return abs(a - b) > tol


def _check_changes(changes: dict, allowed: tuple, what: str) -> dict:
    if not isinstance(changes, dict):
        raise TypeError(f"branch must be a dict of the settings the branch changes, such as {{'lr': 0.5}}; "
                        f"got {type(changes).__name__} {changes!r:.40}")
    if not changes:
        raise ValueError(f"a {what} needs at least one setting to change for the branch: one of {allowed}")
    unknown = sorted(set(changes) - set(allowed))
    if unknown:
        raise ValueError(f"a {what} can branch on {allowed}; got {unknown}")
    return dict(changes)


def _branch_net(net: Network, changes: dict, init: str) -> Network:
    """The branch's starting network: ``net``, re-drawn with another ``seed`` and/or other activations."""
    acts = changes.get("activation", net.acts)
    if "seed" in changes:
        return Network.random(net.sizes, acts, init=init, seed=changes["seed"], names=net.names)
    return Network([w.copy() for w in net.W], acts, net.names)


def _marked(net: Network, s1: State, s2: State, sample: int | None, tol: float) -> frozenset:
    """Names of the weights and units whose shown numbers differ between two states."""
    out = set()
    for l in range(net.n_layers):
        differ = ~_close(s1.weights[l], s2.weights[l], tol) | ~_close(s1.grad[l], s2.grad[l], tol)
        out.update(net.weight_name(l, int(i), int(j)) for i, j in zip(*np.nonzero(differ)))
    for l in range(net.n_layers):
        for field_, layer in (("z", l), ("a", l + 1), ("delta", l)):
            if sample is None:  # a step over the whole batch: no one sample's numbers are shown
                continue
            v1, v2 = getattr(s1, field_)[layer][sample], getattr(s2, field_)[layer][sample]
            for j in np.flatnonzero(~_close(v1, v2, tol)):
                out.add(net.dest_name(l, int(j)))
    return frozenset(out)


def _close(a: np.ndarray, b: np.ndarray, tol: float) -> np.ndarray:
    """Elementwise: equal within ``tol``, or both not computed yet (NaN)."""
    both_nan = np.isnan(a) & np.isnan(b)
    with np.errstate(invalid="ignore"):
        return both_nan | (np.abs(a - b) <= tol)


@dataclass(frozen=True)
class StepComparisonView:
    """The current step of both runs, and the names of the numbers that differ (to mark)."""

    base: StepView
    branch: StepView | None
    differs: bool
    marked: frozenset


class StepComparison:
    """One update of the same start computed twice: the base settings and a branch.

    The base runs (net, X, y, lr, loss, rule); ``branch`` names what the branch changes,
    e.g. ``StepComparison(net, X, y, 0.1, branch={"lr": 0.5})``: ``lr``, ``activation``
    (one name or one per layer), ``loss``, ``rule`` or ``seed`` (new random initial
    weights, drawn with ``init``, for the same sizes). Moves act on the base; the branch
    shows the step that computes the same number (same kind, name and sample).
    ``index`` is the micro-step to start from.
    """

    BRANCHES = ("lr", "activation", "loss", "rule", "seed")

    def __init__(self, net: Network, X, y, lr: float = 0.1, loss="half_squared_error",
                 rule: str = "gradient", *, branch: dict, index: int = 0, init: str = "xavier"):
        if not isinstance(net, Network):
            raise TypeError(f"StepComparison needs a bpnet.Network, got {type(net).__name__}")
        if isinstance(branch, dict) and "optimizer" in branch:
            raise ValueError("one recorded update is plain gradient descent: compare optimizers "
                             "with TrainingComparison")
        self.changes = _check_changes(branch, self.BRANCHES, "StepComparison")
        self.settings = {"lr": lr, "loss": get_loss(loss).name, "rule": rule}
        b = {**self.settings, **{k: v for k, v in self.changes.items() if k in ("lr", "loss", "rule")}}
        bnet = _branch_net(net, self.changes, init)
        self.base = Stepper(trace_step(net, X, y, lr, loss, rule), index)
        self.branch = Stepper(trace_step(bnet, X, y, b["lr"], b["loss"], b["rule"]))
        self._follow()

    def _follow(self) -> None:
        match = _matching(self.branch.trace, self.base.current)
        self._match = match
        self.branch.goto(match.index if match is not None else min(self.base.index, self.branch.n - 1))

    def _move(self, moved: bool) -> bool:
        self._follow()
        return moved

    # ----- moves (the base's; the branch follows) -----------------------------------
    @property
    def index(self) -> int:
        return self.base.index

    @property
    def n(self) -> int:
        return self.base.n

    def goto(self, i: int) -> bool:
        return self._move(self.base.goto(i))

    def forward(self) -> bool:
        return self._move(self.base.forward())

    def back(self) -> bool:
        return self._move(self.base.back())

    def start(self) -> bool:
        return self._move(self.base.start())

    def end(self) -> bool:
        return self._move(self.base.end())

    def next_phase(self) -> bool:
        return self._move(self.base.next_phase())

    def prev_phase(self) -> bool:
        return self._move(self.base.prev_phase())

    # ----- what differs -------------------------------------------------------------
    @property
    def counterpart(self) -> MicroStep | None:
        """The branch's step for the base's current one (None if the branch has none)."""
        return self._match

    def marked(self, tol: float = 0.0) -> frozenset:
        """Weights and units whose numbers differ between the two runs' states right now."""
        return _marked(self.base.trace.before, self.base.state, self.branch.state, self.base.sample, tol)

    def differences(self, tol: float = 0.0) -> list[Difference]:
        """Every micro-step whose value differs between the runs (or that only one run has), in order."""
        bt, ct = self.base.trace, self.branch.trace
        theirs = {}
        for s in ct:
            theirs.setdefault(_key(s), s.value)
        mine = set()
        out = []
        for s in bt:
            k = _key(s)
            mine.add(k)
            other = theirs.get(k)
            if _differs(s.value, other, tol):
                out.append(Difference(s.kind, s.name, s.sample, s.value, other))
        out += [Difference(k[0], k[1], k[2], None, v) for k, v in theirs.items() if k not in mine]
        return out

    def view(self, tol: float = 0.0) -> StepComparisonView:
        """Both runs at the current step, from one index."""
        other = self._match
        differs = other is None or _differs(self.base.current.value, other.value, tol)
        return StepComparisonView(self.base.view(), self.branch.view() if other is not None else None,
                                  differs, self.marked(tol))

    def __repr__(self) -> str:
        changes = ", ".join(f"{k}={v!r}" for k, v in self.changes.items())
        return f"StepComparison({self.base.label}; branch: {changes})"


@dataclass(frozen=True)
class TrainingComparisonView:
    """Both runs at one training step: costs so far (the branch's equal the base's before
    it splits off), the current costs, and the weights that differ."""

    index: int
    label: str
    split: int
    base_costs: np.ndarray
    branch_costs: np.ndarray
    base_cost: float
    branch_cost: float
    marked: frozenset


class TrainingComparison(_TrainingMoves):
    """Two training runs from the same initial weights; the branch splits off at step ``at``.

    The base is ``TrainingStepper(net, X, y, ...)``. The branch starts from the base's
    weights (and optimizer state) after ``at`` steps, with the settings in ``branch``
    changed: ``lr``, ``activation``, ``loss``, ``rule``, ``optimizer`` (a name or an
    optimizer; a fresh one), or ``seed`` (new random initial weights, drawn with
    ``init``; only with ``at=0``). Both see the same batches at every step. Moves act
    on both: at step i the base has trained i steps and the branch i - at after the
    split (before it, the branch is the base). ``start()`` rewinds both to the same
    initial weights.
    """

    BRANCHES = ("lr", "activation", "loss", "rule", "optimizer", "seed")

    def __init__(self, net: Network, X, y, lr: float = 0.1, loss="half_squared_error", optimizer=None,
                 batch_size: int | None = None, per: str = "epoch", seed: int = 0, rule: str = "gradient",
                 *, branch: dict, at: int = 0, keep: int = 64, max_steps: int = 100_000, init: str = "xavier"):
        self.changes = _check_changes(branch, self.BRANCHES, "TrainingComparison")
        if isinstance(at, bool) or not isinstance(at, (int, np.integer)) or not 0 <= at <= max_steps:
            raise ValueError(f"at must be a whole number of steps in 0..{max_steps}, got {at!r}")
        if "seed" in self.changes and at:
            raise ValueError("a different initial seed changes the start: branch it at=0")
        self.base = TrainingStepper(net, X, y, lr, loss, optimizer, batch_size, per, seed, keep, max_steps, rule)
        self.at = int(at)
        self.base.goto(self.at)
        start = _branch_net(self.base.net, self.changes, init)
        c = self.changes
        if "optimizer" in c:
            opt = c["optimizer"]
            opt = get_optimizer(opt) if isinstance(opt, str) else copy.deepcopy(_usable_optimizer(opt, net))
        else:
            opt = copy.deepcopy(self.base._opt)  # the state the base's optimizer has reached
        self.branch = TrainingStepper(start, self.base.X, self.base.y, c.get("lr", lr), c.get("loss", loss), opt,
                                      batch_size, per, seed, keep, max_steps - self.at, c.get("rule", rule),
                                      first=self.at)
        self.base.start()

    @property
    def index(self) -> int:
        return self.base.index

    @property
    def max_steps(self) -> int:
        return self.base.max_steps

    def goto(self, i: int) -> bool:
        """Both runs to step ``i`` (the branch to ``i - at`` once it has split off)."""
        moved = self.base.goto(i)
        self.branch.goto(max(0, self.base.index - self.at))
        return moved

    @property
    def split(self) -> bool:
        """True once the branch has split off (the two runs may differ)."""
        return self.index >= self.at and ("seed" in self.changes or "activation" in self.changes
                                          or self.index > self.at)

    @property
    def branch_net(self) -> Network:
        """The branch's weights now (the base's before the split)."""
        return self.branch.net if self.index >= self.at else self.base.net

    @property
    def costs(self) -> tuple[np.ndarray, np.ndarray]:
        """(base, branch) costs after 0..index steps; the branch's are the base's before ``at``."""
        base = self.base.costs
        if self.index < self.at:
            return base, base.copy()
        return base, np.concatenate([base[:self.at], self.branch.costs])

    def marked(self, tol: float = 0.0) -> frozenset:
        """Names of the weights that differ between the two runs now."""
        net, other = self.base.net, self.branch_net
        out = set()
        for l, (w1, w2) in enumerate(zip(net.W, other.W)):
            for i, j in zip(*np.nonzero(~_close(w1, w2, tol))):
                out.add(net.weight_name(l, int(i), int(j)))
        return frozenset(out)

    def view(self, tol: float = 0.0) -> TrainingComparisonView:
        base, branch = self.costs
        label = f"{self.base.unit} {self.index} — cost {fmt(base[-1])} (base), {fmt(branch[-1])} (branch)"
        return TrainingComparisonView(self.index, label, self.at, base, branch, float(base[-1]), float(branch[-1]),
                                      self.marked(tol))

    def __repr__(self) -> str:
        changes = ", ".join(f"{k}={v!r}" for k, v in self.changes.items())
        return f"TrainingComparison(at step {self.index}, split at {self.at}; branch: {changes})"


# ----- a scalar autograd graph, stepped -------------------------------------------------------
@dataclass(frozen=True)
class NodeRow:
    """One row of the node table: gradient None until the backward pass computes it."""

    name: str
    op: str
    expression: str
    value: float | None
    grad: float | None
    new: float | None


class GraphStepper(Stepper):
    """``bpnet.views.stepper.Stepper``'s moves (forward, back, goto, next phase, ...) over a ``GraphTrace``."""

    def __init__(self, trace, index: int = 0):
        if isinstance(trace, Value):
            trace = trace.backward()
        if not isinstance(trace, GraphTrace):
            raise TypeError(f"GraphStepper needs a GraphTrace (from Value.backward()) or a Value, "
                            f"got {type(trace).__name__}")
        if not len(trace):
            raise ValueError("the trace has no steps: the graph has no computed node")
        self._set_trace(trace)
        self.index = 0
        self.goto(index)

    @property
    def graph(self) -> Graph:
        return self.trace.graph

    @property
    def state(self) -> GraphState:
        return self.trace.state(self.index)

    @property
    def previous_state(self) -> GraphState | None:
        return self.trace.state(self.index - 1) if self.index else None

    @property
    def sample(self):
        return None

    def node_rows(self) -> list[NodeRow]:
        """Every node: its expression, value, gradient (None until known) and new value."""
        st, g = self.state, self.graph
        known = lambda x: None if x != x else float(x)  # noqa: E731  NaN -> None
        return [NodeRow(g.names[i], v.op, g.expression(i), known(st.value[i]), known(st.grad[i]),
                        known(st.new[i])) for i, v in enumerate(g.nodes)]

    def fork_parts(self) -> tuple[int, list[tuple[str, float]]] | None:
        """At a ``sum`` step: (node, [(branch, contribution), ...]) being added; else None."""
        step = self.current
        if step.kind != "sum":
            return None
        i = step.where[0][1]
        g, st = self.graph, self.state
        return i, [(g.names[g.edges[e].dst], float(st.chain[e])) for e in self.trace.branches(i)]

    def change(self):  # the network Stepper's version reads a network State
        raise NotImplementedError("GraphStepper has no network state: read .state and .current")

    def weight_rows(self):
        raise NotImplementedError("GraphStepper has no weights table: use node_rows()")

    def unit_activation(self):
        return None

    def __repr__(self) -> str:
        return f"GraphStepper({self.label}, {len(self.graph)} nodes)"
