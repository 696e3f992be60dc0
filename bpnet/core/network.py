"""A fully connected network with explicit bias units.

Shape convention (the only one in bpnet):
  * ``sizes = [n0, n1, ..., nL]`` counts the real units of each layer; layer 0 is
    the input, layer L the output.
  * Every layer but the output has a bias unit, unit 0, whose activation is always 1
    (X0 and Z0 in the worked example). Real units of the input and hidden layers are
    numbered from 1 (X1, X2, Z1, Z2, ...); output units from 0 (D0, D1, ...) since the
    output layer has no bias unit.
  * ``W[l]`` has shape ``(n_l + 1, n_{l+1})``: row 0 holds the weights from the bias
    unit, row i those from unit i of layer l; column j feeds unit j of layer l+1.
    A bias is therefore an ordinary weight, updated by the same rule as the rest.
  * Samples are rows: ``X`` is (m, n0), ``z[l]``, ``a[l+1]`` and ``delta[l]`` are (m, n_{l+1}).

The maths, layer l -> l+1, with a[0] = X:
  z[l]     = a[l] @ W[l][1:] + W[l][0]               (forward)
  a[l+1]   = f(z[l])
  delta[L-1] = dL/dz at the output                     (from the loss)
  delta[l] = f'(z[l]) * (delta[l+1] @ W[l+1][1:].T)    (backward, old weights)
  grad_W[l] = [mean(delta[l]); a[l].T @ delta[l] / m]   (source activation * destination delta)
  W[l]    := W[l] - lr * grad_W[l]

All of it is computed in one place, ``Backprop``: ``Network.forward/backward/gradients/
step/train`` and ``trace_step`` use it, and a subclass that changes one per-layer step (the
mistake catalogue's) changes everything downstream of it. Weights named in ``frozen`` keep
their values through every update. Unit and weight names (X0, Z1, X0->Z1) are made from
the layer names and indices on demand.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from .checks import MAX_EPOCHS, RULES, as_batch, as_float_array, check_lr, check_rule, check_whole
from .activations import Activation, get_activation
from .errors import DivergenceError, all_finite, first_non_finite
from .losses import Loss, get_loss
from .notation import LINK_ARROW, fmt, link_name
from .optimizers import get_optimizer

__all__ = ["Network", "Forward", "Backprop", "RULES", "batches", "divergence", "MAX_WEIGHTS", "MAX_EPOCHS",
           "LAYER_NAME"]

#: Most weights Network.constant/random will build (8 bytes each: 0.8 GB); more is refused
#: before anything is allocated.
MAX_WEIGHTS = 100_000_000


@dataclass
class Forward:
    """Everything a forward pass computes: z[l] for l < L and a[l] for l <= L."""

    z: list[np.ndarray]
    a: list[np.ndarray]

    @property
    def output(self) -> np.ndarray:
        return self.a[-1]


class Backprop:
    """The one place bpnet computes a forward pass, the deltas, the gradients and the update.

    Bound to one network (``self.W`` is its list of weight arrays, updated in place). Inputs are
    taken as already checked (``Network.check``). Each per-layer step is a method a subclass may
    override, e.g. to compute what a learner gets by leaving out f'(z); l counts weight layers,
    0 .. L-1, and m is the batch size:

    ``pre_activation(l, a_src)``          z[l] = a[l] @ W[l][1:] + W[l][0]       (m, n_{l+1})
    ``activate(l, z)``                    a[l+1] = f(z[l])
    ``output_delta(z, a, y)``             delta[L-1] = dL/dz at the output (the loss's delta;
                                          the article's rule: y - a)
    ``backpropagate(l, delta_next)``      delta[l+1] @ W[l+1][1:].T               (m, n_{l+1})
    ``hidden_delta(l, z, a, back)``       delta[l] = f'(z[l]) * back
    ``gradient(l, a_src, delta)``         grad_W[l]: row 0 mean(delta), rows 1.. a_src.T @ delta / m
    ``new_weights(l, grad, lr)``          W[l] - lr * grad_W[l], frozen weights kept (W unchanged)
    ``update(l, grad, lr)``               W[l] := new_weights(l, grad, lr), in place

    ``apply`` (so ``step`` and ``training``) computes every layer's ``new_weights``, checks them
    all for NaN/inf and only then writes them: a failing update changes no weight.

    Whole passes: ``forward(X)``, ``cost(fwd, y)``, ``deltas(fwd, y)``, ``gradients(fwd, deltas)``,
    ``apply(grads, lr, optimizer)``, ``step(X, y, lr)`` and ``training(...)`` (the epoch loop).
    """

    def __init__(self, net: "Network", loss: Loss | str = "half_squared_error", rule: str = "gradient"):
        net.check_weights()  # a weight array replaced by hand is caught here, before any arithmetic
        self.net = net
        self.loss = get_loss(loss)
        self.rule = check_rule(rule)
        self.acts = net.acts
        self.W = net.W
        self.L = len(net.W)
        self.frozen = net.frozen_masks()  # per layer: None, or True where a weight is frozen
        self.last_forward: Forward | None = None  # to say where a divergence started
        self.checked_targets: np.ndarray | None = None

    # ----- one layer at a time ------------------------------------------------------
    def pre_activation(self, l: int, a_src: np.ndarray) -> np.ndarray:
        """z[l] = a[l] @ W[l][1:] + W[l][0], shape (m, n_{l+1})."""
        return a_src @ self.W[l][1:] + self.W[l][0]

    def activate(self, l: int, z: np.ndarray) -> np.ndarray:
        """a[l+1] = f(z[l])."""
        return self.acts[l].f(z)

    def output_delta(self, z: np.ndarray, a: np.ndarray, y: np.ndarray) -> np.ndarray:
        """dL/dz at the output, (m, n_L); under the article's rule its "actual - predicted", y - a."""
        if self.rule == "article":
            return y - a
        return self.loss.delta(self.acts[-1], z, a, y)

    def backpropagate(self, l: int, delta_next: np.ndarray) -> np.ndarray:
        """delta[l+1] @ W[l+1][1:].T, (m, n_{l+1}): each unit of layer l+1's share of the deltas downstream."""
        return delta_next @ self.W[l + 1][1:].T

    def hidden_delta(self, l: int, z: np.ndarray, a: np.ndarray, back: np.ndarray) -> np.ndarray:
        """delta[l] = f'(z[l]) * back (a = f(z[l]) from the forward pass)."""
        return self.acts[l].backward(z, a, back)

    def gradient(self, l: int, a_src: np.ndarray, delta: np.ndarray) -> np.ndarray:
        """grad_W[l], the shape of W[l]: row 0 = mean(delta) (the bias unit's activation is 1),
        rows 1.. = a_src.T @ delta / m (source activation times destination delta, averaged)."""
        grad_bias = delta.sum(axis=0, keepdims=True)  # (1, n_{l+1}): summed over the batch
        grad_in = a_src.T @ delta  # (n_l, n_{l+1}): summed over the batch
        return np.concatenate([grad_bias, grad_in]) / a_src.shape[0]  # averaged: / m

    def new_weights(self, l: int, grad: np.ndarray, lr: float) -> np.ndarray:
        """W[l] - lr * grad_W[l], frozen weights kept as they are (W itself unchanged)."""
        w_new = self.W[l] - lr * grad
        frozen = self.frozen[l]
        return w_new if frozen is None else np.where(frozen, self.W[l], w_new)

    def update(self, l: int, grad: np.ndarray, lr: float) -> np.ndarray:
        """W[l] := W[l] - lr * grad_W[l] in place, frozen weights left as they are; returns W[l]."""
        self.W[l][...] = self.new_weights(l, grad, lr)
        return self.W[l]

    # ----- whole passes -------------------------------------------------------------
    def forward(self, X: np.ndarray) -> Forward:
        a, z = [X], []
        for l in range(self.L):
            z.append(self.pre_activation(l, a[l]))
            a.append(self.activate(l, z[l]))
        self.last_forward = Forward(z, a)
        return self.last_forward

    def check_targets(self, y: np.ndarray) -> None:
        """Refuse targets (or an output activation) the loss cannot use, before any weight changes;
        an epoch's cost and deltas share one array of targets, checked once."""
        if y is not self.checked_targets:
            self.loss.validate(self.acts[-1], y)
            self.checked_targets = y

    def cost(self, fwd: Forward, y: np.ndarray) -> float:
        """J = mean over the batch of the loss of each sample (from z where the loss can: exact for any z)."""
        self.check_targets(y)
        return self.loss.cost(fwd.a[-1], y, fwd.z[-1], self.acts[-1])

    def deltas(self, fwd: Forward, y: np.ndarray) -> list[np.ndarray]:
        """delta[l] = dL/dz[l] for every layer, the output's first, all with the current weights."""
        self.check_targets(y)
        delta = [None] * self.L
        delta[-1] = self.output_delta(fwd.z[-1], fwd.a[-1], y)
        for l in range(self.L - 2, -1, -1):
            delta[l] = self.hidden_delta(l, fwd.z[l], fwd.a[l + 1], self.backpropagate(l, delta[l + 1]))
        return delta

    def gradients(self, fwd: Forward, deltas: list[np.ndarray]) -> list[np.ndarray]:
        """grad_W[l] = mean over the batch of (source activation) * (destination delta), every layer."""
        return [self.gradient(l, fwd.a[l], deltas[l]) for l in range(self.L)]

    def apply(self, grads: list[np.ndarray], lr: float, optimizer=None) -> None:
        """Plain gradient descent (W[l] := W[l] - lr * grad_W[l]) or ``optimizer.update``; frozen weights stay.

        All or nothing: if a gradient or a new weight is NaN or inf, DivergenceError names
        it and no weight changes.
        """
        if optimizer is None:
            new = [self.new_weights(l, grads[l], lr) for l in range(self.L)]
            if not all_finite(new):
                raise divergence(self.net, self.last_forward, grads=grads, new=new)
            for w, w_new in zip(self.W, new):
                w[...] = w_new
            return
        keep = [(w, mask, w[mask]) for w, mask in zip(self.W, self.frozen) if mask is not None]
        try:
            optimizer.update(self.W, grads)
        except DivergenceError as exc:  # the optimizer changed nothing; say where, with names
            raise divergence(self.net, self.last_forward, grads=grads, exc=exc) from None
        for w, mask, values in keep:
            w[mask] = values

    def step(self, X: np.ndarray, y: np.ndarray, lr: float, optimizer=None) -> float:
        """One update from the batch (X, y); returns the cost before it.

        A NaN/inf cost, gradient or new weight raises DivergenceError; the weights are then unchanged.
        """
        fwd = self.forward(X)
        cost = self.cost(fwd, y)
        if not math.isfinite(cost):
            raise divergence(self.net, fwd, cost=cost, y=y)
        self.apply(self.gradients(fwd, self.deltas(fwd, y)), lr, optimizer)
        return cost

    def training(self, X: np.ndarray, y: np.ndarray, epochs: int, lr: float, optimizer=None,
                 batch_size: int | None = None, seed: int = 0, first_epoch: int = 0):
        """The epoch loop (``Network.train`` and the training stepper run it). For each epoch e
        from ``first_epoch`` on: yields the cost over all of (X, y) before it (then raises
        DivergenceError if that is not finite), then makes its updates, one per batch of
        ``batches(m, batch_size, seed, e)``."""
        m = X.shape[0]
        one_batch = batch_size is None or batch_size >= m  # then the forward pass for the cost is the batch's
        for epoch in range(first_epoch, first_epoch + epochs):
            fwd = self.forward(X)
            cost = self.cost(fwd, y)
            yield cost
            if not math.isfinite(cost):
                raise divergence(self.net, fwd, cost=cost, y=y)
            if one_batch:
                self.apply(self.gradients(fwd, self.deltas(fwd, y)), lr, optimizer)
            else:
                for batch in batches(m, batch_size, seed, epoch):
                    self.step(X[batch], y[batch], lr, optimizer)


def divergence(net: "Network", fwd: Forward | None, grads=None, new=None, exc: DivergenceError | None = None,
               cost: float | None = None, y: np.ndarray | None = None) -> DivergenceError:
    """A DivergenceError naming the first number that is not finite, looked for in the order they
    are computed: pre-activations z (layer by layer), activations a, the cost, the gradients, then
    the new weights ``new`` (or what the optimizer reported in ``exc``)."""
    found = None
    if fwd is not None:
        # z[l] and a[l + 1] both belong to the units that column j of W[l] feeds.
        for quantity, arrays in (("pre-activation", fwd.z), ("activation", fwd.a[1:])):
            bad = first_non_finite(arrays)
            if bad is not None:
                l, (s, j), value = bad
                unit = net.dest_name(l, j)
                found = (quantity, unit, value, l, (s, j), f"the {quantity} of {unit} is {value} (sample {s + 1})")
                break
    if found is None and cost is not None:
        a = fwd.a[-1] if fwd is not None else None
        j = s = 0
        if a is not None and y is not None:
            s, j = np.unravel_index(int(np.argmax(np.nan_to_num(np.abs(a - y), nan=np.inf))), a.shape)
        unit = net.unit_name(net.n_layers, int(j))
        detail = f"the cost is {cost}" + (
            f" (output {unit} = {fmt(a[s, j])} for sample {s + 1}, target {fmt(y[s, j])})" if a is not None else "")
        found = ("cost", unit, cost, net.n_layers - 1, (int(s), int(j)), detail)
    if found is None and grads is not None:
        bad = first_non_finite(grads)
        if bad is not None:
            l, (i, j), value = bad
            name = net.weight_name(l, i, j)
            found = ("gradient", name, value, l, (i, j), f"the gradient of {name} is {value}")
    if found is None and new is not None:
        bad = first_non_finite(new)
        if bad is not None:
            l, (i, j), value = bad
            name = net.weight_name(l, i, j)
            found = ("weight", name, value, l, (i, j),
                     f"{name} would become {value} (it is {fmt(net.W[l][i, j])}, the gradient {fmt(grads[l][i, j])})")
    if found is None and exc is not None:
        l, (i, j) = exc.layer, exc.index
        name = net.weight_name(l, i, j)
        what = "would become" if exc.quantity == "weight" else "has gradient"
        found = (exc.quantity, name, exc.value, l, (i, j), f"{name} {what} {exc.value}")
    if found is None:  # not reached: something was not finite
        found = (None, None, None, None, None, "a number is not finite")
    quantity, where, value, l, idx, detail = found
    return DivergenceError(f"the update diverged: {detail}; no weight was changed by it",
                           quantity=quantity, where=where, value=value, layer=l, index=idx, detail=detail)


def batches(m: int, batch_size: int | None, seed: int, epoch: int) -> list[np.ndarray]:
    """The (mini-)batches of epoch ``epoch`` as index arrays into the m samples.

    ``batch_size`` None or >= m: one batch, every sample in order. Otherwise the samples
    are shuffled by a generator seeded with (seed, epoch) and cut into batches of
    ``batch_size`` (the last may be smaller). Each epoch's batches depend only on
    (seed, epoch), so training replayed from any epoch (the training stepper does)
    gives the same numbers as ``Network.train``.
    """
    if batch_size is None or batch_size >= m:
        return [np.arange(m)]
    order = np.random.default_rng([seed, epoch]).permutation(m)
    return [order[s:s + batch_size] for s in range(0, m, batch_size)]


class Network:
    """A fully connected network; see the module docstring for shapes and names.

    ``frozen``: weight names (or ``"biases"``, every bias weight) that updates leave
    unchanged; their gradients are still computed.
    """

    def __init__(self, weights, activations, names: list[str] | None = None, frozen=None):
        if weights is None or isinstance(weights, (str, bytes, dict)) or not hasattr(weights, "__iter__"):
            raise TypeError("weights must be a list of 2-D arrays, one per layer, W[l] of shape "
                            f"(n_l + 1, n_(l+1)) with row 0 for the bias unit; got {type(weights).__name__} "
                            f"{weights!r:.60}")
        if activations is None:
            raise TypeError("activations must be a name such as 'sigmoid' (the same for every layer) or a list "
                            "with one per layer such as ['tanh', 'sigmoid']; got None")
        weights = list(weights)
        if not weights:
            raise ValueError("a network needs at least one weight array (one layer of links)")
        W = []
        for l, w in enumerate(weights):
            w = as_float_array(w, f"weights W[{l}]").copy()  # the network's own array
            if w.ndim != 2 or w.shape[0] < 2 or w.shape[1] < 1:
                raise ValueError(
                    f"weights W[{l}] must be 2-D with shape (n_in + 1, n_out), row 0 for the bias unit; got {w.shape}"
                )
            if l and w.shape[0] != W[-1].shape[1] + 1:
                raise ValueError(
                    f"weights W[{l}] must have {W[-1].shape[1] + 1} rows (layer {l} has "
                    f"{W[-1].shape[1]} units + 1 bias unit), got shape {w.shape}"
                )
            W.append(w)
        self.W: list[np.ndarray] = W
        self.sizes = [W[0].shape[0] - 1] + [w.shape[1] for w in W]
        if isinstance(activations, (str, Activation)):
            activations = [activations] * len(W)
        if not hasattr(activations, "__iter__"):
            raise TypeError("activations must be a name such as 'sigmoid' (the same for every layer) or a list "
                            f"with one per layer such as ['tanh', 'sigmoid']; got {type(activations).__name__} "
                            f"{activations!r:.60}")
        activations = list(activations)
        if len(activations) != len(W):
            raise ValueError(
                f"need one activation per non-input layer ({len(W)}), got {len(activations)}"
            )
        self.acts: list[Activation] = [get_activation(f) for f in activations]
        for act in self.acts[:-1]:
            if not act.elementwise:
                raise ValueError(f"{act.name} is only allowed on the output layer")
        self.names = _check_layer_names(names, len(self.sizes))
        # Unit name -> layer, for reading weight names back; the weight names themselves are
        # made on demand, so a network of millions of weights is built in numpy time.
        self._layer_of = {name: l for l, name in enumerate(self.names)}
        self.acts[-1].check_units(self.sizes[-1])
        self.frozen = frozen

    # ----- construction -------------------------------------------------------------
    @classmethod
    def constant(cls, sizes, activations="identity", value: float = 1.0, names=None, frozen=None) -> "Network":
        """Every weight set to ``value`` (the worked example uses 1)."""
        sizes = _check_size_limit(_check_sizes(sizes), "constant")
        value = float(as_float_array(value, "constant weight value"))
        W = [np.full((n + 1, k), value) for n, k in zip(sizes[:-1], sizes[1:])]
        return cls(W, activations, names, frozen)

    @classmethod
    def random(cls, sizes, activations="sigmoid", init: str = "xavier", seed: int = 0, names=None,
               frozen=None) -> "Network":
        """Seeded random weights, biases 0.

        ``xavier`` (Glorot, for sigmoid/tanh): uniform in +-sqrt(6 / (n_in + n_out)).
        ``he`` (for ReLU): normal with standard deviation sqrt(2 / n_in).
        ``normal``: standard normal, a deliberately poor scale for comparisons.
        """
        sizes = _check_size_limit(_check_sizes(sizes), "random")
        rng = np.random.default_rng(check_whole(seed, "seed"))
        W = []
        for n, k in zip(sizes[:-1], sizes[1:]):
            if init == "xavier":
                lim = np.sqrt(6.0 / (n + k))
                w = rng.uniform(-lim, lim, size=(n, k))
            elif init == "he":
                w = rng.normal(0.0, np.sqrt(2.0 / n), size=(n, k))
            elif init == "normal":
                w = rng.normal(0.0, 1.0, size=(n, k))
            else:
                raise ValueError(f"unknown init {init!r}; expected 'xavier', 'he' or 'normal'")
            W.append(np.vstack([np.zeros((1, k)), w]))
        return cls(W, activations, names, frozen)

    def copy(self) -> "Network":
        return Network(self.W, self.acts, self.names, self.frozen)  # __init__ copies the weights

    # ----- frozen weights -----------------------------------------------------------
    @property
    def frozen(self) -> frozenset[str]:
        """Names of the weights that updates leave unchanged."""
        return self._frozen

    @frozen.setter
    def frozen(self, spec) -> None:
        if spec is None:
            spec = ()
        elif isinstance(spec, str):
            spec = (spec,)
        elif not hasattr(spec, "__iter__") or isinstance(spec, (bytes, dict)):
            raise TypeError(f"frozen must be weight names such as [{self.weight_name(0, 0, 0)!r}], 'biases', or None; "
                            f"got {type(spec).__name__} {spec!r:.40}")
        names = set()
        for item in spec:
            if item == "biases":
                names.update(self.weight_name(l, 0, j) for l, w in enumerate(self.W) for j in range(w.shape[1]))
            elif isinstance(item, str) and self._parse_weight(item) is not None:
                names.add(item)
            else:
                raise ValueError(f"frozen: no weight named {item!r}; give weight names such as "
                                 f"{self.weight_name(0, 0, 0)!r}, or 'biases' for every bias weight")
        masks = [None] * len(self.W)
        for name in names:
            l, i, j = self._parse_weight(name)
            if masks[l] is None:
                masks[l] = np.zeros(self.W[l].shape, dtype=bool)
            masks[l][i, j] = True
        self._frozen = frozenset(names)
        self._frozen_masks = masks

    def frozen_masks(self) -> list[np.ndarray | None]:
        """Per layer: None if no weight of W[l] is frozen, else a boolean array shaped like W[l], True where one is."""
        return self._frozen_masks

    # ----- names --------------------------------------------------------------------
    @property
    def n_layers(self) -> int:
        """Number of weight layers L (the input layer is not counted)."""
        return len(self.W)

    def unit_name(self, layer: int, i: int) -> str:
        """Name of unit ``i`` of ``layer``: X0 (bias), X1, ..., Z0, Z1, ..., D0, D1, ..."""
        return f"{self.names[layer]}{i}"

    def unit_names(self, layer: int, bias: bool = True) -> list[str]:
        if layer == len(self.sizes) - 1:
            return [self.unit_name(layer, j) for j in range(self.sizes[layer])]
        start = 0 if bias else 1
        return [self.unit_name(layer, i) for i in range(start, self.sizes[layer] + 1)]

    def dest_name(self, layer: int, j: int) -> str:
        """Name of the unit fed by column j of W[layer]."""
        return self.unit_name(layer + 1, j if layer + 1 == self.n_layers else j + 1)

    def weight_name(self, layer: int, i: int, j: int) -> str:
        """Name of W[layer][i, j], e.g. ``X0->Z1``."""
        return link_name(self.unit_name(layer, i), self.dest_name(layer, j))

    def weight_names(self) -> list[str]:
        """All weight names, layer by layer, row by row."""
        return [self.weight_name(l, i, j) for l, w in enumerate(self.W)
                for i in range(w.shape[0]) for j in range(w.shape[1])]

    def _parse_unit(self, unit: str) -> tuple[int, int] | None:
        """(layer, number) of a unit name such as Z1, or None."""
        for k in range(len(unit) - 1, 0, -1):  # the layer name is what precedes the digits
            if not unit[k].isdigit():
                break
        else:
            k = 0
        layer, digits = unit[:k + 1], unit[k + 1:]
        if layer not in self._layer_of or not digits or str(int(digits)) != digits:
            return None
        return self._layer_of[layer], int(digits)

    def _parse_weight(self, name: str) -> tuple[int, int, int] | None:
        """(layer, i, j) of a weight name such as X0->Z1, or None if there is no such weight."""
        src, sep, dst = name.partition(LINK_ARROW)
        a, b = self._parse_unit(src), self._parse_unit(dst) if sep else None
        if a is None or b is None or b[0] != a[0] + 1:
            return None
        (l, i), (_, k) = a, b
        j = k if l + 1 == self.n_layers else k - 1  # output units count from 0, others from 1
        if not (0 <= i < self.W[l].shape[0] and 0 <= j < self.W[l].shape[1]):
            return None
        return l, i, j

    def has_weight(self, name) -> bool:
        """True if this network has a weight called ``name``."""
        return isinstance(name, str) and self._parse_weight(name) is not None

    def weight_index(self, name: str) -> tuple[int, int, int]:
        """(layer, i, j) of the weight called ``name``."""
        where = self._parse_weight(name) if isinstance(name, str) else None
        if where is None:
            raise KeyError(f"no weight named {name!r}; this network has e.g. "
                           f"{[self.weight_name(0, i, 0) for i in range(min(3, self.W[0].shape[0]))]}")
        return where

    def __getitem__(self, name: str) -> float:
        l, i, j = self.weight_index(name)
        return float(self.W[l][i, j])

    def weights_dict(self) -> dict[str, float]:
        return {self.weight_name(l, i, j): float(w[i, j]) for l, w in enumerate(self.W)
                for i in range(w.shape[0]) for j in range(w.shape[1])}

    def __repr__(self) -> str:
        acts = ", ".join(a.name for a in self.acts)
        return f"Network(sizes={self.sizes}, activations=[{acts}])"

    # ----- the maths: every computation goes through Backprop -----------------------
    def check(self, X, y=None):
        """Validate a batch for this network: (X as (m, n0), y as (m, nL) or None)."""
        return as_batch(X, y, self.sizes[0], self.sizes[-1])

    def check_batch(self, X, y):
        """``check`` where the targets are needed (cost, gradients, training): y None is an error."""
        if y is None:
            raise TypeError(f"targets y are needed here: an array of shape (m, {self.sizes[-1]}), one row per "
                            f"sample of X; got None")
        return as_batch(X, y, self.sizes[0], self.sizes[-1])

    def check_weights(self) -> None:
        """Raise TypeError/ValueError if a weight array was replaced by one of another kind or
        shape (naming the layer and the shape it must have), or a weight set to NaN or inf."""
        sizes, W = self.sizes, self.W
        if not isinstance(W, list) or len(W) != len(sizes) - 1:
            raise ValueError(f"net.W must be a list of {len(sizes) - 1} weight arrays (one per layer of "
                             f"{sizes}), got {type(W).__name__} of length {len(W) if hasattr(W, '__len__') else '?'}")
        for l, w in enumerate(W):
            shape = (sizes[l] + 1, sizes[l + 1])
            if type(w) is not np.ndarray:
                raise TypeError(f"W[{l}] is a {type(w).__name__}; it must be a numpy array of shape {shape} "
                                f"(float64). Was net.W[{l}] replaced? np.array(...) makes one")
            if w.shape != shape:
                raise ValueError(f"W[{l}] has shape {w.shape}; it must be {shape} for this network "
                                 f"({sizes[l]} unit(s) + 1 bias unit in, {sizes[l + 1]} out). Was net.W[{l}] replaced?")
            if w.dtype != np.float64:
                raise TypeError(f"W[{l}] is an array of {w.dtype}; it must be float64 (shape {shape}): "
                                f"use net.W[{l}] = net.W[{l}].astype(float)")
            if not np.isfinite(w).all():
                name = self.weight_name(l, *np.argwhere(~np.isfinite(w))[0])
                raise ValueError(f"weight {name} is {w[self.weight_index(name)[1:]]}; every weight must be finite")

    def forward(self, X) -> Forward:
        """Forward pass for one sample (n0,) or a batch (m, n0).

        A weighted sum or activation beyond the largest float (about 1.8e308) raises
        ``DivergenceError`` naming the unit and the sample, not a result holding inf or NaN."""
        X, _ = self.check(X)
        with np.errstate(over="ignore", invalid="ignore"):
            fwd = Backprop(self).forward(X)
        for l in range(self.n_layers):
            for what, arr in (("z", fwd.z[l]), ("a", fwd.a[l + 1])):
                bad = first_non_finite([arr])
                if bad is not None:
                    (s, j), value = bad[1], bad[2]
                    unit = self.dest_name(l, j)
                    name = f"z({unit})" if what == "z" else unit
                    raise DivergenceError(
                        f"the forward pass overflows: {name} of sample {s + 1} is {value} (beyond the largest "
                        f"float, about 1.8e308); the weights or the inputs are too large for it",
                        quantity="pre-activation" if what == "z" else "activation", where=unit, value=value,
                        layer=l + 1, index=(s, j))
        return fwd

    def predict(self, X) -> np.ndarray:
        return self.forward(X).output

    def cost(self, X, y, loss="half_squared_error") -> float:
        """J = mean over the batch of the loss of each sample."""
        X, y = self.check_batch(X, y)
        bp = Backprop(self, loss)
        return bp.cost(bp.forward(X), y)

    def backward(self, fwd: Forward, y: np.ndarray, loss: Loss | str = "half_squared_error",
                 rule: str = "gradient") -> list[np.ndarray]:
        """Deltas dL/dz of every non-input layer, output first computed, with the current weights."""
        return Backprop(self, loss, rule).deltas(fwd, y)

    def gradients(self, X, y, loss="half_squared_error", rule: str = "gradient") -> list[np.ndarray]:
        """grad_W[l] = mean over the batch of (source activation) * (destination delta)."""
        X, y = self.check_batch(X, y)
        bp = Backprop(self, loss, rule)
        fwd = bp.forward(X)
        return bp.gradients(fwd, bp.deltas(fwd, y))

    def step(self, X, y, lr: float | None = None, loss="half_squared_error", rule: str = "gradient",
             optimizer=None) -> float:
        """One update from the batch (X, y); returns the cost before the update.

        Plain gradient descent W := W - lr * grad_W (lr 0.1 unless given) unless an
        ``optimizer`` (see ``bpnet.core.optimizers``) is given, which has its own learning rate.
        Everything is checked before any weight changes.
        """
        X, y = self.check_batch(X, y)
        bp = Backprop(self, loss, rule)
        if isinstance(optimizer, str):
            raise TypeError(
                f"step() keeps nothing between calls, so optimizer={optimizer!r} would be a fresh one every call "
                f"(its running averages lost each time). Make it once and pass the same object every call: "
                f"opt = bpnet.get_optimizer({optimizer!r}); net.step(X, y, optimizer=opt)")
        if optimizer is not None and not hasattr(optimizer, "update"):
            get_optimizer(optimizer)  # raises a TypeError saying what an optimizer is
        lr = _learning_rate(lr, optimizer)
        _bind(optimizer, self)
        # Overflow is reported once, as a DivergenceError (as train does), not as numpy warnings.
        with np.errstate(over="ignore", invalid="ignore"):
            return bp.step(X, y, lr, optimizer)

    def train(self, X, y, epochs: int, lr: float | None = None, loss="half_squared_error",
              optimizer=None, batch_size: int | None = None, seed: int = 0,
              rule: str = "gradient", first_epoch: int = 0) -> np.ndarray:
        """Train for ``epochs`` passes over (X, y); returns the cost before each epoch.

        ``batch_size=None`` is batch gradient descent (one update per epoch), 1 is
        stochastic and anything between is mini-batch; samples are shuffled each epoch
        when batches are smaller than the data set, by ``batches(m, batch_size, seed, epoch)``.
        ``optimizer``: an object from ``bpnet.core.optimizers``, or a name ('adam', ...) for a
        fresh one with learning rate ``lr``. ``epochs``: at most 10,000,000 (``MAX_EPOCHS``).
        ``first_epoch``: the number of the first epoch, which seeds its shuffle: training
        continued with ``first_epoch=k`` after k epochs shuffles as one longer call would.

        Divergence: at the first cost, gradient or new weight that is NaN or inf, training
        stops and raises ``bpnet.DivergenceError`` (a ValueError) naming the epoch and the
        unit or weight; the weights are left as they were before that update, and the
        error's ``history`` holds the cost before each epoch that started (``epoch`` of them,
        or one more if the failing epoch's cost was finite).
        """
        X, y = self.check_batch(X, y)
        bp = Backprop(self, loss, rule)
        if isinstance(optimizer, str) or (optimizer is not None and not hasattr(optimizer, "update")):
            # a name: one fresh optimizer for this call, with the learning rate given here
            optimizer, lr = get_optimizer(optimizer, **({} if lr is None else {"lr": lr})), None
        lr = _learning_rate(lr, optimizer)
        epochs = check_whole(epochs, "epochs")
        if epochs > MAX_EPOCHS:
            raise ValueError(f"epochs must be at most {MAX_EPOCHS:,} in one call, got {epochs:,} "
                             "(train in several calls to go further)")
        if batch_size is not None:
            batch_size = check_whole(batch_size, "batch_size (or None for the whole batch)", 1)
        seed = check_whole(seed, "seed")
        first_epoch = check_whole(first_epoch, "first_epoch")
        _bind(optimizer, self)
        history = []  # the cost before each epoch that started
        # Overflow on the way is reported once, as a DivergenceError, not as numpy warnings.
        with np.errstate(over="ignore", invalid="ignore"):
            try:
                for cost in bp.training(X, y, epochs, lr, optimizer, batch_size, seed, first_epoch):
                    history.append(cost)
            except DivergenceError as exc:
                e = len(history) - 1
                done = np.array(history if math.isfinite(history[-1]) else history[:-1])
                raise DivergenceError(
                    f"training diverged at epoch {first_epoch + e}: {exc.detail}; the weights are as they were "
                    f"before that update (the error's history: the cost before each of the {len(done)} epoch(s) "
                    f"that started)",
                    quantity=exc.quantity, where=exc.where, value=exc.value, layer=exc.layer, index=exc.index,
                    epoch=e, history=done, detail=exc.detail) from None
        return np.array(history)


def default_layer_names(n_layers: int) -> list[str]:
    """X for the input, D for the output, Z for one hidden layer (H1_, H2_, ... for several)."""
    hidden = n_layers - 2
    if hidden == 1:
        mid = ["Z"]
    else:
        mid = [f"H{k}_" for k in range(1, hidden + 1)]
    return ["X"] + mid + ["D"]


DEFAULT_LR = 0.1


def _learning_rate(lr, optimizer) -> float | None:
    """The learning rate of plain gradient descent (0.1 if not given); None with an optimizer,
    which has its own: one given to both is refused rather than one of them ignored."""
    if optimizer is None:
        if lr is None:
            return DEFAULT_LR
        return check_lr(lr)
    if lr is not None:
        raise ValueError(
            f"learning rate given twice: lr={lr!r} here and lr={getattr(optimizer, 'lr', '?')} in the "
            f"{type(optimizer).__name__}; give it to the optimizer only (e.g. SGD(lr)), or drop the optimizer")
    return None


#: A layer name, as network files and the API accept it: letters, digits and _, starting with a
#: letter and not ending in a digit (the unit number follows it: Z1).
LAYER_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?<![0-9])\Z")


