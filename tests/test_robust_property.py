"""Property test of the public API, seeded: valid input never raises; invalid input always raises
ValueError/TypeError with a message, and changes nothing.

Each case draws a random valid call (sizes, activations, a loss that suits the output, inputs,
targets, learning rate, epochs, batch size, optimizer) and makes it. The invalid cases take such a
call and spoil exactly one argument with a value from a catalogue of plausible mistakes; the
call must raise one of ValueError/TypeError whose message is a sentence (not empty, not a bare
numpy message), and the network's weights, the optimizer's state and the inputs must be as before.
"""

from __future__ import annotations

import numpy as np
import pytest

import bpnet
from bpnet.core.optimizers import OPTIMIZERS, get_optimizer

N_VALID = 60
N_INVALID = 200

HIDDEN = ["identity", "sigmoid", "tanh", "relu", "leaky_relu"]
# Output activation -> (losses that suit it, how to draw targets for it).
OUTPUTS = {
    "sigmoid": (["half_squared_error", "binary_cross_entropy"], "unit"),
    "identity": (["half_squared_error", "absolute_error", "huber"], "real"),
    "tanh": (["half_squared_error"], "pm1"),
    "softmax": (["categorical_cross_entropy", "half_squared_error"], "onehot"),
}


def draw_valid(rng: np.random.Generator) -> dict:
    """One random valid training problem and call."""
    out = rng.choice(list(OUTPUTS))
    n_out = int(rng.integers(2, 4)) if out == "softmax" else int(rng.integers(1, 3))
    hidden = [int(rng.integers(1, 5)) for _ in range(rng.integers(0, 3))]
    sizes = [int(rng.integers(1, 4))] + hidden + [n_out]
    acts = [str(rng.choice(HIDDEN)) for _ in hidden] + [str(out)]
    losses, kind = OUTPUTS[out]
    loss = str(rng.choice(losses))
    m = int(rng.integers(1, 7))
    X = rng.normal(size=(m, sizes[0]))
    if kind == "unit":
        y = rng.integers(0, 2, size=(m, n_out)).astype(float)
    elif kind == "real":
        y = rng.normal(size=(m, n_out))
    elif kind == "pm1":
        y = rng.uniform(-0.9, 0.9, size=(m, n_out))
    else:
        y = np.eye(n_out)[rng.integers(0, n_out, size=m)]
    init = "he" if "relu" in acts[0] else "xavier"
    return dict(sizes=sizes, acts=acts, loss=loss, X=X, y=y, init=init, seed=int(rng.integers(0, 1000)),
                lr=float(10 ** rng.uniform(-3, -1)), epochs=int(rng.integers(0, 6)),
                batch_size=None if rng.random() < 0.5 else int(rng.integers(1, m + 1)),
                optimizer=None if rng.random() < 0.4 else str(rng.choice(sorted(OPTIMIZERS))),
                op=str(rng.choice(["forward", "cost", "gradients", "step", "train", "trace_step"])))


def build(c):
    return bpnet.Network.random(c["sizes"], c["acts"], init=c["init"], seed=c["seed"])


def call(c, net=None, opt=None):
    """Make the call ``c`` describes; returns (net, opt) it used."""
    net = build(c) if net is None else net
    op = c["op"]
    if op == "forward":
        net.forward(c["X"])
    elif op == "cost":
        net.cost(c["X"], c["y"], c["loss"])
    elif op == "gradients":
        net.gradients(c["X"], c["y"], c["loss"])
    elif op == "step":
        if opt is not None:
            net.step(c["X"], c["y"], loss=c["loss"], optimizer=opt)
        else:
            net.step(c["X"], c["y"], c["lr"], c["loss"])
    elif op == "train":
        if opt is not None:
            net.train(c["X"], c["y"], c["epochs"], loss=c["loss"], optimizer=opt, batch_size=c["batch_size"])
        else:
            net.train(c["X"], c["y"], c["epochs"], c["lr"], c["loss"], batch_size=c["batch_size"])
    else:
        bpnet.trace_step(net, c["X"], c["y"], c["lr"], c["loss"])
    return net, opt


