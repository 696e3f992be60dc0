"""Plots: the network diagram, activation curves, loss curves and decision boundaries.

Two renderers share one layout and one set of styles:

* matplotlib (``draw_network``, ``plot_activation``, ``plot_loss``, ``plot_decision_boundary``):
  every function takes an ``ax`` (a new figure is made if it is None) and returns an object
  holding the artists it drew, with an ``update(...)`` method that changes them in place.
  The library never calls ``plt.show()``; end a notebook cell with ``plt.show()`` or ``;``.
* SVG text (``network_svg``, ``activation_svg``, ``loss_svg``, ``boundary_svg``): what the
  widgets show. An SVG scales to any width without blurring and keeps its aspect ratio,
  and building one is a few milliseconds of string formatting, so a click never waits
  for a rasteriser.

The diagram's look is a pure function of (state, highlight, updated): ``diagram_styles``
computes every colour, width and label from those three on every update; nothing is
remembered between updates, so the order of updates cannot change what is shown.

Colours are the Okabe–Ito palette, which stays distinct under the common forms of
colour blindness, and nothing is shown by colour alone: an increase is blue *and*
marked ▲, a decrease vermilion *and* marked ▼. Weights on the diagram have 3
significant digits (the widgets' tables keep all six).

The plots read numbers, they never compute them: values come from a ``State`` of a
``bpnet.trace_step`` trace, a ``Network``, or ``bpnet.explain.activation_reading``.
"""

from __future__ import annotations

import functools
import html
import math
from dataclasses import dataclass, field

import numpy as np
from matplotlib.axes import Axes
from matplotlib.image import AxesImage
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, FancyBboxPatch, Patch
from matplotlib.text import Text

from ..core.activations import get_activation
from ..explain.activation_reading import SOFTMAX_OTHERS, activation_reading, saturation_ranges, softmax_reading
from ..core.network import Network
from ..explain.trace import MicroStep, State
from ..core.notation import LINK_ARROW, OKABE_ITO, PALETTE, fmt, link_name, short  # noqa: F401 (OKABE_ITO: this module's name too)

__all__ = [
    "OKABE_ITO", "UP", "DOWN", "HIGHLIGHT",
    "DiagramLayout", "DiagramStyles", "diagram_layout", "diagram_styles", "focus_units", "MAX_DRAWN_UNITS",
    "touched_weights", "short",
    "NetworkDiagram", "draw_network", "diagram_figsize", "network_svg",
    "ActivationPlot", "plot_activation", "activation_svg",
    "LossPlot", "plot_loss", "loss_svg",
    "BoundaryPlot", "plot_decision_boundary", "boundary_square", "boundary_svg", "boundary_grid",
    "new_axes", "plot_digits", "plot_confusion",
]

# The colours, by what they mean (bpnet.core.notation.PALETTE).
UP, DOWN, HIGHLIGHT, MARK = PALETTE["up"], PALETTE["down"], PALETTE["highlight"], PALETTE["mark"]
SPLIT = PALETTE["split"]
LINK, BIAS_FILL, BLACK, WHITE = PALETTE["link"], PALETTE["bias_fill"], PALETTE["ink"], PALETTE["white"]
SLOW, AXIS, CONTOUR, TARGET = PALETTE["slow"], PALETTE["axis"], PALETTE["contour"], PALETTE["target"]


