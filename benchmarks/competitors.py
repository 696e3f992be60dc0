"""The same training step written five ways: bpnet, a hand-fused numpy loop, PyTorch, micrograd, pure Python.

Every competitor is built from one ``Spec``: bpnet-layout weights ``W[l]`` of shape
(n_l + 1, n_{l+1}) with row 0 the bias, the hidden and output activations, the loss,
the batch (X, y) and the learning rate. Each one exposes

  ``step()``     one full-batch plain gradient-descent update (forward, loss, backward, update)
  ``weights()``  the current weights in bpnet's layout, for the equality check
  ``reset()``    back to the initial weights (called between timing samples, untimed)

The losses are the batch mean of a per-sample loss, identical everywhere:
  half_squared_error  J = mean_s 1/2 * sum_k (a_sk - y_sk)^2
  bce                 J = mean_s -sum_k [y log a + (1 - y) log(1 - a)]
  cce                 J = mean_s -sum_k y_sk log a_sk   (softmax output, one-hot y)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

import bpnet


@dataclass
class Spec:
    name: str
    W: list  # bpnet layout, float64
    hidden: str  # identity | tanh | relu
    output: str  # identity | sigmoid | softmax
    loss: str  # half_squared_error | bce | cce
    X: np.ndarray
    y: np.ndarray
    lr: float

    @property
    def sizes(self) -> list[int]:
        return [self.W[0].shape[0] - 1] + [w.shape[1] for w in self.W]


def xor_identity_spec() -> Spec:
    """The worked example: 2-3-1, identity activations, all weights 1, lr 0.1, 1/2 squared error."""
    ex = bpnet.xor_example()
    return Spec("XOR 2-3-1 identity (worked example)", [w.copy() for w in ex.net.W], "identity", "identity",
                "half_squared_error", ex.X, ex.y, ex.lr)


def xor_tanh_spec(seed: int = 1) -> Spec:
    """2-8-1, tanh hidden, sigmoid output, mean binary cross-entropy, seeded Xavier weights, lr 0.5."""
    net = bpnet.Network.random([2, 8, 1], ["tanh", "sigmoid"], init="xavier", seed=seed)
    # Xavier leaves biases at 0; give them seeded values too so no index hides behind a zero.
    rng = np.random.default_rng(seed + 100)
    W = [w.copy() for w in net.W]
    for w in W:
        w[0] = rng.uniform(-0.5, 0.5, size=w.shape[1])
    return Spec("XOR 2-8-1 tanh/sigmoid, BCE", W, "tanh", "sigmoid", "bce", bpnet.XOR_X.copy(),
                bpnet.XOR_Y.copy(), 0.5)


def classifier_data(n: int = 2048, n_in: int = 64, n_out: int = 10, seed: int = 0):
    """Seeded synthetic classification: Gaussian inputs, labels from a random linear teacher, one-hot."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_in))
    teacher = rng.normal(size=(n_in, n_out))
    labels = np.argmax(X @ teacher + 0.5 * rng.normal(size=(n, n_out)), axis=1)
    return X, np.eye(n_out)[labels]


def classifier_spec(batch: int, seed: int = 0) -> Spec:
    """64-32-10: ReLU hidden (He init), softmax output, mean categorical cross-entropy, lr 0.05."""
    X, y = classifier_data(seed=seed)
    net = bpnet.Network.random([64, 32, 10], ["relu", "softmax"], init="he", seed=seed + 1)
    rng = np.random.default_rng(seed + 2)
    W = [w.copy() for w in net.W]
    for w in W:
        w[0] = rng.uniform(-0.1, 0.1, size=w.shape[1])
    return Spec(f"64-32-10 ReLU/softmax, CCE, batch {batch}", W, "relu", "softmax", "cce",
                X[:batch].copy(), y[:batch].copy(), 0.05)


class _Base:
    def __init__(self, spec: Spec):
        self.spec = spec
        self.reset()

    def reset(self):
        raise NotImplementedError


