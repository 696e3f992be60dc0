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
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import as_batch, as_float_array, check_lr
from .activations import Activation, get_activation
from .losses import Loss, get_loss, output_delta

__all__ = ["Network", "Forward", "RULES"]

#: Update rules: ``gradient`` is gradient descent. ``article`` is the worked example's
#: published convention: output delta = y - a (actual - predicted) used in
#: W := W - lr * a_src * delta, which moves *up* the loss. Its output delta is y - a
#: whatever the output activation, so on a non-identity output it also drops f'(z).
#: It exists to reproduce that article's numbers and show what is wrong with them;
#: never train with it.
RULES = ("gradient", "article")

_INF = float("inf")


@dataclass
class Forward:
    """Everything a forward pass computes: z[l] for l < L and a[l] for l <= L."""

    z: list[np.ndarray]
    a: list[np.ndarray]

    @property
    def output(self) -> np.ndarray:
        return self.a[-1]


class Network:
    """A fully connected network; see the module docstring for shapes and names."""

    def __init__(self, weights, activations, names: list[str] | None = None):
        weights = list(weights)
        if not weights:
            raise ValueError("a network needs at least one weight array (one layer of links)")
        W = []
        for l, w in enumerate(weights):
            w = as_float_array(w, f"weights W[{l}]").copy()
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
        activations = list(activations)
        if len(activations) != len(W):
            raise ValueError(
                f"need one activation per non-input layer ({len(W)}), got {len(activations)}"
            )
        self.acts: list[Activation] = [get_activation(f) for f in activations]
        for act in self.acts[:-1]:
            if not act.elementwise:
                raise ValueError(f"{act.name} is only allowed on the output layer")
        self.names = list(names) if names is not None else default_layer_names(len(self.sizes))
        if len(self.names) != len(self.sizes):
            raise ValueError(f"need {len(self.sizes)} layer names, got {len(self.names)}")
        self._weight_index = {
            self.weight_name(l, i, j): (l, i, j)
            for l, w in enumerate(W)
            for i in range(w.shape[0])
            for j in range(w.shape[1])
        }

    # ----- construction -------------------------------------------------------------
    @classmethod
    def constant(cls, sizes, activations="identity", value: float = 1.0, names=None) -> "Network":
        """Every weight set to ``value`` (the worked example uses 1)."""
        sizes = _check_sizes(sizes)
        value = float(as_float_array(value, "constant weight value"))
        W = [np.full((n + 1, k), value) for n, k in zip(sizes[:-1], sizes[1:])]
        return cls(W, activations, names)

    @classmethod
    def random(cls, sizes, activations="sigmoid", init: str = "xavier", seed: int = 0, names=None) -> "Network":
        """Seeded random weights, biases 0.

        ``xavier`` (Glorot, for sigmoid/tanh): uniform in +-sqrt(6 / (n_in + n_out)).
        ``he`` (for ReLU): normal with standard deviation sqrt(2 / n_in).
        ``normal``: standard normal, a deliberately poor scale for comparisons.
        """
        sizes = _check_sizes(sizes)
        rng = np.random.default_rng(seed)
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
        return cls(W, activations, names)

    def copy(self) -> "Network":
        return Network([w.copy() for w in self.W], self.acts, self.names)

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
        return f"{self.unit_name(layer, i)}->{self.dest_name(layer, j)}"

    def weight_names(self) -> list[str]:
        """All weight names, layer by layer, row by row."""
        return list(self._weight_index)

    def weight_index(self, name: str) -> tuple[int, int, int]:
        """(layer, i, j) of the weight called ``name``."""
        try:
            return self._weight_index[name]
        except KeyError:
            raise KeyError(f"no weight named {name!r}; this network has e.g. {self.weight_names()[:3]}") from None

    def __getitem__(self, name: str) -> float:
        l, i, j = self.weight_index(name)
        return float(self.W[l][i, j])

    def weights_dict(self) -> dict[str, float]:
        return {name: float(self.W[l][i, j]) for name, (l, i, j) in self._weight_index.items()}

    def __repr__(self) -> str:
        acts = ", ".join(a.name for a in self.acts)
        return f"Network(sizes={self.sizes}, activations=[{acts}])"

    # ----- the maths ----------------------------------------------------------------
    def check(self, X, y=None):
        """Validate a batch for this network: (X as (m, n0), y as (m, nL) or None)."""
        return as_batch(X, y, self.sizes[0], self.sizes[-1])

    def check_weights(self) -> None:
        """Raise ValueError if a weight was set to NaN or inf since construction."""
        for l, w in enumerate(self.W):
            if not np.isfinite(w).all():
                name = self.weight_name(l, *np.argwhere(~np.isfinite(w))[0])
                raise ValueError(f"weight {name} is {w[self.weight_index(name)[1:]]}; every weight must be finite")

    def forward(self, X) -> Forward:
        """Forward pass for one sample (n0,) or a batch (m, n0)."""
        X, _ = self.check(X)
        return self._forward(X)

    def _forward(self, X: np.ndarray) -> Forward:
        a = [X]
        z = []
        for w, act in zip(self.W, self.acts):
            zl = a[-1] @ w[1:]
            zl += w[0]  # in place: the same sum as `+ w[0]`, one array fewer
            z.append(zl)
            a.append(act.f(zl))
        return Forward(z, a)

    def predict(self, X) -> np.ndarray:
        return self.forward(X).output

    def cost(self, X, y, loss="half_squared_error") -> float:
        """J = mean over the batch of the loss of each sample."""
        X, y = self.check(X, y)
        return get_loss(loss).cost(self._forward(X).output, y)

    def backward(self, fwd: Forward, y: np.ndarray, loss: Loss | str = "half_squared_error",
                 rule: str = "gradient") -> list[np.ndarray]:
        """Deltas dL/dz of every non-input layer, output first computed, with the current weights."""
        loss = get_loss(loss)
        L = self.n_layers
        delta = [None] * L
        delta[-1] = self._output_delta(fwd.z[-1], fwd.a[-1], y, loss, rule)
        for l in range(L - 2, -1, -1):
            delta[l] = self.acts[l].backward(fwd.z[l], fwd.a[l + 1], delta[l + 1] @ self.W[l + 1][1:].T)
        return delta

    def _output_delta(self, z: np.ndarray, a: np.ndarray, y: np.ndarray, loss: Loss, rule: str) -> np.ndarray:
        if rule == "gradient":
            return output_delta(loss, self.acts[-1], z, a, y)
        if rule == "article":
            return y - a  # "actual - predicted", as the article does
        raise ValueError(f"unknown rule {rule!r}; expected one of {RULES}")

    def gradients(self, X, y, loss="half_squared_error", rule: str = "gradient") -> list[np.ndarray]:
        """grad_W[l] = mean over the batch of (source activation) * (destination delta)."""
        X, y = self.check(X, y)
        return self._gradients(X, y, get_loss(loss), rule)[0]

    def _gradients(self, X, y, loss: Loss, rule: str, fwd: Forward | None = None):
        """(grads, fwd, delta) for a checked batch; ``fwd`` may be passed if already computed."""
        if fwd is None:
            fwd = self._forward(X)
        delta = self.backward(fwd, y, loss, rule)
        m = X.shape[0]
        grads = []
        # Row 0 (bias: source activation 1) and rows 1.. are written straight into one
        # array, then divided by m once: the same numbers as dividing each part.
        for w, a, d in zip(self.W, fwd.a, delta):
            g = np.empty_like(w)
            d.sum(axis=0, out=g[0])
            np.matmul(a.T, d, out=g[1:])
            g /= m
            grads.append(g)
        return grads, fwd, delta

    def step(self, X, y, lr: float = 0.1, loss="half_squared_error", rule: str = "gradient",
             optimizer=None) -> float:
        """One update from the batch (X, y); returns the cost before the update.

        Plain gradient descent W := W - lr * grad_W unless an ``optimizer`` (see
        ``bpnet.optimizers``) is given. Everything is checked before any weight changes.
        """
        X, y = self.check(X, y)
        loss = get_loss(loss)
        if rule not in RULES:
            raise ValueError(f"unknown rule {rule!r}; expected one of {RULES}")
        if optimizer is None and not (type(lr) is float and 0.0 < lr < _INF):
            lr = check_lr(lr)  # the common case, a positive finite float, needs no conversion
        self.check_weights()
        grads, fwd, _ = self._gradients(X, y, loss, rule)
        self._apply(grads, lr, optimizer)
        return loss.cost(fwd.a[-1], y)

    def _apply(self, grads, lr, optimizer) -> None:
        if optimizer is None:
            for w, g in zip(self.W, grads):
                w -= lr * g
        else:
            optimizer.update(self.W, grads)

    def train(self, X, y, epochs: int, lr: float = 0.1, loss="half_squared_error",
              optimizer=None, batch_size: int | None = None, seed: int = 0,
              rule: str = "gradient") -> np.ndarray:
        """Train for ``epochs`` passes over (X, y); returns the cost before each epoch.

        ``batch_size=None`` is batch gradient descent (one update per epoch), 1 is
        stochastic and anything between is mini-batch; samples are shuffled with
        ``seed`` each epoch when batches are smaller than the data set.
        """
        X, y = self.check(X, y)
        loss = get_loss(loss)
        if rule not in RULES:
            raise ValueError(f"unknown rule {rule!r}; expected one of {RULES}")
        self.check_weights()
        if optimizer is None:
            lr = check_lr(lr)
        if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 0:
            raise ValueError(f"epochs must be a whole number >= 0, got {epochs!r}")
        m = X.shape[0]
        bs = m if batch_size is None else int(batch_size)
        if bs < 1:
            raise ValueError(f"batch_size must be >= 1 or None, got {batch_size!r}")
        rng = np.random.default_rng(seed)
        history = np.empty(epochs)
        if optimizer is None and bs >= m:
            self._sgd_full_batch(X, y, lr, loss, rule, history)
            return history
        for e in range(epochs):
            fwd = self._forward(X)
            history[e] = loss.cost(fwd.a[-1], y)
            if bs >= m:
                # Full batch: the forward pass that gave the cost is the one to differentiate.
                grads = self._gradients(X, y, loss, rule, fwd)[0]
                self._apply(grads, lr, optimizer)
                continue
            order = rng.permutation(m)
            for s in range(0, m, bs):
                idx = order[s:s + bs]
                grads = self._gradients(X[idx], y[idx], loss, rule)[0]
                self._apply(grads, lr, optimizer)
        return history

    def _sgd_full_batch(self, X, y, lr: float, loss: Loss, rule: str, history: np.ndarray) -> None:
        """train()'s loop for plain gradient descent on the whole batch, one epoch per entry of history.

        The arithmetic of _forward, backward, _gradients and _apply in the same order, so
        the same numbers; but the weight views and the gradient arrays are made once, not
        every epoch, which is most of the time an epoch takes on a small network. The
        views stay valid because the weights only change in place.
        """
        m, acts, L = X.shape[0], self.acts, self.n_layers
        w_in = [w[1:] for w in self.W]  # weights from real units
        w_bias = [w[0] for w in self.W]  # weights from the bias unit
        w_back = [w[1:].T for w in self.W]  # carries delta[l] back to layer l
        grads = [np.empty_like(w) for w in self.W]
        g_bias, g_in = [g[0] for g in grads], [g[1:] for g in grads]
        for e in range(len(history)):
            a, z = [X], []
            for l in range(L):
                zl = a[l] @ w_in[l]
                zl += w_bias[l]
                z.append(zl)
                a.append(acts[l].f(zl))
            history[e] = loss.cost(a[L], y)
            d = self._output_delta(z[-1], a[L], y, loss, rule)
            for l in range(L - 1, -1, -1):  # all deltas use the old weights: update afterwards
                d.sum(axis=0, out=g_bias[l])
                np.matmul(a[l].T, d, out=g_in[l])
                if l:
                    d = acts[l - 1].backward(z[l - 1], a[l], d @ w_back[l])
            for w, g in zip(self.W, grads):
                g /= m
                g *= lr  # lr * grad in place: nothing else reads this gradient
                w -= g


def default_layer_names(n_layers: int) -> list[str]:
    """X for the input, D for the output, Z for one hidden layer (H1_, H2_, ... for several)."""
    hidden = n_layers - 2
    if hidden == 1:
        mid = ["Z"]
    else:
        mid = [f"H{k}_" for k in range(1, hidden + 1)]
    return ["X"] + mid + ["D"]


def _check_sizes(sizes) -> list[int]:
    try:
        sizes = [int(n) for n in sizes]
    except (TypeError, ValueError):
        raise TypeError(f"sizes must be a list of whole numbers such as [2, 3, 1], got {sizes!r}") from None
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"sizes needs at least an input and an output layer, each >= 1 unit; got {sizes}")
    return sizes
