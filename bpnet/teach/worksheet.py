"""Worksheets for teachers: seeded variants of a worked example, a student sheet and a separate key.

A ``Template`` says what a variant looks like: the network's shape, activations, loss,
learning rate and rule, and the "nice" values its weights, inputs and targets are drawn
from (e.g. multiples of 0.5 in [-1.5, 1.5]). ``generate(template, n, seed)`` draws ``n``
variants, keeping only those that

* are **nice**: every number a student computes up to the last asked step has at most
  ``digits`` significant digits (by default 4). Only numbers that + - * / of nice numbers
  produce can be nice; once a sigmoid, tanh or softmax has been applied a number has
  infinitely many digits, so from there on the key gives 4 significant digits and the
  rule does not apply (identity, ReLU and leaky ReLU networks are nice throughout);
* are **not degenerate**: for every mistake of the catalogue (``bpnet.explain.mistakes``) and every
  asked step in which it can show, the mistake gives a wrong number on at least one of the
  step's questions, so someone holding it cannot get a step all right. (Demanding it of every
  single question is impossible on small piecewise-linear networks: a hidden unit with z > 0
  has f'(z) = 1, and one with z < 0 makes "f' of the wrong unit" coincide with another unit.)
  The key names, at each question, the mistakes that happen to give its right number too;
  mistakes that no variant of the template can expose (with leaky ReLU, f'(a) is f'(z)) are
  listed, not a reason to reject.

The same template and seed give the same variants, byte for byte, on any machine.

``write_worksheets(variants, out_dir)`` writes per variant a student sheet (the network
drawn with its weights as SVG, the sample, the questions with blanks) and a key (each
asked number with its formula and the numbers substituted, from the trace), as Markdown
and as print-ready HTML (one variant a page, A4 or Letter), plus ``sheets.html`` and
``keys.html`` with every variant. ``Quiz`` is the same variant as a self-checking
exercise: answers are graded by ``bpnet.teach.exercises``, and the key is computed from the seed
when an answer is checked, never stored in the student's notebook.
"""

from __future__ import annotations

import functools
import hashlib
import html
import io
import json
import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from ..core.notation import PHASE_TITLES, fmt, markdown_escape, vector
from ..core.network import Network
from ..explain.trace import Trace, trace_step

__all__ = [
    "Template", "Variant", "Question", "TEMPLATES", "DEFAULT_TEMPLATE", "get_template", "template_from_example",
    "generate", "write_worksheets", "sheet_markdown", "key_markdown", "sheet_html", "key_html",
    "Quiz", "STEPS", "explain_mistake", "vector",
]

#: The steps a worksheet can ask for, in the order a student computes them.
STEPS = ("forward", "loss", "delta", "gradient", "update")
# Activations after which a number is no longer a finite decimal (see the module docstring).
_EXACT_ACTIVATIONS = {"identity", "relu", "leaky_relu"}
_MAX_TRIES_PER_VARIANT = 2000


def _grid(step: float, lo: float, hi: float, zero: bool = True) -> tuple[float, ...]:
    """Multiples of ``step`` in [lo, hi], e.g. _grid(0.5, -1, 1) = (-1, -0.5, 0, 0.5, 1)."""
    if not (step > 0 and math.isfinite(step) and lo <= hi):
        raise ValueError(f"a grid needs step > 0 and lo <= hi, got step {step}, range [{lo}, {hi}]")
    k0, k1 = math.ceil(lo / step - 1e-9), math.floor(hi / step + 1e-9)
    values = tuple(round(k * step, 10) for k in range(k0, k1 + 1))
    values = tuple(v for v in values if zero or v != 0)
    if not values:
        raise ValueError(f"no multiple of {step} lies in [{lo}, {hi}]")
    return values


@dataclass(frozen=True)
class Template:
    """What every variant of a worksheet shares, and the nice values the rest is drawn from.

    sizes, activations, names: the network (as ``Network``); loss, lr, rule: the update.
    weight_values / input_values / target_values: the values each weight, input and target
    is drawn from. frozen: weight names (or "biases") the update holds fixed.
    """

    name: str
    sizes: tuple[int, ...]
    activations: tuple[str, ...]
    loss: str = "half_squared_error"
    lr: float = 0.1
    rule: str = "gradient"
    names: tuple[str, ...] | None = None
    weight_values: tuple[float, ...] = _grid(0.5, -1.5, 1.5, zero=False)
    input_values: tuple[float, ...] = _grid(0.5, -1.0, 1.0)
    target_values: tuple[float, ...] = (0.0, 0.5, 1.0)
    frozen: tuple[str, ...] = ()
    description: str = ""

    def network(self, W) -> Network:
        frozen = "biases" if self.frozen == ("biases",) else list(self.frozen)
        return Network(W, [_activation(a) for a in self.activations],
                       names=list(self.names) if self.names else None, frozen=frozen or None)

    def to_dict(self) -> dict:
        return {"name": self.name, "sizes": list(self.sizes), "activations": list(self.activations),
                "loss": self.loss, "lr": self.lr, "rule": self.rule,
                "names": list(self.names) if self.names else None,
                "weight_values": list(self.weight_values), "input_values": list(self.input_values),
                "target_values": list(self.target_values), "frozen": list(self.frozen),
                "description": self.description}

    @classmethod
    def from_dict(cls, d: dict) -> "Template":
        known = {f for f in cls.__dataclass_fields__}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ValueError(f"unknown template key(s) {unknown}; expected some of {sorted(known)}")
        d = dict(d)
        for key in ("sizes", "activations", "names", "weight_values", "input_values", "target_values", "frozen"):
            if d.get(key) is not None:
                d[key] = tuple(d[key])
        return cls(**d)

    def with_values(self, *, weights=None, inputs=None, targets=None) -> "Template":
        """The same template with other value grids, each given as (step, lo, hi) or a list of values."""
        def values(spec, zero):
            if spec is None:
                return None
            if isinstance(spec, tuple) and len(spec) == 3:
                return _grid(*spec, zero=zero)
            return tuple(float(v) for v in spec)
        return replace(self, **{k: v for k, v in {
            "weight_values": values(weights, False), "input_values": values(inputs, True),
            "target_values": values(targets, True)}.items() if v is not None})


