"""Drawing a computation graph (``bpnet.explain.autograd``) with matplotlib, left to right.

Each node is a box with its name, how it is computed, its value and its gradient
(— until the backward pass reaches it); each edge carries its local derivative
(×∂dst/∂src) and, once the chain rule has used it, the gradient it sends back
(← contribution). At a fork, where one value feeds several nodes, the box shows the
branches' contributions adding up. The current micro-step is highlighted: a node in
yellow for a value or a sum, an edge in vermilion for a local derivative or a product.

Like ``bpnet.views.plots``, the drawing reads numbers and never computes them: they come
from a ``GraphTrace``'s ``GraphState``. ``GraphDrawing.update`` changes texts and
colours in place; nothing is drawn again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import to_hex
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from ..core.notation import OKABE_ITO, PALETTE, fmt, fmt_or_dash, paren_term
from ..explain.autograd import Graph, GraphState, GraphStep, GraphTrace, Value
from .plots import FIGURE_WIDTH

__all__ = ["GraphDrawing", "draw_graph", "graph_layout", "graph_figsize", "columns_that_fit", "plot_cost_ratio"]

# The palette's colours (bpnet.core.notation.PALETTE); nothing relies on colour alone: the current
# node also gets a thick border, the current edge a thick line and a bold label.
YELLOW, VERMILION, BLUE, GREY = PALETTE["highlight"], PALETTE["current"], OKABE_ITO["blue"], PALETTE["edge"]
LEAF_FILL, CONST_FILL, PARAM_FILL, NODE_FILL = (PALETTE["leaf_fill"], PALETTE["const_fill"], PALETTE["param_fill"],
                                                PALETTE["white"])
COL_W, ROW_H = 2.6, 1.1  # inches per column and per row of the layout
BOX_W, BOX_H = 0.56, 0.8  # box size as a fraction of the column / row pitch


_LINE_CHARS = 21  # the widest line a box holds (in characters of its font)
_BAND_GAP = 0.45  # rows of space between the bands of a wrapped graph


#: Significant digits of the numbers in the picture (the table beside it has all six).
_DIGITS = 4


def graph_layout(graph: Graph, columns: int | None = None) -> dict[int, tuple[float, float]]:
    """(column, row) of every node: computed nodes one column right of their latest parent,
    leaves one column left of their first consumer; rows ordered to keep edges short.

    ``columns``: at most this many columns side by side; a wider graph is wrapped like a
    line of text, its next ``columns`` columns in a band below the first, and so on."""
    n = len(graph.nodes)
    col = [0] * n
    for i, v in enumerate(graph.nodes):
        if v.parents:
            col[i] = 1 + max(col[graph.edges[e].src] for e in graph.in_edges[i])
    for i, v in enumerate(graph.nodes):
        if not v.parents and graph.out_edges[i]:
            col[i] = min(col[graph.edges[e].dst] for e in graph.out_edges[i]) - 1
    # leaves were at 0 when their consumers' columns were set: recompute consumers from the leaves' new columns
    for i, v in enumerate(graph.nodes):
        if v.parents:
            col[i] = 1 + max(col[graph.edges[e].src] for e in graph.in_edges[i])
    low = min(col)
    col = [c - low for c in col]
    by_column: dict[int, list[int]] = {}
    for i in range(n):
        by_column.setdefault(col[i], []).append(i)
    rank = {i: float(k) for c in by_column.values() for k, i in enumerate(c)}
    # A few sweeps of the barycentre heuristic: each node towards the mean row of its neighbours.
    for sweep in range(4):
        order = sorted(by_column) if sweep % 2 == 0 else sorted(by_column, reverse=True)
        for c in order:
            def key(i):
                nb = [graph.edges[e].src for e in graph.in_edges[i]] + [graph.edges[e].dst for e in graph.out_edges[i]]
                return (np.mean([rank[j] for j in nb]) if nb else rank[i], rank[i])
            by_column[c].sort(key=key)
            height = len(by_column[c])
            for k, i in enumerate(by_column[c]):
                rank[i] = k - (height - 1) / 2
    if columns is None or max(col) < columns:
        return {i: (float(col[i]), -rank[i]) for i in range(n)}
    # Each band as tall as its own rows, the next one below it after a gap.
    pos, below = {}, 0.0
    for band in range(max(col) // columns + 1):
        members = [i for i in range(n) if col[i] // columns == band]
        top = max(-rank[i] for i in members)
        for i in members:
            pos[i] = (float(col[i] % columns), -rank[i] - top + below)
        below = min(y for i, (_x, y) in pos.items() if i in members) - 1 - _BAND_GAP
    return pos


def columns_that_fit(width: float) -> int:
    """How many columns of a graph fit side by side in ``width`` inches (at least 1)."""
    return max(1, int(width // COL_W))


def graph_figsize(graph: Graph, scale: float = 1.0, columns: int | None = None) -> tuple[float, float]:
    """A figure size that keeps every box legible (about 2.6 inches per column, 1.1 per row);
    ``columns`` as for ``graph_layout``."""
    pos = graph_layout(graph, columns)
    cols = max(x for x, _ in pos.values()) + 1
    rows = max(y for _, y in pos.values()) - min(y for _, y in pos.values()) + 1
    return (max(4.0, COL_W * cols) * scale, max(2.2, ROW_H * rows + 0.9) * scale)


@dataclass
class GraphDrawing:
    """The artists of a drawn graph; ``update(state, step)`` shows another moment of the trace."""

    ax: Axes
    trace: GraphTrace
    boxes: list = field(default_factory=list)
    texts: list = field(default_factory=list)
    arrows: list = field(default_factory=list)
    labels: list = field(default_factory=list)
    title: object = None

    def node_text(self, i: int, state: GraphState) -> str:
        g = self.trace.graph
        v = g.nodes[i]
        head = g.names[i] if v.is_leaf else f"{g.names[i]} = {g.expression(i)}"
        if len(head) > 17:  # a long expression: its operation only (the table has the whole expression)
            head = f"{g.names[i]} = Σ w*x" if v.op == "dot" else f"{g.names[i]} = {v.op}(…)"
            if len(head) > 17:
                head = g.names[i] if len(g.names[i]) <= 17 else g.names[i][:16] + "…"
        lines = [head, f"value {fmt_or_dash(state.value[i], _DIGITS)}"]
        if v.const:
            return "\n".join(lines)
        parts = [state.chain[e] for e in self.trace.branches(i) if state.chain[e] == state.chain[e]]
        lines.append(f"grad {fmt_or_dash(state.grad[i], _DIGITS)}")
        if i in self.trace.forks and parts:
            # the branches' gradients, adding up (the sum is complete once every branch has sent its part)
            complete = state.grad[i] == state.grad[i]
            arrived = len(parts) == len(self.trace.branches(i))  # every branch in: only the sum is left to do
            if len(self.trace.branches(i)) > 2:  # the edges carry each part; the box says how many add up
                lines.append(f"= sum of {len(parts)} branches" if complete
                             else f"all {len(parts)} branches in" if arrived
                             else f"{len(parts)} of {len(self.trace.branches(i))} branches in")
            else:
                # 3 significant digits, fewer if the brackets around negative terms make it too wide for the box
                for digits in (3, 2, 1):
                    line = (("= " if complete else "") + " + ".join(paren_term(fmt_or_dash(p, digits)) for p in parts)
                            + ("" if complete or arrived else " + …"))
                    if len(line) <= _LINE_CHARS:
                        break
                lines.append(line)
        if state.new[i] == state.new[i]:
            lines.append(f"new {fmt_or_dash(state.new[i], _DIGITS)}")
        return "\n".join(lines)

    def edge_text(self, e: int, state: GraphState) -> str:
        if state.local[e] != state.local[e]:
            return ""
        loc = fmt_or_dash(state.local[e], _DIGITS)
        text = f"×{'(' + loc + ')' if loc.startswith('-') else loc}"
        if state.chain[e] == state.chain[e]:
            text += f"\n← {fmt_or_dash(state.chain[e], _DIGITS)}"
        return text

    def update(self, state: GraphState, step: GraphStep | None = None, title: str | None = None) -> list:
        """Show ``state`` with ``step`` highlighted; returns the artists whose look changed."""
        g = self.trace.graph
        node_now = edge_now = None
        if step is not None:
            fieldname, k = step.where[0]
            if fieldname in ("local", "chain"):
                edge_now = k
            else:
                node_now = k
        changed = []

        def put(artist, **props):
            # Only what differs is set, so the caller can redraw just those artists.
            differs = False
            for key, value in props.items():
                getter = getattr(artist, f"get_{key}")
                old = getter()
                same = (old == value) if key in ("text", "linewidth", "fontweight") else (
                    to_hex(old) == to_hex(value))
                if not same:
                    getattr(artist, f"set_{key}")(value)
                    differs = True
            if differs:
                changed.append(artist)

        for i, (box, text) in enumerate(zip(self.boxes, self.texts)):
            now = i == node_now
            put(text, text=self.node_text(i, state))
            put(box, facecolor=YELLOW if now else _fill(g.nodes[i]), linewidth=3.0 if now else 1.0)
        for e, (arrow, label) in enumerate(zip(self.arrows, self.labels)):
            now = e == edge_now
            put(label, text=self.edge_text(e, state), fontweight="bold" if now else "normal",
                color=VERMILION if now else "black")
            put(arrow, edgecolor=VERMILION if now else GREY, facecolor=VERMILION if now else GREY,
                linewidth=3.0 if now else 1.0)
        if title is not None:
            put(self.title, text=title)
        return changed


def _fill(v: Value) -> str:
    if v.const:
        return CONST_FILL
    if v.param:
        return PARAM_FILL
    return LEAF_FILL if v.is_leaf else NODE_FILL


def draw_graph(ax: Axes | None, trace, index: int | None = None, title: str | None = None,
               fontsize: float = 9, columns: int | None = None) -> GraphDrawing:
    """Draw the graph of ``trace`` (a GraphTrace, or a Value: its backward pass is run).

    ``index``: show the moment after that step (default: the last, everything known),
    highlighting it. ``columns``: wrap a wider graph into bands (``graph_layout``); drawn in a new
    figure (``ax`` None), a graph is wrapped by default into the columns that fit a notebook's column
    (``plots.FIGURE_WIDTH``), so that it is shown at its own size, its text at 9 points. Returns a
    ``GraphDrawing`` whose ``update`` shows another step.
    """
    if isinstance(trace, Value):
        trace = trace.backward()
    if not isinstance(trace, GraphTrace):
        raise TypeError(f"draw_graph needs a GraphTrace or a Value, got {type(trace).__name__}")
    g = trace.graph
    if ax is None:
        import matplotlib.pyplot as plt

        columns = columns_that_fit(FIGURE_WIDTH) if columns is None else columns
        _, ax = plt.subplots(figsize=graph_figsize(g, columns=columns))
    pos = graph_layout(g, columns)
    w, h = BOX_W, BOX_H * ROW_H / ROW_H
    ax.set_axis_off()
    xs = [x for x, _ in pos.values()]
    ys = [y for _, y in pos.values()]
    ax.set_xlim(min(xs) - 0.5, max(xs) + 0.5)
    ax.set_ylim(min(ys) - 0.55, max(ys) + 0.55)
    drawing = GraphDrawing(ax, trace)
    for i, v in enumerate(g.nodes):
        x, y = pos[i]
        box = FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.0,rounding_size=0.06",
                             facecolor=_fill(v), edgecolor="black", linewidth=1.0,
                             linestyle="--" if v.const else "-", zorder=2)
        ax.add_patch(box)
        drawing.boxes.append(box)
        drawing.texts.append(ax.text(x, y, "", ha="center", va="center", fontsize=fontsize,
                                     family="DejaVu Sans", zorder=3, linespacing=1.15))
    for e, edge in enumerate(g.edges):
        (x0, y0), (x1, y1) = pos[edge.src], pos[edge.dst]
        n_in = len(g.in_edges[edge.dst])
        k = g.in_edges[edge.dst].index(e)
        if x1 > x0:  # left to right, within a band
            # Spread the arrow heads over the left side of the destination box.
            y1 = y1 + (0 if n_in == 1 else h * 0.8 * (0.5 - k / (n_in - 1)) * 0.9)
            start, end = (x0 + w / 2, y0), (x1 - w / 2, y1)
        else:  # on to the next band of a wrapped graph: from the bottom of the source to the top of the destination
            start, end = (x0, y0 - h / 2), (x1, y1 + h / 2)
            x0, x1, y0, y1 = x0 - w / 2, x1 + w / 2, y0 - h / 2, y1 + h / 2
        arrow = FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=10,
                                color=GREY, linewidth=1.0, zorder=1, shrinkA=0, shrinkB=0)
        ax.add_patch(arrow)
        drawing.arrows.append(arrow)
        # Where the label goes: near the end where this edge is alone (a single output of its
        # source, or a single input of its destination), so labels of converging edges stay apart.
        t = 0.32 if len(g.out_edges[edge.src]) == 1 and n_in > 1 else 0.68 if n_in == 1 and len(
            g.out_edges[edge.src]) > 1 else 0.5
        drawing.labels.append(ax.text(x0 + w / 2 + t * (x1 - x0 - w), y0 + t * (y1 - y0), "", ha="center",
                                      va="center", fontsize=fontsize, zorder=4, linespacing=1.1,
                                      bbox=dict(boxstyle="round,pad=0.15", facecolor="white",
                                                edgecolor="none", alpha=0.9)))
    drawing.title = ax.set_title("", fontsize=fontsize + 1, loc="left")
    if index is None:
        index = len(trace) - 1
    if index < 0:
        index += len(trace)
    step = trace.steps[index]
    drawing.update(trace.state(index), step, step.text if title is None else title)
    return drawing


def plot_cost_ratio(ax: Axes, n_weights, ratios, forward_per_backprop: float = 3.0,
                    measured_forward_per_backprop: float | None = None) -> None:
    """Measured time(numerical gradient) / time(backprop) against the number of weights, log-log,
    with the count it is expected to follow: 2n forward passes against about ``forward_per_backprop``
    (the arithmetic count), and, when given, against ``measured_forward_per_backprop`` (a backprop's
    measured cost in forward passes)."""
    n = np.asarray(n_weights, dtype=float)
    ax.loglog(n, ratios, "o-", color=BLUE, label="measured: numerical gradient time / backprop time")
    ax.loglog(n, 2 * n / forward_per_backprop, "--", color=VERMILION,
              label=f"2n / {fmt(forward_per_backprop)}: backprop counted as {fmt(forward_per_backprop)} forward passes")
    if measured_forward_per_backprop is not None:
        ax.loglog(n, 2 * n / measured_forward_per_backprop, ":", color=BLUE,
                  label=f"2n / {fmt(measured_forward_per_backprop, 2)}: backprop as measured, in evaluations of the cost")
    ax.set_xlabel("number of weights n")
    ax.set_ylabel("how many times slower")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=9, loc="upper left")
