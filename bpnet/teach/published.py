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
counted as agreeing), or when the source's own rounded numbers give it: recomputed from the
other published numbers in place of bpnet's, it rounds to p, and |b - p| is at most one unit of
its last digit or 1% of it (≈, with the reason: "the source rounded its D0 = 0.474 before using
it"). Anything else is ✗.

Sources write backpropagation in conventions other than bpnet's (``bpnet.explain.conventions``):
delta as t - o, biases as thresholds, a loss without the 1/2, one update per sample, ... The
bpnet column is written in the conventions the file's ``convention`` key states, or, without
one, in the set that fits the most published numbers (fewest conventions first), which the
verdict names as assumed. A mistake is looked for in those conventions too; numbers that fit
different conventions part by part are reported as a set that mixes conventions.
"""

from __future__ import annotations

import html
import itertools
from dataclasses import dataclass, field
from decimal import MAX_EMAX, ROUND_HALF_EVEN, Context, Decimal

import numpy as np

from .examples import WorkedExample
from .netfile import PUBLISHED_SECTIONS, NetworkFileError, decimals_of, load_network
from ..core.notation import PALETTE, fmt, markdown_escape
from ..explain.conventions import CONVENTIONS, ORDER, applicable, candidate_sets, describe, replay
from ..explain.trace import trace_step

__all__ = ["check_published", "PublishedCheck", "CheckRow", "Explanation"]

#: The question the mistake catalogue is asked for each part of ``published``.
QUESTION_KIND = {"forward": "forward", "loss": "cost", "delta": "delta", "gradient": "gradient",
                 "weights_after": "update"}
#: A published number this close to bpnet's (a share of it), or one unit of its last digit, is ≈
#: when the source's own rounded numbers give it exactly.
ROUNDING_SHARE = 0.01
#: How many sets of conventions the mistake catalogue is asked in, at most (those gradient descent fits best).
SEARCHED_SETS = 6
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
    #: Why a number one unit off in its last digit agrees: the source rounded an earlier published
    #: number, and from its own rounded numbers this one comes out as published ("" if not so).
    rounding: str = ""

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
        m = _mark(self.bpnet, self.published, self.quantum)
        return "≈" if m == "✗" and self.rounding else m

    @property
    def note(self) -> str:
        """Why a ≈ agrees: the source's rounding of an earlier number, or one unit in a long number."""
        if self.mark != "≈":
            return ""
        return self.rounding or "off by one in the last digit"

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
                "difference": self.difference_text, "mark": self.mark, "agrees": self.agrees,
                "note": self.note}


@dataclass(frozen=True)
class Explanation:
    """How many published numbers one known mistake reproduces."""

    key: str
    explanation: str
    matched: int
    total: int
    by_section: dict = field(default_factory=dict)  # section -> (matched, total)
    convention: tuple = ()  # the conventions the published numbers were read in (``bpnet.explain.conventions``)

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
        read = f", read in this source's conventions ({_titles(self.convention)})," if self.convention else ""
        return (f"the published numbers{read} match {who} on {k} of {n} {_SECTION_PLURAL[sec]} "
                f"({self.matched} of {self.total} published numbers in all): {what}")

    def to_dict(self) -> dict:
        return {"key": self.key, "explanation": self.explanation, "matched": self.matched, "total": self.total,
                "exact": self.exact, "convention": list(self.convention), "by_section": {s: list(v) for s, v in self.by_section.items()},
                "headline": self.headline()}


