"""Interactive views: step through one update, explore activations, watch training.

A thin layer over ``bpnet.views.stepper``: every number comes from a stepper or a trace,
and each handler moves the stepper and shows the new state. Everything a view shows
is rendered from the stepper's state in one call (``_show``), so the step label, the
slider, the formula, the tables and the diagram never disagree.

Every picture is SVG text built by ``bpnet.views.plots`` (the diagram, the activation
curves, the cost curves, the output over the input square): no rasterising per click,
so a click costs milliseconds in the kernel, and the pictures stay sharp at any zoom
and screen density, keep their aspect ratio and only shrink to fit. After a click the
diagram goes to the browser first and the typeset formula a moment later
(``StepThrough.typeset_delay``): MathJax's typesetting would otherwise hold the new
diagram back.

"Play" runs in a background thread that shows the step the clock says should be on
screen: when drawing is slow it skips steps rather than falling behind, and "pause"
stays on the step it reached.

``StepThrough`` keeps a fixed set of CSS classes that browser tests rely on:
bp-stepper (the whole widget), bp-start, bp-back, bp-forward, bp-end, bp-next-phase,
bp-play, bp-speed, bp-slider, bp-step-label, bp-live, bp-formula, bp-touched,
bp-weights (the full table), bp-all-weights (its fold), bp-rule, bp-diagram,
bp-activation.

Displayed in a notebook, each view's plain-text form is a short deterministic
sentence, so nbval can compare it.
"""

from __future__ import annotations

import asyncio
import copy
import html
import json
import re
import threading
import time

import ipywidgets as W
import numpy as np

from ..teach.examples import xor_example
from ..teach.netfile import load_network_text
from ..teach.published import check_published
from ..explain.activation_reading import activation_reading, explorer_activations, softmax_reading
from ..core.activations import get_activation
from ..core.checks import check_real, check_whole
from ..core.network import Backprop, Network
from .plots import (activation_svg, boundary_grid, boundary_svg, diagram_layout, focus_units, loss_svg, network_svg,
                    softmax_svg, touched_weights)
from .stepper import RuleStepper, StepComparison, TrainingComparison, TrainingStepper
from ..core.notation import PALETTE, PHASE_TITLES, RULE_TEX, RULE_TEXT, fmt, fmt_or_dash, palette_css, short

__all__ = ["StepThrough", "CompareSteps", "ActivationExplorer", "TrainingView", "CompareTraining", "CheckExample",
           "BUTTONS"]

_FIELD_NAMES = {"a": "activation of {}", "z": "pre-activation z of {}", "delta": "delta of {}",
                "grad": "gradient of weight {}", "weights": "new value of weight {}", "loss": "loss",
                "cost": "cost J over the batch"}
_SYMBOLS = {"a": "{}", "z": "z({})", "delta": "δ({})", "grad": "g({})", "weights": "w({})", "loss": "loss",
            "cost": "J"}

#: The step-through's buttons: (attribute, label, CSS class, tooltip, icon). The label is
#: always shown beside the icon, so the controls read the same in every font.
BUTTONS = (
    ("start_button", "start", "bp-start", "Go to step 1 (the start of the update)", "fast-backward"),
    ("back_button", "back", "bp-back", "One step back", "step-backward"),
    ("forward_button", "forward", "bp-forward", "One step forward", "step-forward"),
    ("end_button", "end", "bp-end", "Go to the last step", "fast-forward"),
    ("next_phase_button", "next phase", "bp-next-phase",
     "Jump to the first step of the next phase (forward, loss, deltas, updates)", "forward"),
    ("play_button", "play", "bp-play", "Play the steps one after another; press again to pause", "play"),
)
PAUSE = ("pause", "Pause on the step shown (play continues from here)", "pause")

_CSS = "<style>\n" + palette_css() + """
.bp-stepper, .bp-explorer, .bp-training { max-width: 100%; }
.bp-stepper .widget-html-content, .bp-explorer .widget-html-content, .bp-training .widget-html-content { line-height: 1.4; }
.bp-sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.bp-stepper .bp-row { display: flex; flex-flow: row wrap; align-items: center; gap: 2px 6px; }
.bp-stepper .widget-button, .bp-training .widget-button { flex: 0 0 auto; width: auto; }
/* A training view's rows wrap as the step-through's do: its label goes under the slider when the
   column is narrow, and may break between words rather than be cut at the column's edge. */
.bp-training .bp-row { display: flex; flex-flow: row wrap; align-items: center; gap: 2px 6px; max-width: 100%; }
.bp-training .bp-step-label { white-space: normal; min-width: 0; max-width: 100%; }
.bp-main { display: flex; flex-flow: row wrap; align-items: flex-start; gap: 4px 12px; }
.bp-main > .bp-diagram { flex: 1 1 420px; min-width: 0; max-width: 680px; }
.bp-main > .bp-side { flex: 1 1 300px; min-width: 260px; max-width: 560px; }
/* Room for the formula and this step's weights at every step (the delta steps' f'(z) panel
   excepted): a click that changes neither keeps the notebook below from moving (no scroll
   and no repaint of the page), also when the panel sits under the diagram. */
.bp-stepper > .bp-main > .bp-side { min-height: 220px; }
.bp-diagram svg, .bp-activation svg, .bp-explorer svg { display: block; max-width: 100%; height: auto; }
.bp-step-label { white-space: nowrap; font-weight: bold; }
.bp-formula, .bp-live { overflow-wrap: normal; word-break: normal; }
.bp-formula .bp-tok, .bp-live .bp-tok { white-space: nowrap; }
.bp-formula .bp-line { margin: 2px 0; overflow-x: auto; }
.bp-weights table, .bp-touched table { border-collapse: collapse; font-family: var(--jp-code-font-family, monospace); font-size: 12px; }
.bp-weights caption, .bp-touched caption { text-align: left; font-weight: bold; padding-bottom: 2px; white-space: nowrap; }
.bp-weights thead th, .bp-touched thead th { font-weight: normal; font-style: italic; text-align: right; }
.bp-weights th, .bp-weights td, .bp-touched th, .bp-touched td { padding: 1px 8px; text-align: right; border-bottom: 1px solid var(--bp-table-rule); white-space: nowrap; }
.bp-weights th, .bp-touched th { text-align: left; }
.bp-weights tr[aria-current="true"], .bp-touched tr[aria-current="true"] { background: var(--bp-highlight); font-weight: bold; }
.bp-up { color: var(--bp-up); } .bp-down { color: var(--bp-down); }
.bp-legend { font-size: 12px; color: var(--jp-ui-font-color1, var(--bp-ink)); display: flex; flex-flow: row wrap;
              gap: 0 10px; max-width: 100%; white-space: normal; }
.bp-legend span { white-space: nowrap; }
.bp-legend-box, .bp-legend-box .widget-html-content { max-width: 100%; white-space: normal; }
.bp-explorer .bp-row { display: flex; flex-flow: row wrap; align-items: flex-start; gap: 4px 16px; }
.bp-explorer .bp-controls { flex: 0 1 330px; min-width: 250px; }
.bp-figures { display: flex; flex-flow: row wrap; gap: 4px 12px; align-items: flex-start; }
.bp-figures svg { display: block; max-width: 100%; height: auto; }
</style>"""

