"""Worksheet pages: the print-ready HTML sheets and keys with the network drawn, the files a
class gets, the quiz notebook, and ``python -m bpnet worksheet``.

The numbers, questions and Markdown come from ``bpnet.teach.worksheet`` and the grading from
``bpnet.teach.quiz``; this module draws and lays them out.

``write_worksheets(variants, out_dir)`` writes per variant a student sheet (the network drawn
with its weights as SVG, the sample, the questions with blanks) and a key (each asked number
with its formula and the numbers substituted, from the trace), as Markdown and as print-ready
HTML (one variant a page, A4 or Letter), plus ``sheets.html`` and ``keys.html`` with every
variant. ``Quiz`` is ``bpnet.teach.quiz.Quiz`` with the network drawn as on the sheet;
``quiz_notebook`` writes one variant's quiz as a notebook that stores no answer.
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import re
import shutil
import tempfile
from pathlib import Path

from ..core.network import Network
from ..core.notation import PALETTE, PHASE_TITLES
from ..teach import quiz as quizzes
from ..teach.quiz import CONCEPTS
from ..teach import worksheet as ws

__all__ = ["Quiz", "diagram_svg", "sheet_html", "key_html", "write_worksheets", "quiz_notebook", "MANIFEST",
           "add_arguments", "run_cli", "add_results_arguments", "run_results_cli"]


class Quiz(quizzes.Quiz):
    """A worksheet variant as a self-checking exercise (``bpnet.teach.quiz.Quiz``) that also draws
    its network as the printed sheet does."""

    def diagram(self) -> "SVGPicture":
        """The network drawn with its weights, as on the printed sheet (an SVG a notebook shows)."""
        return SVGPicture(diagram_svg(self.net))


def diagram_svg(v) -> str:
    """The variant's (or a network's) diagram with every weight, as an SVG string (text kept as text)."""
    import matplotlib
    from matplotlib.figure import Figure

    from .plots import diagram_figsize, draw_network

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
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 10.5pt; color: %(print_ink)s; margin: 0; }
.variant { page-break-after: always; break-after: page; }
.variant:last-child { page-break-after: auto; break-after: auto; }
h1 { font-size: 15pt; margin: 0 0 4pt 0; }
h2 { font-size: 11.5pt; margin: 8pt 0 3pt 0; }
p { margin: 3pt 0; }
table { border-collapse: collapse; margin: 3pt 0; }
td, th { border: 0.6pt solid %(print_rule)s; padding: 1.5pt 5pt; text-align: left; vertical-align: top; }
th { background: %(print_head)s; }
.blank { width: 32mm; }
.cols { display: flex; gap: 6mm; align-items: flex-start; }
.cols > div { flex: 1 1 0; min-width: 0; }
svg.diagram { display: block; width: 100%%; height: auto; max-height: 70mm; margin: 0 auto; }
.figure { text-align: center; }
td.blank { width: 30mm; height: 6.5mm; }
td.name { white-space: nowrap; }
code { font-family: "DejaVu Sans Mono", monospace; font-size: 8.5pt; white-space: pre-wrap; word-break: keep-all; }
.footer { color: %(print_note)s; font-size: 7.5pt; margin-top: 4pt; }
.nb { white-space: nowrap; }
section.key { font-size: 9pt; }
section.key td { padding: 1pt 4pt; }
section.key code { font-size: 7.5pt; }
@media screen { body { width: %(width)s; margin: 10mm auto; } .variant { outline: 1px dashed %(print_cut)s; outline-offset: 4mm; margin-bottom: 12mm; } }
"""

#: The printable size of a page (the paper less the 14 mm margins of @page), in mm.
_PRINTABLE_MM = {"A4": (182.0, 269.0), "Letter": (187.9, 251.4)}

