"""The conventions sources write backpropagation in: the same update, its numbers written another way.

bpnet writes one convention (``bpnet.core.network``): delta = dL/dz, a bias is a weight from a
unit whose activation is 1, the loss is 1/2 * sum (a - y)^2 over the outputs and the mean over the
samples, one update per batch, and a gradient is dL/dw. Many correct textbooks write otherwise.
Each entry of ``CONVENTIONS`` is one such way, beside the mistake catalogue
(``bpnet.explain.mistakes``): a mistake changes the update, a convention changes only how its
numbers are written (or, for the loss, which loss the update descends)::

    target_minus_output   delta written as t - o = -dL/dz, the update adding lr*delta*a
                          (Mitchell, Machine Learning, Table 4.2; Zhou Zhihua's g_j)
    no_half               the loss sum (t - o)^2, without the 1/2
    mean_over_outputs     the loss averaged over the outputs (1/k * sum)
    sum_over_samples      the cost of a batch summed over the samples, not averaged
    threshold             the bias written as a threshold subtracted: net = sum w*x - theta
    per_sample            one update per sample, in turn (online), where bpnet makes one per batch
    lr_in_gradient        the gradient printed with the learning rate folded in, lr*dL/dw

``replay(net, X, y, loss, lr, keys)`` computes one update as a source writing the conventions
``keys`` prints it (``Written``): ``written.value(section, name, sample)`` is the number the
source would print for a forward value, a loss, a delta, a gradient or a weight after the
update. ``given`` replaces computed intermediates by numbers the source printed (rounded), so
that what follows is computed from the source's own rounded numbers.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from ..core.losses import get_loss
from ..core.network import Backprop, Forward, Network

__all__ = ["Convention", "CONVENTIONS", "ORDER", "parse_conventions", "applicable", "candidate_sets",
           "replay", "Written", "describe", "factor", "SQUARED_LOSSES"]

#: Losses whose 1/2 and sum over the outputs a source may write otherwise.
SQUARED_LOSSES = ("half_squared_error",)


@dataclass(frozen=True)
class Convention:
    """One way of writing backpropagation other than bpnet's: a key, a short title, and the sentence
    that says what the source does and why its numbers are still gradient descent."""

    key: str
    title: str
    explanation: str


_ENTRIES = [
    Convention("target_minus_output", "δ = t − o",
               "this source writes δ = t − o, the negative of bpnet's ∂L/∂z, and adds lr·δ·a: the same update"),
    Convention("threshold", "bias as a threshold θ",
               "this source writes each bias as a threshold θ subtracted (net = Σ w·x − θ, θ = −bias), so θ "
               "moves the other way: the same update"),
    Convention("lr_in_gradient", "lr folded into the gradient",
               "this source prints each gradient with the learning rate folded in (lr times it, the size of the "
               "step): the same update"),
    Convention("per_sample", "one update per sample",
               "this source updates after each sample in turn (online), not once for the batch: each sample's "
               "numbers use the weights the sample before left, as bpnet's updates with one sample at a time do"),
    Convention("no_half", "loss without the ½",
               "this source's loss is Σ (t − o)² without the ½: its loss, deltas and gradients are twice "
               "those of ½·Σ (t − o)², and its step is gradient descent on its own loss"),
    Convention("mean_over_outputs", "loss averaged over the outputs",
               "this source averages the loss over the outputs (1/k·Σ): its loss, deltas and gradients are "
               "1/k of those of the sum, and its step is gradient descent on its own loss"),
    Convention("sum_over_samples", "loss summed over the samples",
               "this source sums the loss over the samples instead of averaging: its cost and gradients are "
               "m times those of the mean, and its step is gradient descent on its own cost"),
]

#: Every convention by key, in the order a verdict names them.
CONVENTIONS: dict[str, Convention] = {c.key: c for c in _ENTRIES}
ORDER = tuple(CONVENTIONS)
#: ``"bpnet"`` in a file's ``convention`` key: bpnet's own conventions, nothing detected.
BPNET = "bpnet"
_ALIASES = {"t_minus_o": "target_minus_output", "t_o": "target_minus_output", "target_minus_prediction": "target_minus_output",
            "thresholds": "threshold", "online": "per_sample", "no_1/2": "no_half",
            "lr_folded": "lr_in_gradient"}


def _norm(key: str) -> str:
    k = key.strip().lower().replace("-", "_").replace(" ", "_")
    return _ALIASES.get(k, k)


def parse_conventions(spec) -> tuple[str, ...]:
    """A ``convention`` key's value (a name or a list of names) as keys in ``ORDER``; () for "bpnet".

    Raises ValueError with the name that is not a convention, or a list that names one twice or
    mixes "bpnet" with others.
    """
    items = [spec] if isinstance(spec, str) else spec
    if not isinstance(items, (list, tuple)) or not all(isinstance(s, str) for s in items):
        raise TypeError("a convention name or a list of names")
    keys = [_norm(s) for s in items]
    for raw, k in zip(items, keys):
        if k != BPNET and k not in CONVENTIONS:
            raise ValueError(f"unknown convention {raw!r}")
    if BPNET in keys and len(keys) > 1:
        raise ValueError("\"bpnet\" (bpnet's own conventions) together with other conventions")
    dup = next((k for i, k in enumerate(keys) if k in keys[:i]), None)
    if dup:
        raise ValueError(f"{dup!r} is listed twice")
    return tuple(k for k in ORDER if k in keys)


def applicable(key: str, *, loss: str, outputs: int, batch: int, sections) -> bool:
    """Whether convention ``key`` can change any number of this update: ``batch`` samples in the
    published update, ``sections`` the parts of ``published`` present."""
    squared = get_loss(loss).name in SQUARED_LOSSES
    if key == "target_minus_output":
        return bool({"delta", "gradient"} & set(sections))
    if key == "lr_in_gradient":
        return "gradient" in sections
    if key == "no_half":
        return squared
    if key == "mean_over_outputs":
        return squared and outputs > 1
    if key == "sum_over_samples":
        return batch > 1
    if key == "per_sample":
        return batch > 1 and "gradient" not in sections
    return key == "threshold"


def candidate_sets(keys) -> list[tuple[str, ...]]:
    """Every set of the conventions ``keys`` (fewest first), without the pairs that exclude each other."""
    keys = [k for k in ORDER if k in keys]
    out = []
    for n in range(len(keys) + 1):
        for combo in itertools.combinations(keys, n):
            if "per_sample" in combo and "sum_over_samples" in combo:
                continue  # one sample per update: nothing is summed over samples in a step
            out.append(combo)
    return out


def describe(keys) -> list[str]:
    """One sentence per convention in ``keys``."""
    return [CONVENTIONS[k].explanation for k in ORDER if k in keys]


def loss_scale(keys, loss: str, outputs: int) -> float:
    """The source's loss over bpnet's, per sample: 2 without the 1/2, 1/k averaged over k outputs."""
    if get_loss(loss).name not in SQUARED_LOSSES:
        return 1.0
    c = 2.0 if "no_half" in keys else 1.0
    return c / outputs if "mean_over_outputs" in keys else c


def factor(keys, section: str, *, bias: bool, lr: float, scale: float, batch: int) -> float:
    """The source's number over bpnet's, for a number of ``section`` (``bias``: a bias weight's)
    computed with the source's loss scale applied to the step; ``scale`` is ``loss_scale``."""
    keys = set(keys)
    samples = batch if "sum_over_samples" in keys else 1
    sign = -1.0 if "target_minus_output" in keys else 1.0
    theta = -1.0 if bias and "threshold" in keys else 1.0
    if section == "forward":
        return 1.0
    if section == "loss":
        return scale * samples
    if section == "delta":
        return sign * scale
    if section == "gradient":
        return sign * scale * samples * theta * (lr if "lr_in_gradient" in keys else 1.0)
    return theta  # weights_after


class Written:
    """One update's numbers as a source writing the conventions ``keys`` prints them.

    ``z``, ``a`` (per layer, one row per sample), ``delta``, ``grad`` (None with one update per
    sample), ``after`` (the weights after) and ``loss`` are bpnet's own quantities of the replayed
    update (on the source's loss); ``value`` writes one of them the source's way.
    """

    def __init__(self, keys, net: Network, z, a, delta, grad, after, loss: float, lr: float, scale: float,
                 batch: int):
        self.keys = tuple(keys)
        self.net, self.z, self.a, self.delta, self.grad, self.after = net, z, a, delta, grad, after
        self.loss, self.lr, self.scale, self.batch = loss, lr, scale, batch
        self._units = {net.dest_name(l, j): (l, j) for l in range(net.n_layers) for j in range(net.sizes[l + 1])}

    def factor(self, section: str, name: str | None) -> float:
        bias = section in ("gradient", "weights_after") and self.net.weight_index(name)[1] == 0
        return factor(self.keys, section, bias=bias, lr=self.lr, scale=self.scale, batch=self.batch)

    def bpnet_value(self, section: str, name: str | None, sample: int) -> float:
        """bpnet's own value (its convention, on the source's loss) of one published number."""
        if section == "loss":
            return self.loss
        if section in ("gradient", "weights_after"):
            l, i, j = self.net.weight_index(name)
            if section == "gradient":
                return float("nan") if self.grad is None else float(self.grad[l][i, j])
            return float(self.after[l][i, j])
        if section == "forward" and name.startswith("z("):
            l, j = self._units[name[2:-1]]
            return float(self.z[l][sample, j])
        l, j = self._units[name]
        return float(self.a[l + 1][sample, j] if section == "forward" else self.delta[l][sample, j])

    def value(self, section: str, name: str | None, sample: int) -> float:
        """The number the source prints for it."""
        return self.factor(section, name) * self.bpnet_value(section, name, sample)


def _put_all(arr: np.ndarray, given: dict | None, section: str, names: list[str], samples: list[int]) -> None:
    """Replace the elements of ``arr`` (one row per sample of ``samples``, one column per name) that the
    source printed by its numbers."""
    if not given:
        return
    for s, sample in enumerate(samples):
        for j, name in enumerate(names):
            v = given.get((section, name, sample))
            if v is not None:
                arr[s, j] = v


def replay(net: Network, X: np.ndarray, y: np.ndarray, loss, lr: float, keys=(), *, given: dict | None = None,
           threshold_weights: bool = False) -> Written:
    """One update of ``net`` on (X, y) as a source writing the conventions ``keys`` computes it.

    ``threshold_weights``: the network's bias weights are the file's thresholds theta as written
    (a file without a ``convention`` key read the threshold way), so bpnet's bias is -theta.
    ``given``: {(section, name, sample): bpnet's value} of numbers the source printed, used in
    place of the computed ones (forward values, z, deltas, gradients) by what follows them.
    The network itself is not changed.
    """
    loss = get_loss(loss)
    keys = tuple(keys)
    work = net.copy()
    if threshold_weights:
        for w in work.W:
            w[0] *= -1.0
    m, k = X.shape[0], y.shape[1]
    scale = loss_scale(keys, loss.name, k)
    per_sample = "per_sample" in keys and m > 1
    step = lr * scale * (m if "sum_over_samples" in keys and not per_sample else 1)
    with np.errstate(all="ignore"):  # a step that overflows gives inf or NaN: a number that agrees with nothing
        return _replay(net, work, X, y, loss, keys, given, lr, scale, per_sample, step)


def _replay(net, work, X, y, loss, keys, given, lr, scale, per_sample, step) -> Written:
    m = X.shape[0]
    bp = Backprop(work, loss)
    L = work.n_layers
    units = [[work.dest_name(l, j) for j in range(work.sizes[l + 1])] for l in range(L)]
    batches = [np.arange(s, s + 1) for s in range(m)] if per_sample else [np.arange(m)]
    zs = [np.zeros((m, work.sizes[l + 1])) for l in range(L)]
    as_ = [X.copy()] + [np.zeros((m, work.sizes[l + 1])) for l in range(L)]
    ds = [np.zeros((m, work.sizes[l + 1])) for l in range(L)]
    grad = None
    losses = []
    for rows in batches:
        samples = [int(r) for r in rows]
        xb, yb = X[rows], y[rows]
        a, z = [xb], []
        for l in range(L):
            zl = np.array(bp.pre_activation(l, a[l]), dtype=float)
            _put_all(zl, given, "forward", [f"z({u})" for u in units[l]], samples)
            al = np.array(bp.activate(l, zl), dtype=float)
            _put_all(al, given, "forward", units[l], samples)
            z.append(zl)
            a.append(al)
        fwd = Forward(z, a)
        losses.append(float(bp.cost(fwd, yb)) * len(rows))
        d = [None] * L
        d[-1] = np.array(bp.output_delta(z[-1], a[-1], yb), dtype=float)
        for l in range(L - 1, -1, -1):
            if l < L - 1:
                d[l] = np.array(bp.hidden_delta(l, z[l], a[l + 1], bp.backpropagate(l, d[l + 1])), dtype=float)
            _put_all(d[l], given, "delta", units[l], samples)
        g = [np.array(bp.gradient(l, a[l], d[l]), dtype=float) for l in range(L)]
        if not per_sample:
            for (section, name, _), v in (given or {}).items():
                if section == "gradient":
                    l, i, j = work.weight_index(name)
                    g[l][i, j] = v
            grad = [x.copy() for x in g]
        for l in range(L):
            zs[l][rows], as_[l + 1][rows], ds[l][rows] = z[l], a[l + 1], d[l]
            bp.update(l, g[l], step)
    # The weights after are bpnet's (biases, not thresholds): Written.factor writes them the source's way.
    return Written(keys, net, zs, as_, ds, grad, [w.copy() for w in work.W], sum(losses) / m, lr, scale, m)
