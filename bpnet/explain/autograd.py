"""A scalar autograd whose backward pass is recorded as a list of micro-steps.

A ``Value`` holds one number. Arithmetic on Values (+, -, *, /, **, exp, log, max, any
activation of bpnet.core.activations with ``act`` (tanh, sigmoid, relu and leaky_relu by
name too), and the n-ary ``total``, ``mean`` and ``dot``) builds a computation graph: every
result remembers its op, the Values it came from, and, side by side, its value and its
local derivative with respect to each of them (as micrograd's engine does); its formulas
are written from that record by bpnet.core.notation. ``L.backward()`` then applies the chain
rule node by node, from L back to the inputs, in reverse topological order:

  seed     ∂L/∂L = 1
  local    the local derivative of one edge, ∂n/∂a, as a formula with numbers
  chain    the upstream gradient times the local one: ∂L/∂n * ∂n/∂a
  sum      at a fork (a Value used more than once) the contributions of its branches add

and returns a ``GraphTrace`` of those steps, after the forward steps (each node's
value) that built the graph. The steps read like ``bpnet.trace_step``'s: a name, a
formula in symbols, the same with numbers, a value. ``GraphStepper`` moves through
them with ``bpnet.views.stepper.Stepper``'s moves.

>>> a, b, c = inputs(a=2.0, b=-1.0, c=1.5)
>>> L = (a * b + c).tanh().named("L")
>>> trace = L.backward()
>>> round(a.grad, 6)   # ∂L/∂a = (1 - L^2) * b
-0.786448
>>> print(trace.find("chain", "a->n1").text)
∂L/∂a = ∂L/∂n1*∂n1/∂a = 0.786448*(-1) = -0.786448

``network_graph(net, X, y)`` builds one update of a ``bpnet.Network`` out of Values
(one node per unit and sample, weights shared by the samples), so the same deltas,
gradients and new weights can be computed a second, independent way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Iterable

import numpy as np

from ..core.activations import Identity, LeakyReLU, get_activation
from ..core.losses import BinaryCrossEntropy, HalfSquaredError, get_loss
from ..core.checks import check_real, check_rule
from ..core.network import Network
from ..core.notation import (PHASE_TITLES, PlainTex, fmt, graph_expression, graph_local, graph_operand, latex_number,
                             link_name, paren, weight_symbol)
from .trace import CHANGED_COLOUR, Excerpt, capped, phase_blocks, select_steps

__all__ = [
    "Value", "inputs", "trace_function", "total", "mean", "dot", "Graph", "Edge",
    "GraphStep", "GraphState", "GraphTrace",
    "NetworkGraph", "network_graph", "numerical_gradient", "GRAPH_PHASES",
]

GRAPH_PHASES = ("forward", "backward", "update")
_PHASE_OF = {"forward": "forward", "seed": "backward", "local": "backward", "chain": "backward",
             "sum": "backward", "update": "update"}


def _number(x, what: str) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float, np.integer, np.floating)):
        raise TypeError(f"{what} must be a real number, got {x!r}")
    try:
        return float(x)
    except OverflowError:  # an int such as 10**400
        raise ValueError(f"{what} must be a finite number, got an integer beyond the largest float "
                         "(about 1.8e308)") from None


_BEYOND = "beyond the largest float (about 1.8e308)"


def _finite_result(compute, what) -> float:
    """``compute()``, or a ValueError saying ``what()`` is beyond the range of floats (never an
    OverflowError, a ZeroDivisionError from an underflow, or an inf in a graph)."""
    try:
        value = compute()
    except (OverflowError, ZeroDivisionError) as exc:
        if "in a computation graph" in str(exc):  # _divide's and _power's own messages: a real 0
            raise
        value = math.inf
    if not math.isfinite(value):
        raise ValueError(f"{what()} is {_BEYOND}; every number in a graph must be finite")
    return value


class Value:
    """One number in a computation graph, with the gradient the backward pass gives it.

    ``Value(2.0, "a")`` is a named input. ``const=True`` marks a number no gradient
    flows into (a network's input, a bias unit's 1); ``param=True`` a weight that an
    update changes. Results of arithmetic are unnamed until you name them:
    ``e = (a * b).named("e")``; a ``Graph`` names the rest n1, n2, ...

    A result records its op, what it was applied to (``operands``: Values, and plain numbers
    that stay part of the op, as the 2 of ``2*a``) and, side by side, how its value and its
    local derivatives follow from their numbers (micrograd's ``_backward``, as numbers the
    recorded backward pass writes out). Its formulas are written by bpnet.core.notation.
    """

    def __init__(self, data, name: str | None = None, *, const: bool = False, param: bool = False):
        self.data = _number(data, "a Value's data")
        if not math.isfinite(self.data):
            raise ValueError(f"a Value must be a finite number, got {self.data}")
        if name is not None and not isinstance(name, str):
            raise TypeError(f"a Value's name must be a string, got {name!r}")
        self.name = name
        self.const = bool(const)
        self.param = bool(param)
        self.grad = 0.0
        self.op = "const" if const else "input"
        self.operands: tuple = ()  # what op was applied to: Values and plain numbers, in order
        self.parents: tuple[Value, ...] = ()  # the Values among them
        self.args: dict = {}  # what the op needs besides its operands: an activation, a loss
        self._value: Callable[..., float] | None = None  # data from the operands' numbers
        self._local: Callable[..., tuple] | None = None  # ∂data/∂operand, from their numbers and data

    def named(self, name: str) -> "Value":
        """Give this node a name (returns self, so ``e = (a * b).named("e")``)."""
        if not isinstance(name, str) or not name:
            raise TypeError(f"a name must be a non-empty string, got {name!r}")
        self.name = name
        return self

    @property
    def is_leaf(self) -> bool:
        return not self.parents

    def __repr__(self) -> str:
        name = f"{self.name!r}, " if self.name else ""
        return f"Value({name}data={fmt(self.data)}, grad={fmt(self.grad)})"

    # ----- the ops: each one's value and local derivatives, side by side --------------------
    def __add__(self, other):
        return _op("+", (self, other), lambda x, y: x + y, lambda x, y, out: (1.0, 1.0))

    def __radd__(self, other):
        return _op("+", (other, self), lambda x, y: x + y, lambda x, y, out: (1.0, 1.0))

    def __sub__(self, other):
        return _op("-", (self, other), lambda x, y: x - y, lambda x, y, out: (1.0, -1.0))

    def __rsub__(self, other):
        return _op("-", (other, self), lambda x, y: x - y, lambda x, y, out: (1.0, -1.0))

    def __mul__(self, other):
        return _op("*", (self, other), lambda x, y: x * y, lambda x, y, out: (y, x))

    def __rmul__(self, other):
        return _op("*", (other, self), lambda x, y: x * y, lambda x, y, out: (y, x))

    def __truediv__(self, other):
        return _op("/", (self, other), _divide, lambda x, y, out: (1.0 / y, -x / y ** 2))

    def __rtruediv__(self, other):
        return _op("/", (other, self), _divide, lambda x, y, out: (1.0 / y, -x / y ** 2))

    def __neg__(self):
        return _op("neg", (self,), lambda x: -x, lambda x, out: (-1.0,))

    def __pow__(self, k):
        k = _number(k, "an exponent (a plain number; Value ** Value is not supported)")
        return _op("^", (self, k), _power, lambda x, k, out: (k * x ** (k - 1), 0.0))

    def exp(self):
        return _op("exp", (self,), math.exp, lambda x, out: (out,))

    def log(self):
        return _op("log", (self,), _log, lambda x, out: (1.0 / x,))

    def max(self, other):
        """max(self, other). Its gradient goes to the larger input only (to ``other`` at a tie)."""
        return _op("max", (self, other), lambda x, y: x if x > y else y,
                   lambda x, y, out: (1.0 if x > y else 0.0, 1.0 if y >= x else 0.0))

    def act(self, activation) -> "Value":
        """f(self) for any registered activation (a name or an ``Activation``), computed by its own
        f and f' (``bpnet.core.activations``): ``z.act("swish")``, ``z.act(LeakyReLU(0.2))``."""
        act = get_activation(activation)
        if not act.elementwise:
            raise ValueError(f"{act.name} is not elementwise (its units depend on each other): it is no graph node")
        return _op(act.name, (self,), lambda z: _scalar(act.f(np.array([z]))),
                   lambda z, out: (_scalar(act.df(np.array([z]), np.array([out]))),), activation=act)

    def tanh(self):
        return self.act("tanh")

    def sigmoid(self):
        return self.act("sigmoid")

    def relu(self):
        return self.act("relu")

    def leaky_relu(self, alpha: float = 0.01):
        return self.act(LeakyReLU(_number(alpha, "alpha")))

    # ----- the backward pass --------------------------------------------------------------
    def backward(self, lr: float | None = None) -> "GraphTrace":
        """Set ``.grad`` = ∂self/∂v on every Value this one depends on; return the recorded steps.

        With ``lr``, the trace also records w := w - lr*∂self/∂w for every ``param`` Value
        (the Values themselves keep their data).
        """
        return Graph(self).trace(lr=lr)


