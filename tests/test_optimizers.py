"""bpnet.core.optimizers: every update rule against an independent scalar re-implementation.

The reference rules below loop over single Python floats with ``math`` and share no
code with bpnet, so an error in the vectorised in-place arithmetic (a wrong beta, a
missing bias correction, a state shared between layers) shows up as a mismatch.
Random weights and gradients of two differently shaped layers are used throughout:
uniform values would hide index mistakes.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import bpnet
from bpnet.core.errors import DivergenceError
from bpnet.core.optimizers import (
    SGD,
    AdaGrad,
    Adam,
    Momentum,
    RMSprop,
    exponential_decay,
    get_optimizer,
    step_decay,
)

SHAPES = [(3, 4), (5, 1)]  # a 2-4-1 network's W[0] and W[1]
STEPS = 6


# ----- independent scalar reference rules ------------------------------------------------
def ref_sgd(w, gs, lr):
    for g in gs:
        w = w - lr * g
    return w


def ref_momentum(w, gs, lr, beta):
    v = 0.0
    for g in gs:
        v = beta * v + (1 - beta) * g
        w = w - lr * v
    return w


def ref_rmsprop(w, gs, lr, beta, eps):
    s = 0.0
    for g in gs:
        s = beta * s + (1 - beta) * g * g
        w = w - lr * g / (math.sqrt(s) + eps)
    return w


def ref_momentum_sum(w, gs, lr, beta):
    """The form many libraries use: v := beta*v + g (a sum, not an average)."""
    v = 0.0
    for g in gs:
        v = beta * v + g
        w = w - lr * v
    return w


def ref_adagrad(w, gs, lr, eps):
    s = 0.0
    for g in gs:
        s = s + g * g
        w = w - lr * g / (math.sqrt(s) + eps)
    return w


def ref_adam(w, gs, lr, b1, b2, eps):
    v = s = 0.0
    for t, g in enumerate(gs, start=1):
        v = b1 * v + (1 - b1) * g
        s = b2 * s + (1 - b2) * g * g
        v_hat = v / (1 - b1 ** t)
        s_hat = s / (1 - b2 ** t)
        w = w - lr * v_hat / (math.sqrt(s_hat) + eps)
    return w


def run_vectorised(opt, W0, grad_seq):
    """Apply ``opt`` for each list of gradients in ``grad_seq``; returns the weights after each step."""
    W = [w.copy() for w in W0]
    ids = [id(w) for w in W]
    history = []
    for grads in grad_seq:
        opt.update(W, grads)
        assert [id(w) for w in W] == ids, "update must change the weight arrays in place"
        history.append([w.copy() for w in W])
    return history


def run_scalar(ref, W0, grad_seq, **hyper):
    """The same with the scalar rule, weight by weight, after each number of steps."""
    history = []
    for t in range(1, len(grad_seq) + 1):
        after = []
        for l, w in enumerate(W0):
            out = np.empty_like(w)
            for idx in np.ndindex(w.shape):
                out[idx] = ref(float(w[idx]), [float(grad_seq[k][l][idx]) for k in range(t)], **hyper)
            after.append(out)
        history.append(after)
    return history


@pytest.fixture
def problem():
    rng = np.random.default_rng(20240611)
    W0 = [rng.normal(size=s) for s in SHAPES]
    # Gradients of mixed sign and scale, different at every step.
    grad_seq = [[rng.normal(scale=10.0 ** rng.integers(-2, 2), size=s) for s in SHAPES] for _ in range(STEPS)]
    return W0, grad_seq


CASES = [
    ("sgd", lambda: SGD(lr=0.3), ref_sgd, dict(lr=0.3)),
    ("momentum", lambda: Momentum(lr=0.2, beta=0.8), ref_momentum, dict(lr=0.2, beta=0.8)),
    ("rmsprop", lambda: RMSprop(lr=0.05, beta=0.7, eps=1e-6), ref_rmsprop, dict(lr=0.05, beta=0.7, eps=1e-6)),
    ("adam", lambda: Adam(lr=0.02, beta1=0.85, beta2=0.95, eps=1e-7), ref_adam,
     dict(lr=0.02, b1=0.85, b2=0.95, eps=1e-7)),
    ("adagrad", lambda: AdaGrad(lr=0.07, eps=1e-6), ref_adagrad, dict(lr=0.07, eps=1e-6)),
    ("momentum-sum", lambda: Momentum(lr=0.04, beta=0.8, average=False), ref_momentum_sum,
     dict(lr=0.04, beta=0.8)),
]


@pytest.mark.parametrize("name,make,ref,hyper", CASES, ids=[c[0] for c in CASES])
def test_update_matches_scalar_reference_step_by_step(problem, name, make, ref, hyper):
    W0, grad_seq = problem
    got = run_vectorised(make(), W0, grad_seq)
    want = run_scalar(ref, W0, grad_seq, **hyper)
    for t, (g_step, w_step) in enumerate(zip(got, want), start=1):
        for l, (g, w) in enumerate(zip(g_step, w_step)):
            np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12, err_msg=f"{name}: step {t}, layer {l}")
    # The weights really moved (the comparison above is not between two unchanged copies).
    assert not np.allclose(got[-1][0], W0[0])


@pytest.mark.parametrize("name", ["sgd", "momentum", "rmsprop", "adam", "adagrad"])
def test_default_hyperparameters_match_reference(problem, name):
    W0, grad_seq = problem
    opt = get_optimizer(name)
    hyper = {"sgd": dict(lr=opt.lr),
             "momentum": dict(lr=opt.lr, beta=0.9),
             "rmsprop": dict(lr=opt.lr, beta=0.9, eps=1e-8),
             "adam": dict(lr=opt.lr, b1=0.9, b2=0.999, eps=1e-8),
             "adagrad": dict(lr=opt.lr, eps=1e-8)}[name]
    ref = {"sgd": ref_sgd, "momentum": ref_momentum, "rmsprop": ref_rmsprop, "adam": ref_adam,
           "adagrad": ref_adagrad}[name]
    got = run_vectorised(opt, W0, grad_seq[:3])[-1]
    want = run_scalar(ref, W0, grad_seq[:3], **hyper)[-1]
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12)


def test_adam_bias_correction_at_t1():
    """At t = 1, v_hat = g and s_hat = g^2: the step is lr * g / (|g| + eps), about lr * sign(g)."""
    g = np.array([[3.0, -0.002], [250.0, -7.5]])
    w0 = np.array([[1.0, 2.0], [-1.0, 0.5]])
    opt = Adam(lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8)
    W = [w0.copy()]
    opt.update(W, [g])
    assert opt.t == 1
    np.testing.assert_allclose(W[0], w0 - 0.01 * g / (np.abs(g) + 1e-8), rtol=0, atol=1e-15)
    # Without the correction the first step would be (1-b1)/sqrt(1-b2) ~ 3.16 times larger: check it is not.
    step = np.abs(W[0] - w0)
    assert np.all(step < 0.0101) and np.all(step > 0.0099)


def test_momentum_with_constant_gradient_is_a_warming_average():
    """With a constant gradient g, v after t steps is (1 - beta^t) * g."""
    g = np.array([[2.0, -1.0]])
    opt = Momentum(lr=1.0, beta=0.5)
    W = [np.zeros((1, 2))]
    total = np.zeros((1, 2))
    for t in range(1, 5):
        opt.update(W, [g])
        np.testing.assert_allclose(opt.v[0], (1 - 0.5 ** t) * g)
        total += (1 - 0.5 ** t) * g
        np.testing.assert_allclose(W[0], -total)


def test_state_is_per_layer_and_per_instance(problem):
    W0, grad_seq = problem
    a, b = Adam(), Adam()
    Wa = [w.copy() for w in W0]
    a.update(Wa, grad_seq[0])
    assert b.v is None and b.t == 0
    assert a.v[0].shape == SHAPES[0] and a.v[1].shape == SHAPES[1]
    assert a.v[0] is not a.v[1]


def xor_problem():
    X, y = bpnet.XOR_X, bpnet.XOR_Y
    return bpnet.Network.random([2, 3, 1], ["tanh", "sigmoid"], init="xavier", seed=3), X, y


@pytest.mark.parametrize("make", [
    lambda: SGD(lr=0.5), lambda: Momentum(lr=0.5, beta=0.9), lambda: RMSprop(lr=0.02), lambda: Adam(lr=0.02),
    lambda: AdaGrad(lr=0.1),
], ids=["sgd", "momentum", "rmsprop", "adam", "adagrad"])
def test_each_optimizer_reduces_the_loss(make):
    net, X, y = xor_problem()
    start = net.cost(X, y, "binary_cross_entropy")
    history = net.train(X, y, epochs=200, loss="binary_cross_entropy", optimizer=make())
    end = net.cost(X, y, "binary_cross_entropy")
    assert history[0] == pytest.approx(start)
    assert end < 0.8 * start, f"cost went {start:.4f} -> {end:.4f}"


def test_network_step_uses_the_optimizer():
    """net.step(optimizer=...) applies exactly the optimizer's rule to the network's gradients."""
    net, X, y = xor_problem()
    grads = net.gradients(X, y)
    expected = [w.copy() for w in net.W]
    Adam(lr=0.05).update(expected, grads)
    net.step(X, y, optimizer=Adam(lr=0.05))
    for w, e in zip(net.W, expected):
        np.testing.assert_allclose(w, e, rtol=0, atol=1e-15)


def test_sgd_optimizer_equals_plain_gradient_descent():
    a, X, y = xor_problem()
    b = a.copy()
    a.train(X, y, epochs=20, lr=0.3)
    b.train(X, y, epochs=20, optimizer=SGD(lr=0.3))
    for wa, wb in zip(a.W, b.W):
        np.testing.assert_array_equal(wa, wb)


# ----- learning-rate schedules -------------------------------------------------------------
@pytest.mark.parametrize("epoch", [0, 1, 9, 10, 11, 25, 100])
def test_step_decay(epoch):
    assert step_decay(0.4, epoch, drop=0.5, every=10) == pytest.approx(0.4 * 0.5 ** math.floor(epoch / 10))


@pytest.mark.parametrize("epoch", [0, 1, 7, 50])
def test_exponential_decay(epoch):
    assert exponential_decay(0.4, epoch, k=0.05) == pytest.approx(0.4 * math.exp(-0.05 * epoch))


def test_decay_is_monotone_and_starts_at_lr0():
    lrs = [step_decay(1.0, e, drop=0.3, every=3) for e in range(12)]
    assert lrs[0] == 1.0 and all(x >= y for x, y in zip(lrs, lrs[1:])) and lrs[-1] < lrs[0]
    lrs = [exponential_decay(1.0, e, k=0.2) for e in range(12)]
    assert lrs[0] == 1.0 and all(x > y for x, y in zip(lrs, lrs[1:]))


# ----- bad hyperparameters: one clear error naming the problem -----------------------------
@pytest.mark.parametrize("cls", [SGD, Momentum, RMSprop, Adam, AdaGrad])
@pytest.mark.parametrize("lr,exc", [(0, ValueError), (-0.1, ValueError), (float("nan"), ValueError),
                                    (float("inf"), ValueError), ("0.1", TypeError), (None, TypeError)])
def test_bad_learning_rate(cls, lr, exc):
    with pytest.raises(exc, match="learning rate"):
        cls(lr=lr)


@pytest.mark.parametrize("kwargs,match", [
    (dict(cls=Momentum, beta=1.0), "beta"), (dict(cls=Momentum, beta=-0.1), "beta"),
    (dict(cls=Momentum, beta=float("nan")), "beta"), (dict(cls=RMSprop, beta=1.5), "beta"),
    (dict(cls=Adam, beta1=1.0), "beta1"), (dict(cls=Adam, beta2=-1e-3), "beta2"),
    (dict(cls=RMSprop, eps=0.0), "eps"), (dict(cls=RMSprop, eps=-1e-8), "eps"),
    (dict(cls=Adam, eps=float("nan")), "eps"),
])
def test_bad_beta_or_eps(kwargs, match):
    kwargs = dict(kwargs)
    cls = kwargs.pop("cls")
    with pytest.raises(ValueError, match=match):
        cls(**kwargs)


@pytest.mark.parametrize("kwargs", [dict(cls=Momentum, beta="fast"), dict(cls=Adam, beta1=None),
                                    dict(cls=RMSprop, eps="small")])
def test_non_numeric_hyperparameter(kwargs):
    kwargs = dict(kwargs)
    cls = kwargs.pop("cls")
    name = next(iter(kwargs))
    with pytest.raises(TypeError, match=name):
        cls(**kwargs)


def test_unknown_optimizer_name():
    with pytest.raises(ValueError, match="unknown optimizer 'nesterov'"):
        get_optimizer("nesterov")


@pytest.mark.parametrize("call,match", [
    (lambda: step_decay(0.1, 5, every=0), "every"),
    (lambda: step_decay(0.1, 5, drop=0.0), "drop"),
    (lambda: step_decay(0.1, 5, drop=1.5), "drop"),
    (lambda: step_decay(-0.1, 5), "learning rate"),
    (lambda: step_decay(0.1, -1), "epoch"),
    (lambda: exponential_decay(0.1, 5, k=-0.1), "k"),
    (lambda: exponential_decay(0.1, -2), "epoch"),
    (lambda: exponential_decay(0, 2), "learning rate"),
])
def test_bad_schedule_arguments(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


# ----- AdaGrad: s never forgets, so a constant gradient gets steps lr/sqrt(t) -------------
def test_adagrad_steps_shrink_as_one_over_sqrt_t():
    g = np.array([[4.0, -0.5, 1e-3]])
    opt = AdaGrad(lr=0.1, eps=1e-8)
    W = [np.zeros((1, 3))]
    before = W[0].copy()
    for t in range(1, 10):
        opt.update(W, [g])
        step = W[0] - before
        # s = t g^2, so the step is lr g / (sqrt(t) |g| + eps): about -lr sign(g) / sqrt(t)
        np.testing.assert_allclose(step, -0.1 * g / (math.sqrt(t) * np.abs(g) + 1e-8), rtol=1e-12)
        np.testing.assert_allclose(opt.s[0], t * g * g, rtol=1e-12)
        before = W[0].copy()


def test_adagrad_is_listed_and_exported():
    assert isinstance(get_optimizer("adagrad"), AdaGrad)
    assert isinstance(get_optimizer("AdaGrad", lr=0.3), AdaGrad)
    assert "AdaGrad" in bpnet.core.optimizers.__all__


# ----- momentum: the average form and the sum form take the same path ---------------------
def test_momentum_average_form_equals_sum_form_with_scaled_lr_scalar_reference():
    """v := b v + (1-b) g with lr  vs  u := b u + g with lr (1-b): u = v / (1-b) at every step."""
    rng = np.random.default_rng(5)
    gs = list(rng.normal(size=40))
    lr, beta = 0.3, 0.85
    for t in range(1, 41):
        a = ref_momentum(1.5, gs[:t], lr, beta)
        b = ref_momentum_sum(1.5, gs[:t], lr * (1 - beta), beta)
        assert a == pytest.approx(b, rel=1e-12, abs=1e-12), f"step {t}"
    # ... and the sum form with the *same* lr is a different path (1/(1-b) times larger steps).
    assert abs(ref_momentum_sum(1.5, gs, lr, beta) - ref_momentum(1.5, gs, lr, beta)) > 0.1


@pytest.mark.parametrize("beta", [0.5, 0.9, 0.99])
def test_momentum_average_form_equals_sum_form_on_a_network(beta):
    """On a real network, where each gradient depends on the weights so far, the paths still agree."""
    a, X, y = xor_problem()
    b = a.copy()
    lr = 0.5
    ha = a.train(X, y, epochs=150, loss="binary_cross_entropy", optimizer=Momentum(lr, beta))
    hb = b.train(X, y, epochs=150, loss="binary_cross_entropy",
                 optimizer=Momentum(lr * (1 - beta), beta, average=False))
    np.testing.assert_allclose(ha, hb, rtol=1e-10, atol=1e-12)
    for wa, wb in zip(a.W, b.W):
        np.testing.assert_allclose(wa, wb, rtol=1e-10, atol=1e-12)
    assert ha[-1] < ha[0]  # it trained: the comparison is not between two unmoved networks


def test_momentum_average_flag_is_checked():
    with pytest.raises(TypeError, match="average"):
        Momentum(0.1, 0.9, average="no")
    assert "average=False" in repr(Momentum(0.1, 0.9, average=False))


# ----- state bound to one network: refuse another, before any change ----------------------
def _net(sizes, seed=0):
    return bpnet.Network.random(sizes, ["tanh"] * (len(sizes) - 2) + ["sigmoid"], seed=seed)


def _snapshot(net):
    return [w.copy() for w in net.W]


def _unchanged(net, snap):
    return all(np.array_equal(w, s) for w, s in zip(net.W, snap))


@pytest.mark.parametrize("make", [lambda: Adam(0.01), lambda: Momentum(0.1), lambda: RMSprop(0.01),
                                  lambda: AdaGrad(0.1)],
                         ids=["adam", "momentum", "rmsprop", "adagrad"])
@pytest.mark.parametrize("other_sizes", [[2, 4, 1], [2, 3, 3, 1], [2, 3, 1]],
                         ids=["wider", "deeper", "same-shape"])
def test_optimizer_refuses_a_second_network(make, other_sizes):
    X, y = bpnet.XOR_X, bpnet.XOR_Y
    first, other = _net([2, 3, 1]), _net(other_sizes, seed=1)
    opt = make()
    first.train(X, y, epochs=3, optimizer=opt)
    state = {k: [a.copy() for a in getattr(opt, k)] for k in opt.STATE}
    t, snap = opt.t, _snapshot(other)
    with pytest.raises(ValueError, match=r"another network|other weight arrays") as info:
        other.step(X, y, optimizer=opt)
    assert "reset()" in str(info.value)
    assert _unchanged(other, snap), "a refused update changed the other network"
    assert opt.t == t and all(np.array_equal(a, b) for k in opt.STATE for a, b in zip(getattr(opt, k), state[k]))
    # The network it belongs to can still use it.
    first.step(X, y, optimizer=opt)
    assert opt.t == t + 1


def test_sgd_has_no_state_so_any_network_may_use_it():
    X, y = bpnet.XOR_X, bpnet.XOR_Y
    opt = SGD(0.3)
    a, b = _net([2, 3, 1]), _net([2, 3, 3, 1], seed=1)
    a_ref, b_ref = a.copy(), b.copy()
    a.step(X, y, optimizer=opt)
    b.step(X, y, optimizer=opt)
    a_ref.step(X, y, lr=0.3)
    b_ref.step(X, y, lr=0.3)
    for net, ref in ((a, a_ref), (b, b_ref)):
        for w, r in zip(net.W, ref.W):
            np.testing.assert_array_equal(w, r)


def test_deeper_network_momentum_is_refused_not_silently_partial():
    """Before: zip() over 2 velocity arrays and 3 weight arrays left the last layer never updated."""
    X, y = bpnet.XOR_X, bpnet.XOR_Y
    opt = Momentum(0.1)
    _net([2, 3, 1]).step(X, y, optimizer=opt)
    deep = _net([2, 3, 3, 1], seed=4)
    snap = _snapshot(deep)
    with pytest.raises(ValueError, match=r"shapes \[\(3, 3\), \(4, 1\)\], not \[\(3, 3\), \(4, 3\), \(4, 1\)\]"):
        deep.train(X, y, epochs=2, optimizer=opt)
    assert _unchanged(deep, snap)


def test_reset_makes_an_optimizer_reusable_and_fresh():
    X, y = bpnet.XOR_X, bpnet.XOR_Y
    a, b = _net([2, 3, 1]), _net([2, 5, 1], seed=2)
    b_fresh = b.copy()
    opt = Adam(0.05)
    a.train(X, y, epochs=5, optimizer=opt)
    assert opt.reset() is opt and opt.t == 0 and opt.v is None and opt.s is None
    b.train(X, y, epochs=5, optimizer=opt)
    b_fresh.train(X, y, epochs=5, optimizer=Adam(0.05))
    for w, wf in zip(b.W, b_fresh.W):
        np.testing.assert_array_equal(w, wf)  # reset = a brand-new Adam: the same numbers exactly


def test_deepcopy_keeps_state_and_goes_with_a_copy_of_the_network():
    """copy.deepcopy(opt) + net.copy() continue exactly as the originals would."""
    import copy

    X, y = bpnet.XOR_X, bpnet.XOR_Y
    net, opt = _net([2, 3, 1]), Adam(0.05)
    net.train(X, y, epochs=4, optimizer=opt)
    net2, opt2 = net.copy(), copy.deepcopy(opt)
    net.train(X, y, epochs=4, optimizer=opt)
    net2.train(X, y, epochs=4, optimizer=opt2)
    for w, w2 in zip(net.W, net2.W):
        np.testing.assert_array_equal(w, w2)
    # Each is now bound to its own network.
    with pytest.raises(ValueError, match="another network|other weight arrays"):
        net2.step(X, y, optimizer=opt)


def test_plain_arrays_are_bound_too():
    opt = Momentum(0.1)
    W = [np.ones((3, 2)), np.ones((3, 1))]
    opt.update(W, [np.ones((3, 2)), np.ones((3, 1))])
    W2 = [w.copy() for w in W]
    with pytest.raises(ValueError, match="other weight arrays"):
        opt.update(W2, [np.ones((3, 2)), np.ones((3, 1))])
    np.testing.assert_array_equal(W2[0], W[0])


@pytest.mark.parametrize("W,grads,exc,match", [
    ([np.ones((3, 2))], [np.ones((3, 2)), np.ones((3, 1))], ValueError, "2 gradient arrays for 1 weight"),
    ([np.ones((3, 2)), np.ones((3, 1))], [np.ones((3, 2)), np.ones((2, 1))], ValueError,
     r"grads\[1\] has shape \(2, 1\) but W\[1\] has shape \(3, 1\)"),
    ([[[1.0, 2.0]]], [np.ones((1, 2))], TypeError, r"W\[0\] must be a float64 numpy array"),
    ([np.ones((2, 2), dtype=int)], [np.ones((2, 2))], TypeError, "dtype int"),
    (np.ones((2, 2)), [np.ones((2, 2))], TypeError, "two lists"),
])
def test_update_arguments_are_checked_before_any_change(W, grads, exc, match):
    opt = Adam(0.1)
    before = [np.array(w, copy=True) for w in W]
    with pytest.raises(exc, match=match):
        opt.update(W, grads)
    assert opt.t == 0 and opt.v is None
    for w, b in zip(W, before):
        np.testing.assert_array_equal(np.asarray(w), b)


# ----- all or nothing: a non-finite result changes nothing -----------------------------------
def test_update_that_would_overflow_changes_nothing():
    W = [np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.0], [-1.0], [0.5]])]
    grads = [np.array([[1.0, 1e300], [0.0, 0.0]]), np.array([[0.0], [0.0], [0.0]])]
    opt = Momentum(lr=1e10, beta=0.5, average=False)
    snap = [w.copy() for w in W]
    with pytest.raises(DivergenceError, match=r"W\[0\]\[0, 1\] -inf; no weight was changed") as info:
        opt.update(W, grads)
    assert isinstance(info.value, ValueError)
    assert info.value.quantity == "weight" and info.value.layer == 0 and info.value.index == (0, 1)
    assert all(np.array_equal(w, s) for w, s in zip(W, snap))
    assert opt.v is None and opt.t == 0


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_gradient_is_refused(bad):
    W = [np.zeros((2, 2))]
    g = np.zeros((2, 2))
    g[1, 0] = bad
    opt = Adam(0.1)
    with pytest.raises(DivergenceError, match=r"gradient of W\[0\]\[1, 0\] is (nan|inf)"):
        opt.update(W, [g])
    assert not W[0].any() and opt.t == 0


# ----- get_optimizer: names, objects, and what to pass otherwise ------------------------------
@pytest.mark.parametrize("name,cls", [("sgd", SGD), ("Momentum", Momentum), ("RMSPROP", RMSprop),
                                      (" adam ", Adam), ("adagrad", AdaGrad)])
def test_get_optimizer_by_name(name, cls):
    opt = get_optimizer(name, lr=0.03)
    assert type(opt) is cls and opt.lr == 0.03 and opt.t == 0


def test_get_optimizer_passes_an_object_through():
    opt = Adam(0.1)
    assert get_optimizer(opt) is opt
    with pytest.raises(TypeError, match="give the settings when creating it"):
        get_optimizer(opt, lr=0.2)


@pytest.mark.parametrize("bad", [None, 3, Adam, ["adam"]])
def test_get_optimizer_says_what_to_pass(bad):
    with pytest.raises(TypeError, match=r"optimizer must be a name, one of \['adagrad', 'adam', 'momentum', "
                                        r"'rmsprop', 'sgd'\], or an optimizer object"):
        get_optimizer(bad)


def test_binding_follows_a_weight_array_replaced_on_the_same_network():
    """net.W[l] = new array of the same shape: still this network, so its optimizer goes on (with it)."""
    X, y = bpnet.XOR_X, bpnet.XOR_Y
    net, opt = _net([2, 3, 1]), Adam(0.05)
    net.train(X, y, epochs=3, optimizer=opt)
    net.W[1] = np.full((4, 1), 0.5)
    replaced = net.W[1]
    net.step(X, y, optimizer=opt)
    assert net.W[1] is replaced and not np.array_equal(replaced, np.full((4, 1), 0.5)) and opt.t == 4