_LEGEND = ('<div class="bp-legend" aria-hidden="true">'
           f'<span><b style="color:{PALETTE["up"]}">━ ▲</b> weight grew</span>'
           f'<span><b style="color:{PALETTE["down"]}">━ ▼</b> weight shrank</span>'
           '<span>▩ bias unit (+1)</span>'
           f'<span><b style="background:{PALETTE["highlight"]}">&nbsp;■&nbsp;</b> current step</span>'
           '<span>numbers rounded to 3 digits (all 6 in the tables)</span></div>')


def _legend() -> W.HTML:
    """The diagram's legend: its entries wrap onto more lines in a narrow notebook column."""
    legend = W.HTML(_LEGEND, layout=W.Layout(width="auto", max_width="100%"))
    legend.add_class("bp-legend-box")
    return legend


def _button(text: str, css: str, tooltip: str, icon: str = "") -> W.Button:
    # Icons from the widgets' own icon font (media-control glyphs are missing from many
    # system fonts), always with a text label; the tooltip is the accessible description.
    b = W.Button(description=text, tooltip=tooltip, icon=icon, layout=W.Layout(width="auto", flex="0 0 auto"))
    b.add_class(css)
    return b


def _tokens(text: str) -> str:
    """Plain text as HTML that wraps only between space-separated tokens, never inside
    one such as ``w(X1->Z1)`` or ``-0.514182`` (browsers may break after a hyphen)."""
    out = []
    for t in text.replace(" %", "\u00a0%").split(" "):
        e = html.escape(t)
        out.append(f'<span class="bp-tok">{e}</span>' if re.search(r"[^\w.\u00a0]", t) else e)
    return " ".join(out)


def rounded_percentages(text: str) -> str:
    """Percentages as a learner reads them: "41.9974%" -> "42 %"."""
    return re.sub(r"(\d+(?:\.\d+)?)\s?%", lambda m: f"{round(float(m.group(1)))} %", text)


def _html_widget(css: str, value: str = "", layout=None) -> W.HTML:
    w = W.HTML(value, layout=layout or W.Layout())
    w.add_class(css)
    return w


