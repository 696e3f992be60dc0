"""Check a published worked example number by number, and name the mistake that explains it.

``check_published(example)`` recomputes every number in ``example.published`` (from a
network file, see ``bpnet.teach.netfile``) with gradient descent, puts each beside the
published one, rounded to the digits the source printed, and marks the first
disagreement. Then it asks the mistake catalogue (``bpnet.explain.mistakes``) what each known
misconception gives for the same questions and reports the one that reproduces the
published numbers best: "the published numbers match a known mistake on 13 of 13 weights
after the update (21 of 21 published numbers in all): the output delta's sign flipped".

A published number p, printed with quantum q (0.01 for "1.40"), agrees with bpnet's b when
|b - p| <= q/2 (b rounds to p: ✓), or when |b - p| <= q and q <= 0.001*|p| (off by one in the
last of at least four significant digits, as a source that rounds intermediate results is: ≈,
counted as agreeing). Anything else is ✗.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from decimal import MAX_EMAX, ROUND_HALF_EVEN, Context, Decimal

import numpy as np

from .examples import WorkedExample
from .netfile import PUBLISHED_SECTIONS, NetworkFileError, decimals_of, load_network
from ..core.notation import fmt
from ..explain.trace import trace_step

__all__ = ["check_published", "PublishedCheck", "CheckRow", "Explanation"]

#: The question the mistake catalogue is asked for each part of ``published``.
QUESTION_KIND = {"forward": "forward", "loss": "cost", "delta": "delta", "gradient": "gradient",
                 "weights_after": "update"}
_SECTION_LABEL = {"forward": "forward", "loss": "loss", "delta": "delta", "gradient": "gradient",
                  "weights_after": "weight after"}
_SECTION_PLURAL = {"forward": "forward values", "loss": "losses", "delta": "deltas", "gradient": "gradients",
                   "weights_after": "weights after the update"}


@dataclass(frozen=True)
class CheckRow:
    """One published number beside bpnet's."""

    section: str  # forward | loss | delta | gradient | weights_after
    name: str | None  # unit or weight name; None for the loss
    sample: int | None  # 0-based sample for per-sample values of a full-batch update, else None
    published: float
    published_text: str  # as the source wrote it
    bpnet: float
    quantum: Decimal  # the source's last digit: 0.01 for "1.40"

    @property
    def label(self) -> str:
        s = _SECTION_LABEL[self.section]
        name = f" {self.name}" if self.name else ""
        smp = f" (sample {self.sample + 1})" if self.sample is not None else ""
        return f"{s}{name}{smp}"

    @property
    def question(self) -> tuple:
        """The question the mistake catalogue answers for this number, e.g. ("update", "X1->Z1")."""
        if self.section == "forward" and self.name.startswith("z("):
            return ("z", self.name[2:-1])
        return (QUESTION_KIND[self.section], self.name)

    @property
    def mark(self) -> str:
        return _mark(self.bpnet, self.published, self.quantum)

    @property
    def agrees(self) -> bool:
        return self.mark != "✗"

    @property
    def bpnet_text(self) -> str:
        return _rounded(self.bpnet, self.quantum)

    @property
    def difference_text(self) -> str:
        d = _rounded(self.bpnet - self.published, self.quantum)
        return d if d == "0" or d.startswith("-") else "+" + d

    def to_dict(self) -> dict:
        return {"quantity": self.label, "section": self.section, "name": self.name, "sample": self.sample,
                "published": self.published_text, "bpnet": self.bpnet, "bpnet_rounded": self.bpnet_text,
                "difference": self.difference_text, "mark": self.mark, "agrees": self.agrees}


