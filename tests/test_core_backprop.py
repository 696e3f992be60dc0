"""The one backprop routine: whole passes, per-layer steps a subclass can change, frozen weights."""

import copy

import numpy as np
import pytest

import bpnet
from bpnet import Backprop, Network, trace_step, xor_example
from bpnet.core.checks import check_real, check_rule, check_whole
from bpnet.core.notation import fmt, latex_number, paren, vector


def batch(sizes, loss, m=6, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, sizes[0]))
    if loss == "cce":
        y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], m)]
    else:
        y = rng.uniform(size=(m, sizes[-1]))
    return X, y


CASES = [
    ([2, 3, 1], "identity", "half_squared_error", "article"),
    ([2, 3, 1], "identity", "half_squared_error", "gradient"),
    ([2, 8, 1], ["tanh", "sigmoid"], "bce", "gradient"),
    ([4, 5, 3, 3], ["relu", "tanh", "softmax"], "cce", "gradient"),
    ([3, 4, 2], ["sigmoid", "leaky_relu"], "huber", "gradient"),
]


@pytest.mark.parametrize("sizes,acts,loss,rule", CASES)
def test_train_is_step_repeated_exactly(sizes, acts, loss, rule):
    """net.train's full-batch loop and net.step are the same routine: identical to the last bit."""
    X, y = batch(sizes, loss, seed=len(sizes))
    a = Network.random(sizes, acts, seed=3)
    b = a.copy()
    history = a.train(X, y, 12, lr=0.02, loss=loss, rule=rule)  # the article's rule diverges: keep it short
    costs = [b.step(X, y, 0.02, loss, rule) for _ in range(12)]
    assert np.isfinite(history).all()
    np.testing.assert_array_equal(history, costs)
    for wa, wb in zip(a.W, b.W):
        np.testing.assert_array_equal(wa, wb)


def _same(a, b):
    """Equal to the last bit (also -0.0 against 0.0)."""
    return np.asarray(a).tobytes() == np.asarray(b).tobytes()


@pytest.mark.parametrize("frozen", [None, "biases", "some"])
@pytest.mark.parametrize("sizes,acts,loss,rule", CASES)
def test_an_update_is_w_minus_lr_times_the_gradient_with_frozen_weights_kept(sizes, acts, loss, rule, frozen):
    """W[l] := W[l] - lr * grad_W[l], computed here from net.gradients, equals net.step's update to the
    last bit; a frozen weight keeps its value exactly."""
    X, y = batch(sizes, loss, seed=7)
    net = Network.random(sizes, acts, seed=2)
    if frozen == "some":  # one weight of the first layer and one of the last
        frozen = [net.weight_name(0, 1, 0), net.weight_name(net.n_layers - 1, 1, 0)]
    net.frozen = frozen
    start = net.copy()
    for _ in range(3):
        before = [w.copy() for w in net.W]
        grads = net.gradients(X, y, loss, rule)
        net.step(X, y, 0.05, loss, rule)
        for l, (w, w0, g) in enumerate(zip(net.W, before, grads)):
            expected = w0 - 0.05 * g
            for i, j in np.ndindex(w.shape):
                if net.weight_name(l, i, j) in net.frozen:
                    expected[i, j] = w0[i, j]
            assert _same(w, expected)
    changed = {name for name in net.weight_names() if net[name] != start[name]}
    assert changed and not changed & net.frozen


class DoubledGradient(Backprop):
    """A subclass that changes one per-layer step: every gradient twice what it should be."""

    def gradient(self, l, a_src, delta):
        return 2.0 * super().gradient(l, a_src, delta)


def test_a_changed_per_layer_step_changes_everything_downstream():
    """An overridden ``gradient`` is what ``gradients`` and ``step`` use: twice the gradient at lr
    is the right gradient at 2 * lr."""
    X, y = batch([2, 8, 1], "bce", seed=3)
    a = Network.random([2, 8, 1], ["tanh", "sigmoid"], seed=5)
    b = a.copy()
    for g, h in zip(DoubledGradient(a, "bce").gradients(a.forward(X), a.backward(a.forward(X), y, "bce")),
                    a.gradients(X, y, "bce")):
        assert _same(g, 2.0 * h)
    DoubledGradient(a, "bce").step(X, y, 0.25)
    Backprop(b, "bce").step(X, y, 0.5)
    assert all(_same(p, q) for p, q in zip(a.W, b.W))