def _op(op: str, operands, value, local, **args) -> Value:
    """The node ``op`` applied to ``operands`` (Values, or plain numbers that stay part of the op):
    its data is ``value(*numbers)``, its local derivatives ``local(*numbers, data)``, one per operand."""
    for x in operands:
        if not isinstance(x, Value):
            _number(x, f"an operand of {op} (a Value or a plain number)")
    numbers = _numbers(operands)
    out = Value(_finite_result(lambda: value(*numbers),
                               lambda: graph_expression(op, [paren(x) for x in numbers], args)))
    out.op, out.operands, out.args, out._value, out._local = op, tuple(operands), args, value, local
    out.parents = tuple(x for x in operands if isinstance(x, Value))
    return out


def _numbers(operands, data=None) -> list:
    """The operands' numbers: each Value's data (or ``data[id]`` when given), each plain number itself."""
    return [(x.data if data is None else data[id(x)]) if isinstance(x, Value) else float(x) for x in operands]


def _scalar(arr) -> float:
    return float(np.asarray(arr, dtype=float).reshape(-1)[0])


def _divide(x: float, y: float) -> float:
    if y == 0:
        raise ZeroDivisionError(f"division by zero: {fmt(x)}/0 in a computation graph")
    return x / y


def _log(x: float) -> float:
    if x <= 0:
        raise ValueError(f"log needs a positive number, got {fmt(x)}")
    return math.log(x)


