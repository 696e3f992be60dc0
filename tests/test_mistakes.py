"""The mistake catalogue (bpnet.explain.mistakes): each entry a variation of the one backprop routine.

Values are checked against hand-written numpy on a 2-3-1 tanh/sigmoid network, and the
article's rule in the catalogue is the network's own rule="article" (one definition).
"""

import numpy as np
import pytest

import bpnet
from bpnet import Network
from bpnet.explain import mistakes
from bpnet.explain.mistakes import CATALOGUE, assess, candidates, indistinguishable
from bpnet.core.losses import get_loss
from bpnet.core.network import Backprop


def sig(z):
    return 1 / (1 + np.exp(-z))


def case(seed=0, m=3):
    rng = np.random.default_rng(seed)
    net = Network([rng.normal(size=(3, 3)), rng.normal(size=(4, 1))], ["tanh", "sigmoid"])
    return net, rng.normal(size=(m, 2)), rng.uniform(size=(m, 1))


def by_hand(net, X, y):
    W0, W1 = net.W
    z0 = X @ W0[1:] + W0[0]
    h = np.tanh(z0)
    z1 = h @ W1[1:] + W1[0]
    o = sig(z1)
    d1 = (o - y) * o * (1 - o)
    d0 = (1 - h ** 2) * (d1 @ W1[1:].T)
    return z0, h, z1, o, d1, d0


def test_every_entry_is_a_key_a_line_a_hint_and_a_backprop_variation():
    generic = [m for m in CATALOGUE.values() if ":" not in m.key]  # not declared by an activation or loss
    assert len(generic) >= 25
    for key, m in CATALOGUE.items():
        assert m.key == key and m.explanation and "\n" not in m.explanation and len(m.explanation) < 100
        assert callable(m.hint) and m.kinds <= set(mistakes.QUESTION_KINDS)
    for m in generic:
        assert issubclass(m.learner, Backprop), m.key
        # A variation overrides one or two of the routine's steps; it never re-writes the whole pass.
        own = {name for name in vars(m.learner) if not name.startswith("__") or name == "__init__"}
        assert own and len(own) <= 3, (m.key, own)
        assert not own & {"forward", "step", "train", "apply"}, (m.key, own)
    # The entries the trustworthy checkers need, the activation- and loss-specific ones included.
    for key in ["sign", "article", "missing_output_derivative", "missing_hidden_derivative", "derivative_of_a",
                "derivative_of_wrong_unit", "updated_weights", "sum_not_mean", "loss:missing_half", "missing_lr",
                "gradient_not_weight", "unchanged", "swapped", "missing_activation", "activation_applied",
                "missing_bias", "missing_biases", "transposed", "activation:sign", "extra_derivative",
                "derivative:missing_square", "change_not_weight", "pre_activation"]:
        assert key in CATALOGUE, key


def test_values_match_hand_computations():
    net, X, y = case(1)
    z0, h, z1, o, d1, d0 = by_hand(net, X, y)
    W0, W1 = net.W
    x, t = X[:1], y[:1]
    c = candidates(net, x, t, ("delta", "Z2"), lr=0.5)
    assert c["sign"] == pytest.approx(-d0[0, 1])
    assert c["missing_hidden_derivative"] == pytest.approx((d1[:1] @ W1[1:].T)[0, 1])
    assert c["missing_derivative"] == pytest.approx(((o - y)[:1] @ W1[1:].T)[0, 1])
    assert c["derivative:missing_square"] == pytest.approx(((1 - h[:1]) * ((o[:1] - t) * o[:1] * (1 - o[:1]) @ W1[1:].T))[0, 1])
    assert c["loss:missing_half"] == pytest.approx(2 * d0[0, 1])
    W1_new = W1 - 0.5 * np.vstack([d1[:1].mean(axis=0), h[:1].T @ d1[:1]])
    assert c["updated_weights"] == pytest.approx(((1 - h[:1] ** 2) * (d1[:1] @ W1_new[1:].T))[0, 1])
    g = candidates(net, X, y, ("gradient", "Z1->D0"))
    assert g["sum_not_mean"] == pytest.approx(np.sum(h[:, 0] * d1[:, 0]))
    assert g["destination_activation"] == pytest.approx(np.mean(o[:, 0] * d1[:, 0]))
    assert g["pre_activation"] == pytest.approx(np.mean(z0[:, 0] * d1[:, 0]))
    assert g["swapped"] == pytest.approx(np.mean(o[:, 0] * d0[:, 0]))
    u = candidates(net, X, y, ("update", "Z1->D0"), lr=0.5)
    gr = np.mean(h[:, 0] * d1[:, 0])
    w = net["Z1->D0"]
    assert (u["missing_lr"], u["gradient_not_weight"], u["change_not_weight"], u["unchanged"]) == pytest.approx(
        (w - gr, gr, -0.5 * gr, w))
    f = candidates(net, x, None, ("forward", "D0"))
    assert f["missing_activation"] == pytest.approx(z1[0, 0])
    assert f["missing_bias"] == pytest.approx(sig(z1[0, 0] - W1[0, 0]))
    assert f["hidden_activation_skipped"] == pytest.approx(sig(z0[0] @ W1[1:, 0] + W1[0, 0]))
    assert f["activation:sign"] == pytest.approx(sig(-z1[0, 0]))  # e^(+z) in the sigmoid output
    # A mistake that does not bear on a question gives its right value there.
    assert f["sign"] == pytest.approx(o[0, 0]) and f["unchanged"] == pytest.approx(o[0, 0])


