"""What the number checkers say beside the verdict: a diagnosis names the units the question goes
through, and a ✓ answer's note names only mistakes the learner could make on that question."""

import numpy as np

import bpnet
from bpnet.teach.exercises import check_delta, check_update


def _tanh_sigmoid():
    """Notebook 05's Exercise 1b: a tanh hidden layer, a sigmoid output, the sample (0, 1) -> 1."""
    r = np.random.default_rng(5)
    net = bpnet.Network([r.normal(size=(3, 3)), r.normal(size=(4, 1))], activations=["tanh", "sigmoid"])
    return net, np.array([0.0, 1.0]), np.array([1.0])


def test_the_sigmoid_derivative_alone_is_told_the_error_factor_is_missing():
    net, x, t = _tanh_sigmoid()
    y_hat = float(net.predict(x)[0, 0])
    result = check_delta(net, x, t, "D0", y_hat * (1 - y_hat))  # f'(z) alone: (y_hat - y) left out
    assert not result.correct
    text = repr(result)
    assert "tanh" not in text, text  # the output delta goes through no tanh unit
    assert "opposite sign" not in text, text
    assert "a - y" in result.diagnosis and "f'(z) alone" in result.diagnosis, result.diagnosis
    right = (y_hat - 1.0) * y_hat * (1 - y_hat)
    assert check_delta(net, x, t, "D0", right)


def test_a_derivative_slip_at_the_output_names_the_output_activation():
    net, x, t = _tanh_sigmoid()
    y_hat = float(net.predict(x)[0, 0])
    result = check_delta(net, x, t, "D0", (y_hat - 1.0) * y_hat)  # f(z) where f'(z) belongs, at the sigmoid output
    assert not result.correct and "sigmoid" in result.diagnosis and "tanh" not in result.diagnosis, result.diagnosis


def test_no_note_about_deltas_on_a_linear_model_nor_about_f_prime_where_there_is_none():
    # Notebook 03: a line fitted by gradient descent, before deltas are taught; f'(z) = 1 everywhere.
    x5 = np.array([[-0.8], [-0.5], [0.1], [0.6], [0.9]])
    y5 = np.array([[-0.7], [0.1], [1.3], [2.1], [2.9]])
    line = bpnet.Network([[[-0.2], [0.5]]], activations="identity")
    g = np.mean((line.predict(x5) - y5) * x5)
    result = check_update(line, x5, y5, "X1->D0", line["X1->D0"] - 0.3 * g, lr=0.3)
    assert result.correct and result.note == "" and "Note" not in repr(result), repr(result)
    # A softmax output with cross-entropy: its delta is a - y, with no f'(z) one could leave out.
    r = np.random.default_rng(1)
    net = bpnet.Network([r.normal(size=(3, 3)), r.normal(size=(4, 3))], activations=["tanh", "softmax"])
    x, y = np.array([0.5, -1.0]), np.array([0.0, 1.0, 0.0])
    a = net.predict(x)[0]
    result = check_delta(net, x, y, "D1", a[1] - y[1], loss="categorical_cross_entropy")
    assert result.correct and "f'" not in result.note, result.note


def test_a_real_coincidence_is_still_noted():
    # XOR's worked example, sample (0, 0): Z1's activation is 1 there, like the bias X0's, so using the
    # destination's activation where the source's belongs gives the right gradient on this sample only.
    net, X, y, lr = bpnet.xor_example()
    assert float(net.forward(X[0]).a[1][0, 0]) == 1.0
    d_out = float(net.predict(X[0])[0, 0] - y[0, 0])
    right = net["X0->Z1"] - lr * 1.0 * net["Z1->D0"] * d_out
    result = check_update(net, X[0], y[0], "X0->Z1", right, lr=lr)
    assert result.correct and "the destination's activation used where the source's belongs" in result.note