# Each variant is one page: a variant taller than the printable height is scaled down as a
# whole (CSS zoom) when the page loads, before it is printed. The screen lays the page out at
# the printable width, so the height measured there is the printed one.
_FIT_SCRIPT = """
(function () {
  var limit = %(height)s * 96 / 25.4 - 4;  // the printable height in CSS px, less a little
  function fit() {
    document.querySelectorAll("section.variant").forEach(function (s) {
      var zoom = 1;
      s.style.zoom = "";
      for (var i = 0; i < 6; i++) {
        var h = s.getBoundingClientRect().height;
        if (h <= limit) { break; }
        zoom = Math.max(0.5, zoom * limit / h * 0.99);
        s.style.zoom = String(zoom);
      }
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", fit); } else { fit(); }
  window.addEventListener("load", fit);
})();
"""


def _html_doc(title: str, body: str, paper: str) -> str:
    if paper not in ("A4", "Letter"):
        raise ValueError(f"paper must be 'A4' or 'Letter', got {paper!r}")
    width, height = _PRINTABLE_MM[paper]
    css = _CSS % {**PALETTE, "paper": paper, "width": f"{width}mm"}
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{html.escape(title)}</title>\n<style>{css}</style>\n</head>\n"
            f"<body>\n{body}\n<script>{_FIT_SCRIPT % {'height': height}}</script>\n</body>\n</html>\n")


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