def _power(x: float, k: float) -> float:
    try:
        out = x ** k
    except ZeroDivisionError:
        raise ZeroDivisionError(f"0 to the power {fmt(k)} in a computation graph") from None
    if isinstance(out, complex):
        raise ValueError(f"{fmt(x)}^{fmt(k)} is not a real number")
    return float(out)


def inputs(**named) -> tuple[Value, ...]:
    """Named input Values in the order given: ``a, b = inputs(a=2.0, b=-3.0)``."""
    return tuple(Value(v, k) for k, v in named.items())


def trace_function(f: Callable[..., Value], lr: float | None = None, name: str = "L", **values) -> "GraphTrace":
    """The recorded forward and backward pass of ``f`` at named inputs.

    ``trace_function(lambda x, y: (x * y + 1.0).tanh(), x=0.5, y=-2.0)``: each keyword
    becomes an input Value of that name, passed to ``f`` by name; the result is named
    ``name`` (unless ``f`` named it already) and its backward pass is recorded.
    """
    if not callable(f):
        raise TypeError(f"trace_function needs a function of Values, got {type(f).__name__}")
    if not values:
        raise ValueError("trace_function needs at least one named input, e.g. x=0.5")
    out = f(**dict(zip(values, inputs(**values))))
    if not isinstance(out, Value):
        raise TypeError(f"the function must return a Value (built from its inputs), got {type(out).__name__}")
    if out.name is None:
        out.named(name)
    return out.backward(lr=lr)


def _values(values, what: str) -> list:
    values = list(values)
    if not values:
        raise ValueError(f"{what} needs at least one Value")
    for v in values:
        if not isinstance(v, Value):
            raise TypeError(f"{what} needs Values, got {v!r}")
    return values


def total(values: Iterable[Value]) -> Value:
    """v1 + v2 + ... as one node (local derivative 1 for each term)."""
    values = _values(values, "total")
    return _op("sum", values, lambda *v: _sum(v), lambda *v: (1.0,) * (len(v) - 1))


def mean(values: Iterable[Value]) -> Value:
    """(v1 + ... + vm)/m as one node (local derivative 1/m for each term): a batch's cost."""
    values = _values(values, "mean")
    m = len(values)
    return _op("mean", values, lambda *v: _sum(v) / m, lambda *v: (1.0 / m,) * m)


def dot(pairs: Iterable[tuple[Value, Value]]) -> Value:
    """w1*x1 + w2*x2 + ... as one node: a unit's pre-activation z.

    Local derivatives: ∂z/∂w_i = x_i and ∂z/∂x_i = w_i. Operands are stored w1, x1, w2, x2, ...
    """
    pairs = [tuple(p) for p in pairs]
    if not pairs or any(len(p) != 2 for p in pairs):
        raise ValueError("dot needs a non-empty list of (weight, source) pairs")
    flat = _values([v for p in pairs for v in p], "dot")
    return _op("dot", flat, lambda *v: _sum([v[i] * v[i + 1] for i in range(0, len(v), 2)]),
               lambda *v: tuple(v[k ^ 1] for k in range(len(v) - 1)))


def _sum(values) -> float:
    s = 0.0
    for v in values:
        s += v
    return s


# ----- the graph ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Edge:
    """Parent ``src`` feeds slot ``slot`` of node ``dst`` (node indices into Graph.nodes)."""

    src: int
    dst: int
    slot: int