def _titles(keys) -> str:
    return ", ".join(CONVENTIONS[k].title for k in keys)


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
        #: The conventions the bpnet column is written in (keys of ``bpnet.explain.conventions``).
        self.convention: tuple = ()
        #: True when the file's ``convention`` key states them, False when the check assumed them.
        self.stated = False
        #: When no one set of conventions gives every number but each part of ``published`` fits
        #: one: [(sections, conventions)], else None.
        self.mixed: list | None = None
        #: With stated conventions the numbers do not fit: other conventions that fit them all, or None.
        self.alternative: tuple | None = None

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
        if pub.sample == "all" and "per_sample" in self.convention and len(ex.X) > 1:
            smp = f"one update per sample, {len(ex.X)} in turn"
        frozen = getattr(ex.net, "frozen", None) or ex.frozen
        held = f", {len(frozen)} weight{'s' if len(frozen) != 1 else ''} held fixed" if frozen else ""
        loss = f"the {ex.loss} loss"
        if {"no_half", "mean_over_outputs"} & set(self.convention):
            loss = "the squared error as this source writes it"
        return f"{smp}, gradient descent on {loss}, learning rate {fmt(ex.lr)}{held}"

    def verdict(self) -> list[str]:
        """The conclusion in sentences."""
        n = len(self.rows)
        if self.agrees:
            lines = [f"All {n} published numbers agree with bpnet ({self.setting()})."]
            lines += self._convention_lines()
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
        lines += self._convention_lines()
        if self.mixed:
            parts = "; ".join(f"the {_join([_SECTION_PLURAL[x] for x in secs])} fit "
                              + (_titles(keys) if keys else "bpnet's own conventions") for secs, keys in self.mixed)
            lines.append(f"This set mixes conventions: no one set of conventions gives all {n} numbers, but {parts}. "
                         "Each part agrees with gradient descent in the conventions named, but the source does not write "
                         "its numbers in one set of them.")
        if self.alternative is not None:
            alt = _titles(self.alternative) if self.alternative else "bpnet's own conventions"
            lines.append(f"All {n} agree if the source writes {alt} instead of the conventions the file states: "
                         "check the file's convention key.")
        groups: dict[tuple, list[Explanation]] = {}
        for e in self.best:  # mistakes that reproduce the same numbers share one sentence
            groups.setdefault(tuple(sorted(e.by_section.items())), []).append(e)
        for first_, *rest in groups.values():
            sentence = first_.headline(tuple(rest))
            lines.append(sentence[0].upper() + sentence[1:] + ".")
        if not self.best and not self.mixed and self.alternative is None:
            lines.append("No mistake in the catalogue reproduces more of the published numbers than bpnet does.")
        return lines

    def _convention_lines(self) -> list[str]:
        """The conventions the bpnet column is written in, one sentence each (none for bpnet's own)."""
        if not self.convention:
            return []
        how = "as the file's convention key states" if self.stated else \
            "assumed: the file has no convention key, and these conventions fit its numbers best"
        lines = [f"The bpnet column is written in this source's conventions ({how}):"]
        return lines + [f"{_ITEM}{sentence[0].upper()}{sentence[1:]}." for sentence in describe(self.convention)]

    # ----- views ----------------------------------------------------------------------
    def _cells(self):
        for i, r in enumerate(self.rows):
            yield r, "first disagreement" if i == self.first_disagreement else r.note

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

    def _verdict_runs(self) -> list[tuple[bool, list[str]]]:
        """The verdict's lines in runs, as the views show them: (True, the items of a list, each
        without its leading "- "), or (False, sentences)."""
        return [(listed, [line[len(_ITEM):] if listed else line for line in run])
                for listed, run in itertools.groupby(self.verdict(), key=lambda line: line.startswith(_ITEM))]

    def _repr_markdown_(self) -> str:
        lines = ["| quantity | published | bpnet | difference | |", "|---|---:|---:|---:|---|"]
        for r, note in self._cells():
            cells = [r.label, r.published_text, r.bpnet_text, r.difference_text,
                     r.mark + (f" {note}" if note else "")]
            cells = [markdown_escape(c) for c in cells]
            if note == "first disagreement":
                cells = [f"**{c}**" for c in cells]
            lines.append("| " + " | ".join(cells) + " |")
        verdict = [_ITEM + markdown_escape(line) if listed else markdown_escape(line)
                   for listed, run in self._verdict_runs() for line in run]
        return "\n".join(lines) + "\n\n" + "\n\n".join(verdict)

    def _repr_html_(self) -> str:
        e = html.escape
        rows = []
        for r, note in self._cells():
            style = f' style="background:{PALETTE["disagree_fill"]};font-weight:bold"' if note == "first disagreement" else ""
            color = {"✓": PALETTE["agree"], "≈": PALETTE["close"], "✗": PALETTE["disagree"]}[r.mark]
            # A quantity's name is never broken across lines (not "X0-" above ">Z1").
            rows.append(f"<tr{style}><td style=\"text-align:left;white-space:nowrap\">{e(r.label)}</td>"
                        f"<td style=\"text-align:right\">{e(r.published_text)}</td>"
                        f"<td style=\"text-align:right\">{e(r.bpnet_text)}</td>"
                        f"<td style=\"text-align:right\">{e(r.difference_text)}</td>"
                        f"<td style=\"color:{color}\">{e(r.mark)}{(' ' + e(note)) if note else ''}</td></tr>")
        verdict = "".join("<ul>" + "".join(f"<li>{e(line)}</li>" for line in run) + "</ul>" if listed
                          else "".join(f"<p>{e(line)}</p>" for line in run) for listed, run in self._verdict_runs())
        return ('<div class="bp-check"><table><thead><tr><th style="text-align:left">quantity</th><th>published</th><th>bpnet</th>'
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
            "convention": {"keys": list(self.convention), "stated": self.stated,
                           "mixed": None if self.mixed is None else [
                               {"sections": list(secs), "keys": list(keys)} for secs, keys in self.mixed],
                           "alternative": None if self.alternative is None else list(self.alternative)},
            "verdict": self.verdict(),
        }


