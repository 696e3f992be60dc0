"""Branch and compare, without widgets: two runs from the same start, every difference named."""

import numpy as np
import pytest

import bpnet
from bpnet.views.stepper import StepComparison, TrainingComparison, TrainingStepper


def _net():
    return bpnet.Network.random([2, 3, 1], ["tanh", "sigmoid"], seed=3)


X = bpnet.XOR_X
Y = bpnet.XOR_Y


def _values(trace):
    out = {}
    for s in trace:
        out.setdefault((s.kind, "L" if s.name == "loss" else s.name, s.sample), s.value)
    return out


# ----- one update, micro-step by micro-step ---------------------------------------------
@pytest.mark.parametrize("branch,kwargs", [
    ({"lr": 0.7}, {"lr": 0.7}),
    ({"loss": "bce"}, {"loss": "bce"}),
    ({"rule": "article"}, {"rule": "article"}),
])
def test_step_branch_is_the_trace_with_that_setting_and_lists_every_difference(branch, kwargs):
    net = _net()
    cmp = StepComparison(net, X, Y, 0.2, branch=branch)
    settings = {"lr": 0.2, "loss": "half_squared_error", "rule": "gradient", **kwargs}
    want = bpnet.trace_step(net, X, Y, settings["lr"], settings["loss"], settings["rule"])
    assert cmp.branch.trace.to_dict() == want.to_dict()
    base, other = _values(cmp.base.trace), _values(want)
    expected = {k for k in base.keys() | other.keys() if base.get(k) != other.get(k)}
    got = {(d.kind, "L" if d.name == "loss" else d.name, d.sample) for d in cmp.differences()}
    assert got == expected and expected
    for d in cmp.differences():
        assert d.base == base.get((d.kind, "L" if d.name == "loss" else d.name, d.sample))


def test_the_branch_follows_the_base_to_the_same_number():
    cmp = StepComparison(_net(), X, Y, 0.2, branch={"rule": "article"})
    rng = np.random.default_rng(0)
    for _ in range(80):
        move = rng.integers(5)
        if move == 0:
            cmp.goto(int(rng.integers(cmp.n)))
        elif move == 1:
            cmp.forward()
        elif move == 2:
            cmp.back()
        elif move == 3:
            cmp.next_phase()
        else:
            cmp.prev_phase()
        b, c = cmp.base.current, cmp.counterpart
        if c is None:  # only the batch cost J has no counterpart under the article's rule
            assert b.name == "J"
            continue
        assert (b.kind, b.sample) == (c.kind, c.sample)
        assert b.name == c.name or {b.name, c.name} == {"L", "loss"}
        assert cmp.branch.current.index == c.index


def test_marked_names_exactly_the_numbers_that_differ():
    net = _net()
    cmp = StepComparison(net, X[3:], Y[3:], 0.2, branch={"activation": ["relu", "sigmoid"]})
    # At the first step only Z1 has been computed, and ReLU and tanh differ there.
    assert cmp.marked() == {"Z1"}
    cmp.end()
    view = cmp.view()
    # Computed independently: every weight whose gradient or new value differs, every unit
    # whose z, a or delta differs.
    other = bpnet.Network(net.W, ["relu", "sigmoid"])
    g1, g2 = net.gradients(X[3:], Y[3:]), other.gradients(X[3:], Y[3:])
    want = {net.weight_name(l, i, j) for l in range(2) for i, j in np.ndindex(g1[l].shape)
            if g1[l][i, j] != g2[l][i, j]}
    f1, f2 = net.forward(X[3:]), other.forward(X[3:])
    want |= {net.dest_name(l, j) for l in range(2) for j in range(net.sizes[l + 1])
             if f1.z[l][0, j] != f2.z[l][0, j] or f1.a[l + 1][0, j] != f2.a[l + 1][0, j]}
    assert view.marked == want
    assert view.base.index == cmp.index and view.branch.step == cmp.counterpart and view.differs


def test_a_seed_branch_starts_from_other_weights_and_a_branch_can_start_at_any_step():
    net = _net()
    cmp = StepComparison(net, X, Y, 0.2, branch={"seed": 11}, index=7)
    assert cmp.index == 7 and cmp.branch.current.name == cmp.base.current.name
    drawn = bpnet.Network.random([2, 3, 1], ["tanh", "sigmoid"], seed=11)
    for w, v in zip(cmp.branch.trace.before.W, drawn.W):
        np.testing.assert_array_equal(w, v)
    assert any("->" in name for name in cmp.marked())  # the weights themselves differ