class Graph:
    """Every Value ``root`` depends on, in topological order (parents first), with names.

    Unnamed leaves that are constants are named by their number; other unnamed nodes
    n1, n2, ... in order. Two different nodes may not share a name.
    """

    def __init__(self, root: Value):
        if not isinstance(root, Value):
            raise TypeError(f"Graph needs a Value, got {type(root).__name__}")
        self.root = root
        self.nodes: list[Value] = _topological(root)
        self.index = {id(v): i for i, v in enumerate(self.nodes)}
        self.edges: list[Edge] = [Edge(self.index[id(p)], i, k)
                                  for i, v in enumerate(self.nodes) for k, p in enumerate(v.parents)]
        self.out_edges: list[list[int]] = [[] for _ in self.nodes]
        self.in_edges: list[list[int]] = [[] for _ in self.nodes]
        for e, edge in enumerate(self.edges):
            self.out_edges[edge.src].append(e)
            self.in_edges[edge.dst].append(e)
        self.names = self._names()

    def _names(self) -> list[str]:
        names, seen, k = [], {}, 0
        chosen = {v.name for v in self.nodes if v.name}
        for i, v in enumerate(self.nodes):
            if v.name:
                if v.name in seen and not v.const:
                    raise ValueError(f"two different nodes are both named {v.name!r}; give each its own name")
                name = v.name
            elif v.is_leaf and v.const:
                name = fmt(v.data)
            else:
                k += 1
                name = f"n{k}"
                while name in seen or name in chosen:
                    k += 1
                    name = f"n{k}"
            seen[name] = i
            names.append(name)
        return names

    def __len__(self) -> int:
        return len(self.nodes)

    def __getitem__(self, name: str) -> Value:
        return self.nodes[self.find(name)]

    def find(self, name: str) -> int:
        """Index of the node called ``name``."""
        for i, n in enumerate(self.names):
            if n == name:
                return i
        raise KeyError(f"no node named {name!r}; this graph has {self.names[:8]}")

    def name_of(self, v: Value) -> str:
        return self.names[self.index[id(v)]]

    def expression(self, i: int, numbers: bool = False) -> str:
        """How node i is computed from its parents: names (``a*b``) or numbers (``2*(-3)``)."""
        v = self.nodes[i]
        if v.is_leaf:
            return fmt(v.data) if numbers else self.names[i]
        if numbers:  # a negative number needs parentheses next to an operator (2*(-3)), not as an argument
            return graph_expression(v.op, [graph_operand(v.op, x) for x in _numbers(v.operands)], v.args)
        return graph_expression(v.op, self._operand_names(v), v.args)

    def _operand_names(self, v: Value) -> list:
        return [self.name_of(x) if isinstance(x, Value) else graph_operand(v.op, x) for x in v.operands]

    def local(self, e: int) -> tuple[str, str, float]:
        """(symbols, numbers, value) of edge e's local derivative ∂dst/∂src."""
        edge = self.edges[e]
        v = self.nodes[edge.dst]
        k = [i for i, x in enumerate(v.operands) if isinstance(x, Value)][edge.slot]  # the operand it is
        numbers = _numbers(v.operands)
        local = _finite_result(lambda: float(v._local(*numbers, v.data)[k]),
                               lambda: f"the local derivative ∂{self.names[edge.dst]}/∂{self.names[edge.src]} at "
                                       f"{', '.join(fmt(x) for x in numbers)}")
        sym, num = graph_local(v.op, k, self._operand_names(v), numbers, self.names[edge.dst], v.data, local, v.args)
        return sym, num, local

    def evaluate(self, changes: dict | None = None) -> float:
        """The root's value with some leaves set to other numbers ({Value or name: number}).

        Nothing in the graph changes: this recomputes every node from the changed leaves
        (what a numerical gradient needs: many forward passes).
        """
        data = {id(v): v.data for v in self.nodes}
        for key, x in (changes or {}).items():
            i = self.find(key) if isinstance(key, str) else self.index[id(key)]
            x = _number(x, f"the new value of {self.names[i]}")
            if not math.isfinite(x):
                raise ValueError(f"the new value of {self.names[i]} must be a finite number, got {x}")
            data[id(self.nodes[i])] = x
        for i, v in enumerate(self.nodes):
            if v.parents:
                numbers = _numbers(v.operands, data)
                data[id(v)] = _finite_result(lambda: v._value(*numbers),
                                             lambda: f"{self.names[i]} = {graph_expression(v.op, [paren(x) for x in numbers], v.args)}")
        return data[id(self.root)]

    def trace(self, seeds: dict | None = None, lr: float | None = None, of: str | None = None) -> "GraphTrace":
        """Run the backward pass, set every ``.grad``, and return the recorded steps.

        ``seeds``: {node: (gradient, symbols, numbers)} to start from instead of
        ∂root/∂root = 1 (the article's rule starts at the output units' z). ``of``
        names what the gradients are of in formulas (default: the root's name; with
        seeds, gradients are written g(node)).
        """
        return _record(self, seeds, lr, of)


def _topological(root: Value) -> list[Value]:
    """Parents before children, by depth-first search (iterative: deep graphs are fine)."""
    order, done, on_path = [], set(), set()
    stack = [(root, 0)]
    while stack:
        v, k = stack.pop()
        if k == 0:
            if id(v) in done:
                continue
            on_path.add(id(v))
        if k < len(v.parents):
            stack.append((v, k + 1))
            p = v.parents[k]
            if id(p) not in done and id(p) not in on_path:
                stack.append((p, 0))
        else:
            on_path.discard(id(v))
            if id(v) not in done:
                done.add(id(v))
                order.append(v)
    return order