@pytest.mark.parametrize("case", range(N_VALID))
def test_random_valid_input_never_raises(case):
    rng = np.random.default_rng(1000 + case)
    c = draw_valid(rng)
    opt = get_optimizer(c["optimizer"], lr=c["lr"]) if c["optimizer"] and c["op"] in ("step", "train") else None
    net, _ = call(c, opt=opt)
    assert all(np.isfinite(w).all() for w in net.W)


# ----- one spoiled argument ------------------------------------------------------------------------
def spoilers(c):
    """(what, how to spoil the call) pairs that make ``c`` invalid in exactly one place."""
    n0, nL, m = c["sizes"][0], c["sizes"][-1], c["X"].shape[0]
    X_nan = c["X"].copy()
    X_nan[0, 0] = np.nan
    y_inf = c["y"].copy()
    y_inf[-1, -1] = np.inf
    data = [
        ("X wrong width", dict(X=np.ones((m, n0 + 1)))),
        ("X NaN", dict(X=X_nan)),
        ("X strings", dict(X=[["a"] * n0] * m)),
        ("X ragged", dict(X=[[1.0] * n0, [1.0] * (n0 + 1)])),
        ("X empty", dict(X=np.empty((0, n0)))),
        ("X 3-D", dict(X=np.ones((m, n0, 2)))),
        ("X None", dict(X=None)),
    ]
    targets = [
        ("y wrong rows", dict(y=np.zeros((m + 1, nL)))),
        ("y wrong width", dict(y=np.zeros((m, nL + 1)))),
        ("y inf", dict(y=y_inf)),
        ("y strings", dict(y=[["1"] * nL] * m)),
        ("y None", dict(y=None)),
        ("loss unknown", dict(loss="mean_squared_errr")),
        ("loss number", dict(loss=2)),
    ]
    training = [
        ("lr 0", dict(lr=0)), ("lr negative", dict(lr=-0.1)), ("lr nan", dict(lr=float("nan"))),
        ("lr inf", dict(lr=float("inf"))), ("lr string", dict(lr="0.1")), ("lr list", dict(lr=[0.1])),
    ]
    train_only = [
        ("epochs negative", dict(epochs=-1)), ("epochs fraction", dict(epochs=2.5)),
        ("epochs string", dict(epochs="3")), ("epochs absurd", dict(epochs=10**12)),
        ("batch_size 0", dict(batch_size=0)), ("batch_size fraction", dict(batch_size=1.5)),
        ("batch_size string", dict(batch_size="abc")),
    ]
    out = []
    op = c["op"]
    out += [d for d in data]
    if op != "forward":
        out += [t for t in targets if not (t[0] == "y None" and op == "forward")]
    if op in ("step", "train", "trace_step"):
        out += training
    if op == "train":
        out += train_only
    return out


def weight_spoilers(c):
    """Spoil the network itself after construction."""
    return [
        ("W[0] wrong shape", lambda net: net.W.__setitem__(0, np.ones((net.W[0].shape[0] + 1, net.W[0].shape[1])))),
        ("W[-1] a list", lambda net: net.W.__setitem__(-1, net.W[-1].tolist())),
        ("W[0] NaN", lambda net: net.W[0].__setitem__((0, 0), np.nan)),
    ]


def construction_spoilers(c):
    s, a = c["sizes"], c["acts"]
    return [
        ("sizes fraction", lambda: bpnet.Network.random([s[0] + 0.5] + s[1:], a)),
        ("sizes zero", lambda: bpnet.Network.random([0] + s[1:], a)),
        ("sizes one layer", lambda: bpnet.Network.random(s[:1], a[:1])),
        ("sizes string", lambda: bpnet.Network.random("2-3-1", a)),
        ("sizes absurd", lambda: bpnet.Network.random([10**6, 10**6] + s[1:], "sigmoid")),
        ("activations None", lambda: bpnet.Network.random(s, None)),
        ("activation unknown", lambda: bpnet.Network.random(s, a[:-1] + ["sigmod"])),
        ("activations too few", lambda: bpnet.Network.random(s, a[:-1] or ["sigmoid", "sigmoid"])),
        ("weights None", lambda: bpnet.Network(None, a)),
        ("weights mismatched", lambda: bpnet.Network([np.ones((s[0] + 1, 3)), np.ones((3, s[-1]))], "sigmoid")),
        ("init unknown", lambda: bpnet.Network.random(s, a, init="glorot_normal_typo")),
        ("optimizer None", lambda: get_optimizer(None)),
        ("optimizer unknown", lambda: get_optimizer("nesterov")),
    ]


