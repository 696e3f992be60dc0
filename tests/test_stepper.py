"""The pure steppers, driven directly: no widgets, no matplotlib."""

import math

import numpy as np
import pytest

import bpnet
from bpnet.core.activations import get_activation
from bpnet.explain.activation_reading import activation_reading, explorer_activations, saturation_ranges
from bpnet.views.stepper import RuleStepper, Stepper, TrainingStepper

from trace_cases import CASE_IDS, CASES

MOVES = ("forward", "back", "goto", "start", "end", "next_phase", "prev_phase")


def _flat(state) -> tuple:
    """A state as (the shape of each of its arrays, all their numbers in one float array), field by field."""
    arrays = [np.asarray(x, dtype=float) for x in (*state.weights, *state.z, *state.a, *state.delta, *state.grad,
                                                   state.loss, state.cost)]
    shapes = (len(state.weights), len(state.z), len(state.a), len(state.delta), len(state.grad),
              *(x.shape for x in arrays))
    return shapes, np.concatenate([x.ravel() for x in arrays])


def _flats_equal(f1, f2) -> bool:
    """Two ``_flat`` states hold arrays of the same shapes and the same numbers (NaN where the other has NaN)."""
    return f1[0] == f2[0] and np.array_equal(f1[1], f2[1], equal_nan=True)


def _states_equal(s1, s2) -> bool:
    """Every array of the two states (weights, z, a, delta, grad, loss, cost) of the same shape and numbers."""
    return _flats_equal(_flat(s1), _flat(s2))


def _model_move(move, i, n, phases, arg):
    """Where a move should land, from the phase of each step alone (independent of Stepper)."""
    starts = [k for k in range(n) if k == 0 or phases[k] != phases[k - 1]]
    if move == "forward":
        return min(i + 1, n - 1)
    if move == "back":
        return max(i - 1, 0)
    if move == "goto":
        return arg
    if move == "start":
        return 0
    if move == "end":
        return n - 1
    if move == "next_phase":
        later = [k for k in starts if k > i]
        return later[0] if later else n - 1
    earlier = [k for k in starts if k < i]
    return earlier[-1] if earlier else 0


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_random_move_sequences_show_the_recomputed_state(case):
    _, net, X, y, lr, loss, rule = case
    trace = bpnet.trace_step(net, X, y, lr, loss, rule)
    fresh = bpnet.trace_step(net.copy(), X, y, lr, loss, rule)  # recomputed from scratch
    n = len(trace)
    phases = [s.phase for s in fresh.steps]
    seen: dict[int, tuple] = {}  # step -> the recomputed state (flattened) and text, each built once

    def recomputed(i):
        if i not in seen:
            seen[i] = _flat(fresh.steps[i].state), fresh.steps[i].text
        return seen[i]

    rng = np.random.default_rng(20240501)
    for _ in range(300):
        st = Stepper(trace)
        i = 0
        for _ in range(int(rng.integers(1, 25))):
            move = MOVES[int(rng.integers(len(MOVES)))]
            arg = int(rng.integers(n))
            moved = st.goto(arg) if move == "goto" else getattr(st, move)()
            expected = _model_move(move, i, n, phases, arg)
            assert moved == (expected != i)
            i = expected
            assert st.index == i
            state, text = recomputed(i)
            assert _flats_equal(_flat(st.state), state)
            assert st.current.text == text
            assert st.label == f"step {i + 1} of {n} — {phases[i]}"


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_goto_equals_stepping_and_back_undoes_forward(case):
    _, net, X, y, lr, loss, rule = case
    trace = bpnet.trace_step(net, X, y, lr, loss, rule)
    walker = Stepper(trace)
    for i in range(len(trace)):
        jumper = Stepper(trace)
        jumper.goto(i)
        assert jumper.index == walker.index == i
        assert _states_equal(jumper.state, walker.state)
        assert jumper.weight_rows() == walker.weight_rows()
        if i + 1 < len(trace):
            before = walker.state
            walker.forward()
            walker.back()
            assert _states_equal(walker.state, before)
            walker.forward()


