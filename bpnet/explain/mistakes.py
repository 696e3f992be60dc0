"""The catalogue of backpropagation mistakes, each one a computation.

A learner holding one misconception does every step of an update right except one.
Each entry of ``CATALOGUE`` is that one step done their way: a small subclass of
``bpnet.core.network.Backprop`` that overrides one per-layer method (the output delta, a
hidden delta, a gradient, the update, ...), so the rest of the arithmetic is bpnet's
own. Running it answers any question a checker asks, on any network, loss and
activation, with the number that learner would get:

    ("forward", "Z1")       the activation a of unit Z1 (one value per sample)
    ("z", "Z1")             its pre-activation z
    ("delta", "D0")         the delta dL/dz of a unit (one value per sample)
    ("gradient", "X1->Z1")  dJ/dw of a weight on the batch
    ("update", "X1->Z1")    the weight after one step w := w - lr*dJ/dw (needs ``lr``)
    ("cost", None)          the cost J of the batch

    >>> from bpnet import xor_example
    >>> net, X, y, lr = xor_example()
    >>> values = candidates(net, X[:1], y[:1], ("delta", "Z1"), lr=lr)
    >>> values["sign"], round(values["updated_weights"], 6)   # -(a - y); 0.6 * 4 with Z1->D0 updated
    (-4.0, 2.4)

Mistakes that belong to one activation or one loss (tanh' without its square, the sign
in sigmoid's exponent, the 1/2 of the half squared error, ...) are declared by that
activation or loss (``value_mistakes``, ``derivative_mistakes``, ``cost_mistakes``,
``grad_mistakes``); this module turns each into an entry keyed "activation:<key>",
"derivative:<key>" or "loss:<key>", applied wherever that activation or loss is used.

Every mistake is computed on every question; one that does not bear on it (a sign flip on
a forward value) simply gives the right value there.

``assess`` gathers, for one question, the right value, the other values that are right
too (either slope at a ReLU kink), every mistake's value and the size of the numbers
involved; ``judge`` decides an answer by the nearest candidate: correct only when within
the tolerance of the right value and nearer to it than to every mistake's number that
the answer's own digits can tell apart from it (see its docstring). ``indistinguishable``
names the mistakes a question cannot tell from its right answer (a degenerate exercise).
"""

from __future__ import annotations

import copy
import functools
import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..core.checks import check_lr, check_rule
from ..core.notation import fmt, weight_symbol
from ..core.activations import Activation
from ..core.losses import LOSSES, Loss, get_loss
from ..core.network import Backprop, Forward, Network

__all__ = [
    "QUESTION_KINDS",
    "Question",
    "Context",
    "Mistake",
    "Learner",
    "CATALOGUE",
    "Candidate",
    "Assessment",
    "Verdict",
    "parse_question",
    "catalogue",
    "candidates",
    "assess",
    "judge",
    "indistinguishable",
    "explain",
    "tolerance",
    "precision",
    "RTOL",
    "FLOOR",
]

QUESTION_KINDS = ("forward", "z", "delta", "gradient", "update", "cost")
_PASS_KINDS = frozenset({"delta", "gradient", "update"})  # questions that need the backward pass
_ALL_KINDS = frozenset(QUESTION_KINDS)

#: Relative tolerance of an answer (about 4 significant digits).
RTOL = 1e-3
#: The absolute floor of the tolerance, as a fraction of the size of the numbers that
#: make up the answer (``Assessment.scale``): a value that is small because large terms
#: cancel is judged at the precision of those terms, not to 4 digits of the tiny result.
FLOOR = 2e-4
#: "Rounding" is said within this many tolerances of the right value, or when the answer
#: agrees with it to two significant digits.
ROUNDING = 10.0


# ----- questions -----------------------------------------------------------------------
@dataclass(frozen=True)
class Question:
    """What is asked, with its place in the weights: ``layer`` l is the weight layer
    (z[l], a[l+1], delta[l], W[l]); ``i`` the row of W[l] (0 = bias unit); ``j`` the column."""

    kind: str
    name: str | None
    layer: int | None = None
    i: int | None = None
    j: int | None = None


def _unit(net: Network, name) -> tuple[int, int]:
    """(weight layer l, column j) of the hidden or output unit called ``name``, e.g. Z1 -> (0, 0)."""
    if not isinstance(name, str):
        raise TypeError(f"unit must be a name such as 'Z1' or 'D0', got {name!r}")
    for l in range(net.n_layers):
        for j in range(net.sizes[l + 1]):
            if net.dest_name(l, j) == name:
                return l, j
    valid = [net.dest_name(l, j) for l in range(net.n_layers) for j in range(net.sizes[l + 1])]
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
        raise TypeError(f"weight name must be a name such as 'X0->Z1', got {name!r}")
    try:
        return net.weight_index(name)
    except KeyError:
        names = net.weight_names()
        shown = ", ".join(names[:16]) + (", ..." if len(names) > 16 else "")
        raise ValueError(f"unknown weight {name!r}; this network's weights are {shown}") from None


def parse_question(net: Network, question) -> Question:
    """``("delta", "Z1")`` and the like as a ``Question``, or one clear error."""
    if isinstance(question, Question):
        return question
    if not (isinstance(question, tuple) and len(question) == 2):
        raise TypeError(f"a question is a pair such as ('delta', 'Z1') or ('cost', None), got {question!r}")
    kind, name = question
    if kind not in QUESTION_KINDS:
        raise ValueError(f"unknown question kind {kind!r}; expected one of {QUESTION_KINDS}")
    if kind == "cost":
        return Question("cost", None)
    if kind in ("gradient", "update"):
        return Question(kind, name, *_weight(net, name))
    l, j = _unit(net, name)
    return Question(kind, name, l, None, j)


# ----- the learner: Backprop done one step differently ------------------------------------
def _one(v):
    """A column of values per sample: a float for one sample, else a copy of the array."""
    v = np.asarray(v, dtype=float)
    return float(v[0]) if v.size == 1 else v.copy()


def _twin(net: Network) -> Network:
    """The network with its own weight arrays (names, activations and frozen set shared): cheaper than copy()."""
    twin = copy.copy(net)
    twin.W = [w.copy() for w in net.W]
    return twin


class Learner(Backprop):
    """Backprop as a learner computes it: right, unless a subclass does one step their way.

    It works on its own copy of the network (``update`` changes weights in place) and
    keeps what the overridden steps may need: the learning rate, the question, and the
    forward pass and deltas of the current call. ``place``: for a slip made at one layer
    only (``Mistake.places``), that weight layer l. Its steps may depend on the question only
    through the question's layer, and a subclass whose do says so with ``per_layer = True``:
    ``assess`` reads every other question off one pass (``_Pass``).

    ``short_form``: True where the learner, like bpnet, writes the output delta as a - y when
    the loss and output activation simplify to it; a learner's code that multiplies
    dL/da by f'(z) even there makes an output f' slip visible (the code checkers set it False).
    """

    short_form = True

    def __init__(self, net: Network, loss, rule: str, lr: float | None = None, q: Question | None = None,
                 place: int | None = None):
        super().__init__(_twin(net), loss, rule)
        self.lr = lr
        self.q = q
        self.place = place
        self.fwd: Forward | None = None
        self.delta: list | None = None

    def deltas(self, fwd, y):
        self.fwd = fwd
        self.delta = super().deltas(fwd, y)
        return self.delta

    def gradients(self, fwd, deltas):
        self.fwd, self.delta = fwd, deltas
        return super().gradients(fwd, deltas)

    def read(self, fwd: Forward, q: Question) -> np.ndarray:
        """The values a forward question asks for: a (or z) of the unit, one per sample."""
        return fwd.z[q.layer][:, q.j] if q.kind == "z" else fwd.a[q.layer + 1][:, q.j]

    def answer(self, X: np.ndarray, y: np.ndarray | None):
        """This learner's answer to its question ``self.q`` on the batch (X, y)."""
        return _Pass(self, X, y).answer(self.q)


class _Pass:
    """A learner's pass on one batch, each stage computed once, when a question first needs it:
    the forward pass, the deltas, the gradients, and each layer's update.

    Questions asked one after another read their numbers off the same pass, and each gets
    the number ``Learner.answer`` gives it alone: a later stage never changes an earlier one
    (the updates come last, each to its own layer).
    """

    def __init__(self, learner: Learner, X: np.ndarray, y: np.ndarray | None):
        self.learner, self.X, self.y = learner, X, y
        self.fwd: Forward | None = None
        self.deltas: list | None = None
        self.grads: list | None = None
        self.new: dict[int, np.ndarray] = {}  # weight layer -> its weights after the update

    def answer(self, q: Question):
        """The learner's answer to ``q``: a float, or one value per sample for a unit on a batch."""
        lrn = self.learner
        if self.fwd is None:
            self.fwd = lrn.forward(self.X)
        fwd = self.fwd
        if q.kind in ("forward", "z"):
            return _one(lrn.read(fwd, q))
        if q.kind == "cost":
            return float(lrn.cost(fwd, self.y))
        if self.deltas is None:
            self.deltas = lrn.deltas(fwd, self.y)
        if q.kind == "delta":
            return _one(self.deltas[q.layer][:, q.j])
        if self.grads is None:
            self.grads = lrn.gradients(fwd, self.deltas)
        if q.kind == "gradient":
            return float(self.grads[q.layer][q.i, q.j])
        if q.layer not in self.new:
            self.new[q.layer] = lrn.update(q.layer, self.grads[q.layer], lrn.lr)
        return float(self.new[q.layer][q.i, q.j])


