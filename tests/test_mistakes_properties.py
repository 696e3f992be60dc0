"""Property tests of the checkers' promise on seeded random non-degenerate networks.

For every checker question and every mistake of ``bpnet.explain.mistakes`` that gives a number
different from the right one (even inside the tolerance band): that number is never
accepted, and it is diagnosed as that mistake (or one whose value is identical). The right
value is accepted as a float, np.float32, a list, a (1,) and a (1, 1) array, and rounded to
4 significant figures.

Networks: random weights and biases, 1-3 hidden layers of 1-3 sigmoid/tanh/ReLU/leaky ReLU
units, and every loss bpnet offers with an output activation it accepts; 1-4 samples. The
mistakes property runs on the networks of 200 seeds that put every pair of traits (loss, output
activation, rule, hidden activations, depth, samples, inputs, outputs) on three networks.
The right values are checked against central differences of the cost on a few networks,
so the property is about the right numbers, not bpnet's own.
"""

from __future__ import annotations

import numpy as np
import pytest

from bpnet import Network
from bpnet.explain import mistakes
from bpnet.teach.exercises import check_cost, check_delta, check_forward, check_gradient, check_update

N_NETWORKS = 200
HIDDEN = ["sigmoid", "tanh", "relu", "leaky_relu"]
# Every loss with the output activations it accepts, and how its targets are drawn.
LOSSES = [
    ("half_squared_error", ["identity", "sigmoid", "tanh"], "real"),
    ("binary_cross_entropy", ["sigmoid"], "probability"),
    ("categorical_cross_entropy", ["softmax"], "one_hot"),
    ("absolute_error", ["identity", "tanh"], "real"),
    ("huber", ["identity"], "real"),
]


def random_network(seed: int):
    """(net, X, y, loss, lr): random weights and biases, a batch of 1-4 samples."""
    rng = np.random.default_rng(seed)
    loss, outs, targets = LOSSES[seed % len(LOSSES)]
    out = outs[rng.integers(len(outs))]
    n_hidden = int(rng.integers(1, 4))
    n_out = int(rng.integers(2, 4)) if out == "softmax" else int(rng.integers(1, 3))
    sizes = [int(rng.integers(1, 4))] + [int(rng.integers(1, 4)) for _ in range(n_hidden)] + [n_out]
    acts = [HIDDEN[rng.integers(len(HIDDEN))] for _ in range(n_hidden)] + [out]
    W = [rng.normal(0.0, 1.0, size=(a + 1, b)) for a, b in zip(sizes[:-1], sizes[1:])]
    net = Network(W, acts)
    m = int(rng.integers(1, 5))
    X = rng.normal(0.0, 1.5, size=(m, sizes[0]))
    if targets == "real":
        y = rng.normal(0.0, 1.5, size=(m, n_out))
    elif targets == "probability":
        y = rng.integers(0, 2, size=(m, n_out)).astype(float)
    else:
        y = np.eye(n_out)[rng.integers(n_out, size=m)]
    lr = float(rng.uniform(0.3, 2.0))
    return net, X, y, loss, lr, rng


def _rule(seed: int) -> str:
    return "article" if seed % 10 == 7 else "gradient"


def _traits(seed: int) -> set:
    """The pairs of traits the network of ``seed`` has (each is a way the checkers' paths combine)."""
    net, X, y, loss, lr, _ = random_network(seed)
    rule, hidden, out = _rule(seed), [a.name for a in net.acts[:-1]], net.acts[-1].name
    several = X.shape[0] > 1
    traits = {("loss, output, rule", loss, out, rule), ("samples, loss", several, loss),
              ("samples, rule", several, rule), ("depth, rule", len(hidden), rule), ("depth, loss", len(hidden), loss),
              ("last hidden, output", hidden[-1], out), ("outputs, loss", net.sizes[-1] > 1, loss),
              ("inputs", net.sizes[0] > 1)}
    traits |= {("loss, hidden", loss, h) for h in hidden} | {("rule, hidden", rule, h) for h in hidden}
    return traits | {("hidden, hidden", a, b) for a, b in zip(hidden, hidden[1:])}