def _check_layer_names(names, n: int) -> list[str]:
    """One distinct name per layer; no name may be another followed by digits (A and A1 would
    both call a unit A11), and none may end in a digit or contain '->'."""
    if names is None:
        return default_layer_names(n)
    if isinstance(names, str) or not hasattr(names, "__iter__") or isinstance(names, (bytes, dict)):
        raise TypeError(f"names must be a list of {n} layer names such as {default_layer_names(n)}, got {names!r:.40}")
    names = list(names)
    if len(names) != n:
        raise ValueError(f"need {n} layer names, got {len(names)}")
    for name in names:
        if not isinstance(name, str) or not LAYER_NAME.match(name):
            raise ValueError(f"layer name {name!r} is not usable: give letters, digits or _ (no space, no '->'), "
                             f"starting with a letter and not ending in a digit (the unit number follows it: Z1), such as "
                             f"{default_layer_names(n)}")
    for p, q in ((p, q) for p in range(n) for q in range(n) if p != q):
        if names[q] == names[p]:
            raise ValueError(f"layers {p} and {q} are both named {names[p]!r}: every layer needs its own name, "
                             f"or units and weights of different layers would share names")
    return names


def _bind(optimizer, net: "Network") -> None:
    """Tie an optimizer's running averages to ``net`` (refused, before any change, if they belong to another)."""
    if optimizer is not None and hasattr(optimizer, "bind"):
        optimizer.bind(net)