class _Slope(Activation):
    """An activation as a learner differentiates it: the same f, their f'."""

    def __init__(self, act: Activation, df: Callable):
        self.act, self._df = act, df
        # A name of its own: the loss must not use its a - y short form, which hides f'.
        self.name = f"{act.name} as differentiated"
        self.symbol = act.symbol

    def f(self, z):
        return self.act.f(z)

    def df(self, z, a=None):
        return self._df(z)


# --- the output delta
class Sign(Learner):
    """Output delta with its sign flipped: y - a where a - y belongs."""

    def output_delta(self, z, a, y):
        return -super().output_delta(z, a, y)


class Article(Learner):
    """The article's rule (``rule="article"`` in bpnet.core.network): output delta y - a, no f'(z)."""

    def __init__(self, net, loss, rule, lr=None, q=None, place=None):
        super().__init__(net, loss, "article", lr, q, place)


class ExtraDerivative(Learner):
    """f'(z) multiplied once more onto the output delta (e.g. onto a - y of sigmoid + BCE)."""

    def output_delta(self, z, a, y):
        d = super().output_delta(z, a, y)
        return self.acts[-1].backward(z, a, d) if self.rule == "gradient" else d


class _LossGrad(Learner):
    """dL/da of a loss-declared mistake (``loss.grad_mistakes``) in the output delta."""

    key = ""

    def output_delta(self, z, a, y):
        if self.rule != "gradient":
            return super().output_delta(z, a, y)
        wrong = _declared(self.loss, "grad_mistakes", self.key, a, y)
        return super().output_delta(z, a, y) if wrong is None else self.acts[-1].backward(z, a, wrong)


# --- f'(z) in the deltas
class _Derivative(Learner):
    """Deltas with f'(z) taken the learner's way at the layers in ``where``.

    ``slope(l, act)`` returns what they multiply by, as a function of z (None: the right f').
    At the output it applies only where the learner differentiates the activation: not
    under the article's rule, not with a non-elementwise activation, and not where the
    loss's short form a - y already holds f'.
    """

    where = ("hidden", "output")

    def slope(self, l: int, act: Activation):
        return None

    def _proxy(self, l):
        act = self.acts[l]
        if not act.elementwise:
            return None
        df = self.slope(l, act)
        return None if df is None else _Slope(act, df)

    def hidden_delta(self, l, z, a, back):
        proxy = self._proxy(l) if "hidden" in self.where else None
        return super().hidden_delta(l, z, a, back) if proxy is None else proxy.backward(z, a, back)

    def output_delta(self, z, a, y):
        out = self.acts[-1]
        if "output" not in self.where or self.rule != "gradient" or (self.short_form and self.loss.short_delta(out)):
            return super().output_delta(z, a, y)
        proxy = self._proxy(self.L - 1)
        return super().output_delta(z, a, y) if proxy is None else self.loss.delta(proxy, z, a, y)


class MissingOutputDerivative(_Derivative):
    where = ("output",)

    def slope(self, l, act):
        return np.ones_like


class MissingHiddenDerivative(_Derivative):
    where = ("hidden",)

    def slope(self, l, act):
        return np.ones_like


class MissingDerivative(_Derivative):
    def slope(self, l, act):
        return np.ones_like


class DerivativeOfA(_Derivative):
    """f'(a) where f'(z) belongs."""

    def slope(self, l, act):
        return lambda z: act.df(act.f(z))


class DerivativeOfAHidden(DerivativeOfA):
    """f'(a) where f'(z) belongs, at the hidden units only (the output's f' right)."""

    where = ("hidden",)


class DerivativeOfAOutput(DerivativeOfA):
    """f'(a) where f'(z) belongs, at the output only (the hidden units' f' right)."""

    where = ("output",)


class MissingDerivativeAt(_Derivative):
    """f'(z) left out at one layer only, ``self.place`` (a middle layer of a deep network)."""

    per_layer = True  # made at the layer ``place``

    def slope(self, l, act):
        return np.ones_like if l == self.place else None


class DerivativeOfAAt(_Derivative):
    """f'(a) where f'(z) belongs at one layer only, ``self.place``."""

    per_layer = True  # made at the layer ``place``

    def slope(self, l, act):
        return (lambda z: act.df(act.f(z))) if l == self.place else None


class DerivativeOfWrongUnit(_Derivative):
    """In the asked unit's layer, each unit's f' taken at the z of the next unit of that layer (a slip
    of one delta, not a misconception about f')."""

    per_layer = True  # made at the layer of the question (q.layer)

    def slope(self, l, act):
        if l != self.q.layer or self.net.sizes[l + 1] < 2:
            return None
        return lambda z: act.df(np.roll(z, -1, axis=-1))


class _DeclaredDerivative(_Derivative):
    """An activation's own derivative mistake (``act.derivative_mistakes``), e.g. tanh' = 1 - tanh(z)."""

    key = ""

    def slope(self, l, act):
        if not any(k == self.key for k, _, _ in act.derivative_mistakes(np.zeros((1, 1)))):
            return None
        return lambda z: _declared(act, "derivative_mistakes", self.key, z)


# --- the backward sweep
class UpdatedWeights(Learner):
    """Each layer's weights updated before its delta is sent further back."""

    def deltas(self, fwd, y):
        self._updated = set()
        return super().deltas(fwd, y)

    def backpropagate(self, l, delta_next):
        if self.lr is None:  # without a learning rate there is no update to get wrong
            return np.full_like(super().backpropagate(l, delta_next), np.nan)
        # The update is in place, so the weight views backpropagate reads now hold the new weights.
        super().update(l + 1, self.gradient(l + 1, self.fwd.a[l + 1], delta_next), self.lr)
        self._updated.add(l + 1)
        return super().backpropagate(l, delta_next)

    def update(self, l, grad, lr):
        return self.W[l] if l in getattr(self, "_updated", ()) else super().update(l, grad, lr)


# --- the gradient
class SumNotMean(Learner):
    """The batch summed where the cost and its gradient take the mean."""

    def gradient(self, l, a_src, delta):
        return super().gradient(l, a_src, delta) * a_src.shape[0]

    def cost(self, fwd, y):
        return super().cost(fwd, y) * fwd.a[0].shape[0]


def _nan_bias_row(g: np.ndarray) -> np.ndarray:
    g = np.array(g, dtype=float)
    g[0] = np.nan  # the bias unit has no such factor: the mistake does not apply there
    return g


class Swapped(Learner):
    """Source and destination swapped: a of the destination times delta of the source."""

    def gradient(self, l, a_src, delta):
        if l == 0:  # the source is an input: it has no delta
            return np.full(self.W[l].shape, np.nan)
        return _nan_bias_row(super().gradient(l, self.delta[l - 1], self.fwd.a[l + 1]))


class DestinationActivation(Learner):
    """The destination's activation where the source's belongs (delta of the destination kept)."""

    def gradient(self, l, a_src, delta):
        a_dst = self.fwd.a[l + 1]
        return np.broadcast_to(np.mean(a_dst * delta, axis=0), self.W[l].shape).copy()


class PreActivationSource(Learner):
    """z of the source unit where its activation a belongs."""

    def gradient(self, l, a_src, delta):
        if l == 0:  # inputs have no z
            return np.full(self.W[l].shape, np.nan)
        return _nan_bias_row(super().gradient(l, self.fwd.z[l - 1], delta))


class WrongSource(Learner):
    """The activation of the next unit of the source's layer (the wrong column)."""

    def gradient(self, l, a_src, delta):
        if a_src.shape[1] < 2:
            return np.full(self.W[l].shape, np.nan)
        return _nan_bias_row(super().gradient(l, np.roll(a_src, -1, axis=1), delta))


class Transposed(Learner):
    """delta.T @ a_src read as if it were a_src.T @ delta: source and destination indices crossed."""

    def gradient(self, l, a_src, delta):
        block = np.array(super().gradient(l, a_src, delta)[1:])
        g = np.full(self.W[l].shape, np.nan)
        k = min(block.shape)
        g[1:1 + k, :k] = block[:k, :k].T
        return g


# --- the update
class MissingLR(Learner):
    def update(self, l, grad, lr):
        return super().update(l, grad, 1.0)


class GradientNotWeight(Learner):
    def update(self, l, grad, lr):
        return np.array(grad)


class ChangeNotWeight(Learner):
    def update(self, l, grad, lr):
        old = self.W[l].copy()
        return super().update(l, grad, lr) - old


class Unchanged(Learner):
    def update(self, l, grad, lr):
        return self.W[l]


# --- the forward pass
class MissingBias(Learner):
    """The bias left out of the sums of the asked unit's layer."""

    per_layer = True  # made at the layer of the question (q.layer)

    def pre_activation(self, l, a_src):
        z = super().pre_activation(l, a_src)
        return z - self.W[l][0] if l == self.q.layer else z