def new_axes(ax: Axes | None = None, figsize=(6.4, 4.0)) -> Axes:
    """``ax`` itself, or the axes of a new pyplot figure (shown by the notebook's plt.show())."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize)
    return ax


def _finite(x) -> bool:
    return x is not None and math.isfinite(x)


# ----- the network diagram: layout ----------------------------------------------------
# Lengths are in points (1/72 inch): the SVG uses them as pixels, matplotlib as points,
# so one layout (and one check that labels do not overlap) serves both renderers.
_DX = 270.0      # between layers
_R = 19.0        # unit radius (half the side of a bias square)
_FONT = 12.0     # unit names; weight labels and a unit's values are 1 point smaller
_FONT_SMALL_NET = 13.0  # the same for a small network drawn to fit the column: its smaller text at 12 px (9 points)
#: The width a diagram is laid out for where it can be: a notebook's column at 1000 px with the file
#: browser open (drawn wider, it would be shrunk there and its 12-px text with it).
COLUMN_WIDTH = 560.0
_LINE = 13.5     # height of one line of a unit's values
_MARGIN = 12.0


@dataclass(frozen=True, eq=False)  # hashed by identity: label placements are cached per layout
class DiagramLayout:
    """Where everything of a network's diagram goes, in points, y downwards.

    ``units[name] = (x, y, layer, k, bias)`` (k: 0-based index among the layer's non-bias
    units, -1 for a bias unit); ``links[weight] = (x0, y0, x1, y1)`` from the rim of the
    source unit to the rim of the destination unit. A diagram of a big network draws some
    units of a layer only (``focus_units``): ``elided[layer] = (x, y, count)`` says where
    "⋮ count more" stands for the rest.
    """

    width: float
    height: float
    units: dict
    links: dict
    value_lines: int
    font: float = _FONT
    elided: dict = field(default_factory=dict)


#: A layer with more real units than this is drawn in part in a step-through: the step's own
#: units and the first others (``focus_units``), with "⋮ n more" for the rest.
MAX_DRAWN_UNITS = 6


def focus_units(net: Network, step: MicroStep | None = None, most: int = MAX_DRAWN_UNITS):
    """Which real units of each layer a diagram of ``net`` at ``step`` draws (0-based indices
    among the layer's non-bias units, in order), or None when every layer has at most ``most``.

    In a layer with more: the units ``step`` computes or reads through a weight it names (its
    unit; a weight's source and destination), then the layer's first units up to ``most``.
    """
    if all(n <= most for n in net.sizes):
        return None
    own: dict[int, set] = {}
    if step is not None:
        names = [step.name] if step.kind in ("gradient", "update") else []
        unit = step.name[2:-1] if step.name.startswith("z(") else step.name
        parts = names[0].split(LINK_ARROW) if names else [unit]
        for part in parts:
            for l in range(net.n_layers + 1):
                real = net.unit_names(l, bias=False)
                if part in real:
                    own.setdefault(l, set()).add(real.index(part))
    shown = []
    for l, n in enumerate(net.sizes):
        keep = sorted(own.get(l, ()))
        for k in range(n):
            if len(keep) >= min(n, most):
                break
            if k not in keep:
                keep.append(k)
        shown.append(tuple(sorted(keep)))
    return tuple(shown)


def diagram_layout(net: Network, shown=None) -> DiagramLayout:
    """Units in columns (one per layer, bias unit on top), links between their rims.

    ``shown``: from ``focus_units``, the real units of each layer to draw (default: all)."""
    L = net.n_layers
    drawn = [tuple(range(n)) if shown is None else tuple(shown[l]) for l, n in enumerate(net.sizes)]
    lines = 1 if all(a.name == "identity" for a in net.acts) else 3  # a | z, a, δ
    sy = 2 * _R + lines * _LINE + 14
    rows = [len(d) + (0 if l == L else 1) + (len(d) < net.sizes[l]) for l, d in enumerate(drawn)]
    tall = max(rows)
    height = 2 * _MARGIN + (tall - 1) * sy + 2 * _R + lines * _LINE + 4
    # Up to 30 weights every label is shown and needs room; beyond, only a step's own labels.
    n_weights = sum((n + 1) * m for n, m in zip(net.sizes, net.sizes[1:]))
    dx = _DX if n_weights <= 30 else 0.7 * _DX
    font = _FONT
    if n_weights <= 13:  # a small network (XOR's 2-3-1) is drawn to fit the column, its text at 9 points or more
        dx = max(min(dx, (COLUMN_WIDTH - 2 * (_MARGIN + _R + 30)) / L), 0.7 * _DX)
        font = _FONT_SMALL_NET
    width = 2 * (_MARGIN + _R + 30) + L * dx
    units, elided = {}, {}
    for l in range(L + 1):
        names = net.unit_names(l)
        bias = 0 if l == L else 1
        keep = list(range(bias)) + [k + bias for k in drawn[l]]
        x, top = _MARGIN + _R + 30 + l * dx, _MARGIN + _R + (tall - rows[l]) * sy / 2
        for row, k in enumerate(keep):
            units[names[k]] = (x, top + row * sy, l, k - bias if k >= bias else -1, k < bias)
        if len(drawn[l]) < net.sizes[l]:
            elided[l] = (x, top + len(keep) * sy, net.sizes[l] - len(drawn[l]))
    links = {}
    for l in range(L):
        for src in (n for n in net.unit_names(l) if n in units):
            for j in drawn[l + 1]:
                dst = net.dest_name(l, j)
                x0, y0 = units[src][:2]
                x1, y1 = units[dst][:2]
                d = math.hypot(x1 - x0, y1 - y0)
                ux, uy = (x1 - x0) / d, (y1 - y0) / d
                links[link_name(src, dst)] = (x0 + _R * ux, y0 + _R * uy, x1 - _R * ux, y1 - _R * uy)
    return DiagramLayout(width, height, units, links, lines, elided=elided, font=font)


def diagram_figsize(net: Network, scale: float = 1.0) -> tuple[float, float]:
    """A figure size (inches) at which the diagram of ``net`` is drawn at its natural size.

    Room for a title above and a legend below is added.
    """
    lay = diagram_layout(net)
    return (round(scale * max(lay.width, 480) / 72, 2), round(scale * (lay.height + 56) / 72, 2))


#: Advance widths (em) of DejaVu Sans, matplotlib's and most Linux browsers' sans-serif,
#: rounded up; anything else counts as a wide letter.
_EM = {**dict.fromkeys("0123456789", 0.64), ".": 0.32, " ": 0.32, "-": 0.37, "=": 0.84, "(": 0.4, ")": 0.4,
       "→": 0.84, "▲": 0.77, "▼": 0.77, "δ": 0.62, "a": 0.62, "z": 0.53, "e": 0.62, "+": 0.84}


def _text_width(text: str, font: float) -> float:
    """A label's width in points (its box adds 3 points each side)."""
    return font * sum(_EM.get(c, 0.72) for c in text) + 6


def touched_weights(net: Network, step: MicroStep | None) -> list[str]:
    """The weights a step reads or writes, in the network's order.

    forward/activation of unit U: the weights into U; delta of a hidden unit U: the weights
    out of U (its delta is summed back through them); gradient or update of w: w itself.
    """
    if step is None:
        return []
    names = net.weight_names()
    if step.kind in ("gradient", "update"):
        return [step.name] if step.name in names else []
    unit = step.name[2:-1] if step.name.startswith("z(") else step.name
    if step.kind == "forward":
        return [w for w in names if w.endswith(LINK_ARROW + unit)]
    if step.kind == "delta":
        out = [w for w in names if w.startswith(unit + LINK_ARROW)]
        return out
    return []


# ----- the network diagram: styles, a pure function of (state, highlight, updated) ------
@dataclass(frozen=True)
class LinkStyle:
    colour: str
    width: float
    label: str
    label_colour: str
    label_visible: bool
    highlighted: bool


@dataclass(frozen=True)
class UnitStyle:
    fill: str
    line_width: float
    values: str  # the unit's numbers, one per line (empty for a bias unit)
    highlighted: bool
    marked: bool = False  # differs from the other run of a comparison


@dataclass(frozen=True)
class DiagramStyles:
    units: dict
    links: dict
    highlighted: str | None
    #: label centres (x, y) in layout points, chosen so that no two visible labels overlap
    label_at: dict = field(default_factory=dict)


def _highlight_target(net: Network, lay: DiagramLayout, highlight) -> tuple[str | None, int | None]:
    """(unit or weight names joined by ',', sample) that a highlight refers to."""
    if not isinstance(highlight, MicroStep):
        return highlight, None
    step = highlight
    if step.kind in ("gradient", "update"):
        name = step.name
    elif step.kind == "loss":
        name = ",".join(net.unit_names(net.n_layers))
    else:
        name = step.name[2:-1] if step.name.startswith("z(") else step.name
        if name not in lay.units:
            name = None
    return name, step.sample


def _unit_values(net: Network, lay: DiagramLayout, state: State | None, name: str, s: int) -> str:
    x, y, layer, k, bias = lay.units[name]
    if bias or state is None:
        return ""
    if s >= state.a[0].shape[0]:
        s = 0
    if layer == 0:
        return f"a={short(state.a[0][s, k])}"
    a = state.a[layer][s, k]
    z = state.z[layer - 1][s, k]
    d = state.delta[layer - 1][s, k]
    parts = []
    if net.acts[layer - 1].name != "identity" and _finite(z):
        parts.append(f"z={short(z)}")
    if _finite(a):
        parts.append(f"a={short(a)}")
    if _finite(d):
        parts.append(f"δ={short(d)}")
    return "\n".join(parts)


def _weights_of(state) -> list | None:
    if state is None:
        return None
    return state.W if isinstance(state, Network) else list(state.weights)


def diagram_styles(net: Network, state: State | Network | None = None, highlight=None, updated=(),
                   sample: int | None = None, show_weights: str = "auto", touched=None,
                   layout: DiagramLayout | None = None, marked=()) -> DiagramStyles:
    """Every colour, width and label of the diagram of ``net`` (weights before = ``net.W``).

    ``state``: a trace State or a Network holding the weights to show (default: ``net``).
    ``highlight``: a unit name, a weight name, or a MicroStep (its unit or weight; a loss
    step highlights the output units; its sample picks whose values the units show; a step
    over a batch of several samples, such as a gradient's mean, shows no unit values unless
    ``sample`` names a sample).
    ``updated``: weight names already updated (an unchanged one then reads "1 (=)").
    ``show_weights``: "all", "touched" (only ``touched`` and the highlighted weight) or
    "auto" (all up to 30 weights, else touched). ``marked``: weights and units whose
    numbers differ from another run's (a comparison): their labels start with ⚠ and
    marked units get a purple ring. Nothing is remembered between calls.
    """
    lay = layout or diagram_layout(net)
    target, step_sample = _highlight_target(net, lay, highlight)
    s = int(sample if sample is not None else (step_sample if step_sample is not None else 0))
    st = state if isinstance(state, State) else None
    if (st is not None and sample is None and step_sample is None and isinstance(highlight, MicroStep)
            and st.a[0].shape[0] > 1):
        st = None  # a step over the whole batch (its mean): no one sample's numbers are its inputs
    if show_weights == "auto":
        show_weights = "all" if len(lay.links) <= 30 else "touched"
    if show_weights not in ("all", "touched"):
        raise ValueError(f"show_weights must be 'all', 'touched' or 'auto', got {show_weights!r}")
    if touched is None and isinstance(highlight, MicroStep):
        touched = touched_weights(net, highlight)
    touched = set(touched or ())
    lit = set(target.split(",")) if target else set()
    updated = set(updated or ())
    marked = set(marked or ())
    W = _weights_of(state) or net.W
    links = {}
    for name in lay.links:
        l, i, j = net.weight_index(name)
        old, new = float(net.W[l][i, j]), float(W[l][i, j])
        if new > old:
            label, colour, width = f"{short(old)} → {short(new)} ▲", UP, 2.2
        elif new < old:
            label, colour, width = f"{short(old)} → {short(new)} ▼", DOWN, 2.2
        elif name in updated:
            label, colour, width = f"{short(new)} (=)", BLACK, 2.2
        else:
            label, colour, width = short(new), BLACK, 1.0
        if name in marked:
            label = "⚠ " + label
        on = name in lit
        visible = on or show_weights == "all" or name in touched or name in marked
        line_colour = BLACK if on else (LINK if colour == BLACK else colour)
        links[name] = LinkStyle(line_colour, 4.0 if on else width, label, BLACK if on else colour, visible, on)
    units = {}
    for name, (x, y, layer, k, bias) in lay.units.items():
        on = name in lit
        values = _unit_values(net, lay, st, name, s)
        if name in marked and values:
            values = "⚠ " + values
        units[name] = UnitStyle(HIGHLIGHT if on else (BIAS_FILL if bias else "white"), 3.0 if on else 1.2,
                                values, on, name in marked)
    labels = tuple((n, ls.label, ls.highlighted) for n, ls in links.items() if ls.label_visible)
    return DiagramStyles(units, links, target, _placement(lay, labels, tuple(u.values for u in units.values())))


@functools.lru_cache(maxsize=1024)
def _placement(lay: DiagramLayout, labels: tuple, values: tuple) -> dict:
    """``_place_labels`` for hashable inputs; the same labels on the same layout land in the same places,
    so stepping back and forth reuses them (a pure function, cached)."""
    return _place_labels(lay, labels, dict(zip(lay.units, values)))


def _box(cx: float, cy: float, w: float, h: float) -> tuple:
    return (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)


def _overlap(a: tuple, b: tuple, gap: float = 0.0) -> bool:
    """Whether boxes ``a`` and ``b`` overlap, or come closer than ``gap``."""
    return a[0] < b[2] + gap and b[0] < a[2] + gap and a[1] < b[3] + gap and b[1] < a[3] + gap


#: The least room between two weight labels of a diagram (points), so that each reads as its own link's.
LABEL_GAP = 4.0


_SHIFTS = [0.0] + [sign * 0.03 * k for k in range(1, 30) for sign in (1, -1)]
#: How far (points) a label may sit above or below its link when no point on the link is clear.
_NUDGE = 4.0


def _place_labels(lay: DiagramLayout, labels: tuple, values: dict) -> dict:
    """A point on each visible weight's link for its label, so that no two labels overlap.

    Greedy (the highlighted label first): each label tries points along its own link,
    starting from a spread that keeps links into one unit apart, and takes the first whose
    box is clear of every unit and of the unit's values, and at least ``LABEL_GAP`` from the
    labels placed so far (else such a point moved ``_NUDGE`` above or below the link, else the
    one that overlaps least). If some label found no clear point, the placement is tried
    again with those labels first, a few times, and the best placement is kept.
    """
    h = lay.font + 5
    obstacles = []
    for name, (x, y, *_rest) in lay.units.items():
        obstacles.append(_box(x, y, 2 * _R + 4, 2 * _R + 4))
        lines = values[name].count("\n") + 1 if values[name] else 0
        if lines:
            widest = max(_text_width(t, lay.font - 1) for t in values[name].split("\n"))
            obstacles.append((x - widest / 2, y + _R, x + widest / 2, y + _R + 3 + lines * _LINE))
    layer_dests: dict[int, list] = {}
    for name in lay.links:
        dst = name.split(LINK_ARROW)[1]
        column = layer_dests.setdefault(lay.units[dst][2], [])
        if dst not in column:
            column.append(dst)
    candidates, highlighted = {}, set()
    for name, text, lit in labels:
        if lit:
            highlighted.add(name)
        x0, y0, x1, y1 = lay.links[name]
        dst = name.split(LINK_ARROW)[1]
        column = layer_dests[lay.units[dst][2]]
        t0 = 0.3 + 0.4 * (column.index(dst) + 0.5) / len(column)
        w = _text_width(text, lay.font - 1)
        boxes = []
        for nudge in (0.0, -_NUDGE, _NUDGE):  # on the link, else moved up or down a little (still over it)
            for dt in _SHIFTS:
                t = t0 + dt
                if 0.06 <= t <= 0.94:
                    cx, cy = x0 + t * (x1 - x0), y0 + t * (y1 - y0) + nudge
                    box = _box(cx, cy, w, h)
                    boxes.append((cx, cy, box, 50 * sum(_overlap(box, o) for o in obstacles) + (nudge != 0)))
        candidates[name] = boxes

    def greedy(order):
        placed, at, stuck, total = [], {}, [], 0
        for name in order:
            best, best_hits = None, None
            for cx, cy, box, hits in candidates[name]:
                # overlapping a label is worst, then a unit, then only coming closer than LABEL_GAP
                hits += sum(100 if _overlap(box, o) else 5 * _overlap(box, o, LABEL_GAP) for o in placed)
                if best_hits is None or hits < best_hits:
                    best, best_hits = (cx, cy, box), hits
                if hits == 0 or hits == 1 and best_hits == 1:
                    break
            placed.append(best[2])
            at[name] = best[:2]
            total += best_hits
            if best_hits > 1:  # not clear of every other label by LABEL_GAP (a nudge off the link is fine)
                stuck.append(name)
        return at, stuck, total

    order = sorted(candidates, key=lambda n: n not in highlighted)
    best = None
    for _ in range(8):
        at, stuck, total = greedy(order)
        if best is None or total < best[1]:
            best = (at, total)
        if not stuck:
            break
        first = [n for n in order if n in highlighted and n not in stuck]
        order = first + stuck + [n for n in order if n not in stuck and n not in first]
    return best[0]


def label_boxes(styles: DiagramStyles, layout: DiagramLayout) -> dict:
    """The (x0, y0, x1, y1) box, in layout points, of each visible weight label."""
    h = layout.font + 5
    return {n: _box(*styles.label_at[n], _text_width(styles.links[n].label, layout.font - 1), h)
            for n in styles.label_at}


# ----- the network diagram as SVG (the widgets) ------------------------------------------
def _attr(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def network_svg(net: Network, state: State | Network | None = None, highlight=None, updated=(),
                sample: int | None = None, show_weights: str = "auto", touched=None,
                description: str = "", layout: DiagramLayout | None = None, marked=()) -> str:
    """The diagram of ``net`` as an SVG element (the same look as ``draw_network``).

    Arguments as for ``diagram_styles``. The SVG has a viewBox and ``width`` at its natural
    size, so it shrinks to fit a narrow page keeping its aspect ratio and never grows
    blurred. ``description`` becomes its accessible name (``role="img"``, ``aria-label``
    and a ``<title>``): say in words what the figure shows.
    """
    lay = layout or diagram_layout(net)
    sty = diagram_styles(net, state, highlight, updated, sample, show_weights, touched, lay, marked)
    e = html.escape
    f, a = lay.font, _attr
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="bp-diagram-svg" role="img" '
           f'viewBox="0 0 {a(lay.width)} {a(lay.height)}" width="{a(lay.width)}" '
           f'style="max-width:100%;height:auto" aria-label="{e(description, quote=True)}" '
           f'font-family="sans-serif" font-size="{a(f)}">',
           f"<title>{e(description)}</title>"]
    # links first (under everything), the highlighted one last of them
    for name in sorted(lay.links, key=lambda n: sty.links[n].highlighted):
        x0, y0, x1, y1 = lay.links[name]
        ls = sty.links[name]
        out.append(f'<line x1="{a(x0)}" y1="{a(y0)}" x2="{a(x1)}" y2="{a(y1)}" stroke="{ls.colour}" '
                   f'stroke-width="{a(ls.width)}"/>')
    for name, (x, y, layer, k, bias) in lay.units.items():
        us = sty.units[name]
        if us.marked:
            out.append(f'<circle cx="{a(x)}" cy="{a(y)}" r="{a(_R + 4)}" fill="none" stroke="{MARK}" '
                       f'stroke-width="2.5" stroke-dasharray="4 2"/>')
        if bias:
            out.append(f'<rect x="{a(x - _R)}" y="{a(y - _R)}" width="{a(2 * _R)}" height="{a(2 * _R)}" '
                       f'fill="{us.fill}" stroke="{BLACK}" stroke-width="{a(us.line_width)}"/>')
            out.append(f'<text x="{a(x)}" y="{a(y - 2)}" text-anchor="middle" font-weight="bold">{e(name)}</text>'
                       f'<text x="{a(x)}" y="{a(y + f - 1)}" text-anchor="middle">+1</text>')
        else:
            out.append(f'<circle cx="{a(x)}" cy="{a(y)}" r="{a(_R)}" fill="{us.fill}" stroke="{BLACK}" '
                       f'stroke-width="{a(us.line_width)}"/>')
            out.append(f'<text x="{a(x)}" y="{a(y + f / 2 - 1.5)}" text-anchor="middle" font-weight="bold">'
                       f'{e(name)}</text>')
        for n, line in enumerate(us.values.split("\n") if us.values else ()):
            out.append(f'<text x="{a(x)}" y="{a(y + _R + (n + 1) * _LINE - 1)}" text-anchor="middle" '
                       f'font-size="{a(f - 1)}">{e(line)}</text>')
    for x, y, count in lay.elided.values():
        out.append(f'<text x="{a(x)}" y="{a(y)}" text-anchor="middle" font-style="italic">'
                   f'⋮ {count} more</text>')
    h = f + 5
    for name in sorted(sty.label_at, key=lambda n: sty.links[n].highlighted):
        cx, cy = sty.label_at[name]
        ls = sty.links[name]
        w = _text_width(ls.label, f - 1)
        fill, edge = (HIGHLIGHT, f' stroke="{BLACK}"') if ls.highlighted else (WHITE, "")
        bold = ' font-weight="bold"' if ls.highlighted else ""
        out.append(f'<rect x="{a(cx - w / 2)}" y="{a(cy - h / 2)}" width="{a(w)}" height="{a(h)}" rx="3" '
                   f'fill="{fill}" fill-opacity="0.92"{edge}/>'
                   f'<text x="{a(cx)}" y="{a(cy + (f - 1) / 2 - 1.5)}" text-anchor="middle" font-size="{a(f - 1)}" '
                   f'fill="{ls.label_colour}"{bold}>{e(ls.label)}</text>')
    out.append("</svg>")
    return "".join(out)


# ----- the network diagram with matplotlib (figures in notebooks) ------------------------
@dataclass
class NetworkDiagram:
    """The artists of a drawn network, by name, and how to update them in place.

    ``units[name]``: the patch of a unit (a circle; a grey square for a bias unit)
    ``unit_labels[name]``: its name;  ``unit_values[name]``: its numbers (z, a, δ)
    ``links[weight]``: the line of a weight;  ``weight_labels[weight]``: its value text
    ``title``: the title text;  ``highlighted``: what the last update highlighted.
    ``net`` holds the weights before the update (what a change is measured from).
    """

    ax: Axes
    net: Network
    layout: DiagramLayout
    units: dict[str, Patch] = field(default_factory=dict)
    unit_labels: dict[str, Text] = field(default_factory=dict)
    unit_values: dict[str, Text] = field(default_factory=dict)
    links: dict[str, Line2D] = field(default_factory=dict)
    weight_labels: dict[str, Text] = field(default_factory=dict)
    title: Text | None = None
    show_weights: str = "auto"
    state: State | Network | None = None
    highlighted: str | None = None

    @property
    def figure(self):
        return self.ax.figure

    def weight_texts(self) -> dict[str, str]:
        """The text shown on each weight label (what a screen reader would need)."""
        return {k: t.get_text() for k, t in self.weight_labels.items()}

    def update(self, state: State | Network | None = None, highlight: str | MicroStep | None = None,
               sample: int | None = None, updated=None, title: str | None = None) -> list:
        """Show ``state`` (default: the state shown last) with ``highlight``, in place.

        Every style is recomputed by ``diagram_styles`` from (state, highlight, updated):
        the result does not depend on what was shown before. Returns the changed artists.
        """
        if state is not None:
            self.state = state
        sty = diagram_styles(self.net, self.state, highlight, updated, sample, self.show_weights,
                             layout=self.layout)
        self.highlighted = sty.highlighted
        changed = []
        for name, ls in sty.links.items():
            line, text = self.links[name], self.weight_labels[name]
            line.set_color(ls.colour)
            line.set_linewidth(ls.width)
            line.set_zorder(2.5 if ls.highlighted else 1)
            text.set_text(ls.label)
            text.set_color(ls.label_colour)
            text.set_fontweight("bold" if ls.highlighted else "normal")
            text.set_visible(name in sty.label_at)
            if name in sty.label_at:
                text.set_position(sty.label_at[name])
            box = text.get_bbox_patch()
            box.set_facecolor(HIGHLIGHT if ls.highlighted else "white")
            box.set_edgecolor(BLACK if ls.highlighted else "none")
            changed += [line, text]
        for name, us in sty.units.items():
            self.units[name].set_facecolor(us.fill)
            self.units[name].set_linewidth(us.line_width)
            self.unit_values[name].set_text(us.values)
            changed += [self.units[name], self.unit_values[name]]
        if title is not None and self.title is not None:
            self.title.set_text(title)
            changed.append(self.title)
        return changed


def draw_network(ax: Axes | None, net_or_state, net: Network | None = None, highlight=None,
                 sample: int | None = None, show_weights: str = "auto", title: str | None = None,
                 fontsize: float | None = None) -> NetworkDiagram:
    """Draw the units in layers (bias units as grey squares marked +1) and every link.

    ``net_or_state``: a Network, or a trace State (then pass ``net`` for the names,
    activations and the weights before the update; the State's weights are drawn).
    ``show_weights``: "all", "touched" or "auto" (all up to 30 weights, else only the
    highlighted one). Weights are written with 3 significant digits, each label on its
    own link and clear of the others. Returns a NetworkDiagram; call its ``update`` to
    show another state in place.
    """
    if isinstance(net_or_state, Network):
        net, state = net_or_state.copy(), None
    elif isinstance(net_or_state, State):
        if net is None:
            raise TypeError("draw_network(ax, state) needs net= for the unit names and activations")
        state, net = net_or_state, net.copy()
    else:
        raise TypeError(f"draw_network needs a Network or a State, got {type(net_or_state).__name__}")
    if show_weights not in ("all", "touched", "auto"):
        raise ValueError(f"show_weights must be 'all', 'touched' or 'auto', got {show_weights!r}")
    lay = diagram_layout(net)
    if ax is None:
        fw, fh = diagram_figsize(net)
        ax = new_axes(None, figsize=(fw, fh))
        # the axes at the layout's natural size (1 data unit = 1 point), room for title and legend
        ax.set_position((0.5 - lay.width / 72 / fw / 2, 40 / 72 / fh, lay.width / 72 / fw, lay.height / 72 / fh))
    fs = fontsize or lay.font
    d = NetworkDiagram(ax, net, lay, show_weights=show_weights, state=state if state is not None else net)
    for name, (x, y, layer, k, bias) in lay.units.items():
        if bias:
            patch = FancyBboxPatch((x - _R, y - _R), 2 * _R, 2 * _R, boxstyle="square,pad=0",
                                   facecolor=BIAS_FILL, edgecolor="black", linewidth=1.2, zorder=3)
            inside = f"{name}\n+1"
        else:
            patch = Circle((x, y), _R, facecolor="white", edgecolor="black", linewidth=1.2, zorder=3)
            inside = name
        ax.add_patch(patch)
        d.units[name] = patch
        d.unit_labels[name] = ax.text(x, y, inside, ha="center", va="center", fontsize=fs,
                                      fontweight="bold", zorder=4, linespacing=1.0)
        d.unit_values[name] = ax.text(x, y + _R + 2, "", ha="center", va="top", fontsize=fs - 1,
                                      zorder=4, linespacing=1.05)
    for wname, (x0, y0, x1, y1) in lay.links.items():
        line = Line2D([x0, x1], [y0, y1], color=LINK, linewidth=1.0, zorder=1)
        ax.add_line(line)
        d.links[wname] = line
        d.weight_labels[wname] = ax.text(
            (x0 + x1) / 2, (y0 + y1) / 2, "", ha="center", va="center", fontsize=fs - 1, zorder=5,
            bbox=dict(boxstyle="round,pad=0.15", facecolor="white", edgecolor="none", alpha=0.9))
    ax.set_xlim(0, lay.width)
    ax.set_ylim(lay.height, 0)  # y downwards, as in the layout
    ax.set_aspect("equal")
    ax.axis("off")
    ax.legend(handles=[Line2D([], [], color=UP, lw=2.2, label="weight grew ▲"),
                       Line2D([], [], color=DOWN, lw=2.2, label="weight shrank ▼"),
                       Patch(facecolor=BIAS_FILL, edgecolor="black", label="bias unit (+1)"),
                       Patch(facecolor=HIGHLIGHT, edgecolor="black", label="current step")],
              loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=4, fontsize=fs - 2, frameon=False)
    d.title = ax.set_title(title or "", fontsize=fs + 1)
    d.update(highlight=highlight, sample=sample)
    return d


# ----- activation curves --------------------------------------------------------------
@dataclass
class ActivationPlot:
    """f and f' of one activation, with z marked on both."""

    ax: Axes
    name: str
    f_line: Line2D
    df_line: Line2D
    z_line: Line2D
    f_point: Line2D
    df_point: Line2D
    note: Text
    spans: list = field(default_factory=list)
    z: float | None = None

    @property
    def figure(self):
        return self.ax.figure

    def update(self, name: str | None = None, z: float | None = None) -> list:
        """Switch the activation and/or move the z marker, in place."""
        changed = []
        if name is not None and name != self.name:
            zs = self.f_line.get_xdata()
            act = get_activation(name)
            self.f_line.set_ydata(act.f(zs))
            self.df_line.set_ydata(act.df(zs))
            self.name = act.name
            self.f_line.set_label(f"f(z) = {act.name}(z)")
            # The legend copied the label when it was drawn: rename its entry too.
            legend = self.ax.get_legend()
            if legend is not None:
                legend.get_texts()[0].set_text(self.f_line.get_label())
            self._draw_spans()
            self._rescale()
            self.ax.set_title(f"{act.name}: f(z) and f'(z)")
            changed += [self.f_line, self.df_line]
        if z is not None:
            self.z = float(z)
        if self.z is None:
            for a in (self.z_line, self.f_point, self.df_point):
                a.set_visible(False)
            self.note.set_text("")
        else:
            r = activation_reading(self.name, self.z)
            self.z_line.set_xdata([r.z, r.z])
            self.f_point.set_data([r.z], [r.f])
            self.df_point.set_data([r.z], [r.df])
            for a in (self.z_line, self.f_point, self.df_point):
                a.set_visible(True)
            self.note.set_text(f"z = {fmt(r.z)}:  f(z) = {fmt(r.f)},  f'(z) = {fmt(r.df)}")
            changed += [self.z_line, self.f_point, self.df_point, self.note]
        return changed

    def _draw_spans(self) -> None:
        for s in self.spans:
            s.remove()
        lo, hi = self.f_line.get_xdata()[[0, -1]]
        self.spans = [self.ax.axvspan(a, b, facecolor=SLOW, zorder=0, linewidth=0)
                      for a, b in saturation_ranges(self.name, float(lo), float(hi))]

    def _rescale(self) -> None:
        y = np.concatenate([self.f_line.get_ydata(), self.df_line.get_ydata()])
        lo, hi = float(np.min(y)), float(np.max(y))
        pad = 0.08 * (hi - lo or 1.0)
        self.ax.set_ylim(lo - pad, hi + pad)


def plot_activation(ax: Axes | None, name: str, z: float | None = None,
                    zlim: tuple[float, float] = (-6.0, 6.0)) -> ActivationPlot:
    """The curve f(z) and its derivative f'(z); ``z`` (if given) marked on both.

    Shaded, hatched bands are where f'(z) is below 10% of its peak: the unit saturates
    there and learns slowly.
    """
    act = get_activation(name)
    ax = new_axes(ax, figsize=(5, 3.2))
    zs = np.linspace(zlim[0], zlim[1], 481)
    f_line, = ax.plot(zs, act.f(zs), color=OKABE_ITO["blue"], lw=2, label=f"f(z) = {act.name}(z)")
    df_line, = ax.plot(zs, act.df(zs), color=OKABE_ITO["vermilion"], lw=2, ls="--", label="f'(z)")
    z_line = ax.axvline(0.0, color="black", lw=1, ls=":")
    f_point, = ax.plot([0.0], [0.0], "o", color=OKABE_ITO["blue"], ms=7, zorder=5)
    df_point, = ax.plot([0.0], [0.0], "s", color=OKABE_ITO["vermilion"], ms=7, zorder=5)
    ax.axhline(0.0, color=AXIS, lw=0.6)
    ax.set_xlabel("z (pre-activation)")
    ax.set_ylabel("f(z), f'(z)")
    ax.set_xlim(*zlim)
    ax.set_title(f"{act.name}: f(z) and f'(z)")
    note = ax.text(0.02, 0.97, "", transform=ax.transAxes, va="top", fontsize=9,
                   bbox=dict(facecolor="white", edgecolor="none", alpha=0.85))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=3, fontsize=8, frameon=False, handles=[
        f_line, df_line, Patch(facecolor=SLOW, label="f'(z) < 10% of its peak")])
    p = ActivationPlot(ax, act.name, f_line, df_line, z_line, f_point, df_point, note)
    p._draw_spans()
    p._rescale()
    p.update(z=z)
    return p


def _ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """Round tick values inside [lo, hi] (1, 2 or 5 times a power of ten apart)."""
    raw = (hi - lo) / max(1, n - 1) or 1.0
    p = 10 ** math.floor(math.log10(raw))
    step = next(k * p for k in (1, 2, 5, 10) if k * p >= raw)
    first = math.ceil(lo / step - 1e-9) * step
    return [round(first + k * step, 10) for k in range(int((hi - first) / step + 1e-9) + 1)]


def activation_svg(name: str, z: float | None = None, zlim: tuple[float, float] = (-6.0, 6.0),
                   width: float = 380, height: float = 250, description: str | None = None) -> str:
    """f(z) and f'(z) of one activation as an SVG element, ``z`` (if given) marked on both.

    The same picture as ``plot_activation``: f solid blue, f' dashed vermilion with square
    markers, grey bands where the unit saturates (f' below 10 % of its peak). Drawn at
    ``width`` x ``height`` points, shrinking to fit a narrower page, never stretched.
    """
    act = get_activation(name)
    lo, hi = float(zlim[0]), float(zlim[1])
    zs = np.linspace(lo, hi, 241)
    f, df = np.asarray(act.f(zs), dtype=float), np.asarray(act.df(zs), dtype=float)
    ylo, yhi = float(min(f.min(), df.min())), float(max(f.max(), df.max()))
    pad = 0.08 * (yhi - ylo or 1.0)
    ylo, yhi = ylo - pad, yhi + pad
    left, right, top, bottom = 42.0, 10.0, 24.0, 58.0
    pw, ph = width - left - right, height - top - bottom
    X = lambda v: left + (v - lo) / (hi - lo) * pw  # noqa: E731
    Y = lambda v: top + (yhi - v) / (yhi - ylo) * ph  # noqa: E731
    a, e = _attr, html.escape
    if description is None:
        description = f"The curve of {act.name}(z) and of its derivative for z from {fmt(lo)} to {fmt(hi)}"
        if z is not None:
            r = activation_reading(act.name, z)
            description += f", with z = {fmt(r.z)} marked: f(z) = {fmt(r.f)}, f'(z) = {fmt(r.df)}"
    # The legend on one line, or its last entry on a second line if the picture is too narrow for it.
    lx, slow_label = 8.0, "saturates (slow learning)"
    wrap = lx + 154 + _text_width(slow_label, 12) > width - 2
    total = height + (16 if wrap else 0)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="bp-activation-svg" role="img" '
           f'viewBox="0 0 {a(width)} {a(total)}" width="{a(width)}" style="max-width:100%;height:auto" '
           f'aria-label="{e(description, quote=True)}" font-family="sans-serif" font-size="12">',
           f"<title>{e(description)}</title>"]
    for s0, s1 in saturation_ranges(act.name, lo, hi):
        out.append(f'<rect x="{a(X(s0))}" y="{a(top)}" width="{a(X(s1) - X(s0))}" height="{a(ph)}" fill="{SLOW}"/>')
    if ylo < 0 < yhi:
        out.append(f'<line x1="{a(left)}" x2="{a(left + pw)}" y1="{a(Y(0))}" y2="{a(Y(0))}" stroke="{AXIS}" stroke-width="0.6"/>')
    for t in _ticks(lo, hi, 7):
        out.append(f'<line x1="{a(X(t))}" x2="{a(X(t))}" y1="{a(top + ph)}" y2="{a(top + ph + 4)}" stroke="{BLACK}"/>'
                   f'<text x="{a(X(t))}" y="{a(top + ph + 15)}" text-anchor="middle">{e(short(t))}</text>')
    for t in _ticks(ylo, yhi, 5):
        out.append(f'<line x1="{a(left - 4)}" x2="{a(left)}" y1="{a(Y(t))}" y2="{a(Y(t))}" stroke="{BLACK}"/>'
                   f'<text x="{a(left - 6)}" y="{a(Y(t) + 4)}" text-anchor="end">{e(short(t))}</text>')
    out.append(f'<rect x="{a(left)}" y="{a(top)}" width="{a(pw)}" height="{a(ph)}" fill="none" stroke="{BLACK}"/>')
    for ys, colour, dash in ((f, UP, ""), (df, DOWN, ' stroke-dasharray="6 4"')):
        pts = " ".join(f"{X(zi):.1f},{Y(v):.1f}" for zi, v in zip(zs, ys))
        out.append(f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>')
    if z is not None:
        r = activation_reading(act.name, z)
        out.append(f'<line x1="{a(X(r.z))}" x2="{a(X(r.z))}" y1="{a(top)}" y2="{a(top + ph)}" stroke="{BLACK}" '
                   f'stroke-dasharray="2 3"/>'
                   f'<circle cx="{a(X(r.z))}" cy="{a(Y(r.f))}" r="4.5" fill="{UP}" stroke="{BLACK}"/>'
                   f'<rect x="{a(X(r.z) - 4)}" y="{a(Y(r.df) - 4)}" width="8" height="8" fill="{DOWN}" stroke="{BLACK}"/>')
    out.append(f'<text x="{a(left + pw / 2)}" y="15" text-anchor="middle" font-size="13">'
               f'{e(act.name)}: f(z) and f\'(z)</text>'
               f'<text x="{a(left + pw / 2)}" y="{a(top + ph + 29)}" text-anchor="middle">z (pre-activation)</text>')
    ly = height - 10
    sx, sy = (lx, ly + 16) if wrap else (lx + 136, ly)
    out.append(f'<line x1="{a(lx)}" x2="{a(lx + 22)}" y1="{a(ly - 4)}" y2="{a(ly - 4)}" stroke="{UP}" stroke-width="2"/>'
               f'<text x="{a(lx + 26)}" y="{a(ly)}">f(z)</text>'
               f'<line x1="{a(lx + 66)}" x2="{a(lx + 88)}" y1="{a(ly - 4)}" y2="{a(ly - 4)}" stroke="{DOWN}" '
               f'stroke-width="2" stroke-dasharray="6 4"/><text x="{a(lx + 92)}" y="{a(ly)}">f\'(z)</text>'
               f'<rect x="{a(sx)}" y="{a(sy - 10)}" width="14" height="10" fill="{SLOW}" stroke="{CONTOUR}"/>'
               f'<text x="{a(sx + 18)}" y="{a(sy)}">{slow_label}</text>')
    out.append("</svg>")
    return "".join(out)


def softmax_svg(z1: float | None = None, others=SOFTMAX_OTHERS, zlim: tuple[float, float] = (-6.0, 6.0),
                width: float = 380, height: float = 250) -> str:
    """Softmax on three scores (z1, *others) as z1 slides over ``zlim``: the three shares a1, a2, a3
    (solid, they add up to 1) and ∂a1/∂z1 (dashed vermilion), ``z1`` (if given) marked. Softmax
    is not elementwise, so it is drawn on a vector whose first score varies, not as one curve f(z)."""
    lo, hi = float(zlim[0]), float(zlim[1])
    zs = np.linspace(lo, hi, 241)
    readings = [softmax_reading(v, others) for v in zs]
    shares = np.array([r.a for r in readings])
    slope = np.array([r.df for r in readings])
    ylo, yhi = -0.05, 1.05
    left, right, top, bottom = 42.0, 10.0, 24.0, 58.0
    pw, ph = width - left - right, height - top - bottom
    X = lambda v: left + (v - lo) / (hi - lo) * pw  # noqa: E731
    Y = lambda v: top + (yhi - v) / (yhi - ylo) * ph  # noqa: E731
    a, e = _attr, html.escape
    fixed = ", ".join(fmt(v) for v in others)
    description = (f"Softmax of the scores (z1, {fixed}) for z1 from {fmt(lo)} to {fmt(hi)}: the three shares "
                   f"a1, a2, a3 and the slope da1/dz1")
    if z1 is not None:
        r = softmax_reading(z1, others)
        description += (f", with z1 = {fmt(r.z[0])} marked: a = ({', '.join(fmt(v) for v in r.a)}), "
                        f"da1/dz1 = {fmt(r.df)}")
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="bp-activation-svg" role="img" '
           f'viewBox="0 0 {a(width)} {a(height)}" width="{a(width)}" style="max-width:100%;height:auto" '
           f'aria-label="{e(description, quote=True)}" font-family="sans-serif" font-size="12">',
           f"<title>{e(description)}</title>",
           f'<line x1="{a(left)}" x2="{a(left + pw)}" y1="{a(Y(0))}" y2="{a(Y(0))}" stroke="{AXIS}" stroke-width="0.6"/>']
    for t in _ticks(lo, hi, 7):
        out.append(f'<line x1="{a(X(t))}" x2="{a(X(t))}" y1="{a(top + ph)}" y2="{a(top + ph + 4)}" stroke="{BLACK}"/>'
                   f'<text x="{a(X(t))}" y="{a(top + ph + 15)}" text-anchor="middle">{e(short(t))}</text>')
    for t in (0.0, 0.25, 0.5, 0.75, 1.0):
        out.append(f'<line x1="{a(left - 4)}" x2="{a(left)}" y1="{a(Y(t))}" y2="{a(Y(t))}" stroke="{BLACK}"/>'
                   f'<text x="{a(left - 6)}" y="{a(Y(t) + 4)}" text-anchor="end">{e(short(t))}</text>')
    out.append(f'<rect x="{a(left)}" y="{a(top)}" width="{a(pw)}" height="{a(ph)}" fill="none" stroke="{BLACK}"/>')
    curves = ((shares[:, 0], UP, "", 2.4), (shares[:, 1], OKABE_ITO["green"], "", 1.6),
              (shares[:, 2], OKABE_ITO["orange"], "", 1.6), (slope, DOWN, ' stroke-dasharray="6 4"', 2.0))
    for ys, colour, dash, w in curves:
        pts = " ".join(f"{X(zi):.1f},{Y(v):.1f}" for zi, v in zip(zs, ys))
        out.append(f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="{w}"{dash}/>')
    if z1 is not None:
        out.append(f'<line x1="{a(X(r.z[0]))}" x2="{a(X(r.z[0]))}" y1="{a(top)}" y2="{a(top + ph)}" stroke="{BLACK}" '
                   f'stroke-dasharray="2 3"/>'
                   f'<circle cx="{a(X(r.z[0]))}" cy="{a(Y(r.f))}" r="4.5" fill="{UP}" stroke="{BLACK}"/>'
                   f'<rect x="{a(X(r.z[0]) - 4)}" y="{a(Y(r.df) - 4)}" width="8" height="8" fill="{DOWN}" stroke="{BLACK}"/>')
    out.append(f'<text x="{a(left + pw / 2)}" y="15" text-anchor="middle" font-size="13">'
               f'softmax of (z1, {e(fixed)}): the shares a</text>'
               f'<text x="{a(left + pw / 2)}" y="{a(top + ph + 29)}" text-anchor="middle">z1 (the score varied)</text>')
    ly, x = height - 10, left
    for label, colour, dash in (("a1", UP, ""), ("a2", OKABE_ITO["green"], ""), ("a3", OKABE_ITO["orange"], ""),
                                ("da1/dz1", DOWN, ' stroke-dasharray="6 4"')):
        out.append(f'<line x1="{a(x)}" x2="{a(x + 22)}" y1="{a(ly - 4)}" y2="{a(ly - 4)}" stroke="{colour}" '
                   f'stroke-width="2"{dash}/><text x="{a(x + 26)}" y="{a(ly)}">{e(label)}</text>')
        x += 40 + 6.5 * len(label)
    out.append("</svg>")
    return "".join(out)


# ----- training curves ----------------------------------------------------------------
@dataclass
class LossPlot:
    """A cost curve (and any number of further runs' curves, e.g. a comparison's branch)."""

    ax: Axes
    line: Line2D
    point: Line2D
    text: Text
    unit: str = "step"
    others: list = field(default_factory=list)

    @property
    def figure(self):
        return self.ax.figure

    def add_run(self, label: str, colour: str = DOWN, linestyle: str = "--") -> Line2D:
        """Another run's curve on the same axes (give its costs as the extra ``update`` arguments)."""
        line, = self.ax.plot([], [], color=colour, lw=2, ls=linestyle, label=label)
        self.others.append(line)
        self.ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=1 + len(self.others), fontsize=8,
                       frameon=False)
        return line

    def update(self, history, *others) -> list:
        """Show ``history`` (cost after 0, 1, 2, ... steps) and the added runs' ``others``, rescaling."""
        h = np.asarray(history, dtype=float)
        x = np.arange(len(h))
        self.line.set_data(x, h)
        curves = [h]
        for line, o in zip(self.others, others):
            o = np.asarray(o, dtype=float)
            line.set_data(np.arange(len(o)), o)
            curves.append(o)
        if len(h):
            self.point.set_data([x[-1]], [h[-1]])
            text = f"{self.unit} {len(h) - 1}: cost {fmt(h[-1])}"
            if len(curves) > 1 and len(curves[1]):
                text += f" (branch {fmt(curves[1][-1])})"
            self.text.set_text(text)
            finite = np.concatenate([c[np.isfinite(c)] for c in curves])
            if finite.size:
                lo, hi = float(finite.min()), float(finite.max())
                pad = 0.05 * (hi - lo or abs(hi) or 1.0)
                self.ax.set_ylim(lo - pad, hi + pad)
            self.ax.set_xlim(0, max(1, max(len(c) for c in curves) - 1))
        return [self.line, self.point, self.text, *self.others]