def test_step_comparison_refuses_what_it_cannot_compare():
    with pytest.raises(ValueError, match="at least one setting"):
        StepComparison(_net(), X, Y, branch={})
    with pytest.raises(ValueError, match="can branch on"):
        StepComparison(_net(), X, Y, branch={"momentum": 0.9})
    with pytest.raises(ValueError, match="TrainingComparison"):
        StepComparison(_net(), X, Y, branch={"optimizer": "adam"})
    with pytest.raises(TypeError, match="Network"):
        StepComparison("net", X, Y, branch={"lr": 1.0})


# ----- training ---------------------------------------------------------------------------
def test_training_branch_splits_at_an_epoch_and_matches_training_directly():
    net = _net()
    cmp = TrainingComparison(net, X, Y, lr=0.5, branch={"lr": 2.0}, at=5, max_steps=30)
    cmp.goto(20)
    base, branch = cmp.costs
    assert len(base) == len(branch) == 21
    np.testing.assert_array_equal(base[:6], branch[:6])  # one run until the split
    # Independently: 5 epochs at 0.5, then 15 at 2.0 from there.
    ref = net.copy()
    ref.train(X, Y, 5, lr=0.5)
    hist = ref.train(X, Y, 15, lr=2.0)
    np.testing.assert_allclose(branch[5:-1], hist, rtol=0, atol=1e-14)
    for w, v in zip(cmp.branch_net.W, ref.W):
        np.testing.assert_array_equal(w, v)
    assert cmp.marked() == set(net.weight_names())
    view = cmp.view()
    assert view.split == 5 and view.branch_cost == branch[-1] and "(branch)" in view.label


def test_training_rewind_restarts_both_runs_from_the_same_initial_weights():
    net = _net()
    cmp = TrainingComparison(net, X, Y, lr=0.3, batch_size=2, per="update",
                             branch={"optimizer": "adam"}, keep=3, max_steps=40)
    straight = TrainingStepper(net, X, Y, lr=0.3, batch_size=2, per="update", max_steps=40,
                               optimizer=bpnet.get_optimizer("adam"))
    rng = np.random.default_rng(4)
    for _ in range(30):
        cmp.goto(int(rng.integers(41)))
        straight.goto(cmp.index)
        for w, v in zip(cmp.branch.net.W, straight.net.W):
            np.testing.assert_array_equal(w, v)
    cmp.start()
    assert cmp.index == 0 and cmp.marked() == frozenset()
    for w, v, w0 in zip(cmp.base.net.W, cmp.branch_net.W, net.W):
        np.testing.assert_array_equal(w, w0)
        np.testing.assert_array_equal(v, w0)


def test_training_comparison_checks_its_branch():
    with pytest.raises(ValueError, match="at=0"):
        TrainingComparison(_net(), X, Y, branch={"seed": 2}, at=3)
    with pytest.raises(ValueError, match="can branch on"):
        TrainingComparison(_net(), X, Y, branch={"batch": 2})
    with pytest.raises(ValueError, match="at must be"):
        TrainingComparison(_net(), X, Y, branch={"lr": 1.0}, at=-1)


def test_a_branch_after_the_start_sees_the_batches_the_base_would_have_seen():
    net = _net()
    cmp = TrainingComparison(net, X, Y, lr=0.5, batch_size=2, seed=4, branch={"loss": "bce"}, at=3, max_steps=20)
    cmp.goto(10)
    # Independently: Network.train's batches (bpnet.core.network.batches) epoch by epoch.
    ref = net.copy()
    for epoch in range(10):
        for idx in bpnet.core.network.batches(4, 2, 4, epoch):
            ref.step(X[idx], Y[idx], 0.5, "half_squared_error" if epoch < 3 else "bce")
    for w, v in zip(cmp.branch_net.W, ref.W):
        np.testing.assert_array_equal(w, v)


def test_training_comparison_run_stops_where_the_base_diverges():
    # lr=50 on an identity network: the base's cost overflows within a few epochs; the
    # branch (a small lr) would go on. run() stops there once, as the stepper's own run does.
    net = bpnet.Network.random([2, 3, 1], "identity", seed=2)
    cmp = TrainingComparison(net, X, Y, lr=50.0, branch={"lr": 0.01}, max_steps=500)
    calls = []

    def progress(c):
        calls.append(c.index)
        assert len(calls) < 100, "run() kept calling back at the same step"

    cmp.run(200, callback=progress, every=7)
    stop = cmp.base.diverged_at
    assert stop is not None and cmp.index == stop < 200
    assert calls == list(range(7, stop, 7)) + [stop]