def test_a_weight_array_replaced_by_hand_is_used_and_updated_in_place():
    """A learner's own array put into net.W is the one trained (updated in place); a deep copy of a
    network trains to the same numbers."""
    X, y = batch([2, 8, 1], "bce", seed=3)
    net = Network.random([2, 8, 1], ["tanh", "sigmoid"], seed=5)
    hand = net.copy()
    hand.W[1] = hand.W[1].copy()
    held = hand.W[1]
    copied = copy.deepcopy(net)
    h1 = net.train(X, y, 25, 0.5, "bce")
    h2 = hand.train(X, y, 25, 0.5, "bce")
    h3 = copied.train(X, y, 25, 0.5, "bce")
    assert _same(h1, h2) and _same(h1, h3)
    assert hand.W[1] is held  # updated in place, the learner's array is still the network's
    for w in (hand.W, copied.W):
        assert all(_same(p, q) for p, q in zip(net.W, w))


@pytest.mark.parametrize("opt", [None, "sgd", "momentum", "adam"])
@pytest.mark.parametrize("batch_size", [None, 2, 4])
def test_train_is_step_repeated_with_optimizers_batches_and_frozen_weights(opt, batch_size):
    """train = the same updates made one net.step at a time, to the last bit: plain or with an
    optimizer, full batch or mini-batches (the same batches), with frozen weights."""
    from bpnet.core.network import batches as make_batches
    X, y = batch([3, 5, 4, 2], "cce", m=7, seed=11)
    acts = ["tanh", "relu", "softmax"]
    a = Network.random([3, 5, 4, 2], acts, seed=4, frozen=["X0->H1_2", "H2_1->D0"])
    b = a.copy()
    oa, ob = (None, None) if opt is None else (bpnet.get_optimizer(opt, lr=0.05), bpnet.get_optimizer(opt, lr=0.05))
    lr = 0.05 if opt is None else None
    history = a.train(X, y, 6, lr, "cce", oa, batch_size, seed=3)
    costs = []
    for e in range(6):
        costs.append(b.cost(X, y, "cce"))
        for idx in make_batches(7, batch_size, 3, e):
            b.step(X[idx], y[idx], lr, "cce", optimizer=ob)
    assert _same(history, costs)
    for wa, wb in zip(a.W, b.W):
        assert _same(wa, wb)
    assert a["X0->H1_2"] == b["X0->H1_2"] == Network.random([3, 5, 4, 2], acts, seed=4)["X0->H1_2"]


DIVERGING = [  # (network, targets scaled by, lr, loss): what first stops training, at which epoch
    ("xor", 1e50, 0.1, "half_squared_error"),  # the cost overflows (epoch 2)
    ("xor", 1.0, 1e308, "half_squared_error"),  # a new weight would be -inf (epoch 0)
    ("tanh", 1.0, 1e308, "bce"),  # a pre-activation is inf (epoch 2)
]


def _diverge(which, scale, lr, loss, replaced_by_hand):
    """All or nothing: the update that makes a NaN/inf is not applied; the error names the epoch, the
    number and the costs so far, exactly as the same updates made one net.step at a time do, whether
    the network's weight arrays are its own or one was replaced by hand."""
    ex = xor_example()
    X, y = ex.X, ex.y * scale
    net = ex.net if which == "xor" else Network.random([2, 8, 1], ["tanh", "sigmoid"], seed=1)
    net = net.copy()
    if replaced_by_hand:
        net.W[0] = net.W[0].copy()
    ref = net.copy()
    with pytest.raises(bpnet.DivergenceError) as info:
        net.train(X, y, 50, lr, loss)
    err = info.value
    with np.errstate(over="ignore", invalid="ignore"):
        for e in range(err.epoch):
            assert _same(ref.step(X, y, lr, loss), err.history[e])
        with pytest.raises(bpnet.DivergenceError) as again:
            ref.step(X, y, lr, loss)
    assert (again.value.quantity, again.value.where, again.value.value) == (err.quantity, err.where, err.value)
    assert again.value.detail in str(err)
    for w, r in zip(net.W, ref.W):
        assert _same(w, r) and np.isfinite(w).all()
    return err