class MissingBiasAt(Learner):
    """The bias of one layer, ``self.place``, left out of its sums (the other layers' kept)."""

    per_layer = True  # made at the layer ``place``

    def pre_activation(self, l, a_src):
        z = super().pre_activation(l, a_src)
        return z - self.W[l][0] if l == self.place else z


class Ascent(Learner):
    """The step added, w + lr*g, where gradient descent subtracts it."""

    def update(self, l, grad, lr):
        return super().update(l, grad, -lr)


class MissingHiddenBiases(Learner):
    """The biases of every hidden layer left out (the output's kept)."""

    def pre_activation(self, l, a_src):
        z = super().pre_activation(l, a_src)
        return z - self.W[l][0] if l < self.L - 1 else z


class MissingBiases(Learner):
    """Every bias left out, in every layer."""

    def pre_activation(self, l, a_src):
        return super().pre_activation(l, a_src) - self.W[l][0]


class MissingActivation(Learner):
    """z given where the unit's activation a is asked."""

    def read(self, fwd, q):
        return fwd.z[q.layer][:, q.j]


class ActivationApplied(Learner):
    """a given where z is asked."""

    def read(self, fwd, q):
        return fwd.a[q.layer + 1][:, q.j]


class HiddenActivationSkipped(Learner):
    """Hidden units pass on z, not a = f(z)."""

    def activate(self, l, z):
        return z if l < self.L - 1 else super().activate(l, z)


class MissingActivations(Learner):
    """No activation applied anywhere."""

    def activate(self, l, z):
        return z


class _DeclaredValue(Learner):
    """An activation's own value mistake (``act.value_mistakes``), e.g. sigmoid with e^(+z)."""

    key = ""

    def activate(self, l, z):
        wrong = _declared(self.acts[l], "value_mistakes", self.key, z)
        return super().activate(l, z) if wrong is None else wrong


def _declared(obj, method: str, key: str, *args):
    """The value of the first mistake called ``key`` that ``obj.method(*args)`` lists, or None."""
    fn = getattr(obj, method, None)
    if fn is None:
        return None
    for k, value, _ in fn(*args):
        if k == key:
            return np.asarray(value, dtype=float)
    return None


def _declared_hint(obj, method: str, key: str, *args) -> str:
    fn = getattr(obj, method, None)
    for k, _, hint in (fn(*args) if fn else ()):
        if k == key:
            return hint
    return ""


# ----- hints: what the learner reads -----------------------------------------------------
@dataclass
class Context:
    """What a mistake's value and hint may depend on: the network, the data and the question."""

    net: Network
    X: np.ndarray
    y: np.ndarray | None
    loss: Loss
    rule: str
    lr: float | None
    q: Question
    fwd: Forward = field(default=None, repr=False)

    @property
    def m(self) -> int:
        return self.X.shape[0]

    @property
    def L(self) -> int:
        return self.net.n_layers

    @property
    def out_act(self) -> Activation:
        return self.net.acts[-1]

    @property
    def act(self) -> Activation:
        """The activation of the asked unit's layer (of the weight's destination)."""
        return self.net.acts[self.q.layer if self.q.layer is not None else -1]

    @property
    def unit(self) -> str:
        """The asked unit, or the destination of the asked weight."""
        q = self.q
        if q.kind in ("gradient", "update"):
            return self.net.dest_name(q.layer, q.j)
        return q.name or self.net.dest_name(self.L - 1, 0)

    @property
    def src(self) -> str:
        return self.net.unit_name(self.q.layer, self.q.i)

    @property
    def hidden_act(self) -> Activation:
        """The activation of the hidden layer the question goes through (the first one by default)."""
        l = self.q.layer if self.q.layer is not None and self.q.layer < self.L - 1 else 0
        return self.net.acts[min(l, self.L - 1)]

    def output_delta_text(self) -> str:
        out = self.out_act
        if self.rule == "article":
            return "y - a"
        if self.loss.short_delta(out):
            return "a - y"
        return f"dL/da*f'(z) = ({self.loss.grad_formula})*{out.derivative}"


# One builder for the hints that are a single text: the names in braces are filled in from
# the question's context, each computed only when the text uses it.
_HINT_FIELDS: dict[str, Callable[[Context], object]] = {
    "unit": lambda c: c.unit,  # the asked unit, or the asked weight's destination
    "src": lambda c: c.src,  # the asked weight's source unit
    "src_act": lambda c: c.net.acts[c.q.layer - 1].name,  # the activation of that source's layer
    "name": lambda c: c.q.name,  # the asked weight
    "w": lambda c: fmt(c.net.W[c.q.layer][c.q.i, c.q.j]),  # its value before the step
    "bias": lambda c: c.net.unit_name(c.q.layer, 0),  # the bias unit feeding the asked unit
    "bias_w": lambda c: fmt(c.net.W[c.q.layer][0, c.q.j]),  # the weight from it
    "bias_weight": lambda c: weight_symbol(c.net.weight_name(c.q.layer, 0, c.q.j)),  # that weight's symbol
    "lr": lambda c: fmt(c.lr),
    "act": lambda c: c.act,  # the asked unit's activation ({act.symbol}, {act.formula})
}


class _HintFields(dict):
    def __init__(self, c: Context):
        super().__init__()
        self.c = c

    def __missing__(self, key: str):
        return _HINT_FIELDS[key](self.c)


def _hint(text: str) -> Callable[[Context], str]:
    """The hint that reads ``text`` with {unit}, {src}, {name}, {lr}, ... (``_HINT_FIELDS``) filled in."""
    def hint(c: Context) -> str:
        return text.format_map(_HintFields(c))
    return hint


_h_missing_derivative = _hint(
    "Your deltas are missing the activation's derivative f'(z): it belongs in every delta, at the "
    "output and at each hidden layer on the way back.")
_h_derivative_of_wrong_unit = _hint(
    "You used f'(z) of another unit of the same layer. Each unit's delta has its own factor "
    "f'(z), at its own z: for {unit} it is f'(z({unit})).")
_h_updated_weights = _hint(
    "You sent the delta back through weights already updated in this step. Every delta of a step "
    "is computed with the old weights, the ones used in the forward pass; update the weights only "
    "once all deltas are known.")
_h_swapped = _hint(
    "Source and destination are swapped: use the activation of the source {src} and the delta "
    "of the destination {unit}, not the other way round.")
_h_destination_activation = _hint(
    "You used the activation of {unit}, the link's destination. The gradient of a weight is "
    "(activation at its source, {src}) * (delta at its destination, {unit}).")
_h_pre_activation = _hint(
    "You used z({src}), the value before the activation. The link carries the activation of "
    "{src}, {src_act}(z), so that is the factor.")
_h_wrong_source = _hint(
    "You used the activation of another unit of {src}'s layer. The gradient of {name} "
    "multiplies the activation of its own source, {src}, by the delta of {unit}.")
_h_transposed = _hint(
    "Your outer product is transposed. The gradient of a weight layer is a_src.T @ delta / m: rows "
    "are source units, columns destination units, so the gradient of {name} pairs {src}'s "
    "activation with {unit}'s delta.")
_h_missing_lr = _hint("You subtracted the whole gradient. The step is lr*g, with lr = {lr}.")
_h_gradient_not_weight = _hint(
    "That is the gradient g. The question asks for the new weight, w - lr*g, with lr = {lr}.")
_h_change_not_weight = _hint(
    "That is the change -lr*g. The new weight is the old one, {w}, plus that change.")
_h_unchanged = _hint(
    "That is the weight before the step. One step of gradient descent moves it by -lr*g, "
    "with lr = {lr} and g the gradient of {name}.")
_h_missing_bias = _hint(
    "You left out the bias: the weight from {bias} (always 1) into {unit}, {bias_weight} = "
    "{bias_w}, belongs in the sum.")
_h_missing_biases = _hint(
    "You left out the biases: every layer's sum includes the weight from its bias unit, whose "
    "activation is always 1.")
_h_missing_activation = _hint(
    "That is z({unit}), the weighted sum. Apply the activation to it to get the unit's output: "
    "{act.symbol}(z) = {act.formula}.")
_h_activation_applied = _hint(
    "That is the activation {act.symbol}(z). The question asks for z itself, before the activation.")
_h_missing_activations = _hint("You applied no activation: each unit passes on a = f(z), not its weighted sum z.")


# The hints that depend on more than names: which rule, loss or activation is in play.
def _h_sign(c: Context) -> str:
    if c.rule == "article":
        return ("Your answer has the opposite sign. This exercise uses the article's rule, "
                "where the output delta is y - a (target minus prediction).")
    if c.q.kind == "update":
        return ("You moved the weight the wrong way. Either a delta was computed as y - a where a - y "
                "belongs, or the step was added: gradient descent subtracts, w := w - lr*g, because the "
                "gradient points uphill.")
    return ("Your answer has the opposite sign: that is what target minus prediction (y - a) gives. "
            f"The delta is dL/dz; at the output it is {c.output_delta_text()}, positive when the prediction "
            "is above the target. With y - a, the update w := w - lr*(source activation)*delta climbs the "
            "loss instead of descending it.")