_NONZERO_INPUTS = (-1.0, -0.5, 0.5, 1.0)

TEMPLATES: dict[str, Template] = {
    "leaky-2-2-1": Template(
        "leaky-2-2-1", (2, 2, 1), ("leaky_relu(0.1)", "identity"), lr=0.1, input_values=_NONZERO_INPUTS,
        description="two inputs, two leaky-ReLU hidden units (slope 0.1 below 0), one linear output, "
                    "half squared error: every number is a short decimal"),
    "leaky-2-2-2": Template(
        "leaky-2-2-2", (2, 2, 2), ("leaky_relu(0.1)", "identity"), lr=0.1, input_values=_NONZERO_INPUTS,
        description="as leaky-2-2-1 with two outputs"),
    "sigmoid-2-2-1": Template(
        "sigmoid-2-2-1", (2, 2, 1), ("sigmoid", "sigmoid"), lr=0.5, input_values=_NONZERO_INPUTS,
        target_values=(0.0, 1.0),
        description="the textbook's sigmoid network: numbers after a sigmoid are given to 6 significant digits"),
}
#: The template used when none is named.
DEFAULT_TEMPLATE = "leaky-2-2-1"


def get_template(spec) -> Template:
    """A Template, a built-in template's name, or a network file / loaded example."""
    if isinstance(spec, Template):
        return spec
    if isinstance(spec, str) and spec in TEMPLATES:
        return TEMPLATES[spec]
    if isinstance(spec, (str, Path, dict)) or hasattr(spec, "net"):
        return template_from_example(spec)
    raise TypeError(f"a template is a Template, one of {sorted(TEMPLATES)} or a network file; got {spec!r}")


def template_from_example(example, name: str | None = None, **values) -> Template:
    """The template of a network file (path or dict, see ``bpnet.load_network``) or a loaded example.

    The file gives the shape, activations, names, loss, lr, rule and frozen weights; its
    weights and samples are replaced in each variant by values from the grids (default:
    weights multiples of 0.5 in [-1.5, 1.5] without 0, inputs multiples of 0.5 in [-1, 1],
    targets 0, 0.5, 1; change them with ``values``: weights=(0.1, -1, 1), ...).
    """
    if not hasattr(example, "net"):
        from .netfile import load_network
        example = load_network(example)
    net = example.net
    frozen = tuple(sorted(getattr(net, "frozen", ()) or ()))
    t = Template(name or getattr(example, "name", None) or "network file", tuple(net.sizes),
                 tuple(_activation_spec(a) for a in net.acts), loss=_loss_name(example.loss), lr=float(example.lr),
                 rule=getattr(example, "rule", "gradient") or "gradient", names=tuple(net.names), frozen=frozen)
    return t.with_values(**values) if values else t


def _activation(spec: str):
    """An activation by name; ``leaky_relu(0.1)`` is leaky ReLU with slope 0.1 below zero."""
    from ..core.activations import LeakyReLU, get_activation

    m = re.fullmatch(r"\s*leaky_relu\(\s*([0-9.eE+-]+)\s*\)\s*", spec) if isinstance(spec, str) else None
    if m:
        return LeakyReLU(float(m.group(1)))
    return get_activation(spec)


def _activation_spec(act) -> str:
    return f"leaky_relu({fmt(act.alpha)})" if act.name == "leaky_relu" else act.name


def _loss_name(loss) -> str:
    return loss if isinstance(loss, str) else loss.name


# ----- questions ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Question:
    """One number a student computes: its step, the unit or weight, and the trace step that gives it."""

    step: str  # forward | loss | delta | gradient | update
    name: str  # unit (Z1), weight (X1->Z1), or "L" for the loss
    label: str  # how the sheet asks it, e.g. "activation of Z1"
    value: float
    formula: str
    numbers: str
    #: mistakes that give this same number on this variant (each is exposed by another question)
    also: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[str, str | None]:
        """The question as ``bpnet.explain.mistakes.candidates`` takes it."""
        return {"forward": ("forward", self.name), "loss": ("cost", None), "delta": ("delta", self.name),
                "gradient": ("gradient", self.name), "update": ("update", self.name)}[self.step]


def _questions(net: Network, trace: Trace, steps) -> list[Question]:
    qs = []
    for st in trace:
        if st.sample not in (0, None):
            continue
        kind = st.kind
        if kind == "forward" and "forward" in steps:
            qs.append(Question("forward", st.name, f"activation of {st.name}", st.value, st.formula, st.numbers))
        elif kind == "loss" and "loss" in steps and st.sample == 0:
            qs.append(Question("loss", "L", "loss L of the sample", st.value, st.formula, st.numbers))
        elif kind == "delta" and "delta" in steps:
            qs.append(Question("delta", st.name, f"delta δ of {st.name}", st.value, st.formula, st.numbers))
        elif kind == "gradient" and "gradient" in steps:
            qs.append(Question("gradient", st.name, f"gradient ∂L/∂w of {st.name}", st.value, st.formula, st.numbers))
        elif kind == "update" and "update" in steps:
            qs.append(Question("update", st.name, f"new weight {st.name}", st.value, st.formula, st.numbers))
    # Step by step, as the sheet numbers them (the trace interleaves each weight's gradient and update),
    # so that question k of a quiz is question k of its sheet.
    return sorted(qs, key=lambda q: STEPS.index(q.step))