@pytest.mark.parametrize("which,scale,lr,loss", DIVERGING)
def test_divergence_in_train_names_it_and_keeps_the_weights_before_the_failing_update(which, scale, lr, loss):
    own = _diverge(which, scale, lr, loss, False)
    assert str(_diverge(which, scale, lr, loss, True)) == str(own)


def test_each_kind_of_divergence_is_met():
    """The cases above stop at a cost, a new weight and a pre-activation, not all at the first epoch."""
    found = {(err := _diverge(*case, False)).quantity: err.epoch for case in DIVERGING}
    assert found == {"cost": 2, "weight": 0, "pre-activation": 2}


@pytest.mark.parametrize("sizes,acts,loss,rule", CASES)
def test_whole_passes_equal_the_network_methods(sizes, acts, loss, rule):
    X, y = batch(sizes, loss)
    net = Network.random(sizes, acts, seed=1)
    bp = Backprop(net, loss, rule)
    fwd = bp.forward(X)
    for a, b in zip(fwd.a, net.forward(X).a):
        np.testing.assert_array_equal(a, b)
    deltas = bp.deltas(fwd, y)
    for d, e in zip(deltas, net.backward(fwd, y, loss, rule)):
        np.testing.assert_array_equal(d, e)
    for g, h in zip(bp.gradients(fwd, deltas), net.gradients(X, y, loss, rule)):
        np.testing.assert_array_equal(g, h)
    assert bp.cost(fwd, y) == net.cost(X, y, loss)


def test_article_rule_is_only_the_output_delta():
    """rule='article': output delta y - a (whatever the activation), the rest of the routine unchanged."""
    net = Network.random([2, 3, 2], ["tanh", "sigmoid"], seed=2)
    X, y = batch([2, 3, 2], "bce")
    fwd = net.forward(X)
    art = net.backward(fwd, y, "bce", rule="article")
    np.testing.assert_array_equal(art[-1], y - fwd.a[-1])
    expected_hidden = net.acts[0].backward(fwd.z[0], fwd.a[1], art[-1] @ net.W[1][1:].T)
    np.testing.assert_array_equal(art[0], expected_hidden)
    # ... and the gradient rule's output delta for sigmoid + BCE is the short a - y: the opposite sign
    grad = net.backward(fwd, y, "bce", rule="gradient")
    np.testing.assert_array_equal(grad[-1], -art[-1])


def test_a_subclass_changes_one_step_and_everything_downstream_follows():
    """Overriding hidden_delta (leave out f'(z)) changes the hidden deltas, gradients and update, not the rest."""

    class NoDerivative(Backprop):
        def hidden_delta(self, l, z, a, back):
            return back

    net = Network.random([2, 3, 1], ["tanh", "identity"], seed=4)
    X, y = batch([2, 3, 1], "mse")
    right, wrong = Backprop(net.copy()), NoDerivative(net.copy())
    fwd = right.forward(X)
    d_right, d_wrong = right.deltas(fwd, y), wrong.deltas(fwd, y)
    np.testing.assert_array_equal(d_right[1], d_wrong[1])  # output delta: same
    np.testing.assert_array_equal(d_wrong[0], d_right[1] @ net.W[1][1:].T)  # no f'(z)
    assert not np.allclose(d_right[0], d_wrong[0])
    a, b = net.copy(), net.copy()
    Backprop(a).step(X, y, 0.1)
    NoDerivative(b).step(X, y, 0.1)
    np.testing.assert_array_equal(a.W[1], b.W[1])  # the last layer's update does not use f' of the hidden layer
    assert not np.array_equal(a.W[0], b.W[0])