RAW = ("gufunc", "operands could not be broadcast", "object is not iterable", "invalid literal",
       "has no attribute", "unsupported operand", "object is not subscriptable", "Unable to allocate")


def expect_clear_error(fn, what: str) -> Exception:
    """``fn()`` must raise ValueError/TypeError with a sentence that is not a raw numpy/Python message."""
    try:
        fn()
    except (ValueError, TypeError) as exc:
        msg = str(exc)
        assert len(msg) >= 15 and " " in msg, f"{what}: message {msg!r} does not explain"
        for raw in RAW:
            assert raw not in msg, f"{what}: raw message {msg!r}"
        return exc
    except Exception as exc:  # noqa: BLE001 - the point is to report any other kind
        pytest.fail(f"{what}: raised {type(exc).__name__}: {exc}")
    pytest.fail(f"{what}: did not raise")


@pytest.mark.parametrize("case", range(N_INVALID))
def test_random_invalid_input_always_raises_a_clear_error_and_changes_nothing(case):
    rng = np.random.default_rng(5000 + case)
    c = draw_valid(rng)
    kind = rng.choice(["argument", "weights", "construction"], p=[0.7, 0.15, 0.15])
    if kind == "construction":
        what, make = construction_spoilers(c)[rng.integers(len(construction_spoilers(c)))]
        expect_clear_error(make, what)
        return
    net = build(c)
    opt = None
    if c["optimizer"] and c["op"] in ("step", "train"):
        opt = get_optimizer(c["optimizer"], lr=c["lr"])
        net.train(c["X"], c["y"], 1, loss=c["loss"], optimizer=opt)  # give it some state to protect
    if kind == "weights":
        what, spoil = weight_spoilers(c)[rng.integers(3)]
        spoil(net)
        bad = c
    else:
        what, change = spoilers(c)[rng.integers(len(spoilers(c)))]
        bad = dict(c, **change)
        if opt is not None and "lr" in change:
            opt = None  # the lr is only used without an optimizer
    weights = [np.array(w, copy=True) for w in net.W]
    state = None if opt is None else {k: [a.copy() for a in getattr(opt, k)] for k in opt.STATE}
    t = None if opt is None else opt.t
    X_before = np.array(c["X"], copy=True)
    expect_clear_error(lambda: call(bad, net=net, opt=opt), f"{what} in {c['op']}")
    for w, w0 in zip(net.W, weights):
        np.testing.assert_array_equal(np.asarray(w, dtype=float), w0, err_msg=f"{what} changed a weight")
    np.testing.assert_array_equal(c["X"], X_before)
    if opt is not None:
        assert opt.t == t, f"{what} moved the optimizer"
        for k, arrays in state.items():
            for a, b in zip(getattr(opt, k), arrays):
                np.testing.assert_array_equal(a, b)


def test_the_invalid_catalogue_covers_every_operation_and_kind():
    """The seeds above really exercise every operation with spoiled arguments (not only one)."""
    ops, kinds = set(), set()
    for case in range(N_INVALID):
        rng = np.random.default_rng(5000 + case)
        c = draw_valid(rng)
        kinds.add(str(rng.choice(["argument", "weights", "construction"], p=[0.7, 0.15, 0.15])))
        ops.add(c["op"])
    assert ops == {"forward", "cost", "gradients", "step", "train", "trace_step"}
    assert kinds == {"argument", "weights", "construction"}
