"""Network structure, names and the trace on random (not all-equal) weights."""

import json
import subprocess
import sys

import numpy as np
import pytest

from bpnet import Network, trace_step, xor_example
from bpnet.explain.trace import fmt


def random_net(sizes=(2, 3, 2), acts=("tanh", "sigmoid"), seed=0):
    rng = np.random.default_rng(seed)
    W = [rng.normal(size=(n + 1, k)) for n, k in zip(sizes[:-1], sizes[1:])]
    return Network(W, list(acts))


def test_weight_names_follow_the_articles_convention():
    net = xor_example().net
    names = net.weight_names()
    assert names[:3] == ["X0->Z1", "X0->Z2", "X0->Z3"]
    assert names[-4:] == ["Z0->D0", "Z1->D0", "Z2->D0", "Z3->D0"]
    assert net.weight_index("X2->Z3") == (0, 2, 2)
    assert net.weight_index("Z0->D0") == (1, 0, 0)
    assert net.unit_names(0) == ["X0", "X1", "X2"]
    assert net.unit_names(1) == ["Z0", "Z1", "Z2", "Z3"]
    assert net.unit_names(2) == ["D0"]


def test_names_index_the_right_array_entries():
    net = random_net((3, 4, 2))
    for name in net.weight_names():
        l, i, j = net.weight_index(name)
        assert net[name] == net.W[l][i, j]
        src, dst = name.split("->")
        assert src == net.unit_name(l, i) and dst == net.dest_name(l, j)
    assert len(set(net.weight_names())) == sum(w.size for w in net.W)


def test_several_hidden_layers_get_distinct_names():
    net = Network.random([2, 3, 3, 1], ["tanh", "tanh", "sigmoid"], seed=0)
    assert net.unit_names(1)[:2] == ["H1_0", "H1_1"]
    assert net.unit_names(2)[-1] == "H2_3"
    assert "H1_2->H2_3" in net.weight_names()
    assert len(set(net.weight_names())) == 3 * 3 + 4 * 3 + 4 * 1


def test_forward_matches_an_explicit_loop():
    net = random_net((3, 4, 2), ("tanh", "sigmoid"), seed=3)
    x = np.array([0.5, -1.0, 2.0])
    a = x
    for w, act in zip(net.W, net.acts):
        z = np.array([w[0, j] + sum(w[i + 1, j] * a[i] for i in range(len(a))) for j in range(w.shape[1])])
        a = act.f(z)
    np.testing.assert_allclose(net.predict(x)[0], a, rtol=1e-14)


def test_backward_matches_an_explicit_loop():
    """delta_j = f'(z_j) * sum_k w_jk delta_k, written unit by unit."""
    net = random_net((3, 4, 2), ("tanh", "identity"), seed=5)
    x, y = np.array([[0.3, -0.7, 1.1]]), np.array([[0.2, -0.4]])
    fwd = net.forward(x)
    d_out = fwd.a[-1][0] - y[0]
    d_hid = [net.acts[0].df(fwd.z[0][0, j]) * sum(net.W[1][j + 1, k] * d_out[k] for k in range(2))
             for j in range(4)]
    deltas = net.backward(fwd, y)
    np.testing.assert_allclose(deltas[1][0], d_out, rtol=1e-14)
    np.testing.assert_allclose(deltas[0][0], d_hid, rtol=1e-14)