def test_gradient_and_update_formulas():
    net = Network.random([3, 4, 2], ["sigmoid", "identity"], seed=5)
    X, y = batch([3, 4, 2], "mse", m=5)
    bp = Backprop(net)
    fwd = bp.forward(X)
    d = bp.deltas(fwd, y)
    g = bp.gradient(1, fwd.a[1], d[1])
    np.testing.assert_allclose(g[0], d[1].mean(axis=0), rtol=1e-15)
    np.testing.assert_allclose(g[1:], fwd.a[1].T @ d[1] / 5, rtol=1e-14)
    w_old = net.W[1].copy()
    new = bp.update(1, g, 0.5)
    assert new is net.W[1]
    np.testing.assert_array_equal(new, w_old - 0.5 * g)


# ----- frozen weights ---------------------------------------------------------------
def test_frozen_biases_stay_and_their_gradients_are_still_computed():
    ex = xor_example()
    net = Network(ex.net.W, ex.net.acts, frozen="biases")
    assert net.frozen == {"X0->Z1", "X0->Z2", "X0->Z3", "Z0->D0"}
    before = [w.copy() for w in net.W]
    grads = net.gradients(ex.X, ex.y)
    assert grads[0][0].any() and grads[1][0].any()
    net.step(ex.X, ex.y, 0.1)
    net.train(ex.X, ex.y, 3, 0.05)
    net.train(ex.X, ex.y, 2, optimizer=bpnet.Adam(0.01))
    for w, b in zip(net.W, before):
        np.testing.assert_array_equal(w[0], b[0])
        assert not np.array_equal(w[1:], b[1:])
    assert net.copy().frozen == net.frozen


def test_frozen_single_weight_and_trace():
    ex = xor_example()
    net = Network(ex.net.W, ex.net.acts, frozen=["X1->Z2"])
    t = trace_step(net, ex.X, ex.y, 0.1)
    assert t.after["X1->Z2"] == net["X1->Z2"]
    assert t.find("gradient", "X1->Z2").value != 0
    assert t.after["X1->Z1"] != net["X1->Z1"]
    net.frozen = None
    assert net.frozen == frozenset()


@pytest.mark.parametrize("spec", ["X9->Z1", ["biases", 3], ["weights"]])
def test_unknown_frozen_names_are_refused(spec):
    ex = xor_example()
    with pytest.raises(ValueError, match="frozen: no weight named"):
        Network(ex.net.W, ex.net.acts, frozen=spec)


# ----- shared checks and formats ----------------------------------------------------
def test_check_rule_whole_real():
    assert check_rule("article") == "article"
    for bad in ("backwards", None, 3):
        with pytest.raises(ValueError, match="unknown rule"):
            check_rule(bad)
    assert check_whole(3, "epochs") == 3 and check_whole(3.0, "epochs") == 3
    for bad in (2.7, -1, float("inf")):
        with pytest.raises(ValueError, match="epochs must be a whole number >= 0"):
            check_whole(bad, "epochs")
    for bad in (True, "3", None):
        with pytest.raises(TypeError, match="epochs must be a whole number"):
            check_whole(bad, "epochs")
    assert check_real(2, "x") == 2.0
    with pytest.raises(ValueError, match="x must be a finite number > 0"):
        check_real(0.0, "x", positive=True)
    with pytest.raises(TypeError, match="x must be a number"):
        check_real("1", "x")


def test_formats():
    assert fmt(1.4000000000000001) == "1.4" and fmt(-0.0) == "0" and fmt(0.123456789) == "0.123457"
    assert paren(-4) == "(-4)" and paren(4) == "4"
    assert latex_number(1.5e-7) == r"1.5 \times 10^{-7}" and latex_number(-2) == "-2"
    assert vector([1, -2.5]) == "(1, -2.5)"
    assert bpnet.explain.trace.fmt is fmt


# ----- batching: one function for train and the training stepper ----------------------
def test_batches_cover_every_sample_once_and_depend_only_on_seed_and_epoch():
    from bpnet.core.network import batches
    for bs in (1, 2, 3, 7):
        b = batches(7, bs, 3, 5)
        assert sorted(np.concatenate(b).tolist()) == list(range(7))
        assert all(len(x) == bs for x in b[:-1]) and 1 <= len(b[-1]) <= bs
        for x, y in zip(b, batches(7, bs, 3, 5)):
            np.testing.assert_array_equal(x, y)
    assert [x.tolist() for x in batches(5, None, 0, 0)] == [[0, 1, 2, 3, 4]]
    assert [x.tolist() for x in batches(5, 9, 0, 0)] == [[0, 1, 2, 3, 4]]
    orders = {tuple(np.concatenate(batches(12, 4, s, e))) for s in range(3) for e in range(3)}
    assert len(orders) == 9  # seeds and epochs give different shuffles (no seed + epoch collisions)


