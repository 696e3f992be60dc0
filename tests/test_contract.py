"""The contract for adding an activation or a loss: one class, registered, and the rest of bpnet follows.

A softplus activation and a log-cosh loss are defined here, in the test, and registered by
name; nothing else in bpnet knows them. The network, the gradient check, the trace and (below,
by their own sections) the checkers and the explorer must handle them correctly.
"""

import math

import numpy as np
import pytest

from bpnet import Network, trace_step
from bpnet.core.activations import ACTIVATIONS, Activation, get_activation, register_activation
from bpnet.core.losses import LOSSES, Loss, get_loss, register_loss


class Softplus(Activation):
    """f(z) = log(1 + e^z), f'(z) = 1/(1 + e^-z)."""

    name = symbol = "softplus"
    formula, formula_latex = "log(1 + e^z)", r"\log(1 + e^{z})"
    derivative, derivative_latex = "1/(1 + e^-z)", r"\frac{1}{1 + e^{-z}}"
    derivative_in_terms_of_a = "1 - e^-a"
    value_range = (0.0, math.inf)
    peak = 1.0
    peak_at = "as z grows"
    saturation_note = "For z below about -2.2, f'(z) < 0.1: the unit learns slowly there."
    hint = "softplus(z) = log(1 + e^z); np.logaddexp(0, z) computes it without overflow."
    derivative_hint = "softplus'(z) = 1/(1 + e^(-z)), the sigmoid."

    def f(self, z):
        z = np.asarray(z, dtype=float)
        return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))

    def df(self, z, a=None):
        z = np.asarray(z, dtype=float)
        e = np.exp(-np.abs(z))
        return np.where(z >= 0, 1.0, e) / (1.0 + e)


class LogCosh(Loss):
    """L = sum_k log(cosh(a_k - y_k)), dL/da = tanh(a - y)."""

    name = "log_cosh"
    formula = "log(cosh(a - y))"
    formula_latex = r"\log\cosh(a - y)"
    grad_formula = "tanh(a - y)"
    hint = "L = log(cosh(a - y)) for each output, summed; then the mean over the batch."
    term = "log(cosh({a} - {y}))"

    def per_sample(self, a, y):
        r = np.abs(a - y)
        return (r + np.log1p(np.exp(-2.0 * r)) - math.log(2.0)).sum(axis=-1)

    def grad(self, a, y):
        return np.tanh(a - y)


@pytest.fixture(scope="module", autouse=True)
def registered():
    register_activation(Softplus)
    register_loss(LogCosh)
    yield
    ACTIVATIONS.pop("softplus", None)
    LOSSES.pop("log_cosh", None)


def case(seed=0, m=3):
    net = Network.random([2, 3, 2], ["softplus", "identity"], seed=seed)
    net.W[0][0] = [0.1, -0.2, 0.3]  # non-zero biases too
    rng = np.random.default_rng(seed)
    return net, rng.normal(size=(m, 2)), rng.normal(size=(m, 2))


# ----- core: the network computes with them ---------------------------------------------------
def test_found_by_name():
    assert isinstance(get_activation("softplus"), Softplus)
    assert isinstance(get_loss("log_cosh"), LogCosh)
    assert get_activation("softplus").describe()["formula"] == "log(1 + e^z)"


def test_forward_is_softplus_of_the_weighted_sum():
    net, X, _ = case()
    fwd = net.forward(X)
    z = X @ net.W[0][1:] + net.W[0][0]
    np.testing.assert_allclose(fwd.a[1], np.log1p(np.exp(z)), rtol=1e-14)
    np.testing.assert_allclose(fwd.a[2], fwd.a[1] @ net.W[1][1:] + net.W[1][0], rtol=1e-14)


def test_backward_uses_softplus_derivative():
    net, X, y = case(1)
    fwd = net.forward(X)
    d = net.backward(fwd, y, "log_cosh")
    np.testing.assert_allclose(d[1], np.tanh(fwd.a[2] - y), rtol=1e-14)
    sig = 1 / (1 + np.exp(-fwd.z[0]))
    np.testing.assert_allclose(d[0], sig * (d[1] @ net.W[1][1:].T), rtol=1e-13)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gradients_match_central_differences(seed):
    net, X, y = case(seed)
    grads = net.gradients(X, y, "log_cosh")
    h = 1e-6
    for l, w in enumerate(net.W):
        for i in range(w.shape[0]):
            for j in range(w.shape[1]):
                up, down = net.copy(), net.copy()
                up.W[l][i, j] += h
                down.W[l][i, j] -= h
                numeric = (up.cost(X, y, "log_cosh") - down.cost(X, y, "log_cosh")) / (2 * h)
                assert grads[l][i, j] == pytest.approx(numeric, rel=1e-6, abs=1e-9)