# --------------------------------------------------------------------------- bpnet
class BpnetStep(_Base):
    """What a learner writes: ``net.step(X, y, lr, loss)``, one call per update."""

    label = "bpnet net.step"

    def reset(self):
        s = self.spec
        self.net = bpnet.Network([w.copy() for w in s.W], [s.hidden, s.output])

    def step(self):
        s = self.spec
        return self.net.step(s.X, s.y, s.lr, s.loss)

    def weights(self):
        return [w.copy() for w in self.net.W]


class BpnetTrain(BpnetStep):
    """``net.train(X, y, epochs)``: many full-batch updates in one call; timed per update."""

    label = "bpnet net.train (per epoch)"
    epochs = 100

    @property
    def updates_per_call(self):
        return self.epochs

    def step(self):
        s = self.spec
        return self.net.train(s.X, s.y, self.epochs, s.lr, s.loss)


class PlainEquations(_Base):
    """bpnet's equations as one plain loop, as in Nielsen's ``network.py``: the numpy calls
    ``Backprop`` makes, in its order (so its numbers, bit for bit), with no per-layer methods, no
    lists of results and no checks. Beside ``net.train`` it shows what bpnet's structure and its
    all-or-nothing check cost; beside the hand-fused loop, what computing each equation as it is
    written costs (the gradient as its own array, averaged, then times lr; the cost of every epoch
    from the loss's own formula)."""

    label = "plain equations"

    def reset(self):
        s = self.spec
        self.W = [w.copy() for w in s.W]
        self.f = [bpnet.get_activation(s.hidden), bpnet.get_activation(s.output)]
        self.loss = bpnet.get_loss(s.loss)

    def step(self):
        X, y, lr, W, f = self.spec.X, self.spec.y, self.spec.lr, self.W, self.f
        m = X.shape[0]
        a, z = [X], []
        for l in range(len(W)):  # forward: z = a W + b, a = f(z)
            z.append(a[l] @ W[l][1:] + W[l][0])
            a.append(f[l].f(z[l]))
        cost = self.loss.cost(a[-1], y, z[-1], f[-1])
        delta = self.loss.delta(f[-1], z[-1], a[-1], y)  # dL/dz at the output
        for l in range(len(W) - 1, -1, -1):  # backward: each layer's gradient, then its update
            grad = np.concatenate([delta.sum(axis=0, keepdims=True), a[l].T @ delta]) / m
            if l > 0:  # the delta one layer down, with W[l] as it was
                delta = f[l - 1].backward(z[l - 1], a[l], delta @ W[l][1:].T)
            W[l] -= lr * grad
        return cost

    def weights(self):
        return [w.copy() for w in self.W]


# --------------------------------------------------------------------------- hand-fused numpy
class HandFused(_Base):
    """The floor: two layers unrolled by hand, nothing checked, the loss computed inline."""

    label = "hand-fused numpy"

    def reset(self):
        W0, W1 = (w.copy() for w in self.spec.W)
        self.b0, self.W0, self.b1, self.W1 = W0[0].copy(), W0[1:].copy(), W1[0].copy(), W1[1:].copy()
        kind = (self.spec.hidden, self.spec.output, self.spec.loss)
        self.step = {
            ("identity", "identity", "half_squared_error"): self._identity_hse,
            ("tanh", "sigmoid", "bce"): self._tanh_sigmoid_bce,
            ("relu", "softmax", "cce"): self._relu_softmax_cce,
        }[kind]

    def _identity_hse(self):
        X, y, lr = self.spec.X, self.spec.y, self.spec.lr
        a1 = X @ self.W0 + self.b0
        a2 = a1 @ self.W1 + self.b1
        d1 = a2 - y
        cost = 0.5 * float(np.sum(d1 * d1)) / X.shape[0]
        d1 *= lr / X.shape[0]  # fold the mean and lr into the delta once
        d0 = d1 @ self.W1.T
        self.W1 -= a1.T @ d1
        self.b1 -= d1.sum(axis=0)
        self.W0 -= X.T @ d0
        self.b0 -= d0.sum(axis=0)
        return cost

    def _tanh_sigmoid_bce(self):
        X, y, lr = self.spec.X, self.spec.y, self.spec.lr
        a1 = np.tanh(X @ self.W0 + self.b0)
        a2 = 1.0 / (1.0 + np.exp(-(a1 @ self.W1 + self.b1)))
        cost = -float(np.sum(y * np.log(a2) + (1.0 - y) * np.log1p(-a2))) / X.shape[0]
        d1 = (a2 - y) * (lr / X.shape[0])
        d0 = (d1 @ self.W1.T) * (1.0 - a1 * a1)
        self.W1 -= a1.T @ d1
        self.b1 -= d1.sum(axis=0)
        self.W0 -= X.T @ d0
        self.b0 -= d0.sum(axis=0)
        return cost

    def _relu_softmax_cce(self):
        X, y, lr = self.spec.X, self.spec.y, self.spec.lr
        z0 = X @ self.W0 + self.b0
        a1 = np.maximum(z0, 0.0)
        z1 = a1 @ self.W1 + self.b1
        e = np.exp(z1 - z1.max(axis=1, keepdims=True))
        a2 = e / e.sum(axis=1, keepdims=True)
        cost = -float(np.sum(y * np.log(a2))) / X.shape[0]
        d1 = (a2 - y) * (lr / X.shape[0])
        d0 = (d1 @ self.W1.T) * (z0 > 0)
        self.W1 -= a1.T @ d1
        self.b1 -= d1.sum(axis=0)
        self.W0 -= X.T @ d0
        self.b0 -= d0.sum(axis=0)
        return cost

    def weights(self):
        return [np.vstack([self.b0, self.W0]), np.vstack([self.b1, self.W1])]


