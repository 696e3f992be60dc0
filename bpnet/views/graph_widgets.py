"""Step through the forward and backward pass of a computation graph in a notebook.

``GraphStepThrough(L)`` (L a ``bpnet.explain.autograd.Value``, or a ``GraphTrace``) shows the graph
drawn by ``bpnet.views.graph_plots``, the current micro-step as a formula with its numbers,
and a table of every node; the buttons move a ``bpnet.views.stepper.GraphStepper``. Every
number comes from the recorded trace: this module only shows it.

CSS classes that browser tests rely on: bp-graph (the whole widget), bp-graph-start,
bp-graph-back, bp-graph-forward, bp-graph-end, bp-graph-next-phase, bp-graph-slider,
bp-graph-label, bp-graph-formula, bp-graph-nodes, bp-graph-diagram.
"""

from __future__ import annotations

import html
import io
import threading

import ipywidgets as W
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..explain.autograd import GraphTrace, Value, trace_function
from .stepper import GraphStepper
from .graph_plots import columns_that_fit, draw_graph, graph_figsize
from .plots import COLUMN_WIDTH
from ..core.notation import PHASE_TITLES, fmt, fmt_or_dash, palette_css, paren
from .widgets import Player, Playing  # the step-through's clock and its play/pause: skip steps, never queue

__all__ = ["GraphStepThrough", "Frames", "MeasuredFigure", "cost_ratio_view"]

_KINDS = {
    "forward": "the value of node {}",
    "seed": "where the backward pass starts: the gradient of {}",
    "local": "the local derivative of edge {}",
    "chain": "upstream gradient × local derivative along edge {}",
    "sum": "a fork: {} feeds several nodes, so its gradient is the sum of its branches'",
    "update": "the new value of {}",
}

# The picture shrinks to the notebook's width, but not below this fraction of its drawn size:
# smaller, its 9-point text would be too small to read, so a wider graph scrolls instead.
_MIN_SCALE = 0.85

_PLAY_TIP = "Play the steps one after another; press again to pause"
_PAUSE_TIP = "Pause on the step shown (play continues from here)"

_CSS = "<style>\n" + palette_css() + """
.bp-graph-nodes table { border-collapse: collapse; font-family: var(--jp-code-font-family, monospace); font-size: 12px; }
.bp-graph-nodes caption { text-align: left; font-weight: bold; padding-bottom: 2px; white-space: nowrap; }
.bp-graph-nodes th, .bp-graph-nodes td { padding: 1px 8px; text-align: right; border-bottom: 1px solid var(--bp-table-rule); white-space: nowrap; }
.bp-graph-nodes th { text-align: left; }
.bp-graph-nodes tr[aria-current="true"] { background: var(--bp-highlight); font-weight: bold; }
.bp-graph-formula code { font-size: 13px; white-space: pre-wrap; word-break: keep-all; overflow-wrap: normal; }
.bp-graph-buttons { flex-wrap: wrap; }
.bp-graph { max-width: 100%; min-width: 0; }
.bp-graph-diagram-box { min-width: 0; }
.bp-graph-diagram-box img { object-fit: contain; }
</style>"""


def _button(text: str, css: str, tooltip: str, icon: str) -> W.Button:
    b = W.Button(description=text, tooltip=tooltip, icon=icon, layout=W.Layout(width="auto"))
    b.add_class(css)
    return b


def _png(fig: Figure) -> bytes:
    # Light compression: encoding is a large part of a click, and the image never leaves this machine.
    buf = io.BytesIO()
    fig.canvas.print_png(buf, pil_kwargs={"compress_level": 1})
    return buf.getvalue()