def test_the_articles_rule_is_one_definition():
    """The catalogue's "article" entry is Network's rule="article", not a second copy of it."""
    net, X, y = case(2)
    grads = net.gradients(X, y, rule="article")
    for name in ["X1->Z2", "Z3->D0", "X0->Z1"]:
        l, i, j = net.weight_index(name)
        assert candidates(net, X, y, ("gradient", name))["article"] == grads[l][i, j]
    fwd = net.forward(X[:1])
    assert candidates(net, X[:1], y[:1], ("delta", "D0"))["article"] == float(net.backward(fwd, y[:1], rule="article")[-1][0, 0])
    # Under the article's rule, the gradient rule's answer is the sign mistake.
    wx, Xx, yx, lr = bpnet.xor_example()
    assert candidates(wx, Xx[:1], yx[:1], ("delta", "D0"), rule="article")["sign"] == 4.0


def test_candidates_on_a_batch_give_one_value_per_sample():
    net, X, y = case(3, m=4)
    c = candidates(net, X, y, ("delta", "Z1"))
    assert c["sign"].shape == (4,)
    z0, h, z1, o, d1, d0 = by_hand(net, X, y)
    np.testing.assert_allclose(c["sign"], -d0[:, 0])
    assert candidates(net, X, None, ("z", "Z3"))["activation_applied"].shape == (4,)


def test_degenerate_questions_are_named():
    net, X, y, lr = bpnet.xor_example()
    same = indistinguishable(net, X[:1], y[:1], ("delta", "Z1"), lr=lr)
    assert "missing_hidden_derivative" in same and "missing_derivative" in same
    rnet, _, _ = case(4)
    assert indistinguishable(rnet, X[:1], y[:1], ("delta", "Z1"), lr=lr) == ()


@pytest.mark.parametrize("question, words", [
    (("nope", "Z1"), "unknown question kind"),
    (("delta", "Q1"), "unknown unit"),
    (("delta", "Z0"), "bias unit"),
    (("gradient", "Z9->D0"), "unknown weight"),
    (("update", "Z1->D0"), "learning rate"),
    ("delta", "a pair"),
])
def test_bad_questions_name_the_problem(question, words):
    net, X, y = case(0)
    with pytest.raises((ValueError, TypeError), match=words):
        assess(net, X, y, question)


def test_assessments_do_not_change_the_network_and_see_its_changes():
    net, X, y = case(5)
    before = [w.copy() for w in net.W]
    a = assess(net, X, y, ("update", "X1->Z1"), lr=0.5)
    for w, b in zip(net.W, before):
        np.testing.assert_array_equal(w, b)
    net.W[1][1, 0] += 0.25  # a later change is a new question, not a cached answer
    assert assess(net, X, y, ("update", "X1->Z1"), lr=0.5).expected != a.expected


