"""The XOR worked example: one source of truth for its network, data and learning rate.

The network is the article's: input X0 (bias), X1, X2; hidden Z0 (bias), Z1, Z2, Z3;
one output D0; identity activations; all 13 weights 1; learning rate 0.1.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .network import Network

__all__ = ["WorkedExample", "xor_example", "XOR_X", "XOR_Y", "EXAMPLES", "example_file"]

#: XOR: (X1, X2) -> y, in the article's order.
XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([[0.0], [1.0], [1.0], [0.0]])


@dataclass
class WorkedExample:
    """A network with its training data and settings: what a notebook, the CLI or a file needs.

    ``net``, ``X`` (m, n0), ``y`` (m, nL), ``lr``, ``loss``; from a network file also
    ``rule``, ``frozen`` (weight names the update holds fixed, also on ``net.frozen``),
    ``published`` (the numbers the source prints, or None), ``name``, ``description``,
    ``source`` and ``path``.
    """

    net: Network
    X: np.ndarray
    y: np.ndarray
    lr: float
    loss: str
    rule: str = "gradient"
    frozen: frozenset = field(default_factory=frozenset)
    published: dict | None = None
    name: str = ""
    description: str = ""
    source: str = ""
    path: str = ""

    def __iter__(self):
        # Lets a notebook write ``net, X, y, lr = xor_example()``.
        return iter((self.net, self.X, self.y, self.lr))


def xor_example() -> WorkedExample:
    """The article's 2-3-1 identity network with every weight 1, the XOR data and lr 0.1.

    Returns fresh copies each call, so a notebook can train one without touching another.
    """
    net = Network.constant([2, 3, 1], activations="identity", value=1.0)
    return WorkedExample(net, XOR_X.copy(), XOR_Y.copy(), 0.1, "half_squared_error",
                         name="XOR worked example")


EXAMPLES = {"xor": xor_example}

#: The repository's example network files sit beside the package, in examples/.
EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "examples"


def example_file(name: str | None = None) -> Path:
    """The path of one of the repository's example network files ("xor.json"), or of their folder.

    The same from any working directory (a notebook, a script, a terminal). The files ship with
    the repository, beside ``bpnet/``: where they are missing the error says so.
    """
    folder = EXAMPLES_DIR
    if not folder.is_dir():
        raise FileNotFoundError(f"bpnet's example network files are not at {folder}: they come with the bpnet "
                                "repository (its examples/ folder, beside bpnet/); use a clone of the repository, "
                                "or give the path of a network file of your own")
    if name is None:
        return folder
    path = folder / name
    if not path.is_file():
        names = sorted(p.name for p in folder.glob("*.json"))
        raise FileNotFoundError(f"no example network file {name!r} in {folder}; the examples are {names}")
    return path