def _weights_table(pairs) -> str:
    """The weights as (name, value) pairs side by side, up to three a row, so that a long list stays short."""
    per_row = 1 if len(pairs) <= 8 else 2 if len(pairs) <= 16 else 3
    height = -(-len(pairs) // per_row)
    columns = [pairs[i * height:(i + 1) * height] for i in range(per_row)]
    rows = [tuple(c for col in columns for c in (col[r] if r < len(col) else ("", ""))) for r in range(height)]
    return _table(rows, head=("weight", "value") * per_row)


def _sheet_section(v: ws.Variant) -> str:
    e = html.escape
    setting = _table([(e(k), e(val)) for k, val in ws.setting_rows(v)])
    weights = _weights_table([(_nobreak(e(k)), e(val)) for k, val in ws.weight_rows(v.net)])
    parts = [f"<section class=\"variant\">\n<h1>Backpropagation worksheet — {e(v.title)}</h1>",
             f"<p>One gradient-descent update of this network on one sample. Give every answer to {v.digits} "
             "significant digits. Row 0 of each layer is the bias unit; its activation is 1.</p>",
             f"<div class=\"figure\">{diagram_svg(v)}</div>"]
    blocks = []
    for step, qs in ws.numbered_questions(v):
        rows = [(str(k), _nobreak(e(q.label)), "") for k, q in qs]
        blocks.append(f"<h2>{e(PHASE_TITLES[step])}</h2>"
                      + _table(rows, head=("#", "compute", "your answer")).replace("<td></td>", '<td class="blank"></td>'))
    parts.append(f"<div class=\"cols\"><div>{''.join(blocks)}</div>"
                 f"<div><h2>Setting</h2>{setting}<h2>Weights</h2>{weights}</div></div>")
    parts.append(f"<p class=\"footer\">{e(ws.footer(v))}</p>\n</section>")
    return "\n".join(parts)


def _key_section(v: ws.Variant) -> str:
    e = html.escape
    parts = [f"<section class=\"variant key\">\n<h1>Answer key — {e(v.title)}</h1>",
             _table([(e(k), e(val)) for k, val in ws.setting_rows(v)])]
    for step, qs in ws.numbered_questions(v):
        rows = [(str(k), _nobreak(e(q.label)), f"<code>{_nobreak(e(q.formula))}</code>",
                 f"<code>{_nobreak(e(q.numbers))}</code>", f"<b>{e(ws.fmt(q.value))}</b>") for k, q in qs]
        parts.append(f"<h2>{e(PHASE_TITLES[step])}</h2>"
                     + _table(rows, head=("#", "quantity", "formula", "with the numbers", "answer")))
    notes = ws.key_notes(v)
    if notes:
        parts.append("<p class=\"footer\">On this variant these mistakes also give the right number at these "
                     "questions (each gives a wrong number at another question of the same step): "
                     + "; ".join(e(n) for n in notes) + ".</p>")
    if v.undetectable:
        parts.append(f"<p class=\"footer\">No variant of this template can expose: "
                     f"{e(', '.join(ws.explain_mistake(m) for m in v.undetectable))}.</p>")
    parts.append(f"<p class=\"footer\">{e(ws.footer(v))}</p>\n</section>")
    return "\n".join(parts)


def sheet_html(variants, paper: str = "A4") -> str:
    """Print-ready HTML of the student sheets, one variant a page."""
    variants = [variants] if isinstance(variants, ws.Variant) else list(variants)
    return _sheets_doc([_sheet_section(v) for v in variants], paper)


def key_html(variants, paper: str = "A4") -> str:
    """Print-ready HTML of the answer keys, one variant a page."""
    variants = [variants] if isinstance(variants, ws.Variant) else list(variants)
    return _keys_doc([_key_section(v) for v in variants], paper)


def _sheets_doc(sections: list[str], paper: str) -> str:
    return _html_doc("Backpropagation worksheets", "\n".join(sections), paper)


def _keys_doc(sections: list[str], paper: str) -> str:
    return _html_doc("Answer keys", "\n".join(sections), paper)


#: The list of files a worksheet folder holds; a folder with it (and nothing else) is a previous
#: output that a new run may replace whole.
MANIFEST = "bpnet-worksheets.json"


def write_worksheets(variants, out_dir, paper: str = "A4", quiz: bool | str = False) -> list[Path]:
    """Write sheets/ and keys/ (Markdown and HTML per variant), sheets.html and keys.html.

    The keys go in their own folder so the student sheets can be handed out on their own.
    With ``quiz``, also quizzes/variant-NN.ipynb: the self-checking notebook of each variant
    (``quiz="assessment"``: one the student puts a name in and hands in, with no solution).
    Returns the paths written, in order. The same variants give byte-identical files.

    The folder never holds a mix: everything is written into a new folder beside ``out_dir``
    and moved into place only when complete. ``out_dir`` may be missing, empty, or a previous
    output of this function (listed in its ``bpnet-worksheets.json``), which is replaced whole;
    any other folder is refused, so no file of yours is ever overwritten. Every failure is one
    ValueError saying what is wrong, and leaves ``out_dir`` as it was.
    """
    variants = list(variants)
    if not variants:
        raise ValueError("no variants to write")
    out = Path(out_dir).absolute()
    _check_out(out)
    # Render everything first: a failure here writes nothing.
    files: dict[str, str] = {}
    width = max(2, len(str(len(variants))))
    # Each variant's page is rendered once (its diagram is most of the work), for its own file and sheets.html.
    sheets, keys = [_sheet_section(v) for v in variants], [_key_section(v) for v in variants]
    for v, sheet, key in zip(variants, sheets, keys):
        stem = f"variant-{v.number:0{width}d}"
        files[f"sheets/{stem}.md"] = ws.sheet_markdown(v)
        files[f"sheets/{stem}.html"] = _sheets_doc([sheet], paper)
        files[f"keys/{stem}.md"] = ws.key_markdown(v)
        files[f"keys/{stem}.html"] = _keys_doc([key], paper)
        if quiz:
            files[f"quizzes/{stem}.ipynb"] = quiz_notebook(v.template, v.seed, v.number, v.steps, v.digits,
                                                          assessment=quiz == "assessment")
    files["sheets.html"] = _sheets_doc(sheets, paper)
    files["keys.html"] = _keys_doc(keys, paper)
    files[MANIFEST] = json.dumps({"written by": "python -m bpnet worksheet", "files": sorted([*files, MANIFEST])},
                                 indent=1) + "\n"
    new = old = None
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        new = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
        for rel, text in files.items():
            path = new / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8", newline="\n")
        new.chmod(0o755)
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
            out.replace(old / "previous")
        new.replace(out)
        new = None
    except OSError as exc:
        if old is not None and (old / "previous").exists() and not out.exists():
            (old / "previous").replace(out)  # put the previous output back
        raise ValueError(f"cannot write the worksheets into {out}: {exc.strerror or exc}") from None
    finally:
        for tmp in (new, old):
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)
    return [out / rel for rel in files if rel != MANIFEST]