def covering_seeds(times: int = 3) -> list[int]:
    """Seeds of range(N_NETWORKS), taken greedily until every pair of traits that any of them has is
    on ``times`` of the networks (or on all that have it)."""
    traits = {seed: _traits(seed) for seed in range(N_NETWORKS)}
    need = {}
    for have in traits.values():
        for t in have:
            need[t] = min(times, need.get(t, 0) + 1)
    chosen = []
    while any(need.values()):
        best = max((s for s in traits if s not in chosen), key=lambda s: (sum(need[t] > 0 for t in traits[s]), -s))
        chosen.append(best)
        for t in traits[best]:
            need[t] = max(0, need[t] - 1)
    return sorted(chosen)


def questions(net, X, y, loss, lr, rng):
    """One question of each kind on this network: (kind, name, sample or batch)."""
    L = net.n_layers
    l = int(rng.integers(L))
    unit = net.dest_name(l, int(rng.integers(net.sizes[l + 1])))
    # A weight whose gradient is not negligible (a dead ReLU unit's weights have none):
    # its step must show in 4 significant digits of the new weight.
    names = net.weight_names()
    grads = net.gradients(X, y, loss)
    moving = [n for n in names if _step_shows(net, grads, n, lr)]
    weight = (moving or names)[int(rng.integers(len(moving or names)))]
    update = [("update", weight)] if moving else []  # no weight moves (dead units): nothing to ask
    return [("forward", unit), ("z", unit), ("delta", unit), ("gradient", weight), *update, ("cost", None)]


def _step_shows(net, grads, name, lr) -> bool:
    l, i, j = net.weight_index(name)
    step = lr * grads[l][i, j]
    return abs(step) >= 0.01 * abs(net.W[l][i, j] - step)


def ask(kind, name, net, X, y, loss, lr, answer, rule="gradient"):
    """The public checker for this question."""
    if kind in ("forward", "z"):
        return check_forward(net, X[0], name, answer, value="a" if kind == "forward" else "z")
    if kind == "delta":
        return check_delta(net, X[0], y[0], name, answer, loss=loss, rule=rule, lr=lr)
    if kind == "gradient":
        return check_gradient(net, X, y, name, answer, loss=loss, rule=rule, lr=lr)
    if kind == "update":
        return check_update(net, X, y, name, answer, lr, loss=loss, rule=rule)
    return check_cost(net, X, y, answer, loss=loss)


def assessment(kind, name, net, X, y, loss, lr, rule="gradient"):
    if kind in ("forward", "z"):
        return mistakes.assess(net, X[:1], None, (kind, name))
    if kind == "delta":
        return mistakes.assess(net, X[:1], y[:1], (kind, name), loss, rule, lr)
    return mistakes.assess(net, X, y, (kind, name), loss, rule, lr)


def sig4(v: float) -> float:
    return float(f"{v:.4g}")


@pytest.mark.slow
def test_property_mistakes_never_accepted_and_diagnosed():
    checked = diagnosed_same = rounding_skipped = inside_band = 0
    kinds_seen, keys_seen = set(), set()
    seeds = covering_seeds()
    for seed in seeds:
        net, X, y, loss, lr, rng = random_network(seed)
        rule = _rule(seed)
        for kind, name in questions(net, X, y, loss, lr, rng):
            a = assessment(kind, name, net, X, y, loss, lr, rule)
            expected = float(a.expected)
            tol = float(mistakes.tolerance(a))
            # The right value, in every form a learner may give it.
            for form in (expected, np.float32(expected), [expected], np.array([expected]),
                         np.array([[expected]])):
                r = ask(kind, name, net, X, y, loss, lr, form, rule)
                assert r.correct, (seed, kind, name, type(form).__name__, r)
            exact_mistake = any(abs(float(c.value) - sig4(expected)) <= 1e-12 * (1 + abs(expected))
                                and abs(float(c.value) - expected) > 1e-12 * (1 + abs(expected))
                                for c in a.candidates)
            if exact_mistake:
                # 4 digits of the right value are exactly a mistake's number: the answer is that mistake's.
                rounding_skipped += 1
            elif abs(sig4(expected) - expected) <= tol:
                r = ask(kind, name, net, X, y, loss, lr, sig4(expected), rule)
                assert r.correct, (seed, kind, name, "4 significant figures", r)
            else:
                # Only an update whose step is below the 4th digit of the weight: 4 digits cannot show it.
                assert kind == "update", (seed, kind, name, expected, tol)
                rounding_skipped += 1
            # Every mistake that gives another number (beyond floating-point noise): never
            # accepted, even inside the tolerance band, and named.
            noise = 1e-9 * (abs(expected) + float(a.scale))
            for c in a.candidates:
                v = float(c.value)
                if abs(v - expected) <= noise or "+" in c.key:
                    continue
                inside_band += abs(v - expected) <= tol
                r = ask(kind, name, net, X, y, loss, lr, v, rule)
                assert not r.correct, (seed, kind, name, c.key, v, expected)
                if r.mistake != c.key:
                    # A key may have several candidates (a slip at one layer: one per layer).
                    twins = [float(k.value) for k in a.candidates if k.key == r.mistake]
                    assert any(abs(twin - v) <= 1e-9 * (1 + abs(v)) for twin in twins), (
                        seed, kind, name, c.key, r.mistake, v, twins)
                    diagnosed_same += 1
                assert r.diagnosis and "(" + c.key + ")" not in r.diagnosis
                checked += 1
                keys_seen.add(c.key)
            kinds_seen.add(kind)
    assert kinds_seen == set(mistakes.QUESTION_KINDS)
    assert checked > 2000, checked
    assert inside_band > 20, inside_band  # mistakes a 1e-3 band alone would have accepted
    assert rounding_skipped < len(seeds) // 5, rounding_skipped
    # Every generic entry of the catalogue was exercised, and the activations' own ones too.
    missing = {key for key in mistakes.CATALOGUE if ":" not in key} - keys_seen  # not declared by an activation or loss
    assert not missing, missing
    assert {"derivative:missing_square", "activation:sign", "loss:missing_half"} <= keys_seen