def plot_loss(ax: Axes | None, history, xlabel: str = "epoch", ylabel: str = "cost J (mean loss)",
              title: str = "Training cost", label: str = "cost") -> LossPlot:
    """The cost after each epoch (or update) of training."""
    ax = new_axes(ax, figsize=(5, 3.2))
    line, = ax.plot([], [], color=OKABE_ITO["blue"], lw=2, label=label)
    point, = ax.plot([], [], "o", color=OKABE_ITO["vermilion"], ms=6)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    text = ax.text(0.98, 0.95, "", transform=ax.transAxes, ha="right", va="top", fontsize=9)
    p = LossPlot(ax, line, point, text, unit=xlabel)
    p.update(history)
    return p


#: The output level drawn as the decision boundary.
BOUNDARY = 0.5


@dataclass
class BoundaryPlot:
    ax: Axes
    image: AxesImage
    grid: np.ndarray
    shape: tuple
    contour: object = None

    @property
    def figure(self):
        return self.ax.figure

    def update(self, net_or_predict) -> list:
        """Recolour the background with the network's output over the grid, in place."""
        predict = net_or_predict.predict if hasattr(net_or_predict, "predict") else net_or_predict
        out = np.asarray(predict(self.grid))
        out = out[:, 0] if out.ndim == 2 else out
        values = out.reshape(self.shape)
        self.image.set_data(values)
        if self.contour is not None:
            self.contour.remove()
            self.contour = None
        if np.nanmin(values) < BOUNDARY < np.nanmax(values):
            x = self.grid[:, 0].reshape(self.shape)[0]
            y = self.grid[:, 1].reshape(self.shape)[:, 0]
            self.contour = self.ax.contour(x, y, values, levels=[BOUNDARY], colors="black",
                                           linewidths=1.5, linestyles="--")
        return [self.image] + ([self.contour] if self.contour is not None else [])