def _check_out(out: Path) -> None:
    """Refuse an ``out`` that is a file, or a folder holding anything but a previous output."""
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} exists and is not a folder")
    if not out.is_dir():
        return
    try:
        present = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if not p.is_dir())
    except OSError as exc:
        raise ValueError(f"cannot read the folder {out}: {exc.strerror or exc}") from None
    if not present:
        return
    listed = None
    try:
        listed = set(json.loads((out / MANIFEST).read_text(encoding="utf-8"))["files"]) | {MANIFEST}
    except (OSError, ValueError, KeyError, TypeError):
        pass
    if listed is None:
        raise ValueError(f"--out {out} is a folder that holds other files (e.g. {present[0]}); "
                         "give a new or empty folder, or one this command wrote before")
    extra = [p for p in present if p not in listed]
    if extra:
        raise ValueError(f"--out {out} holds {extra[0]}, which this command did not write; move it away "
                         "or give another folder (a previous output is replaced whole)")


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


class SVGPicture:
    """An SVG picture that a notebook displays as itself, no wider than a notebook column."""

    def __init__(self, svg: str):
        self.svg = svg

    def _repr_svg_(self) -> str:
        return _fit_width(self.svg, _NOTEBOOK_WIDTH_PX)

    def __repr__(self) -> str:
        return "<the network with its weights (SVG)>"


def quiz_notebook(template, seed: int, variant: int, steps=("forward", "delta", "update"), digits: int = 4,
                  assessment: bool = False) -> str:
    """The quiz notebook of one variant, as .ipynb JSON (no answer stored in it): a check cell for
    every question of its sheet and every conceptual question. With ``assessment``, the student
    puts their name in, sees no solution, and hands in the file ``quiz.hand_in()`` writes."""
    t = ws.get_template(template)
    steps = ws.check_steps(steps)
    spec = json.dumps(t.to_dict(), sort_keys=True)
    q = Quiz(t, seed, variant, steps, digits)

    def md(src):
        return {"cell_type": "markdown", "id": _cell_id(spec, seed, variant, src), "metadata": {}, "source": src}

    def code(src):
        return {"cell_type": "code", "id": _cell_id(spec, seed, variant, src), "execution_count": None,
                "metadata": {}, "outputs": [], "source": src}

    student = "STUDENT = None  # your name, as text: \"Ada Lovelace\"\n" if assessment else ""
    how = ("Put your name in the next cell and run it: it shows your network — the same as on your printed sheet — "
           "and the questions. Then put your answer in each check cell and run it: bpnet tells you whether it is "
           "right to the sheet's digits and, if not, which common mistake it matches. No solution is shown. At the "
           "end, run the last cell and hand in the file it writes.") if assessment else (
           "Run the next cell to see your network and the questions. Then put your answer in each check cell and "
           "run it: bpnet tells you whether it is right to the sheet's digits and, if not, which common mistake "
           "it matches.")
    cells = [
        md(f"# Backpropagation quiz — variant {variant}\n\n{how} Answers are checked by bpnet when you run a "
           "cell; they are not stored in this notebook."),
        code("import json\nfrom bpnet.teach.worksheet import Template\nfrom bpnet.views.worksheet_pages import Quiz\n\n"
             f"{student}TEMPLATE = Template.from_dict(json.loads({spec!r}))\n"
             f"quiz = Quiz(TEMPLATE, seed={int(seed)}, variant={int(variant)}, steps={list(steps)!r}, "
             f"digits={int(digits)}{', student=STUDENT' if assessment else ''})\nquiz"),
        md("The network, drawn with its weights (row 0 of each layer is the bias unit, activation 1):"),
        code("quiz.diagram()"),
    ]
    for k, label in enumerate(q.questions, 1):
        cells.append(md(f"**Question {k}.** The {label}. Replace `None` by your answer and run the cell."))
        cells.append(code(f"answer_{k} = None\nquiz.check({k}, answer_{k})"))
    for name, c in CONCEPTS.items():
        choices = "\n".join(f"- ({letter}) {text}" for letter, text in c.choices.items())
        cells.append(md(f"**Why?** {c.prompt}\n\n{choices}\n\nReplace `None` by the letter of your choice, "
                        "as text (\"a\"), and run the cell."))
        cells.append(code(f"choice = None\nquiz.check_concept({name!r}, choice)"))
    if assessment:
        cells.append(md("When you have answered everything, write the file to hand in:"))
        cells.append(code("quiz.hand_in()"))
    else:
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
                   help=f"a built-in template instead of a file: {', '.join(ws.TEMPLATES)}")
    p.add_argument("--variants", type=int, default=None, help="how many variants (default 1, or one per roster name)")
    p.add_argument("--seed", type=int, default=0, help="the same seed gives the same variants (default 0)")
    p.add_argument("--steps", default="forward,delta,update",
                   help=f"what the sheet asks, comma-separated, from {','.join(ws.STEPS)} (default forward,delta,update)")
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
    p.add_argument("--assessment", action="store_true",
                   help="with --quiz: quizzes the students put their name in and hand in, with no solution")
    p.add_argument("--out", required=True, help="folder to write sheets/, keys/, sheets.html and keys.html into")


