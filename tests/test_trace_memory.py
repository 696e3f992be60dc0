"""A trace stores each number once and rebuilds the state at any step on demand."""

import tracemalloc

import numpy as np
import pytest

import bpnet
from bpnet.views.stepper import Stepper

from trace_cases import CASE_IDS, CASES


FIELDS = ("weights", "z", "a", "delta", "grad")


def _elements(state):
    """Every number of a state as {(field, layer, index): value}."""
    out = {}
    for f in FIELDS:
        for l, arr in enumerate(getattr(state, f)):
            for idx in np.ndindex(arr.shape):
                out[(f, l, idx)] = float(arr[idx])
    for s, v in enumerate(state.loss):
        out[("loss", None, s)] = float(v)
    out[("cost", None, None)] = float(state.cost)
    return out


def _same(a, b):
    return (np.isnan(a) and np.isnan(b)) or a == b


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_each_step_changes_exactly_the_numbers_it_computes(case):
    _, net, X, y, lr, loss, rule = case
    trace = bpnet.trace_step(net, X, y, lr, loss, rule)
    m = np.atleast_2d(X).shape[0]
    # Before the first step: the old weights and the inputs, nothing else.
    prev = {}
    for k, v in _elements(trace.state_at(len(trace) - 1)).items():
        f, l, idx = k
        if f == "weights":
            prev[k] = float(net.W[l][idx])
        elif f == "a" and l == 0:
            prev[k] = float(np.atleast_2d(X)[idx])
        else:
            prev[k] = np.nan
    for step in trace:
        now = _elements(step.state)
        changed = {k for k in now if not _same(now[k], prev[k])}
        allowed = {step.where}
        if step.where[0] == "a" and not step.name.startswith("z("):
            allowed.add(("z", step.where[1] - 1, step.where[2]))  # an elementwise unit: z and a together
        assert changed <= allowed, (step, changed - allowed)
        field_, layer, idx = step.where
        # The value lands where the step says (a frozen or unchanged weight keeps its value).
        assert now[step.where] == step.value
        if field_ not in ("weights", "loss"):
            assert step.where in changed or _same(prev[step.where], step.value)
        prev = now
    # The last state is the whole update, computed independently.
    final = trace.state_at(len(trace) - 1)
    fwd = net.forward(X)
    grads = net.gradients(X, y, loss, rule)
    after = net.copy()
    after.step(X, y, lr, loss, rule)
    for got, want in zip(final.weights, after.W):
        np.testing.assert_array_equal(got, want)
    for got, want in zip(final.grad, grads):
        np.testing.assert_array_equal(got, want)
    for got, want in zip(final.z, fwd.z):
        np.testing.assert_array_equal(got, want)
    for got, want in zip(final.a, fwd.a):
        np.testing.assert_array_equal(got, want)
    if rule == "gradient" and m > 1:
        assert final.cost == pytest.approx(bpnet.get_loss(loss).cost(fwd.a[-1], np.atleast_2d(y)), rel=1e-15)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_states_rebuilt_in_any_order_are_the_same(case):
    _, net, X, y, lr, loss, rule = case
    trace = bpnet.trace_step(net, X, y, lr, loss, rule)
    in_order = [_elements(trace.state_at(i)) for i in range(len(trace))]
    other = bpnet.trace_step(net, X, y, lr, loss, rule)
    for i in np.random.default_rng(0).permutation(len(other)):  # more steps than the cache holds
        got = _elements(other.state_at(int(i)))
        assert all(_same(got[k], in_order[i][k]) for k in got)
        assert other[int(i)].text == trace[int(i)].text


def test_state_arrays_are_read_only_and_out_of_range_is_an_error():
    ex = bpnet.xor_example()
    trace = bpnet.trace_step(ex.net, ex.X, ex.y, 0.1)
    with pytest.raises(ValueError):
        trace.state_at(0).z[0][0, 0] = 1.0
    with pytest.raises(IndexError, match="outside"):
        trace.state_at(len(trace))
    with pytest.raises(IndexError, match="outside"):
        trace[len(trace)]


def _trace_bytes(width: int) -> tuple[int, int]:
    net = bpnet.Network.random([width] * 5, "sigmoid", seed=0)
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(2, width)), rng.random((2, width))
    tracemalloc.start()
    try:
        trace = bpnet.trace_step(net, X, y, 0.1)
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return held, len(trace)


def test_trace_memory_grows_with_steps_not_steps_times_layer_size():
    small, n_small = _trace_bytes(12)
    large, n_large = _trace_bytes(24)
    # 4x the weights and ~4x the steps: a trace that copied a layer per step would grow ~16x.
    assert n_large / n_small > 3.5
    assert large / small < 6
    assert large / n_large < 400  # bytes per micro-step, all included (networks before and after too)


def _state_bytes(state) -> int:
    return sum(arr.nbytes for f in FIELDS for arr in getattr(state, f)) + state.loss.nbytes


def test_stepping_a_larger_trace_builds_only_the_states_it_shows():
    net = bpnet.Network.random([20, 20, 20, 20], "tanh", seed=1)
    rng = np.random.default_rng(1)
    trace = bpnet.trace_step(net, rng.normal(size=(1, 20)), rng.random((1, 20)), 0.1)
    one_state = _state_bytes(trace.state_at(0))
    st = Stepper(trace)
    shown = range(0, len(trace) // 2, 13)  # a learner looking at 100 steps, one after another
    tracemalloc.start()
    try:
        for i in shown:
            st.goto(i)
            st.view()
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # What the trace keeps is a few states (a small cache), not every state it has shown.
    assert len(shown) >= 100 and held < 30 * one_state, (held, one_state)
    st.end()
    np.testing.assert_array_equal(st.state.weights[1], trace.after.W[1])


def test_states_do_not_change_with_the_networks_the_trace_hands_out():
    ex = bpnet.xor_example()
    same = bpnet.trace_step(ex.net, ex.X, ex.y, 0.1)
    last = len(same) - 1
    want = [w.copy() for w in same.state_at(last).weights]
    first_text = same.find("update", "X0->Z1").text
    trace = bpnet.trace_step(ex.net, ex.X, ex.y, 0.1)  # no state built yet: each is built after the changes
    trace.after.train(ex.X, ex.y, 5, lr=0.1)  # a learner goes on training the network after the step
    trace.before.W[0][0, 0] = 99.0
    for got, w in zip(trace.state_at(last).weights, want):
        np.testing.assert_array_equal(got, w)
    assert trace.state_at(0).weights[0][0, 0] == 1.0
    assert trace.find("update", "X0->Z1").text == first_text