#: Room left between the outermost sample and the edge of a decision-boundary plot, as a share of its side.
BOUNDARY_MARGIN = 0.04


def boundary_square(X, lim=(-0.25, 1.25), margin: float = BOUNDARY_MARGIN) -> tuple[float, float]:
    """The square (lo, hi) over both inputs that a decision-boundary plot colours and shows: ``lim``,
    widened where a sample lies outside it or closer to its edge than ``margin`` of the side, so
    that every sample is drawn whole on the coloured output (no point outside it, no white strip)."""
    X = np.asarray(X, dtype=float)
    lo, hi = float(lim[0]), float(lim[1])
    if not lo < hi:
        raise ValueError(f"lim must be (low, high) with low < high, got {tuple(lim)}")
    finite = X[np.isfinite(X).all(axis=1)] if X.size else X
    if finite.size:
        first, last = float(finite.min()), float(finite.max())
        pad = margin * (max(hi, last) - min(lo, first)) / (1 - 2 * margin)  # at least margin of the final side
        lo, hi = min(lo, first - pad), max(hi, last + pad)
    return lo, hi


def plot_decision_boundary(ax: Axes | None, net, X, y, lim=(-0.25, 1.25), resolution: int = 81,
                           title: str = "Network output over the XOR square") -> BoundaryPlot:
    """The output of a 2-input network over a square, the 0.5 contour, and the samples.

    Samples with target 1 are triangles, target 0 circles (shape, not only colour). The square
    is ``lim`` on both axes, widened to hold every sample (``boundary_square``); the coloured
    output covers the whole axes.
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float).reshape(len(X), -1)[:, 0]
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"a decision boundary needs 2 inputs per sample; X has shape {X.shape}")
    ax = new_axes(ax, figsize=(4.2, 3.6))
    lim = boundary_square(X, lim)
    g = np.linspace(lim[0], lim[1], resolution)
    gx, gy = np.meshgrid(g, g)
    grid = np.column_stack([gx.ravel(), gy.ravel()])
    image = ax.imshow(np.zeros(gx.shape), origin="lower", extent=(lim[0], lim[1], lim[0], lim[1]),
                      cmap="cividis", vmin=0.0, vmax=1.0, interpolation="bilinear", aspect="equal")
    ax.figure.colorbar(image, ax=ax, label="network output (clipped to 0..1)", fraction=0.046, pad=0.04)
    for target, marker, colour, label in ((0, "o", "white", "target 0"), (1, "^", TARGET, "target 1")):
        sel = y == target
        ax.scatter(X[sel, 0], X[sel, 1], marker=marker, s=90, c=colour, edgecolors="black", zorder=3,
                   label=label)
    ax.set_xlim(*lim)  # the coloured square exactly: the samples' markers do not widen it
    ax.set_ylim(*lim)
    ax.set_xlabel("X1")
    ax.set_ylabel("X2")
    ax.set_title(title)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=3, fontsize=NOTEBOOK_SMALL_FONT, frameon=False,
              handles=[*ax.get_legend_handles_labels()[0],
                       Line2D([], [], color="black", ls="--", label="output = 0.5")])
    p = BoundaryPlot(ax, image, grid, gx.shape)
    p.update(net)
    return p

# ----- training curves and decision boundaries as SVG (the training widgets) ---------------
def _tick_label(t: float) -> str:
    """A tick's label: a whole number as it is (2000, not 2e+03), else 3 significant digits."""
    return str(int(round(t))) if t == round(t) and abs(t) < 1e6 else short(t)