def _h_article(c: Context) -> str:
    z_out = c.fwd.z[-1]
    drops = "" if np.allclose(c.out_act.df(z_out), 1.0) or not c.out_act.elementwise else ", with no f'(z)"
    return ("That is what the article's rule gives: the output delta taken as y - a (actual minus "
            f"predicted){drops}. It is not dL/dz, and its update climbs the loss. Gradient descent uses "
            f"delta = {c.output_delta_text()} at the output.")


def _h_missing_output_derivative(c: Context) -> str:
    # The formula, not its value here: a diagnosis names the mistake; the numbers are a hint asked for.
    out = c.out_act
    hint = (f"You left out f'(z) at the output. The output delta is dL/da*f'(z), with dL/da = "
            f"{c.loss.grad_formula} for {_loss_name(c.loss)}, and for the {out.name} output f'(z) = "
            f"{out.derivative}.")
    partner = _short_delta_loss(out)
    if partner is not None and partner.name != c.loss.name:
        hint += (f" (Without it, a - y is the right output delta for {_loss_name(partner)}, where f'(z) cancels; "
                 f"for {_loss_name(c.loss)} it does not.)")
    return hint


def _short_delta_loss(act: Activation) -> Loss | None:
    """The registered loss whose output delta with ``act`` is a - y (its f'(z) cancels), if any."""
    for loss in LOSSES.values():
        if act.name in loss.short_delta_activations:
            return get_loss(loss.name)
    return None


def _h_missing_hidden_derivative(c: Context) -> str:
    act = c.hidden_act
    return (f"You left out f'(z) of the hidden units. A hidden unit's delta is f'(z) times the sum over "
            f"its outgoing links of weight*delta downstream; with {act.name}, f'(z) = {act.derivative}.")


def _h_derivative_of_a(c: Context) -> str:
    act = c.hidden_act if c.q.layer is None or c.q.layer < c.L - 1 else c.out_act
    in_a = f" Written with a = f(z), it is {act.derivative_in_terms_of_a}." if act.derivative_in_terms_of_a else ""
    return (f"You evaluated f' at the activation a instead of at z: f'(z) = {act.derivative} takes the "
            f"pre-activation z.{in_a}")


def _h_extra_derivative(c: Context) -> str:
    out = c.out_act
    if c.loss.short_delta(out):
        return (f"You multiplied by f'(z) once too often. With a {out.name} output and "
                f"{_loss_name(c.loss)}, the output delta is simply a - y: the f'(z) = {out.derivative} "
                f"cancels the denominator of dL/da = {c.loss.grad_formula}.")
    return "You multiplied by f'(z) twice at the output: the output delta is dL/da*f'(z), with f'(z) once."


def _h_sum_not_mean(c: Context) -> str:
    if c.q.kind == "cost":
        return (f"You added the {c.m} losses. The cost of a batch is their mean: divide by the number of "
                f"samples, {c.m}. A mean keeps the cost (and the step size) independent of the batch size.")
    return (f"You added the {c.m} samples' products. The gradient of the cost (a mean) is the mean of the "
            f"per-sample gradients: divide by {c.m}.")


def _h_hidden_activation_skipped(c: Context) -> str:
    return ("A hidden unit passes on its activation a = f(z), not z: apply the activation at every "
            f"hidden layer ({', '.join(sorted({a.name for a in c.net.acts[:-1]}))}) before the next sum.")


def _loss_name(loss: Loss) -> str:
    return loss.name.replace("_", " ")


# ----- the catalogue ---------------------------------------------------------------------
def _always(c: Context) -> bool:
    return True


@dataclass(frozen=True)
class Mistake:
    """One misconception: a key, one line of explanation, a hint, and its computation.

    ``learner``: the ``Learner`` subclass that computes what someone holding it gets;
    ``kinds``: the questions it changes; ``applies(ctx)``: whether it can arise at all
    on this question (e.g. a batch to sum needs two samples); ``hint(ctx)``: what to tell
    the learner, in terms of the network, loss and activation in play. ``possible(ctx)``:
    whether the slip exists at all on this network and question; where it does not (another
    unit of a layer of one unit, the transpose of a diagonal entry) its "value" would be the
    right one by construction, so it is neither computed nor named as giving the same number.
    """

    key: str
    explanation: str
    kinds: frozenset
    hint: Callable[[Context], str]
    learner: type | None = None
    applies: Callable[[Context], bool] = _always
    compute: Callable[[Context], object] | None = None  # a value not computed by a learner
    possible: Callable[[Context], bool] = _always
    #: For a slip made at one layer only: the weight layers it may be at on this question (one
    #: candidate each, the learner's ``place``); ``hint(ctx, place)`` then names the layer.
    places: Callable[[Context], list] | None = None

    def is_applicable(self, ctx: Context) -> bool:
        return ctx.q.kind in self.kinds and self.applies(ctx)

    def value(self, ctx: Context, place: int | None = None):
        """The number (or one per sample) this mistake gives for ``ctx``'s question (at the weight layer
        ``place``, for a slip made at one layer); NaN where it cannot arise."""
        if self.compute is not None:
            return self.compute(ctx)
        return self.learner(ctx.net, ctx.loss, ctx.rule, ctx.lr, ctx.q, place).answer(ctx.X, ctx.y)


def _hidden(c: Context) -> bool:
    return c.L > 1


def _below_output(c: Context) -> bool:
    """The question's value depends on a hidden delta."""
    return c.L > 1 and c.q.layer < c.L - 1


def _gradient_rule(c: Context) -> bool:
    return c.rule == "gradient"


def _output_differentiated(c: Context) -> bool:
    """The learner multiplies by the output's f'(z) (not the article's rule, nor a short form a - y)."""
    return c.rule == "gradient" and c.out_act.elementwise and not c.loss.short_delta(c.out_act)


def _several(c: Context) -> bool:
    return c.m > 1


def _has_lr(c: Context) -> bool:
    return c.lr is not None and _below_output(c)


def _other_unit(c: Context) -> bool:
    """The asked unit's layer (the weight's destination layer) has another unit."""
    return c.q.layer is not None and c.net.sizes[c.q.layer + 1] >= 2


def _other_source(c: Context) -> bool:
    """The weight's source is a unit (not the bias) of a layer with another unit."""
    return c.q.i is not None and c.q.i >= 1 and c.net.sizes[c.q.layer] >= 2


def _off_diagonal(c: Context) -> bool:
    """Transposing moves the asked weight: source unit k and destination unit k are crossed onto themselves."""
    return c.q.i is not None and c.q.i >= 1 and c.q.i - 1 != c.q.j


def _through_activation(c: Context) -> bool:
    """The question's value passes through an activation: not z of the first layer, which sees only inputs."""
    return not (c.q.kind == "z" and c.q.layer == 0)


def _hidden_through_activation(c: Context) -> bool:
    return _hidden(c) and _through_activation(c)


# ----- slips made at one place ---------------------------------------------------------------
def _a_differs(c: Context, l: int) -> bool:
    """f'(a) differs from f'(z) at layer l on this batch (not for ReLU, identity, ...)."""
    act, z = c.net.acts[l], c.fwd.z[l]
    if not act.elementwise:
        return False
    right, wrong = act.df(z), act.df(act.f(z))
    return bool(np.any(np.abs(wrong - right) > 1e-12 * (1.0 + np.abs(right))))


def _slope_not_one(c: Context, l: int) -> bool:
    """Leaving out f'(z) at layer l changes something: f'(z) is not 1 for some unit and sample."""
    act, z = c.net.acts[l], c.fwd.z[l]
    return act.elementwise and bool(np.any(np.abs(act.df(z) - 1.0) > 1e-12))


def _hidden_path(c: Context) -> range:
    """The hidden layers whose f'(z) the question's value goes through (its layer and those above it)."""
    if c.q.kind not in _PASS_KINDS or c.L < 2:
        return range(0)
    return range(c.q.layer, c.L - 1)


def _a_differs_hidden(c: Context) -> bool:
    return any(_a_differs(c, l) for l in _hidden_path(c))


def _a_differs_output(c: Context) -> bool:
    return c.q.kind in _PASS_KINDS and _below_output(c) and _output_differentiated(c) and _a_differs(c, c.L - 1)


def _one_of_several_slopes(differs: Callable) -> Callable[[Context], list]:
    """The layers, of a path through two or more hidden layers, where a slip of ``differs`` shows."""
    def places(c: Context) -> list:
        path = _hidden_path(c)
        return [l for l in path if differs(c, l)] if len(path) >= 2 else []
    return places


_missing_slope_places = _one_of_several_slopes(_slope_not_one)
_slope_of_a_places = _one_of_several_slopes(_a_differs)


def _bias_places(c: Context) -> list:
    """The layers whose bias, left out alone, changes the question's value, other than those the
    catalogue names otherwise (the asked layer's: missing_bias; every hidden one: missing_hidden_biases)."""
    L = c.L
    if c.q.kind in _FWD:
        layers = range(c.q.layer)  # the asked layer's own bias is missing_bias
    else:
        layers = range(L)
    return [l for l in layers if not (L <= 2 and l == 0) and np.any(c.net.W[l][0] != 0.0)]