def _significant_digits_ok(x: float, digits: int) -> bool:
    """True when x written with ``digits`` significant digits is x (up to float rounding)."""
    if x == 0:
        return True
    rounded = float(f"{x:.{digits - 1}e}")
    return abs(rounded - x) <= 1e-9 * max(1.0, abs(x))


def _exact_steps(net: Network, trace: Trace, last_step: str) -> list:
    """The trace steps up to ``last_step`` whose value is a finite decimal (see module docstring)."""
    order = {"forward": 0, "loss": 1, "delta": 2, "gradient": 3, "update": 4}
    upto = order[last_step]
    kind_order = {"forward": 0, "loss": 1, "delta": 2, "gradient": 3, "update": 4}
    # The first layer whose activation leaves exact decimals: everything after it is inexact.
    inexact_from = next((l for l, a in enumerate(net.acts) if a.name not in _EXACT_ACTIVATIONS), None)
    exact = []
    for st in trace:
        if kind_order[st.kind] > upto:
            continue
        if inexact_from is None:
            exact.append(st)
        elif st.kind == "forward":
            layer = _layer_of_unit(net, st.name)
            # z of the first inexact layer is still exact; its activation is not.
            if layer is not None and layer - 1 < inexact_from:
                exact.append(st)
    return exact


def _layer_of_unit(net: Network, name: str) -> int | None:
    for l, prefix in enumerate(net.names):
        if name.startswith(prefix) and name[len(prefix):].isdigit():
            return l
    return None


# ----- variants -----------------------------------------------------------------------------
@dataclass
class Variant:
    """One worksheet: a network with nice weights, one sample, and the trace of its update."""

    number: int  # 1-based
    seed: int
    template: Template
    net: Network
    x: np.ndarray  # (1, n_in)
    y: np.ndarray  # (1, n_out)
    trace: Trace
    questions: list[Question]
    steps: tuple[str, ...]
    label: str = ""  # a roster name, or "Variant 3"
    undetectable: tuple[str, ...] = field(default=())  # mistakes no variant of the template can expose

    @property
    def title(self) -> str:
        return self.label or f"Variant {self.number}"


def _draw(template: Template, rng: np.random.Generator):
    W = []
    for n, k in zip(template.sizes[:-1], template.sizes[1:]):
        W.append(rng.choice(np.asarray(template.weight_values), size=(n + 1, k)))
    x = rng.choice(np.asarray(template.input_values), size=(1, template.sizes[0]))
    y = rng.choice(np.asarray(template.target_values), size=(1, template.sizes[-1]))
    return W, x, y


def _at_a_kink(net: Network, x) -> bool:
    """True when a ReLU or leaky-ReLU unit has z exactly 0 on this sample."""
    fwd = net.forward(x)
    return any(act.name in ("relu", "leaky_relu") and np.any(z == 0) for act, z in zip(net.acts, fwd.z))


def _variant_seed(seed: int, number: int) -> np.random.SeedSequence:
    return np.random.SeedSequence([int(seed), int(number)])


def _coinciding(net: Network, x, y, template: Template, questions: list[Question]) -> dict:
    """For each asked question: (every catalogue mistake that applies, those that give its right number)."""
    from ..explain.mistakes import candidates

    out = {}
    for q in questions:
        cands = candidates(net, x, y, q.key, loss=template.loss, rule=template.rule, lr=template.lr)
        # The other slope at a ReLU kink is an accepted convention, not a mistake (and variants
        # with a unit at its kink are not drawn at all).
        cands = {k: v for k, v in cands.items() if not k.endswith("kink")}
        out[(q.step, q.name)] = (set(cands), {key for key, value in cands.items() if _same(value, q.value)})
    return out


def _same(value, right: float) -> bool:
    """A mistake's value equals the right one (to float rounding)."""
    if isinstance(value, float):
        return abs(value - right) <= 1e-9 * abs(right) + 1e-12
    v = np.asarray(value, dtype=float).ravel()
    return bool(v.size and np.all(np.isfinite(v)) and np.allclose(v, right, rtol=1e-9, atol=1e-12))


@dataclass(frozen=True)
class _Detectable:
    """Which mistakes a variant of the template can expose, step by step (from a pilot of draws)."""

    by_step: dict  # step -> {mistake key: the question names where it can differ from the right number}
    never: tuple[str, ...]  # mistakes no variant of the template can expose at any asked question


@functools.lru_cache(maxsize=32)
def _detectable(template: Template, steps: tuple[str, ...], pilot: int = 24) -> _Detectable:
    """A mistake can expose itself at a question when, over a pilot of draws of the template,
    applies on at least half the draws and gives another number than the right one there at
    least once in ten draws. At other
    questions it does not touch the number (a hidden unit's slope does not enter an output
    weight's update) or cannot change it on this template (with leaky ReLU, f'(a) is f'(z))."""
    # The pilot's draws have a seed of their own: what a template can expose does not depend on
    # the teacher's seed (and is worked out once per template).
    rng = np.random.default_rng(_variant_seed(20261127, 0))
    seen: dict[tuple[str, str, str], int] = {}
    same: dict[tuple[str, str, str], int] = {}
    for _ in range(pilot):
        W, x, y = _draw(template, rng)
        net = template.network(W)
        tr = trace_step(net, x, y, lr=template.lr, loss=template.loss, rule=template.rule)
        for (step, name), (keys, alike) in _coinciding(net, x, y, template, _questions(net, tr, steps)).items():
            for key in keys:
                seen[step, name, key] = seen.get((step, name, key), 0) + 1
            for key in alike:
                same[step, name, key] = same.get((step, name, key), 0) + 1
    by_step: dict[str, dict[str, set]] = {}
    for (step, name, key), n in seen.items():
        # A mistake that can arise only on rare draws (the other slope exactly at a ReLU kink,
        # which is an accepted convention anyway) is no reason to reject a variant.
        if n >= pilot / 2 and same.get((step, name, key), 0) < 0.9 * n:
            by_step.setdefault(step, {}).setdefault(key, set()).add(name)
    exposed = {key for per in by_step.values() for key in per}
    never = tuple(sorted(key for key in {key for _, _, key in seen} - exposed if _concerns(key, steps)))
    return _Detectable(by_step, never)