def _axes_svg(out: list, left, top, pw, ph, xt, yt, X, Y, xlabel: str, ylabel: str, title: str) -> None:
    """Frame, ticks, tick labels and axis labels of one SVG plot (appended to ``out``)."""
    a, e = _attr, html.escape
    for t in xt:
        # the label of a tick at the right end ends there, so that the picture's edge cannot cut it
        at_end = X(t) >= left + pw - 1
        anchor, x = ("end", X(t) + 3) if at_end else ("middle", X(t))
        out.append(f'<line x1="{a(X(t))}" x2="{a(X(t))}" y1="{a(top + ph)}" y2="{a(top + ph + 4)}" stroke="{BLACK}"/>'
                   f'<text x="{a(x)}" y="{a(top + ph + 15)}" text-anchor="{anchor}">{e(_tick_label(t))}</text>')
    for t in yt:
        out.append(f'<line x1="{a(left - 4)}" x2="{a(left)}" y1="{a(Y(t))}" y2="{a(Y(t))}" stroke="{BLACK}"/>'
                   f'<text x="{a(left - 6)}" y="{a(Y(t) + 4)}" text-anchor="end">{e(short(t))}</text>')
    out.append(f'<rect x="{a(left)}" y="{a(top)}" width="{a(pw)}" height="{a(ph)}" fill="none" stroke="{BLACK}"/>'
               f'<text x="{a(left + pw / 2)}" y="{a(top - 8)}" text-anchor="middle" font-size="13">{e(title)}</text>'
               f'<text x="{a(left + pw / 2)}" y="{a(top + ph + 30)}" text-anchor="middle">{e(xlabel)}</text>'
               f'<text transform="translate({a(max(left - 38, 14.0))} {a(top + ph / 2)}) rotate(-90)" text-anchor="middle">'
               f'{e(ylabel)}</text>')