def _layer_units(c: Context, l: int) -> str:
    """The units weight layer l feeds, e.g. "H2_1, H2_2"."""
    return ", ".join(c.net.dest_name(l, j) for j in range(c.net.sizes[l + 1]))


def _h_missing_derivative_at(c: Context, l: int) -> str:
    act = c.net.acts[l]
    return (f"You left out f'(z) at one layer: the units {_layer_units(c, l)}. Going back through several layers, "
            f"each hidden layer multiplies in its own f'(z); for these {act.name} units f'(z) = {act.derivative}.")


def _h_derivative_of_a_at(c: Context, l: int) -> str:
    act = c.net.acts[l]
    in_a = f" Written with a = f(z), it is {act.derivative_in_terms_of_a}." if act.derivative_in_terms_of_a else ""
    return (f"At the units {_layer_units(c, l)} you evaluated f' at the activation a instead of at z: "
            f"f'(z) = {act.derivative} takes the pre-activation z.{in_a}")


def _h_missing_bias_at(c: Context, l: int) -> str:
    return (f"You left out the bias of one layer: every sum into {_layer_units(c, l)} includes the weight from "
            f"the bias unit {c.net.unit_name(l, 0)}, whose activation is always 1.")


def _h_derivative_of_a_where(where: str) -> Callable[[Context], str]:
    def hint(c: Context) -> str:
        layers = range(c.L - 1) if where == "hidden" else [c.L - 1]
        act = next((c.net.acts[l] for l in layers if _a_differs(c, l)), c.net.acts[layers[0]])
        in_a = f" Written with a = f(z), it is {act.derivative_in_terms_of_a}." if act.derivative_in_terms_of_a else ""
        units = "hidden units" if where == "hidden" else "output"
        return (f"At the {units} you evaluated f' at the activation a instead of at z: f'(z) = {act.derivative} "
                f"takes the pre-activation z.{in_a}")
    return hint


_h_ascent = _hint(
    "You added the step: w + lr*g. Gradient descent subtracts it, w := w - lr*g, because the gradient "
    "points uphill.")


_PASS = _PASS_KINDS
_FWD = frozenset({"forward", "z"})
_GRAD = frozenset({"gradient", "update"})

_ENTRIES = [
    Mistake("sign", "the output delta's sign flipped (y - a where a - y belongs)", _PASS, _h_sign, Sign),
    Mistake("article", "the article's rule: output delta y - a, its sign flipped (and no f'(z) at the output)", _PASS, _h_article,
            Article, _gradient_rule),
    Mistake("missing_output_derivative", "f'(z) left out at the output", _PASS, _h_missing_output_derivative,
            MissingOutputDerivative, _output_differentiated),
    Mistake("missing_hidden_derivative", "f'(z) left out at the hidden units", _PASS,
            _h_missing_hidden_derivative, MissingHiddenDerivative, _below_output),
    Mistake("missing_derivative", "f'(z) left out of every delta", _PASS, _h_missing_derivative,
            MissingDerivative),
    Mistake("derivative_of_a", "f'(a) used where f'(z) belongs", _PASS, _h_derivative_of_a, DerivativeOfA),
    Mistake("derivative_of_a_hidden", "f'(a) used where f'(z) belongs, at the hidden units only", _PASS,
            _h_derivative_of_a_where("hidden"), DerivativeOfAHidden, _below_output, possible=_a_differs_hidden),
    Mistake("derivative_of_a_output", "f'(a) used where f'(z) belongs, at the output only", _PASS,
            _h_derivative_of_a_where("output"), DerivativeOfAOutput, possible=_a_differs_output),
    Mistake("missing_derivative_one_layer", "f'(z) left out at one hidden layer only", _PASS,
            _h_missing_derivative_at, MissingDerivativeAt, places=_missing_slope_places,
            possible=lambda c: bool(_missing_slope_places(c))),
    Mistake("derivative_of_a_one_layer", "f'(a) used where f'(z) belongs, at one hidden layer only", _PASS,
            _h_derivative_of_a_at, DerivativeOfAAt, places=_slope_of_a_places,
            possible=lambda c: bool(_slope_of_a_places(c))),
    Mistake("derivative_of_wrong_unit", "f'(z) of another unit of the same layer", _PASS,
            _h_derivative_of_wrong_unit, DerivativeOfWrongUnit, possible=_other_unit),
    Mistake("extra_derivative", "f'(z) multiplied twice into the output delta", _PASS, _h_extra_derivative,
            ExtraDerivative, _gradient_rule),
    Mistake("updated_weights", "hidden deltas sent back through weights already updated in this step", _PASS,
            _h_updated_weights, UpdatedWeights, _has_lr),
    Mistake("sum_not_mean", "the batch summed instead of averaged", frozenset({"gradient", "update", "cost"}),
            _h_sum_not_mean, SumNotMean, _several),
    Mistake("swapped", "source and destination of the link swapped", _GRAD, _h_swapped, Swapped),
    Mistake("destination_activation", "the destination's activation used where the source's belongs", _GRAD,
            _h_destination_activation, DestinationActivation),
    Mistake("pre_activation", "z of the source used where its activation a belongs", _GRAD, _h_pre_activation,
            PreActivationSource),
    Mistake("wrong_source", "the activation of another unit of the source's layer", _GRAD, _h_wrong_source,
            WrongSource, possible=_other_source),
    Mistake("transposed", "the outer product a_src.T @ delta transposed", _GRAD, _h_transposed, Transposed,
            possible=_off_diagonal),
    Mistake("missing_lr", "the learning rate left out of the update", frozenset({"update"}), _h_missing_lr,
            MissingLR),
    Mistake("gradient_not_weight", "the gradient given instead of the new weight", frozenset({"update"}),
            _h_gradient_not_weight, GradientNotWeight),
    Mistake("change_not_weight", "the change -lr*g given instead of the new weight", frozenset({"update"}),
            _h_change_not_weight, ChangeNotWeight),
    Mistake("unchanged", "the weight left unchanged", frozenset({"update"}), _h_unchanged, Unchanged),
    Mistake("ascent", "the step added (w + lr*g) where it is subtracted", frozenset({"update"}), _h_ascent, Ascent),
    Mistake("missing_bias", "the bias left out of the unit's sum", _FWD, _h_missing_bias, MissingBias),
    Mistake("missing_bias_one_layer", "the bias of one layer left out", _ALL_KINDS, _h_missing_bias_at,
            MissingBiasAt, places=_bias_places, possible=lambda c: bool(_bias_places(c))),
    Mistake("missing_hidden_biases", "the hidden layers' biases left out", _ALL_KINDS, _h_missing_biases,
            MissingHiddenBiases, _hidden),
    Mistake("missing_biases", "every bias left out, in every layer", _ALL_KINDS, _h_missing_biases,
            MissingBiases),
    Mistake("missing_activation", "z given where the activation a is asked", frozenset({"forward"}),
            _h_missing_activation, MissingActivation),
    Mistake("activation_applied", "the activation a given where z is asked", frozenset({"z"}),
            _h_activation_applied, ActivationApplied),
    Mistake("hidden_activation_skipped", "z passed on by the hidden units where a = f(z) belongs", _ALL_KINDS,
            _h_hidden_activation_skipped, HiddenActivationSkipped, _hidden, possible=_hidden_through_activation),
    Mistake("missing_activations", "no activation applied anywhere", _FWD, _h_missing_activations,
            MissingActivations, possible=_through_activation),
]

#: The mistakes every network can show, by key, then those bpnet's own activations and
#: losses declare ("activation:sign", "derivative:missing_square", "loss:missing_half", ...).
#: An activation or loss registered later adds its own on the networks that use it (``catalogue``).
CATALOGUE: dict[str, Mistake] = {m.key: m for m in _ENTRIES}

#: Mistakes that combine with another into a compound one ("sign+missing_derivative"),
#: and the questions where they do.
_COMBINABLE = {"sign": _PASS_KINDS, "missing_activation": frozenset({"forward"})}


@functools.lru_cache(maxsize=None)
def _learner_for(base: type, key: str) -> type:
    return type(f"{base.__name__}[{key}]", (base,), {"key": key})


@functools.lru_cache(maxsize=None)
def _compound(first: type, second: type) -> type:
    return type(f"{first.__name__}+{second.__name__}", (first, second), {})


#: One line for the mistakes activations and losses declare, by their key (else the key in words).
DECLARED = {
    "value_not_derivative": "f(z) given where f'(z) belongs",
    "derivative_not_value": "f'(z) given where f(z) belongs",
    "derivative_of_z": "the derivative's formula in a applied to z",
    "missing_square": "the square left out of the derivative",
    "sign": "the sign flipped",
    "kink": "the other slope at the kink",
    "missing_slope": "leaky ReLU's small negative slope left out",
    "swapped": "the positive and negative sides swapped",
    "missing_normalisation": "softmax's division by the sum left out",
    "missing_half": "the 1/2 of the half squared error left out",
    "missing_error": "dL/da = a - y left out of the output delta (f'(z) alone)",
    "error_not_loss": "the signed error a - y given instead of the loss",
    "derivative_of_a": "f'(a) used where f'(z) belongs",
    "off_by_one": "the schedule one step early or late",
    "missing_power": "a repeated factor multiplied by a count, not raised to a power",
}