def test_boundaries_are_harmless():
    ex = bpnet.xor_example()
    st = Stepper(bpnet.trace_step(ex.net, ex.X[:1], ex.y[:1], ex.lr, rule="article"))
    assert st.at_start and st.back() is False and st.prev_phase() is False and st.index == 0
    st.end()
    assert st.at_end and st.forward() is False and st.next_phase() is False and st.index == st.n - 1
    assert st.goto(-1) is False and st.index == st.n - 1  # negative counts from the end
    with pytest.raises(IndexError, match="outside 0..34"):
        st.goto(35)
    with pytest.raises(TypeError, match="whole number"):
        st.goto(1.5)
    with pytest.raises(TypeError, match="Trace"):
        Stepper([1, 2, 3])


def test_worked_example_phases_and_labels():
    ex = bpnet.xor_example()
    st = Stepper(bpnet.trace_step(ex.net, ex.X[:1], ex.y[:1], ex.lr, rule="article"))
    labels = [st.label]
    while st.next_phase():
        labels.append(st.label)
    # phase starts, then the last step (the last phase has no next one)
    assert labels == ["step 1 of 35 — forward", "step 5 of 35 — loss", "step 6 of 35 — deltas",
                      "step 10 of 35 — updates", "step 35 of 35 — updates"]
    st.prev_phase()
    assert st.label == "step 10 of 35 — updates"
    st.prev_phase()
    assert st.label == "step 6 of 35 — deltas"


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_weight_rows_match_the_network_computed_independently(case):
    _, net, X, y, lr, loss, rule = case
    st = Stepper(bpnet.trace_step(net, X, y, lr, loss, rule))
    grads = net.gradients(X, y, loss, rule)
    after = net.copy()
    after.step(X, y, lr, loss, rule)
    rows = {r.name: r for r in st.weight_rows()}
    assert all(r.gradient is None and r.after is None for r in rows.values())  # step 1: nothing yet
    st.end()
    rows = {r.name: r for r in st.weight_rows()}
    assert list(rows) == net.weight_names()
    for name, r in rows.items():
        l, i, j = net.weight_index(name)
        assert r.before == net[name]
        assert r.gradient == pytest.approx(grads[l][i, j], rel=1e-12, abs=1e-15)
        assert r.after == pytest.approx(after[name], rel=1e-12, abs=1e-15)
        assert r.direction == ("up" if r.after > r.before else "down" if r.after < r.before else "same")


def test_weight_rows_fill_in_exactly_when_their_step_comes():
    net = bpnet.Network.random([2, 2, 1], "sigmoid", seed=4)
    st = Stepper(bpnet.trace_step(net, [[0.3, -0.7]], [[1.0]], 0.2))
    for step in st.trace.steps:
        st.goto(step.index)
        for r in st.weight_rows():
            g_at = st.trace.find("gradient", r.name).index
            u_at = st.trace.find("update", r.name).index
            assert (r.gradient is not None) == (g_at <= step.index)
            assert (r.after is not None) == (u_at <= step.index)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_change_names_the_number_the_step_computed(case):
    _, net, X, y, lr, loss, rule = case
    st = Stepper(bpnet.trace_step(net, X, y, lr, loss, rule))
    for step in st.trace.steps:
        st.goto(step.index)
        ch = st.change()
        assert ch.new == step.value
        if step.kind in ("gradient", "update"):
            assert ch.name == step.name
        if ch.field == "weights":
            assert ch.old == net[step.name]
        elif step.kind == "forward" and not step.name.startswith("z("):
            assert ch.name == step.name and math.isnan(ch.old)


def test_unit_activation_reads_z_of_the_current_unit():
    net = bpnet.Network.random([2, 3, 1], ["tanh", "sigmoid"], seed=2)
    X, y = [[0.5, -1.0]], [[1.0]]
    st = Stepper(bpnet.trace_step(net, X, y, 0.1))
    fwd = net.forward(X)
    st.goto(st.trace.find("forward", "Z2").index)
    assert st.unit_activation() == ("tanh", pytest.approx(fwd.z[0][0, 1]))
    st.goto(st.trace.find("delta", "D0").index)
    assert st.unit_activation() == ("sigmoid", pytest.approx(fwd.z[1][0, 0]))
    st.goto(st.trace.find("update", "X0->Z1").index)
    assert st.unit_activation() is None