# ----- the recorded backward pass -------------------------------------------------------------
@dataclass(frozen=True)
class GraphStep:
    """One number of the forward or backward pass: what it is, its formula, its value.

    ``kind``: forward | seed | local | chain | sum | update. ``where``: (field, index)
    with field "value"/"grad"/"update" (index of a node) or "local"/"chain" (index of an edge).
    """

    index: int
    kind: str
    name: str
    formula: str
    numbers: str
    value: float
    where: tuple = field(default=(), repr=False)
    sample = None  # steps are not per sample (Stepper reads this name)

    @property
    def phase(self) -> str:
        return _PHASE_OF[self.kind]

    @property
    def text(self) -> str:
        # "∂n/∂a = 1" needs no "= 1" after it
        if self.formula.endswith(f" = {self.numbers}"):
            return self.formula
        return f"{self.formula} = {self.numbers}"

    def to_dict(self) -> dict:
        return {"index": self.index, "kind": self.kind, "phase": self.phase, "name": self.name,
                "formula": self.formula, "numbers": self.numbers, "value": self.value}

    def _repr_pretty_(self, p, cycle) -> None:  # IPython's text/plain: the step's plain line
        p.text(self.text)


@dataclass(frozen=True)
class GraphState:
    """What is known after one step. NaN = not computed yet (arrays are read-only copies).

    value[i], grad[i], new[i] per node; local[e], chain[e] per edge (chain = the
    contribution upstream gradient * local derivative sent along edge e).
    """

    value: np.ndarray
    grad: np.ndarray
    local: np.ndarray
    chain: np.ndarray
    new: np.ndarray


@dataclass
class GraphTrace:
    """The recorded forward and backward pass of a ``Graph`` (and the update, with ``lr``)."""

    graph: Graph
    steps: list[GraphStep]
    lr: float | None = None
    of: str | None = None
    forks: list[int] = field(default_factory=list)  # nodes whose gradient is a sum of branches

    def __len__(self) -> int:
        return len(self.steps)

    def __getitem__(self, k):
        return self.steps[k]

    def __iter__(self):
        return iter(self.steps)

    def phase_starts(self) -> dict[str, int]:
        starts: dict[str, int] = {}
        for s in self.steps:
            starts.setdefault(s.phase, s.index)
        return starts

    def find(self, kind: str, name: str) -> GraphStep:
        """The first step of ``kind`` about ``name`` (a node, or an edge ``src->dst``)."""
        for s in self.steps:
            if s.kind == kind and s.name == name:
                return s
        raise KeyError(f"no {kind} step for {name!r} in this trace")

    def branches(self, i: int) -> list[int]:
        """The out-edges of node i along which a gradient comes back, in the order the backward
        pass sends it (the order a fork's sum adds them)."""
        if not hasattr(self, "_chain_at"):
            self._chain_at = {s.where[0][1]: s.index for s in self.steps if s.kind == "chain"}
        return sorted((e for e in self.graph.out_edges[i] if e in self._chain_at), key=self._chain_at.get)

    def grad(self, name: str) -> float:
        """The gradient the backward pass gave node ``name``."""
        return self.graph[name].grad

    def state(self, index: int) -> GraphState:
        """Everything known right after step ``index`` (-1: before the first step)."""
        g = self.graph
        nan = np.full(len(g.nodes), np.nan)
        value = np.array([v.data if v.is_leaf else np.nan for v in g.nodes])
        grad, new = nan.copy(), nan.copy()
        local, chain = np.full(len(g.edges), np.nan), np.full(len(g.edges), np.nan)
        arrays = {"value": value, "grad": grad, "new": new, "local": local, "chain": chain}
        for s in self.steps[:index + 1]:
            for fieldname, i in s.where:
                arrays[fieldname][i] = s.value
        for arr in arrays.values():
            arr.flags.writeable = False
        return GraphState(value, grad, local, chain, new)

    _HEADS = PHASE_TITLES

    def to_text(self, steps=None, max_steps: int | None = None) -> str:
        """Every step (or those chosen, see ``excerpt``) one a line, phase by phase."""
        indices = range(len(self.steps)) if steps is None else select_steps(self, steps)
        shown = capped(indices, max_steps)
        lines = phase_blocks([self.steps[i] for i in shown], self._HEADS, markdown=False)
        if len(shown) < len(indices):
            lines += ["", f"... and {len(indices) - len(shown)} more steps"]
        return "\n".join(lines).lstrip("\n")

    def latex(self, step) -> str:
        """One step's line in LaTeX (no $ delimiters): ∂f/∂q as a fraction, w(X0->Z1) as
        w_{X_0 \\to Z_1}, lr as \\mathrm{lr}, and the number the step computes coloured (CHANGED_COLOUR)."""
        step = self.steps[getattr(step, "index", step)]
        if not hasattr(self, "_tex_writer"):
            self._tex_writer = PlainTex(self.graph.names)
        tex = self._tex_writer
        value = fmt(step.value)
        head, _, last = step.numbers.rpartition(" = ")
        if last != value:  # (cannot happen: numbers end in the value) keep the text as it is
            head, last = step.numbers, ""
        coloured = rf"{{\color{{{CHANGED_COLOUR}}}{{{latex_number(step.value)}}}}}"
        numbers = coloured if not head else f"{tex(head)} = {coloured}" if last else tex(head)
        formula = step.formula
        if formula.endswith(f" = {step.numbers}"):  # "∂f/∂f = 1": the formula already ends in its number
            formula = formula[: -len(f" = {step.numbers}")]
        return f"{tex(formula)} = {numbers}"

    def to_markdown(self, max_steps: int | None = 200, steps=None) -> str:
        """Every step (or those chosen, see ``excerpt``) as Markdown: one $$LaTeX$$ line each,
        phase by phase. ``max_steps`` caps the number of steps written (None: all)."""
        indices = range(len(self.steps)) if steps is None else select_steps(self, steps)
        shown = capped(indices, max_steps)
        lines = phase_blocks([_TexStep(s, self.latex(s)) for s in (self.steps[i] for i in shown)],
                              self._HEADS, markdown=True)
        if len(shown) < len(indices):
            lines += ["", f"… and {len(indices) - len(shown)} more steps (`to_text()` lists them)."]
        return "\n".join(lines).strip("\n")

    def excerpt(self, steps=None, kind: str | None = None) -> Excerpt:
        """Some of the steps, shown typeset in a notebook and as plain text elsewhere.

        ``steps``: a phase name ("backward"), a slice of step indices, or steps or their
        indices (``[trace.find("sum", "a")]``); ``kind`` keeps only the steps of one kind
        (forward, seed, local, chain, sum, update).
        """
        return Excerpt(self, select_steps(self, steps, kind))

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_pretty_(self, p, cycle) -> None:  # IPython's text/plain: the plain steps
        p.text(self.to_text(max_steps=200))

    def to_dict(self) -> dict:
        return {"nodes": list(self.graph.names), "lr": self.lr, "steps": [s.to_dict() for s in self.steps]}


