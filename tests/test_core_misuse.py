"""Inputs that used to give silently wrong numbers: each is refused (nothing changed) or computed right."""

import tracemalloc

import numpy as np
import pytest

from bpnet import SGD, Network, trace_step
from bpnet.core.losses import get_loss


def unchanged_after(net, call, exc, *words):
    before = [w.copy() for w in net.W]
    with pytest.raises(exc) as info:
        call()
    for w in words:
        assert w in str(info.value), (w, str(info.value))
    for w, b in zip(net.W, before):
        np.testing.assert_array_equal(w, b)


def every_entry(net, X, y, loss):
    return (lambda: net.step(X, y, 0.1, loss), lambda: net.train(X, y, 3, 0.1, loss),
            lambda: trace_step(net, X, y, 0.1, loss), lambda: net.gradients(X, y, loss))


# ----- 1. targets and output activations a loss cannot use --------------------------------
@pytest.mark.parametrize("y,words", [
    ([[1, 1, 0]], ["sum to 1", "row 0 sums to 2"]),
    ([[0.2, 0.2, 0.2]], ["sum to 1", "0.6"]),
    ([[1.5, -0.5, 0]], ["y >= 0"]),
])
def test_softmax_cross_entropy_needs_target_rows_summing_to_1(y, words):
    net = Network.random([2, 4, 3], ["tanh", "softmax"], seed=0)
    for call in every_entry(net, [[0.5, -1.0]], y, "cce"):
        unchanged_after(net, call, ValueError, "categorical_cross_entropy", *words)


def test_soft_labels_summing_to_1_get_the_true_gradient():
    """a - y is dL/dz for any target distribution: checked against central differences."""
    net = Network.random([2, 3], "softmax", seed=1)
    X, y = np.array([[0.3, -0.8]]), np.array([[0.1, 0.6, 0.3]])
    g = net.gradients(X, y, "cce")[0]
    h = 1e-6
    for i in range(3):
        for j in range(3):
            up, down = net.copy(), net.copy()
            up.W[0][i, j] += h
            down.W[0][i, j] -= h
            num = (up.cost(X, y, "cce") - down.cost(X, y, "cce")) / (2 * h)
            assert g[i, j] == pytest.approx(num, abs=1e-8)


@pytest.mark.parametrize("acts,y,words", [
    (["tanh", "sigmoid"], [[1.5]], ["targets y in [0, 1]", "1.5"]),
    (["tanh", "sigmoid"], [[-0.1]], ["targets y in [0, 1]"]),
    (["tanh", "identity"], [[1.0]], ["probabilities", "identity", "sigmoid"]),
    (["tanh", "tanh"], [[1.0]], ["probabilities", "tanh"]),
])
def test_binary_cross_entropy_needs_probabilities(acts, y, words):
    net = Network.random([2, 3, 1], acts, seed=2)
    for call in every_entry(net, [[0.5, -1.0]], y, "bce"):
        unchanged_after(net, call, ValueError, "binary_cross_entropy", *words)
    with pytest.raises(ValueError, match="binary_cross_entropy"):
        net.cost([[0.5, -1.0]], y, "bce")


# ----- 2. softmax on one output --------------------------------------------------------
def test_softmax_on_a_single_output_is_refused():
    with pytest.raises(ValueError, match="single output.*sigmoid"):
        Network.random([2, 3, 1], ["tanh", "softmax"])
    with pytest.raises(ValueError, match="single output"):
        Network([np.ones((3, 1))], "softmax")
    Network.random([2, 3, 2], ["tanh", "softmax"])  # two outputs are fine


# ----- 3. cross-entropy costs are exact for any z ------------------------------------------
@pytest.mark.parametrize("z,y,expected", [
    (2000.0, 0.0, 2000.0), (-2000.0, 1.0, 2000.0), (2000.0, 1.0, 0.0), (40.0, 0.0, 40.0),
    (0.0, 1.0, np.log(2.0)),
])
def test_binary_cross_entropy_cost_from_z(z, y, expected):
    net = Network([np.array([[z], [0.0]])], "sigmoid")
    assert net.cost([[1.0]], [[y]], "bce") == pytest.approx(expected, rel=1e-12, abs=1e-300)
    assert net.copy().step([[1.0]], [[y]], 0.1, "bce") == net.cost([[1.0]], [[y]], "bce")
    assert net.copy().train([[1.0]], [[y]], 1, 0.1, "bce")[0] == net.cost([[1.0]], [[y]], "bce")


def test_categorical_cross_entropy_cost_from_z():
    net = Network([np.array([[2000.0, 0.0, -10.0], [0.0, 0.0, 0.0]])], "softmax")
    assert net.cost([[1.0]], [[0, 1, 0]], "cce") == pytest.approx(2000.0, rel=1e-12)
    assert net.cost([[1.0]], [[1, 0, 0]], "cce") == pytest.approx(0.0, abs=1e-300)
    z = np.array([[0.3, -1.2, 2.0]])
    a = np.exp(z) / np.exp(z).sum()
    net = Network([np.vstack([z, np.zeros((1, 3))])], "softmax")
    y = [[0.2, 0.3, 0.5]]
    assert net.cost([[0.0]], y, "cce") == pytest.approx(-(np.log(a) * y).sum(), rel=1e-14)