@dataclass(frozen=True)
class Explanation:
    """How many published numbers one known mistake reproduces."""

    key: str
    explanation: str
    matched: int
    total: int
    by_section: dict = field(default_factory=dict)  # section -> (matched, total)

    @property
    def exact(self) -> bool:
        return self.matched == self.total

    def headline(self, also: tuple = ()) -> str:
        """One sentence: how many numbers the mistake reproduces, headed by the weights after the update.

        ``also``: other Explanations with the same counts, named in the same sentence.
        """
        sec = "weights_after" if "weights_after" in self.by_section else max(
            self.by_section, key=lambda s: self.by_section[s][1])
        k, n = self.by_section[sec]
        who = "a known mistake" if not also else f"{len(also) + 1} known mistakes (equal on this network)"
        what = "; ".join(e.explanation for e in (self, *also))
        return (f"the published numbers match {who} on {k} of {n} {_SECTION_PLURAL[sec]} "
                f"({self.matched} of {self.total} published numbers in all): {what}")

    def to_dict(self) -> dict:
        return {"key": self.key, "explanation": self.explanation, "matched": self.matched, "total": self.total,
                "exact": self.exact, "by_section": {s: list(v) for s, v in self.by_section.items()},
                "headline": self.headline()}


def _rounded(x: float, q: Decimal) -> str:
    d = Decimal(repr(float(x)))
    # Enough digits for any float at any quantum (the default 28 refuses 1e300 to 0.01, or 30 decimals).
    ctx = Context(prec=max(d.adjusted() - q.adjusted(), 0) + 2, Emin=-MAX_EMAX, Emax=MAX_EMAX)
    s = str(d.quantize(q, rounding=ROUND_HALF_EVEN, context=ctx)) if q.is_finite() else fmt(x)
    if "E" in s:
        s = fmt(float(s))
    return "0" if s.lstrip("-").strip("0.") == "" else s


def _mark(value: float, published: float, q: Decimal) -> str:
    diff = abs(float(value) - float(published))
    qf = float(q)
    slack = 1e-9 * max(abs(float(published)), qf)  # binary floats: 0.35 is 0.34999999999999998
    if diff <= qf / 2 + slack:
        return "✓"
    if diff <= qf + slack and qf <= 1e-3 * abs(float(published)):
        return "≈"  # only where the last digit is a small part of the number (4 significant digits or more)
    return "✗"