#: How a line of the verdict that is an item of a list starts (the text view writes it so).
_ITEM = "- "


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


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

    The numbers are read in the source's conventions (``bpnet.explain.conventions``): those the
    file's ``convention`` key states, else the set that fits the most numbers (fewest conventions
    first). A number a little off (one unit of its last digit, or 1%) that the source's own rounded
    numbers give exactly is ≈, with that reason.
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
    items = list(_published_items(ex.published))
    sections = {sec for sec, _, _, _ in items}
    stated = getattr(ex, "convention", None)
    usable = [k for k in ORDER if applicable(k, loss=ex.loss, outputs=y.shape[1], batch=X.shape[0], sections=sections)]
    base = tuple(k for k in (stated or ()) if k in usable)  # the conventions the loaded network is read in
    runs: dict = {}

    def flip(keys) -> bool:
        # A file read without the threshold convention holds bpnet's biases; with it, thresholds.
        return ("threshold" in keys) != ("threshold" in base)

    def run(keys, given=None):
        if given is not None:
            return replay(net, X, y, ex.loss, ex.lr, keys, given=given, threshold_weights=flip(keys))
        if keys not in runs:
            runs[keys] = replay(net, X, y, ex.loss, ex.lr, keys, threshold_weights=flip(keys))
        return runs[keys]

    def rows_in(keys) -> list[CheckRow]:
        w = run(keys)
        return [CheckRow(sec, name, s, float(v), _published_text(v), w.value(sec, name, s or 0), decimals_of(v))
                for sec, name, s, v in items]

    # Which conventions fit: every set of the applicable ones, fewest first.
    sets = candidate_sets(usable)
    hits, near = {}, {}
    for keys in sets:
        rows = rows_in(keys)
        hits[keys] = [r.agrees for r in rows]
        near[keys] = sum(r.agrees or _near(r) for r in rows)  # what the source's rounding may explain
    if stated is not None:
        chosen = base
    else:
        chosen = max(sets, key=lambda k: (near[k], sum(hits[k]), -len(k), -sets.index(k)))
    n = len(items)
    chosen_rows = _rounding(rows_in(chosen), chosen, run)
    n_chosen = sum(r.agrees for r in chosen_rows)

    # The mistakes, in the conventions chosen; if those leave numbers unexplained (and the file states
    # none), in every other set too: a mistake may be written in conventions gradient descent does not show.
    asked: dict = {}  # the catalogue's answers, by (thresholds read, step size)

    def explain_in(keys):
        with np.errstate(over="ignore", invalid="ignore"):  # a mistake's number may overflow: it then explains nothing
            return _explanations(ex, X, y, keys, rows_in(keys), run(keys), catalogue, flip(keys), asked)

    shown = chosen
    explanations, indistinguishable = explain_in(chosen)
    if n_chosen < n and stated is None:
        best = (max([e.matched for e in explanations] + [n_chosen]), -len(chosen))
        # The sets gradient descent fits best (the forward pass and the loss tell them apart), and bpnet's own.
        ranked = sorted(sets, key=lambda k: (-sum(hits[k]), len(k), sets.index(k)))[:SEARCHED_SETS]
        for keys in dict.fromkeys(ranked + [()]):
            if keys == chosen or ("per_sample" in keys and X.shape[0] > 1):
                continue
            found = explain_in(keys)
            score = (max((e.matched for e in found[0]), default=0), -len(keys))
            if score > best:
                best, shown, (explanations, indistinguishable) = score, keys, found
    rows = chosen_rows if shown == chosen else _rounding(rows_in(shown), shown, run)
    source = _catalogue_source(catalogue)
    result = PublishedCheck(ex, rows, explanations, source)
    result.indistinguishable = indistinguishable
    result.convention, result.stated = shown, stated is not None
    if not result.agrees and not any(e.exact for e in explanations):
        fits = [k for k in sets if all(hits[k])]
        if fits and stated is not None:
            result.alternative = fits[0]
        elif all(any(hits[k][i] for k in sets) for i in range(n)):
            result.mixed = _mixed(items, sets, hits)
    return result