def _svg_open(css: str, width: float, height: float, description: str) -> str:
    a, e = _attr, html.escape
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="{css}" role="img" viewBox="0 0 {a(width)} {a(height)}" '
            f'width="{a(width)}" style="max-width:100%;height:auto" aria-label="{e(description, quote=True)}" '
            f'font-family="sans-serif" font-size="12"><title>{e(description)}</title>')


def _legend_rows(items, width: float, font: float = 12.0) -> list[list]:
    """Legend items [(label, ...), ...] in rows no wider than ``width`` (a 24-point sample line each)."""
    rows, used = [[]], 0.0
    for item in items:
        w = 24 + _text_width(item[0], font) + 10
        if rows[-1] and used + w > width:
            rows.append([])
            used = 0.0
        rows[-1].append((item, used))
        used += w
    return rows


def loss_svg(runs, unit: str = "epoch", title: str = "Cost after each epoch", width: float = 330,
             height: float = 250, description: str | None = None, max_points: int = 400,
             split: int | None = None, split_label: str = "") -> str:
    """Cost curves as an SVG element: ``runs`` = [(label, costs), ...] (costs[k] after k steps).

    The first run is solid blue with its last point marked, a second dashed vermilion. Long
    curves are drawn through at most ``max_points`` of their points (always the last one).
    ``split``: the step where the second run splits off from the first (a comparison's branch),
    marked by a dashed vertical line labelled ``split_label`` (say what changed there) once the
    curves reach it, and named in the legend and the description.
    """
    runs = [(label, np.asarray(c, dtype=float)) for label, c in runs]
    n = max(len(c) for _, c in runs)
    finite = np.concatenate([c[np.isfinite(c)] for _, c in runs]) if n else np.array([])
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    pad = 0.05 * (hi - lo or abs(hi) or 1.0)
    lo, hi = lo - pad, hi + pad
    left, right, top = 56.0, 10.0, 24.0
    pw = width - left - right
    styles = list(zip((UP, DOWN), ("", ' stroke-dasharray="6 4"')))
    items = [(label, colour, dash) for (label, _c), (colour, dash) in zip(runs, styles)] if len(runs) > 1 else []
    if split is not None:
        items.append((f"{split_label or 'split'} ({unit} {split})", SPLIT, ' stroke-dasharray="3 3"'))
    legend = _legend_rows(items, width - 16) if items else []
    bottom = 44.0 if not legend else 36.0 + 16.0 * len(legend)
    height = max(height, top + bottom + 120.0)
    ph = height - top - bottom
    xmax = max(1, n - 1)
    X = lambda v: left + v / xmax * pw  # noqa: E731
    Y = lambda v: top + (hi - v) / (hi - lo) * ph  # noqa: E731
    if description is None:
        description = (f"Cost after each {unit}: " + "; ".join(
            f"{label} from {fmt(c[0])} to {fmt(c[-1])} after {len(c) - 1}" for label, c in runs if len(c)))
        if split is not None:
            description += f"; the second run splits off at {unit} {split}" + (f" ({split_label})" if split_label else "")
    out = [_svg_open("bp-loss-svg", width, height, description)]
    _axes_svg(out, left, top, pw, ph, _ticks(0, xmax, 5), _ticks(lo, hi, 5), X, Y, unit, "cost J", title)
    a, e = _attr, html.escape
    for k, ((label, c), (colour, dash)) in enumerate(zip(runs, styles)):
        idx = np.unique(np.r_[np.linspace(0, len(c) - 1, min(len(c), max_points)).astype(int), len(c) - 1]) \
            if len(c) else np.array([], dtype=int)
        pts = " ".join(f"{X(i):.1f},{Y(c[i]):.1f}" for i in idx if math.isfinite(c[i]))
        if pts:
            out.append(f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>')
        if k == 0 and len(c) and math.isfinite(c[-1]):
            out.append(f'<circle cx="{a(X(len(c) - 1))}" cy="{a(Y(c[-1]))}" r="4" fill="{DOWN}"/>'
                       f'<text x="{a(left + pw - 4)}" y="{a(top + 14)}" text-anchor="end">'
                       f'{e(f"{unit} {len(c) - 1}: cost {fmt(c[-1])}")}</text>')
    if split is not None and split <= n - 1:
        sx = X(split)
        # the label beside the line, on the side with room, over a white halo so that a curve cannot hide it
        anchor, tx = ("end", sx - 4) if sx > left + pw / 2 else ("start", sx + 4)
        out.append(f'<line class="bp-split" x1="{a(sx)}" x2="{a(sx)}" y1="{a(top)}" y2="{a(top + ph)}" '
                   f'stroke="{SPLIT}" stroke-width="2" stroke-dasharray="3 3"/>')
        if split_label:
            out.append(f'<text class="bp-split-label" x="{a(tx)}" y="{a(top + 32)}" text-anchor="{anchor}" '
                       f'stroke="{WHITE}" stroke-width="3" paint-order="stroke">{e(split_label)}</text>')
    for r, row in enumerate(legend):
        ly = top + ph + 44 + 16 * r
        for (label, colour, dash), x0 in row:
            x0 += 8
            out.append(f'<line x1="{a(x0)}" x2="{a(x0 + 20)}" y1="{a(ly - 4)}" y2="{a(ly - 4)}" stroke="{colour}" '
                       f'stroke-width="2"{dash}/><text x="{a(x0 + 24)}" y="{a(ly)}">{e(label)}</text>')
    out.append("</svg>")
    return "".join(out)


def boundary_svg(values: np.ndarray, X, y, lim=(-0.25, 1.25), title: str = "Output over the input square",
                 width: float = 300, height: float = 270, description: str | None = None) -> str:
    """A 2-input network's output over a square as an SVG element (like ``plot_decision_boundary``).

    ``values[i, j]``: the output at x1 = grid[j], x2 = grid[i] on an evenly spaced grid over
    ``lim`` (row 0 at the bottom). Colour cividis over 0..1, the 0.5 contour dashed, samples
    with target 1 as triangles and target 0 as circles.
    """
    import base64
    import io

    import contourpy
    from matplotlib import colormaps
    from PIL import Image

    values = np.asarray(values, dtype=float)
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float).reshape(len(X), -1)[:, 0]
    lo, hi = float(lim[0]), float(lim[1])
    left, top, side = 44.0, 24.0, min(width - 44.0 - 70.0, height - 24.0 - 58.0)
    Xs = lambda v: left + (v - lo) / (hi - lo) * side  # noqa: E731
    Ys = lambda v: top + (hi - v) / (hi - lo) * side  # noqa: E731
    cmap = colormaps["cividis"]
    rgba = cmap(np.clip(np.nan_to_num(values, nan=0.5), 0, 1), bytes=True)[::-1]  # row 0 at the top
    buf = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buf, format="PNG")
    png = base64.b64encode(buf.getvalue()).decode("ascii")
    if description is None:
        description = (f"{title}: the network's output over the input square, dark near 0 and light near 1, "
                       "with the 0.5 boundary dashed; circles are samples with target 0, triangles target 1.")
    a, e = _attr, html.escape
    out = [_svg_open("bp-boundary-svg", width, height, description),
           f'<image x="{a(left)}" y="{a(top)}" width="{a(side)}" height="{a(side)}" preserveAspectRatio="none" '
           f'href="data:image/png;base64,{png}"/>']
    g = np.linspace(lo, hi, values.shape[1])
    gy = np.linspace(lo, hi, values.shape[0])
    if np.nanmin(values) < BOUNDARY < np.nanmax(values):
        for line in contourpy.contour_generator(g, gy, values).lines(BOUNDARY):
            pts = " ".join(f"{Xs(px):.1f},{Ys(py):.1f}" for px, py in line)
            out.append(f'<polyline points="{pts}" fill="none" stroke="{BLACK}" stroke-width="1.5" stroke-dasharray="5 3"/>')
    for (x1, x2), target in zip(X[:, :2], y):
        cx, cy = Xs(x1), Ys(x2)
        if target == 1:
            out.append(f'<polygon points="{cx:.1f},{cy - 7:.1f} {cx - 7:.1f},{cy + 5:.1f} {cx + 7:.1f},{cy + 5:.1f}" '
                       f'fill="{TARGET}" stroke="{BLACK}"/>')
        else:
            out.append(f'<circle cx="{a(cx)}" cy="{a(cy)}" r="6" fill="{WHITE}" stroke="{BLACK}"/>')
    ticks = _ticks(lo, hi, 4)
    _axes_svg(out, left, top, side, side, ticks, ticks, Xs, Ys, "X1", "X2", title)
    # colour bar
    cb = left + side + 14
    stops = "".join(f'<stop offset="{k / 10:.1f}" stop-color="#{"".join(f"{v:02x}" for v in cmap(1 - k / 10, bytes=True)[:3])}"/>'
                    for k in range(11))
    out.append(f'<defs><linearGradient id="bp-cividis" x1="0" y1="0" x2="0" y2="1">{stops}</linearGradient></defs>'
               f'<rect x="{a(cb)}" y="{a(top)}" width="12" height="{a(side)}" fill="url(#bp-cividis)" stroke="{BLACK}"/>')
    for t in (0.0, 0.5, 1.0):
        yy = top + (1 - t) * side
        out.append(f'<text x="{a(cb + 16)}" y="{a(yy + 4)}">{e(short(t))}</text>')
    ly = height - 8
    out.append(f'<circle cx="{a(left + 6)}" cy="{a(ly - 4)}" r="5" fill="{WHITE}" stroke="{BLACK}"/>'
               f'<text x="{a(left + 14)}" y="{a(ly)}">target 0</text>'
               f'<polygon points="{left + 76:.1f},{ly - 10:.1f} {left + 70:.1f},{ly:.1f} {left + 82:.1f},{ly:.1f}" '
               f'fill="{TARGET}" stroke="{BLACK}"/><text x="{a(left + 88)}" y="{a(ly)}">target 1</text>'
               f'<line x1="{a(left + 140)}" x2="{a(left + 160)}" y1="{a(ly - 4)}" y2="{a(ly - 4)}" stroke="{BLACK}" '
               f'stroke-dasharray="5 3"/><text x="{a(left + 164)}" y="{a(ly)}">output 0.5</text>')
    out.append("</svg>")
    return "".join(out)


