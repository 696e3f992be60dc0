"""Interactive views: step through one update, explore activations, watch training.

A thin layer over ``bpnet.stepper``: every number comes from a stepper or a trace,
and each handler moves the stepper and redraws. Figures are drawn once with
matplotlib's Agg canvas (no ipympl) and, per click, only their texts, colours and
data are changed before one re-render into an ``ipywidgets.Image``.

``StepThrough`` keeps a fixed set of CSS classes that browser tests rely on:
bp-stepper (the whole widget), bp-start, bp-back, bp-forward, bp-end, bp-next-phase,
bp-play, bp-slider, bp-step-label, bp-formula, bp-weights, bp-rule, bp-diagram.

Displayed in a notebook, each view's plain-text form is a short deterministic
sentence, so nbval can compare it.
"""

from __future__ import annotations

import html
import io

import ipywidgets as W
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .examples import xor_example
from .network import Network
from .plots import diagram_figsize, draw_network, plot_activation, plot_decision_boundary, plot_loss
from .stepper import EXPLORER_ACTIVATIONS, RuleStepper, TrainingStepper, activation_reading
from .trace import fmt

__all__ = ["StepThrough", "ActivationExplorer", "TrainingView", "figure_png"]

_PHASE_TITLES = {"forward": "Forward pass", "loss": "Loss", "deltas": "Deltas (backward pass)",
                 "updates": "Gradients and weight updates"}
_FIELD_NAMES = {"a": "activation of {}", "z": "pre-activation z of {}", "delta": "delta of {}",
                "grad": "gradient of weight {}", "weights": "new value of weight {}", "loss": "loss",
                "cost": "cost J over the batch"}
_SYMBOLS = {"a": "{}", "z": "z({})", "delta": "δ({})", "grad": "g({})", "weights": "w({})", "loss": "loss",
            "cost": "J"}
_RULE_NAMES = {"article": "the article's rule (δ = y − a, then w := w − lr·a·δ)",
               "gradient": "gradient descent (δ = ∂L/∂z, then w := w − lr·∂L/∂w)"}

_CSS = """<style>
.bp-weights table { border-collapse: collapse; font-family: var(--jp-code-font-family, monospace); font-size: 12px; }
.bp-weights caption { text-align: left; font-weight: bold; padding-bottom: 2px; white-space: nowrap; }
.bp-weights th, .bp-weights td { padding: 1px 8px; text-align: right; border-bottom: 1px solid #ddd; }
.bp-weights th { text-align: left; }
.bp-weights tr[aria-current="true"] { background: #F0E442; font-weight: bold; }
.bp-weights .bp-up { color: #0072B2; } .bp-weights .bp-down { color: #D55E00; }
.bp-formula code { font-size: 13px; white-space: pre-wrap; }
</style>"""


def figure_png(fig: Figure, dpi: float | None = None) -> bytes:
    """Render ``fig`` to PNG bytes with the Agg canvas (the one slow call per click)."""
    buf = io.BytesIO()
    fig.canvas.print_png(buf) if dpi is None else fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def _figure(figsize, dpi: float) -> Figure:
    # A bare Figure, not pyplot: the inline backend never shows it by itself.
    fig = Figure(figsize=figsize, dpi=dpi)
    FigureCanvasAgg(fig)
    return fig


def _button(text: str, css: str, tooltip: str, icon: str = "") -> W.Button:
    # Icons from the widgets' own icon font: media-control glyphs are missing from many system fonts.
    b = W.Button(description=text, tooltip=tooltip, icon=icon, layout=W.Layout(width="auto"))
    b.add_class(css)
    return b


def _num(x) -> str:
    return "—" if x is None else fmt(x)


class _View:
    """Shared bits: the top widget, a deterministic text form, display in a notebook."""

    widget: W.Widget

    def _repr_mimebundle_(self, **kwargs):
        data = self.widget._repr_mimebundle_(**kwargs)
        # Shown where the widget cannot be drawn, e.g. a stored notebook before its cells run.
        data["text/plain"] = f"{self!r}\n(run this cell to show the interactive widget)"
        return data