class Frames:
    """Renders a ``GraphDrawing``'s figure after each step, redrawing only what changed.

    A step changes a few boxes, labels and the title; redrawing only the rectangles they
    cover (painted white, then every artist that touches them drawn again, clipped to them,
    in the figure's drawing order) gives the same pixels as drawing everything, at a
    fraction of the cost. The PNG is encoded straight from the canvas buffer.
    """

    PAD = 3  # pixels around a changed artist: antialiasing and the thick highlight border
    REACH = 12  # how far past its extent an artist may paint (arrow heads, line joins)

    def __init__(self, fig: Figure, drawing):
        self.fig, self.drawing = fig, drawing
        d = drawing
        # The axes draws its children by zorder, keeping the order they were added within one zorder.
        order = {id(a): k for k, a in enumerate(d.ax.get_children())}
        self.artists = sorted(d.arrows + d.boxes + d.texts + d.labels,
                              key=lambda a: (a.get_zorder(), order.get(id(a), 0))) + [d.title]
        self.extents: dict[int, object] | None = None

    #: (top, bottom) pixel rows of the figure the PNG shows (None: all of it).
    rows: tuple[int, int] | None = None

    def full(self) -> bytes:
        """Draw the whole figure; its PNG."""
        self.fig.canvas.draw()
        self._measure(self.artists)
        return self._encode()

    def _measure(self, artists) -> None:
        renderer = self.fig.canvas.get_renderer()
        if self.extents is None:
            self.extents = {}
        for a in artists:
            self.extents[id(a)] = a.get_window_extent(renderer)

    def update(self, changed) -> bytes:
        """Redraw only the ``changed`` artists (the whole figure before the first call); its PNG."""
        if self.extents is None or len(changed) > len(self.artists) // 3:
            return self.full()
        from matplotlib.patches import Rectangle
        from matplotlib.transforms import Bbox

        canvas = self.fig.canvas
        renderer = canvas.get_renderer()
        width, height = canvas.get_width_height()
        rects = []
        for a in changed:
            new = a.get_window_extent(renderer)
            box = Bbox.union([self.extents[id(a)], new])
            x0, y0 = max(0, int(box.x0) - self.PAD), max(0, int(box.y0) - self.PAD)
            x1, y1 = min(width, int(box.x1) + self.PAD + 1), min(height, int(box.y1) + self.PAD + 1)
            if x1 > x0 and y1 > y0:
                rects.append(Bbox([[x0, y0], [x1, y1]]))
        for rect in rects:
            white = Rectangle((rect.x0, rect.y0), rect.width, rect.height, facecolor="white",
                              edgecolor="none", antialiased=False, transform=None)
            white.set_figure(self.fig)
            white.draw(renderer)
            for a in self.artists:
                if not a.get_visible():
                    continue
                ext = self.extents[id(a)] if a not in changed else a.get_window_extent(renderer)
                if not ext.padded(self.REACH).overlaps(rect):
                    continue
                clip_box, clip_on = a.get_clip_box(), a.get_clip_on()
                a.set_clip_box(rect)
                a.set_clip_on(True)
                a.draw(renderer)
                a.set_clip_box(clip_box)
                a.set_clip_on(clip_on)
        self._measure(changed)
        return self._encode()

    def _encode(self) -> bytes:
        from PIL import Image

        buf = io.BytesIO()
        # Light compression: encoding is a large part of a click, and the image never leaves this machine.
        pixels = np.asarray(self.fig.canvas.buffer_rgba())
        if self.rows is not None:
            pixels = pixels[self.rows[0]:self.rows[1]]
        Image.fromarray(pixels).save(buf, format="png", compress_level=1)
        return buf.getvalue()