def test_cost_from_z_agrees_with_the_formula_from_a():
    rng = np.random.default_rng(3)
    z = rng.normal(scale=3, size=(50, 4))
    y = rng.uniform(size=(50, 4))
    bce = get_loss("bce")
    from bpnet.core.activations import get_activation
    sig = get_activation("sigmoid")
    np.testing.assert_allclose(bce.sample_losses(sig.f(z), y, z, sig), bce.per_sample(sig.f(z), y), rtol=1e-12)
    # another output activation: the formula from a, as before
    idn = get_activation("identity")
    a = sig.f(z)
    np.testing.assert_array_equal(bce.sample_losses(a, y, z, idn), bce.per_sample(a, y))


# ----- 4. layer names ------------------------------------------------------------------------
@pytest.mark.parametrize("names,words", [
    (["A", "A", "A", "A"], ["layers 0 and 1", "'A'"]),
    (["X", "H", "H", "D"], ["layers 1 and 2", "'H'"]),
    (["X", "A1", "B", "D"], ["'A1'", "digit"]),
    (["X", "", "B", "D"], ["''"]),
    (["X", "A->", "B", "D"], ["'->'"]),
    (["X", "Z", "D"], ["need 4 layer names"]),
    ("XZAD", ["list of 4 layer names"]),
])
def test_bad_layer_names_are_refused(names, words):
    with pytest.raises((ValueError, TypeError)) as info:
        Network.random([2, 3, 3, 1], "tanh", names=names)
    for w in words:
        assert w in str(info.value)


def test_weight_names_read_back_for_any_layer_names():
    net = Network.random([2, 12, 11, 2], "tanh", names=["In", "Hid_", "H", "Out"], seed=0)
    names = net.weight_names()
    assert len(names) == len(set(names)) == sum(w.size for w in net.W)
    for name in names:
        l, i, j = net.weight_index(name)
        assert net.weight_name(l, i, j) == name
    assert net.weight_index("Hid_11->H11") == (1, 11, 10)
    assert net.weight_index("H0->Out1") == (2, 0, 1)
    for bad in ("In3->Hid_1", "In1->H1", "In01->Hid_1", "Hid_1->Hid_2", "H12->Out0", "Out0", "In1->Hid_0",
                "H1->Out2", 5):
        with pytest.raises(KeyError, match="no weight named"):
            net.weight_index(bad)
    assert net.weights_dict() == {n: net[n] for n in names}


# ----- 5. a learning rate given twice, non-whole sizes -----------------------------------------
def test_lr_with_an_optimizer_is_refused():
    net = Network.random([2, 3, 1], ["tanh", "sigmoid"], seed=4)
    X, y = [[0.0, 1.0]], [[1.0]]
    unchanged_after(net, lambda: net.step(X, y, lr=-5, optimizer=SGD(0.1)), ValueError,
                    "learning rate given twice", "lr=-5", "lr=0.1")
    unchanged_after(net, lambda: net.train(X, y, 2, lr=0.5, optimizer=SGD(0.1)), ValueError,
                    "learning rate given twice")
    a, b = net.copy(), net.copy()
    a.step(X, y, optimizer=SGD(0.3))
    b.step(X, y, lr=0.3)
    for wa, wb in zip(a.W, b.W):
        np.testing.assert_array_equal(wa, wb)
    c = net.copy()
    c.step(X, y)  # no lr: the default 0.1
    net.step(X, y, 0.1)
    for wa, wb in zip(c.W, net.W):
        np.testing.assert_array_equal(wa, wb)


@pytest.mark.parametrize("sizes,exc,words", [
    ([2.7, 3, 1], ValueError, ["sizes[0]", "2.7"]),
    ([2, 3, 0], ValueError, ["sizes[2]", ">= 1"]),
    ([2, True, 1], TypeError, ["sizes[1]"]),
    (["two", 1], TypeError, ["sizes must be"]),
    ([2], ValueError, ["sizes needs"]),
    (3, TypeError, ["sizes must be"]),
])
def test_sizes_must_be_whole(sizes, exc, words):
    for make in (Network.random, Network.constant):
        with pytest.raises(exc) as info:
            make(sizes)
        for w in words:
            assert w in str(info.value)
    assert Network.constant([2.0, 3, 1]).sizes == [2, 3, 1]


# ----- 10. construction is O(weights) in numpy, no per-weight Python objects ---------------------
def test_building_a_large_network_makes_no_per_weight_objects():
    tracemalloc.start()
    try:
        net = Network.constant([2000, 500, 1])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    array_bytes = sum(w.nbytes for w in net.W)
    assert peak < 3 * array_bytes  # one name per weight alone would take ~30x the arrays
    assert net.weight_index("X2000->Z500") == (0, 2000, 499)
    assert net["Z500->D0"] == 1.0


def test_trace_reports_the_cost_step_returns():
    net = Network([np.array([[2000.0], [0.0]])], "sigmoid")
    t = trace_step(net, [[1.0]], [[0.0]], 0.1, "bce")
    loss_step = next(s for s in t if s.kind == "loss")
    assert loss_step.value == pytest.approx(2000.0, rel=1e-12)
    assert loss_step.value == net.copy().step([[1.0]], [[0.0]], 0.1, "bce")
