"""Command line: ``python -m bpnet trace --example xor --rule article``.

Prints one recorded training step as a worked solution (``--format text``) or as
JSON with every micro-step and the weights before and after (``--format json``).
"""

from __future__ import annotations

import argparse
import sys

from .examples import EXAMPLES
from .network import RULES
from .trace import trace_step


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bpnet", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("trace", help="print every micro-step of one training update")
    t.add_argument("--example", choices=sorted(EXAMPLES), default="xor", help="worked example (default: xor)")
    t.add_argument("--rule", choices=RULES, default="gradient",
                   help="'gradient' (correct descent) or 'article' (the source article's sign-flipped step)")
    t.add_argument("--sample", default="1",
                   help="which training sample to update on, 1-based (default 1), or 'all' for one full-batch step")
    t.add_argument("--lr", type=float, default=None, help="learning rate (default: the example's, 0.1 for xor)")
    t.add_argument("--format", choices=("text", "json"), default="text")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    ex = EXAMPLES[args.example]()
    if args.sample == "all":
        X, y = ex.X, ex.y
    else:
        try:
            k = int(args.sample)
        except ValueError:
            k = 0
        if not 1 <= k <= len(ex.X):
            print(f"error: --sample must be 1..{len(ex.X)} or 'all', got {args.sample!r}", file=sys.stderr)
            return 2
        X, y = ex.X[k - 1:k], ex.y[k - 1:k]
    lr = ex.lr if args.lr is None else args.lr
    try:
        trace = trace_step(ex.net, X, y, lr=lr, loss=ex.loss, rule=args.rule)
    except (ValueError, TypeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out = trace.to_json() if args.format == "json" else trace.to_text()
    sys.stdout.write(out + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
