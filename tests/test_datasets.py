"""The shipped handwritten digits and what notebook 09 computes from them."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

import bpnet
from bpnet.teach.datasets import (DIGITS_FILE, PIXEL_MAX, Digits, accuracy, confusion, features, fit, load_digits,
                                  one_hot, predicted_digits, split)


def test_the_digits_file_is_the_documented_data_set_and_small():
    d = load_digits()
    assert d.images.shape == (1797, 64) and d.labels.shape == (1797,)
    assert d.images.min() == 0 and d.images.max() == PIXEL_MAX
    assert sorted(set(d.labels.tolist())) == list(range(10))
    assert np.bincount(d.labels).min() >= 170  # about 180 of each digit
    assert DIGITS_FILE.stat().st_size < 1_000_000
    with gzip.open(DIGITS_FILE, "rt") as f:  # 65 comma-separated whole numbers a line
        assert len(f.readline().split(",")) == 65
    assert (DIGITS_FILE.parent / "README.md").read_text().count("CC BY 4.0") >= 1


def test_features_scale_pixels_into_0_1_row_by_row():
    d = load_digits()
    x = features(d)
    assert x.shape == (1797, 64) and x.min() == 0 and x.max() == 1
    np.testing.assert_array_equal(x[0].reshape(8, 8) * PIXEL_MAX, d.images[0].reshape(8, 8))


def test_one_hot_marks_the_digit_and_refuses_what_is_not_a_digit():
    y = one_hot([3, 0, 9])
    assert y.shape == (3, 10) and y.sum() == 3
    assert y[0, 3] == y[1, 0] == y[2, 9] == 1
    for bad in ([10], [-1], [1.5], [[1]]):
        with pytest.raises(ValueError, match="whole numbers 0..9"):
            one_hot(np.array(bad))


def test_split_is_seeded_disjoint_and_complete():
    d = load_digits()
    train, test = split(d, 300, seed=0)
    again_train, again_test = split(d, 300, seed=0)
    other_train, _ = split(d, 300, seed=1)
    assert len(test) == 300 and len(train) == 1497
    np.testing.assert_array_equal(train.images, again_train.images)
    assert not np.array_equal(train.images, other_train.images)
    rows = {tuple(r) + (int(l),) for r, l in zip(d.images, d.labels)}
    both = {tuple(r) + (int(l),) for part in (train, test) for r, l in zip(part.images, part.labels)}
    assert both == rows
    with pytest.raises(ValueError, match="between 1 and 1796"):
        split(d, 1797, seed=0)


def test_confusion_counts_each_pair_and_its_diagonal_is_the_accuracy():
    counts = confusion([1, 1, 2, 3], [1, 2, 2, 1], classes=4)
    assert counts.tolist() == [[0, 0, 0, 0], [0, 1, 1, 0], [0, 0, 1, 0], [0, 1, 0, 0]]
    assert np.trace(counts) == 2


def test_accuracy_and_predictions_follow_the_largest_output():
    # a network whose output is its input's first ten pixels: it "predicts" the brightest of them
    W = [np.vstack([np.zeros((1, 10)), np.eye(64)[:, :10]])]
    net = bpnet.Network(W, ["identity"])
    images = np.zeros((2, 64), dtype=np.int64)
    images[0, 4], images[1, 7] = 16, 9
    data = Digits(images, np.array([4, 2]))
    assert predicted_digits(net, data).tolist() == [4, 7]
    assert accuracy(net, data) == 0.5


def test_fit_records_cost_and_accuracy_and_learns_the_digits():
    train, test = split(load_digits(), 300, seed=0)
    net = bpnet.Network.random([64, 16, 10], activations=["tanh", "softmax"], seed=3)
    start = net.copy()
    history = fit(net, train, test, epochs=3, lr=0.5, batch_size=32, seed=0)
    assert len(history.cost) == len(history.test_accuracy) == 4
    assert history.cost[0] == pytest.approx(start.cost(features(train), one_hot(train.labels), "categorical_cross_entropy"))
    assert history.cost[-1] < history.cost[0] / 4
    assert history.test_accuracy[0] < 0.3 < 0.85 < history.test_accuracy[-1]
    # each epoch is Network.train over the training set, shuffled with seed + epoch
    again = start.copy()
    for e in range(3):
        again.train(features(train), one_hot(train.labels), epochs=1, lr=0.5, loss="categorical_cross_entropy",
                    batch_size=32, seed=e)
    for a, b in zip(net.W, again.W):
        np.testing.assert_array_equal(a, b)