@dataclass(frozen=True)
class _TexStep:
    """A step with its LaTeX line, for the layout trace.py's Markdown shares."""

    step: GraphStep
    latex: str

    @property
    def phase(self) -> str:
        return self.step.phase

    @property
    def text(self) -> str:
        return self.step.text


def _record(g: Graph, seeds, lr, of) -> GraphTrace:
    if lr is not None:
        lr = _number(lr, "the learning rate lr")
        if not (lr > 0 and math.isfinite(lr)):
            raise ValueError(f"the learning rate lr must be a positive finite number, got {lr}")
    nodes, names, steps = g.nodes, g.names, []
    if seeds is None:
        seeds = {g.root: (1.0, "1", "1")}
        of = names[-1] if of is None else of
    seed_idx = {}
    for v, spec in seeds.items():
        i = g.index.get(id(v)) if isinstance(v, Value) else g.find(v)
        if i is None:
            raise ValueError(f"seed {v!r} is not a node of this graph")
        seed_idx[i] = spec

    def gname(i: int) -> str:
        return f"∂{of}/∂{names[i]}" if of else f"g({names[i]})"

    def add(kind, name, formula, numbers, value, where):
        num = fmt(value) if numbers == fmt(value) else f"{numbers} = {fmt(value)}"
        steps.append(GraphStep(len(steps), kind, name, formula, num, float(value), tuple(where)))

    # Forward: every computed node in order (leaves are given).
    for i, v in enumerate(nodes):
        if v.parents:
            add("forward", names[i], f"{names[i]} = {g.expression(i)}", g.expression(i, numbers=True),
                v.data, [("value", i)])

    # Which nodes the backward pass reaches: the seeds and every non-constant ancestor.
    active = set(seed_idx)
    for i in range(len(nodes) - 1, -1, -1):
        if i in active:
            for e in g.in_edges[i]:
                src = g.edges[e].src
                if not nodes[src].const:
                    active.add(src)
    fan = {i: [e for e in g.out_edges[i] if g.edges[e].dst in active] for i in active}
    forks = [i for i in sorted(active) if len(fan[i]) >= 2]
    for v in nodes:
        v.grad = 0.0
    grad: dict[int, float] = {}
    parts: dict[int, list[tuple[int, float]]] = {i: [] for i in active}

    for i in range(len(nodes) - 1, -1, -1):
        if i not in active:
            continue
        if i in seed_idx:
            value, sym, num = seed_idx[i]
            grad[i] = float(value)
            add("seed", names[i], f"{gname(i)} = {sym}", num, grad[i], [("grad", i)])
        elif len(parts[i]) >= 2:
            contributions = parts[i]
            grad[i] = _finite_result(lambda: _sum([c for _, c in contributions]),
                                     lambda: f"the gradient of {names[i]}")
            sym = " + ".join(f"(via {names[g.edges[e].dst]})" for e, _ in contributions)
            add("sum", names[i], f"{gname(i)} = {sym}", " + ".join(paren(c) for _, c in contributions),
                grad[i], [("grad", i)])
        elif not parts[i]:
            grad[i] = 0.0  # reached by nothing: cannot happen for an active node, kept for safety
        nodes[i].grad = grad[i]
        for e in g.in_edges[i]:
            src = g.edges[e].src
            if src not in active:
                continue
            edge_name = link_name(names[src], names[i])
            sym, num, local = g.local(e)
            add("local", edge_name, f"local ∂{names[i]}/∂{names[src]} = {sym}", num, local, [("local", e)])
            contribution = _finite_result(lambda: grad[i] * local,
                                          lambda: f"the gradient reaching {names[src]} from {names[i]}")
            parts[src].append((e, contribution))
            # From a seed (∂f/∂f = 1) the product's local factor has the same name as the result: say it is the local one.
            local_sym = f"∂{names[i]}/∂{names[src]}"
            chain_sym = f"{gname(i)}*" + (f"(local {local_sym})" if i in seed_idx and of == names[i] else local_sym)
            if len(fan[src]) >= 2:
                add("chain", edge_name, f"{gname(src)} (via {names[i]}) = {chain_sym}",
                    f"{paren(grad[i])}*{paren(local)}", contribution, [("chain", e)])
            else:
                grad[src] = contribution
                add("chain", edge_name, f"{gname(src)} = {chain_sym}", f"{paren(grad[i])}*{paren(local)}",
                    contribution, [("chain", e), ("grad", src)])

    if lr is not None:
        for i, v in enumerate(nodes):
            if v.param and i in active:
                new = v.data - lr * grad[i]
                add("update", names[i], f"{names[i]} := {names[i]} - lr*{gname(i)}",
                    f"{paren(v.data)} - {fmt(lr)}*{paren(grad[i])}", new, [("new", i)])
    return GraphTrace(g, steps, lr, of, forks)