class Player:
    """Plays a view's steps in a background thread at ``rate`` steps per second.

    The step on screen is the one the clock says (``frame``): when showing a step takes
    longer than 1/rate, the steps in between are skipped, never queued. ``show(i)`` is
    called with the view's lock held.
    """

    def __init__(self, show, index, last, lock: threading.RLock, done=None):
        self._show, self._index, self._last, self._lock, self._done = show, index, last, lock, done
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.rate = 1.0

    @staticmethod
    def frame(i0: int, t0: float, now: float, rate: float, last: int, step: int = 1) -> int:
        """The step due at time ``now`` when playing from step ``i0`` at ``t0`` (capped at ``last``)."""
        return min(last, i0 + step * int(max(0.0, now - t0) * rate))

    @property
    def playing(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and not self._stop.is_set()

    def start(self, rate: float | None = None, step: int = 1) -> None:
        self.stop()
        if rate is not None:
            self.rate = float(rate)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(self._stop, step), daemon=True,
                                        name="bpnet-play")
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=2.0)
        self._thread = None

    def _run(self, stop: threading.Event, step: int) -> None:
        i0, t0 = self._index(), time.monotonic()
        try:
            while not stop.is_set():
                last = self._last()
                i = self.frame(i0, t0, time.monotonic(), self.rate, last, step)
                with self._lock:
                    if stop.is_set():
                        return
                    if i != self._index():
                        self._show(i)
                if i >= last:
                    return
                due = t0 + ((i - i0) // step + 1) / self.rate
                stop.wait(max(0.0, due - time.monotonic()))
        finally:
            if not stop.is_set() and self._done is not None:
                with self._lock:
                    self._done()


class Playing:
    """goto, play and pause, written once for every step-through view (the network's, the
    graph's, the training's): the view has a ``stepper``, a ``_player`` (the clock), a ``_lock``,
    a ``speed`` slider, and ``_move``, ``_show`` and ``_set_play_button``."""

    def goto(self, index: int) -> None:
        """Show step ``index`` (0-based, as in the trace)."""
        self._move(lambda: self.stepper.goto(index))

    @property
    def playing(self) -> bool:
        return self._player.playing

    @property
    def rate(self) -> float:
        """How many steps a second Play shows (the speed slider's value)."""
        return self._player.rate

    def toggle_play(self) -> None:
        """Play from the step shown (from step 1 if at the end), or pause where it is."""
        if self._player.playing:
            self.pause()
            return
        with self._lock:
            if self.stepper.at_end:
                self.stepper.start()
                self._show()
            self._set_play_button(True)
        self._player.start(self.speed.value)

    def pause(self) -> None:
        """Stop playing and stay on the step shown."""
        if self._player.playing:
            self._player.stop()
        with self._lock:
            self._set_play_button(False)

    def _on_speed(self, change) -> None:
        """The speed slider moved: play on from the step shown, at the new rate."""
        self._player.rate = float(change["new"])
        if self._player.playing:
            self._player.start()


class _View:
    """Shared bits: the top widget, a deterministic text form, display in a notebook."""

    widget: W.Widget

    def _repr_mimebundle_(self, **kwargs):
        data = self.widget._repr_mimebundle_(**kwargs)
        # Shown where the widget cannot be drawn, e.g. a stored notebook before its cells run.
        data["text/plain"] = f"{self!r}\n(run this cell to show the interactive widget)"
        return data


# ----- step through one update ---------------------------------------------------------
def _sample_text(trace, s: int | None) -> str:
    """Whose numbers a step uses: one sample's (x and y), or the whole batch's (``s`` None)."""
    if s is None:
        return f"the batch mean of {trace.X.shape[0]} samples"
    x = ", ".join(fmt(v) for v in trace.X[s])
    t = ", ".join(fmt(v) for v in trace.y[s])
    m = trace.X.shape[0]
    who = f"sample {s + 1} of {m}" if m > 1 else "sample"
    return f"{who}: x = ({x}), y = ({t})"


def _diagram_description(trace, v, marked=()) -> str:
    """A step's diagram in words (its alt text)."""
    net = trace.before
    what = {"gradient": "weight", "update": "weight", "loss": "output units"}.get(v.step.kind, "unit")
    text = (f"Network diagram, layers of {' - '.join(str(n) for n in net.sizes)} units plus bias units; "
            f"{v.label}; {_sample_text(trace, v.sample)}; highlighted {what} {v.step.name}. "
            + ("No unit values shown: this step uses every sample's, as its formula shows. " if v.sample is None
               else "")
            + "Blue links grew, vermilion links shrank in this update.")
    if marked:
        text += f" Numbers that differ from the other run (marked ⚠): {', '.join(sorted(marked))}."
    return text


def _formula_lines(v) -> str:
    """What a step computes, its formula typeset (LaTeX when the trace has it), and the change."""
    e = html.escape
    step, ch = v.step, v.change
    if v.sample is None:
        sample = f" · the batch mean of {v.batch} samples"
    else:
        sample = "" if step.sample is None else f" · sample {step.sample + 1}"
    old = "not yet computed" if ch.old != ch.old else fmt(ch.old)  # NaN != NaN
    tex = getattr(step, "formula_latex", None)
    if tex is not None:
        symbols, numbers = f"${tex}$", f"${step.numbers_latex}$"
    else:
        symbols, numbers = _tokens(step.formula), _tokens(step.numbers)
    return (f"<div><b>{e(PHASE_TITLES[step.phase])}</b>{sample} · {e(_FIELD_NAMES[ch.field].format(ch.name))}</div>"
            f'<div class="bp-line">in symbols: {symbols}</div>'
            f'<div class="bp-line">with numbers: {numbers}</div>'
            f"<div>changed: {_tokens(_SYMBOLS[ch.field].format(ch.name))}: {e(old)} → {e(fmt(ch.new))}</div>")


class StepThrough(Playing, _View):
    """Step forward and back through every number of one update of ``net`` on (X, y).

    ``rule``: "gradient" (gradient descent) or "article" (the worked example's rule);
    the toggle switches between them on the same network, staying on the same step.
    The slider counts steps from 1, like the label: ``slider.value = k`` shows step k.
    Buttons: see ``BUTTONS`` (labels, tooltips); "play" turns into "pause" while playing.
    """

    def __init__(self, net: Network, X, y, lr: float = 0.1, loss="half_squared_error",
                 rule: str = "gradient"):
        self.stepper = RuleStepper(net, X, y, lr, loss, rule)
        n, st = self.stepper.n, self.stepper
        self._lock = threading.RLock()
        for attr, text, css, tip, icon in BUTTONS:
            setattr(self, attr, _button(text, css, tip, icon))
        self.speed = W.FloatSlider(value=1.25, min=0.5, max=8.0, step=0.25, description="steps/s",
                                   readout_format=".2f", continuous_update=False,
                                   tooltip="Playing speed in steps per second",
                                   layout=W.Layout(width="260px", flex="0 1 260px"))
        self.speed.add_class("bp-speed")
        self.slider = W.IntSlider(value=1, min=1, max=n, description="step", continuous_update=True,
                                  tooltip="Drag to any step",
                                  layout=W.Layout(flex="1 1 300px", min_width="220px", max_width="520px"))
        self.slider.add_class("bp-slider")
        self.step_label = _html_widget("bp-step-label")
        self.rule_toggle = W.ToggleButtons(options=[("article's rule", "article"), ("gradient descent", "gradient")],
                                           value=st.rule, tooltip="The update rule",
                                           tooltips=[RULE_TEXT["article"], RULE_TEXT["gradient"]],
                                           style={"button_width": "auto"}, layout=W.Layout(width="auto"))
        self.rule_toggle.add_class("bp-rule")
        self.live = _html_widget("bp-live")  # the step in words, for screen readers and for a quick read
        self.formula = W.HTMLMath()
        self.formula.add_class("bp-formula")
        self.touched = _html_widget("bp-touched")
        self.weights = _html_widget("bp-weights")
        self.all_weights = W.Accordion(children=[self.weights], selected_index=None)
        self.all_weights.set_title(0, f"all {len(st.trace.before.weight_names())} weights: before · gradient · after")
        self.all_weights.add_class("bp-all-weights")
        self.diagram_view = _html_widget("bp-diagram")
        self.activation_view = _html_widget("bp-activation")
        self._layouts = {}  # a big network's diagram draws each step's own units: a layout per choice
        self._shown = None
        self._formula_due: str | None = None  # the formula to typeset once the diagram is drawn
        self._formula_timer = None

        self._player = Player(self._play_to, lambda: self.stepper.index, lambda: self.stepper.n - 1,
                               self._lock, done=self._played)
        moves = {"start_button": st.start, "back_button": st.back, "forward_button": st.forward,
                 "end_button": st.end, "next_phase_button": st.next_phase}
        for attr, move in moves.items():
            getattr(self, attr).on_click(lambda _b, move=move: self._move(move, clicked=True))
        self.play_button.on_click(lambda _b: self.toggle_play())
        self.slider.observe(self._on_slider, names="value")
        self.rule_toggle.observe(self._on_rule, names="value")
        self.speed.observe(self._on_speed, names="value")
        self.all_weights.observe(lambda _c: self._show_table(), names="selected_index")

        buttons = W.HBox([getattr(self, b[0]) for b in BUTTONS] + [self.speed])
        buttons.add_class("bp-row")
        position = W.HBox([self.slider, self.step_label, self.rule_toggle])
        position.add_class("bp-row")
        side = W.VBox([self.formula, self.live, self.touched, self.activation_view])
        side.add_class("bp-side")
        main = W.Box([self.diagram_view, side])
        main.add_class("bp-main")
        self.widget = W.VBox([W.HTML(_CSS), buttons, position, main, _legend(),
                              self.all_weights])
        self.widget.add_class("bp-stepper")
        self._show()

    @classmethod
    def from_example(cls, example=None, rule: str | None = None, sample: int | None = 0, **kwargs) -> "StepThrough":
        """The worked example (``bpnet.xor_example()`` by default) or a loaded network file, on one sample, or all if None.

        The article makes its one update from the first sample, (0, 0) -> 0. ``rule``: by default
        the article's for the built-in example, the example's own (a file's ``rule``) otherwise.
        """
        if rule is None:
            rule = "article" if example is None else getattr(example, "rule", "gradient")
        ex = example if example is not None else xor_example()
        X, y = (ex.X, ex.y) if sample is None else (ex.X[sample:sample + 1], ex.y[sample:sample + 1])
        return cls(ex.net, X, y, ex.lr, getattr(ex, "loss", "half_squared_error"), rule=rule, **kwargs)

    # ----- handlers: move the stepper, then show ------------------------------------
    def _move(self, move, clicked: bool = False) -> None:
        self.pause()  # a step button takes over from play
        with self._lock:
            move()
            self._show(clicked)

    def _on_slider(self, change) -> None:
        with self._lock:
            if change["new"] - 1 != self.stepper.index:  # not our own echo from _show
                self.stepper.goto(change["new"] - 1)
                self._show(clicked=True)

    def _on_rule(self, change) -> None:
        with self._lock:
            self.stepper.set_rule(change["new"])
            self._show(clicked=True)

    def _play_to(self, i: int) -> None:
        self.stepper.goto(i)
        self._show()

    def _played(self) -> None:
        self._set_play_button(False)

    def _set_play_button(self, playing: bool) -> None:
        b = self.play_button
        text, tip, icon = PAUSE if playing else (BUTTONS[-1][1], BUTTONS[-1][3], BUTTONS[-1][4])
        if b.description != text:
            b.description, b.tooltip, b.icon = text, tip, icon

    # ----- the view -----------------------------------------------------------------
    #: Seconds between a click's diagram and its typeset formula leaving the kernel. MathJax
    #: typesets on the page's only thread (20-40 ms on a slow or busy machine) and the page
    #: draws nothing meanwhile: sent together, the new diagram would wait for the formula.
    #: Clicks within the delay share one typesetting (of the last step); 0 sends it at once.
    typeset_delay = 0.05

    def _show(self, clicked: bool = False) -> None:
        """Everything from one ``view()`` of the stepper, in one go (call with the lock held).

        Each widget is one message to the browser, drawn in the order sent: the diagram and
        the label first, the typeset formula last (after ``typeset_delay`` when ``clicked``
        in a running kernel, so that the page shows the diagram before MathJax starts).
        """
        st = self.stepper
        key = (st.rule, st.index)
        if key == self._shown:
            return
        self._shown = key
        v = st.view()
        rows = st.weight_rows()
        self.diagram_view.value = network_svg(st.trace.before, v.state, v.step, v.updated, v.sample,
                                              description=self.diagram_description(v), layout=self._layout_at(v))
        self.step_label.value = html.escape(v.label)
        self.slider.max = v.n
        self.slider.value = v.slider
        self.touched.value = self.touched_html(rows, v)
        self.live.value = self.live_html(v)
        self._set_formula(self.formula_html(v), later=clicked)
        self._show_table(rows, v)
        # The activation panel belongs to the moment f'(z) is read off: the delta steps.
        reading = st.unit_activation() if v.step.kind == "delta" else None
        if reading is None:
            self.activation_view.value = ""
            self.activation_view.layout.display = "none"
        else:
            self.activation_view.value = activation_svg(reading[0], reading[1], width=320, height=220)
            self.activation_view.layout.display = None

    def _layout_at(self, v):
        """The diagram's layout at view ``v``: every unit, or for a big network the step's own
        units and a few others (``focus_units``)."""
        shown = focus_units(self.stepper.trace.before, v.step)
        if shown not in self._layouts:
            if len(self._layouts) > 256:
                self._layouts.clear()
            self._layouts[shown] = diagram_layout(self.stepper.trace.before, shown)
        return self._layouts[shown]

    def _set_formula(self, value: str, later: bool = False) -> None:
        """Show ``value`` in the formula panel: now, or ``typeset_delay`` s later on the kernel's
        event loop (only from a handler of the browser's events: code that moves the view, a
        notebook cell, a test, the player's thread, reads the formula at once)."""
        self._formula_due = value
        loop = None
        if later and self.typeset_delay > 0:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:  # no event loop in this thread: not in a kernel's handler
                loop = None
        if loop is None:
            self._cancel_formula()
            self.formula.value = value
        elif self._formula_timer is None:  # a pending typesetting shows the newest formula
            self._formula_timer = loop.call_later(self.typeset_delay, self._flush_formula)

    def _flush_formula(self) -> None:
        with self._lock:
            self._formula_timer = None
            if self._formula_due is not None:
                self.formula.value = self._formula_due

    def _cancel_formula(self) -> None:
        if self._formula_timer is not None:
            self._formula_timer.cancel()
            self._formula_timer = None

    def _show_table(self, rows=None, v=None) -> None:
        # The full table is built only while it is unfolded (hundreds of rows for a big network).
        if self.all_weights.selected_index is None:
            return
        self.weights.value = self.weights_html(rows, v)

    def _sample_text(self, v=None) -> str:
        return _sample_text(self.stepper.trace, (v or self.stepper.view()).sample)

    def diagram_description(self, v=None) -> str:
        """The diagram in words (its alt text)."""
        return _diagram_description(self.stepper.trace, v or self.stepper.view())

    def formula_html(self, v=None) -> str:
        """The current step: what it computes, the formula typeset in symbols, then with numbers.

        LaTeX (MathJax in JupyterLab) when the trace provides it, else plain text that
        wraps only between tokens; then how the other rule computes the same number.
        """
        v = v or self.stepper.view()
        e = html.escape
        parts = [_formula_lines(v)]
        other, rule = v.other, v.other_rule
        typeset = getattr(v.step, "formula_latex", None) is not None
        name = RULE_TEX[rule] if typeset else e(RULE_TEXT[rule])
        if other is None:
            parts.append(f"<div>{name} has no such step.</div>")
        elif abs(other.value - v.step.value) > 1e-12:
            if typeset and getattr(other, "numbers_latex", None) is not None:
                numbers = f"${other.numbers_latex}$"
            else:
                numbers = (f'<span class="bp-tok">{e(other.numbers)}</span>' if len(other.numbers) <= 40
                           else _tokens(other.numbers))  # short: kept on one line
            parts.append(f"<div>⚠ differs under {name}: {numbers}</div>")
        else:
            parts.append(f"<div>same value under {name}.</div>")
        return "".join(parts)

    def live_text(self, v=None) -> str:
        """The current step in plain words (what a screen reader announces)."""
        v = v or self.stepper.view()
        return f"{v.label}. {self._sample_text(v)}. {v.formula} = {v.numbers}"

    def live_html(self, v=None) -> str:
        # Read out by screen readers; not shown, since the formula panel shows the same typeset.
        return (f'<div class="bp-sr-only" role="status" aria-live="polite" aria-atomic="true">'
                f'{_tokens(self.live_text(v))}</div>')

    def _rows_html(self, rows, caption: str, v=None) -> str:
        step = (v or self.stepper.view()).step
        current = step.name if step.kind in ("gradient", "update") else None
        out = [f"<table><caption>{caption}</caption><thead><tr><th scope=\"col\">weight</th>"
               "<th scope=\"col\">before</th><th scope=\"col\">gradient</th><th scope=\"col\">after</th></tr></thead><tbody>"]
        for r in rows:
            mark, css = {"up": (" ▲", "bp-up"), "down": (" ▼", "bp-down"), "same": (" (=)", "")}.get(
                r.direction, ("", ""))
            cur = ' aria-current="true"' if r.name == current else ""
            out.append(
                f'<tr data-weight="{html.escape(r.name)}"{cur}><th scope="row" title="weight">{html.escape(r.name)}</th>'
                f'<td title="before">{fmt_or_dash(r.before)}</td><td title="gradient">{fmt_or_dash(r.gradient)}</td>'
                f'<td title="after" class="{css}">{fmt_or_dash(r.after)}{mark}</td></tr>')
        out.append("</tbody></table>")
        return "".join(out)

    def touched_html(self, rows=None, v=None) -> str:
        """The rows of the weights the current step reads or writes (``plots.touched_weights``)."""
        v = v or self.stepper.view()
        rows = self.stepper.weight_rows() if rows is None else rows
        names = set(touched_weights(self.stepper.trace.before, v.step))
        if not names:
            return "<div>This step uses no weight.</div>"
        return self._rows_html([r for r in rows if r.name in names], "weights in this step", v)

    def weights_html(self, rows=None, v=None) -> str:
        """Every weight as text: name, before, gradient, after (— until computed), ▲/▼ on change.

        One <tr> per weight (the columns are named in the caption and in each cell's title).
        """
        rows = self.stepper.weight_rows() if rows is None else rows
        return self._rows_html(rows, "every weight (— = not computed yet; ▲ grew, ▼ shrank)", v)

    def compare(self, **branch) -> "CompareSteps":
        """This update side by side with a branch that changes ``lr``, ``activation``, ``loss``,
        ``rule`` or ``seed`` (new initial weights), from the step shown now."""
        st = self.stepper
        return CompareSteps(st.net, st.X, st.y, st.lr, st.loss, st.rule, branch=branch, index=st.index)

    def __repr__(self) -> str:
        return f"StepThrough: {self.stepper.n} steps of one update under {self.stepper.rule!r} rule, at {self.stepper.label}"


# ----- branch and compare: one update --------------------------------------------------
def _settings_text(settings: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in settings.items())


class CompareSteps(_View):
    """One update computed twice from the same start, side by side: the base and a branch.

    A thin view over ``bpnet.views.stepper.StepComparison`` (same arguments): ``branch`` changes
    ``lr``, ``activation``, ``loss``, ``rule`` or ``seed``. The buttons move the base; the
    branch shows the step that computes the same number. Every weight and unit whose
    numbers differ between the runs is marked ⚠ (and ringed) on both diagrams.
    """

    def __init__(self, net: Network, X, y, lr: float = 0.1, loss="half_squared_error", rule: str = "gradient",
                 *, branch: dict, index: int = 0):
        self.comparison = StepComparison(net, X, y, lr, loss, rule, branch=branch, index=index)
        c = self.comparison
        self._lock = threading.RLock()
        for attr, text, css, tip, icon in BUTTONS[:-1]:
            setattr(self, attr, _button(text, css, tip, icon))
        self.slider = W.IntSlider(value=c.index + 1, min=1, max=c.n, description="step", continuous_update=True,
                                  tooltip="Drag to any step",
                                  layout=W.Layout(flex="1 1 300px", min_width="220px", max_width="520px"))
        self.slider.add_class("bp-slider")
        self.step_label = _html_widget("bp-step-label")
        self.summary = _html_widget("bp-compare-summary")
        self.base_title, self.branch_title = _html_widget("bp-compare-title"), _html_widget("bp-compare-title")
        self.base_diagram, self.branch_diagram = _html_widget("bp-diagram"), _html_widget("bp-diagram")
        self.base_formula, self.branch_formula = W.HTMLMath(), W.HTMLMath()
        for f in (self.base_formula, self.branch_formula):
            f.add_class("bp-formula")
        self.live = _html_widget("bp-live")
        base = {**c.settings}
        branched = {**c.settings, **c.changes}
        self.base_title.value = f"<b>base</b>: {html.escape(_settings_text(base))}"
        self.branch_title.value = (f"<b>branch</b>: {html.escape(_settings_text(branched))} "
                                   f"(changed: {html.escape(', '.join(c.changes))})")
        self._layouts = (diagram_layout(c.base.trace.before), diagram_layout(c.branch.trace.before))
        moves = {"start_button": c.start, "back_button": c.back, "forward_button": c.forward,
                 "end_button": c.end, "next_phase_button": c.next_phase}
        for attr, move in moves.items():
            getattr(self, attr).on_click(lambda _b, move=move: self._move(move))
        self.slider.observe(self._on_slider, names="value")
        buttons = W.HBox([getattr(self, b[0]) for b in BUTTONS[:-1]])
        buttons.add_class("bp-row")
        position = W.HBox([self.slider, self.step_label])
        position.add_class("bp-row")
        columns = []
        for title, diagram, formula in ((self.base_title, self.base_diagram, self.base_formula),
                                        (self.branch_title, self.branch_diagram, self.branch_formula)):
            col = W.VBox([title, diagram, formula])
            col.add_class("bp-compare-column")
            columns.append(col)
        main = W.Box(columns)
        main.add_class("bp-main")
        self.widget = W.VBox([W.HTML(_CSS), buttons, position, self.summary, main, self.live, _legend()])
        self.widget.add_class("bp-stepper")
        self.widget.add_class("bp-compare")
        self._show()

    def _move(self, move) -> None:
        with self._lock:
            move()
            self._show()

    def _on_slider(self, change) -> None:
        with self._lock:
            if change["new"] - 1 != self.comparison.index:
                self.comparison.goto(change["new"] - 1)
                self._show()

    def _show(self) -> None:
        """Both runs from one ``view()`` of the comparison."""
        c = self.comparison
        v = c.view()
        b, r = v.base, v.branch
        self.slider.max = b.n
        self.slider.value = b.slider
        self.step_label.value = html.escape(b.label)
        self.base_diagram.value = network_svg(c.base.trace.before, b.state, b.step, b.updated, b.sample,
                                              description=_diagram_description(c.base.trace, b, v.marked),
                                              layout=self._layouts[0], marked=v.marked)
        self.base_formula.value = _formula_lines(b)
        if r is None:
            self.branch_diagram.value = ""
            self.branch_formula.value = "<div>The branch has no such step.</div>"
        else:
            self.branch_diagram.value = network_svg(c.branch.trace.before, r.state, r.step, r.updated, r.sample,
                                                    description=_diagram_description(c.branch.trace, r, v.marked),
                                                    layout=self._layouts[1], marked=v.marked)
            self.branch_formula.value = _formula_lines(r)
        self.summary.value = self.summary_html(v)
        other = "the branch has no such step" if r is None else f"branch: {r.formula} = {r.numbers}"
        self.live.value = (f'<div class="bp-sr-only" role="status" aria-live="polite" aria-atomic="true">'
                           f'{_tokens(f"{b.label}. base: {b.formula} = {b.numbers}. {other}.")}</div>')

    def summary_html(self, v=None) -> str:
        """Whether this step's number differs, and how many numbers differ so far."""
        v = v or self.comparison.view()
        e = html.escape
        now = "⚠ this step's number differs" if v.differs else "this step's number is the same in both runs"
        marked = sorted(v.marked)
        shown = ", ".join(marked[:12]) + (f" and {len(marked) - 12} more" if len(marked) > 12 else "")
        differ = f"⚠ marked on both diagrams: {e(shown)}" if marked else "no number on the diagrams differs yet"
        return f"<div><b>{e(now)}</b> · {differ}</div>"

    def __repr__(self) -> str:
        c = self.comparison
        return (f"CompareSteps: {c.n} steps, base ({_settings_text(c.settings)}) against a branch "
                f"({_settings_text(c.changes)}), at {c.base.label}")


# ----- the activation explorer ---------------------------------------------------------
class ActivationExplorer(_View):
    """Choose an activation, slide z, read f(z) and f'(z) and whether the unit saturates.

    It offers every registered elementwise activation (``explorer_activations()``, read when the
    explorer is made) and softmax; ``name`` may also be a spec with parameters, e.g.
    "leaky_relu(0.2)". Softmax is not elementwise (each share depends on every score): it is
    shown on three scores (z, 1, -1) with the first one on the slider, its three shares and
    how each moves with z (``softmax_reading``). The controls and the reading sit beside the
    plot (below it on a narrow page).
    """

    #: Not elementwise: offered on a vector of scores (``softmax_reading``).
    VECTOR = ("softmax",)

    def __init__(self, name: str = "sigmoid", z: float = 0.0, zlim=(-6.0, 6.0)):
        if isinstance(zlim, (str, bytes)) or not hasattr(zlim, "__len__") or len(zlim) != 2:
            raise TypeError(f"zlim must be two numbers (lowest z, highest z) such as (-6, 6), got {zlim!r}")
        lo, hi = (check_real(v, "each end of zlim") for v in zlim)
        if not lo < hi or hi - lo > 1e6:
            raise ValueError(f"zlim must be (lowest z, highest z) with lowest < highest, at most 1e6 apart "
                             f"(the slider moves in steps of 0.1), got {zlim!r}")
        z = check_real(z, "z")
        if not lo <= z <= hi:
            raise ValueError(f"z must be within zlim = ({fmt(lo)}, {fmt(hi)}), got {fmt(z)}")
        self.zlim = zlim = (lo, hi)
        act = get_activation(name)
        if not act.elementwise and act.name not in self.VECTOR:
            raise ValueError(f"the explorer shows elementwise activations, one of {list(explorer_activations())}, "
                             f"and softmax; {act.name} is not one (each output depends on every z)")
        options = list(explorer_activations()) + list(self.VECTOR)
        # By its name, unless its parameters are not the default ones: leaky_relu(0.2) is offered beside the names.
        value = act.name if act.spec == get_activation(act.name).spec else act.spec
        if value not in options:
            options.append(value)
        self.choice = W.Dropdown(options=options, value=value, description="activation",
                                 tooltip="The activation function f")
        self.choice.add_class("bp-activation-choice")
        self.z_slider = W.FloatSlider(value=z, min=zlim[0], max=zlim[1], step=0.1, description="z",
                                      readout_format=".1f", tooltip="The pre-activation z")
        self.z_slider.add_class("bp-z")
        self.reading = _html_widget("bp-activation-reading")
        self.image = _html_widget("bp-activation-plot")
        self.choice.observe(lambda c: self._show(), names="value")
        self.z_slider.observe(lambda c: self._show(), names="value")
        controls = W.VBox([self.choice, self.z_slider, self.reading])
        controls.add_class("bp-controls")
        row = W.HBox([controls, self.image])
        row.add_class("bp-row")
        self.widget = W.VBox([W.HTML(_CSS), row])
        self.widget.add_class("bp-explorer")
        self._show()

    def readout(self) -> str:
        """What the reading says, rounded to what matters (3 digits, whole percentages)."""
        if self.choice.value in self.VECTOR:
            r = softmax_reading(self.z_slider.value)
            return (f"softmax: z = ({', '.join(fmt(round(v, 6)) for v in r.z)}), "
                    f"a = ({', '.join(short(v) for v in r.a)}), da1/dz1 = {short(r.df)}. {r.note}")
        r = activation_reading(self.choice.value, self.z_slider.value)
        return (f"{r.name}: z = {fmt(round(r.z, 6))}, f(z) = {short(r.f)}, f'(z) = {short(r.df)}. "
                f"{rounded_percentages(r.note)}")

    def _show(self) -> None:
        if self.choice.value in self.VECTOR:
            r = softmax_reading(self.z_slider.value)
            lines = ([f"z = ({', '.join(fmt(round(v, 6)) for v in r.z)})"]
                     + [f"a{k + 1} = {short(v)}" for k, v in enumerate(r.a)]
                     + [f"da{k + 1}/dz1 = {short(v)}" for k, v in enumerate(r.da)])
            self.reading.value = ("<div>" + "<br>".join(_tokens(t) for t in lines) + "</div>"
                                  f'<div role="status" aria-live="polite">{_tokens(r.note)}</div>')
            self.image.value = softmax_svg(r.z[0], zlim=self.zlim)
            return
        r = activation_reading(self.choice.value, self.z_slider.value)
        self.reading.value = (f"<div>{_tokens(f'z = {fmt(round(r.z, 6))}')}<br>{_tokens(f'f(z) = {short(r.f)}')}"
                              f"<br>{_tokens(f'f' + chr(39) + f'(z) = {short(r.df)}')}</div>"
                              f'<div role="status" aria-live="polite">{_tokens(rounded_percentages(r.note))}</div>')
        self.image.value = activation_svg(self.choice.value, r.z, zlim=self.zlim)

    def __repr__(self) -> str:
        return f"ActivationExplorer: {self.readout()}"


# ----- check your own example ----------------------------------------------------------
class CheckExample(_View):
    """A network file typed in a box; **check** shows ``check_published``'s table under the button,
    or the one line that says what to fix.

    The box's text is loaded by ``load_network_text``, exactly as ``python -m bpnet check`` loads a
    file: a key written twice, nesting and size limits, and each published number compared to the
    digits typed ("0.7500" to four decimals). Everything the button shows, errors included, goes to
    the widget's own output area (``result``); ``check()`` is what a click does, for tests and scripts.
    """

    def __init__(self, text="", height: str = "260px"):
        if isinstance(text, dict):
            text = json.dumps(text, indent=2)
        if not isinstance(text, str):
            raise TypeError(f"CheckExample needs the text of a network file or a dict, got {type(text).__name__}")
        self.editor = W.Textarea(value=text, layout=W.Layout(width="100%", height=height))
        self.editor.add_class("bp-check-editor")
        self.button = W.Button(description="check", button_style="primary",
                               tooltip="Check the published numbers in the box against bpnet")
        self.button.add_class("bp-check-button")
        self.result = _html_widget("bp-check-result")
        self.last = None  # the PublishedCheck shown, or the message of the error shown
        self.button.on_click(lambda _b: self.check())
        self.widget = W.VBox([W.HTML(_CSS), self.editor, self.button, self.result])
        self.widget.add_class("bp-check-example")

    def check(self):
        """Check the box's text and show the outcome under the button; returns the PublishedCheck or
        the error's message (a string)."""
        try:
            outcome = check_published(load_network_text(self.editor.value, "the box"))
            shown = outcome._repr_html_()
        except ValueError as err:  # NetworkFileError: the key path and what was expected
            outcome = str(err)
            shown = f'<pre class="bp-check-error">{html.escape(outcome)}</pre>'
        except Exception as err:  # noqa: BLE001 - whatever it is, it is shown here, not in a log
            outcome = f"the check failed: {type(err).__name__}: {err}"
            shown = f'<pre class="bp-check-error">{html.escape(outcome)}</pre>'
        self.last = outcome
        self.result.value = shown
        return outcome

    def __repr__(self) -> str:
        state = "not checked yet" if self.last is None else (
            self.last if isinstance(self.last, str) else self.last.verdict()[0])
        return f"CheckExample: {state}"


# ----- training ------------------------------------------------------------------------
def _outputs(net: Network, grid):
    """The network's first output at each grid point, as the square grid ``boundary_svg`` draws.

    Training stops before a weight overflows, but a grid point far from the data may still give an
    output beyond the largest float: the picture shows it as it is, where ``predict`` would refuse."""
    with np.errstate(over="ignore", invalid="ignore"):
        out = Backprop(net).forward(np.asarray(grid, dtype=float)).output
    n = int(round(len(grid) ** 0.5))
    return out[:, 0].reshape(n, n)


class TrainingView(Playing, _View):
    """Loss curve and decision boundary, updated as training advances epoch by epoch.

    Wraps a ``TrainingStepper`` (same arguments); ``epochs`` is how far the slider goes.
    ``run()`` trains to the end with a progress bar (call it from a cell for long runs).
    The cost curve and (for two inputs) the output over the input square are SVG.
    """

    def __init__(self, net: Network, X, y, epochs: int = 200, lr: float = 0.1, loss="half_squared_error",
                 optimizer=None, batch_size: int | None = None, per: str = "epoch", seed: int = 0,
                 every: int = 1, keep: int = 64):
        epochs = check_whole(epochs, "epochs (how far the slider goes)", 1)
        self.every = check_whole(every, "every (steps per click)", 1)
        self.stepper = TrainingStepper(net, X, y, lr, loss, optimizer, batch_size, per, seed, keep,
                                       max_steps=epochs)
        self.epochs = epochs
        self.unit = unit = "epoch" if per == "epoch" else "update"
        self._lock = threading.RLock()
        self.start_button = _button("start", "bp-start", "Back to before training", "fast-backward")
        self.back_button = _button("back", "bp-back", f"{self.every} {unit}(s) back", "step-backward")
        self.forward_button = _button("forward", "bp-forward", f"{self.every} {unit}(s) on", "step-forward")
        self.end_button = _button("train to end", "bp-end", f"Train to {unit} {epochs}", "fast-forward")
        self.play_button = _button("play", "bp-play", f"Play {unit} after {unit}; press again to pause", "play")
        self.slider = W.IntSlider(value=0, min=0, max=epochs, step=self.every, description=unit,
                                  continuous_update=False, tooltip=f"Drag to any {unit}",
                                  layout=W.Layout(flex="1 1 300px", min_width="220px", max_width="520px"))
        self.slider.add_class("bp-slider")
        self.progress = W.IntProgress(value=0, min=0, max=epochs, description="trained")
        self.progress.add_class("bp-progress")
        self.status = _html_widget("bp-step-label")
        self.image = _html_widget("bp-diagram")
        # Drawn as SVG (no rasteriser per click): the output over the input square for 2 inputs.
        self._grid = boundary_grid() if self.stepper.X.shape[1] == 2 else None
        self.boundary_values = None  # the network's output over the grid last shown
        self._player = Player(self._play_to, lambda: self.stepper.index, lambda: self.epochs, self._lock,
                               done=lambda: self._set_play_button(False))
        self._player.rate = 5.0

        for button, target in ((self.start_button, lambda: 0),
                               (self.back_button, lambda: max(0, self.stepper.index - self.every)),
                               (self.forward_button, lambda: min(epochs, self.stepper.index + self.every))):
            button.on_click(lambda _b, target=target: self.goto(target()))
        self.end_button.on_click(lambda _b: self.run())
        self.play_button.on_click(lambda _b: self.toggle_play())
        self.slider.observe(self._on_slider, names="value")
        buttons = W.HBox([self.start_button, self.back_button, self.forward_button, self.end_button,
                          self.play_button])
        buttons.add_class("bp-row")
        position = W.HBox([self.slider, self.progress])
        position.add_class("bp-row")
        self.widget = W.VBox([W.HTML(_CSS), buttons, position, self.status, self.image])
        self.widget.add_class("bp-training")
        self._show()

    def _on_slider(self, change) -> None:
        with self._lock:
            if change["new"] != self.stepper.index:
                self.stepper.goto(change["new"])
                self._show()

    def goto(self, k: int) -> None:
        """Show the network after ``k`` epochs (or updates)."""
        self.pause()
        with self._lock:
            self.stepper.goto(k)
            self._show()

    def run(self, steps: int | None = None, chunks: int = 50) -> None:
        """Train ``steps`` more (to the end by default), updating the progress bar as it goes."""
        self.pause()
        with self._lock:
            st = self.stepper
            steps = st.max_steps - st.index if steps is None else int(steps)
            st.run(steps, callback=self._progress, every=max(1, steps // chunks))
            self._show()

    def toggle_play(self) -> None:
        """Play (``every`` steps at a time, skipping frames rather than lagging) or pause."""
        if self._player.playing:
            self.pause()
            return
        with self._lock:
            if self.stepper.index >= self.epochs:
                self.stepper.goto(0)
                self._show()
            self._set_play_button(True)
        self._player.start(step=self.every)

    def _play_to(self, k: int) -> None:
        self.stepper.goto(k)
        self._show()

    def _set_play_button(self, playing: bool) -> None:
        b = self.play_button
        b.description, b.icon = ("pause", "pause") if playing else ("play", "play")
        b.tooltip = (f"Pause on this {self.unit}" if playing else
                     f"Play {self.unit} after {self.unit}; press again to pause")

    def _progress(self, st) -> None:
        self.progress.value = st.index
        self.status.value = html.escape(f"training… {st.label}")

    def _show(self) -> None:
        """The figures first, then the label and the slider: each widget is one message to the
        browser, drawn in the order sent, and the figures are what a click is waiting for."""
        st = self.stepper
        # Sized so that both fit side by side in a notebook beside JupyterLab's file browser.
        parts = [loss_svg([("cost", st.costs)], self.unit, f"Cost after each {self.unit}", width=270, height=250)]
        if self._grid is not None:
            self.boundary_values = _outputs(st.net, self._grid)
            parts.append(boundary_svg(self.boundary_values, st.X, st.y, width=270, height=250))
        self.image.value = f'<div class="bp-figures">{"".join(parts)}</div>'
        self.status.value = html.escape(st.label)
        self.slider.value = st.index
        self.progress.value = st.index

    def compare(self, **branch) -> "CompareTraining":
        """This training side by side with a branch that splits off at the step shown now and
        changes ``lr``, ``activation``, ``loss``, ``rule``, ``optimizer`` (or, from step 0, ``seed``)."""
        st = self.stepper
        return CompareTraining(st._start[0], st.X, st.y, self.epochs, st.lr, st.loss, copy.deepcopy(st._start[1]),
                               st.batch_size, st.per, st.seed, st.rule, branch=branch, at=st.index,
                               every=self.every)

    def __repr__(self) -> str:
        return f"TrainingView: {self.stepper.label} (of {self.stepper.max_steps})"


# ----- branch and compare: training ----------------------------------------------------
class CompareTraining(_View):
    """Two training runs from the same initial weights, the branch splitting off at ``at``.

    A thin view over ``bpnet.views.stepper.TrainingComparison`` (same arguments; ``branch``
    changes ``lr``, ``activation``, ``loss``, ``rule``, ``optimizer`` or ``seed``): both
    loss curves on one plot, and for two inputs both decision boundaries side by side.
    "start" rewinds both runs to the same initial weights.
    """

    def __init__(self, net: Network, X, y, epochs: int = 200, lr: float = 0.1, loss="half_squared_error",
                 optimizer=None, batch_size: int | None = None, per: str = "epoch", seed: int = 0,
                 rule: str = "gradient", *, branch: dict, at: int = 0, every: int = 1):
        epochs = check_whole(epochs, "epochs (how far the slider goes)", 1)
        self.every = check_whole(every, "every (steps per click)", 1)
        self.comparison = TrainingComparison(net, X, y, lr, loss, optimizer, batch_size, per, seed, rule,
                                             branch=branch, at=at, max_steps=epochs)
        c = self.comparison
        c.goto(int(at))  # where the branch splits off
        self.epochs = epochs
        self.unit = unit = "epoch" if per == "epoch" else "update"
        self._lock = threading.RLock()
        self.start_button = _button("start", "bp-start", "Back to the same initial weights, before training",
                                    "fast-backward")
        self.back_button = _button("back", "bp-back", f"{self.every} {unit}(s) back", "step-backward")
        self.forward_button = _button("forward", "bp-forward", f"{self.every} {unit}(s) on", "step-forward")
        self.end_button = _button("train to end", "bp-end", f"Train both runs to {unit} {epochs}", "fast-forward")
        self.slider = W.IntSlider(value=0, min=0, max=epochs, step=self.every, description=unit,
                                  continuous_update=False, tooltip=f"Drag to any {unit}",
                                  layout=W.Layout(flex="1 1 300px", min_width="220px", max_width="520px"))
        self.slider.add_class("bp-slider")
        self.status = _html_widget("bp-step-label")
        self.image = _html_widget("bp-diagram")
        self._grid = boundary_grid() if c.base.X.shape[1] == 2 else None
        self.boundary_values = None  # (base, branch) outputs over the grid last shown
        for button, target in ((self.start_button, lambda: 0),
                               (self.back_button, lambda: max(0, self.comparison.index - self.every)),
                               (self.forward_button, lambda: min(epochs, self.comparison.index + self.every)),
                               (self.end_button, lambda: epochs)):
            button.on_click(lambda _b, target=target: self.goto(target()))
        self.slider.observe(self._on_slider, names="value")
        buttons = W.HBox([self.start_button, self.back_button, self.forward_button, self.end_button])
        buttons.add_class("bp-row")
        position = W.HBox([self.slider, self.status])
        position.add_class("bp-row")
        self.widget = W.VBox([W.HTML(_CSS), buttons, position, self.image])
        self.widget.add_class("bp-training")
        self.widget.add_class("bp-compare")
        self._show()

    def _on_slider(self, change) -> None:
        with self._lock:
            if change["new"] != self.comparison.index:
                self.comparison.goto(change["new"])
                self._show()

    def goto(self, k: int) -> None:
        """Both runs after ``k`` epochs (or updates)."""
        with self._lock:
            self.comparison.goto(k)
            self._show()

    def _show(self) -> None:
        c = self.comparison
        v = c.view()
        changed = _settings_text(c.changes)
        # the dashed line where the branch splits off, at the step the comparison says (v.split)
        parts = [loss_svg([("base", v.base_costs), (f"branch ({changed})", v.branch_costs)], self.unit,
                          f"Cost after each {self.unit}", split=v.split,
                          split_label=f"{', '.join(c.changes)} changed here")]
        if self._grid is not None:
            self.boundary_values = (_outputs(c.base.net, self._grid), _outputs(c.branch_net, self._grid))
            parts += [boundary_svg(self.boundary_values[0], c.base.X, c.base.y, title="base"),
                      boundary_svg(self.boundary_values[1], c.base.X, c.base.y, title=f"branch ({changed})")]
        self.image.value = f'<div class="bp-figures">{"".join(parts)}</div>'  # first, as TrainingView does
        self.status.value = html.escape(v.label)
        self.slider.value = v.index

    def __repr__(self) -> str:
        c = self.comparison
        return f"CompareTraining: {c.view().label}; branch ({_settings_text(c.changes)}) from {self.unit} {c.at}"
