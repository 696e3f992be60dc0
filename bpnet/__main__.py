"""Command line: trace one update of the worked example or of a network file, or check a published one.

    python -m bpnet trace --example xor --rule article
    python -m bpnet trace --network examples/two-outputs-sigmoid.json --sample all --format json
    python -m bpnet check examples/xor-article-published.json
    python -m bpnet worksheet --template leaky-2-2-1 --variants 30 --seed 7 --out my-class
    python -m bpnet quiz-results handed-in/

``trace`` prints one recorded training step as a worked solution (``--format text``) or
as JSON with every micro-step and the weights before and after (``--format json``).
``check`` recomputes every number in a file's ``published`` section and names the known
mistake that reproduces them best; it exits 0 when all agree, 1 when some do not.
``worksheet`` writes seeded worksheet variants with nice numbers and separate answer keys
(see ``bpnet.teach.worksheet`` and ``bpnet.views.worksheet_pages``); ``quiz-results FOLDER``
re-grades the quizzes a class handed in and summarises them (``bpnet.teach.quiz``).
A bad file or option exits 2 with one line saying what is wrong, before any work starts.
Output is written step by step (a trace of a million weights never has to fit in memory),
and in any console encoding: a symbol the console cannot show is spelled in ASCII
(delta, ->, eta, ...).
"""

from __future__ import annotations

import argparse
import codecs
import json
import sys

from .teach.examples import EXAMPLES
from .teach.netfile import NetworkFileError, load_network
from .core.network import RULES
from .teach.published import check_published
from .explain.trace import trace_step
from .teach import assignment
from .views import worksheet_pages


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bpnet", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("trace", help="print every micro-step of one training update")
    src = t.add_mutually_exclusive_group()
    src.add_argument("--example", choices=sorted(EXAMPLES), default=None, help="worked example (default: xor)")
    src.add_argument("--network", metavar="FILE.json", default=None,
                     help="a network file (format: docs/network-file.md)")
    t.add_argument("--rule", choices=RULES, default=None,
                   help="'gradient' (correct descent) or 'article' (the source article's sign-flipped step); "
                        "default: the file's rule, else gradient")
    t.add_argument("--sample", default="1",
                   help="which training sample to update on, 1-based (default 1), or 'all' for one full-batch step")
    t.add_argument("--lr", type=float, default=None, help="learning rate (default: the example's or file's)")
    t.add_argument("--format", choices=("text", "json"), default="text")
    c = sub.add_parser("check", help="check a network file's published numbers against bpnet")
    c.add_argument("file", metavar="FILE.json", help="a network file with a 'published' section")
    c.add_argument("--format", choices=("text", "json"), default="text")
    w = sub.add_parser("worksheet", help="write worksheet variants with nice numbers and separate answer keys")
    worksheet_pages.add_arguments(w)
    a = sub.add_parser("assignment", help="write an nbgrader assignment (solutions, autograded tests) from the exercises")
    assignment.add_arguments(a)
    r = sub.add_parser("quiz-results", help="re-grade the quizzes a class handed in and summarise them")
    worksheet_pages.add_results_arguments(r)
    return parser


def _error(message: str) -> int:
    one_line = message.replace("\r", "\\r").replace("\n", "\\n")  # a file name may hold a line break
    print(f"error: {one_line}", file=sys.stderr)
    return 2


#: ASCII spellings of the symbols bpnet prints, for a console that cannot show them (cp1252, ascii).
ASCII_SPELLING = {
    "δ": "delta", "∂": "d", "η": "eta", "→": "->", "←": "<-", "−": "-", "—": "--", "–": "-", "…": "...",
    "·": "*", "×": "x", "≈": "~", "≤": "<=", "≥": ">=", "≠": "!=", "✓": "ok", "✗": "X", "ŷ": "y_hat",
    "′": "'", "²": "^2", "Σ": "sum", "σ": "sigma", "α": "alpha", "β": "beta", "λ": "lambda", "ε": "eps",
    "Δ": "Delta", "∇": "grad", "θ": "theta", "⋅": "*", "⋮": ":", "\u00a0": " ",
}


def _ascii_spelling(exc):
    """Codec error handler: the characters the stream cannot encode, spelled in ASCII."""
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    return "".join(ASCII_SPELLING.get(c, "?") for c in exc.object[exc.start:exc.end]), exc.end


codecs.register_error("bpnet-ascii", _ascii_spelling)


class _AsciiFallback:
    """While active, sys.stdout and sys.stderr spell in ASCII what their encoding cannot write."""

    def __enter__(self):
        self._saved = []
        for stream in (sys.stdout, sys.stderr):  # stderr's own fallback writes \u03b4 for δ
            errors = getattr(stream, "errors", None)
            if hasattr(stream, "reconfigure") and errors in ("strict", "backslashreplace"):
                try:
                    stream.reconfigure(errors="bpnet-ascii")
                except (ValueError, OSError):  # a stream that cannot change: leave it
                    continue
                self._saved.append((stream, errors))
        return self

    def __exit__(self, *exc):
        for stream, errors in self._saved:
            try:
                stream.reconfigure(errors=errors)
            except (ValueError, OSError):
                pass


def _sample(text: str, m: int) -> int | None:
    """The 1-based sample ``--sample`` names (ASCII digits only: a full-width digit is refused), or None for all."""
    if text == "all":
        return None
    k = int(text) if text.isascii() and text.isdigit() and len(text) <= 6 else 0
    if not 1 <= k <= m:
        raise ValueError(f"--sample must be 1..{m} or 'all', got {text!r}")
    return k


def _trace(args) -> int:
    ex = load_network(args.network) if args.network else EXAMPLES[args.example or "xor"]()
    k = _sample(args.sample, len(ex.X))
    X, y = (ex.X, ex.y) if k is None else (ex.X[k - 1:k], ex.y[k - 1:k])
    lr = ex.lr if args.lr is None else args.lr
    rule = args.rule or getattr(ex, "rule", "gradient")
    trace = trace_step(ex.net, X, y, lr=lr, loss=ex.loss, rule=rule)
    (trace.write_json if args.format == "json" else trace.write_text)(sys.stdout)
    sys.stdout.write("\n")
    return 0


def _check(args) -> int:
    result = check_published(load_network(args.file))
    out = json.dumps(result.to_dict(), indent=2, ensure_ascii=False) if args.format == "json" else result.to_text()
    sys.stdout.write(out + "\n")
    return 0 if result.agrees else 1


def main(argv: list[str] | None = None) -> int:
    with _AsciiFallback():
        args = build_parser().parse_args(argv)
        try:
            if args.command == "worksheet":
                return worksheet_pages.run_cli(args)
            if args.command == "assignment":
                return assignment.run_cli(args)
            if args.command == "quiz-results":
                return worksheet_pages.run_results_cli(args)
            return _trace(args) if args.command == "trace" else _check(args)
        except NetworkFileError as exc:
            return _error(str(exc))
        except (ValueError, TypeError) as exc:  # e.g. a learning rate the network rejects
            return _error(str(exc))


if __name__ == "__main__":
    sys.exit(main())