_KIND_OF_STEP = {"forward": "forward", "loss": "cost", "delta": "delta", "gradient": "gradient", "update": "update"}


def _concerns(key: str, steps) -> bool:
    """Whether a mistake changes a kind of number the sheet asks for (per the catalogue entry)."""
    from ..explain.mistakes import CATALOGUE

    kinds = set()
    for part in key.split("+"):
        entry = CATALOGUE.get(part)
        if entry is None:
            return True  # not described: count it
        kinds |= set(entry.kinds)
    return bool(kinds & {_KIND_OF_STEP[s] for s in steps})


def _exposes_every_mistake(coincide: dict, detectable: _Detectable, step: str) -> bool:
    """True when every mistake that can show in ``step`` gives a wrong number on at least one of
    the step's questions: someone holding it cannot get the step all right."""
    for key, names in detectable.by_step.get(step, {}).items():
        if not any(key in keys and key not in alike
                   for (s, name), (keys, alike) in coincide.items() if s == step and name in names):
            return False
    return True


def generate(template=DEFAULT_TEMPLATE, n: int = 1, seed: int = 0, steps=("forward", "delta", "update"), digits: int = 4,
             labels: list[str] | None = None) -> list[Variant]:
    """``n`` nice, non-degenerate variants of ``template``; the same seed gives the same variants.

    steps: which numbers the sheet asks for (any of STEPS); digits: the most significant
    digits any number up to the last asked step may have; labels: names for the variants
    (a class roster), else "Variant 1", "Variant 2", ...
    """
    template = get_template(template)
    steps = _check_steps(steps)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= 1000:
        raise ValueError(f"the number of variants must be a whole number from 1 to 1000, got {n!r}")
    if isinstance(digits, bool) or not isinstance(digits, (int, np.integer)) or not 1 <= digits <= 15:
        raise ValueError(f"digits must be a whole number from 1 to 15, got {digits!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a whole number >= 0, got {seed!r}")
    if labels is not None and len(labels) < n:
        raise ValueError(f"the roster names {len(labels)} students but {n} variants were asked for")
    detectable = _detectable(template, steps)
    return [_make_variant(template, seed, number, steps, digits, detectable, labels[number - 1] if labels else "")
            for number in range(1, n + 1)]


def _make_variant(template: Template, seed: int, number: int, steps, digits: int, detectable: _Detectable,
                  label: str = "") -> Variant:
    """Variant ``number`` of the template: drawn from its own seed, so it does not depend on the others."""
    last = max(steps, key=STEPS.index)
    rng = np.random.default_rng(_variant_seed(seed, number))
    for _ in range(_MAX_TRIES_PER_VARIANT):
        W, x, y = _draw(template, rng)
        net = template.network(W)
        tr = trace_step(net, x, y, lr=template.lr, loss=template.loss, rule=template.rule)
        if _at_a_kink(net, x):
            continue  # f'(0) of ReLU is a convention: a question there would have two right answers
        if not all(_significant_digits_ok(st.value, digits) for st in _exact_steps(net, tr, last)):
            continue
        qs = _questions(net, tr, steps)
        coincide, exposed = {}, True
        for step in steps:  # step by step: most rejected draws are rejected early, cheaply
            coincide.update(_coinciding(net, x, y, template, [q for q in qs if q.step == step]))
            if not _exposes_every_mistake(coincide, detectable, step):
                exposed = False
                break
        if not exposed:
            continue
        # Name, at each question, the mistakes that could have shown there but happen not to.
        also = {(step, name): tuple(sorted(k for k in alike if name in detectable.by_step.get(step, {}).get(k, ())))
                for (step, name), (_, alike) in coincide.items()}
        qs = [replace(q, also=also.get((q.step, q.name), ())) for q in qs]
        return Variant(number, int(seed), template, net, x, y, tr, qs, steps, label, detectable.never)
    raise ValueError(
        f"no nice, non-degenerate variant {number} of {template.name!r} in {_MAX_TRIES_PER_VARIANT} draws: "
        f"allow more significant digits (now {digits}) or other weight/input values")


def _check_steps(steps) -> tuple[str, ...]:
    if isinstance(steps, str):
        steps = [s.strip() for s in steps.split(",") if s.strip()]
    steps = tuple(steps)
    bad = [s for s in steps if s not in STEPS]
    if not steps or bad:
        raise ValueError(f"steps must be some of {', '.join(STEPS)}; got {', '.join(map(str, bad)) or 'none'}")
    return tuple(s for s in STEPS if s in steps)


# ----- rendering ----------------------------------------------------------------------------
def _setting(v: Variant) -> list[tuple[str, str]]:
    t = v.template
    acts = "; ".join(f"{v.net.names[l + 1]}: {a.name}" + ("" if a.name == "identity" else f" = {a.formula}")
                     for l, a in enumerate(v.net.acts))
    frozen = sorted(getattr(v.net, "frozen", ()) or ())
    rows = [("input x", vector(v.x)), ("target y", vector(v.y)), ("activations", acts),
            ("loss", _loss_text(t.loss)), ("learning rate lr", fmt(t.lr)),
            ("update", "gradient descent: w := w − lr·∂J/∂w" if t.rule == "gradient" else f"rule {t.rule}")]
    if frozen:
        rows.append(("held fixed", ", ".join(frozen)))
    return rows