# --------------------------------------------------------------------------- PyTorch
class TorchEager(_Base):
    """Idiomatic PyTorch on the CPU in float64: nn.Sequential, a loss module, optim.SGD."""

    label = "PyTorch eager"

    def reset(self):
        import torch
        from torch import nn

        # One thread: for nets this small it is PyTorch's fastest and steadiest setting (with
        # its default of one thread per core it slowed down by up to 10x on a busy machine).
        torch.set_num_threads(1)
        s = self.spec
        layers = []
        for l, w in enumerate(s.W):
            lin = nn.Linear(w.shape[0] - 1, w.shape[1]).double()
            with torch.no_grad():
                lin.bias.copy_(torch.from_numpy(w[0]))
                lin.weight.copy_(torch.from_numpy(np.ascontiguousarray(w[1:].T)))
            layers.append(lin)
            act = s.hidden if l < len(s.W) - 1 else s.output
            if act == "tanh":
                layers.append(nn.Tanh())
            elif act == "relu":
                layers.append(nn.ReLU())
            elif act == "sigmoid":
                layers.append(nn.Sigmoid())
            # identity: nothing; softmax: fused into CrossEntropyLoss below (the idiomatic form)
        self.model = nn.Sequential(*layers)
        self.X = torch.from_numpy(s.X.copy())
        if s.loss == "cce":
            self.target = torch.from_numpy(np.argmax(s.y, axis=1))
            self.loss_fn = nn.CrossEntropyLoss()  # mean over the batch of -log softmax
        elif s.loss == "bce":
            self.target = torch.from_numpy(s.y.copy())
            self.loss_fn = nn.BCELoss()  # mean over elements = mean over samples for one output
            if s.y.shape[1] != 1:
                raise ValueError("BCELoss averages over outputs too; the spec needs one output")
        else:
            self.target = torch.from_numpy(s.y.copy())
            self.loss_fn = lambda a, y: 0.5 * ((a - y) ** 2).sum(dim=1).mean()
        self.opt = torch.optim.SGD(self.model.parameters(), lr=s.lr)

    def step(self):
        self.opt.zero_grad()
        loss = self.loss_fn(self.model(self.X), self.target)
        loss.backward()
        self.opt.step()
        return loss

    def weights(self):
        lins = [m for m in self.model if hasattr(m, "weight")]
        return [np.vstack([m.bias.detach().numpy()[None, :], m.weight.detach().numpy().T]) for m in lins]


# --------------------------------------------------------------------------- micrograd
def _mg_unary(Value, x, data, local_grad, op):
    """A micrograd node out = f(x) with d out/dx = local_grad, in micrograd's own style."""
    out = Value(data, (x,), op)

    def _backward():
        x.grad += local_grad * out.grad

    out._backward = _backward
    return out