def explain(key: str) -> str:
    """One line for a declared mistake's key."""
    return DECLARED.get(key, key.replace("_", " "))


def _declared_entries(net: Network, loss: Loss) -> list[Mistake]:
    """Entries for the mistakes the network's activations and the loss declare themselves."""
    return list(_declared_by(_Declarers(net, loss)))


class _Snapshot:
    """Hashable and equal by ``digest``, a tuple of what it stands for (a cache's key)."""

    digest: tuple

    def __hash__(self):
        return hash(self.digest)

    def __eq__(self, other):
        return type(other) is type(self) and self.digest == other.digest


def _acts_digest(acts) -> tuple:
    """Activation objects by what they are: the object, its class and its parameters."""
    return tuple((id(a), type(a), repr(a)) for a in acts)


class _Declarers(_Snapshot):
    """The activations of a network and a loss, hashable by what they are (as ``_BatchKey`` holds them):
    the entries they declare are worked out once, not on every question asked about the network."""

    def __init__(self, net: Network, loss: Loss):
        self.acts, self.n_out, self.loss = tuple(net.acts), net.sizes[-1], loss
        self.digest = (_acts_digest(self.acts), self.n_out, type(loss), repr(loss))


@functools.lru_cache(maxsize=32)
def _declared_by(declarers: _Declarers) -> tuple[Mistake, ...]:
    loss = declarers.loss
    entries: dict[str, Mistake] = {}
    probe = np.array([[-1.5, -0.5, 0.0, 0.5, 1.5]])
    for act in dict.fromkeys(declarers.acts):  # each activation object once, in order
        for k, _, hint in act.value_mistakes(probe):
            key = f"activation:{k}"
            if key not in entries:
                entries[key] = Mistake(
                    key, f"{act.name} in the forward pass: {explain(k)}", _ALL_KINDS,
                    _declared_value_hint(k), _learner_for(_DeclaredValue, k),
                    possible=functools.partial(_reaches_declaring_value, k))
        if act.elementwise:
            for k, v, hint in act.derivative_mistakes(probe):
                key = f"derivative:{k}"
                # A slope of the wrong sign is a slip when f'(z) alone is asked; in a network it
                # cancels between two such layers, and it is not how deltas go wrong.
                if np.allclose(v, -act.df(probe)):
                    continue
                if key not in entries:
                    entries[key] = Mistake(
                        key, f"f'(z) of {act.name} in the deltas: {explain(k)}", _PASS,
                        _declared_derivative_hint(k), _learner_for(_DeclaredDerivative, k),
                        possible=functools.partial(_reaches_declaring, k))
    a = np.full((1, declarers.n_out), 0.5)
    for k, _, hint in getattr(loss, "grad_mistakes", lambda a, y: [])(a, a * 0.0):
        key = f"loss:{k}"
        entries.setdefault(key, Mistake(key, f"dL/da of {_loss_name(loss)}: {explain(k)}",
                                        _PASS, _declared_loss_hint(k), _learner_for(_LossGrad, k), _gradient_rule))
    return tuple(entries.values())


def _forward_layers(c: Context) -> list:
    """The activations the question's value passes through: up to the asked unit for a z or a, all for the rest."""
    if c.q.kind == "z":
        return c.net.acts[:c.q.layer]
    if c.q.kind == "forward":
        return c.net.acts[:c.q.layer + 1]
    return c.net.acts


def _reaches_declaring_value(key: str, c: Context) -> bool:
    """An activation declaring the value mistake ``key`` sits in a layer the question's value passes through."""
    probe = np.zeros((1, 1))
    return any(any(k == key for k, _, _ in act.value_mistakes(probe if act.elementwise else np.zeros((1, 2))))
               for act in _forward_layers(c))


def _reaches_declaring(key: str, c: Context) -> bool:
    """An activation declaring the derivative mistake ``key`` sits in a layer whose f'(z) the question uses
    (the asked layer and those above it)."""
    layer = c.q.layer if c.q.layer is not None else c.L - 1
    return any(act.elementwise and any(k == key for k, _, _ in act.derivative_mistakes(np.zeros((1, 1))))
               for act in c.net.acts[layer:])


def _declaring(c: Context, method: str, key: str) -> Activation:
    """The first activation that declares the mistake ``key`` among those the question's value goes
    through (for a derivative: the asked layer's and those after it), else of the network."""
    layer = c.q.layer if c.q.layer is not None else c.L - 1
    path = _forward_layers(c) if method == "value_mistakes" else c.net.acts[layer:]
    for act in list(dict.fromkeys(path)) + list(dict.fromkeys(c.net.acts)):
        if act.elementwise or method == "value_mistakes":
            if any(k == key for k, _, _ in getattr(act, method)(np.array([[0.5, -0.5]]))):
                return act
    return c.act


def _declared_value_hint(key):
    def hint(c: Context) -> str:
        act = _declaring(c, "value_mistakes", key)
        return f"Check the {act.name} units of your forward pass: your number fits {explain(key)}. {act.hint}"
    return hint


def _declared_derivative_hint(key):
    def hint(c: Context) -> str:
        act = _declaring(c, "derivative_mistakes", key)
        return (f"Check f'(z) of the {act.name} units in your deltas: your number fits {explain(key)}. "
                f"{act.derivative_hint}")
    return hint


def _declared_loss_hint(key):
    def hint(c: Context) -> str:
        a = np.full((1, c.net.sizes[-1]), 0.5)
        return _declared_hint(c.loss, "grad_mistakes", key, a, a * 0.0)
    return hint


def _cost_entries(ctx: Context) -> list[tuple[str, float, str]]:
    """(key, value, hint) for the wrong costs the loss declares (``loss.cost_mistakes``)."""
    a = ctx.fwd.a[-1]
    return [(f"loss:{k}", float(v), hint) for k, v, hint in ctx.loss.cost_mistakes(a, ctx.y)]


def _builtin_declared() -> dict[str, Mistake]:
    """Entries for the mistakes bpnet's registered activations and losses declare, with who declares them."""
    from ..core.activations import ACTIVATIONS
    from ..core.losses import LOSSES

    acts = {cls.name: cls() for cls in dict.fromkeys(ACTIVATIONS.values())}
    found: dict[str, tuple[list, str, Mistake]] = {}
    for name, act in acts.items():
        net = Network([np.zeros((2, 2))], [act])  # two outputs: softmax refuses one
        for m in _declared_entries(net, get_loss("half_squared_error")):
            if m.key.startswith("loss:"):
                continue
            found.setdefault(m.key, ([], m.key.split(":")[1], m))[0].append(name)
    out = {}
    for key, (names, k, m) in found.items():
        where = "in the forward pass" if key.startswith("activation:") else "in the deltas"
        out[key] = Mistake(key, f"{'/'.join(names)} {where}: {explain(k)}", m.kinds, m.hint, m.learner,
                           m.applies, possible=m.possible)
    a = np.full((2, 1), 0.5)
    for cls in dict.fromkeys(LOSSES.values()):
        loss = cls()
        for m in _declared_entries(Network([np.zeros((2, 1))], ["identity"]), loss):
            if m.key.startswith("loss:") and m.key not in out:
                out[m.key] = Mistake(m.key, f"{_loss_name(loss)}: {explain(m.key[5:])}", m.kinds | {"cost"},
                                     m.hint, m.learner, m.applies)
        for k, _, hint in loss.cost_mistakes(a, a * 0.0):
            key = f"loss:{k}"
            if key not in out:
                out[key] = Mistake(key, f"{_loss_name(loss)}: {explain(k)}", frozenset({"cost"}),
                                   functools.partial(lambda h, c: h, hint), compute=_never)
    return out


def _never(ctx):
    return None  # computed from the loss's own list (``cost_mistakes``) where it applies


def catalogue(net: Network, loss="half_squared_error") -> dict[str, Mistake]:
    """Every mistake that can arise on ``net`` with ``loss``: the CATALOGUE and the declared ones."""
    return {**{m.key: m for m in _GENERIC}, **{m.key: m for m in _declared_entries(net, get_loss(loss))}}


CATALOGUE.update({k: m for k, m in _builtin_declared().items() if k not in CATALOGUE})
_GENERIC = tuple(_ENTRIES)

# ----- one question: the right value, the candidates, the scale ------------------------------
@dataclass(frozen=True)
class Candidate:
    """One mistake's value for a question. ``key`` may be compound ("sign+missing_derivative")."""

    key: str
    value: object
    hint: Callable[[], str] = field(repr=False, compare=False)
    explanation: str = ""
    #: the mistake bears on this kind of question (a sign flip on a forward value does not:
    #: it only gives the right value there, which says nothing about the answer)
    relevant: bool = True