def _loss_text(loss: str) -> str:
    from ..core.losses import get_loss

    lo = get_loss(loss)
    return f"{lo.name} (L = {getattr(lo, 'formula', '')})"


def _weights_rows(net: Network) -> list[tuple[str, str]]:
    return [(name, fmt(value)) for name, value in net.weights_dict().items()]


_HOW = {"forward": "", "loss": "", "delta": "", "gradient": "", "update": ""}


def _numbered(v: Variant):
    """(step, [(k, question), ...]) for each step the sheet asks, in order, numbered 1, 2, ... across
    the whole sheet: the sheet and the key (Markdown and HTML) number their questions alike."""
    k = 0
    for step in v.steps:
        qs = [q for q in v.questions if q.step == step]
        if qs:
            yield step, list(enumerate(qs, k + 1))
            k += len(qs)


def _notes(v: Variant) -> list[str]:
    """"k. question: mistakes" for each question where some mistakes also give the right number."""
    return [f"{k}. {q.label}: {', '.join(explain_mistake(m) for m in q.also)}"
            for _, qs in _numbered(v) for k, q in qs if q.also]


def sheet_markdown(v: Variant) -> str:
    """The student's sheet as Markdown: the setting, every weight, and the questions with blanks."""
    lines = [f"# Backpropagation worksheet — {markdown_escape(v.title)}", "",
             "One gradient-descent update of the network below on one sample. Give every answer "
             "to 4 significant digits.", "", "| | |", "|---|---|"]
    lines += [f"| {markdown_escape(k)} | {markdown_escape(val)} |" for k, val in _setting(v)]
    lines += ["", "**Weights** (row 0 of each layer is the bias unit, whose activation is 1):", "",
              "| weight | value |", "|---|---|"]
    lines += [f"| {markdown_escape(k)} | {val} |" for k, val in _weights_rows(v.net)]
    for step, qs in _numbered(v):
        lines += ["", f"## {PHASE_TITLES[step]}", "", "| # | compute | your answer |", "|---|---|---|"]
        lines += [f"| {k} | {markdown_escape(q.label)} | ________ |" for k, q in qs]
    lines += ["", f"*{markdown_escape(_footer(v))}*", ""]
    return "\n".join(lines)


def key_markdown(v: Variant) -> str:
    """The answer key as Markdown: every asked number with its formula and the numbers substituted."""
    lines = [f"# Answer key — {markdown_escape(v.title)}", "", "| | |", "|---|---|"]
    lines += [f"| {markdown_escape(k)} | {markdown_escape(val)} |" for k, val in _setting(v)]
    for step, qs in _numbered(v):
        lines += ["", f"## {PHASE_TITLES[step]}", "", "| # | quantity | formula | with the numbers | answer |",
                  "|---|---|---|---|---|"]
        lines += [f"| {k} | {markdown_escape(q.label)} | `{q.formula}` | `{_numbers_only(q)}` | **{fmt(q.value)}** |"
                  for k, q in qs]
    notes = _notes(v)
    if notes:
        lines += ["", markdown_escape("On this variant these mistakes also give the right number at these questions "
                                 "(each gives a wrong number at another question of the same step):"), ""]
        lines += [f"- {markdown_escape(n)}" for n in notes]
    if v.undetectable:
        lines += ["", markdown_escape("No variant of this template can expose: "
                                 + ", ".join(explain_mistake(m) for m in v.undetectable) + ".")]
    lines += ["", f"*{markdown_escape(_footer(v))}*", ""]
    return "\n".join(lines)


def explain_mistake(key: str) -> str:
    """A mistake's one-line explanation from bpnet.explain.mistakes.CATALOGUE, as a key lists it (e.g. among
    ``Variant.undetectable``); "a+b" (two mistakes made together) reads "<a> and <b>"; a key the
    catalogue does not hold is written out in words."""
    from ..explain.mistakes import CATALOGUE

    parts = []
    for k in key.split("+"):
        entry = CATALOGUE.get(k)
        parts.append(entry.explanation.rstrip(".") if entry else k.replace("_", " ").replace(":", ": "))
    return " and ".join(parts)


def _numbers_only(q: Question) -> str:
    return q.numbers


def _footer(v: Variant) -> str:
    return (f"bpnet worksheet, template {v.template.name}, seed {v.seed}, variant {v.number}; "
            f"regenerate with the same template and seed")


def diagram_svg(v) -> str:
    """The variant's (or a network's) diagram with every weight, as an SVG string (text kept as text)."""
    import matplotlib
    from matplotlib.figure import Figure

    from ..views.plots import diagram_figsize, draw_network

    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "bpnet-worksheet",
                                "font.family": "DejaVu Sans"}):
        net = v if isinstance(v, Network) else v.net
        fig = Figure(figsize=diagram_figsize(net))
        ax = fig.add_subplot()
        draw_network(ax, net, show_weights="all")
        if ax.get_legend() is not None:  # its entries (weight grew, current step) are for the step-through
            ax.get_legend().remove()
        buf = io.StringIO()
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]  # drop the XML prolog and DOCTYPE: the SVG sits inside HTML
    # Make the drawing scale to the page's width instead of a fixed size in points.
    svg = svg.replace("<svg ", '<svg class="diagram" role="img" aria-label="the network with its weights" ', 1)
    return svg


