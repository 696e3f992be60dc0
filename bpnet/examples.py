"""The XOR worked example: one source of truth for its network, data and learning rate.

The network is the article's: input X0 (bias), X1, X2; hidden Z0 (bias), Z1, Z2, Z3;
one output D0; identity activations; all 13 weights 1; learning rate 0.1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .network import Network

__all__ = ["WorkedExample", "xor_example", "XOR_X", "XOR_Y", "EXAMPLES"]

#: XOR: (X1, X2) -> y, in the article's order.
XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([[0.0], [1.0], [1.0], [0.0]])


@dataclass
class WorkedExample:
    net: Network
    X: np.ndarray
    y: np.ndarray
    lr: float
    loss: str

    def __iter__(self):
        # Lets a notebook write ``net, X, y, lr = xor_example()``.
        return iter((self.net, self.X, self.y, self.lr))


def xor_example() -> WorkedExample:
    """The article's 2-3-1 identity network with every weight 1, the XOR data and lr 0.1.

    Returns fresh copies each call, so a notebook can train one without touching another.
    """
    net = Network.constant([2, 3, 1], activations="identity", value=1.0)
    return WorkedExample(net, XOR_X.copy(), XOR_Y.copy(), 0.1, "half_squared_error")


EXAMPLES = {"xor": xor_example}