class GraphStepThrough(Playing):
    """Step forward and back through every number of a graph's forward and backward pass.

    ``source``: a Value (its ``backward(lr=lr)`` is recorded), a ``GraphTrace``, or a function
    of named inputs given as keywords: ``GraphStepThrough(lambda x, y: (x * y).tanh(), x=0.5, y=2.0)``.
    The slider counts steps from 1, like the label.
    """

    #: The width (CSS pixels) a graph is laid out for: a notebook's column at 1000 px with the file browser open.
    width = COLUMN_WIDTH
    #: Pixels per inch of the picture: 96, a CSS pixel per point at 4/3, so 9-point text shows at 12 px.
    dpi = 96
    #: The tallest picture shown whole (CSS pixels): with the buttons, the slider and the formula above
    #: it, it stays in a laptop's view (800 px). A taller graph (a long chain wrapped into bands) is
    #: shown as the window of this height around the current step, which moves with it.
    max_height = 420

    def __init__(self, source, lr: float | None = None, dpi: float | None = None, index: int = 0,
                 width: int | None = None, **values):
        if isinstance(source, Value):
            source = source.backward(lr=lr)
        elif callable(source) and not isinstance(source, GraphTrace):
            source = trace_function(source, lr=lr, **values)
        if not isinstance(source, GraphTrace):
            raise TypeError(f"GraphStepThrough needs a Value, a GraphTrace or a function of Values, "
                            f"got {type(source).__name__}")
        self.stepper = st = GraphStepper(source, index)
        n = st.n
        self.start_button = _button("start", "bp-graph-start", "first step", "fast-backward")
        self.back_button = _button("back", "bp-graph-back", "previous step", "step-backward")
        self.forward_button = _button("forward", "bp-graph-forward", "next step", "step-forward")
        self.end_button = _button("end", "bp-graph-end", "last step", "fast-forward")
        self.next_phase_button = _button("next phase", "bp-graph-next-phase",
                                         "first step of the next phase (forward → backward → update)", "forward")
        self.play_button = _button("play", "bp-graph-play", _PLAY_TIP, "play")
        self.speed = W.FloatSlider(value=1.5, min=0.5, max=8.0, step=0.5, description="steps/s",
                                   readout_format=".1f", continuous_update=False,
                                   layout=W.Layout(width="auto", flex="0 1 260px"))
        self.speed.add_class("bp-graph-speed")
        self.slider = W.IntSlider(value=st.index + 1, min=1, max=n, description="step",
                                  continuous_update=False, layout=W.Layout(width="auto", flex="1 1 300px"))
        self.slider.add_class("bp-graph-slider")
        self.step_label = W.Label(value=st.label)
        self.step_label.add_class("bp-graph-label")
        self.formula = W.HTML()
        self.formula.add_class("bp-graph-formula")
        self.nodes = W.HTML()
        self.nodes.add_class("bp-graph-nodes")
        dpi = dpi or self.dpi
        # Wide graphs wrap into bands of the columns that fit, so the picture is shown at the size
        # it is drawn (text never shrinks below its 9 points) and every node is in view at once.
        columns = columns_that_fit((width or self.width) / dpi)
        size = graph_figsize(st.graph, columns=columns)
        self._fig = Figure(figsize=size, dpi=dpi)
        FigureCanvasAgg(self._fig)
        ax = self._fig.add_axes((0.01, 0.01, 0.98, 1 - 0.45 / size[1]))
        self.drawing = draw_graph(ax, st.trace, st.index, columns=columns)
        self._renderer = Frames(self._fig, self.drawing)
        self._height = self._fig.canvas.get_width_height()[1]  # the whole picture's pixel rows
        self.diagram_note = W.HTML(layout=W.Layout(display="none"))
        self.diagram_note.add_class("bp-graph-note")
        # Shown at most at the size it is drawn, shrunk (aspect ratio kept) to the width there is,
        # but never below MIN_SCALE of it: a long chain stays legible and scrolls sideways in its box.
        width = int(round(size[0] * dpi))
        self.diagram_image = W.Image(format="png", layout=W.Layout(
            width=f"{width}px", max_width="100%", min_width=f"{int(width * _MIN_SCALE)}px",
            height="auto"))
        self.diagram_image.add_class("bp-graph-diagram")
        # min-width 0: a flex item otherwise grows to its content and the notebook cuts it off
        self.diagram_box = W.Box([self.diagram_image], layout=W.Layout(
            overflow="auto hidden", width="100%", max_width="100%", min_width="0"))
        self.diagram_box.add_class("bp-graph-diagram-box")
        self._syncing = False
        self._shown = None
        self._frames: dict[int, bytes] = {}  # step index -> its picture: going back costs nothing
        # Play runs in a thread that shows the step the clock is on: slow drawing skips steps, never queues them.
        self._lock = threading.RLock()
        self._player = Player(self._play_to, lambda: self.stepper.index, lambda: self.stepper.n - 1,
                               self._lock, done=self._played)
        self.play_button.on_click(lambda _b: self.toggle_play())
        self.speed.observe(self._on_speed, names="value")

        for button, move in ((self.start_button, st.start), (self.back_button, st.back),
                             (self.forward_button, st.forward), (self.end_button, st.end),
                             (self.next_phase_button, st.next_phase)):
            button.on_click(lambda _b, move=move: self._move(move))
        self.slider.observe(self._on_slider, names="value")
        buttons = W.HBox([self.start_button, self.back_button, self.forward_button, self.end_button,
                          self.next_phase_button, self.play_button, self.speed], layout=W.Layout(flex_flow="row wrap"))
        buttons.add_class("bp-graph-buttons")
        self.widget = W.VBox([W.HTML(_CSS), buttons,
                              W.HBox([self.slider, self.step_label], layout=W.Layout(flex_flow="row wrap")),
                              self.formula, self.diagram_box, self.diagram_note, self.nodes])
        self.widget.add_class("bp-graph")
        self._show()

    # ----- handlers: move the stepper, then show ------------------------------------
    def _move(self, move) -> None:
        self.pause()  # a step button takes over from play
        with self._lock:
            move()
            self._show()

    def _on_slider(self, change) -> None:
        if self._syncing:
            return
        with self._lock:
            if change["new"] - 1 != self.stepper.index:
                self.stepper.goto(change["new"] - 1)
                self._show()

    def _play_to(self, i: int) -> None:
        self.stepper.goto(i)
        self._show()

    def _played(self) -> None:
        self._set_play_button(False)

    def _set_play_button(self, playing: bool) -> None:
        text, tip, icon = ("pause", _PAUSE_TIP, "pause") if playing else ("play", _PLAY_TIP, "play")
        b = self.play_button
        if b.description != text:
            b.description, b.tooltip, b.icon = text, tip, icon

    # ----- the view: everything from the stepper's one index --------------------------
    def _show(self) -> None:
        st = self.stepper
        if st.index == self._shown:
            return
        self._shown = st.index
        state, step = st.state, st.current
        self._syncing = True  # the slider follows the stepper, it does not move it
        try:
            self.slider.value = st.index + 1
        finally:
            self._syncing = False
        self.step_label.value = st.label
        self.formula.value = self.formula_html()
        self.nodes.value = self.nodes_html()
        if st.index not in self._frames:
            if len(self._frames) >= 256:
                self._frames.pop(next(iter(self._frames)))
            changed = self.drawing.update(state, step, f"{st.label}:  {step.text}")
            self._renderer.rows = None
            full = self._renderer.update(changed)
            rows = self.window()
            if rows is not None:
                self._renderer.rows = rows
                full = self._renderer._encode()
            self._frames[st.index] = full
        self.diagram_image.value = self._frames[st.index]
        rows = self.window()
        if rows is not None:
            self.diagram_note.value = (f"<i>the part of the graph around this step (rows {rows[0] + 1} to {rows[1]} of "
                                       f"{self._height} pixels); the table below lists every node</i>")
            self.diagram_note.layout.display = None

    def window(self) -> tuple[int, int] | None:
        """The pixel rows (top, bottom) of the picture shown: all of it (None) if it is at most
        ``max_height`` tall, else that many rows centred on the current step's node or edge."""
        if self._height <= self.max_height:
            return None
        field_, k = self.stepper.current.where[0]
        d = self.drawing
        artist = d.arrows[k] if field_ in ("local", "chain") else d.boxes[k]
        box = artist.get_window_extent(self._fig.canvas.get_renderer())
        middle = self._height - (box.y0 + box.y1) / 2  # matplotlib counts rows from the bottom
        top = int(round(min(max(middle - self.max_height / 2, 0), self._height - self.max_height)))
        return top, top + self.max_height

    def formula_html(self) -> str:
        """The current step: what it computes, in symbols, with numbers (and a fork's branches)."""
        st = self.stepper
        step = st.current
        e = html.escape
        parts = [f"<div><b>{e(PHASE_TITLES[step.phase])}</b> · {e(_KINDS[step.kind].format(step.name))}</div>",
                 f"<div>in symbols: <code>{e(step.formula)}</code></div>",
                 f"<div>with numbers: <code>{e(step.numbers)}</code></div>"]
        fork = st.fork_parts()
        if fork is not None:
            node, branches = fork
            listed = " + ".join(f"{paren(v)} (from {b})" for b, v in branches)  # + (-0.5), never + -0.5
            parts.append(f"<div>the branches add: <code>{e(listed)} = {e(fmt(step.value))}</code></div>")
        return "".join(parts)

    def nodes_html(self) -> str:
        """Every node as text: name, how it is computed, value, gradient (— until computed)."""
        st = self.stepper
        step = st.current
        current = st.graph.names[step.where[0][1]] if step.where[0][0] in ("value", "grad", "new") else None
        has_new = st.trace.lr is not None
        head = "node · computed as · value · gradient" + (" · new value" if has_new else "")
        out = [f"<table><caption>{head} (— = not computed yet)</caption><tbody>"]
        for r in st.node_rows():
            cur = ' aria-current="true"' if r.name == current else ""
            expr = "input" if r.op == "input" else "constant" if r.op == "const" else r.expression
            cells = [f'<th scope="row" title="node">{html.escape(r.name)}</th>',
                     f'<td title="computed as" style="text-align:left">{html.escape(expr)}</td>',
                     f'<td title="value">{fmt_or_dash(r.value)}</td>',
                     f'<td title="gradient">{"" if r.op == "const" else fmt_or_dash(r.grad)}</td>']
            if has_new:
                cells.append(f'<td title="new value">{fmt_or_dash(r.new) if r.new is not None else ""}</td>')
            out.append(f'<tr data-node="{html.escape(r.name)}"{cur}>{"".join(cells)}</tr>')
        out.append("</tbody></table>")
        return "".join(out)

    def _repr_mimebundle_(self, **kwargs):
        data = self.widget._repr_mimebundle_(**kwargs)
        data["text/plain"] = f"{self!r}\n(run this cell to show the interactive widget)"
        return data

    def __repr__(self) -> str:
        g = self.stepper.graph
        return (f"GraphStepThrough: {self.stepper.n} steps through the graph of {g.names[-1]} "
                f"({len(g)} nodes), at {self.stepper.label}")