# ----- switching rules ------------------------------------------------------------------
def test_rule_switch_keeps_the_step_and_shows_both_numbers():
    ex = bpnet.xor_example()
    st = RuleStepper(ex.net, ex.X[:1], ex.y[:1], ex.lr, rule="article")
    st.goto(st.trace.find("update", "X0->Z1").index)
    assert st.current.value == pytest.approx(1.4)
    assert st.counterpart().value == pytest.approx(0.6)
    assert st.set_rule("gradient") is True
    assert (st.rule, st.current.kind, st.current.name) == ("gradient", "update", "X0->Z1")
    assert st.weight_rows()[0].after == pytest.approx(0.6)
    assert st.set_rule("gradient") is False
    st.set_rule("article")
    assert st.weight_rows()[0].after == pytest.approx(1.4)


def test_rule_switch_with_a_batch_maps_loss_steps_and_keeps_position():
    ex = bpnet.xor_example()
    st = RuleStepper(ex.net, ex.X, ex.y, ex.lr, rule="gradient")
    assert len(st.trace_for("gradient")) == len(st.trace_for("article")) + 1  # the batch cost J
    j = st.trace.find("loss", "J").index
    st.goto(j)
    st.set_rule("article")  # no J under the article's rule: stays at the same index, the first delta there
    assert st.index == j == st.trace.phase_starts()["deltas"]
    assert (st.phase, st.current.kind, st.current.name, st.current.sample) == ("deltas", "delta", "D0", 0)
    st.goto(st.trace.find("delta", "Z3", sample=2).index)
    st.set_rule("gradient")
    assert (st.current.kind, st.current.name, st.current.sample) == ("delta", "Z3", 2)
    for rule in ("article", "gradient"):
        st.set_rule(rule)
        for step in st.trace.steps:  # every step survives a round trip through the other rule
            st.goto(step.index)
            st.set_rule(st.other_rule)
            st.set_rule(rule)
            if step.name != "J":
                assert st.index == step.index


def test_differences_list_where_the_rules_disagree():
    ex = bpnet.xor_example()
    st = RuleStepper(ex.net, ex.X[:1], ex.y[:1], ex.lr)
    diffs = {(d.kind, d.name): d for d in st.differences()}
    assert diffs[("update", "X0->Z1")].article == pytest.approx(1.4)
    assert diffs[("update", "X0->Z1")].gradient == pytest.approx(0.6)
    assert diffs[("delta", "D0")].article == -4 and diffs[("delta", "D0")].gradient == 4
    # The forward pass and the unchanged X1, X2 weights agree under both rules.
    assert not any(k[0] == "forward" for k in diffs)
    assert ("update", "X1->Z1") not in diffs


def test_rule_stepper_copies_the_network_and_checks_the_rule():
    ex = bpnet.xor_example()
    st = RuleStepper(ex.net, ex.X[:1], ex.y[:1], ex.lr)
    ex.net.W[0][0, 0] = 99.0
    assert st.trace_for("article").before["X0->Z1"] == 1.0
    with pytest.raises(ValueError, match="unknown rule"):
        RuleStepper(ex.net, ex.X, ex.y, rule="sign-flip")
    with pytest.raises(TypeError, match="Network"):
        RuleStepper("net", ex.X, ex.y)


# ----- coarse training ------------------------------------------------------------------
def test_training_stepper_per_epoch_equals_network_train():
    ex = bpnet.xor_example()
    net = bpnet.Network.random([2, 3, 1], "sigmoid", seed=5)
    ts = TrainingStepper(net, ex.X, ex.y, lr=1.0, keep=4, max_steps=300)
    ref = net.copy()
    history = ref.train(ex.X, ex.y, 120, lr=1.0)
    ts.goto(120)
    assert np.allclose(ts.costs[:-1], history, rtol=0, atol=1e-14)
    assert ts.cost == pytest.approx(ref.cost(ex.X, ex.y), abs=1e-14)
    for w, v in zip(ts.net.W, ref.W):
        assert np.array_equal(w, v)
    assert len(ts.snapshots) <= 4 and ts.snapshots[-1] == 120  # bounded memory, the newest kept


