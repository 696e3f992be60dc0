"""The exercise checkers: right answers accepted, each known mistake diagnosed, others get a general hint.

The expected values and the mistakes are computed here by hand-written numpy (not with
bpnet's backward pass), on the worked example and on random-weight sigmoid networks.
"""

import re
from html import unescape

import numpy as np
import pytest

import bpnet
from bpnet import Network
from bpnet.teach import exercises as ex
from bpnet.teach.exercises import (
    MISTAKES, check_activation, check_activation_derivative, check_cost, check_delta, check_forward,
    check_gradient, check_learning_rate, check_neuron, check_update,
)

def visible(markdown: str) -> str:
    """The text a reader sees when ``markdown`` is rendered (CommonMark, as JupyterLab does)."""
    mistune = pytest.importorskip("mistune")
    html = mistune.create_markdown(renderer="html")(markdown)
    return unescape(re.sub(r"<[^>]+>", "", html))


LR = 5.0  # large, so that a mistake in the gradient moves the new weight well outside the tolerance


def sig(z):
    return 1.0 / (1.0 + np.exp(-z))


ACTS = {  # name: (f, f')
    "sigmoid": (sig, lambda z: sig(z) * (1 - sig(z))),
    "tanh": (np.tanh, lambda z: 1 - np.tanh(z) ** 2),
    "identity": (lambda z: z, np.ones_like),
}


def random_case(seed, hidden="sigmoid", out="sigmoid"):
    """A 2-3-2 net with random weights (biases too) and a batch of 3."""
    # Targets partly outside (0, 1) keep the deltas large enough
    # that each mistake lands far outside the tolerance of the right answer.
    rng = np.random.default_rng(seed)
    W = [rng.normal(size=(3, 3)), rng.normal(size=(4, 2))]
    net = Network(W, [hidden, out])
    X = rng.normal(size=(3, 2))
    y = rng.uniform(-1.0, 2.0, size=(3, 2))
    return net, X, y


def manual(net, X, y, lr=LR):
    """Forward, deltas, gradients and the classic mistakes for a 2-layer net, half squared error."""
    (f0, df0), (f1, df1) = (ACTS[a.name] for a in net.acts)
    W0, W1 = net.W
    m = X.shape[0]
    z0 = X @ W0[1:] + W0[0]
    h = f0(z0)
    z1 = h @ W1[1:] + W1[0]
    o = f1(z1)
    d1 = (o - y) * df1(z1)
    d0 = df0(z0) * (d1 @ W1[1:].T)
    A0 = np.hstack([np.ones((m, 1)), X])
    A1 = np.hstack([np.ones((m, 1)), h])
    g0 = A0.T @ d0 / m
    g1 = A1.T @ d1 / m
    # mistakes
    d1_nof = o - y
    d0_nof = d1 @ W1[1:].T
    W1_new = W1 - lr * g1
    d0_upd = df0(z0) * (d1 @ W1_new[1:].T)
    return dict(z0=z0, h=h, z1=z1, o=o, d0=d0, d1=d1, g0=g0, g1=g1, A0=A0, A1=A1,
                d1_nof=d1_nof, d0_nof=d0_nof, d0_upd=d0_upd)


SEEDS = [0, 1, 2, 3]


def far(v):
    """A wrong answer that matches no known mistake: off by more than the rounding window."""
    return v + 0.5 + 0.73 * abs(v)


# ----- the result object -------------------------------------------------------------------
def test_result_object_correct_and_wrong():
    net, X, y, lr = bpnet.xor_example()
    ok = check_delta(net, X[0], y[0], "D0", 4)
    assert ok.correct and bool(ok) and ok.mistake is None and ok.diagnosis == ""
    assert repr(ok).startswith("✓ Correct: δ(D0) = 4")
    bad = check_delta(net, X[0], y[0], "D0", -4)
    assert not bad.correct and not bool(bad) and bad.mistake == "sign"
    assert bad.diagnosis in repr(bad) and bad.diagnosis in visible(bad._repr_markdown_())
    assert "(sign)" not in repr(bad) and "sign" != bad.diagnosis.split()[0]  # a human sentence, no internal tag
    # The solution is shown only when asked.
    assert "Solution" not in repr(bad) and "= 4" not in repr(bad).replace("-4", "")
    assert bad.solution().value == 4.0
    assert bad.solution().text.endswith("= 4")
    shown = check_delta(net, X[0], y[0], "D0", -4, show_solution=True)
    assert "Solution:" in repr(shown) and shown.solution().text in repr(shown)


def test_reprs_are_deterministic_and_plain():
    net, X, y = random_case(0)
    for _ in range(2):
        r1 = check_gradient(net, X, y, "X1->Z2", 0.3)
        r2 = check_gradient(net, X, y, "X1->Z2", 0.3)
        assert repr(r1) == repr(r2) and r1._repr_markdown_() == r2._repr_markdown_()
    assert "np.float64" not in repr(r1) and "np.float64" not in r1.solution().text


def test_every_reported_mistake_is_documented():
    net, X, y = random_case(1)
    M = manual(net, X, y)
    results = [
        check_delta(net, X[0], y[0], "Z1", -M["d0"][0, 0]),
        check_gradient(net, X, y, "Z1->D0", 3 * M["g1"][1, 0]),
        check_update(net, X, y, "Z1->D0", net["Z1->D0"] + 3 * LR * M["g1"][1, 0], LR),
    ]
    for r in results:
        assert all(k in MISTAKES or k.split(":")[0] in ("activation", "derivative", "loss")
                   for k in r.mistake.split("+")), r.mistake