def boundary_grid(lim=(-0.25, 1.25), resolution: int = 81) -> np.ndarray:
    """The (resolution², 2) points over the square at which ``boundary_svg`` wants the output."""
    g = np.linspace(lim[0], lim[1], resolution)
    gx, gy = np.meshgrid(g, g)
    return np.column_stack([gx.ravel(), gy.ravel()])



# ----- notebook figure helpers -----
# Figures of several panels that the notebooks draw, kept here so that a notebook cell reads as one idea.
# They draw numbers the notebook computed; none computes a number of its own. Sizes: FIGURE_WIDTH wide
# (the notebook's column at 1000 x 800 beside the file browser, at the inline backend's 100 dpi), so that
# JupyterLab shows them at their own size: no text below 9 pt (12.5 px).
#: The width of a notebook figure, in inches: COLUMN_WIDTH pixels at the inline backend's 100 dpi.
FIGURE_WIDTH = COLUMN_WIDTH / 100
NOTEBOOK_FONT = 10
NOTEBOOK_SMALL_FONT = 9


def _notebook_fonts(fig) -> None:
    """Titles, labels and ticks of every axes at readable sizes."""
    for ax in fig.axes:
        ax.title.set_fontsize(NOTEBOOK_FONT + 1)
        ax.xaxis.label.set_fontsize(NOTEBOOK_FONT)
        ax.yaxis.label.set_fontsize(NOTEBOOK_FONT)
        ax.tick_params(labelsize=NOTEBOOK_SMALL_FONT)
        legend = ax.get_legend()
        if legend is not None:
            for t in legend.get_texts():
                t.set_fontsize(NOTEBOOK_SMALL_FONT)


def _pyplot_figure(nrows: int, ncols: int, figsize, **kwargs):
    import matplotlib.pyplot as plt

    return plt.subplots(nrows, ncols, figsize=figsize, layout="constrained", **kwargs)


def plot_activation_grid(names, zlim=(-6.0, 6.0), ncols: int = 2):
    """f(z) and f'(z) of each activation in ``names``, one panel each, with one shared legend.

    Grey bands: where f'(z) is below 10 % of its peak (saturated tails, or ReLU's dead side).
    Returns the figure.
    """
    nrows = -(-(len(names) + 1) // ncols)
    fig, axes = _pyplot_figure(nrows, ncols, figsize=(FIGURE_WIDTH, 2.6 * nrows))
    axes = np.atleast_1d(axes).ravel()
    for ax, name in zip(axes, names):
        plot_activation(ax, name, zlim=zlim)
        ax.get_legend().remove()
        ax.set_title(get_activation(name).name)
        ax.set_xlabel("z")
        ax.set_ylabel("")
    key = axes[len(names)]
    key.axis("off")
    key.legend(handles=[Line2D([], [], color=OKABE_ITO["blue"], lw=2, label="f(z)"),
                        Line2D([], [], color=OKABE_ITO["vermilion"], lw=2, ls="--", label="f'(z)"),
                        Patch(facecolor=SLOW, label="f'(z) below 10 %\nof its peak")],
               loc="center", fontsize=NOTEBOOK_FONT, frameon=False)
    for ax in axes[len(names) + 1:]:
        ax.axis("off")
    fig.suptitle("Activation functions f(z) and their derivatives f'(z)", fontsize=NOTEBOOK_FONT + 2)
    _notebook_fonts(fig)
    return fig


_RUN_COLOURS = [OKABE_ITO["blue"], OKABE_ITO["green"], OKABE_ITO["vermilion"], OKABE_ITO["purple"],
                TARGET, OKABE_ITO["sky_blue"]]
_RUN_STYLES = ["-", "--", "-.", ":", "-", "--"]


def plot_descent_paths(costs: dict, paths: dict, landscape, best, title: str = "Gradient descent on one neuron"):
    """Left: each run's cost per epoch (log scale). Right: its path over the cost's contour lines.

    ``costs[label]``: cost after 0, 1, ... epochs; ``paths[label]``: (epochs + 1, 2) array of (w, b);
    ``landscape = (ws, bs, J)``: a grid and the cost on it; ``best = (w, b)``, marked with a star.
    """
    fig, (ax1, ax2) = _pyplot_figure(1, 2, figsize=(FIGURE_WIDTH, 3.3))
    ws, bs, J = landscape
    for (label, c), colour, style in zip(costs.items(), _RUN_COLOURS, _RUN_STYLES):
        ax1.plot(c, style, marker="o", ms=3, color=colour, label=label)
    ax1.set_yscale("log")
    ax1.set_title("Cost per epoch")
    ax1.set_xlabel("epoch")
    ax1.set_ylabel("cost J (log scale)")
    ax1.legend(loc="upper left")
    ax2.contour(ws, bs, J, levels=np.geomspace(J.min() + 1e-3, J.max(), 12), colors=CONTOUR, linewidths=0.8)
    for (label, p), colour, style in zip(paths.items(), _RUN_COLOURS, _RUN_STYLES):
        ax2.plot(p[:, 0], p[:, 1], style, marker="o", ms=3, color=colour)
    ax2.plot([best[0]], [best[1]], "*", ms=14, color="black", label="best line")
    ax2.set_xlim(ws.min(), ws.max())
    ax2.set_ylim(bs.min(), bs.max())
    ax2.set_title("Paths of (w, b)")
    ax2.set_xlabel("weight w")
    ax2.set_ylabel("bias b")
    ax2.legend(loc="lower right")
    fig.suptitle(title, fontsize=NOTEBOOK_FONT + 2)
    _notebook_fonts(fig)
    return fig


def plot_schedules(epochs, rates: dict, costs: dict, best_cost: float):
    """Left: learning-rate schedules (``rates[label]`` per epoch). Right: each run's cost above ``best_cost``."""
    fig, (ax1, ax2) = _pyplot_figure(1, 2, figsize=(FIGURE_WIDTH, 3.2))
    # The schedules keep the colours of their runs on the right, where the first run is the constant rate.
    for (label, r), colour, style in zip(rates.items(), _RUN_COLOURS[1:], _RUN_STYLES[1:]):
        ax1.step(epochs, r, where="post", ls=style, lw=2, color=colour, label=label)
    ax1.set_ylim(0, 1.3 * max(float(np.max(r)) for r in rates.values()))
    ax1.set_title("Learning-rate schedules")
    ax1.set_xlabel("epoch")
    ax1.set_ylabel("learning rate")
    ax1.legend(loc="upper right")
    for (label, c), colour, style in zip(costs.items(), _RUN_COLOURS, _RUN_STYLES):
        ax2.plot(epochs, np.asarray(c) - best_cost, style, lw=2, color=colour, label=label)
    ax2.set_yscale("log")
    ax2.set_title("SGD: cost above the best")
    ax2.set_xlabel("epoch")
    ax2.set_ylabel("J − J(best line), log scale")
    ax2.legend()
    _notebook_fonts(fig)
    return fig


def plot_curves(curves: dict, title: str, xlabel: str, ylabel: str, x=None, log: bool = False, ylim=None,
                marks: dict | None = None, figsize=(FIGURE_WIDTH, 3.2)):
    """One line per entry of ``curves`` ({label: values}), over ``x`` (by default 0, 1, 2, ...), with a legend.

    ``log``: a log scale for y; ``ylim``: (bottom, top); ``marks``: optional {label: y}
    horizontal reference lines (e.g. a target cost).
    """
    fig, ax = _pyplot_figure(1, 1, figsize=figsize)
    draw = ax.semilogy if log else ax.plot
    for (label, c), colour, style in zip(curves.items(), _RUN_COLOURS, _RUN_STYLES):
        c = np.asarray(c, dtype=float)
        draw(np.arange(len(c)) if x is None else np.asarray(x, dtype=float), c, style, color=colour, lw=2, label=label)
    for label, level in (marks or {}).items():
        ax.axhline(level, color="grey", lw=0.8, label=label)
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, alpha=0.3)
    ax.legend()
    _notebook_fonts(fig)
    return fig