def _triple(text: str, option: str) -> tuple[float, float, float]:
    try:
        step, lo, hi = (float(v) for v in text.split(","))
    except ValueError:
        raise ValueError(f"{option} must be STEP,LO,HI such as 0.5,-1.5,1.5, got {text!r}") from None
    return step, lo, hi


#: The largest roster file read (a name a line).
MAX_ROSTER_BYTES = 100_000


def run_cli(args) -> int:
    """Run ``python -m bpnet worksheet``; returns the exit status (2 on bad input, with one message)."""
    import sys

    try:
        if (args.network is None) == (args.template is None):
            raise ValueError("give a network file or --template NAME (one of them)")
        if args.template is not None and args.template not in ws.TEMPLATES:
            raise ValueError(f"unknown template {args.template!r}; expected one of {', '.join(ws.TEMPLATES)}")
        template = ws.get_template(args.template) if args.template else ws.template_from_example(args.network)
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
                with open(args.roster, "rb") as f:
                    raw = f.read(MAX_ROSTER_BYTES + 1)
                if len(raw) > MAX_ROSTER_BYTES:
                    raise ValueError(f"the roster {args.roster} is larger than {MAX_ROSTER_BYTES // 1000} kB; "
                                     "give a text file with one student name a line")
                text = raw.decode("utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise ValueError(f"cannot read the roster {args.roster}: {exc}") from None
            labels = [line.strip() for line in text.splitlines() if line.strip()]
            if "\x00" in text or any(len(name) > 200 for name in labels):
                raise ValueError(f"the roster {args.roster} is not a text file with one student name a line")
            if len(labels) > ws.MAX_VARIANTS:
                raise ValueError(f"the roster {args.roster} names {len(labels)} students; at most "
                                 f"{ws.MAX_VARIANTS} are allowed")
            if not labels:
                raise ValueError(f"the roster {args.roster} names no student")
        if args.assessment and not args.quiz:
            raise ValueError("--assessment is for the quiz notebooks: give --quiz too")
        _check_out(Path(args.out).absolute())  # before any work: a folder that would be refused
        n = args.variants if args.variants is not None else (len(labels) if labels else 1)
        variants = ws.generate(template, n, args.seed, args.steps, args.digits, labels)
        paths = write_worksheets(variants, args.out, paper=args.paper,
                                 quiz="assessment" if args.quiz and args.assessment else args.quiz)
    except (ValueError, TypeError, KeyError, OSError, OverflowError, MemoryError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"error: {message}", file=sys.stderr)
        return 2
    print(f"wrote {len(variants)} variant(s) of {template.name} (seed {args.seed}) to {args.out}: "
          f"sheets/ and sheets.html for the students, keys/ and keys.html for you ({len(paths)} files)")
    return 0


def add_results_arguments(p) -> None:
    """The options of ``python -m bpnet quiz-results``."""
    p.add_argument("folder", help="the folder of the quiz files your students handed in (quiz.hand_in())")


def run_results_cli(args) -> int:
    """Run ``python -m bpnet quiz-results FOLDER``: re-grade the handed-in quizzes and summarise the class."""
    import sys

    try:
        summary = quizzes.summarize_class(args.folder)
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(summary.to_text())
    return 0