def one_unit_case(seed=5):
    """A 1-1-1 tanh/sigmoid network: every layer has one unit, every weight block is 1x1."""
    rng = np.random.default_rng(seed)
    net = Network([rng.normal(size=(2, 1)), rng.normal(size=(2, 1))], ["tanh", "sigmoid"])
    return net, rng.normal(size=(2, 1)), rng.uniform(0.1, 0.9, size=(2, 1))


def _same(net, X, y, question, lr=None):
    a = assess(net, X, y, question, lr=lr)
    return mistakes.judge(a.expected, a).same_as


def test_no_other_unit_in_a_one_unit_layer():
    # "f'(z) of another unit of the same layer" cannot happen where the layer has one unit.
    net, X, y = one_unit_case()
    for q in [("delta", "D0"), ("delta", "Z1"), ("gradient", "Z1->D0"), ("gradient", "X1->Z1")]:
        assert "derivative_of_wrong_unit" not in candidates(net, X, y, q)
        assert "derivative_of_wrong_unit" not in _same(net, X, y, q)
    from bpnet.teach.exercises import check_delta
    r = check_delta(net, X[0], y[0], "D0", assess(net, X[:1], y[:1], ("delta", "D0")).expected)
    assert r.correct and "another unit" not in repr(r)
    # A layer of two units has another unit: the mistake is there and tells a different number.
    net2, X2, y2 = case()
    c = candidates(net2, X2, y2, ("delta", "Z1"))
    assert not np.allclose(c["derivative_of_wrong_unit"], assess(net2, X2, y2, ("delta", "Z1")).expected)


def test_no_other_source_unit_nor_transpose_on_a_diagonal():
    net, X, y = one_unit_case()
    for kind, lr in (("gradient", None), ("update", 0.5)):
        for w in ("X1->Z1", "Z1->D0"):
            c = candidates(net, X, y, (kind, w), lr=lr)
            assert "wrong_source" not in c and "transposed" not in c
            assert not {"wrong_source", "transposed"} & set(_same(net, X, y, (kind, w), lr))
    # 2-3-1: X1->Z1 is on the diagonal (source 1, destination 1) so transposing leaves it;
    # X2->Z1 is not, and X1 has another unit beside it in its layer.
    net2, X2, y2 = case()
    assert "transposed" not in candidates(net2, X2, y2, ("gradient", "X1->Z1"))
    c = candidates(net2, X2, y2, ("gradient", "X2->Z1"))
    right = assess(net2, X2, y2, ("gradient", "X2->Z1")).expected
    assert not np.isclose(c["transposed"], right) and not np.isclose(c["wrong_source"], right)


def test_no_activation_mistake_where_the_value_passes_through_none():
    net, X, y = one_unit_case()
    # z of the first layer sees only the inputs; a of the tanh layer never meets sigmoid.
    assert not {"hidden_activation_skipped", "missing_activations", "activation:sign",
                "activation:derivative_not_value"} & set(candidates(net, X, y, ("z", "Z1")))
    assert "activation:sign" not in candidates(net, X, y, ("forward", "Z1"))
    assert "activation:sign" in candidates(net, X, y, ("forward", "D0"))
    assert "hidden_activation_skipped" in candidates(net, X, y, ("z", "D0"))
    # tanh's missing square cannot reach the output delta; it does reach the hidden one.
    assert "derivative:missing_square" not in candidates(net, X, y, ("delta", "D0"))
    assert "derivative:missing_square" in candidates(net, X, y, ("delta", "Z1"))
    for q in [("z", "Z1"), ("forward", "Z1"), ("delta", "D0"), ("gradient", "Z1->D0"), ("gradient", "X1->Z1")]:
        assert _same(net, X, y, q) == (), q


def every_question(net):
    """Every question about ``net`` (of the weights: the first and last of each layer), the updates of the
    last layer first and the forward pass last: an order opposite to the one a pass computes them in."""
    units = [net.dest_name(l, j) for l in range(net.n_layers) for j in range(net.sizes[l + 1])]
    weights = [net.weight_name(l, i, j) for l in range(net.n_layers)[::-1]
               for i, j in ((net.sizes[l], net.sizes[l + 1] - 1), (0, 0))]
    return ([("update", w) for w in weights] + [("gradient", w) for w in weights] + [("cost", None)]
            + [("delta", u) for u in units[::-1]] + [(k, u) for u in units for k in ("z", "forward")])


