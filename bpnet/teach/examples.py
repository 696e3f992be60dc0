"""The XOR worked example: one source of truth for its network, data and learning rate.

The network is the article's: input X0 (bias), X1, X2; hidden Z0 (bias), Z1, Z2, Z3;
one output D0; identity activations; all 13 weights 1; learning rate 0.1.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..core.network import Network

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
    ``source``, ``path`` and ``convention`` (the conventions the file states the source writes in,
    keys of ``bpnet.explain.conventions.CONVENTIONS``; () for bpnet's own; None if it states none).
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
    convention: tuple | None = None

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

#: The repository's example network files sit beside the package, in examples/ (a clone, or an
#: editable install); an installed copy of bpnet finds them from the working directory instead.
EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "examples"  # beside bpnet/ in a clone
_MARK = "xor-article-published.json"  # a file only bpnet's examples/ folder holds


def _examples_folder() -> Path | None:
    """The examples/ folder beside the package, else the nearest one above the working directory."""
    cwd = Path.cwd()
    for folder in [EXAMPLES_DIR] + [d / "examples" for d in (cwd, *cwd.parents)]:
        if (folder / _MARK).is_file():
            return folder
    return None


def example_file(name: str | None = None) -> Path:
    """The path of one of the repository's example network files ("xor.json"), or of their folder.

    The folder beside ``bpnet/`` when bpnet runs from the repository, else the examples/ folder
    of the nearest directory above the working directory that has one (a notebook in notebooks/
    of a clone with bpnet installed). Where there is none the error says where they come from.
    """
    folder = _examples_folder()
    if folder is None:
        raise FileNotFoundError(f"bpnet's example network files are neither at {EXAMPLES_DIR} nor in an examples/ "
                                f"folder above {Path.cwd()}: they come with the bpnet repository (its examples/ "
                                "folder); work in a clone of the repository, or give the path of a network file "
                                "of your own")
    if name is None:
        return folder
    path = folder / name
    if not path.is_file():
        names = sorted(p.name for p in folder.glob("*.json"))
        raise FileNotFoundError(f"no example network file {name!r} in {folder}; the examples are {names}")
    return path