@dataclass(frozen=True)
class Assessment:
    """Everything a checker needs to judge an answer to one question.

    ``expected``: the right value; ``accepted``: other values that are right too (at a
    ReLU kink either slope is); ``candidates``: every applicable mistake's value;
    ``scale``: the size of the numbers the answer is made of (sets the tolerance's floor);
    ``step``: for an update, the step lr*g itself (the tolerance never exceeds a quarter of it).
    """

    question: Question
    expected: object
    accepted: tuple
    candidates: tuple
    scale: object
    step: float | None = None
    context: Context | None = field(default=None, repr=False, compare=False)

    @functools.cached_property
    def _usable(self) -> tuple:
        """The candidates whose value has the right value's shape, for the judge."""
        shape = np.shape(self.expected)
        return tuple(c for c in self.candidates if np.shape(c.value) == shape)

    @functools.cached_property
    def _values(self) -> np.ndarray:
        """The usable candidates' values as one array, (k, *shape of the right value), for the judge."""
        shape = np.shape(self.expected)
        return np.array([np.asarray(c.value, dtype=float) for c in self._usable]).reshape((-1,) + shape)


def _check_lr_for(q: Question, lr):
    if lr is None:
        if q.kind == "update":
            raise ValueError("an update question needs the learning rate lr")
        return None
    return check_lr(lr)


def _kink_learner(side: float) -> type:
    """The right computation with f' taken just right (side=+inf) or left (-inf) of every z."""

    class Kink(_Derivative):
        def slope(self, l, act):
            return lambda z: act.df(np.nextafter(z, side))

    Kink.__name__ = f"Kink{'Right' if side > 0 else 'Left'}"
    return Kink


_KINKS = (_kink_learner(np.inf), _kink_learner(-np.inf))


def _at_a_kink(net: Network, fwd: Forward) -> bool:
    """True if some unit's z sits where f' jumps (an activation's ``kinks``, z = 0 of ReLU): there
    either slope is right."""
    return any(act.at_kink(z).any() for act, z in zip(net.acts, fwd.z))


def _scale(ctx: Context, right: Learner, deltas) -> object:
    """The size of the numbers an answer is made of: the sum of |terms| it adds up.

    z: sum |w*a_src| over the incoming links; a: |a| + |f'(z)| times that; an output delta:
    |delta| scaled up by (|a| + |y|)/|a - y| when a - y cancels; a hidden delta: |f'(z)| times
    the sum over its links of |w| times the scale of the delta downstream; a gradient: the mean
    over the batch of |a_src| times the scale of the delta; a cost: |J|.
    """
    q, net, fwd = ctx.q, ctx.net, ctx.fwd
    if q.kind == "cost":
        return abs(float(right.cost(fwd, ctx.y)))
    if q.kind in ("forward", "z"):
        l, j = q.layer, q.j
        W = net.W[l]
        sz = np.abs(W[0, j]) + np.abs(fwd.a[l]) @ np.abs(W[1:, j])
        if q.kind == "z":
            return _one(sz)
        act = net.acts[l]
        slope = np.abs(act.df(fwd.z[l]))[:, j] if act.elementwise else np.abs(act.df(fwd.z[l]))[:, j]
        return _one(np.abs(fwd.a[l + 1][:, j]) + slope * sz)
    # Scales of every delta, output first, then back through |W| and |f'(z)|.
    a, y = fwd.a[-1], ctx.y
    d = np.abs(deltas[-1])
    gap = np.abs(a - y)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(gap > 0, (np.abs(a) + np.abs(y)) / gap, 1.0)
    s = [None] * ctx.L
    s[-1] = d * ratio + d
    for l in range(ctx.L - 2, -1, -1):
        s[l] = np.abs(net.acts[l].df(fwd.z[l])) * (s[l + 1] @ np.abs(net.W[l + 1][1:]).T)
    if q.kind == "delta":
        return _one(s[q.layer][:, q.j])
    src = np.ones(ctx.m) if q.i == 0 else np.abs(fwd.a[q.layer][:, q.i - 1])
    sg = float(np.mean(src * s[q.layer][:, q.j]))
    if q.kind == "gradient":
        return sg
    return ctx.lr * sg  # an update: the floor comes from the step's terms


def _is_nan(v) -> bool:
    if type(v) is float:  # most values: one number (no array made for it)
        return math.isnan(v)
    return v is None or bool(np.any(np.isnan(np.asarray(v, dtype=float))))


def assess(net: Network, X, y, question, loss="half_squared_error", rule: str = "gradient",
           lr: float | None = None, *, combos: bool = True) -> Assessment:
    """The right value of ``question`` on the batch (X, y), every applicable mistake's value, and its scale.

    ``X``, ``y`` are checked and shaped by the network (one sample may be given flat).
    """
    loss = get_loss(loss)
    rule = check_rule(rule)
    q = parse_question(net, question)
    lr = _check_lr_for(q, lr)
    X, y = net.check(X, y)
    if y is None and q.kind in ("delta", "gradient", "update", "cost"):
        raise ValueError(f"a {q.kind} question needs the targets y")
    net.check_weights()
    return _assess_cached(_BatchKey(net, X, y, loss, rule, lr), q, combos)


class _BatchKey(_Snapshot):
    """A hashable snapshot of what questions are asked on: the network, (X, y), loss, rule and lr
    (with the question, the key of an assessment: asking again costs nothing)."""

    def __init__(self, net, X, y, loss, rule, lr):
        self.args = (net, X, y, loss, rule, lr)
        self.digest = (
            tuple(w.tobytes() for w in net.W), tuple(w.shape for w in net.W), tuple(net.names),
            _acts_digest(net.acts), frozenset(net.frozen),
            X.tobytes(), X.shape, None if y is None else (y.tobytes(), y.shape),
            (type(loss), repr(loss)), rule, lr,
        )


class _Batch:
    """One batch (a network, X, y, loss, rule and lr) and every learner's pass on it (``_Pass``),
    each made when a question first needs it.

    A learner class gets one learner for each place it may be at and, if its steps depend on the
    question's layer (``per_layer``), one for each such layer; its pass answers every question.
    """

    def __init__(self, net, X, y, loss, rule, lr):
        # Copies, so that a later change to the caller's arrays cannot reach the values: the
        # network, batch and forward pass the assessments' contexts show, and the learners' own.
        self.net, self.X, self.y = net.copy(), X.copy(), None if y is None else y.copy()
        self.fwd = Backprop(self.net, loss, rule).forward(self.X)
        self._net, self._X, self._y = net.copy(), X.copy(), None if y is None else y.copy()
        self.loss, self.rule, self.lr = loss, rule, lr
        self.passes: dict[tuple, _Pass] = {}

    @staticmethod
    def _key(learner: type, q: Question, place: int | None) -> tuple:
        return learner, place, q.layer if getattr(learner, "per_layer", False) else None

    def learner_pass(self, learner: type, q: Question, place: int | None = None) -> _Pass:
        """The pass of the learner that answers ``q`` (made the first time, run as far as asked)."""
        key = self._key(learner, q, place)
        if key not in self.passes:
            self.passes[key] = _Pass(learner(self._net, self.loss, self.rule, self.lr, q, place), self._X, self._y)
        return self.passes[key]

    def answer(self, learner: type, q: Question, place: int | None = None):
        """What ``learner(net, loss, rule, lr, q, place).answer(X, y)`` gives."""
        try:
            return self.learner_pass(learner, q, place).answer(q)
        except BaseException:
            # A pass cut short (an overflow under np.errstate(all="raise"), an interrupt) may have
            # changed some of its learner's weights: the next question makes a new one.
            self.passes.pop(self._key(learner, q, place), None)
            raise


@functools.lru_cache(maxsize=4)
def _batch(key: _BatchKey) -> _Batch:
    """The batch's learners and their passes: kept for the next questions on it (they often come in a row)."""
    return _Batch(*key.args)


@functools.lru_cache(maxsize=64)
def _assess_cached(key: _BatchKey, q: Question, combos: bool) -> Assessment:
    batch = _batch(key)  # every learner's pass, shared by the questions asked on this batch
    net, X, y, fwd = batch.net, batch.X, batch.y, batch.fwd
    loss, rule, lr = batch.loss, batch.rule, batch.lr
    expected = batch.answer(Learner, q)
    right = batch.learner_pass(Learner, q)
    ctx = Context(net, X, y, loss, rule, lr, q, fwd)
    accepted = []
    if q.kind in _PASS_KINDS and _at_a_kink(net, fwd):
        for K in _KINKS:
            v = batch.answer(K, q)
            if not np.allclose(v, expected, rtol=0, atol=0):
                accepted.append(v)
    # Every mistake is computed, on any question: one that does not bear on it (a sign flip
    # on a forward value) gives the right value there, which a caller may want to know.
    entries = []
    cands = []
    for m in list(_GENERIC) + _declared_entries(net, loss):
        if not m.possible(ctx):
            continue
        relevant = m.is_applicable(ctx)
        if relevant:
            entries.append(m)
        for place in (m.places(ctx) if m.places is not None else [None]):
            # m.value(ctx, place), read off its learner's pass on the batch
            v = m.value(ctx, place) if m.compute is not None else batch.answer(m.learner, q, place)
            if not _is_nan(v):
                hint = functools.partial(m.hint, ctx) if place is None else functools.partial(m.hint, ctx, place)
                cands.append(Candidate(m.key, v, hint, m.explanation, relevant))
    if q.kind == "cost":
        for k, v, hint in _cost_entries(ctx):
            cands.append(Candidate(k, v, functools.partial(str, hint), explain(k.split(":")[1])))
    if combos:
        for first_key, kinds in _COMBINABLE.items():
            first = CATALOGUE[first_key]
            if q.kind not in kinds or not first.is_applicable(ctx):
                continue
            for m in entries:
                if m.key in _COMBINABLE or m.key == "article" or m.learner is None or m.places is not None:
                    continue
                v = batch.answer(_compound(first.learner, m.learner), q)
                if not _is_nan(v):
                    hint = _compound_hint(m.hint, first.hint, ctx)
                    cands.append(Candidate(f"{first_key}+{m.key}", v, hint, f"{m.explanation}, and {first.explanation}"))
    step = None
    if q.kind == "update":
        step = float(net.W[q.layer][q.i, q.j]) - expected
    scale = _scale(ctx, right.learner, right.deltas)
    return Assessment(q, expected, tuple(accepted), tuple(cands), scale, step, ctx)