def numerical_gradient(graph: Graph, leaf, eps: float = 1e-6) -> float:
    """∂root/∂leaf by the central difference (f(x + eps) - f(x - eps)) / (2 eps).

    Its error is O(eps^2 * f'''), plus rounding of order (machine epsilon * |f|) / eps.
    """
    eps = check_real(eps, "eps (the step of the central difference)", positive=True)
    if isinstance(leaf, str):
        v = graph[leaf]
    elif isinstance(leaf, Value) and id(leaf) in graph.index:
        v = leaf
    else:
        raise TypeError(f"leaf must be the name of a node of this graph (one of {graph.names[:8]}) or one of its "
                        f"Values, got {type(leaf).__name__} {leaf!r:.40}")
    return (graph.evaluate({v: v.data + eps}) - graph.evaluate({v: v.data - eps})) / (2 * eps)


# ----- a network as a graph ----------------------------------------------------------------------
@dataclass
class NetworkGraph:
    """One update of a ``Network`` on (X, y) built from Values.

    ``weights[name]`` is the weight's Value (shared by every sample); ``z[l][s][j]`` and
    ``a[l][s][j]`` the pre-activation and activation of unit j of layer l+1 for sample s
    (the same Value for an identity unit); ``root`` the cost J (the loss L for one sample).
    """

    net: Network
    X: np.ndarray
    y: np.ndarray
    loss: str
    rule: str
    weights: dict[str, Value]
    z: list
    a: list
    root: Value
    seeds: dict | None
    graph: Graph = field(init=False)

    def __post_init__(self):
        self.graph = Graph(self.root)

    def trace(self, lr: float | None = None) -> GraphTrace:
        return self.graph.trace(self.seeds, lr=lr, of=None if self.seeds else self.graph.names[-1])

    def deltas(self) -> list[np.ndarray]:
        """delta[l][s, j] = ∂L_s/∂z = m * ∂J/∂z (after ``trace()``): J is the mean over m samples."""
        m = self.X.shape[0]
        return [np.array([[m * v.grad for v in row] for row in layer]) for layer in self.z]

    def gradients(self) -> list[np.ndarray]:
        """∂J/∂W[l] in the network's shapes (after ``trace()``)."""
        out = []
        for l, w in enumerate(self.net.W):
            g = np.empty_like(w)
            for i in range(w.shape[0]):
                for j in range(w.shape[1]):
                    g[i, j] = self.weights[self.net.weight_name(l, i, j)].grad
            out.append(g)
        return out