def plot_cost_curves(curves: dict, title: str, ylabel: str = "cost J (log scale)", xlabel: str = "epoch",
                     marks: dict | None = None, figsize=(FIGURE_WIDTH, 3.2)):
    """One line per run (``curves[label]``: cost after 0, 1, ... epochs), on a log scale.

    ``marks``: optional {label: y} horizontal reference lines (e.g. a target cost).
    """
    return plot_curves(curves, title, xlabel, ylabel, log=True, marks=marks, figsize=figsize)


def plot_bars(panels: dict, categories, figsize=(FIGURE_WIDTH, 3)):
    """Bar charts side by side, one per entry of ``panels`` ({title: (values, y label, y limits or None)}),
    each over the same ``categories``; a line marks zero."""
    fig, axes = _pyplot_figure(1, len(panels), figsize=figsize, squeeze=False)
    for ax, (title, (values, ylabel, ylim)), colour in zip(axes[0], panels.items(), _RUN_COLOURS):
        ax.bar(list(categories), np.asarray(values, dtype=float).ravel(), color=colour)
        ax.axhline(0, color="black", lw=0.6)
        if ylim is not None:
            ax.set_ylim(*ylim)
        ax.set_title(title)
        ax.set_ylabel(ylabel)
    _notebook_fonts(fig)
    return fig


def plot_boundary_grid(nets: dict, X, y, title: str, ncols: int = 2):
    """The output of each network in ``nets`` ({panel title: network}) over the XOR square, in a grid.

    One legend and one colour bar (output 0..1) for all panels.
    """
    nrows = -(-len(nets) // ncols)
    fig, axes = _pyplot_figure(nrows, ncols, figsize=(FIGURE_WIDTH, 2.9 * nrows + 0.5))
    panels = list(np.atleast_1d(axes).ravel())
    for ax, (panel_title, net) in zip(panels, nets.items()):
        plot_decision_boundary(ax, net, X, y, title=panel_title)
        ax.get_legend().remove()
    for a in [a for a in fig.axes if a not in panels]:   # one colour bar per panel: keep a single shared one
        a.remove()
    for ax in panels[len(nets):]:
        ax.axis("off")
    bar = fig.colorbar(panels[0].images[0], ax=panels, shrink=0.7)
    bar.set_label("network output (clipped to 0..1)", fontsize=NOTEBOOK_FONT)
    bar.ax.tick_params(labelsize=NOTEBOOK_SMALL_FONT)
    handles = [*panels[0].get_legend_handles_labels()[0],
               Line2D([], [], color="black", ls="--", label="output = 0.5")]
    fig.legend(handles=handles, loc="outside lower center", ncol=3, fontsize=NOTEBOOK_FONT, frameon=False)
    fig.suptitle(title, fontsize=NOTEBOOK_FONT + 2)
    for ax in panels:
        ax.title.set_fontsize(NOTEBOOK_FONT + 1)
        ax.xaxis.label.set_fontsize(NOTEBOOK_FONT)
        ax.yaxis.label.set_fontsize(NOTEBOOK_FONT)
        ax.tick_params(labelsize=NOTEBOOK_SMALL_FONT)
    return fig


def plot_optimizer_paths(paths: dict, f_values: dict, landscape, minimum=(0.0, 0.0)):
    """Left: each optimizer's path (``paths[label]``: (steps + 1, 2)) over the contour lines of
    ``landscape = (g1, g2, F)``. Right: f along each path (``f_values[label]``), log scale."""
    fig, (ax, ax2) = _pyplot_figure(1, 2, figsize=(FIGURE_WIDTH, 3.3))
    g1, g2, F = landscape
    ax.contour(g1, g2, F, levels=np.geomspace(max(float(F.min()), 1e-3) + 0.05, float(F.max()), 12),
               colors="grey", linewidths=0.6)
    for (label, p), colour, style in zip(paths.items(), _RUN_COLOURS, _RUN_STYLES):
        ax.plot(p[:, 0], p[:, 1], style, color=colour, marker="o", markersize=2.5, label=label)
    for (label, f), colour, style in zip(f_values.items(), _RUN_COLOURS, _RUN_STYLES):
        ax2.semilogy(f, style, color=colour, lw=2, label=label)
    ax.plot(*minimum, "k*", markersize=12)
    ax.set_title("Paths to the minimum (star)")
    ax.set_xlabel("w1 (gentle direction)")
    ax.set_ylabel("w2 (steep direction)")
    ax2.set_title("f(w) along the way")
    ax2.set_xlabel("step")
    ax2.set_ylabel("f(w) (log scale)")
    for a in (ax, ax2):
        a.grid(True, alpha=0.3)
    fig.legend(handles=ax.get_legend_handles_labels()[0], loc="outside lower center", ncol=3,
               fontsize=NOTEBOOK_SMALL_FONT, frameon=False)
    _notebook_fonts(fig)
    return fig


def plot_per_layer(panels: dict, xlabel: str, ylabel: str, title: str, xticks=None, sharey: bool = True):
    """One panel per key of ``panels``; in each, one line per ``panels[key][label]`` (a value per layer,
    layer 1 first), log scale. ``xticks``: optional labels for the layers."""
    from matplotlib.ticker import MaxNLocator

    n = len(panels)
    fig, axes = _pyplot_figure(1, n, figsize=(FIGURE_WIDTH, 3.2), sharey=sharey)
    axes = np.atleast_1d(axes)
    for ax, (panel, lines) in zip(axes, panels.items()):
        for (label, values), colour, style in zip(lines.items(), _RUN_COLOURS, _RUN_STYLES):
            layers = np.arange(1, len(values) + 1)
            ax.semilogy(layers, values, style, color=colour, marker="o", markersize=3, label=label)
        if xticks is not None:
            ax.set_xticks(np.arange(1, len(xticks) + 1), xticks)
        else:
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(panel)
        ax.grid(True, alpha=0.3)
        ax.legend()
    axes[0].set_ylabel(ylabel)
    if not sharey:
        for ax in axes[1:]:
            ax.set_ylabel(ylabel)
    fig.suptitle(title, fontsize=NOTEBOOK_FONT + 2)
    _notebook_fonts(fig)
    fig.supxlabel(xlabel, fontsize=NOTEBOOK_FONT)  # once under the panels: side by side they share it
    return fig


# ----- images: the handwritten digits -----------------------------------------------------------
def plot_digits(images, title: str, labels=None, predicted=None, cols: int = 10, pixel_max: float = 16):
    """8x8 images in a grid, ink dark on white; above each its digit (``labels``), and with
    ``predicted`` "true → predicted"."""
    images = np.asarray(images)
    rows = -(-len(images) // cols)
    fig, axes = _pyplot_figure(rows, cols, figsize=(0.56 * cols, 0.75 * rows + 0.5), squeeze=False)
    for k, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if k >= len(images):
            continue
        ax.imshow(images[k].reshape(8, 8), cmap="gray_r", vmin=0, vmax=pixel_max)
        if labels is not None:
            text = str(labels[k]) if predicted is None else f"{labels[k]} → {predicted[k]}"
            ax.set_title(text, fontsize=NOTEBOOK_SMALL_FONT, pad=2)
    fig.suptitle(title, fontsize=NOTEBOOK_FONT + 1)
    return fig


def plot_confusion(counts, title: str):
    """A confusion matrix: rows the true digit, columns the predicted one, each count written in its square."""
    counts = np.asarray(counts)
    n = len(counts)
    fig, ax = _pyplot_figure(1, 1, figsize=(5.2, 4.6))
    ax.imshow(np.log1p(counts), cmap="Blues")
    for i in range(n):
        for j in range(n):
            if counts[i, j]:
                ax.text(j, i, str(counts[i, j]), ha="center", va="center", fontsize=NOTEBOOK_SMALL_FONT,
                        color="white" if i == j else "black")
    ax.set_xticks(range(n))
    ax.set_yticks(range(n))
    ax.set_xlabel("predicted digit")
    ax.set_ylabel("true digit")
    ax.set_title(title)
    _notebook_fonts(fig)
    return fig