class PublishedCheck:
    """The result of ``check_published``: rows, the first disagreement, the best-matching mistake.

    Shows itself as a table in a notebook (HTML or Markdown) and as text (``str``).
    """

    def __init__(self, example: WorkedExample, rows: list[CheckRow], explanations: list[Explanation],
                 catalogue_source: str):
        self.example = example
        self.rows = rows
        self.explanations = explanations  # best first, only those that explain more than bpnet does
        self.catalogue_source = catalogue_source
        self.first_disagreement = next((i for i, r in enumerate(rows) if not r.agrees), None)
        self.matched = sum(r.agrees for r in rows)
        # Mistakes that also give every published number: the numbers cannot tell them from correct.
        self.indistinguishable: list[Explanation] = []

    @property
    def agrees(self) -> bool:
        """True when every published number agrees with bpnet."""
        return self.first_disagreement is None

    @property
    def best(self) -> list[Explanation]:
        """The mistakes reproducing the most published numbers (several if tied)."""
        if not self.explanations:
            return []
        top = self.explanations[0].matched
        return [e for e in self.explanations if e.matched == top]

    def setting(self) -> str:
        ex = self.example
        pub = ex.published
        smp = "one full-batch update" if pub.sample == "all" else f"the update from sample {pub.sample}"
        frozen = getattr(ex.net, "frozen", None) or ex.frozen
        held = f", {len(frozen)} weight{'s' if len(frozen) != 1 else ''} held fixed" if frozen else ""
        return f"{smp}, gradient descent on the {ex.loss} loss, learning rate {fmt(ex.lr)}{held}"

    def verdict(self) -> list[str]:
        """The conclusion in sentences."""
        n = len(self.rows)
        if self.agrees:
            lines = [f"All {n} published numbers agree with bpnet ({self.setting()})."]
            same = self.indistinguishable
            if len(same) == 1:
                lines.append(f"Note: on this network a known mistake gives the same {n} numbers, so these numbers "
                             f"alone cannot rule it out: {same[0].explanation}.")
            elif same:
                shown = "; ".join(e.explanation for e in same[:3]) + ("; ..." if len(same) > 3 else "")
                lines.append(f"Note: on this network {len(same)} known mistakes give the same {n} numbers, so these "
                             f"numbers alone cannot rule them out: {shown}.")
            return lines
        first = self.rows[self.first_disagreement]
        lines = [f"{self.matched} of {n} published numbers agree with bpnet ({self.setting()}).",
                 f"First disagreement: {first.label}: published {first.published_text}, bpnet {first.bpnet_text}."]
        groups: dict[tuple, list[Explanation]] = {}
        for e in self.best:  # mistakes that reproduce the same numbers share one sentence
            groups.setdefault(tuple(sorted(e.by_section.items())), []).append(e)
        for first_, *rest in groups.values():
            sentence = first_.headline(tuple(rest))
            lines.append(sentence[0].upper() + sentence[1:] + ".")
        if not self.best:
            lines.append("No mistake in the catalogue reproduces more of the published numbers than bpnet does.")
        return lines

    # ----- views ----------------------------------------------------------------------
    def _cells(self):
        for i, r in enumerate(self.rows):
            note = "first disagreement" if i == self.first_disagreement else (
                "off by one in the last digit" if r.mark == "≈" else "")
            yield r, note

    def to_text(self) -> str:
        ex = self.example
        title = ex.name or ex.path or "the example"
        head = ("quantity", "published", "bpnet", "difference", "")
        body = [(r.label, r.published_text, r.bpnet_text, r.difference_text, r.mark + (f"  <- {note}" if note else ""))
                for r, note in self._cells()]
        w = [max(len(row[k]) for row in [head] + body) for k in range(4)]
        lines = [f"Check of {title}: {len(self.rows)} published numbers, {self.setting()}", ""]
        fmt_row = lambda c: f"  {c[0]:<{w[0]}}  {c[1]:>{w[1]}}  {c[2]:>{w[2]}}  {c[3]:>{w[3]}}  {c[4]}".rstrip()  # noqa: E731
        lines.append(fmt_row(head))
        lines += [fmt_row(c) for c in body]
        lines.append("")
        lines += self.verdict()
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        return self.to_text()

    def _repr_markdown_(self) -> str:
        lines = ["| quantity | published | bpnet | difference | |", "|---|---:|---:|---:|---|"]
        for r, note in self._cells():
            cells = [r.label, r.published_text, r.bpnet_text, r.difference_text,
                     r.mark + (f" {note}" if note else "")]
            cells = [_md(c) for c in cells]
            if note == "first disagreement":
                cells = [f"**{c}**" for c in cells]
            lines.append("| " + " | ".join(cells) + " |")
        return "\n".join(lines) + "\n\n" + "\n\n".join(_md(v) for v in self.verdict())

    def _repr_html_(self) -> str:
        e = html.escape
        rows = []
        for r, note in self._cells():
            style = ' style="background:#fde2e1;font-weight:bold"' if note == "first disagreement" else ""
            color = {"✓": "#1a7f37", "≈": "#9a6700", "✗": "#cf222e"}[r.mark]
            rows.append(f"<tr{style}><td>{e(r.label)}</td><td style=\"text-align:right\">{e(r.published_text)}</td>"
                        f"<td style=\"text-align:right\">{e(r.bpnet_text)}</td>"
                        f"<td style=\"text-align:right\">{e(r.difference_text)}</td>"
                        f"<td style=\"color:{color}\">{e(r.mark)}{(' ' + e(note)) if note else ''}</td></tr>")
        verdict = "".join(f"<p>{e(s)}</p>" for s in self.verdict())
        return ('<div class="bp-check"><table><thead><tr><th>quantity</th><th>published</th><th>bpnet</th>'
                '<th>difference</th><th></th></tr></thead><tbody>' + "".join(rows) + "</tbody></table>"
                + verdict + "</div>")

    def to_dict(self) -> dict:
        return {
            "example": self.example.name or self.example.path, "setting": self.setting(),
            "agrees": self.agrees, "matched": self.matched, "total": len(self.rows),
            "first_disagreement": None if self.agrees else self.rows[self.first_disagreement].label,
            "rows": [r.to_dict() for r in self.rows],
            "explanations": [x.to_dict() for x in self.explanations],
            "best": [x.key for x in self.best],
            "indistinguishable": [x.key for x in self.indistinguishable],
            "verdict": self.verdict(),
        }