def _compound_hint(hint, first_hint, ctx):
    def text() -> str:
        other = first_hint(ctx)
        return f"{hint(ctx)} Also: {other[0].lower()}{other[1:]}"
    return text


def candidates(net: Network, X, y, question, loss="half_squared_error", rule: str = "gradient",
               lr: float | None = None, *, combos: bool = False) -> dict:
    """{mistake key: the value that mistake gives} for every mistake that applies to ``question``.

    Values are floats, or one value per sample (an array) for a unit's z, a or delta on a
    batch. A value equal to the right one is included: ``assess`` says which.
    """
    a = assess(net, X, y, question, loss, rule, lr, combos=combos)
    out = {}
    for c in a.candidates:
        out.setdefault(c.key, c.value)
    return out


# ----- the judge ---------------------------------------------------------------------------
def _rounded(ans: np.ndarray, e: np.ndarray, tol) -> bool:
    """The answer agrees with the right value to about two significant digits (or ROUNDING tolerances)."""
    e = np.asarray(e, dtype=float)
    with np.errstate(divide="ignore"):
        digit = np.where(e != 0, 10.0 ** (np.floor(np.log10(np.abs(e))) - 1), 0.0)
    err = np.abs(ans - e)
    return bool(np.all((err <= ROUNDING * tol) | (err < 0.5 * digit)))


@dataclass(frozen=True)
class Verdict:
    """``correct``; ``key`` of the diagnosed mistake ("rounding", "general", or None when correct);
    ``same_as``: the mistakes that give the right value on this question (they cannot be told
    apart from it); ``candidate``: the diagnosed Candidate, if any."""

    correct: bool
    key: str | None
    same_as: tuple
    candidate: Candidate | None = None


def tolerance(a: Assessment, rtol: float = RTOL, atol: float | None = None):
    """|answer - value| allowed around the right value: rtol*|value| + FLOOR*scale (or ``atol``).

    For an update it never exceeds a quarter of the step lr*g, so that a weight that barely
    moves is still judged on its step, not only on its first digits.
    """
    e = np.abs(np.asarray(a.expected, dtype=float))
    floor = FLOOR * np.asarray(a.scale, dtype=float) if atol is None else atol
    # Never zero: a value stored in single precision (np.float32, 7 digits) must pass.
    floor = floor + 1e-7 * e + 1e-12
    rel = rtol * e
    if a.step is not None:
        rel = min(float(rel), 0.25 * abs(a.step))
    return rel + floor


def precision(answer) -> np.ndarray:
    """Half a unit in the last significant digit the answer was given with, per element.

    Every answer is read as given to at least 4 significant digits (trailing zeros do not
    survive a float: 4.780 arrives as 4.78): 0.5176 -> 0.00005, 4.78 -> 0.0005, 0.517139 ->
    0.0000005; a float computed to full precision -> 1e-12 of it; an np.float32 -> its own
    rounding. Mistakes closer to the right value than twice this cannot be told from it by
    this answer (unless the answer is exactly the mistake's number).
    """
    arr = np.asarray(answer)
    if arr.dtype.kind == "f" and arr.dtype.itemsize < 8:
        return np.abs(arr.astype(float)) * float(np.finfo(arr.dtype).eps)
    flat = arr.astype(float).ravel()
    out = np.zeros(flat.shape)
    for k, v in enumerate(flat):
        if v == 0 or not np.isfinite(v):
            continue
        lead = int(np.floor(np.log10(abs(v))))  # the place of the leading digit
        digits = repr(abs(float(v))).partition("e")[0].replace(".", "").strip("0")
        out[k] = 0.5 * 10.0 ** (lead - (max(len(digits), 4) - 1))
    return np.maximum(out, 1e-12 * np.abs(flat)).reshape(arr.shape)


def judge(answer, a: Assessment, rtol: float = RTOL, atol: float | None = None, given=None) -> Verdict:
    """Correct, a mistake, rounding or general: the decision every checker makes.

    1. Mistakes whose value equals the right one (up to floating-point noise), or is within
       twice the answer's own precision of it (``precision``: 0.5176 is given to 0.00005),
       cannot be told apart from it by this answer: they are reported in ``same_as`` and
       set aside. So is a value equal to another right value (the other slope at a kink).
    2. Correct: within the tolerance of a right value AND strictly nearer to it than to
       every remaining mistake's value. A mistake's exact number is therefore never correct
       unless it is the right number, and the right value rounded to 4 significant digits is.
    3. Else the nearest mistake whose value the answer is within the tolerance of.
    4. Else "rounding" if the answer agrees with the right value to two significant digits
       (or is within ROUNDING tolerances of it) and is nearer to it than to any mistake;
       else "general".
    Distances are measured in units of the tolerance, elementwise, the largest counting.
    ``given``: the answer as the learner gave it (an np.float32 keeps its precision), if
    ``answer`` is a converted copy.
    """
    e = np.asarray(a.expected, dtype=float)
    ans = np.broadcast_to(np.asarray(answer, dtype=float), e.shape)
    tol = np.broadcast_to(np.asarray(tolerance(a, rtol, atol), dtype=float), e.shape)
    axes = tuple(range(1, 1 + e.ndim))
    rights = np.array([e] + [np.asarray(v, dtype=float) for v in a.accepted]).reshape((-1,) + e.shape)
    cands, values = a._usable, a._values
    # Floating-point noise: different orders of the same arithmetic.
    noise = 1e-9 * (np.abs(e) + np.asarray(a.scale, dtype=float)) + 1e-300
    p = precision(answer if given is None else given).reshape(-1)
    p = p.reshape(e.shape) if p.size == e.size else np.broadcast_to(p.max(initial=0.0), e.shape)
    blur = np.maximum(noise, 2.0 * p)

    def within(A, b, t) -> np.ndarray:
        return np.all(np.abs(A - b) <= t, axis=axes)

    other_right = np.zeros(len(cands), dtype=bool)
    for r in rights[1:]:
        other_right |= within(values, r, noise)
    exact = within(values, ans, noise)  # the answer is this mistake's very number
    blurred = within(values, e, blur) & ~other_right & ~exact  # not told apart by this answer
    differing = ~within(values, e, noise) & ~other_right  # a different number
    d_right = float(np.min(np.max(np.abs(rights - ans) / tol, axis=axes)))
    d_cands = np.max(np.abs(values - ans) / tol, axis=axes) if len(cands) else np.zeros(0)
    rivals = differing & ~blurred
    if d_right <= 1.0 and d_right < (float(np.min(d_cands[rivals])) if rivals.any() else np.inf):
        told_apart = differing & ~blurred
        same = tuple(dict.fromkeys(c.key for c, t, o in zip(cands, told_apart, other_right)
                                   if not t and not o and c.relevant and "+" not in c.key))
        return Verdict(True, None, same)
    same = tuple(dict.fromkeys(c.key for c, d, o in zip(cands, differing, other_right)
                               if not d and not o and c.relevant and "+" not in c.key))
    d_nearest = float(np.min(d_cands[differing])) if differing.any() else np.inf
    # Each mistake's own tolerance: relative to its value, with the question's floor.
    floor = tol - rtol * np.abs(e)
    own = rtol * np.abs(values) + floor if a.step is None else np.broadcast_to(tol, values.shape)
    close = differing & np.all(np.abs(values - ans) <= own, axis=axes)
    if close.any():
        k = int(np.flatnonzero(close)[np.argmin(d_cands[close])])
        return Verdict(False, cands[k].key, same, cands[k])
    if d_right < d_nearest and _rounded(ans, e, tol):
        return Verdict(False, "rounding", same)
    return Verdict(False, "general", same)


def indistinguishable(net: Network, X, y, question, loss="half_squared_error", rule: str = "gradient",
                      lr: float | None = None) -> tuple:
    """Keys of the mistakes that bear on ``question`` but give its right value, to 4 significant digits.

    An exercise whose question returns () tells every catalogued mistake apart from the right
    answer: use it to check that an exercise's network is not degenerate (identity activations
    and weights of 1 make a forgotten f'(z) give the right number).
    """
    a = assess(net, X, y, question, loss, rule, lr)
    e = np.asarray(a.expected, dtype=float)
    four = np.vectorize(lambda v: float(fmt(v, 4)))(e) if e.ndim else float(fmt(e, 4))
    return judge(a.expected, a, given=four).same_as