def same_as_alone(a, net, X, y, q, loss, rule, lr):
    """Assert that every catalogue mistake's value in the assessment ``a`` of question ``q`` is the value a
    learner of its own, made for ``q`` alone, gives."""
    np.testing.assert_array_equal(a.expected, mistakes.Learner(net, loss, rule, lr, q).answer(X, y))
    ctx = mistakes.Context(net, X, y, loss, rule, lr, q, Backprop(net, loss, rule).forward(X))
    alone = []
    for m in mistakes.catalogue(net, loss).values():
        if m.possible(ctx):
            for place in (m.places(ctx) if m.places is not None else [None]):
                v = m.value(ctx, place)  # a learner of its own for this question
                if not np.isnan(v).any():
                    alone.append((m.key, v))
    shared = [(c.key, c.value) for c in a.candidates[:len(alone)]]
    assert [k for k, _ in shared] == [k for k, _ in alone], q
    for (key, v), (_, w) in zip(shared, alone):
        np.testing.assert_array_equal(v, w, err_msg=f"{q} {key}")


@pytest.mark.parametrize("rule", ["gradient", "article"])
def test_questions_asked_in_turn_on_one_batch_get_the_numbers_each_gets_alone(rule):
    # assess reads every question of a batch off one pass per learner; each number must be the one a
    # learner made for that question alone gives, in whatever order the questions come.
    rng = np.random.default_rng([41, len(rule)])
    sizes = [2, 3, 2, 2]
    net = Network([rng.normal(size=(a + 1, b)) for a, b in zip(sizes[:-1], sizes[1:])],
                  ["tanh", "sigmoid", "sigmoid"], frozen=["X1->H1_2"])
    X, y, lr, loss = rng.normal(size=(3, 2)), rng.uniform(size=(3, 2)), 0.7, get_loss("binary_cross_entropy")
    compounds = 0
    for question in every_question(net):
        a = assess(net, X, y, question, loss, rule, lr, combos=True)
        q = mistakes.parse_question(net, question)
        same_as_alone(a, net, X, y, q, loss, rule, lr)
        for c in a.candidates:
            if "+" in c.key:  # two mistakes made together
                first, second = (CATALOGUE[k].learner for k in c.key.split("+"))
                both = type("Both", (first, second), {})
                np.testing.assert_array_equal(c.value, both(net, loss, rule, lr, q).answer(X, y), err_msg=c.key)
                compounds += 1
    assert compounds > 0


def test_a_pass_cut_short_is_not_reused():
    # Under np.errstate(all="raise"), "weights updated before the delta is sent back" overflows after it
    # has updated the last layer in place; asked again without it, its numbers are those of a fresh pass.
    net = Network([np.array([[0.0], [1.0]])] * 3, ["identity"] * 3)
    X, y, lr, question = np.array([[1e5]]), np.array([[0.0]]), 1e290, ("delta", "H2_1")
    with np.errstate(all="raise"), pytest.raises(FloatingPointError):
        assess(net, X, y, question, lr=lr)
    with np.errstate(all="ignore"):
        got = candidates(net, X, y, question, lr=lr)["updated_weights"]
        learner = CATALOGUE["updated_weights"].learner(net, "half_squared_error", "gradient", lr,
                                                       mistakes.parse_question(net, question))
        assert got == learner.answer(X, y)


def test_a_change_to_an_assessments_context_reaches_no_other_answer():
    # The questions of a batch share its learners' passes; what an assessment shows of the network,
    # the batch and the forward pass are copies of their own.
    net, X, y = case(6)
    a = assess(net, X, y, ("forward", "Z1"), lr=0.5)
    a.context.net.W[0][...] = 0.0
    a.context.X[...] = 0.0
    for v in a.context.fwd.z + a.context.fwd.a:
        v[...] = 0.0
    q = mistakes.parse_question(net, ("delta", "D0"))  # asked in another layer: learners made after the change
    same_as_alone(assess(net, X, y, q, lr=0.5), net, X, y, q, get_loss("half_squared_error"), "gradient", 0.5)