_CSS = """
@page { size: %(paper)s; margin: 14mm; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 10.5pt; color: #111; margin: 0; }
.variant { page-break-after: always; break-after: page; }
.variant:last-child { page-break-after: auto; break-after: auto; }
h1 { font-size: 15pt; margin: 0 0 4pt 0; }
h2 { font-size: 11.5pt; margin: 8pt 0 3pt 0; }
p { margin: 3pt 0; }
table { border-collapse: collapse; margin: 3pt 0; }
td, th { border: 0.6pt solid #999; padding: 1.5pt 5pt; text-align: left; vertical-align: top; }
th { background: #eee; }
.blank { width: 32mm; }
.cols { display: flex; gap: 6mm; align-items: flex-start; }
.cols > div { flex: 1 1 0; min-width: 0; }
svg.diagram { display: block; width: 100%%; height: auto; max-height: 70mm; margin: 0 auto; }
.figure { text-align: center; }
td.blank { width: 30mm; height: 6.5mm; }
td.name { white-space: nowrap; }
code { font-family: "DejaVu Sans Mono", monospace; font-size: 8.5pt; white-space: pre-wrap; word-break: keep-all; }
.footer { color: #555; font-size: 7.5pt; margin-top: 4pt; }
.nb { white-space: nowrap; }
section.key { font-size: 9pt; }
section.key td { padding: 1pt 4pt; }
section.key code { font-size: 7.5pt; }
@media screen { body { max-width: 190mm; margin: 10mm auto; } .variant { border-bottom: 1px dashed #aaa; padding-bottom: 8mm; margin-bottom: 8mm; } }
"""


def _html_doc(title: str, body: str, paper: str) -> str:
    if paper not in ("A4", "Letter"):
        raise ValueError(f"paper must be 'A4' or 'Letter', got {paper!r}")
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{html.escape(title)}</title>\n<style>{_CSS % {'paper': paper}}</style>\n</head>\n"
            f"<body>\n{body}\n</body>\n</html>\n")


_TOKEN = re.compile(r"[\w.]*\([^()\s]*-&gt;[^()\s]*\)|[\w.]+-&gt;[\w.]+")  # "->" as html.escape writes it


def _nobreak(escaped: str) -> str:
    """HTML-escaped text with every weight name (X0->Z1, w(X0->Z1)) kept on one line."""
    return _TOKEN.sub(lambda m: f'<span class="nb">{m.group(0)}</span>', escaped)