@pytest.mark.parametrize("per,batch_size,optimizer", [
    ("epoch", 2, None), ("update", 1, None), ("epoch", None, "adam"), ("update", 3, "momentum")])
def test_training_stepper_random_moves_replay_exactly(per, batch_size, optimizer):
    ex = bpnet.xor_example()
    net = bpnet.Network.random([2, 4, 1], "tanh", seed=9)

    def make():
        opt = bpnet.get_optimizer(optimizer, lr=0.05) if optimizer else None
        return TrainingStepper(net, ex.X, ex.y, lr=0.3, optimizer=opt, batch_size=batch_size, per=per,
                               seed=3, keep=3, max_steps=40)

    straight = make()
    weights = [[w.copy() for w in straight.net.W]]
    for _ in range(40):
        straight.forward()
        weights.append([w.copy() for w in straight.net.W])
    ts = make()
    rng = np.random.default_rng(1)
    for _ in range(60):
        move = rng.integers(4)
        if move == 0:
            ts.forward(int(rng.integers(1, 6)))
        elif move == 1:
            ts.back(int(rng.integers(1, 6)))
        elif move == 2:
            ts.goto(int(rng.integers(41)))
        else:
            ts.start()
        k = ts.index
        assert all(np.array_equal(a, b) for a, b in zip(ts.net.W, weights[k]))
        assert np.array_equal(ts.costs, straight.costs[:k + 1])
        assert len(ts.snapshots) <= 3


def test_training_stepper_bounds_and_errors():
    ex = bpnet.xor_example()
    ts = TrainingStepper(ex.net, ex.X, ex.y, max_steps=5)
    ts.forward(100)
    assert ts.index == 5 and ts.forward() is False
    ts.back(100)
    assert ts.index == 0 and ts.back() is False
    with pytest.raises(IndexError):
        ts.goto(6)
    with pytest.raises(ValueError, match="per must be"):
        TrainingStepper(ex.net, ex.X, ex.y, per="batch")
    with pytest.raises(ValueError, match="shape"):
        TrainingStepper(ex.net, ex.X[:, :1], ex.y)
    calls = []
    ts.run(5, callback=lambda s: calls.append(s.index), every=2)
    assert calls == [2, 4, 5]


# ----- activation explorer --------------------------------------------------------------
@pytest.mark.parametrize("name", explorer_activations())
@pytest.mark.parametrize("z", [-5.0, -0.5, 0.0, 0.7, 4.0])
def test_activation_reading_matches_the_activation(name, z):
    act = get_activation(name)
    r = activation_reading(name, z)
    assert r.f == pytest.approx(float(act.f(np.array([z]))[0]))
    assert r.df == pytest.approx(float(act.df(np.array([z]))[0]))
    assert r.note and name in r.text


def test_activation_notes_say_where_it_saturates():
    assert "Saturated" in activation_reading("sigmoid", 5.0).note
    assert "Saturated" not in activation_reading("sigmoid", 0.5).note
    assert "Saturated" in activation_reading("tanh", -3.0).note
    assert "no gradient" in activation_reading("relu", -1.0).note
    assert "never saturates" in activation_reading("identity", 100.0).note
    (lo1, hi1), (lo2, hi2) = saturation_ranges("sigmoid")
    # sigmoid'(z) = 0.025 (10% of 0.25) at |z| = ln((1 + sqrt(0.9)) / (1 - sqrt(0.9))) = 3.64
    edge = math.log((1 + math.sqrt(0.9)) / (1 - math.sqrt(0.9)))
    assert hi1 == pytest.approx(-edge, abs=0.01) and lo2 == pytest.approx(edge, abs=0.01)
    assert saturation_ranges("identity") == []
    with pytest.raises(ValueError, match="finite"):
        activation_reading("tanh", float("nan"))
    with pytest.raises(ValueError, match="unknown activation"):
        activation_reading("swish", 0.0)