# ----- check_delta --------------------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
def test_delta_right_and_mistakes_on_random_nets(seed):
    net, X, y = random_case(seed)
    M = manual(net, X[:1], y[:1])  # a delta belongs to one sample, and so does its update
    x0, y0 = X[0], y[0]
    for k, unit in enumerate(["D0", "D1"]):
        assert check_delta(net, x0, y0, unit, M["d1"][0, k]).correct
        assert check_delta(net, x0, y0, unit, -M["d1"][0, k]).mistake == "sign"
        assert check_delta(net, x0, y0, unit, M["d1_nof"][0, k]).mistake == "missing_output_derivative"
    for k, unit in enumerate(["Z1", "Z2", "Z3"]):
        assert check_delta(net, x0, y0, unit, M["d0"][0, k], lr=LR).correct
        assert check_delta(net, x0, y0, unit, -M["d0"][0, k]).mistake == "sign"
        assert check_delta(net, x0, y0, unit, M["d0_nof"][0, k]).mistake == "missing_hidden_derivative"
        r = check_delta(net, x0, y0, unit, M["d0_upd"][0, k], lr=LR)
        assert r.mistake == "updated_weights", r
        # A combined mistake: the flipped sign and the missing derivative.
        assert check_delta(net, x0, y0, unit, -M["d0_nof"][0, k]).mistake == "sign+missing_hidden_derivative"


@pytest.mark.parametrize("seed", SEEDS)
def test_delta_random_wrong_answer_gets_general_hint(seed):
    net, X, y = random_case(seed)
    M = manual(net, X, y)
    r = check_delta(net, X[0], y[0], "Z2", far(M["d0"][0, 1]), lr=LR)
    assert r.mistake == "general" and "Z2" in r.diagnosis and not r.correct


def test_delta_worked_example_both_rules():
    net, X, y, lr = bpnet.xor_example()
    # Gradient rule: +4 at D0 and at Z1; the article's -4 is the sign mistake.
    assert check_delta(net, X[0], y[0], "Z1", 4).correct
    assert check_delta(net, X[0], y[0], "Z1", -4).mistake == "sign"
    # Updated weights (1 - 0.1*4 = 0.6 on Z1->D0): 0.6 * 4.
    assert check_delta(net, X[0], y[0], "Z1", 0.6 * 4, lr=lr).mistake == "updated_weights"
    # Identity activations: forgetting f' = 1 changes nothing, so it is not called a mistake.
    assert check_delta(net, X[0], y[0], "Z1", 4).correct
    # The article's own rule: -4 is right there.
    assert check_delta(net, X[0], y[0], "D0", -4, rule="article").correct
    assert check_delta(net, X[0], y[0], "D0", 4, rule="article").mistake == "sign"


def test_rounding_is_told_apart():
    net, X, y = random_case(0)
    d = manual(net, X, y)["d1"][0, 0]
    assert check_delta(net, X[0], y[0], "D0", d * 1.0005).correct  # inside rtol 1e-3
    assert check_delta(net, X[0], y[0], "D0", float(f"{d:.2g}")).mistake == "rounding"  # 2 digits
    assert check_delta(net, X[0], y[0], "D0", float(f"{d:.4g}")).correct


# ----- check_gradient -----------------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
def test_gradient_right_and_mistakes_on_random_nets(seed):
    net, X, y = random_case(seed)
    M = manual(net, X, y)
    m = X.shape[0]
    # Hidden -> output: Z2->D1 is W1[2, 1]; source Z2 (column 1 of h), destination D1.
    g = M["g1"][2, 1]
    assert check_gradient(net, X, y, "Z2->D1", g).correct
    assert check_gradient(net, X, y, "Z2->D1", -g).mistake == "sign"
    assert check_gradient(net, X, y, "Z2->D1", m * g).mistake == "sum_not_mean"
    assert check_gradient(net, X, y, "Z2->D1", -m * g).mistake == "sign+sum_not_mean"
    swapped = np.mean(M["o"][:, 1] * M["d1"][:, 1])
    assert check_gradient(net, X, y, "Z2->D1", swapped).mistake == "destination_activation"
    swapped2 = np.mean(M["o"][:, 1] * M["d0"][:, 1])  # a of the destination, delta of the source
    assert check_gradient(net, X, y, "Z2->D1", swapped2).mistake == "swapped"
    pre = np.mean(M["z0"][:, 1] * M["d1"][:, 1])
    assert check_gradient(net, X, y, "Z2->D1", pre).mistake == "pre_activation"
    nof = np.mean(M["h"][:, 1] * M["d1_nof"][:, 1])
    assert check_gradient(net, X, y, "Z2->D1", nof).mistake == "missing_output_derivative"
    # Input -> hidden: X1->Z3 is W0[1, 2].
    g = M["g0"][1, 2]
    assert check_gradient(net, X, y, "X1->Z3", g, lr=LR).correct
    assert check_gradient(net, X, y, "X1->Z3", np.mean(X[:, 0] * M["d0_upd"][:, 2]), lr=LR).mistake == "updated_weights"
    assert check_gradient(net, X, y, "X1->Z3", np.mean(X[:, 0] * M["d0_nof"][:, 2])).mistake == "missing_hidden_derivative"
    assert check_gradient(net, X, y, "X1->Z3", np.mean(M["h"][:, 2] * M["d0"][:, 2])).mistake == "destination_activation"
    r = check_gradient(net, X, y, "X1->Z3", far(g))
    assert r.mistake == "general" and "X1" in r.diagnosis and "Z3" in r.diagnosis