@pytest.mark.parametrize("batch_size", [1, 2, 3, None])
def test_train_and_training_stepper_give_the_same_weights(batch_size):
    from bpnet.views.stepper import TrainingStepper
    ex = xor_example()
    net = Network.random([2, 3, 1], ["tanh", "sigmoid"], seed=1)
    trained = net.copy()
    history = trained.train(ex.X, ex.y, 20, lr=0.3, batch_size=batch_size, seed=0)
    st = TrainingStepper(net, ex.X, ex.y, lr=0.3, batch_size=batch_size, seed=0)
    st.goto(20)
    for a, b in zip(trained.W, st.net.W):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(history[1:], st.costs[1:20])


@pytest.mark.parametrize("kw,words", [
    ({"batch_size": 2.7}, "batch_size"), ({"batch_size": 0}, "batch_size"), ({"batch_size": "abc"}, "batch_size"),
    ({"epochs": 1.5}, "epochs"), ({"seed": -1}, "seed"), ({"seed": 0.5}, "seed"),
])
def test_train_refuses_non_whole_counts(kw, words):
    ex = xor_example()
    before = [w.copy() for w in ex.net.W]
    args = {"epochs": 2, **kw}
    with pytest.raises((ValueError, TypeError), match=words):
        ex.net.train(ex.X, ex.y, **args)
    for w, b in zip(ex.net.W, before):
        np.testing.assert_array_equal(w, b)


def test_steps_follow_every_change_between_calls():
    """Changing the loss, the rule, the frozen weights or a weight array by hand between two
    net.step calls gives exactly what a network fresh for every call gives."""
    import warnings

    rng = np.random.default_rng(7)
    X, y = rng.normal(size=(4, 2)), rng.uniform(0.1, 0.9, size=(4, 2))
    kept = Network.random([2, 3, 2], ["tanh", "sigmoid"], seed=2)
    plan = ([("half_squared_error", "gradient")] * 3 + [("bce", "gradient")] * 3 + [("bce", "article")] * 2
            + [("half_squared_error", "article")] * 2 + [("half_squared_error", "gradient")])
    for k, (loss, rule) in enumerate(plan):
        # each change comes between two steps with the same loss and rule
        if k == 1:
            kept.frozen = ["X0->Z1", "Z2->D1"]
        if k == 4:
            kept.W[0] = kept.W[0] * 0.5  # replaced by hand: the next step must use this array
        if k == 7:
            kept.frozen = []
        fresh = kept.copy()  # a network with no history of calls
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a diverging step says so once, with no numpy warnings
            c1, c2 = kept.step(X, y, 0.5, loss, rule), fresh.step(X, y, 0.5, loss, rule)
        assert _same(c1, c2) and all(_same(p, q) for p, q in zip(kept.W, fresh.W)), (k, loss, rule)
    kept.step(X, y, 0.5, "bce")
    before = [w.copy() for w in kept.W]
    with pytest.raises(ValueError, match="target"):  # new targets are checked against the loss every call
        kept.step(X, y + 1.0, 0.5, "bce")
    assert all(_same(p, q) for p, q in zip(before, kept.W))
    held = kept.W[0]
    kept.step(X, y, 0.5)
    assert kept.W[0] is held  # the array replaced by hand is the one updated
    linear = Network.random([2, 3, 2], ["identity", "identity"], seed=2)
    linear.step(X, y, 0.1)  # one step, then a step that overflows
    before = [w.copy() for w in linear.W]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(bpnet.DivergenceError):
            linear.step(X, y * 1e300, 1e300)
    assert all(_same(p, q) for p, q in zip(before, linear.W))  # nothing changed
    linear.step(X, y, 0.1)  # and it still trains
    fresh = Network(before, ["identity", "identity"])
    fresh.step(X, y, 0.1)
    assert all(_same(p, q) for p, q in zip(fresh.W, linear.W))