class MeasuredFigure:
    """A picture of a measurement (timings) shown as a widget image.

    The picture exists only in the running notebook: a stored notebook keeps ``note``,
    so numbers that differ from run to run never reach the file.
    """

    def __init__(self, fig: Figure, note: str, dpi: float = 100):
        FigureCanvasAgg(fig)
        fig.set_dpi(dpi)
        self.note = note
        width = int(fig.get_figwidth() * dpi)
        self.widget = W.Image(value=_png(fig), format="png",
                              layout=W.Layout(width="100%", max_width=f"{width}px", height="auto"))
        self.widget.add_class("bp-measured")

    def _repr_mimebundle_(self, **kwargs):
        data = self.widget._repr_mimebundle_(**kwargs)
        data["text/plain"] = f"{self.note}\n(run this cell to measure on your machine)"
        return data

    def __repr__(self) -> str:
        return self.note


def cost_ratio_view(n_weights, ratios, measured_forward_per_backprop=None) -> MeasuredFigure:
    """The measured cost of a numerical gradient relative to backprop, as a ``MeasuredFigure``; with
    ``measured_forward_per_backprop`` (a backprop's measured cost in forward passes) a second line."""
    from .graph_plots import plot_cost_ratio

    fig = Figure(figsize=(6.4, 3.8))
    ax = fig.add_subplot()
    fig.subplots_adjust(left=0.13, right=0.97, top=0.95, bottom=0.15)
    plot_cost_ratio(ax, n_weights, ratios, measured_forward_per_backprop=measured_forward_per_backprop)
    return MeasuredFigure(fig, "Figure: numerical gradient time / backprop time against the number of weights")