def test_gradient_of_one_sample_has_no_sum_mistake():
    net, X, y = random_case(2)
    g = manual(net, X[:1], y[:1])["g1"][1, 0]
    # With m = 1, sum and mean agree: the right answer stays right.
    assert check_gradient(net, X[:1], y[:1], "Z1->D0", g).correct


def test_gradient_matches_central_differences():
    net, X, y = random_case(3)
    l, i, j = net.weight_index("X2->Z1")
    eps = 1e-6
    plus, minus = net.copy(), net.copy()
    plus.W[l][i, j] += eps
    minus.W[l][i, j] -= eps
    numeric = (plus.cost(X, y) - minus.cost(X, y)) / (2 * eps)
    assert check_gradient(net, X, y, "X2->Z1", numeric).correct


# ----- check_update -------------------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
def test_update_right_and_mistakes(seed):
    # tanh hidden units and an identity output: big deltas, so updated weights show.
    net, X, y = random_case(seed, "tanh", "identity")
    M = manual(net, X, y)
    m = X.shape[0]
    w, g = net["Z3->D0"], M["g1"][3, 0]
    assert check_update(net, X, y, "Z3->D0", w - LR * g, LR).correct
    assert check_update(net, X, y, "Z3->D0", w + LR * g, LR).mistake == "sign"
    assert check_update(net, X, y, "Z3->D0", w - LR * m * g, LR).mistake == "sum_not_mean"
    assert check_update(net, X, y, "Z3->D0", w - g, LR).mistake == "missing_lr"
    assert check_update(net, X, y, "Z3->D0", -LR * g, LR).mistake == "change_not_weight"
    # The bias of the hidden unit where using updated weights changes the most
    # (a saturated sigmoid unit hides it).
    upd = np.mean(M["d0_upd"], axis=0)
    k = int(np.argmax(np.abs(upd - M["g0"][0])))
    name = f"X0->Z{k + 1}"
    w, g = net[name], M["g0"][0, k]
    assert abs(LR * (upd[k] - g)) > 0.01 * abs(w - LR * g)
    assert check_update(net, X, y, name, w - LR * g, LR).correct
    assert check_update(net, X, y, name, w - LR * upd[k], LR).mistake == "updated_weights"
    assert check_update(net, X, y, name, far(w - LR * g) + 0.1234, LR).mistake == "general"


def test_update_with_a_tiny_step_still_tells_mistakes_apart():
    """lr*g far below 0.1% of the weight: a wrong step must not pass as right."""
    net, X, y = random_case(SEEDS[0], "tanh", "identity")
    M = manual(net, X, y)
    lr, m = 1e-5, X.shape[0]
    w, g = net["Z3->D0"], M["g1"][3, 0]
    assert abs(lr * g) < 1e-3 * abs(w)
    assert check_update(net, X, y, "Z3->D0", w - lr * g, lr).correct
    assert check_update(net, X, y, "Z3->D0", w - lr * m * g, lr).mistake == "sum_not_mean"
    assert check_update(net, X, y, "Z3->D0", w + lr * g, lr).mistake == "sign"
    assert not check_update(net, X, y, "Z3->D0", w, lr).correct  # forgot to step at all


def test_update_worked_example():
    net, X, y, lr = bpnet.xor_example()
    assert check_update(net, X[:1], y[:1], "X0->Z1", 0.6, lr).correct
    assert check_update(net, X[:1], y[:1], "X0->Z1", 1.4, lr).mistake == "sign"  # the article's 1.4
    assert check_update(net, X[:1], y[:1], "X0->Z1", 1.4, lr, rule="article").correct
    # Full batch: Z1->D0 goes 1 -> -0.45 (mean); summing the batch gives 1 - 0.1*58.
    assert check_update(net, X, y, "Z1->D0", -0.45, lr).correct
    assert check_update(net, X, y, "Z1->D0", 1 - 0.1 * 58, lr).mistake == "sum_not_mean"


# ----- forward, neuron, cost ----------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
def test_forward_right_and_mistakes(seed):
    net, X, y = random_case(seed, "sigmoid", "tanh")
    M = manual(net, X, y)
    W0, W1 = net.W
    x = X[1]
    assert check_forward(net, x, "Z2", M["h"][1, 1]).correct
    assert check_forward(net, x, "Z2", M["z0"][1, 1], value="z").correct
    assert check_forward(net, x, "Z2", M["z0"][1, 1]).mistake == "missing_activation"
    assert check_forward(net, x, "Z2", M["h"][1, 1], value="z").mistake == "activation_applied"
    assert check_forward(net, x, "Z2", sig(M["z0"][1, 1] - W0[0, 1])).mistake == "missing_bias"
    assert check_forward(net, x, "D1", M["o"][1, 1]).correct
    assert check_forward(net, x, "D1", M["z1"][1, 1]).mistake == "missing_activation"
    # The hidden z passed on instead of the hidden activation: pick the sample where it shows most.
    z_from_z = M["z0"] @ W1[1:, 1] + W1[0, 1]
    s = int(np.argmax(np.abs(np.tanh(z_from_z) - M["o"][:, 1])))
    assert abs(np.tanh(z_from_z[s]) - M["o"][s, 1]) > 0.01
    assert check_forward(net, X[s], "D1", np.tanh(z_from_z[s])).mistake == "hidden_activation_skipped"
    assert check_forward(net, x, "D1", far(M["o"][1, 1])).mistake == "general"