def _mixed(items, sets, hits) -> list | None:
    """[(sections, conventions)]: for each part of ``published``, the fewest conventions that fit all its numbers."""
    parts: dict = {}
    for sec in PUBLISHED_SECTIONS:
        idx = [i for i, it in enumerate(items) if it[0] == sec]
        if not idx:
            continue
        fit = next((k for k in sets if all(hits[k][i] for i in idx)), None)
        if fit is None:
            return None
        parts.setdefault(fit, []).append(sec)
    return [(tuple(secs), keys) for keys, secs in parts.items()] if len(parts) > 1 else None


def _explanations(ex, X, y, keys, rows, written, catalogue, flip: bool = False, asked: dict | None = None):
    """(explanations, indistinguishable): what each known mistake reproduces, read in the conventions ``keys``."""
    net = written.net
    lr = ex.lr * written.scale * (X.shape[0] if "sum_over_samples" in keys else 1)
    if "per_sample" in keys and X.shape[0] > 1:
        return [], []  # the catalogue computes one update of a batch, not one per sample
    if flip:  # the file's bias weights are read as thresholds: bpnet's biases are their negatives
        net = net.copy()
        for w in net.W:
            w[0] *= -1.0
    CATALOGUE, candidates = catalogue if catalogue is not None else _catalogue(net, ex.loss)
    # Does each mistake reproduce each published number? A mistake the catalogue leaves out for
    # a question does not change that number: a learner holding it gets the right value there.
    answers = None if asked is None else asked.get((flip, lr))
    if answers is None:
        answers = []
        for r in rows:
            try:
                cands = candidates(net, X, y, r.question, ex.loss, "gradient", lr) or {}
            except (KeyError, ValueError, TypeError, NotImplementedError):
                cands = {}
            answers.append(cands)
        if asked is not None:
            asked[(flip, lr)] = answers
    keys_ = list(dict.fromkeys(k for cands in answers for k in cands))
    explanations, indistinguishable = [], []
    n_correct = sum(r.agrees for r in rows)
    for key in keys_:
        hits = []
        for r, cands in zip(rows, answers):
            v = _sample_value(cands[key], r.sample) if key in cands else None
            v = r.bpnet if key not in cands else (None if v is None else v * written.factor(r.section, r.name))
            hits.append(v is not None and _mark(v, r.published, r.quantum) != "✗")
        matched = sum(bool(h) for h in hits)
        by_section: dict[str, tuple[int, int]] = {}
        for r, h in zip(rows, hits):
            a, b = by_section.get(r.section, (0, 0))
            by_section[r.section] = (a + bool(h), b + 1)
        e = Explanation(key, _explain(CATALOGUE, key), matched, len(rows), by_section, tuple(keys))
        if matched > n_correct:
            explanations.append(e)
        elif n_correct == len(rows) and matched == len(rows) and _could_change(CATALOGUE, key, rows):
            indistinguishable.append(e)
    explanations.sort(key=lambda e: (-e.matched, e.key))
    return explanations, sorted(indistinguishable, key=lambda e: e.key)


def _catalogue_source(catalogue) -> str:
    if catalogue is not None:
        return getattr(catalogue[1], "__module__", "")
    from ..explain import mistakes
    return getattr(mistakes.candidates, "__module__", "")