def _md(text: str) -> str:
    """``text`` with Markdown's special characters escaped (half_squared_error stays as typed)."""
    return re.sub(r"([\\`*_{}\[\]<>#|])", r"\\\1", text)


# ----- computing ----------------------------------------------------------------------
def _batch(ex: WorkedExample):
    s = ex.published.sample
    if s == "all":
        return ex.X, ex.y
    return ex.X[s - 1:s], ex.y[s - 1:s]


def _unit_index(net) -> dict[str, tuple[int, int]]:
    return {net.dest_name(l, j): (l, j) for l in range(net.n_layers) for j in range(net.sizes[l + 1])}


def _read_state(state, net, section: str, name: str | None, sample: int) -> float:
    """bpnet's value of one published quantity, read from the final state of a trace."""
    if section == "loss":
        return float(state.loss[0]) if state.loss.shape[0] == 1 else float(state.cost)
    if section in ("gradient", "weights_after"):
        l, i, j = net.weight_index(name)
        arr = state.grad if section == "gradient" else state.weights
        return float(arr[l][i, j])
    units = _unit_index(net)
    if section == "forward" and name.startswith("z("):
        l, j = units[name[2:-1]]
        return float(state.z[l][sample, j])
    l, j = units[name]
    if section == "forward":
        return float(state.a[l + 1][sample, j])
    return float(state.delta[l][sample, j])


def _published_items(pub):
    """(section, name, sample or None, value) for every published number, in trace order."""
    for sec in PUBLISHED_SECTIONS:
        if sec not in pub:
            continue
        if sec == "loss":
            yield sec, None, None, pub[sec]
            continue
        for name, v in pub[sec].items():
            if isinstance(v, list):
                for s, x in enumerate(v):
                    yield sec, name, s, x
            else:
                yield sec, name, None, v


def _published_text(v) -> str:
    return getattr(v, "text", None) or fmt(v)


def check_published(example, catalogue=None) -> PublishedCheck:
    """Recompute every published number of ``example`` (a WorkedExample, a network-file path or dict).

    Returns a ``PublishedCheck`` (a table in a notebook, text with ``str``). ``catalogue``
    is a ``(CATALOGUE, candidates)`` pair to use instead of ``bpnet.explain.mistakes``.
    """
    ex = example if isinstance(example, WorkedExample) else load_network(example)
    if not ex.published:
        raise NetworkFileError("published", "missing",
                               "the numbers the source prints, e.g. {\"weights_after\": {\"X0->Z1\": 0.6}}",
                               ex.path or None)
    X, y = _batch(ex)
    net = ex.net
    trace = trace_step(net, X, y, lr=ex.lr, loss=ex.loss, rule="gradient")
    final = trace.steps[-1].state
    rows = [CheckRow(sec, name, s, float(v), _published_text(v), _read_state(final, net, sec, name, s or 0),
                     decimals_of(v))
            for sec, name, s, v in _published_items(ex.published)]

    CATALOGUE, candidates = catalogue if catalogue is not None else _catalogue(net, ex.loss)
    source = getattr(candidates, "__module__", "")
    # Does each mistake reproduce each published number? A mistake the catalogue leaves out for
    # a question does not change that number: a learner holding it gets the right value there.
    answers = []
    for r in rows:
        try:
            cands = candidates(net, X, y, r.question, ex.loss, "gradient", ex.lr) or {}
        except (KeyError, ValueError, TypeError, NotImplementedError):
            cands = {}
        answers.append(cands)
    keys = list(dict.fromkeys(k for cands in answers for k in cands))
    per_mistake: dict[str, list[bool]] = {}
    for key in keys:
        hits = []
        for r, cands in zip(rows, answers):
            v = _sample_value(cands[key], r.sample) if key in cands else r.bpnet
            hits.append(v is not None and _mark(v, r.published, r.quantum) != "✗")
        per_mistake[key] = hits
    explanations = []
    indistinguishable = []
    n_correct = sum(r.agrees for r in rows)
    for key, hits in per_mistake.items():
        matched = sum(bool(h) for h in hits)
        by_section: dict[str, tuple[int, int]] = {}
        for r, h in zip(rows, hits):
            a, b = by_section.get(r.section, (0, 0))
            by_section[r.section] = (a + bool(h), b + 1)
        e = Explanation(key, _explain(CATALOGUE, key), matched, len(rows), by_section)
        if matched > n_correct:
            explanations.append(e)
        elif n_correct == len(rows) and matched == len(rows) and _could_change(CATALOGUE, key, rows):
            indistinguishable.append(e)
    explanations.sort(key=lambda e: (-e.matched, e.key))
    result = PublishedCheck(ex, rows, explanations, source)
    result.indistinguishable = sorted(indistinguishable, key=lambda e: e.key)
    return result


