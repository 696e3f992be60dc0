"""Every file in examples/ traced and checked; frozen weights never move; the published-number check."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

import bpnet
from bpnet.teach.netfile import load_network, network_to_dict
from bpnet.teach.published import MINIMAL_CATALOGUE, CheckRow, check_published, minimal_candidates

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
FILES = sorted(EXAMPLES.glob("*.json"))


def test_the_examples_folder_has_the_four_files():
    assert {f.name for f in FILES} >= {"xor.json", "two-outputs-sigmoid.json", "softmax-cross-entropy.json",
                                       "xor-article-published.json"}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_example_is_traced(path):
    ex = load_network(path)
    pub_sample = ex.published.sample if ex.published else 1
    X, y = (ex.X, ex.y) if pub_sample == "all" else (ex.X[pub_sample - 1:pub_sample], ex.y[pub_sample - 1:pub_sample])
    t = bpnet.trace_step(ex.net, X, y, ex.lr, ex.loss, rule=ex.rule)
    n = ex.net
    m = X.shape[0]
    n_units = sum(n.sizes[1:])
    softmax_z = n.sizes[-1] if n.acts[-1].name == "softmax" else 0
    assert sum(s.kind == "forward" for s in t) == m * (n_units + softmax_z)
    assert sum(s.kind == "delta" for s in t) == m * n_units
    assert sum(s.kind == "update" for s in t) == len(n.weight_names())
    # The trace's numbers are the network's own, and every gradient matches central differences.
    after = n.copy()
    after_W = [w.copy() for w in n.W]
    grads = n.gradients(X, y, ex.loss)
    eps = 1e-6
    for name in n.weight_names():
        l, i, j = n.weight_index(name)
        plus, minus = n.copy(), n.copy()
        plus.W[l][i, j] += eps
        minus.W[l][i, j] -= eps
        numeric = (plus.cost(X, y, ex.loss) - minus.cost(X, y, ex.loss)) / (2 * eps)
        assert t.find("gradient", name).value == pytest.approx(numeric, rel=1e-6, abs=1e-9), name
        assert t.find("gradient", name).value == grads[l][i, j]
        expected = after_W[l][i, j] if name in ex.frozen else after_W[l][i, j] - ex.lr * grads[l][i, j]
        assert t.after[name] == pytest.approx(expected, rel=1e-12, abs=1e-15), name
    assert after.weights_dict() == n.weights_dict()  # tracing does not change the loaded network


@pytest.mark.parametrize("path", [p for p in FILES if "published" in p.read_text()], ids=lambda p: p.name)
def test_every_example_with_published_numbers_is_checked(path):
    result = check_published(path)
    if path.name == "xor-article-published.json":
        assert not result.agrees
    else:
        assert result.agrees, str(result)
        assert result.matched == len(result.rows) > 10
    text = str(result)
    assert text.count("\n  ") >= len(result.rows)
    assert "<table>" in result._repr_html_() and result._repr_html_().count("<tr") == len(result.rows) + 1
    assert result._repr_markdown_().count("\n|") == len(result.rows) + 1


def test_the_articles_published_numbers_match_the_sign_flip_exactly_and_not_gradient_descent():
    result = check_published(EXAMPLES / "xor-article-published.json")
    assert not result.agrees
    assert result.rows[result.first_disagreement].label == "delta D0"
    assert [r.label for r in result.rows if not r.agrees] == (
        ["delta D0", "delta Z1", "delta Z2", "delta Z3"]
        + [f"weight after {w}" for w in ("X0->Z1", "X0->Z2", "X0->Z3", "Z0->D0", "Z1->D0", "Z2->D0", "Z3->D0")])
    best = result.best
    assert len(best) >= 1 and all(e.exact for e in best)
    flip = next(e for e in best if "sign" in e.key)
    assert flip.by_section["weights_after"] == (13, 13)
    assert "a known mistake on 13 of 13 weights after the update (21 of 21 published numbers in all): " in flip.headline()
    # Gradient descent reproduces only the numbers the sign cannot change (forward values, weights from 0 inputs).
    assert result.matched == 10


def test_the_two_sigmoid_example_is_right_to_its_printed_digits_and_independently():
    """The published numbers, recomputed here by hand with numpy (not bpnet), round to the file's."""
    doc = json.loads((EXAMPLES / "two-outputs-sigmoid.json").read_text())
    x = np.array(doc["samples"]["inputs"][0])
    t = np.array(doc["samples"]["targets"][0])
    w = doc["weights"]
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    h = np.array([sig(w[f"X0->Z{j}"] + w[f"X1->Z{j}"] * x[0] + w[f"X2->Z{j}"] * x[1]) for j in (1, 2)])
    o = np.array([sig(w[f"Z0->D{k}"] + w[f"Z1->D{k}"] * h[0] + w[f"Z2->D{k}"] * h[1]) for k in (0, 1)])
    d_o = (o - t) * o * (1 - o)
    d_h = np.array([(w[f"Z{j}->D0"] * d_o[0] + w[f"Z{j}->D1"] * d_o[1]) * h[j - 1] * (1 - h[j - 1]) for j in (1, 2)])
    pub = doc["published"]
    assert pub["forward"] == {"Z1": round(h[0], 4), "Z2": round(h[1], 4), "D0": round(o[0], 4), "D1": round(o[1], 4)}
    assert pub["loss"] == round(0.5 * np.sum((o - t) ** 2), 5)
    assert pub["weights_after"]["Z2->D1"] == round(w["Z2->D1"] - doc["lr"] * h[1] * d_o[1], 6)
    assert pub["weights_after"]["X2->Z1"] == round(w["X2->Z1"] - doc["lr"] * x[1] * d_h[0], 6)