def _inputs(net, section: str, name: str | None) -> list[tuple[str, str]]:
    """The published quantities one number is computed from directly: (section, name)."""
    units = {net.dest_name(l, j): (l, j) for l in range(net.n_layers) for j in range(net.sizes[l + 1])}
    hidden = lambda l: [net.dest_name(l - 1, j) for j in range(net.sizes[l])] if l >= 1 else []  # noqa: E731
    if section == "loss":
        return [("forward", net.dest_name(net.n_layers - 1, j)) for j in range(net.sizes[-1])]
    if section == "forward":
        if name.startswith("z("):
            return [("forward", u) for u in hidden(units[name[2:-1]][0])]
        return [("forward", f"z({name})")] + [("forward", u) for u in hidden(units[name][0])]
    if section == "delta":
        l, j = units[name]
        out = [("forward", name), ("forward", f"z({name})")]
        if l < net.n_layers - 1:
            out += [("delta", net.dest_name(l + 1, k)) for k in range(net.sizes[l + 2])]
        return out
    l, i, j = net.weight_index(name)
    src = [("forward", net.unit_name(l, i))] if i and l else []
    dest = [("delta", net.dest_name(l, j))]
    if section == "weights_after":
        return [("gradient", name)] + src + dest
    return src + dest


def _near(r: CheckRow) -> bool:
    """Close enough that rounding an earlier number may explain it: one unit of the last digit, or 1%."""
    return abs(r.bpnet - r.published) <= max(float(r.quantum), ROUNDING_SHARE * abs(r.published)) * (1 + 1e-9)


def _rounding(rows: list[CheckRow], keys, run) -> list[CheckRow]:
    """Rows one unit off in their last digit that the source's own rounded numbers give: ≈, with the reason.

    Each such number is recomputed with every other published number in place of bpnet's (the
    source computed it from those, rounded as printed).
    """
    if all(r.mark == "✓" for r in rows):
        return rows
    exact = run(keys)
    by_key = {(r.section, r.name, r.sample): r for r in rows}
    out = []
    for r in rows:
        if r.mark == "✓" or not _near(r):
            out.append(r)
            continue
        given = {}
        for o in rows:
            if o is r or o.section in ("loss", "weights_after"):
                continue
            f = exact.factor(o.section, o.name)
            sample = None if o.section == "gradient" else (o.sample or 0)
            given[(o.section, o.name, sample)] = o.published / f
        v = run(keys, given).value(r.section, r.name, r.sample or 0)
        if _mark(v, r.published, r.quantum) != "✓":
            out.append(r)
            continue
        used = []
        for sec, name in _inputs(exact.net, r.section, r.name):
            o = by_key.get((sec, name, r.sample)) or by_key.get((sec, name, None))
            if o is not None and o.published != o.bpnet:
                used.append(f"{name} = {o.published_text}" if sec == "forward" else
                            f"{_SECTION_LABEL[sec]} {name} = {o.published_text}")
        what = f"its {_join(used)}" if used else "its earlier numbers"
        reason = (f"the source rounded {what} before using {'it' if len(used) == 1 else 'them'}: "
                  f"from its own numbers this is {_rounded(v, r.quantum)}")
        out.append(CheckRow(r.section, r.name, r.sample, r.published, r.published_text, r.bpnet, r.quantum, reason))
    return out


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
        return MINIMAL_CATALOGUE, minimal_candidates
    entries = mistakes.catalogue(net, loss) if hasattr(mistakes, "catalogue") else mistakes.CATALOGUE
    return entries, mistakes.candidates


#: A minimal stand-in for bpnet.explain.mistakes: the article's sign-flipped rule only. Also a
#: starting point for a catalogue of one's own: ``check_published(source, catalogue=(entries,
#: candidates))`` takes any such pair (``minimal_candidates`` gives the sign flip's numbers).
MINIMAL_CATALOGUE = {"sign": "the output delta's sign flipped (y - a where a - y belongs)"}


def minimal_candidates(net, X, y, question, loss, rule, lr) -> dict:
    kind, name = question
    t = trace_step(net, X, y, lr=lr, loss=loss, rule="article")
    st = t.steps[-1].state
    if kind == "cost":
        return {"sign": st.loss if st.loss.shape[0] > 1 else float(st.loss[0])}
    section = {"forward": "forward", "delta": "delta", "gradient": "gradient", "update": "weights_after"}[kind]
    if kind in ("forward", "delta"):
        return {"sign": np.array([_read_state(st, net, section, name, s) for s in range(X.shape[0])])}
    return {"sign": _read_state(st, net, section, name, 0)}