def _table(rows, head=None, cls="") -> str:
    out = [f"<table class=\"{cls}\">" if cls else "<table>"]
    if head:
        out.append("<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in head) + "</tr>")
    for row in rows:
        out.append("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


def _sheet_section(v: Variant) -> str:
    e = html.escape
    setting = _table([(e(k), e(val)) for k, val in _setting(v)])
    weights = _table([(_nobreak(e(k)), e(val)) for k, val in _weights_rows(v.net)], head=("weight", "value"))
    parts = [f"<section class=\"variant\">\n<h1>Backpropagation worksheet — {e(v.title)}</h1>",
             "<p>One gradient-descent update of this network on one sample. Give every answer to 4 "
             "significant digits. Row 0 of each layer is the bias unit; its activation is 1.</p>",
             f"<div class=\"figure\">{diagram_svg(v)}</div>"]
    blocks = []
    for step, qs in _numbered(v):
        rows = [(str(k), _nobreak(e(q.label)), "") for k, q in qs]
        blocks.append(f"<h2>{e(PHASE_TITLES[step])}</h2>"
                      + _table(rows, head=("#", "compute", "your answer")).replace("<td></td>", '<td class="blank"></td>'))
    parts.append(f"<div class=\"cols\"><div>{''.join(blocks)}</div>"
                 f"<div><h2>Setting</h2>{setting}<h2>Weights</h2>{weights}</div></div>")
    parts.append(f"<p class=\"footer\">{e(_footer(v))}</p>\n</section>")
    return "\n".join(parts)


def _key_section(v: Variant) -> str:
    e = html.escape
    parts = [f"<section class=\"variant key\">\n<h1>Answer key — {e(v.title)}</h1>",
             _table([(e(k), e(val)) for k, val in _setting(v)])]
    for step, qs in _numbered(v):
        rows = [(str(k), _nobreak(e(q.label)), f"<code>{_nobreak(e(q.formula))}</code>",
                 f"<code>{_nobreak(e(q.numbers))}</code>", f"<b>{e(fmt(q.value))}</b>") for k, q in qs]
        parts.append(f"<h2>{e(PHASE_TITLES[step])}</h2>"
                     + _table(rows, head=("#", "quantity", "formula", "with the numbers", "answer")))
    notes = _notes(v)
    if notes:
        parts.append("<p class=\"footer\">On this variant these mistakes also give the right number at these "
                     "questions (each gives a wrong number at another question of the same step): "
                     + "; ".join(e(n) for n in notes) + ".</p>")
    if v.undetectable:
        parts.append(f"<p class=\"footer\">No variant of this template can expose: "
                     f"{e(', '.join(explain_mistake(m) for m in v.undetectable))}.</p>")
    parts.append(f"<p class=\"footer\">{e(_footer(v))}</p>\n</section>")
    return "\n".join(parts)


def sheet_html(variants, paper: str = "A4") -> str:
    """Print-ready HTML of the student sheets, one variant a page."""
    variants = [variants] if isinstance(variants, Variant) else list(variants)
    return _html_doc("Backpropagation worksheets", "\n".join(_sheet_section(v) for v in variants), paper)


def key_html(variants, paper: str = "A4") -> str:
    """Print-ready HTML of the answer keys, one variant a page."""
    variants = [variants] if isinstance(variants, Variant) else list(variants)
    return _html_doc("Answer keys", "\n".join(_key_section(v) for v in variants), paper)


def write_worksheets(variants, out_dir, paper: str = "A4", quiz: bool = False) -> list[Path]:
    """Write sheets/ and keys/ (Markdown and HTML per variant), sheets.html and keys.html.

    The keys go in their own folder so the student sheets can be handed out on their own.
    With ``quiz``, also quizzes/variant-NN.ipynb: the self-checking notebook of each variant.
    Returns the paths written, in order. The same variants give byte-identical files.
    """
    variants = list(variants)
    if not variants:
        raise ValueError("no variants to write")
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} exists and is not a folder")
    # Render everything first, so a failure leaves no half-written folder behind.
    files: dict[Path, str] = {}
    width = max(2, len(str(len(variants))))
    for v in variants:
        stem = f"variant-{v.number:0{width}d}"
        files[out / "sheets" / f"{stem}.md"] = sheet_markdown(v)
        files[out / "sheets" / f"{stem}.html"] = sheet_html(v, paper)
        files[out / "keys" / f"{stem}.md"] = key_markdown(v)
        files[out / "keys" / f"{stem}.html"] = key_html(v, paper)
        if quiz:
            files[out / "quizzes" / f"{stem}.ipynb"] = quiz_notebook(v.template, v.seed, v.number, v.steps)
    files[out / "sheets.html"] = sheet_html(variants, paper)
    files[out / "keys.html"] = key_html(variants, paper)
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
    return list(files)


# ----- self-checking quiz -------------------------------------------------------------------
class Quiz:
    """A worksheet variant as a self-checking exercise.

    ``Quiz(template, seed, variant)`` rebuilds the variant from its seed (the same network as
    the printed sheet); ``quiz.check(k, answer)`` grades the answer to question k with
    ``bpnet.teach.exercises``, naming the mistake a wrong answer matches. The right answers are
    computed when an answer is checked and are never shown unless ``quiz.solution(k)`` is asked.
    """

    def __init__(self, template, seed: int, variant: int, steps=("forward", "delta", "update"), digits: int = 4):
        if isinstance(variant, bool) or not isinstance(variant, (int, np.integer)) or variant < 1:
            raise ValueError(f"variant must be a whole number >= 1, got {variant!r}")
        self.template = get_template(template)
        steps = _check_steps(steps)
        self._variant = _make_variant(self.template, seed, int(variant), steps, digits,
                                      _detectable(self.template, steps))

    @property
    def net(self) -> Network:
        return self._variant.net

    @property
    def questions(self) -> list[str]:
        return [q.label for q in self._variant.questions]

    def _question(self, k: int) -> Question:
        qs = self._variant.questions
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= len(qs):
            raise ValueError(f"question must be a number from 1 to {len(qs)}, got {k!r}")
        return qs[k - 1]

    def __repr__(self) -> str:
        return sheet_markdown(self._variant)

    def _repr_markdown_(self) -> str:
        return sheet_markdown(self._variant)

    def diagram(self) -> "_SVG":
        """The network drawn with its weights, as on the printed sheet (an SVG a notebook shows)."""
        return _SVG(diagram_svg(self.net))

    def check(self, k: int, answer):
        """Grade the answer to question k (see ``questions``); returns the checker's result."""
        from . import exercises

        q = self._question(k)
        if answer is None:
            return _NoAnswer(k, q.label)
        t, v = self.template, self._variant
        if q.step == "forward":
            return exercises.check_forward(v.net, v.x, q.name, answer)
        if q.step == "loss":
            return exercises.check_cost(v.net, v.x, v.y, answer, loss=t.loss)
        if q.step == "delta":
            return exercises.check_delta(v.net, v.x, v.y, q.name, answer, loss=t.loss, rule=t.rule)
        if q.step == "gradient":
            return exercises.check_gradient(v.net, v.x, v.y, q.name, answer, loss=t.loss, rule=t.rule)
        return exercises.check_update(v.net, v.x, v.y, q.name, answer, lr=t.lr, loss=t.loss, rule=t.rule)

    def solution(self, k: int) -> str:
        """The worked answer to question k: its formula with the numbers substituted."""
        q = self._question(k)
        return f"{q.formula} = {q.numbers}"


# The narrowest notebook column a learner has: JupyterLab at 1000 px with its file browser open.
_NOTEBOOK_WIDTH_PX = 520


def _fit_width(svg: str, max_px: float) -> str:
    """The SVG scaled down as a whole (fonts too, aspect kept) to at most ``max_px`` wide."""
    m = re.search(r'<svg[^>]*?\swidth="([\d.]+)pt"\s+height="([\d.]+)pt"', svg)
    if not m:
        return svg
    w, h = float(m.group(1)) * 4 / 3, float(m.group(2)) * 4 / 3  # pt -> px
    if w <= max_px:
        return svg
    k = max_px / w
    head = m.group(0).replace(f'width="{m.group(1)}pt"', f'width="{w * k:.1f}px"').replace(
        f'height="{m.group(2)}pt"', f'height="{h * k:.1f}px"')
    return svg.replace(m.group(0), head, 1)


class _SVG:
    """An SVG picture that a notebook displays as itself, no wider than a notebook column."""

    def __init__(self, svg: str):
        self.svg = svg

    def _repr_svg_(self) -> str:
        return _fit_width(self.svg, _NOTEBOOK_WIDTH_PX)

    def __repr__(self) -> str:
        return "<the network with its weights (SVG)>"


class _NoAnswer:
    """What checking an unanswered question shows."""

    def __init__(self, k: int, label: str):
        self.text = f"Question {k} ({label}): no answer yet; put your number in place of None and run the cell again."

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return self.text

    def _repr_markdown_(self) -> str:
        return markdown_escape(self.text)


def quiz_notebook(template, seed: int, variant: int, steps=("forward", "delta", "update")) -> str:
    """The self-checking notebook of one variant, as .ipynb JSON (no answer stored in it)."""
    t = get_template(template)
    steps = _check_steps(steps)
    spec = json.dumps(t.to_dict(), sort_keys=True)
    q = Quiz(t, seed, variant, steps)

    def md(src):
        return {"cell_type": "markdown", "id": _cell_id(spec, seed, variant, src), "metadata": {}, "source": src}

    def code(src):
        return {"cell_type": "code", "id": _cell_id(spec, seed, variant, src), "execution_count": None,
                "metadata": {}, "outputs": [], "source": src}

    cells = [
        md(f"# Backpropagation quiz — variant {variant}\n\nRun the next cell to see your network and the "
           "questions. Then put your answer in each check cell and run it: bpnet tells you whether it is "
           "right and, if not, which common mistake it matches. Answers are checked by bpnet when you run a "
           "cell; they are not stored in this notebook."),
        code("import json\nfrom bpnet.teach.worksheet import Quiz, Template\n\n"
             f"TEMPLATE = Template.from_dict(json.loads({spec!r}))\n"
             f"quiz = Quiz(TEMPLATE, seed={int(seed)}, variant={int(variant)}, steps={list(steps)!r})\nquiz"),
        md("The network, drawn with its weights (row 0 of each layer is the bias unit, activation 1):"),
        code("quiz.diagram()"),
    ]
    for k, label in enumerate(q.questions, 1):
        cells.append(md(f"**Question {k}.** The {label}. Replace `None` by your answer and run the cell."))
        cells.append(code(f"answer_{k} = None\nquiz.check({k}, answer_{k})"))
    cells.append(md("Stuck on a question? `quiz.solution(k)` shows its worked answer — try first."))
    nb = {"cells": cells, "metadata": {"kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python",
                                                       "name": "python3"},
                                        "language_info": {"name": "python"}},
          "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def _cell_id(*parts) -> str:
    return hashlib.sha1(repr(parts).encode()).hexdigest()[:12]


# ----- command line -------------------------------------------------------------------------
def add_arguments(p) -> None:
    """The options of ``python -m bpnet worksheet`` (added by bpnet.__main__)."""
    p.add_argument("network", nargs="?", default=None,
                   help="network file (JSON) whose shape, activations, loss and lr the variants share")
    p.add_argument("--template", default=None,
                   help=f"a built-in template instead of a file: {', '.join(TEMPLATES)}")
    p.add_argument("--variants", type=int, default=None, help="how many variants (default 1, or one per roster name)")
    p.add_argument("--seed", type=int, default=0, help="the same seed gives the same variants (default 0)")
    p.add_argument("--steps", default="forward,delta,update",
                   help=f"what the sheet asks, comma-separated, from {','.join(STEPS)} (default forward,delta,update)")
    p.add_argument("--digits", type=int, default=4,
                   help="most significant digits any number up to the last asked step may have (default 4)")
    p.add_argument("--weights", default=None, metavar="STEP,LO,HI",
                   help="weights are multiples of STEP in [LO, HI], never 0 (default 0.5,-1.5,1.5)")
    p.add_argument("--inputs", default=None, metavar="STEP,LO,HI",
                   help="inputs are multiples of STEP in [LO, HI] (default 0.5,-1,1)")
    p.add_argument("--targets", default=None, metavar="V1,V2,...", help="the values targets are drawn from")
    p.add_argument("--roster", default=None, help="text file with one student name a line: one variant each")
    p.add_argument("--paper", choices=("A4", "Letter"), default="A4")
    p.add_argument("--quiz", action="store_true", help="also write a self-checking quiz notebook per variant")
    p.add_argument("--out", required=True, help="folder to write sheets/, keys/, sheets.html and keys.html into")


def _triple(text: str, option: str) -> tuple[float, float, float]:
    try:
        step, lo, hi = (float(v) for v in text.split(","))
    except ValueError:
        raise ValueError(f"{option} must be STEP,LO,HI such as 0.5,-1.5,1.5, got {text!r}") from None
    return step, lo, hi


def run_cli(args) -> int:
    """Run ``python -m bpnet worksheet``; returns the exit status (2 on bad input, with one message)."""
    import sys

    try:
        if (args.network is None) == (args.template is None):
            raise ValueError("give a network file or --template NAME (one of them)")
        if args.template is not None and args.template not in TEMPLATES:
            raise ValueError(f"unknown template {args.template!r}; expected one of {', '.join(TEMPLATES)}")
        template = get_template(args.template) if args.template else template_from_example(args.network)
        values = {}
        if args.weights:
            values["weights"] = _triple(args.weights, "--weights")
        if args.inputs:
            values["inputs"] = _triple(args.inputs, "--inputs")
        if args.targets:
            try:
                values["targets"] = [float(v) for v in args.targets.split(",")]
            except ValueError:
                raise ValueError(f"--targets must be numbers separated by commas, got {args.targets!r}") from None
        if values:
            template = template.with_values(**values)
        labels = None
        if args.roster:
            try:
                text = Path(args.roster).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise ValueError(f"cannot read the roster {args.roster}: {exc}") from None
            labels = [line.strip() for line in text.splitlines() if line.strip()]
            if not labels:
                raise ValueError(f"the roster {args.roster} names no student")
        n = args.variants if args.variants is not None else (len(labels) if labels else 1)
        variants = generate(template, n, args.seed, args.steps, args.digits, labels)
        paths = write_worksheets(variants, args.out, paper=args.paper, quiz=args.quiz)
    except (ValueError, TypeError, KeyError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"error: {message}", file=sys.stderr)
        return 2
    print(f"wrote {len(variants)} variant(s) of {template.name} (seed {args.seed}) to {args.out}: "
          f"sheets/ and sheets.html for the students, keys/ and keys.html for you ({len(paths)} files)")
    return 0