# ----- step through one update ---------------------------------------------------------
class StepThrough(_View):
    """Step forward and back through every number of one update of ``net`` on (X, y).

    ``rule``: "gradient" (gradient descent) or "article" (the worked example's rule);
    the toggle switches between them on the same network, staying on the same step.
    The slider counts steps from 1, like the label: ``slider.value = k`` shows step k.
    """

    def __init__(self, net: Network, X, y, lr: float = 0.1, loss="half_squared_error",
                 rule: str = "gradient", dpi: float = 80):
        self.stepper = RuleStepper(net, X, y, lr, loss, rule)
        n, st = self.stepper.n, self.stepper
        self.start_button = _button("start", "bp-start", "first step", "fast-backward")
        self.back_button = _button("back", "bp-back", "previous step", "step-backward")
        self.forward_button = _button("forward", "bp-forward", "next step", "step-forward")
        self.end_button = _button("end", "bp-end", "last step", "fast-forward")
        self.next_phase_button = _button("next phase", "bp-next-phase", "first step of the next phase", "forward")
        self.play = W.Play(value=1, min=1, max=n, step=1, interval=800, description="play",
                           show_repeat=False)
        self.play.add_class("bp-play")
        self.speed = W.FloatSlider(value=1.25, min=0.5, max=8.0, step=0.25, description="steps/s",
                                   readout_format=".2f", continuous_update=False)
        self.speed.add_class("bp-speed")
        self.slider = W.IntSlider(value=1, min=1, max=n, description="step", continuous_update=True,
                                  layout=W.Layout(width="60%"))
        self.slider.add_class("bp-slider")
        self.step_label = W.Label(value=st.label)
        self.step_label.add_class("bp-step-label")
        self.rule_toggle = W.ToggleButtons(options=[("article's rule", "article"), ("gradient descent", "gradient")],
                                           value=st.rule, description="rule",
                                           tooltips=[_RULE_NAMES["article"], _RULE_NAMES["gradient"]])
        self.rule_toggle.add_class("bp-rule")
        self.formula = W.HTML()
        self.formula.add_class("bp-formula")
        self.weights = W.HTML()
        self.weights.add_class("bp-weights")
        self.diagram_image = W.Image(format="png")
        self.diagram_image.add_class("bp-diagram")
        self.activation_image = W.Image(format="png", layout=W.Layout(width="360px"))
        self.activation_image.add_class("bp-activation")

        self._fig = _figure(diagram_figsize(st.trace.before), dpi)
        ax = self._fig.add_axes((0, 0.08, 1, 0.86))
        self.diagram = draw_network(ax, st.state, net=st.trace.before)
        self._act_fig = _figure((4.5, 3.0), dpi)
        self._act_fig.subplots_adjust(left=0.15, right=0.97, top=0.9, bottom=0.32)
        self.activation_plot = plot_activation(self._act_fig.add_subplot(), "identity")
        self._shown = None
        self._syncing = False
        self._act_png: dict[tuple, bytes] = {}

        for button, move in ((self.start_button, st.start), (self.back_button, st.back),
                             (self.forward_button, st.forward), (self.end_button, st.end),
                             (self.next_phase_button, st.next_phase)):
            button.on_click(lambda _b, move=move: self._move(move))
        self.slider.observe(self._on_slider, names="value")
        self.rule_toggle.observe(self._on_rule, names="value")
        self.speed.observe(self._on_speed, names="value")
        W.jslink((self.play, "value"), (self.slider, "value"))
        self._on_speed({"new": self.speed.value})

        buttons = W.HBox([self.start_button, self.back_button, self.forward_button, self.end_button,
                          self.next_phase_button, self.play, self.speed])
        side = W.VBox([self.formula, self.activation_image], layout=W.Layout(width="42%"))
        self.widget = W.VBox([W.HTML(_CSS), buttons, W.HBox([self.slider, self.step_label]),
                              self.rule_toggle, W.HBox([self.diagram_image, side]), self.weights])
        self.widget.add_class("bp-stepper")
        self._show()

    @classmethod
    def from_example(cls, example=None, rule: str = "article", sample: int | None = 0, **kwargs) -> "StepThrough":
        """The worked example (``bpnet.xor_example()`` by default) on one sample, or all if None.

        The article makes its one update from the first sample, (0, 0) -> 0.
        """
        ex = example if example is not None else xor_example()
        X, y = (ex.X, ex.y) if sample is None else (ex.X[sample:sample + 1], ex.y[sample:sample + 1])
        return cls(ex.net, X, y, ex.lr, getattr(ex, "loss", "half_squared_error"), rule=rule, **kwargs)

    # ----- handlers: move the stepper, then show ------------------------------------
    def _move(self, move) -> None:
        move()
        self._sync_slider()
        self._show()

    def _on_slider(self, change) -> None:
        if not self._syncing:
            self.stepper.goto(change["new"] - 1)
            self._show()

    def _on_rule(self, change) -> None:
        self.stepper.set_rule(change["new"])
        self._sync_slider()
        self._show()

    def _on_speed(self, change) -> None:
        self.play.interval = int(1000 / change["new"])

    def _sync_slider(self) -> None:
        self._syncing = True  # the stepper already moved: do not move it again from the slider
        try:
            self.slider.max = self.play.max = self.stepper.n
            self.slider.value = self.stepper.index + 1
        finally:
            self._syncing = False

    def goto(self, index: int) -> None:
        """Show step ``index`` (0-based, as in the trace)."""
        self._move(lambda: self.stepper.goto(index))

    # ----- the view -----------------------------------------------------------------
    def _show(self) -> None:
        st = self.stepper
        key = (st.rule, st.index)
        if key == self._shown:
            return
        self._shown = key
        rows = st.weight_rows()
        self.step_label.value = st.label
        self.formula.value = self.formula_html()
        self.weights.value = self.weights_html(rows)
        step = st.current
        sample = st.sample
        x = ", ".join(fmt(v) for v in st.trace.X[sample])
        t = ", ".join(fmt(v) for v in st.trace.y[sample])
        m = st.trace.X.shape[0]
        who = f"sample {sample + 1} of {m}: " if m > 1 else "sample: "
        self.diagram.update(st.state, highlight=step, sample=sample,
                            updated=[r.name for r in rows if r.after is not None],
                            title=f"{st.label}   ·   {who}x = ({x}), y = ({t})")
        self.diagram_image.value = figure_png(self._fig)
        # The activation panel belongs to the moment f'(z) is read off: the delta steps.
        reading = st.unit_activation() if step.kind == "delta" else None
        if reading is None:
            self.activation_image.layout.display = "none"
        else:
            self.activation_plot.update(name=reading[0], z=reading[1])
            key = (reading[0], reading[1])
            if key not in self._act_png:  # units often share a z: render each (f, z) once
                if len(self._act_png) >= 64:
                    self._act_png.pop(next(iter(self._act_png)))
                self._act_png[key] = figure_png(self._act_fig)
            self.activation_image.value = self._act_png[key]
            self.activation_image.layout.display = None

    def formula_html(self) -> str:
        """The current step: what it computes, the formula in symbols, then with numbers."""
        st = self.stepper
        step, ch = st.current, st.change()
        e = html.escape
        sample = "" if step.sample is None else f" · sample {step.sample + 1}"
        old = "not yet computed" if ch.old != ch.old else fmt(ch.old)  # NaN != NaN
        parts = [
            f"<div><b>{e(_PHASE_TITLES[step.phase])}</b>{sample} · "
            f"{e(_FIELD_NAMES[ch.field].format(ch.name))}</div>",
            f"<div>in symbols: <code>{e(step.formula)}</code></div>",
            f"<div>with numbers: <code>{e(step.numbers)}</code></div>",
            f"<div>changed: <code>{e(_SYMBOLS[ch.field].format(ch.name))}</code>: {e(old)} → {e(fmt(ch.new))}</div>",
        ]
        other = st.counterpart()
        if other is None:
            parts.append(f"<div>{e(_RULE_NAMES[st.other_rule])} has no such step.</div>")
        elif abs(other.value - step.value) > 1e-12:
            parts.append(f"<div>⚠ differs under {e(_RULE_NAMES[st.other_rule])}: "
                         f"<code>{e(other.numbers)}</code></div>")
        else:
            parts.append(f"<div>same value under {e(_RULE_NAMES[st.other_rule])}.</div>")
        return "".join(parts)

    def weights_html(self, rows=None) -> str:
        """Every weight as text: name, before, gradient, after (— until computed), ▲/▼ on change.

        One <tr> per weight (the columns are named in the caption and in each cell's title).
        """
        rows = self.stepper.weight_rows() if rows is None else rows
        step = self.stepper.current
        current = step.name if step.kind in ("gradient", "update") else None
        out = ["<table><caption>weights: name · before · gradient · after (— = not computed yet; "
               "▲ grew, ▼ shrank)</caption><tbody>"]
        for r in rows:
            mark, css = {"up": (" ▲", "bp-up"), "down": (" ▼", "bp-down"), "same": (" (=)", "")}.get(
                r.direction, ("", ""))
            cur = ' aria-current="true"' if r.name == current else ""
            out.append(
                f'<tr data-weight="{html.escape(r.name)}"{cur}><th scope="row" title="weight">{html.escape(r.name)}</th>'
                f'<td title="before">{_num(r.before)}</td><td title="gradient">{_num(r.gradient)}</td>'
                f'<td title="after" class="{css}">{_num(r.after)}{mark}</td></tr>')
        out.append("</tbody></table>")
        return "".join(out)

    def __repr__(self) -> str:
        return f"StepThrough: {self.stepper.n} steps of one update under {self.stepper.rule!r} rule, at {self.stepper.label}"