@pytest.mark.parametrize("rule", ["gradient", "article"])
@pytest.mark.parametrize("m", [1, 3])
def test_trace_values_equal_the_networks_computation(rule, m):
    net = random_net((2, 3, 2), ("tanh", "sigmoid"), seed=11)
    rng = np.random.default_rng(11)
    X, y = rng.normal(size=(m, 2)), rng.uniform(size=(m, 2))
    t = trace_step(net, X, y, 0.05, rule=rule)
    fwd = net.forward(X)
    deltas = net.backward(fwd, y, rule=rule)
    grads = net.gradients(X, y, rule=rule)
    for s in range(m):
        for j in range(3):
            assert t.find("forward", f"Z{j + 1}", sample=s).value == fwd.a[1][s, j]
            assert t.find("delta", f"Z{j + 1}", sample=s).value == deltas[0][s, j]
        for k in range(2):
            assert t.find("forward", f"D{k}", sample=s).value == fwd.a[2][s, k]
            assert t.find("delta", f"D{k}", sample=s).value == deltas[1][s, k]
    for name in net.weight_names():
        l, i, j = net.weight_index(name)
        assert t.find("gradient", name).value == grads[l][i, j]
        assert t.find("update", name).value == pytest.approx(net.W[l][i, j] - 0.05 * grads[l][i, j], abs=1e-15)
    # the trace never touches the network it was given
    assert t.before.weights_dict() == net.weights_dict()


def test_trace_state_grows_one_number_at_a_time():
    net = random_net((2, 3, 1), ("sigmoid", "identity"), seed=2)
    t = trace_step(net, [[0.5, -0.5]], [[1.0]], 0.1)
    known = []
    for step in t:
        s = step.state
        count = sum(np.isfinite(arr).sum() for arr in s.z + s.delta + s.grad) + np.isfinite(s.loss).sum()
        known.append(count)
        field, layer, idx = step.where
        if field in ("weights", "z", "a", "delta", "grad"):
            assert getattr(step.state, field)[layer][idx] == step.value
    assert known == sorted(known)
    final = t[-1].state
    for w, w_after in zip(final.weights, t.after.W):
        np.testing.assert_array_equal(w, w_after)
    # each update step changes exactly its own weight, and nothing else
    updates = [s for s in t if s.kind == "update"]
    assert len(updates) == sum(w.size for w in net.W)
    for step in updates:
        prev = t[step.index - 1].state
        changed = [(l, tuple(idx)) for l, (a, b) in enumerate(zip(step.state.weights, prev.weights))
                   for idx in np.argwhere(a != b)]
        l, i, j = net.weight_index(step.name)
        assert t.find("gradient", step.name).value != 0  # a real change, so exactly one is expected
        assert changed == [(l, (i, j))]


def test_trace_states_are_read_only():
    t = trace_step(xor_example().net, [[0, 0]], [[0]], 0.1)
    with pytest.raises(ValueError):
        t[3].state.weights[0][0, 0] = 5.0


def test_softmax_trace_records_z_then_ratio():
    net = Network.random([2, 3, 3], ["relu", "softmax"], init="he", seed=4)
    t = trace_step(net, [[1.0, 2.0]], [[0, 1, 0]], 0.1, loss="cce")
    a = net.predict([[1.0, 2.0]])[0]
    for k in range(3):
        assert t.find("forward", f"D{k}").value == a[k]
        assert t.find("forward", f"z(D{k})").formula.startswith(f"z(D{k}) = ")
    assert t.find("delta", "D1").formula == "δ(D1) = D1 - y1"


def test_fmt():
    assert fmt(1.4000000000000001) == "1.4"
    assert fmt(-0.0) == "0"
    assert fmt(-4) == "-4"
    assert fmt(0.123456789) == "0.123457"


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "bpnet", *args], capture_output=True, text=True)


@pytest.mark.slow
def test_cli_text_article():
    r = run_cli("trace", "--example", "xor", "--rule", "article")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert "  Z1 = w(X0->Z1)*X0 + w(X1->Z1)*X1 + w(X2->Z1)*X2 = 1*1 + 1*0 + 1*0 = 1" in lines
    assert "  loss = y - D0 = 0 - 4 = -4" in lines
    assert "  δ(Z3) = f'(z(Z3))*(w(Z3->D0)*δ(D0)) = 1*(1*(-4)) = -4" in lines
    assert "  w(X0->Z1) := w(X0->Z1) - lr*g(X0->Z1) = 1 - 0.1*(-4) = 1.4" in lines
    assert any(l.split() == ["X1->Z1", "1", "->", "1"] for l in lines)