# ----- one view per step ----------------------------------------------------------------
@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_view_is_computed_from_one_index(case):
    _, net, X, y, lr, loss, rule = case
    trace = bpnet.trace_step(net, X, y, lr, loss, rule)
    st = Stepper(trace)
    rng = np.random.default_rng(8)
    for _ in range(40):
        st.goto(int(rng.integers(st.n)))
        v = st.view()
        i = v.index
        assert i == st.index and v.slider == i + 1 and v.n == len(trace)
        step = trace[i]
        assert v.step == step and v.formula == step.formula and v.latex == step.latex
        assert v.label == f"step {i + 1} of {len(trace)} — {step.phase}"
        assert _states_equal(v.state, trace.state_at(i))
        assert v.change.new == step.value and v.change.name == st.change().name
        # Updated weights are exactly those whose update step is at or before i.
        assert v.updated == {s.name for s in trace.steps[:i + 1] if s.kind == "update"}
        if step.kind in ("gradient", "update"):
            assert v.highlight == step.name
        elif step.kind == "loss":
            assert v.highlight == ",".join(net.unit_names(net.n_layers))
        else:
            assert v.highlight == step.name.removeprefix("z(").removesuffix(")")


@pytest.mark.parametrize("per", ["epoch", "update"])
@pytest.mark.parametrize("batch_size,optimizer", [(2, None), (3, "momentum"), (1, "adam")])
def test_training_stepper_shuffles_as_network_train_does(per, batch_size, optimizer):
    """The same seed gives the same batches, so the same weights, as Network.train."""
    ex = bpnet.xor_example()
    net = bpnet.Network.random([2, 3, 1], "sigmoid", seed=5)
    make_opt = (lambda: bpnet.get_optimizer(optimizer, lr=0.05)) if optimizer else (lambda: None)
    ts = TrainingStepper(net, ex.X, ex.y, lr=0.5, optimizer=make_opt(), batch_size=batch_size, per=per,
                         seed=7, keep=2, max_steps=200)
    ref = net.copy()
    history = ref.train(ex.X, ex.y, 12, lr=None if optimizer else 0.5, optimizer=make_opt(),
                        batch_size=batch_size, seed=7)  # an optimizer brings its own lr
    ts.goto(12 * (1 if per == "epoch" else ts.batches_per_epoch))
    for w, v in zip(ts.net.W, ref.W):
        np.testing.assert_array_equal(w, v)
    per_epoch = ts.costs[::1 if per == "epoch" else ts.batches_per_epoch]
    np.testing.assert_array_equal(per_epoch[:-1], history)
    ts.back(5)
    ts.forward(5)  # replayed from a snapshot: the same numbers again
    for w, v in zip(ts.net.W, ref.W):
        np.testing.assert_array_equal(w, v)


def test_rule_stepper_view_carries_the_other_rules_step():
    ex = bpnet.xor_example()
    st = RuleStepper(ex.net, ex.X[:1], ex.y[:1], ex.lr, rule="article")
    st.goto(st.trace.find("update", "X0->Z1").index)
    v = st.view()
    assert v.other_rule == "gradient" and v.other.value == pytest.approx(0.6) and v.step.value == pytest.approx(1.4)
    assert v.label == st.label and v.highlight == "X0->Z1"


def test_training_stepper_jump_keeps_only_its_landing_step_and_replays_a_divergence_exactly():
    """A jump of many epochs snapshots only the epoch it lands on; an epoch of mini-batches that
    diverges halfway is undone from the nearest snapshot, to the same weights as one step at a time."""
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]) * 3
    y = np.array([[0.0], [1.0], [1.0], [0.0]])
    net = bpnet.Network.random([2, 3, 1], ["identity", "identity"], seed=4)

    def make():
        return TrainingStepper(net, X, y, lr=0.09, batch_size=1, seed=2, keep=8, max_steps=400)

    jump = make()
    jump.goto(3)
    assert jump.snapshots == (3,)
    jump.goto(400)  # diverges at epoch 5: back to it from the snapshot at 3, replayed
    stepwise = make()
    while stepwise.forward(1):
        pass
    assert jump.diverged_at is not None and jump.diverged_at == stepwise.diverged_at == 5
    assert jump.index == stepwise.index == jump.diverged_at
    assert all(np.array_equal(a, b) for a, b in zip(jump.net.W, stepwise.net.W))
    assert np.array_equal(jump.costs, stepwise.costs)
    assert all(np.isfinite(w).all() for w in jump.net.W)