def test_training_lowers_the_cost():
    net, X, y = case(3, m=8)
    history = net.train(X, y, 200, 0.1, "log_cosh")
    assert history[-1] < 0.5 * history[0]


def test_derivative_text_is_true():
    act = get_activation("softplus")
    z = np.linspace(-6, 6, 101)
    a = act.f(z)
    np.testing.assert_allclose(1 - np.exp(-a), act.df(z), rtol=1e-12)
    assert act.note(-5.0).startswith("Saturated") and "learns well" in act.note(2.0)
    assert float(np.max(act.df(np.linspace(-50, 50, 101)))) == pytest.approx(act.peak)


def test_trace_text():
    net, X, y = case(4, m=1)
    t = trace_step(net, X, y, 0.1, loss="log_cosh")
    text = t.to_text()
    fwd = net.forward(X)
    z1 = t.find("forward", "Z1")
    assert "softplus(" in z1.text and z1.value == fwd.a[1][0, 0]
    loss_step = next(s for s in t if s.kind == "loss")
    assert "log(cosh(" in loss_step.text
    assert loss_step.value == pytest.approx(get_loss("log_cosh").cost(fwd.a[2], y), rel=1e-14)
    grads = net.gradients(X, y, "log_cosh")
    for name in net.weight_names():
        l, i, j = net.weight_index(name)
        assert t.find("gradient", name).value == grads[l][i, j]
    assert "log_cosh" in text


# ----- trace (LaTeX), stepper and explorer ----------------------------------------------------
def test_trace_latex_and_explorer():
    from bpnet.explain.activation_reading import activation_reading, explorer_activations, saturation_ranges
    from bpnet.views.stepper import StepComparison

    net, X, y = case(5, m=1)
    t = trace_step(net, X, y, 0.1, loss="log_cosh")
    assert r"\operatorname{softplus}\left(" in t.find("forward", "Z1").latex
    assert r"\log(\cosh(" in t.find("loss", "L").latex
    d0 = t.find("delta", "D0")  # identity output: the chain rule with the loss's own dL/da
    assert d0.formula == "δ(D0) = tanh(D0 - y0)*f'(z(D0))" and r"\tanh(D_{0} - y_{0})" in d0.latex
    # The explorer offers the new activation and reads it from its own description.
    assert "softplus" in explorer_activations()
    r = activation_reading("softplus", -5.0)
    assert r.df == pytest.approx(1 / (1 + math.exp(5.0))) and r.note == get_activation("softplus").note(-5.0)
    (lo, hi), = saturation_ranges("softplus")
    assert lo == -6.0 and hi == pytest.approx(-math.log(9), abs=0.01)  # f'(z) = 0.1 at z = -ln 9
    # A comparison can branch onto it.
    cmp = StepComparison(net, X, y, 0.1, loss="log_cosh", branch={"activation": ["sigmoid", "identity"]})
    cmp.end()
    assert cmp.marked() and cmp.differences()


def test_the_explorer_widget_offers_and_shows_it():
    """The ActivationExplorer widget itself: offered in its dropdown, chosen by name, and its reading and
    picture are the activation's own numbers."""
    pytest.importorskip("ipywidgets")
    from bpnet.views.widgets import ActivationExplorer

    assert "softplus" in ActivationExplorer().choice.options  # offered beside the built-in ones
    e = ActivationExplorer("softplus", z=-5.0)
    assert e.choice.value == "softplus"
    act = get_activation("softplus")
    assert e.readout().startswith("softplus: z = -5, f(z) = 0.00672, f'(z) = 0.00669. Saturated")
    assert math.log1p(math.exp(-5.0)) == pytest.approx(0.006715, abs=5e-7)  # the reading's f(z), by hand
    e.z_slider.value = 2.0
    assert "learns well" in e.readout() and f"f(z) = {act.f(np.array([2.0]))[0]:.3g}" in e.readout()
    picture = e.image.value
    e.choice.value = "sigmoid"
    assert e.image.value != picture and e.readout().startswith("sigmoid: z = 2")


