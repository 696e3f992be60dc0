"""The XOR worked example, number by number (facts: the article and its corrected step)."""

import numpy as np
import pytest

import bpnet
from bpnet import trace_step, xor_example

HIDDEN = ["Z1", "Z2", "Z3"]
FROM_BIAS_OR_HIDDEN = ["X0->Z1", "X0->Z2", "X0->Z3", "Z0->D0", "Z1->D0", "Z2->D0", "Z3->D0"]
FROM_INPUTS = [f"X{i}->Z{k}" for i in (1, 2) for k in (1, 2, 3)]


def first_sample_trace(rule):
    ex = xor_example()
    return trace_step(ex.net, ex.X[:1], ex.y[:1], ex.lr, loss=ex.loss, rule=rule)


def test_example_is_the_articles_network():
    net, X, y, lr = xor_example()
    assert net.sizes == [2, 3, 1]
    assert len(net.weight_names()) == 13
    assert all(v == 1.0 for v in net.weights_dict().values())
    assert [a.name for a in net.acts] == ["identity", "identity"]
    assert lr == 0.1
    np.testing.assert_array_equal(X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(y.ravel(), [0, 1, 1, 0])


def test_example_returns_fresh_copies():
    a, b = xor_example(), xor_example()
    a.net.W[0][0, 0] = 5.0
    a.X[0, 0] = 9.0
    assert b.net["X0->Z1"] == 1.0 and b.X[0, 0] == 0.0


def test_article_rule_forward_loss_and_deltas():
    t = first_sample_trace("article")
    for z in HIDDEN:
        assert t.find("forward", z).value == 1.0
    assert t.find("forward", "D0").value == 4.0
    assert t.find("loss", "loss").value == -4.0
    assert t.find("delta", "D0").value == -4.0
    for z in HIDDEN:
        assert t.find("delta", z).value == -4.0


def test_article_rule_updates():
    t = first_sample_trace("article")
    after = t.after.weights_dict()
    for name in FROM_BIAS_OR_HIDDEN:
        assert after[name] == pytest.approx(1.4, abs=1e-12)
        assert t.find("update", name).value == pytest.approx(1.4, abs=1e-12)
    for name in FROM_INPUTS:
        assert after[name] == 1.0


def test_article_rule_climbs_the_loss():
    t = first_sample_trace("article")
    x, y = t.X, t.y
    assert t.after.predict(x)[0, 0] == pytest.approx(7.28)
    assert t.before.cost(x, y) == pytest.approx(8.0)
    assert t.after.cost(x, y) == pytest.approx(0.5 * 7.28**2)  # 26.4992, "26.5" rounded
    assert round(t.after.cost(x, y), 1) == 26.5


def test_gradient_rule_corrects_the_step():
    t = first_sample_trace("gradient")
    assert t.find("loss", "L").value == 8.0
    assert t.find("delta", "D0").value == 4.0
    for z in HIDDEN:
        assert t.find("delta", z).value == 4.0
    after = t.after.weights_dict()
    for name in FROM_BIAS_OR_HIDDEN:
        assert after[name] == pytest.approx(0.6, abs=1e-12)
    for name in FROM_INPUTS:
        assert after[name] == 1.0
    assert t.after.predict(t.X)[0, 0] == pytest.approx(1.68)
    assert t.after.cost(t.X, t.y) == pytest.approx(1.4112)


def test_full_batch_corrected_step():
    ex = xor_example()
    t = trace_step(ex.net, ex.X, ex.y, ex.lr, rule="gradient")
    after = t.after.weights_dict()
    expected = {"X0->Z{k}": 0.35, "X1->Z{k}": 0.6, "X2->Z{k}": 0.6}
    for pattern, v in expected.items():
        for k in (1, 2, 3):
            assert after[pattern.format(k=k)] == pytest.approx(v, abs=1e-12)
    assert after["Z0->D0"] == pytest.approx(0.35, abs=1e-12)
    for k in (1, 2, 3):
        assert after[f"Z{k}->D0"] == pytest.approx(-0.45, abs=1e-12)
    # The trace and Network.step agree: one computation, two views.
    net = ex.net.copy()
    net.step(ex.X, ex.y, ex.lr)
    for name, v in net.weights_dict().items():
        assert after[name] == v


def test_training_from_all_ones_reaches_the_least_squares_limit():
    ex = xor_example()
    net = ex.net
    net.train(ex.X, ex.y, epochs=200, lr=ex.lr)
    pred = net.predict(ex.X).ravel()
    np.testing.assert_allclose(pred, 0.5, atol=0.05)
    assert net.cost(ex.X, ex.y) == pytest.approx(0.125, abs=0.01)  # 1/2 * MSE of 0.25


def test_summed_loss_diverges():
    ex = xor_example()
    # Summing the batch loss multiplies the gradient by m = 4: lr 0.1 then overshoots,
    # until the cost overflows and training stops with a DivergenceError.
    with pytest.raises(bpnet.DivergenceError) as info:
        ex.net.train(ex.X, ex.y, epochs=10, lr=ex.lr * len(ex.X))
    history = info.value.history
    assert history[-1] > 1e3 * history[0] and np.isfinite(history).all()


def test_all_equal_weights_keep_hidden_units_identical():
    ex = xor_example()
    net = ex.net
    net.train(ex.X, ex.y, epochs=50, lr=ex.lr)
    W0 = net.W[0]
    np.testing.assert_array_equal(W0[:, 0], W0[:, 1])
    np.testing.assert_array_equal(W0[:, 1], W0[:, 2])


def test_trace_phases_in_order():
    t = first_sample_trace("article")
    phases = [s.phase for s in t]
    order = [bpnet.PHASES.index(p) for p in phases]
    assert order == sorted(order)
    assert set(phases) == set(bpnet.PHASES)
    # 4 forward + 1 loss + 4 deltas + 13 * (gradient + update)
    assert len(t) == 4 + 1 + 4 + 26


def test_trace_formula_with_numbers():
    t = first_sample_trace("article")
    assert t.find("forward", "Z1").text == (
        "Z1 = w(X0->Z1)*X0 + w(X1->Z1)*X1 + w(X2->Z1)*X2 = 1*1 + 1*0 + 1*0 = 1"
    )
    assert t.find("update", "X0->Z1").text.endswith("= 1 - 0.1*(-4) = 1.4")