class Micrograd(_Base):
    """micrograd's scalar ``Value`` autograd; tanh, sigmoid and log added as nodes in its style."""

    label = "micrograd"

    def reset(self):
        from micrograd.engine import Value

        self.Value = Value
        s = self.spec
        if s.output == "softmax":
            raise ValueError("the micrograd competitor covers the XOR nets only")
        self.P = [[[Value(float(v)) for v in row] for row in w] for w in s.W]  # P[l][i][j]
        self.params = [p for w in self.P for row in w for p in row]
        self.X = s.X.tolist()
        self.y = s.y.tolist()

    def _act(self, name, z):
        V = self.Value
        if name == "identity":
            return z
        if name == "tanh":
            t = math.tanh(z.data)
            return _mg_unary(V, z, t, 1.0 - t * t, "tanh")
        # sigmoid, the overflow-free form
        x = z.data
        sg = 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))
        return _mg_unary(V, z, sg, sg * (1.0 - sg), "sigmoid")

    def _log(self, v):
        return _mg_unary(self.Value, v, math.log(v.data), 1.0 / v.data, "log")

    def step(self):
        s = self.spec
        L = len(self.P)
        total = 0
        for x, t in zip(self.X, self.y):
            a = x
            for l, w in enumerate(self.P):
                act = s.hidden if l < L - 1 else s.output
                a = [self._act(act, sum((w[i + 1][j] * a[i] for i in range(len(a))), w[0][j]))
                     for j in range(len(w[0]))]
            for ak, yk in zip(a, t):
                if s.loss == "half_squared_error":
                    total = total + 0.5 * (ak - yk) ** 2
                else:  # bce
                    total = total - (yk * self._log(ak) + (1.0 - yk) * self._log(1.0 - ak))
        cost = total * (1.0 / len(self.X))
        for p in self.params:
            p.grad = 0
        cost.backward()
        for p in self.params:
            p.data -= s.lr * p.grad
        return cost.data

    def weights(self):
        return [np.array([[p.data for p in row] for row in w]) for w in self.P]


COMPETITORS = {"bpnet": BpnetStep, "bpnet_train": BpnetTrain, "plain": PlainEquations, "hand": HandFused, "torch": TorchEager,
               "micrograd": Micrograd}


# --------------------------------------------------------------------------- pure Python (vectorisation)
def _py_act(name, z):
    if name == "tanh":
        return math.tanh(z)
    if name == "sigmoid":
        return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))
    return z


def py_gradients(W, acts, X, y):
    """grad_W of the mean BCE (sigmoid output) or 1/2 SE (identity output), with Python loops only.

    W[l][i][j] as nested lists in bpnet's layout; X, y as lists of rows. Returns nested lists.
    """
    m = len(X)
    L = len(W)
    G = [[[0.0] * len(W[l][0]) for _ in W[l]] for l in range(L)]
    for x, t in zip(X, y):
        a = [list(x)]
        for l in range(L):
            w = W[l]
            src = a[-1]
            nxt = []
            for j in range(len(w[0])):
                z = w[0][j]
                for i in range(len(src)):
                    z += w[i + 1][j] * src[i]
                nxt.append(_py_act(acts[l], z))
            a.append(nxt)
        # output delta: a - y for sigmoid + BCE and for identity + 1/2 SE
        delta = [ak - tk for ak, tk in zip(a[-1], t)]
        for l in range(L - 1, -1, -1):
            src = a[l]
            g = G[l]
            for j, d in enumerate(delta):
                g[0][j] += d / m
                for i in range(len(src)):
                    g[i + 1][j] += src[i] * d / m
            if l:
                w = W[l]
                prev = []
                for i in range(len(src)):
                    s_ = 0.0
                    for j, d in enumerate(delta):
                        s_ += w[i + 1][j] * d
                    if acts[l - 1] == "tanh":
                        s_ *= 1.0 - src[i] * src[i]
                    elif acts[l - 1] == "sigmoid":
                        s_ *= src[i] * (1.0 - src[i])
                    prev.append(s_)
                delta = prev
    return G