# ----- the activation explorer ---------------------------------------------------------
class ActivationExplorer(_View):
    """Choose an activation, slide z, read f(z) and f'(z) and whether the unit saturates."""

    def __init__(self, name: str = "sigmoid", z: float = 0.0, zlim=(-6.0, 6.0), dpi: float = 80):
        self.choice = W.Dropdown(options=list(EXPLORER_ACTIVATIONS), value=name, description="activation")
        self.choice.add_class("bp-activation-choice")
        self.z_slider = W.FloatSlider(value=z, min=zlim[0], max=zlim[1], step=0.1, description="z",
                                      readout_format=".1f")
        self.z_slider.add_class("bp-z")
        self.reading = W.HTML()
        self.reading.add_class("bp-activation-reading")
        self.image = W.Image(format="png")
        self.image.add_class("bp-activation-plot")
        self._fig = _figure((5.2, 3.4), dpi)
        self._fig.subplots_adjust(left=0.13, right=0.97, top=0.9, bottom=0.3)
        self.plot = plot_activation(self._fig.add_subplot(), name, z, zlim=zlim)
        self.choice.observe(lambda c: self._show(), names="value")
        self.z_slider.observe(lambda c: self._show(), names="value")
        self.widget = W.VBox([W.HBox([self.choice, self.z_slider]), self.reading, self.image])
        self.widget.add_class("bp-explorer")
        self._show()

    def _show(self) -> None:
        r = activation_reading(self.choice.value, self.z_slider.value)
        self.reading.value = (f"<div><code>z = {fmt(r.z)}</code>, <code>f(z) = {fmt(r.f)}</code>, "
                              f"<code>f'(z) = {fmt(r.df)}</code></div><div>{html.escape(r.note)}</div>")
        self.plot.update(name=r.name, z=r.z)
        self.image.value = figure_png(self._fig)

    def __repr__(self) -> str:
        r = activation_reading(self.choice.value, self.z_slider.value)
        return f"ActivationExplorer: {r.text}"