def test_forward_worked_example():
    net, X, y, lr = bpnet.xor_example()
    for x, out in zip(X, [4, 7, 7, 10]):
        assert check_forward(net, x, "D0", out).correct
    assert check_forward(net, X[3], "D0", 9).mistake == "missing_bias"  # 3 + 3 + 3, no Z0
    assert check_forward(net, X[3], "D0", 6).mistake == "missing_biases"  # every bias left out: 3*2
    assert check_forward(net, X[3], "Z1", 2).mistake == "missing_bias"


def test_neuron():
    w, b, x = [0.5, -1.0], 0.1, [1.0, 2.0]
    z = 0.5 * 1 - 1.0 * 2 + 0.1
    assert check_neuron(w, b, x, sig(z)).correct
    assert check_neuron(w, b, x, z).mistake == "missing_activation"
    assert check_neuron(w, b, x, sig(z - b)).mistake == "missing_bias"
    assert check_neuron(w, b, x, z, value="z").correct
    assert check_neuron(w, b, x, z - b, value="z").mistake == "missing_bias"
    assert check_neuron(w, b, x, sig(z), value="z").mistake == "activation_applied"
    assert check_neuron(w, b, x, 0.9).mistake == "general"
    assert check_neuron(w, b, x, max(z, 0), activation="relu").correct


@pytest.mark.parametrize("seed", SEEDS)
def test_cost(seed):
    net, X, y = random_case(seed)
    o = manual(net, X, y)["o"]
    per = 0.5 * np.sum((o - y) ** 2, axis=1)
    assert check_cost(net, X, y, per.mean()).correct
    assert check_cost(net, X, y, per.sum()).mistake == "sum_not_mean"
    assert check_cost(net, X, y, 2 * per.mean()).mistake == "loss:missing_half"
    assert check_cost(net, X, y, np.mean(np.sum(y - o, axis=1))).mistake == "loss:error_not_loss"
    assert check_cost(net, X, y, far(per.mean())).mistake == "general"
    y = np.clip(y, 0, 1)  # binary cross-entropy needs targets in [0, 1]
    bce = -np.mean(np.sum(y * np.log(o) + (1 - y) * np.log(1 - o), axis=1))
    assert check_cost(net, X, y, bce, loss="bce").correct
    assert check_cost(net, X, y, -bce, loss="bce").mistake == "loss:sign"


# ----- activations and schedules ----------------------------------------------------------
def test_activation_derivative():
    z = np.array([-2.0, -0.5, 0.0, 0.7, 3.0])
    s = sig(z)
    assert check_activation_derivative("sigmoid", z, s * (1 - s)).correct
    assert check_activation_derivative("sigmoid", z, list(s * (1 - s))).correct
    assert check_activation_derivative("sigmoid", z, s).mistake == "value_not_derivative"
    assert check_activation_derivative("sigmoid", z, z * (1 - z)).mistake == "derivative_of_z"
    t = np.tanh(z)
    assert check_activation_derivative("tanh", z, 1 - t ** 2).correct
    assert check_activation_derivative("tanh", z, 1 - z ** 2).mistake == "derivative_of_z"
    assert check_activation_derivative("tanh", z, 1 - t).mistake == "missing_square"
    assert check_activation_derivative("relu", z, (z > 0) * 1.0).correct
    # At the kink z = 0 either one-sided slope is right.
    assert check_activation_derivative("relu", z, (z >= 0) * 1.0).correct
    assert check_activation_derivative("relu", 0.0, 1.0).correct and check_activation_derivative("relu", 0.0, 0.0).correct
    assert check_activation_derivative("leaky_relu", 0.0, 0.01).correct
    assert check_activation_derivative("leaky_relu", 0.0, 1.0).correct
    assert not check_activation_derivative("relu", 0.0, 0.5).correct
    leaky = np.where(z > 0, 1.0, 0.01)
    assert check_activation_derivative("leaky_relu", z, leaky).correct
    assert check_activation_derivative("leaky_relu", z, (z > 0) * 1.0).mistake == "missing_slope"
    assert check_activation_derivative("identity", 2.5, 1).correct
    assert check_activation_derivative("identity", 2.5, 2.5).mistake == "value_not_derivative"
    assert check_activation_derivative("sigmoid", 0.3, 0.9).mistake == "general"


def test_activation_value():
    z = np.array([-1.0, 0.5, 2.0])
    assert check_activation("sigmoid", z, sig(z)).correct
    assert check_activation("sigmoid", z, sig(-z)).mistake == "sign"
    assert check_activation("sigmoid", z, sig(z) * (1 - sig(z))).mistake == "derivative_not_value"
    e = np.exp(z)
    assert check_activation("softmax", z, e / e.sum()).correct
    assert check_activation("softmax", z, e).mistake == "missing_normalisation"
    assert check_activation("relu", z, np.maximum(z, 0)).correct
    assert check_activation("leaky_relu", z, np.maximum(z, 0)).mistake == "missing_slope"


def test_learning_rate_schedules():
    assert check_learning_rate("step", 0.1, 25, 0.1 * 0.5 ** 2).correct
    assert check_learning_rate("step", 0.1, 25, 0.1 * 0.5 ** 3).mistake == "off_by_one"
    assert check_learning_rate("step", 0.1, 25, 0.1 * 0.5 * 2).mistake == "missing_power"
    assert check_learning_rate("exponential", 0.1, 5, 0.1 * np.exp(-0.5)).correct
    assert check_learning_rate("exponential", 0.1, 5, 0.1 * np.exp(0.5)).mistake == "sign"


