"""Plots: the network diagram, activation curves, loss curves and decision boundaries.

Every function takes an ``ax`` (a new figure is made if it is None) and returns an
object holding the artists it drew, with an ``update(...)`` method that changes them
in place (``set_text``, ``set_color``, ``set_data``) instead of drawing again. The
library never calls ``plt.show()``; end a notebook cell with ``plt.show()`` or ``;``.

Colours are the Okabe–Ito palette, which stays distinct under the common forms of
colour blindness, and nothing is shown by colour alone: an increase is blue *and*
marked ▲, a decrease vermilion *and* marked ▼.

The plots read numbers, they never compute them: values come from a ``State`` of a
``bpnet.trace_step`` trace, a ``Network``, or ``bpnet.stepper``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import matplotlib
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, FancyBboxPatch, Patch
from matplotlib.text import Text

from .activations import get_activation
from .network import Network
from .stepper import activation_reading, saturation_ranges
from .trace import MicroStep, State, fmt

__all__ = [
    "OKABE_ITO", "UP", "DOWN", "HIGHLIGHT",
    "NetworkDiagram", "draw_network", "diagram_figsize",
    "ActivationPlot", "plot_activation",
    "LossPlot", "plot_loss",
    "BoundaryPlot", "plot_decision_boundary",
    "new_axes",
]

#: Okabe & Ito (2008), "Color Universal Design".
OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "sky_blue": "#56B4E9", "green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermilion": "#D55E00", "purple": "#CC79A7",
}
UP = OKABE_ITO["blue"]          # a weight that grew, with ▲
DOWN = OKABE_ITO["vermilion"]   # a weight that shrank, with ▼
HIGHLIGHT = OKABE_ITO["yellow"]  # fill behind the element of the current step
LINK = "#B0B0B0"
BIAS_FILL = "#D9D9D9"


def new_axes(ax: Axes | None = None, figsize=(6.4, 4.0)) -> Axes:
    """``ax`` itself, or the axes of a new pyplot figure (shown by the notebook's plt.show())."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize)
    return ax


# ----- the network diagram ------------------------------------------------------------
def _finite(x) -> bool:
    return x is not None and math.isfinite(x)


def _short(x: float, digits: int) -> str:
    """fmt with fewer significant digits, for crowded diagrams (the tables keep all six)."""
    if digits >= 6:
        return fmt(x)
    s = format(float(x), f".{digits}g")
    return "0" if s == "-0" else s


def _arrow(old: float, new: float, digits: int = 6) -> tuple[str, str]:
    """Text and colour of a weight that went from old to new."""
    if new > old:
        return f"{_short(old, digits)} → {_short(new, digits)} ▲", UP
    if new < old:
        return f"{_short(old, digits)} → {_short(new, digits)} ▼", DOWN
    return f"{_short(new, digits)} (=)", OKABE_ITO["black"]


@dataclass
class NetworkDiagram:
    """The artists of a drawn network, by name, and how to update them in place.

    ``units[name]``: the patch of a unit (a circle; a grey square for a bias unit)
    ``unit_labels[name]``: its name;  ``unit_values[name]``: its numbers (z, a, δ)
    ``links[weight]``: the line of a weight;  ``weight_labels[weight]``: its value text
    ``title``: the title text;  ``highlighted``: name of the highlighted unit or weight.
    """

    ax: Axes
    net: Network
    units: dict[str, Patch] = field(default_factory=dict)
    unit_labels: dict[str, Text] = field(default_factory=dict)
    unit_values: dict[str, Text] = field(default_factory=dict)
    links: dict[str, Line2D] = field(default_factory=dict)
    weight_labels: dict[str, Text] = field(default_factory=dict)
    title: Text | None = None
    highlighted: str | None = None
    before: list = field(default_factory=list)
    show_weights: str = "all"
    digits: int = 6
    _unit_where: dict = field(default_factory=dict, repr=False)
    _restore: tuple | None = field(default=None, repr=False)

    @property
    def figure(self):
        return self.ax.figure

    @property
    def artists(self) -> list:
        return [*self.units.values(), *self.unit_labels.values(), *self.unit_values.values(),
                *self.links.values(), *self.weight_labels.values()]

    def weight_texts(self) -> dict[str, str]:
        """The text shown on each weight label (what a screen reader would need)."""
        return {k: t.get_text() for k, t in self.weight_labels.items()}

    def update(self, state: State | Network | None = None, highlight: str | MicroStep | None = None,
               sample: int | None = None, updated=None, title: str | None = None) -> list:
        """Show ``state`` (a trace State or a Network) and highlight one element, in place.

        ``highlight``: a unit name (Z1), a weight name (X0->Z1), or a MicroStep (its unit or
        weight; a loss step highlights the output units). ``sample``: whose values the
        units show (default: the highlighted step's sample, else 0). ``updated``: weight
        names already updated, so an unchanged one reads "1 (=)" rather than plain "1".
        Returns the artists that were changed.
        """
        changed = []
        if isinstance(highlight, MicroStep):
            if sample is None and highlight.sample is not None:
                sample = highlight.sample
            highlight = self._target(highlight)
        s = 0 if sample is None else int(sample)
        updated = set(updated or ())
        if self.highlighted is not None:  # first, so the new state's colours win
            changed += self._set_highlight(self.highlighted, False)
        if state is not None:
            W = state.W if isinstance(state, Network) else state.weights
            for name, text in self.weight_labels.items():
                l, i, j = self.net.weight_index(name)
                old, new = float(self.before[l][i, j]), float(W[l][i, j])
                if new != old or name in updated:
                    label, colour = _arrow(old, new, self.digits)
                    width = 2.2
                else:
                    label, colour, width = _short(new, self.digits), OKABE_ITO["black"], 1.0
                text.set_text(label)
                text.set_color(colour)
                line = self.links[name]
                line.set_color(LINK if colour == OKABE_ITO["black"] else colour)
                line.set_linewidth(width)
                visible = self.show_weights == "all" or (self.show_weights == "changed" and name in updated)
                text.set_visible(visible)
                changed += [text, line]
            if isinstance(state, State):
                for name, text in self.unit_values.items():
                    text.set_text(self._unit_text(state, name, s))
                    changed.append(text)
        self.highlighted = highlight
        if highlight is not None:
            changed += self._set_highlight(highlight, True)
        if title is not None and self.title is not None:
            self.title.set_text(title)
            changed.append(self.title)
        return changed

    def _target(self, step: MicroStep) -> str | None:
        if step.kind in ("gradient", "update"):
            return step.name
        if step.kind == "loss":
            return ",".join(self.net.unit_names(self.net.n_layers))
        name = step.name[2:-1] if step.name.startswith("z(") else step.name
        return name if name in self.units else None

    def _set_highlight(self, name: str, on: bool) -> list:
        out = []
        for part in name.split(","):
            if part in self.links:
                line, text = self.links[part], self.weight_labels[part]
                if on:
                    # Remember the change colour: the highlight paints the line black and the
                    # label black on yellow (coloured text on yellow is hard to read).
                    self._restore = (line.get_color(), line.get_linewidth(), text.get_color())
                    line.set_linewidth(4.0)
                    line.set_color(OKABE_ITO["black"])
                    line.set_zorder(2.5)
                    text.set_color(OKABE_ITO["black"])
                    text.set_visible(True)
                else:
                    colour, width, text_colour = self._restore or (LINK, 1.0, OKABE_ITO["black"])
                    line.set_zorder(1)
                    line.set_color(colour)
                    line.set_linewidth(width)
                    text.set_color(text_colour)
                    text.set_visible(self.show_weights == "all" or "→" in text.get_text())
                text.get_bbox_patch().set_facecolor(HIGHLIGHT if on else "white")
                text.get_bbox_patch().set_edgecolor(OKABE_ITO["black"] if on else "none")
                out += [line, text]
            elif part in self.units:
                patch = self.units[part]
                if on:
                    patch.set_facecolor(HIGHLIGHT)
                    patch.set_linewidth(3.0)
                else:
                    patch.set_facecolor(BIAS_FILL if self._unit_where[part][2] else "white")
                    patch.set_linewidth(1.2)
                out.append(patch)
        return out

    def _unit_text(self, state: State, name: str, s: int) -> str:
        layer, k, bias = self._unit_where[name]
        if bias:
            return ""
        if s >= state.a[0].shape[0]:
            s = 0
        f = lambda x: _short(x, self.digits)  # noqa: E731
        if layer == 0:
            return f"a={f(state.a[0][s, k])}"
        a = state.a[layer][s, k]
        z = state.z[layer - 1][s, k]
        d = state.delta[layer - 1][s, k]
        parts = []
        if self.net.acts[layer - 1].name != "identity" and _finite(z):
            parts.append(f"z={f(z)}")
        if _finite(a):
            parts.append(f"a={f(a)}")
        if _finite(d):
            parts.append(f"δ={f(d)}")
        return "\n".join(parts)


def _layout(net: Network):
    """(L, tallest layer, crowded?, layer spacing, unit spacing) for a network's diagram."""
    L = net.n_layers
    tall = max(n + (0 if l == L else 1) for l, n in enumerate(net.sizes))
    small = tall > 4 or L > 2
    # Units with a non-identity activation show z, a and δ: three lines need more room.
    sy = 1.0 if all(a.name == "identity" for a in net.acts) else 1.3
    return L, tall, small, 3.0, sy


def diagram_figsize(net: Network, scale: float = 1.0) -> tuple[float, float]:
    """A figure size (inches) that the diagram of ``net`` fills without empty margins."""
    L, tall, small, dx, sy = _layout(net)
    w = L * dx + 1.2
    h = (tall - 1) * sy + 0.9 * sy + 0.6
    k = scale * (1.0 if small else 1.15)
    return (round(w * k, 2), round(h * k + 0.5, 2))


def draw_network(ax: Axes | None, net_or_state, net: Network | None = None, highlight=None,
                 sample: int | None = None, show_weights: str = "auto", title: str | None = None,
                 fontsize: float | None = None) -> NetworkDiagram:
    """Draw the units in layers (bias units as grey squares marked +1) and every link.

    ``net_or_state``: a Network, or a trace State (then pass ``net`` for the names and
    activations; the State's weights are drawn). ``show_weights``: "all", "changed" or
    "auto" (all up to 30 weights, else only changed and highlighted ones).
    Returns a NetworkDiagram; call its ``update`` to show another state in place.
    """
    if isinstance(net_or_state, Network):
        net, state = net_or_state, None
        before = [w.copy() for w in net.W]
    elif isinstance(net_or_state, State):
        if net is None:
            raise TypeError("draw_network(ax, state) needs net= for the unit names and activations")
        state = net_or_state
        before = [w.copy() for w in net.W]
    else:
        raise TypeError(f"draw_network needs a Network or a State, got {type(net_or_state).__name__}")
    if show_weights == "auto":
        show_weights = "all" if len(net.weight_names()) <= 30 else "changed"
    if show_weights not in ("all", "changed"):
        raise ValueError(f"show_weights must be 'all', 'changed' or 'auto', got {show_weights!r}")
    L, tall, small, dx, sy = _layout(net)
    ax = new_axes(ax, figsize=diagram_figsize(net))
    fs = fontsize or (7.5 if small else 10)
    r = 0.24 if small else 0.28
    d = NetworkDiagram(ax, net, before=before, show_weights=show_weights, digits=3 if small else 6)
    pos: dict[str, tuple[float, float]] = {}
    for l, n in enumerate(net.sizes):
        names = net.unit_names(l)
        top = (len(names) - 1) / 2
        for k, name in enumerate(names):
            x, y = l * dx, (top - k) * sy
            pos[name] = (x, y)
            bias = l < L and k == 0
            if bias:
                patch = FancyBboxPatch((x - r, y - r), 2 * r, 2 * r, boxstyle="square,pad=0",
                                       facecolor=BIAS_FILL, edgecolor="black", linewidth=1.2, zorder=3)
                inside = f"{name}\n+1"
            else:
                patch = Circle((x, y), r, facecolor="white", edgecolor="black", linewidth=1.2, zorder=3)
                inside = name
            ax.add_patch(patch)
            d.units[name] = patch
            d._unit_where[name] = (l, k - (0 if l == L else 1), bias)
            d.unit_labels[name] = ax.text(x, y, inside, ha="center", va="center", fontsize=fs,
                                          fontweight="bold", zorder=4)
            d.unit_values[name] = ax.text(x, y - r - 0.06, "", ha="center", va="top", fontsize=fs - 0.5,
                                          zorder=4, linespacing=1.1)
    for l in range(L):
        n_dst = net.sizes[l + 1]
        for i, src in enumerate(net.unit_names(l)):
            for j in range(n_dst):
                dst = net.dest_name(l, j)
                wname = f"{src}->{dst}"
                (x0, y0), (x1, y1) = pos[src], pos[dst]
                line = Line2D([x0 + r, x1 - r], [y0, y1], color=LINK, linewidth=1.0, zorder=1)
                ax.add_line(line)
                d.links[wname] = line
                # Labels of links into the same unit share a fraction t, so they sit on a
                # vertical line and never overlap each other; different units get different t.
                t = 0.22 + 0.5 * (j + 0.5) / n_dst
                lx, ly = x0 + r + t * (x1 - x0 - 2 * r), y0 + t * (y1 - y0)
                d.weight_labels[wname] = ax.text(
                    lx, ly, fmt(net.W[l][i, j]), ha="center", va="center", fontsize=fs - 1, zorder=5,
                    bbox=dict(boxstyle="round,pad=0.15", facecolor="white", edgecolor="none", alpha=0.9))
    ax.set_xlim(-0.6, L * dx + 0.6)
    ax.set_ylim(-(tall - 1) / 2 * sy - 0.9 * sy, (tall - 1) / 2 * sy + 0.6)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.legend(handles=[Line2D([], [], color=UP, lw=2.2, label="weight grew ▲"),
                       Line2D([], [], color=DOWN, lw=2.2, label="weight shrank ▼"),
                       Patch(facecolor=BIAS_FILL, edgecolor="black", label="bias unit (+1)"),
                       Patch(facecolor=HIGHLIGHT, edgecolor="black", label="current step")],
              loc="lower center", bbox_to_anchor=(0.5, -0.08), ncol=4, fontsize=fs - 1, frameon=False)
    d.title = ax.set_title(title or "", fontsize=fs + 1)
    d.update(state if state is not None else net, highlight=highlight, sample=sample)
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
        self.spans = [self.ax.axvspan(a, b, facecolor="#E4E4E4", zorder=0, linewidth=0)
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
    ax.axhline(0.0, color="#888888", lw=0.6)
    ax.set_xlabel("z (pre-activation)")
    ax.set_ylabel("f(z), f'(z)")
    ax.set_xlim(*zlim)
    ax.set_title(f"{act.name}: f(z) and f'(z)")
    note = ax.text(0.02, 0.97, "", transform=ax.transAxes, va="top", fontsize=9,
                   bbox=dict(facecolor="white", edgecolor="none", alpha=0.85))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=3, fontsize=8, frameon=False, handles=[
        f_line, df_line, Patch(facecolor="#E4E4E4", label="f'(z) < 10% of its peak")])
    p = ActivationPlot(ax, act.name, f_line, df_line, z_line, f_point, df_point, note)
    p._draw_spans()
    p._rescale()
    p.update(z=z)
    return p


# ----- training curves ----------------------------------------------------------------
@dataclass
class LossPlot:
    ax: Axes
    line: Line2D
    point: Line2D
    text: Text
    unit: str = "step"

    @property
    def figure(self):
        return self.ax.figure

    def update(self, history) -> list:
        """Show ``history`` (cost after 0, 1, 2, ... steps), rescaling the axes."""
        h = np.asarray(history, dtype=float)
        x = np.arange(len(h))
        self.line.set_data(x, h)
        if len(h):
            self.point.set_data([x[-1]], [h[-1]])
            self.text.set_text(f"{self.unit} {len(h) - 1}: cost {fmt(h[-1])}")
            finite = h[np.isfinite(h)]
            if finite.size:
                lo, hi = float(finite.min()), float(finite.max())
                pad = 0.05 * (hi - lo or abs(hi) or 1.0)
                bottom = lo - pad if self.ax.get_yscale() == "linear" else lo / 1.2
                self.ax.set_ylim(bottom, hi + pad if self.ax.get_yscale() == "linear" else hi * 1.2)
            self.ax.set_xlim(0, max(1, len(h) - 1))
        return [self.line, self.point, self.text]


def plot_loss(ax: Axes | None, history, xlabel: str = "epoch", ylabel: str = "cost J (mean loss)",
              title: str = "Training cost", log: bool = False) -> LossPlot:
    """The cost after each epoch (or update) of training."""
    ax = new_axes(ax, figsize=(5, 3.2))
    line, = ax.plot([], [], color=OKABE_ITO["blue"], lw=2, label="cost")
    point, = ax.plot([], [], "o", color=OKABE_ITO["vermilion"], ms=6)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    text = ax.text(0.98, 0.95, "", transform=ax.transAxes, ha="right", va="top", fontsize=9)
    p = LossPlot(ax, line, point, text, unit=xlabel)
    p.update(history)
    return p


@dataclass
class BoundaryPlot:
    ax: Axes
    image: matplotlib.image.AxesImage
    grid: np.ndarray
    shape: tuple
    contour: object = None
    level: float = 0.5

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
        if np.nanmin(values) < self.level < np.nanmax(values):
            x = self.grid[:, 0].reshape(self.shape)[0]
            y = self.grid[:, 1].reshape(self.shape)[:, 0]
            self.contour = self.ax.contour(x, y, values, levels=[self.level], colors="black",
                                           linewidths=1.5, linestyles="--")
        return [self.image] + ([self.contour] if self.contour is not None else [])


def plot_decision_boundary(ax: Axes | None, net, X, y, lim=(-0.25, 1.25), resolution: int = 81,
                           title: str = "Network output over the XOR square") -> BoundaryPlot:
    """The output of a 2-input network over a square, the 0.5 contour, and the samples.

    Samples with target 1 are triangles, target 0 circles (shape, not only colour).
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float).reshape(len(X), -1)[:, 0]
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"a decision boundary needs 2 inputs per sample; X has shape {X.shape}")
    ax = new_axes(ax, figsize=(4.2, 3.6))
    g = np.linspace(lim[0], lim[1], resolution)
    gx, gy = np.meshgrid(g, g)
    grid = np.column_stack([gx.ravel(), gy.ravel()])
    image = ax.imshow(np.zeros(gx.shape), origin="lower", extent=(lim[0], lim[1], lim[0], lim[1]),
                      cmap="cividis", vmin=0.0, vmax=1.0, interpolation="bilinear", aspect="equal")
    ax.figure.colorbar(image, ax=ax, label="network output (clipped to 0..1)", fraction=0.046, pad=0.04)
    for target, marker, colour, label in ((0, "o", "white", "target 0"), (1, "^", OKABE_ITO["orange"], "target 1")):
        sel = y == target
        ax.scatter(X[sel, 0], X[sel, 1], marker=marker, s=90, c=colour, edgecolors="black", zorder=3,
                   label=label)
    ax.set_xlabel("X1")
    ax.set_ylabel("X2")
    ax.set_title(title)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=3, fontsize=8, frameon=False,
              handles=[*ax.get_legend_handles_labels()[0],
                       Line2D([], [], color="black", ls="--", label="output = 0.5")])
    p = BoundaryPlot(ax, image, grid, gx.shape)
    p.update(net)
    return p


# ----- notebook figure helpers -----
# Figures of several panels that the notebooks draw, kept here so that a notebook cell reads as one idea.
# They draw numbers the notebook computed; none computes a number of its own. Sizes: at most 8 inches
# wide (800 px at the inline backend's 100 dpi, about a notebook's width) and no text below 9 pt (12.5 px).
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


def plot_activation_grid(names, zlim=(-6.0, 6.0), ncols: int = 3):
    """f(z) and f'(z) of each activation in ``names``, one panel each, with one shared legend.

    Grey bands: where f'(z) is below 10 % of its peak (saturated tails, or ReLU's dead side).
    Returns the figure.
    """
    nrows = -(-(len(names) + 1) // ncols)
    fig, axes = _pyplot_figure(nrows, ncols, figsize=(8, 2.8 * nrows))
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
                        Patch(facecolor="#E4E4E4", label="f'(z) below 10 %\nof its peak")],
               loc="center", fontsize=NOTEBOOK_FONT, frameon=False)
    for ax in axes[len(names) + 1:]:
        ax.axis("off")
    fig.suptitle("Activation functions f(z) and their derivatives f'(z)", fontsize=NOTEBOOK_FONT + 2)
    _notebook_fonts(fig)
    return fig


_RUN_COLOURS = [OKABE_ITO["blue"], OKABE_ITO["green"], OKABE_ITO["vermilion"], OKABE_ITO["purple"],
                OKABE_ITO["orange"], OKABE_ITO["sky_blue"]]
_RUN_STYLES = ["-", "--", "-.", ":", "-", "--"]


def plot_descent_paths(costs: dict, paths: dict, landscape, best, title: str = "Gradient descent on one neuron"):
    """Left: each run's cost per epoch (log scale). Right: its path over the cost's contour lines.

    ``costs[label]``: cost after 0, 1, ... epochs; ``paths[label]``: (epochs + 1, 2) array of (w, b);
    ``landscape = (ws, bs, J)``: a grid and the cost on it; ``best = (w, b)``, marked with a star.
    """
    fig, (ax1, ax2) = _pyplot_figure(1, 2, figsize=(8, 3.6))
    ws, bs, J = landscape
    for (label, c), colour, style in zip(costs.items(), _RUN_COLOURS, _RUN_STYLES):
        ax1.plot(c, style, marker="o", ms=3, color=colour, label=label)
    ax1.set_yscale("log")
    ax1.set_title("Cost per epoch")
    ax1.set_xlabel("epoch")
    ax1.set_ylabel("cost J (log scale)")
    ax1.legend(loc="upper left")
    ax2.contour(ws, bs, J, levels=np.geomspace(J.min() + 1e-3, J.max(), 12), colors="#999999", linewidths=0.8)
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
    fig, (ax1, ax2) = _pyplot_figure(1, 2, figsize=(8, 3.4))
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