# ----- training ------------------------------------------------------------------------
class TrainingView(_View):
    """Loss curve and decision boundary, updated as training advances epoch by epoch.

    Wraps a ``TrainingStepper`` (same arguments); ``epochs`` is how far the slider goes.
    ``run()`` trains to the end with a progress bar (call it from a cell for long runs).
    """

    def __init__(self, net: Network, X, y, epochs: int = 200, lr: float = 0.1, loss="half_squared_error",
                 optimizer=None, batch_size: int | None = None, per: str = "epoch", seed: int = 0,
                 every: int = 1, keep: int = 64, dpi: float = 80):
        self.stepper = TrainingStepper(net, X, y, lr, loss, optimizer, batch_size, per, seed, keep,
                                       max_steps=epochs)
        self.every = max(1, int(every))
        unit = "epoch" if per == "epoch" else "update"
        self.start_button = _button("start", "bp-start", "before training", "fast-backward")
        self.back_button = _button("back", "bp-back", f"{self.every} {unit}(s) back", "step-backward")
        self.forward_button = _button("forward", "bp-forward", f"{self.every} {unit}(s) on", "step-forward")
        self.end_button = _button("train to end", "bp-end", f"train to {unit} {epochs}", "fast-forward")
        self.play = W.Play(value=0, min=0, max=epochs, step=self.every, interval=200, show_repeat=False)
        self.play.add_class("bp-play")
        self.slider = W.IntSlider(value=0, min=0, max=epochs, step=self.every, description=unit,
                                  continuous_update=False, layout=W.Layout(width="60%"))
        self.slider.add_class("bp-slider")
        self.progress = W.IntProgress(value=0, min=0, max=epochs, description="trained")
        self.progress.add_class("bp-progress")
        self.status = W.Label()
        self.status.add_class("bp-step-label")
        self.image = W.Image(format="png")
        self.image.add_class("bp-diagram")
        two_inputs = self.stepper.X.shape[1] == 2
        self._fig = _figure((9.6 if two_inputs else 5.0, 3.6), dpi)
        ax_loss = self._fig.add_subplot(1, 2 if two_inputs else 1, 1)
        self.loss_plot = plot_loss(ax_loss, self.stepper.costs,
                                   xlabel=unit, title=f"Cost over all samples after each {unit}")
        self.boundary_plot = None
        if two_inputs:
            self.boundary_plot = plot_decision_boundary(self._fig.add_subplot(1, 2, 2), self.stepper.net,
                                                        self.stepper.X, self.stepper.y)
        self._fig.subplots_adjust(left=0.08, right=0.93, bottom=0.25, top=0.9, wspace=0.35)
        self._syncing = False

        for button, target in ((self.start_button, lambda: 0),
                               (self.back_button, lambda: max(0, self.stepper.index - self.every)),
                               (self.forward_button, lambda: min(epochs, self.stepper.index + self.every))):
            button.on_click(lambda _b, target=target: self.goto(target()))
        self.end_button.on_click(lambda _b: self.run())
        self.slider.observe(self._on_slider, names="value")
        W.jslink((self.play, "value"), (self.slider, "value"))
        self.widget = W.VBox([W.HBox([self.start_button, self.back_button, self.forward_button,
                                      self.end_button, self.play]),
                              W.HBox([self.slider, self.progress]), self.status, self.image])
        self.widget.add_class("bp-training")
        self._show()

    def _on_slider(self, change) -> None:
        if not self._syncing:
            self.goto(change["new"])

    def goto(self, k: int) -> None:
        """Show the network after ``k`` epochs (or updates)."""
        self.stepper.goto(k)
        self._show()

    def run(self, steps: int | None = None, chunks: int = 50) -> None:
        """Train ``steps`` more (to the end by default), updating the progress bar as it goes."""
        st = self.stepper
        steps = st.max_steps - st.index if steps is None else int(steps)
        st.run(steps, callback=self._progress, every=max(1, steps // chunks))
        self._show()

    def _progress(self, st) -> None:
        self.progress.value = st.index
        self.status.value = f"training… {st.label}"

    def _show(self) -> None:
        st = self.stepper
        self._syncing = True
        try:
            self.slider.value = st.index
        finally:
            self._syncing = False
        self.progress.value = st.index
        self.status.value = st.label
        self.loss_plot.update(st.costs)
        if self.boundary_plot is not None:
            self.boundary_plot.update(st.net)
        self.image.value = figure_png(self._fig)

    def __repr__(self) -> str:
        return f"TrainingView: {self.stepper.label} (of {self.stepper.max_steps})"