# ----- network files ---------------------------------------------------------------------------
def test_network_file_with_the_new_activation_and_loss(tmp_path):
    """A network file names them like any other; load, trace, save, load again and check all work."""
    from bpnet.teach.netfile import load_network, save_network
    from bpnet.teach.published import check_published

    net = Network.random([2, 3, 1], ["softplus", "softplus"], seed=3)
    doc = {"layers": [2, 3, 1], "activations": ["softplus", "softplus"], "weights": net.weights_dict(),
           "loss": "log_cosh", "lr": 0.3, "samples": {"inputs": [[0.5, -1.0]], "targets": [[2.0]]}}
    ex = load_network(doc)
    t = trace_step(ex.net, ex.X, ex.y, ex.lr, ex.loss)
    again = load_network(save_network(ex, tmp_path / "softplus.json"))
    assert trace_step(again.net, again.X, again.y, again.lr, again.loss).to_json() == t.to_json()
    right = round(t.after["Z1->D0"], 6)
    doc["published"] = {"weights_after": {"Z1->D0": right}, "delta": {"D0": round(t.find("delta", "D0").value, 6)}}
    assert check_published(doc).agrees
    doc["published"]["weights_after"]["Z1->D0"] = right + 0.01
    assert not check_published(doc).agrees


# ----- the checkers (bpnet.teach.exercises, bpnet.explain.mistakes) judge them like any other -----------------
def _by_hand(net, X, y):
    """Forward, deltas and gradients of softplus -> identity with log-cosh, in plain numpy."""
    W0, W1 = net.W
    z0 = X @ W0[1:] + W0[0]
    h = np.log1p(np.exp(z0))
    o = h @ W1[1:] + W1[0]
    d1 = np.tanh(o - y)  # dL/da * f'(z) with f' = 1
    d0 = 1 / (1 + np.exp(-z0)) * (d1 @ W1[1:].T)
    m = X.shape[0]
    g0 = np.vstack([d0.mean(axis=0), X.T @ d0 / m])
    g1 = np.vstack([d1.mean(axis=0), h.T @ d1 / m])
    cost = float(np.mean(np.sum(np.log(np.cosh(o - y)), axis=1)))
    return z0, h, o, d0, d1, g0, g1, cost


def test_checkers_accept_the_right_answer_with_a_true_solution():
    from bpnet.core.notation import fmt
    from bpnet.teach.exercises import (check_activation, check_activation_derivative, check_cost, check_delta,
                                 check_forward, check_gradient, check_update)

    z = np.array([-1.3, 0.4, 2.1])
    r = check_activation("softplus", z, np.log1p(np.exp(z)), show_solution=True)
    assert r.correct and r.solution().text.startswith("softplus(") and fmt(np.log1p(np.exp(2.1))) in r.solution().text
    r = check_activation_derivative("softplus", z, 1 / (1 + np.exp(-z)), show_solution=True)
    assert r.correct and "1/(1 + e^-z)" in r.solution().text and "1 - e^-a" in r.solution().text
    net, X, y = case(1)
    z0, h, o, d0, d1, g0, g1, cost = _by_hand(net, X, y)
    lr = 0.5
    results = [
        (check_forward(net, X[0], "Z2", h[0, 1], show_solution=True), h[0, 1], "softplus("),
        (check_forward(net, X[0], "Z2", z0[0, 1], value="z", show_solution=True), z0[0, 1], "softplus("),
        (check_delta(net, X[0], y[0], "D1", d1[0, 1], loss="log_cosh", show_solution=True), d1[0, 1], "δ(D1)"),
        (check_delta(net, X[0], y[0], "Z3", d0[0, 2], loss="log_cosh", lr=lr, show_solution=True), d0[0, 2], "δ(Z3)"),
        (check_gradient(net, X, y, "X2->Z1", g0[2, 0], loss="log_cosh", show_solution=True), g0[2, 0], "g(X2->Z1)"),
        (check_update(net, X, y, "Z1->D0", net["Z1->D0"] - lr * g1[1, 0], lr, loss="log_cosh", show_solution=True),
         net["Z1->D0"] - lr * g1[1, 0], "w(Z1->D0)"),
        (check_cost(net, X, y, cost, loss="log_cosh", show_solution=True), cost, "log(cosh("),
    ]
    for r, value, words in results:
        assert r.correct, r
        assert r.solution().value == pytest.approx(value, rel=1e-12)
        text = r.solution().text
        assert words in text and fmt(value) in text.replace("\n", " "), text