def _mark(value: float, published: float, q: Decimal) -> str:
    """The check table's mark for bpnet's ``value`` beside a ``published`` number given to ``q``."""
    return CheckRow("forward", "Z1", None, published, str(published), value, q).mark


def test_rounding_to_the_sources_digits():
    q = Decimal("0.01")
    assert _mark(1.4049, 1.40, q) == "✓"
    assert _mark(1.3951, 1.40, q) == "✓"
    assert _mark(1.406, 1.40, q) == "✗"  # one unit of 0.01 is 0.7% of 1.40: too coarse to excuse
    assert _mark(0.55979, 0.5597, Decimal("0.0001")) == "≈"  # off by one in the 4th digit: agreeing, flagged
    assert _mark(0.55986, 0.5597, Decimal("0.0001")) == "✗"
    assert _mark(0.35, 0.35, Decimal("0.01")) == "✓"
    assert _mark(0.6, 1.4, Decimal("0.1")) == "✗"
    assert _mark(4.0, -4.0, Decimal(1)) == "✗"


def test_check_published_table_shows_the_sources_digits():
    doc = json.loads((EXAMPLES / "two-outputs-sigmoid.json").read_text())
    ex = load_network(EXAMPLES / "two-outputs-sigmoid.json")
    result = check_published(ex)
    row = next(r for r in result.rows if r.label == "delta D1")
    assert (row.published_text, row.bpnet_text, row.difference_text, row.mark) == ("0.123000", "0.123000", "0", "✓")
    assert doc["published"]["delta"]["D1"] == 0.123
    # One number changed in its 4th decimal is marked, and is the first disagreement.
    doc["published"]["delta"]["D1"] = 0.1233
    bad = check_published(doc)
    assert not bad.agrees and bad.rows[bad.first_disagreement].label == "delta D1"
    assert bad.rows[bad.first_disagreement].difference_text == "-0.0003"
    assert bad.rows[bad.first_disagreement].bpnet_text == "0.1230"


def test_the_check_ranks_mistakes_by_how_many_numbers_they_reproduce():
    """With a stub catalogue: a mistake that gives the published numbers wins; ties are all named."""
    ex = load_network(EXAMPLES / "xor-article-published.json")

    def stub(net, X, y, question, loss, rule, lr):
        out = minimal_candidates(net, X, y, question, loss, rule, lr)
        # forward values right, deltas as published, every weight left at 1: 4 + 4 + 6 of 21
        out["half_right"] = {"forward": out["sign"], "delta": -4.0, "update": 1.0}[question[0]]
        out["nothing"] = 123.0
        return out

    cat = dict(MINIMAL_CATALOGUE, half_right="Half right.", nothing="Nothing at all.")
    result = check_published(ex, catalogue=(cat, stub))
    assert [e.key for e in result.explanations] == ["sign", "half_right"]
    assert result.explanations[1].matched == 4 + 4 + 6
    assert result.explanations[1].headline() == (
        "the published numbers match a known mistake on 6 of 13 weights after the update "
        "(14 of 21 published numbers in all): half right")
    assert result.best[0].key == "sign"
    assert all(e.key != "nothing" for e in result.explanations)