def _could_change(catalogue, key: str, rows: list[CheckRow]) -> bool:
    """Whether mistake ``key`` changes some kind of number that was published (its ``kinds``, if declared)."""
    kinds = getattr(catalogue.get(key) if hasattr(catalogue, "get") else None, "kinds", None)
    return kinds is None or any(r.question[0] in kinds for r in rows)


def _sample_value(value, sample: int | None):
    """A candidate's value for one row: scalars as they are, arrays by sample."""
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return None
    if arr.size == 1:
        v = float(arr.reshape(()))
    elif sample is not None and arr.ndim >= 1 and arr.shape[0] > sample:
        v = float(np.ravel(arr[sample])[0]) if np.size(arr[sample]) == 1 else None
    else:
        return None
    return v if v is not None and np.isfinite(v) else None


def _explain(catalogue, key: str) -> str:
    """The catalogue's one-line explanation of ``key``, as a phrase that fits "match ..."."""
    entry = catalogue.get(key) if hasattr(catalogue, "get") else None
    text = entry if isinstance(entry, str) else None
    for attr in ("explanation", "summary", "description", "title"):
        if text is None and isinstance(getattr(entry, attr, None), str):
            text = getattr(entry, attr)
    if not text:
        return key.replace("_", " ")
    text = text.strip().rstrip(".")
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        text = text[0].lower() + text[1:]  # a sentence becomes a phrase; "ReLU" stays
    return text


def _catalogue(net, loss):
    """``(entries, candidates)`` from ``bpnet.explain.mistakes`` (with the mistakes this network's activations
    and loss declare), or the built-in minimal one."""
    try:
        from ..explain import mistakes
    except ImportError:
        return _LOCAL_CATALOGUE, _local_candidates
    entries = mistakes.catalogue(net, loss) if hasattr(mistakes, "catalogue") else mistakes.CATALOGUE
    return entries, mistakes.candidates


# A minimal stand-in for bpnet.explain.mistakes: the article's sign-flipped rule only.
_LOCAL_CATALOGUE = {"sign": "the output delta's sign flipped (y - a where a - y belongs)"}


def _local_candidates(net, X, y, question, loss, rule, lr) -> dict:
    kind, name = question
    t = trace_step(net, X, y, lr=lr, loss=loss, rule="article")
    st = t.steps[-1].state
    if kind == "cost":
        return {"sign": st.loss if st.loss.shape[0] > 1 else float(st.loss[0])}
    section = {"forward": "forward", "delta": "delta", "gradient": "gradient", "update": "weights_after"}[kind]
    if kind in ("forward", "delta"):
        return {"sign": np.array([_read_state(st, net, section, name, s) for s in range(X.shape[0])])}
    return {"sign": _read_state(st, net, section, name, 0)}