# ----- not answered yet, and hints one level at a time --------------------------------------
def test_an_answer_of_none_is_not_answered_yet_and_asks_for_one():
    net, X, y, lr = bpnet.xor_example()
    r = check_delta(net, X[0], y[0], "D0", None)
    assert not r and not r.correct and not r.answered and r.mistake == "unanswered"
    assert repr(r).startswith("… Not answered yet: δ(D0)") and "in place of None" in repr(r)
    assert "Not yet:" not in repr(r) and "Correct" not in repr(r)
    assert "in place of None" in visible(r._repr_markdown_())
    assert r.solution().value == 4.0  # the solution is there, on request
    assert check_delta(net, X[0], y[0], "D0", 4).answered and check_delta(net, X[0], y[0], "D0", -4).answered


def _all_values(text):
    return set(re.findall(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?", text))


HINTED = [
    lambda a: check_neuron([0.5, -1.0], 0.2, [1.0, 2.0], a),
    lambda a: check_neuron([0.5, -1.0], 0.2, [1.0, 2.0], a, value="z"),
    lambda a: check_activation("sigmoid", 0.5, a),
    lambda a: check_activation_derivative("tanh", 0.3, a),
    lambda a: check_forward(random_case(1)[0], random_case(1)[1][0], "Z1", a, value="z"),
    lambda a: check_forward(random_case(1)[0], random_case(1)[1][0], "D1", a),
    lambda a: check_cost(*random_case(2), a),
    lambda a: check_delta(random_case(3)[0], random_case(3)[1][0], random_case(3)[2][0], "Z2", a),
    lambda a: check_gradient(*random_case(4), "Z1->D0", a),
    lambda a: check_update(*random_case(5), "X2->Z1", a, lr=0.5),
    lambda a: check_learning_rate("step", 0.4, 25, a),
    lambda a: check_learning_rate("exponential", 0.4, 7, a),
]


@pytest.mark.parametrize("k", range(len(HINTED)))
def test_hints_come_one_level_at_a_time_and_never_give_the_answer(k):
    """hint() gives the idea, the formula, then the numbers, each once, then points to the solution;
    no hint shows the right value (as the solution prints it), and the formula holds no numbers of this question."""
    r = HINTED[k](None)
    value = bpnet.fmt(r.solution().value)
    levels = [r.hint() for _ in range(4)]
    assert [(h.level, h.of, h.name) for h in levels[:3]] == [(1, 3, "the idea"), (2, 3, "the formula"),
                                                             (3, 3, "the numbers")]
    assert levels[3].level == 0 and "solution()" in levels[3].text and "solution()" in repr(r.hint())
    assert [h.text for h in levels[:3]] == list(r.hints)
    for h in levels[:3]:
        assert h.text.strip() and not re.search(rf"(?<![\w.]){re.escape(value)}(?![\w.])", h.text), (h, value)
    # Each level says more than the one before it, and the formula is not the numbers.
    assert levels[1].text != levels[2].text and len(levels[2].text) > len(levels[1].text)
    # A fresh result starts again at the first hint; a wrong and a right answer have the same hints.
    assert HINTED[k](None).hint().level == 1
    assert HINTED[k](1234.5).hints == r.hints == HINTED[k](r.solution().value).hints


def test_a_hint_is_markdown_a_reader_sees_whole():
    net, X, y, lr = bpnet.xor_example()
    r = check_update(net, X[:1], y[:1], "Z1->D0", None, lr=0.5)
    idea, formula, numbers = (r.hint() for _ in range(3))
    assert visible(idea._repr_markdown_()).startswith("Hint 1 of 3 (the idea): New weight")
    assert "w(Z1->D0) := w(Z1->D0) - lr*g(Z1->D0)" in visible(formula._repr_markdown_())
    assert "0.5*4" not in formula.text and "= 1 - 0.5*4" in numbers.text and not numbers.text.rstrip().endswith("-1")


# ----- bad input: one clear error -------------------------------------------------------------
@pytest.mark.parametrize("answer, err, words", [
    ("4", TypeError, "text"),
    (True, TypeError, "number"),
    ([1.0, 2.0], ValueError, "one number"),
    (float("nan"), ValueError, "NaN"),
    (float("inf"), ValueError, "inf"),
    (1 + 2j, TypeError, "real"),
])
def test_bad_answers(answer, err, words):
    net, X, y, lr = bpnet.xor_example()
    with pytest.raises(err, match=words):
        check_delta(net, X[0], y[0], "D0", answer)


@pytest.mark.parametrize("call, words", [
    (lambda n, X, y: check_delta(n, X[0], y[0], "Z0", 1), "bias unit"),
    (lambda n, X, y: check_delta(n, X[0], y[0], "X1", 1), "input unit"),
    (lambda n, X, y: check_delta(n, X[0], y[0], "Q7", 1), "unknown unit 'Q7'"),
    (lambda n, X, y: check_delta(n, X, y, "D0", 1), "one sample"),
    (lambda n, X, y: check_forward(n, X[0], "D0", 1, value="q"), "value must be"),
    (lambda n, X, y: check_gradient(n, X, y, "Z9->D0", 1), "unknown weight 'Z9->D0'"),
    (lambda n, X, y: check_update(n, X, y, "Z1->D0", 1, lr=-1), "learning rate"),
    (lambda n, X, y: check_delta(n, X[0], y[0], "D0", 1, rule="nope"), "unknown rule"),
    (lambda n, X, y: check_delta(n, X[0], y[0], "D0", 1, rtol=-1), "rtol"),
    (lambda n, X, y: check_gradient(n, X[:, :1], y, "Z1->D0", 1), "shape"),
    (lambda n, X, y: check_activation_derivative("softmax", [1.0, 2.0], [0.1, 0.2]), "matrix"),
    (lambda n, X, y: check_activation_derivative("swish", 1.0, 0.5), "unknown activation"),
    (lambda n, X, y: check_activation_derivative("sigmoid", [1.0, 2.0], [0.1, 0.2, 0.3]), "shape"),
    (lambda n, X, y: check_learning_rate("cosine", 0.1, 3, 0.1), "unknown schedule"),
    (lambda n, X, y: check_neuron([1.0, 2.0], 0.0, [1.0], 1.0), "same length"),
])
def test_bad_input_names_the_problem(call, words):
    net, X, y, lr = bpnet.xor_example()
    with pytest.raises((ValueError, TypeError), match=words):
        call(net, X, y)


def test_checkers_do_not_change_the_network():
    net, X, y = random_case(0)
    before = [w.copy() for w in net.W]
    check_update(net, X, y, "X1->Z1", 0.0, LR)
    check_delta(net, X[0], y[0], "Z1", 0.0, lr=LR)
    for w, b in zip(net.W, before):
        np.testing.assert_array_equal(w, b)


def test_public_api_is_listed():
    for name in ex.__all__:
        assert hasattr(ex, name)


# ----- regressions: answers once accepted or misdiagnosed --------------------------------------
def biased_case(seed, hidden="sigmoid", out="sigmoid"):
    """random_case, whose weights (biases included) are all random and non-zero."""
    return random_case(seed, hidden, out)


def test_hidden_biases_left_out_is_not_accepted():
    # Once: "✓ Correct: D0 = 0.517595" where the right value is 0.517139 (inside a 1e-3 band).
    for seed in SEEDS:
        net, X, y = biased_case(seed)
        W0, W1 = net.W
        h = sig(X[0] @ W0[1:])  # hidden biases left out
        wrong = sig(h @ W1[1:, 0] + W1[0, 0])
        r = check_forward(net, X[0], "D0", wrong)
        assert not r.correct and r.mistake == "missing_hidden_biases", r


def test_classic_slips_on_a_random_net_are_named_not_accepted():
    net, X, y = random_case(1, "tanh", "sigmoid")
    M = manual(net, X, y)
    W0, W1 = net.W
    x0, y0 = X[0], y[0]
    # z given instead of a
    assert check_forward(net, x0, "Z1", M["z0"][0, 0]).mistake == "missing_activation"
    # f'(a) instead of f'(z), wherever f' is used
    o, h = M["o"][0], M["h"][0]
    d1_a = (o - y0) * sig(o) * (1 - sig(o))
    d_a = (1 - np.tanh(h) ** 2) * (d1_a @ W1[1:].T)
    assert check_delta(net, x0, y0, "D1", d1_a[1]).mistake == "derivative_of_a"
    assert check_delta(net, x0, y0, "Z1", d_a[0]).mistake == "derivative_of_a"
    # tanh' without its square
    d_sq = (1 - M["h"][0]) * (M["d1"][0] @ W1[1:].T)
    assert check_delta(net, x0, y0, "Z2", d_sq[1]).mistake == "derivative:missing_square"
    # the derivative of the wrong unit: Z3's f'(z) in Z2's delta
    df = 1 - M["h"][0] ** 2
    assert check_delta(net, x0, y0, "Z2", df[2] * (M["d1"][0] @ W1[1:].T)[1]).mistake == "derivative_of_wrong_unit"
    # z used as the source activation of a gradient
    pre = np.mean(M["z0"][:, 0] * M["d1"][:, 1])
    assert check_gradient(net, X, y, "Z1->D1", pre).mistake == "pre_activation"
    # the wrong input column: X2 where X1 belongs (once called "rounding")
    wrong_col = np.mean(X[:, 1] * M["d0"][:, 0])
    r = check_gradient(net, X, y, "X1->Z1", wrong_col)
    assert not r.correct and r.mistake == "wrong_source", r


def test_weight_left_unchanged_is_named_as_such():
    net, X, y, lr = bpnet.xor_example()
    # Once diagnosed as "source and destination swapped".
    r = check_update(net, X, y, "Z1->D0", net["Z1->D0"], lr)
    assert r.mistake == "unchanged" and "before the step" in r.diagnosis
    net, X, y = random_case(2, "tanh", "identity")
    assert check_update(net, X, y, "Z1->D0", net["Z1->D0"], LR).mistake == "unchanged"


def test_worked_example_cost_23_is_not_rounding():
    net, X, y, lr = bpnet.xor_example()
    assert check_cost(net, X, y, 23.5).correct
    r = check_cost(net, X, y, 23)
    assert not r.correct and r.mistake == "general"


def test_hints_speak_of_the_loss_in_play():
    net, X, y = random_case(3, "sigmoid", "sigmoid")
    y = (y > 0.5).astype(float)
    d = check_delta(net, X[0], y[0], "D0", 0.0, loss="bce").solution().value
    r = check_delta(net, X[0], y[0], "D0", -d, loss="bce")
    assert r.mistake == "sign" and "a - y" in r.diagnosis and "f'" not in r.diagnosis
    r = check_delta(net, X[0], y[0], "D0", -check_delta(net, X[0], y[0], "D0", 0.0).solution().value)
    assert r.mistake == "sign" and "sigmoid" in r.diagnosis  # squared error on a sigmoid: f'(z) is part of it
    # An extra f'(z) on the short form a - y of sigmoid + BCE.
    a = manual(net, X, y)["o"][0, 0]
    r = check_delta(net, X[0], y[0], "D0", d * a * (1 - a), loss="bce")
    assert r.mistake == "extra_derivative" and "a - y" in r.diagnosis


def test_correct_answer_says_which_mistakes_give_the_same_number():
    net, X, y, lr = bpnet.xor_example()
    r = check_delta(net, X[0], y[0], "Z1", 4)
    assert r.correct and r.same_as and "f'(z)" in r.note and r.note in repr(r)
    net, X, y = random_case(0, "tanh", "sigmoid")
    M = manual(net, X, y)
    r = check_delta(net, X[0], y[0], "Z1", M["d0"][0, 0])
    assert r.correct and not any("f'(z) left out" in s for s in r.same_as)


# ----- what a learner sees: Markdown renders to exactly the plain text ---------------------------
def _all_results():
    """A result for every mistake of every network checker, plus right answers with solutions shown."""
    out = []
    for seed, (hidden, outp, loss) in enumerate([("tanh", "sigmoid", "mse"), ("sigmoid", "sigmoid", "bce"),
                                                  ("relu", "identity", "mse"), ("leaky_relu", "tanh", "huber")]):
        net, X, y = random_case(seed, hidden, outp)
        if loss == "bce":
            y = (y > 0.5).astype(float)
        calls = [
            (lambda v: check_forward(net, X[0], "D1", v), ("forward", "D1"), X[:1], None),
            (lambda v: check_forward(net, X[0], "Z2", v, value="z"), ("z", "Z2"), X[:1], None),
            (lambda v: check_delta(net, X[0], y[0], "Z2", v, loss=loss, lr=LR), ("delta", "Z2"), X[:1], y[:1]),
            (lambda v: check_gradient(net, X, y, "X1->Z2", v, loss=loss, lr=LR), ("gradient", "X1->Z2"), X, y),
            (lambda v: check_update(net, X, y, "Z1->D0", v, LR, loss=loss), ("update", "Z1->D0"), X, y),
            (lambda v: check_cost(net, X, y, v, loss=loss), ("cost", None), X, y),
        ]
        from bpnet.explain import mistakes
        for call, q, Xq, yq in calls:
            a = mistakes.assess(net, Xq, yq, q, loss, "gradient", LR)
            for c in a.candidates:
                out.append(call(float(c.value)))
            out.append(ex.CheckResult(**{**call(float(a.expected)).__dict__, "show_solution": True}))
    for z in (np.array([-1.0, 0.0, 2.0]),):
        for name in ("sigmoid", "tanh", "relu", "leaky_relu", "identity"):
            act = bpnet.get_activation(name)
            for _, v, _ in act.derivative_mistakes(z):
                out.append(check_activation_derivative(name, z, v, show_solution=True))
            for _, v, _ in act.value_mistakes(z):
                out.append(check_activation(name, z, v, show_solution=True))
    return out


@pytest.mark.slow
def test_markdown_shows_exactly_the_plain_text():
    mistune = pytest.importorskip("mistune")
    render = mistune.create_markdown(renderer="html")
    results = _all_results()
    assert len(results) > 200
    for r in results:
        md = r._repr_markdown_()
        seen = visible(md)
        plain = repr(r).splitlines()
        # Every line of the plain text is seen as it is (the solution inside a code block).
        for line in plain:
            if line.startswith("Hint: ") or line.startswith("Note: "):
                assert line[6:] in seen, (line, seen)
                # Nothing in a hint is taken for emphasis, code, a link or maths.
                html = render(ex.markdown_escape(line[6:]))
                assert re.fullmatch(r"<p>[^<]*</p>\s*", html), html
                assert "$" not in html or "\\$" not in line
            elif line.startswith(("✓", "✗")):
                assert line.split(" ", 2)[2] in seen
        if r.show_solution:
            assert r.solution().text in seen


def test_long_solutions_are_laid_out_one_term_per_line():
    rng = np.random.default_rng(0)
    Xb, yb = rng.normal(size=(20, 2)), rng.normal(size=(20, 1))
    net = Network.random([2, 1], "identity")
    r = check_update(net, Xb, yb, "X1->D0", 0.3, lr=0.1)
    text = r.solution().text
    assert max(len(line) for line in text.splitlines()) <= 72
    terms = [line for line in text.splitlines() if "*" in line and line.strip().startswith(("+", "-", "= ("))]
    assert len(terms) == 20
    # No number is split: every number of the one-line trace appears whole.
    for num in re.findall(r"-?\d+\.\d+", trace_text(net, Xb, yb)):
        assert num in text
    assert float(text.splitlines()[-1].split("=")[-1]) == pytest.approx(r.solution().value, rel=1e-5)


def trace_text(net, X, y):
    t = bpnet.trace_step(net, X, y, 0.1)
    return t.find("gradient", "X1->D0").text


def test_checkers_ask_the_objects_never_their_types():
    """exercises and mistakes learn what an activation or loss is from the object, never from its class or name."""
    import ast
    import inspect

    from bpnet.core import activations, losses
    from bpnet.explain import mistakes

    concrete = {n for mod in (activations, losses) for n, v in vars(mod).items()
                if isinstance(v, type) and n not in ("Activation", "Loss")}
    for mod in (ex, mistakes):
        tree = ast.parse(inspect.getsource(mod))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module in ("activations", "losses"):
                assert not {a.name for a in node.names} & concrete, (mod.__name__, ast.unparse(node))
            if isinstance(node, ast.Name):
                assert node.id not in concrete, (mod.__name__, node.id)
            if isinstance(node, ast.Compare):
                sides = [node.left, *node.comparators]
                names = [s for s in sides if isinstance(s, ast.Attribute) and s.attr == "name"]
                texts = [s for s in sides if isinstance(s, ast.Constant) and isinstance(s.value, str)]
                assert not (names and texts), (mod.__name__, ast.unparse(node))


def test_a_mistake_inside_the_tolerance_band_is_still_not_accepted():
    """The right value 0.517139 and the hidden-biases-left-out value 0.517595 differ by 0.09%: a
    1e-3 band alone accepts both. The nearer candidate decides, at the digits the answer gives."""
    net, X, y = random_case(5, "sigmoid", "sigmoid")
    net.W[0][0] = [0.004, -0.003, 0.002]  # small hidden biases: the mistake barely moves D0
    x = X[0]
    right = float(net.forward(x).output[0, 0])
    nets = net.copy()
    nets.W[0][0] = 0.0
    wrong = float(nets.forward(x).output[0, 0])
    assert 1e-5 < abs(wrong - right) < 1e-3 * abs(right)  # inside the band
    r = check_forward(net, x, "D0", wrong)
    assert not r.correct and r.mistake == "missing_hidden_biases", r
    assert check_forward(net, x, "D0", float(f"{wrong:.6g}")).mistake == "missing_hidden_biases"
    assert check_forward(net, x, "D0", right).correct
    r = check_forward(net, x, "D0", float(f"{right:.6g}"))
    assert r.correct and not r.same_as
    # Four digits cannot tell them apart when they agree to four digits: then a correct answer says so.
    if float(f"{right:.4g}") == float(f"{wrong:.4g}"):
        r = check_forward(net, x, "D0", float(f"{right:.4g}"))
        assert r.correct and "missing_hidden_biases" in r.same_as or any("hidden" in s for s in r.same_as)


def test_either_slope_at_a_relu_kink_is_right_in_a_network_too():
    # Zero biases and the input (0, 0): every hidden z is exactly 0, where ReLU has a kink.
    net = Network.random([2, 3, 1], ["relu", "identity"], init="he", seed=4)
    x, t = np.zeros(2), np.array([1.0])
    W1 = net.W[1]
    d_out = float(net.forward(x).output[0, 0] - t[0])
    for slope in (0.0, 1.0):  # left and right derivative at z = 0
        assert check_delta(net, x, t, "Z2", slope * W1[2, 0] * d_out).correct
    assert not check_delta(net, x, t, "Z2", 0.5 * W1[2, 0] * d_out).correct
    leaky = Network([w.copy() for w in net.W], ["leaky_relu", "identity"])
    for slope in (0.01, 1.0):
        assert check_delta(leaky, x, t, "Z2", slope * W1[2, 0] * d_out).correct


def test_activation_derivative_solution_defines_a_apart_from_the_chain():
    # The chain of '=' ends in f'(z); a = f(z) is its own "where" line, never a step of the chain.
    for name, z in [("sigmoid", [-1.0, 0.5, 2.0]), ("sigmoid", [-1.0, 0.5, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]),
                    ("sigmoid", 0.3), ("tanh", [0.1, -2.0])]:
        act = bpnet.core.activations.get_activation(name)
        zz = np.asarray(z, dtype=float)
        text = check_activation_derivative(name, z, act.df(zz)).solution().text
        chain, _, where = text.partition("\nwhere a = ")
        assert where, text
        assert where.startswith(f"{name}(z)")
        a_text = bpnet.fmt(float(act.f(zz).ravel()[0]))
        d_text = bpnet.fmt(float(act.df(zz).ravel()[0]))
        assert a_text not in chain and d_text in chain.splitlines()[-1], text
        # The chain ends in every f'(z) at 6 digits: one number for one z, a list for several.
        d_all = ", ".join(bpnet.fmt(v) for v in act.df(zz).ravel())
        assert chain.rstrip().endswith(d_all if zz.ndim == 0 else f"[{d_all}]"), text
        assert d_text not in where, text
        assert " with a" not in text
        assert "kink" not in text  # smooth: no kink anywhere


def test_kink_sentence_only_where_some_z_is_at_a_kink():
    def sol(name, z):
        act = bpnet.core.activations.get_activation(name)
        return check_activation_derivative(name, z, act.df(np.asarray(z, dtype=float))).solution().text

    z_many = list(np.random.default_rng(3).normal(size=20))
    for name in ("sigmoid", "tanh", "identity"):
        assert "kink" not in sol(name, z_many) and "kink" not in sol(name, [0.0, 1e-300])
    for name in ("relu", "leaky_relu"):
        assert "kink" in sol(name, [0.0, 1.5]) and "kink" in sol(name, 0.0)
        assert "kink" not in sol(name, [2.0, -1.0])
    # Only the z at the kink take the other slope: elsewhere f'(z) stays.
    assert check_activation_derivative("relu", [0.0, 1.0], [1.0, 1.0]).correct
    assert not check_activation_derivative("relu", [0.0, -1.0], [1.0, 1.0]).correct


def test_a_long_input_is_named_by_its_ends_and_its_count_not_every_number():
    import bpnet
    from bpnet.teach import exercises

    net = bpnet.Network.random([20, 3, 2], activations=["tanh", "sigmoid"], seed=0)
    x = np.arange(20) / 8  # more than 10 numbers
    result = exercises.check_delta(net, x, [0, 1], "D1", None)
    assert "x = (0, 0.125, 0.25, 0.375, …, 2.25, 2.375; 20 numbers)" in str(result), str(result)
    assert "y = (0, 1)" in str(result)  # a short vector whole