def test_a_mistake_indistinguishable_on_this_network_is_named():
    ex = load_network(EXAMPLES / "xor.json")  # correct numbers on the all-ones identity network

    def stub(net, X, y, question, loss, rule, lr):
        # f'(z) = 1 for identity units: forgetting it changes nothing here.
        value = check_published(ex, catalogue=({}, lambda *a: {})).rows
        return {"forgot_derivative": next(r.bpnet for r in value if r.question == question)}

    result = check_published(ex, catalogue=({"forgot_derivative": "a forgotten f'(z)"}, stub))
    assert result.agrees
    assert [e.key for e in result.indistinguishable] == ["forgot_derivative"]
    assert ("Note: on this network a known mistake gives the same 22 numbers, so these numbers alone cannot rule "
            "it out: a forgotten f'(z).") in str(result)


# ----- frozen weights --------------------------------------------------------------------
def _frozen_example():
    ex = load_network(EXAMPLES / "two-outputs-sigmoid.json")
    assert ex.frozen == {"X0->Z1", "X0->Z2", "Z0->D0", "Z0->D1"}
    return ex


def test_frozen_weights_never_move_in_step_train_and_trace():
    ex = _frozen_example()
    before = ex.net.weights_dict()
    t = bpnet.trace_step(ex.net, ex.X, ex.y, ex.lr, ex.loss)
    for name in ex.frozen:
        assert t.find("gradient", name).value != 0  # the gradient is still computed and shown
        assert t.find("update", name).value == before[name]
        assert t.after[name] == before[name]
    net = ex.net.copy()
    assert set(net.frozen) == ex.frozen  # copies keep what is frozen
    net.step(ex.X, ex.y, ex.lr, ex.loss)
    net.train(ex.X, ex.y, epochs=50, lr=ex.lr, loss=ex.loss)
    net.train(np.vstack([ex.X, ex.X[::-1]]), np.vstack([ex.y, ex.y]), epochs=5, lr=ex.lr, loss=ex.loss, batch_size=1)
    after = net.weights_dict()
    for name in before:
        assert (after[name] == before[name]) == (name in ex.frozen), name


@pytest.mark.parametrize("seed", range(5))
def test_random_frozen_subsets_never_move(seed):
    rng = np.random.default_rng(seed)
    net = bpnet.Network.random([3, 4, 3, 2], ["tanh", "sigmoid", "sigmoid"], seed=seed)
    names = net.weight_names()
    frozen = set(rng.choice(names, size=7, replace=False).tolist())
    doc = {"layers": net.sizes, "activations": ["tanh", "sigmoid", "sigmoid"], "weights": net.weights_dict(),
           "frozen": sorted(frozen), "loss": "binary_cross_entropy", "lr": 0.5,
           "samples": {"inputs": rng.normal(size=(6, 3)).tolist(), "targets": rng.integers(0, 2, (6, 2)).tolist()}}
    ex = load_network(doc)
    before = ex.net.weights_dict()
    ex.net.train(ex.X, ex.y, epochs=20, lr=ex.lr, loss=ex.loss, batch_size=4, seed=seed)
    after = ex.net.weights_dict()
    assert all(after[n] == before[n] for n in frozen)
    assert all(after[n] != before[n] for n in names if n not in frozen)


def test_frozen_weights_never_move_with_an_optimizer():
    ex = _frozen_example()
    before = ex.net.weights_dict()
    ex.net.train(ex.X, ex.y, epochs=30, loss=ex.loss, optimizer=bpnet.Adam(lr=0.1))
    after = ex.net.weights_dict()
    for name in before:
        assert (after[name] == before[name]) == (name in ex.frozen), name


def test_published_pre_activations_are_checked():
    doc = json.loads((EXAMPLES / "two-outputs-sigmoid.json").read_text())
    doc["published"] = {"forward": {"z(Z1)": 0.24, "z(D0)": 0.5}}  # z(D0) is 0.587...  # z(Z1) = 0.25 + 0.3*0.2 - 0.1*0.7 = 0.24
    result = check_published(doc)
    assert [(r.label, r.mark) for r in result.rows] == [("forward z(Z1)", "✓"), ("forward z(D0)", "✗")]
    assert result.rows[0].question == ("z", "Z1")


def test_step_through_takes_a_loaded_file_with_its_rule_and_frozen_weights():
    pytest.importorskip("ipywidgets")
    from bpnet.views.widgets import StepThrough

    ex = _frozen_example()
    view = StepThrough.from_example(ex)
    assert view.stepper.rule == "gradient"
    view.stepper.goto(view.stepper.n - 1)
    assert view.stepper.trace.after["X0->Z1"] == ex.net["X0->Z1"]  # held fixed
    assert view.stepper.trace.after["X1->Z1"] != ex.net["X1->Z1"]
    doc = network_to_dict(ex)
    doc["rule"] = "article"
    assert StepThrough.from_example(load_network(doc)).stepper.rule == "article"