def test_checkers_diagnose_their_mistakes():
    from bpnet.explain import mistakes
    from bpnet.teach.exercises import check_cost, check_delta, check_forward, check_gradient

    net, X, y = case(2)
    z0, h, o, d0, d1, g0, g1, cost = _by_hand(net, X, y)
    W1 = net.W[1]
    x0, y0 = X[0], y[0]
    # Mistakes written out by hand, with the hint that names the new activation or loss.
    r = check_delta(net, x0, y0, "D0", -d1[0, 0], loss="log_cosh")
    assert r.mistake == "sign" and "tanh(a - y)" in r.diagnosis
    r = check_delta(net, x0, y0, "Z1", (d1[:1] @ W1[1:].T)[0, 0], loss="log_cosh")
    assert r.mistake == "missing_hidden_derivative" and "1/(1 + e^-z)" in r.diagnosis
    f_of_a = 1 / (1 + np.exp(-h[:1]))  # softplus' taken at a instead of z
    r = check_delta(net, x0, y0, "Z1", (f_of_a * (d1[:1] @ W1[1:].T))[0, 0], loss="log_cosh")
    assert r.mistake == "derivative_of_a" and "1 - e^-a" in r.diagnosis
    r = check_forward(net, x0, "Z1", z0[0, 0])
    assert r.mistake == "missing_activation" and "log(1 + e^z)" in r.diagnosis
    r = check_gradient(net, X, y, "Z2->D1", X.shape[0] * g1[2, 1], loss="log_cosh")
    assert r.mistake == "sum_not_mean"
    assert check_cost(net, X, y, cost * X.shape[0], loss="log_cosh").mistake == "sum_not_mean"
    # And every mistake the catalogue computes for them, on every kind of question.
    for q, Xq, yq, ask in [
        (("forward", "D1"), X[:1], None, lambda v: check_forward(net, x0, "D1", v)),
        (("delta", "Z2"), X[:1], y[:1], lambda v: check_delta(net, x0, y0, "Z2", v, loss="log_cosh", lr=0.5)),
        (("gradient", "X1->Z3"), X, y, lambda v: check_gradient(net, X, y, "X1->Z3", v, loss="log_cosh", lr=0.5)),
        (("cost", None), X, y, lambda v: check_cost(net, X, y, v, loss="log_cosh")),
    ]:
        a = mistakes.assess(net, Xq, yq, q, "log_cosh", "gradient", 0.5)
        tol = float(mistakes.tolerance(a))
        assert ask(float(a.expected)).correct
        differing = [c for c in a.candidates if abs(float(c.value) - float(a.expected)) > tol]
        assert len(differing) >= 5, q
        for c in differing:
            r = ask(float(c.value))
            values = {k.key: float(k.value) for k in a.candidates}
            assert not r.correct, (q, c.key)
            assert r.mistake == c.key or abs(values.get(r.mistake, np.inf) - float(c.value)) < 1e-12, (
                q, c.key, r.mistake)


# ----- graph: the scalar autograd builds the same update from its own nodes -----------------------

@pytest.mark.parametrize("rule", ["gradient", "article"])
def test_graph_of_the_network_gives_the_same_update(rule):
    from bpnet.explain.autograd import network_graph

    net, X, y = case(seed=5)
    ng = network_graph(net, X, y, "log_cosh", rule)
    trace = ng.trace(lr=0.2)
    for g_graph, g_net in zip(ng.gradients(), net.gradients(X, y, "log_cosh", rule)):
        np.testing.assert_allclose(g_graph, g_net, rtol=1e-12, atol=1e-15)
    after = trace_step(net, X, y, 0.2, "log_cosh", rule).after.weights_dict()
    for name, v in ng.weights.items():
        assert trace.find("update", v.name).value == pytest.approx(after[name], rel=1e-12, abs=1e-15)
    assert trace.find("local", "z(Z1)[1]->Z1[1]").formula == "local ∂Z1[1]/∂z(Z1)[1] = softplus'(z(Z1)[1])"