@pytest.mark.slow
def test_cli_json_gradient():
    r = run_cli("trace", "--example", "xor", "--rule", "gradient", "--format", "json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["weights_after"]["X0->Z1"] == pytest.approx(0.6)
    assert data["weights_after"]["X1->Z1"] == 1.0
    assert data["weights_before"]["Z3->D0"] == 1.0
    kinds = {s["kind"] for s in data["steps"]}
    assert kinds == {"forward", "loss", "delta", "gradient", "update"}
    for s in data["steps"]:
        assert set(s) >= {"kind", "name", "formula", "numbers", "value"}
    d0 = next(s for s in data["steps"] if s["kind"] == "delta" and s["name"] == "D0")
    assert d0["value"] == 4.0


@pytest.mark.slow
def test_cli_sample_and_errors():
    r = run_cli("trace", "--sample", "4", "--format", "json")
    assert json.loads(r.stdout)["inputs"] == [[1.0, 1.0]]
    r = run_cli("trace", "--sample", "all", "--format", "json")
    assert len(json.loads(r.stdout)["inputs"]) == 4
    r = run_cli("trace", "--sample", "9")
    assert r.returncode == 2 and "--sample must be 1..4" in r.stderr
    r = run_cli("trace", "--rule", "upside-down")
    assert r.returncode == 2 and "invalid choice" in r.stderr


def test_import_bpnet_needs_only_numpy():
    code = ("import sys, bpnet; heavy = [m for m in sys.modules if m.split('.')[0] in "
            "('matplotlib', 'ipywidgets', 'IPython')]; print(heavy)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"


def test_trace_writes_each_losss_own_formula():
    net = Network([np.array([[0.5], [2.0]])], "identity")  # D0 = 0.5 + 2*X1
    x, y = [[1.0]], [[4.0]]
    texts = {loss: trace_step(net, x, y, 0.1, loss=loss).find("loss", "L").text
             for loss in ("half_squared_error", "absolute_error", "huber")}
    assert texts["half_squared_error"] == "L = 1/2*(D0 - y)^2 = 1/2*(2.5 - 4)^2 = 1.125"
    assert texts["absolute_error"] == "L = |D0 - y| = |2.5 - 4| = 1.5"
    assert texts["huber"] == "L = huber(D0 - y) = huber(2.5 - 4) = 1"


@pytest.mark.parametrize("batch_size", [None, 2, 3])
def test_training_continued_from_first_epoch_equals_one_longer_call(batch_size):
    """train(..., first_epoch=k) after k epochs shuffles as epochs k, k+1, ... of one call: the same
    costs and weights to the last bit (the training stepper continues a run this way)."""
    rng = np.random.default_rng(5)
    X, y = rng.normal(size=(7, 3)), rng.uniform(size=(7, 2))
    whole = Network.random([3, 4, 2], ["tanh", "sigmoid"], seed=2)
    parts = whole.copy()
    h = whole.train(X, y, 9, 0.3, "bce", batch_size=batch_size, seed=4)
    h1 = parts.train(X, y, 4, 0.3, "bce", batch_size=batch_size, seed=4)
    h2 = parts.train(X, y, 5, 0.3, "bce", batch_size=batch_size, seed=4, first_epoch=4)
    assert np.concatenate([h1, h2]).tobytes() == h.tobytes()
    assert all(a.tobytes() == b.tobytes() for a, b in zip(whole.W, parts.W))
    if batch_size is not None:  # with shuffled batches the epoch number matters
        other = whole.copy()
        other.train(X, y, 5, 0.3, "bce", batch_size=batch_size, seed=4, first_epoch=0)
        restarted = whole.copy()
        restarted.train(X, y, 5, 0.3, "bce", batch_size=batch_size, seed=4, first_epoch=9)
        assert any(a.tobytes() != b.tobytes() for a, b in zip(other.W, restarted.W))