def _check_size_limit(sizes: list[int], how: str) -> list[int]:
    """``sizes`` if the network has at most MAX_WEIGHTS weights; else a ValueError before allocating."""
    n = sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))
    if n > MAX_WEIGHTS:
        gb = 8 * n / 1e9
        need = f"{gb:,.0f} GB" if gb >= 10 else f"{gb:.1f} GB"
        raise ValueError(f"Network.{how}({sizes}) is too large: {n:,} weights would need {need} "
                         f"at 8 bytes each; bpnet builds at most {MAX_WEIGHTS:,} weights")
    return sizes


def _check_sizes(sizes) -> list[int]:
    """Unit counts per layer: whole numbers >= 1 (2.7 is refused, not truncated), at least two layers."""
    example = "such as [2, 3, 1]"
    try:
        sizes = list(sizes)
    except TypeError:
        raise TypeError(f"sizes must be a list of whole numbers {example}, got {sizes!r}") from None
    if len(sizes) < 2:
        raise ValueError(f"sizes needs at least an input and an output layer, each >= 1 unit; got {sizes}")
    try:
        return [check_whole(n, f"sizes[{k}]", 1) for k, n in enumerate(sizes)]
    except (TypeError, ValueError) as exc:
        kind = TypeError if isinstance(exc, TypeError) else ValueError
        raise kind(f"sizes must be a list of whole numbers {example}, each >= 1 unit: {exc}") from None