def test_property_right_values_are_the_calculus():
    """The value every checker accepts is dJ/dw by central differences, on the same random networks."""
    for seed in range(0, N_NETWORKS, 15):
        net, X, y, loss, lr, rng = random_network(seed)
        for name in net.weight_names()[::3]:
            a = mistakes.assess(net, X, y, ("gradient", name), loss)
            l, i, j = net.weight_index(name)
            h = 1e-6
            plus, minus = net.copy(), net.copy()
            plus.W[l][i, j] += h
            minus.W[l][i, j] -= h
            numeric = (plus.cost(X, y, loss) - minus.cost(X, y, loss)) / (2 * h)
            assert a.expected == pytest.approx(numeric, rel=1e-4, abs=1e-6), (seed, name)


@pytest.mark.slow
def test_property_single_unit_checkers():
    """check_neuron, check_activation and check_activation_derivative on 200 random cases: every
    mistake's number is named and never accepted; the right value is accepted in every form."""
    import bpnet
    from bpnet.teach.exercises import check_activation, check_activation_derivative, check_neuron

    checked = 0
    for seed in range(200):
        rng = np.random.default_rng(10_000 + seed)
        name = ["sigmoid", "tanh", "relu", "leaky_relu", "identity", "softmax"][seed % 6]
        act = bpnet.get_activation(name)
        z = rng.normal(0.0, 2.0, size=int(rng.integers(2, 5)))
        asks = [(check_activation, act.f(z), act.value_mistakes(z))]
        if act.elementwise:
            asks.append((check_activation_derivative, act.df(z), act.derivative_mistakes(z)))
            w, x, b = rng.normal(size=3), rng.normal(size=3), float(rng.normal())
            zz = float(w @ x + b)
            a_right = float(act.f(np.array(zz)))
            r = check_neuron(w, b, x, a_right, activation=name)
            assert r.correct, (seed, r)
            assert check_neuron(w, b, x, float(f"{a_right:.4g}"), activation=name).correct
            for wrong in (zz - b, float(act.f(np.array(zz - b)))):
                if abs(wrong - a_right) > 1e-9 * (1 + abs(a_right)):
                    r = check_neuron(w, b, x, wrong, activation=name)
                    assert not r.correct and r.mistake and r.mistake != "general", (seed, r)
                    checked += 1
        for check, right, wrongs in asks:
            for form in (right, right.astype(np.float32), list(right), right.reshape(1, -1)):
                assert check(name, z, form).correct, (seed, name, check.__name__)
            assert check(name, z, np.array([float(f"{v:.4g}") for v in right])).correct
            for key, value, _ in wrongs:
                value = np.asarray(value, dtype=float)
                if np.all(np.abs(value - right) <= 1e-9 * (1 + np.abs(right))):
                    continue
                r = check(name, z, value)
                assert not r.correct, (seed, name, key)
                twins = [k for k, v, _ in wrongs if np.allclose(v, value, rtol=1e-12, atol=1e-12)]
                assert r.mistake in twins + ["derivative_of_a"], (seed, name, key, r.mistake)
                checked += 1
    assert checked > 400, checked
