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

``sheet_markdown`` and ``key_markdown`` give a variant's student sheet and answer key as
Markdown; the pieces they are made of (``setting_rows``, ``weight_rows``,
``numbered_questions``, ``key_notes``, ``footer``) are public, so that
``bpnet.views.worksheet_pages`` lays out the same sheet as print-ready HTML with the network
drawn, and writes the files. ``bpnet.teach.quiz.Quiz`` is one variant as a self-checking
exercise.
"""

from __future__ import annotations

import functools
import hashlib
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
    "Template", "Variant", "Question", "Detectable", "TEMPLATES", "DEFAULT_TEMPLATE", "STEPS",
    "get_template", "template_from_example", "generate", "make_variant", "check_steps", "detectable", "concerns",
    "exact_steps", "sheet_markdown", "key_markdown", "setting_rows", "weight_rows", "numbered_questions",
    "key_notes", "footer", "quiz_code", "parse_quiz_code", "variant_check", "precision_unit",
    "right_to_digits", "distinguishable", "explain_mistake", "fmt", "vector",
    "MAX_GRID_VALUES", "MAX_VARIANTS", "MAX_UNITS_PER_LAYER", "MAX_WEIGHTS", "MAX_WEIGHT_LAYERS",
]

#: The steps a worksheet can ask for, in the order a student computes them.
STEPS = ("forward", "loss", "delta", "gradient", "update")
# Activations after which a number is no longer a finite decimal (see the module docstring).
_EXACT_ACTIVATIONS = {"identity", "relu", "leaky_relu"}
_MAX_TRIES_PER_VARIANT = 2000


#: Limits checked before any work: values per grid, students on a roster (= variants), and
#: the size of a network worked by hand.
MAX_GRID_VALUES = 1000
MAX_VARIANTS = 1000
MAX_UNITS_PER_LAYER = 8
MAX_WEIGHTS = 64
MAX_WEIGHT_LAYERS = 3


def _grid(step: float, lo: float, hi: float, zero: bool = True) -> tuple[float, ...]:
    """Multiples of ``step`` in [lo, hi], e.g. _grid(0.5, -1, 1) = (-1, -0.5, 0, 0.5, 1)."""
    if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in (step, lo, hi)):
        raise ValueError(f"a grid needs finite numbers, got step {step}, range [{lo}, {hi}]")
    if not (step > 0 and lo <= hi):
        raise ValueError(f"a grid needs step > 0 and lo <= hi, got step {step}, range [{lo}, {hi}]")
    count = math.floor(hi / step + 1e-9) - math.ceil(lo / step - 1e-9) + 1
    if count > MAX_GRID_VALUES:
        raise ValueError(f"a grid of multiples of {step} in [{lo}, {hi}] has {count} values; at most "
                         f"{MAX_GRID_VALUES} are allowed (take a larger step or a narrower range)")
    k0, k1 = math.ceil(lo / step - 1e-9), math.floor(hi / step + 1e-9)
    values = tuple(round(k * step, 10) for k in range(k0, k1 + 1))
    values = tuple(v for v in values if zero or v != 0)
    if not values:
        raise ValueError(f"no multiple of {step} lies in [{lo}, {hi}]")
    return values


def _check_values(values, what: str) -> tuple[float, ...]:
    values = tuple(float(v) for v in values)
    if not values:
        raise ValueError(f"the {what} values are empty")
    if len(values) > MAX_GRID_VALUES:
        raise ValueError(f"{len(values)} {what} values; at most {MAX_GRID_VALUES} are allowed")
    bad = [v for v in values if not math.isfinite(v)]
    if bad:
        raise ValueError(f"the {what} values must be finite numbers, got {bad[0]}")
    return values


def _check_size(sizes) -> None:
    """A network small enough to be worked by hand, or one clear error."""
    weights = sum((n + 1) * k for n, k in zip(sizes[:-1], sizes[1:]))
    if len(sizes) - 1 > MAX_WEIGHT_LAYERS or max(sizes) > MAX_UNITS_PER_LAYER or weights > MAX_WEIGHTS:
        raise ValueError(
            f"a worksheet's network is worked by hand: at most {MAX_WEIGHT_LAYERS} weight layers, "
            f"{MAX_UNITS_PER_LAYER} units a layer and {MAX_WEIGHTS} weights; "
            f"{'-'.join(map(str, sizes))} has {len(sizes) - 1} weight layers and {weights} weights")


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

    def __post_init__(self):
        sizes = tuple(self.sizes)
        if len(sizes) < 2 or any(isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1 for n in sizes):
            raise ValueError(f"a template's sizes are whole numbers >= 1, at least two of them, got {list(sizes)}")
        sizes = tuple(int(n) for n in sizes)
        object.__setattr__(self, "sizes", sizes)
        _check_size(sizes)
        for name in ("weight_values", "input_values", "target_values"):
            object.__setattr__(self, name, _check_values(getattr(self, name), name.split("_")[0]))

    @property
    def one_hot_targets(self) -> bool:
        """True when a target row must sum to 1 (softmax output or categorical cross-entropy):
        targets are then drawn one-hot."""
        return self.loss == "categorical_cross_entropy" or self.activations[-1] == "softmax"

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
        if isinstance(example, (str, Path)):
            _check_file_size(Path(example))
        example = load_network(example)
    net = example.net
    frozen = tuple(sorted(getattr(net, "frozen", ()) or ()))
    t = Template(name or getattr(example, "name", None) or "network file", tuple(net.sizes),
                 tuple(_activation_spec(a) for a in net.acts), loss=_loss_name(example.loss), lr=float(example.lr),
                 rule=getattr(example, "rule", "gradient") or "gradient", names=tuple(net.names), frozen=frozen)
    return t.with_values(**values) if values else t


def _check_file_size(path: Path) -> None:
    """Refuse a network file too large for a worksheet before it is loaded (its "layers" read first)."""
    try:
        layers = json.loads(path.read_text(encoding="utf-8")).get("layers")
    except (OSError, ValueError, AttributeError, UnicodeDecodeError):
        return  # the loader says what is wrong with the file
    if isinstance(layers, list) and layers and all(isinstance(n, int) and n >= 1 for n in layers):
        try:
            _check_size(tuple(layers))
        except ValueError as exc:
            raise ValueError(f"{path}: {exc}") from None


def _activation(spec: str):
    """An activation by its spec: ``leaky_relu(0.1)`` is leaky ReLU with slope 0.1 below zero."""
    from ..core.activations import get_activation

    return get_activation(spec)


def _activation_spec(act) -> str:
    return act.spec


def _loss_name(loss) -> str:
    return loss if isinstance(loss, str) else loss.spec


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
    #: "value" (the number itself) or, for an update, "change": the step Δw = new - old weight,
    #: asked when the new weight to the sheet's digits cannot tell a mistake from the right step
    ask: str = "value"
    #: for a change: the weight before the update (the new weight is old + the answer)
    old: float = 0.0

    @property
    def key(self) -> tuple[str, str | None]:
        """The question as ``bpnet.explain.mistakes.candidates`` takes it."""
        return {"forward": ("forward", self.name), "loss": ("cost", None), "delta": ("delta", self.name),
                "gradient": ("gradient", self.name), "update": ("update", self.name)}[self.step]


_LABELS = {"forward": "activation of {}", "loss": "loss L of the sample", "delta": "delta δ of {}",
           "gradient": "gradient ∂L/∂w of {}", "update": "new weight {}"}


def _questions(net: Network, trace: Trace, steps, text: bool = True) -> list[Question]:
    """The questions of ``steps`` on the trace's first sample; ``text=False``: without their formula
    and numbers written out ("", for counting mistakes only)."""
    qs = []
    for st in trace:
        kind = st.kind
        if st.sample not in (0, None) or kind not in steps:
            continue
        if (kind == "forward" and "(" in st.name) or (kind == "loss" and st.sample != 0):
            continue  # softmax's z(D0): its z, asked as D0; the loss of the sample, not the cost
        name = "L" if kind == "loss" else st.name
        formula, numbers = (st.formula, st.numbers) if text else ("", "")
        qs.append(Question(kind, name, _LABELS[kind].format(name), st.value, formula, numbers))
    # Step by step, as the sheet numbers them (the trace interleaves each weight's gradient and update),
    # so that question k of a quiz is question k of its sheet.
    return sorted(qs, key=lambda q: STEPS.index(q.step))


def _significant_digits_ok(x: float, digits: int) -> bool:
    """True when x written with ``digits`` significant digits is x (up to float rounding)."""
    if x == 0:
        return True
    rounded = float(f"{x:.{digits - 1}e}")
    return abs(rounded - x) <= 1e-9 * max(1.0, abs(x))


def exact_steps(net: Network, trace: Trace, last_step: str) -> list:
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
    digits: int = 4  # every answer is given, and judged, to this many significant digits

    @property
    def title(self) -> str:
        return self.label or f"Variant {self.number}"


def _draw(template: Template, rng: np.random.Generator):
    W = []
    for n, k in zip(template.sizes[:-1], template.sizes[1:]):
        W.append(rng.choice(np.asarray(template.weight_values), size=(n + 1, k)))
    x = rng.choice(np.asarray(template.input_values), size=(1, template.sizes[0]))
    if template.one_hot_targets:
        y = np.eye(template.sizes[-1])[[rng.integers(template.sizes[-1])]]
    else:
        y = rng.choice(np.asarray(template.target_values), size=(1, template.sizes[-1]))
    return W, x, y


def _at_a_kink(net: Network, x) -> bool:
    """True when some unit's z sits where its f' jumps (the activation's ``kinks``, z = 0 of ReLU) on this sample."""
    fwd = net.forward(x)
    return any(act.at_kink(z).any() for act, z in zip(net.acts, fwd.z))


def _variant_seed(seed: int, number: int) -> np.random.SeedSequence:
    return np.random.SeedSequence([int(seed), int(number)])


def _coinciding(net: Network, x, y, template: Template, questions: list[Question], digits: int = 4) -> dict:
    """For each asked question: (every catalogue mistake that applies, those that give its right number,
    those that give another number that the sheet's ``digits`` cannot tell from it)."""
    from ..explain.mistakes import candidates

    out = {}
    for q in questions:
        cands = candidates(net, x, y, q.key, loss=template.loss, rule=template.rule, lr=template.lr)
        # The other slope at a ReLU kink is an accepted convention, not a mistake (and variants
        # with a unit at its kink are not drawn at all).
        cands = {k: v for k, v in cands.items() if not k.endswith("kink")}
        if q.ask == "change":  # asked for the change, giving the change is right
            cands.pop("change_not_weight", None)
        alike = {key for key, value in cands.items() if _same(value, q.value)}
        close = {key for key, value in cands.items()
                 if key not in alike and _scalar(value) is not None
                 and not distinguishable(_scalar(value) - q.old, q.value - q.old, digits)}
        out[(q.step, q.name)] = (set(cands), alike, close)
    return out


def _scalar(value) -> float | None:
    if type(value) is float:  # most values: one number
        return value if math.isfinite(value) else None
    v = np.asarray(value, dtype=float).ravel()
    return float(v[0]) if v.size == 1 and np.isfinite(v[0]) else None


def precision_unit(x: float, digits: int) -> float:
    """One unit in the last of ``digits`` significant digits of x (e.g. 0.001 for 1.0015 at 4 digits)."""
    if x == 0 or not math.isfinite(x):
        return 0.0
    return 10.0 ** (math.floor(math.log10(abs(x))) - digits + 1)


def right_to_digits(answer: float, right: float, digits: int) -> bool:
    """True when ``answer`` is ``right`` given to ``digits`` significant digits (rounded either way
    at a tie, or with more digits): within half a unit of the last digit, up to float rounding."""
    half = precision_unit(right, digits) / 2
    return abs(answer - right) <= half * (1 + 1e-9) + 1e-12 * max(1.0, abs(right))


def distinguishable(mistake: float, right: float, digits: int) -> bool:
    """True when no number that is ``right`` to ``digits`` significant digits is also ``mistake`` to
    them: the two differ by more than a unit of the last digit (so their roundings differ)."""
    unit = max(precision_unit(right, digits), precision_unit(mistake, digits))
    return abs(mistake - right) > unit * (1 + 1e-9)


def _same(value, right: float) -> bool:
    """A mistake's value equals the right one (to float rounding)."""
    if isinstance(value, float):
        return abs(value - right) <= 1e-9 * abs(right) + 1e-12
    v = np.asarray(value, dtype=float).ravel()
    return bool(v.size and np.all(np.isfinite(v)) and np.allclose(v, right, rtol=1e-9, atol=1e-12))


@dataclass(frozen=True)
class Detectable:
    """Which mistakes a variant of the template can expose, step by step (from a pilot of draws)."""

    by_step: dict  # step -> {mistake key: the question names where it can differ from the right number}
    never: tuple[str, ...]  # mistakes no variant of the template can expose at any asked question


@functools.lru_cache(maxsize=8)
def _pilot_draws(template: Template, pilot: int) -> tuple:
    """The pilot's draws of the template: (network, x, y, trace) each. They have a seed of their own:
    what a template can expose does not depend on the teacher's seed (and is worked out once per template)."""
    rng = np.random.default_rng(_variant_seed(20261127, 0))
    draws = []
    for _ in range(pilot):
        W, x, y = _draw(template, rng)
        net = template.network(W)
        draws.append((net, x, y, trace_step(net, x, y, lr=template.lr, loss=template.loss, rule=template.rule)))
    return tuple(draws)


@functools.lru_cache(maxsize=8)
def _pilot_tally(template: Template, pilot: int) -> dict:
    """The pilot's counts of each step worked out so far, step -> (seen, same) (``_pilot_counts`` fills it)."""
    return {}


def _pilot_counts(template: Template, steps: tuple[str, ...], pilot: int) -> dict[str, tuple[dict, dict]]:
    """For each step, over the pilot's draws, at each of its questions: how often each mistake applies
    (seen) and how often it gives the right number (same), keyed by (step, question name, mistake key).

    The steps not counted yet are counted together, draw by draw: a draw's questions, of any step,
    share the learners' passes on it (``bpnet.explain.mistakes.assess``)."""
    tally = _pilot_tally(template, pilot)
    todo = tuple(step for step in steps if step not in tally)
    if todo:
        counts = {step: ({}, {}) for step in todo}
        for net, x, y, tr in _pilot_draws(template, pilot):
            asked = _questions(net, tr, todo, text=False)
            for (step, name), (keys, alike, _) in _coinciding(net, x, y, template, asked).items():
                seen, same = counts[step]
                for key in keys:
                    seen[step, name, key] = seen.get((step, name, key), 0) + 1
                for key in alike:
                    same[step, name, key] = same.get((step, name, key), 0) + 1
        tally.update(counts)
    return {step: tally[step] for step in steps}


@functools.lru_cache(maxsize=32)
def detectable(template: Template, steps: tuple[str, ...], pilot: int = 24) -> Detectable:
    """A mistake can expose itself at a question when, over a pilot of draws of the template,
    applies on at least half the draws and gives another number than the right one there at
    least once in ten draws. At other
    questions it does not touch the number (a hidden unit's slope does not enter an output
    weight's update) or cannot change it on this template (with leaky ReLU, f'(a) is f'(z))."""
    seen: dict[tuple[str, str, str], int] = {}
    same: dict[tuple[str, str, str], int] = {}
    # A step's questions do not depend on the others asked: each step is counted once per template.
    for step_seen, step_same in _pilot_counts(template, steps, pilot).values():
        seen.update(step_seen)
        same.update(step_same)
    by_step: dict[str, dict[str, set]] = {}
    for (step, name, key), n in seen.items():
        # A mistake that can arise only on rare draws (the other slope exactly at a ReLU kink,
        # which is an accepted convention anyway) is no reason to reject a variant.
        if n >= pilot / 2 and same.get((step, name, key), 0) < 0.9 * n:
            by_step.setdefault(step, {}).setdefault(key, set()).add(name)
    exposed = {key for per in by_step.values() for key in per}
    never = tuple(sorted(key for key in {key for _, _, key in seen} - exposed if concerns(key, steps)))
    return Detectable(by_step, never)


_KIND_OF_STEP = {"forward": "forward", "loss": "cost", "delta": "delta", "gradient": "gradient", "update": "update"}


def concerns(key: str, steps) -> bool:
    """Whether a mistake changes a kind of number the sheet asks for (per the catalogue entry)."""
    from ..explain.mistakes import CATALOGUE

    kinds = set()
    for part in key.split("+"):
        entry = CATALOGUE.get(part)
        if entry is None:
            return True  # not described: count it
        kinds |= set(entry.kinds)
    return bool(kinds & {_KIND_OF_STEP[s] for s in steps})


def _exposes_every_mistake(coincide: dict, exposable: Detectable, step: str) -> bool:
    """True when every mistake that can show in ``step`` gives a wrong number on at least one of
    the step's questions: someone holding it cannot get the step all right."""
    for key, names in exposable.by_step.get(step, {}).items():
        if not any(key in keys and key not in alike
                   for (s, name), (keys, alike, _) in coincide.items() if s == step and name in names):
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
    steps = check_steps(steps)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= MAX_VARIANTS:
        raise ValueError(f"the number of variants must be a whole number from 1 to {MAX_VARIANTS}, got {n!r}")
    if isinstance(digits, bool) or not isinstance(digits, (int, np.integer)) or not 1 <= digits <= 15:
        raise ValueError(f"digits must be a whole number from 1 to 15, got {digits!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a whole number >= 0, got {seed!r}")
    if labels is not None and len(labels) < n:
        raise ValueError(f"the roster names {len(labels)} students but {n} variants were asked for")
    exposable = detectable(template, steps)
    return [_make_variant(template, seed, number, steps, digits, exposable, labels[number - 1] if labels else "")
            for number in range(1, n + 1)]


def make_variant(template, seed: int, number: int, steps=("forward", "delta", "update"), digits: int = 4,
                 label: str = "") -> Variant:
    """Variant ``number`` of ``generate(template, n, seed, steps, digits)`` for any n >= number, alone."""
    template = get_template(template)
    steps = check_steps(steps)
    if isinstance(number, bool) or not isinstance(number, (int, np.integer)) or number < 1:
        raise ValueError(f"variant must be a whole number >= 1, got {number!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a whole number >= 0, got {seed!r}")
    if isinstance(digits, bool) or not isinstance(digits, (int, np.integer)) or not 1 <= digits <= 15:
        raise ValueError(f"digits must be a whole number from 1 to 15, got {digits!r}")
    return _make_variant(template, int(seed), int(number), steps, digits, detectable(template, steps), label)


def _as_change(q: Question, template: Template) -> Question:
    """An update question asked as the step Δw = new - old weight."""
    m = re.fullmatch(r"(.*?) ([-+]) (.*) = (\S+)", q.numbers)
    old = float(q.numbers.split(" ")[0]) if m is None else float(m.group(1))
    change = float(fmt(q.value - old, 12))  # the float noise of the subtraction off (0.016, not 0.016000000000000014)
    numbers = (f"{'-' if m.group(2) == '-' else ''}{m.group(3)} = {fmt(change)}" if m
               else f"{fmt(q.value)} - {fmt(old)} = {fmt(change)}")
    return replace(q, label=f"change Δw of {q.name} (new weight − old)", value=change, ask="change", old=old,
                   formula=f"Δw({q.name}) = " + q.formula.split(":=", 1)[1].strip().replace(f"w({q.name}) ", "", 1).replace("- ", "-", 1),
                   numbers=numbers)


def _make_variant(template: Template, seed: int, number: int, steps, digits: int, exposable: Detectable,
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
        if not all(_significant_digits_ok(st.value, digits) for st in exact_steps(net, tr, last)):
            continue
        qs = _questions(net, tr, steps)
        if any(0 < abs(q.value) < 1e-9 for q in qs):
            continue  # a number that is zero but for float rounding (1e-16): no one can give it
        coincide, exposed = {}, True
        for step in steps:  # step by step: most rejected draws are rejected early, cheaply
            asked = [q for q in qs if q.step == step]
            found = _coinciding(net, x, y, template, asked, digits)
            if step == "update":
                # A new weight whose mistakes the sheet's digits cannot tell apart is asked as
                # its change Δw (much smaller than the weight, so its digits tell them apart).
                changed = [_as_change(q, template) for q in asked if found[q.step, q.name][2]]
                if changed:
                    found.update(_coinciding(net, x, y, template, changed, digits))
                    by_name = {q.name: q for q in changed}
                    qs = [by_name.get(q.name, q) if q.step == "update" else q for q in qs]
            if any(close for _, _, close in found.values()):
                exposed = False  # a question whose right answer a mistake gives too, to the sheet's digits
                break
            coincide.update(found)
            if not _exposes_every_mistake(coincide, exposable, step):
                exposed = False
                break
        if not exposed:
            continue
        # Name, at each question, the mistakes that could have shown there but happen not to.
        also = {(step, name): tuple(sorted(k for k in alike if name in exposable.by_step.get(step, {}).get(k, ())))
                for (step, name), (_, alike, _) in coincide.items()}
        qs = [replace(q, also=also.get((q.step, q.name), ())) for q in qs]
        return Variant(number, int(seed), template, net, x, y, tr, qs, steps, label, exposable.never, digits)
    raise ValueError(
        f"no nice, non-degenerate variant {number} of {template.name!r} in {_MAX_TRIES_PER_VARIANT} draws: "
        f"allow more significant digits (now {digits}) or other weight/input values")


def check_steps(steps) -> tuple[str, ...]:
    if isinstance(steps, str):
        steps = [s.strip() for s in steps.split(",") if s.strip()]
    steps = tuple(steps)
    bad = [s for s in steps if s not in STEPS]
    if not steps or bad:
        raise ValueError(f"steps must be some of {', '.join(STEPS)}; got {', '.join(map(str, bad)) or 'none'}")
    return tuple(s for s in STEPS if s in steps)


# ----- rendering ----------------------------------------------------------------------------
def setting_rows(v: Variant) -> list[tuple[str, str]]:
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


def weight_rows(net: Network) -> list[tuple[str, str]]:
    return [(name, fmt(value)) for name, value in net.weights_dict().items()]


_HOW = {"forward": "", "loss": "", "delta": "", "gradient": "", "update": ""}


def numbered_questions(v: Variant):
    """(step, [(k, question), ...]) for each step the sheet asks, in order, numbered 1, 2, ... across
    the whole sheet: the sheet and the key (Markdown and HTML) number their questions alike."""
    k = 0
    for step in v.steps:
        qs = [q for q in v.questions if q.step == step]
        if qs:
            yield step, list(enumerate(qs, k + 1))
            k += len(qs)


def key_notes(v: Variant) -> list[str]:
    """"k. question: mistakes" for each question where some mistakes also give the right number."""
    return [f"{k}. {q.label}: {', '.join(explain_mistake(m) for m in q.also)}"
            for _, qs in numbered_questions(v) for k, q in qs if q.also]


def sheet_markdown(v: Variant) -> str:
    """The student's sheet as Markdown: the setting, every weight, and the questions with blanks."""
    lines = [f"# Backpropagation worksheet — {markdown_escape(v.title)}", "",
             "One gradient-descent update of the network below on one sample. Give every answer "
             f"to {v.digits} significant digits.", "", "| | |", "|---|---|"]
    lines += [f"| {markdown_escape(k)} | {markdown_escape(val)} |" for k, val in setting_rows(v)]
    lines += ["", "**Weights** (row 0 of each layer is the bias unit, whose activation is 1):", "",
              "| weight | value |", "|---|---|"]
    lines += [f"| {markdown_escape(k)} | {val} |" for k, val in weight_rows(v.net)]
    for step, qs in numbered_questions(v):
        lines += ["", f"## {PHASE_TITLES[step]}", "", "| # | compute | your answer |", "|---|---|---|"]
        lines += [f"| {k} | {markdown_escape(q.label)} | ________ |" for k, q in qs]
    lines += ["", f"*{markdown_escape(footer(v))}*", ""]
    return "\n".join(lines)


def key_markdown(v: Variant) -> str:
    """The answer key as Markdown: every asked number with its formula and the numbers substituted."""
    lines = [f"# Answer key — {markdown_escape(v.title)}", "", "| | |", "|---|---|"]
    lines += [f"| {markdown_escape(k)} | {markdown_escape(val)} |" for k, val in setting_rows(v)]
    for step, qs in numbered_questions(v):
        lines += ["", f"## {PHASE_TITLES[step]}", "", "| # | quantity | formula | with the numbers | answer |",
                  "|---|---|---|---|---|"]
        lines += [f"| {k} | {markdown_escape(q.label)} | `{q.formula}` | `{_numbers_only(q)}` | **{fmt(q.value)}** |"
                  for k, q in qs]
    notes = key_notes(v)
    if notes:
        lines += ["", markdown_escape("On this variant these mistakes also give the right number at these questions "
                                 "(each gives a wrong number at another question of the same step):"), ""]
        lines += [f"- {markdown_escape(n)}" for n in notes]
    if v.undetectable:
        lines += ["", markdown_escape("No variant of this template can expose: "
                                 + ", ".join(explain_mistake(m) for m in v.undetectable) + ".")]
    lines += ["", f"*{markdown_escape(footer(v))}*", ""]
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


def footer(v: Variant) -> str:
    """The line at the foot of a sheet and its key: everything that rebuilds the variant, and its quiz code."""
    return (f"bpnet worksheet: template {v.template.name}, steps {','.join(v.steps)}, seed {v.seed}, "
            f"variant {v.number}, {v.digits} significant digits. Quiz code: {quiz_code(v)}")


def variant_check(v: Variant) -> str:
    """Six hex digits that change with any number of the variant (its template, weights, sample, questions)."""
    text = json.dumps([v.template.to_dict(), list(v.steps), v.seed, v.number, v.digits,
                       sorted(v.net.weights_dict().items()), np.ravel(v.x).tolist(), np.ravel(v.y).tolist(),
                       [(q.step, q.name, q.ask) for q in v.questions]], sort_keys=True)
    return hashlib.sha1(text.encode()).hexdigest()[:6]


def quiz_code(v: Variant) -> str:
    """What a student types into the quiz to get this variant: template:steps:seed:variant:digits:check."""
    return f"{v.template.name}:{','.join(v.steps)}:{v.seed}:{v.number}:{v.digits}:{variant_check(v)}"


def parse_quiz_code(code: str) -> dict:
    """The parts of a quiz code (see ``quiz_code``), or one clear error."""
    parts = code.strip().rsplit(":", 5) if isinstance(code, str) else []
    try:
        name, steps, seed, number, digits, check = parts
        return {"template": name, "steps": check_steps(steps), "seed": int(seed), "variant": int(number),
                "digits": int(digits), "check": check}
    except ValueError:
        raise ValueError(f"a quiz code looks like leaky-2-2-1:forward,delta,update:7:1:4:3f9a2c (copy it from "
                         f"the foot of your sheet), got {code!r}") from None
