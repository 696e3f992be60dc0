"""A real dataset, shipped with bpnet: the 8×8 handwritten digits (UCI optdigits, CC BY 4.0).

``load_digits()`` returns the 1797 images as a (1797, 64) array of pixel values 0-16 and
their digits; ``split(X, labels, ...)`` a seeded split into training and test sets;
``one_hot(labels)`` the targets a softmax output learns; ``fit`` trains a network on it epoch
by epoch, recording the cost and the accuracy on the training and test sets; ``confusion``
counts which digit is taken for which. Source and licence: ``bpnet/teach/data/README.md``.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..core.checks import check_whole
from ..core.network import Network

__all__ = ["Digits", "Fit", "load_digits", "one_hot", "split", "features", "predicted_digits", "accuracy",
           "confusion", "fit", "DIGITS_FILE", "PIXEL_MAX"]

DIGITS_FILE = Path(__file__).resolve().parent / "data" / "digits.csv.gz"
#: The largest pixel value: a pixel counts the "on" points of a 4x4 block, 0..16.
PIXEL_MAX = 16


@dataclass(frozen=True)
class Digits:
    """The images (n, 64) with pixel values 0-16, row by row, and their digits (n,)."""

    images: np.ndarray
    labels: np.ndarray

    def __len__(self) -> int:
        return len(self.labels)


def load_digits() -> Digits:
    """The 1797 handwritten digits, as integers: images (1797, 64) in 0..16, labels (1797,) in 0..9."""
    with gzip.open(DIGITS_FILE, "rt", encoding="ascii") as f:
        table = np.loadtxt(f, delimiter=",", dtype=np.int64)
    return Digits(images=table[:, :64], labels=table[:, 64])


def one_hot(labels, classes: int = 10) -> np.ndarray:
    """Row i is all 0 but a 1 in column labels[i]: the target of a softmax output."""
    labels = np.asarray(labels)
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer) or labels.min() < 0 or labels.max() >= classes:
        raise ValueError(f"one_hot needs a 1-D array of whole numbers 0..{classes - 1}")
    out = np.zeros((len(labels), classes))
    out[np.arange(len(labels)), labels] = 1.0
    return out


def split(data: Digits, test: int, seed: int) -> tuple[Digits, Digits]:
    """A seeded shuffle of ``data``, then the first ``test`` samples as the test set, the rest as training."""
    test = check_whole(test, "test")
    if not 0 < test < len(data):
        raise ValueError(f"test must be between 1 and {len(data) - 1} samples, got {test}")
    order = np.random.default_rng(seed).permutation(len(data))
    pick = lambda idx: Digits(data.images[idx], data.labels[idx])  # noqa: E731
    return pick(order[test:]), pick(order[:test])


def features(data: Digits) -> np.ndarray:
    """The network's input: each image as 64 numbers in [0, 1] (pixel / 16), one row per image."""
    return data.images / PIXEL_MAX


def predicted_digits(net: Network, data: Digits) -> np.ndarray:
    """The digit each image is taken for: the output unit with the largest activation."""
    return net.predict(features(data)).argmax(axis=1)


def accuracy(net: Network, data: Digits) -> float:
    """The fraction of ``data``'s images whose digit the network predicts."""
    return float(np.mean(predicted_digits(net, data) == data.labels))


def confusion(labels, predicted, classes: int = 10) -> np.ndarray:
    """counts[i, j]: how many images of digit i were taken for digit j (the diagonal is right)."""
    counts = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(counts, (np.asarray(labels), np.asarray(predicted)), 1)
    return counts


@dataclass(frozen=True)
class Fit:
    """What ``fit`` recorded, one entry per epoch (entry 0: before any training)."""

    cost: np.ndarray            # the training cost J
    train_accuracy: np.ndarray
    test_accuracy: np.ndarray


def fit(net: Network, train: Digits, test: Digits, epochs: int, lr: float, batch_size: int, seed: int,
        loss: str = "categorical_cross_entropy") -> Fit:
    """Train ``net`` in place on ``train`` for ``epochs`` epochs of mini-batch gradient descent
    (the samples shuffled anew each epoch, seeded), recording after each epoch the cost on the
    training set and the accuracy on both sets."""
    epochs = check_whole(epochs, "epochs", 1)
    X, Y = features(train), one_hot(train.labels)
    cost, train_acc, test_acc = [net.cost(X, Y, loss)], [accuracy(net, train)], [accuracy(net, test)]
    for epoch in range(epochs):
        net.train(X, Y, epochs=1, lr=lr, loss=loss, batch_size=batch_size, seed=seed + epoch)
        cost.append(net.cost(X, Y, loss))
        train_acc.append(accuracy(net, train))
        test_acc.append(accuracy(net, test))
    return Fit(np.array(cost), np.array(train_acc), np.array(test_acc))