def _loss_node(outs: list, y_row, loss_fn) -> Value:
    """One sample's loss of the outputs ``outs`` for any loss: its own per_sample and grad."""
    y_row = np.asarray(y_row, dtype=float)[None, :]
    return _op(loss_fn.name, outs, lambda *a: _scalar(loss_fn.per_sample(np.array([a]), y_row)),
               lambda *a: tuple(float(g) for g in loss_fn.grad(np.array([a[:-1]]), y_row)[0]), loss=loss_fn)


def network_graph(net: Network, X, y, loss="half_squared_error", rule: str = "gradient") -> NetworkGraph:
    """Build ``net``'s forward pass and loss on (X, y) out of Values.

    Units and losses are made of the graph's own operations: z = dot(weights, sources)
    with the bias unit a constant 1, then a = f(z) as one node computed by the activation's
    own f and f' (identity adds no node; softmax, whose units depend on each other, is
    refused); half squared error L = 0.5*(a - y)^2 summed over outputs, or binary
    cross-entropy; any other loss one node computed by its own per_sample and grad; J = mean
    of the samples' L. ``rule="article"`` starts the backward pass at each output unit's z
    with the article's (y - a)/m instead of ∂J/∂z.
    """
    if not isinstance(net, Network):
        raise TypeError(f"network_graph needs a bpnet.Network, got {type(net).__name__}")
    check_rule(rule)
    X, y = net.check(X, y)
    for act in net.acts:
        if not act.elementwise:
            raise ValueError(f"network_graph builds one node per unit and cannot build {act.name}, "
                             "whose units depend on each other; use an elementwise output activation")
    loss_fn = get_loss(loss)
    m, L = X.shape[0], net.n_layers
    tag = (lambda s: f"[{s + 1}]") if m > 1 else (lambda s: "")
    # A frozen weight (if the network has any) still gets its gradient but no update.
    frozen = set(getattr(net, "frozen", None) or ())
    weights = {name: Value(net[name], weight_symbol(name),
                           param=not (name in frozen or ("biases" in frozen and net.weight_index(name)[1] == 0)))
               for name in net.weight_names()}
    zs = [[[] for _ in range(m)] for _ in range(L)]
    acts = [[[] for _ in range(m)] for _ in range(L)]
    losses, seeds = [], {}
    for s in range(m):
        src = [Value(1.0, f"{net.unit_name(0, 0)}{tag(s)}", const=True)] + [
            Value(X[s, i], f"{net.unit_name(0, i + 1)}{tag(s)}", const=True) for i in range(net.sizes[0])]
        for l in range(L):
            act = net.acts[l]
            layer = []
            for j in range(net.sizes[l + 1]):
                unit = net.dest_name(l, j)
                z = dot([(weights[net.weight_name(l, i, j)], src[i]) for i in range(len(src))])
                if isinstance(act, Identity):
                    a = z.named(f"{unit}{tag(s)}")
                else:
                    a = z.named(f"z({unit}){tag(s)}").act(act).named(f"{unit}{tag(s)}")  # its own f and f'
                zs[l][s].append(z)
                acts[l][s].append(a)
                layer.append(a)
            if l < L - 1:
                src = [Value(1.0, f"{net.unit_name(l + 1, 0)}{tag(s)}", const=True)] + layer
        out = acts[L - 1][s]
        terms = []
        if not isinstance(loss_fn, (HalfSquaredError, BinaryCrossEntropy)):
            terms.append(_loss_node(out, y[s], loss_fn))  # any other loss: its own value and dL/da
        for k, a in enumerate(out):
            t = float(y[s, k])
            if isinstance(loss_fn, HalfSquaredError):
                terms.append(0.5 * (a - t) ** 2)
            elif isinstance(loss_fn, BinaryCrossEntropy):
                terms.append(-(t * a.log() + (1.0 - t) * (1.0 - a).log()) if 0 < t < 1 else
                             -(a.log()) if t == 1 else -((1.0 - a).log()))
            if rule == "article":
                yk = "y" if len(out) == 1 else f"y{k}"
                z_out = zs[L - 1][s][k]
                name = net.dest_name(L - 1, k)
                seeds[z_out] = ((t - a.data) / m, f"({yk} - {name}{tag(s)})/{m}" if m > 1 else f"{yk} - {name}",
                                f"({fmt(t)} - {paren(a.data)})/{m}" if m > 1 else f"{fmt(t)} - {paren(a.data)}")
        Ls = (terms[0] if len(terms) == 1 else total(terms)).named(f"L{tag(s)}")
        losses.append(Ls)
    root = losses[0] if m == 1 else mean(losses).named("J")
    return NetworkGraph(net, X, y, loss_fn.name, rule, weights, zs, acts, root, seeds or None)
