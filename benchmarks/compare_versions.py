"""Before/after for an optimisation: bpnet at a git revision vs the working tree, in one process.

    python -m benchmarks.compare_versions e2d646a            # net.step and net.train
    python -m benchmarks.compare_versions d09ac3d --train    # net.train only: median and fastest sample

The old ``bpnet/`` is exported with ``git archive`` into a temporary directory as the
package ``bpnet_old`` (bpnet imports itself relatively, so it works under another name),
then both versions' ``net.step`` and ``net.train`` are timed interleaved with the
hand-fused loop on the section 1 and 2 networks. Both must give the hand-fused weights.
"""

from __future__ import annotations

import os

if __name__ == "__main__":  # the same single BLAS thread as python -m benchmarks (see __main__.py)
    for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_var, "1")

import importlib  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tarfile  # noqa: E402
import tempfile  # noqa: E402
from io import BytesIO  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from . import competitors as C  # noqa: E402
from .run import ROOT, table  # noqa: E402
from .timing import fmt_ratio, fmt_time, interleaved, median  # noqa: E402


def load_old(rev: str, where: Path):
    tar = subprocess.run(["git", "archive", rev, "bpnet"], cwd=ROOT, capture_output=True, check=True).stdout
    with tarfile.open(fileobj=BytesIO(tar)) as tf:
        try:
            tf.extractall(where, filter="data")
        except TypeError:  # Python without extraction filters; the archive is our own repository's
            tf.extractall(where)
    (where / "bpnet").rename(where / "bpnet_old")
    sys.path.insert(0, str(where))
    return importlib.import_module("bpnet_old")


class _Old(C.BpnetStep):
    mod = None

    def reset(self):
        s = self.spec
        self.net = self.mod.Network([w.copy() for w in s.W], [s.hidden, s.output])


class _OldTrain(_Old, C.BpnetTrain):
    pass


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    train_only = "--train" in argv
    argv = [a for a in argv if a != "--train"]
    rev = argv[0] if argv else "HEAD"
    repeats = int(argv[1]) if len(argv) > 1 else 31
    if train_only:
        return main_train(rev, repeats)
    with tempfile.TemporaryDirectory() as tmp:
        _Old.mod = load_old(rev, Path(tmp))
        rows, bad = [], False
        specs = [C.xor_identity_spec(), C.xor_tanh_spec(), C.classifier_spec(32), C.classifier_spec(256)]
        for spec in specs:
            cands = {"hand": C.HandFused(spec), "old step": _Old(spec), "new step": C.BpnetStep(spec),
                     "old train": _OldTrain(spec), "new train": C.BpnetTrain(spec)}
            ref = C.HandFused(spec)
            for _ in range(10):
                ref.step()
            for name, c in cands.items():
                if hasattr(c, "epochs"):
                    c.epochs = 1
                for _ in range(10):
                    c.step()
                d = max(float(np.max(np.abs(a - b))) for a, b in zip(c.weights(), ref.weights()))
                if not d <= 1e-9:
                    print(f"MISMATCH {name} on {spec.name}: {d:.3g}", file=sys.stderr)
                    bad = True
                if hasattr(c, "epochs"):
                    c.epochs = 100
            t = {k: median(v) for k, v in interleaved(cands, repeats, 0.01).items()}
            h = t["hand"]
            rows.append([spec.name,
                         f"{fmt_time(t['old step'])} ({fmt_ratio(t['old step'] / h)})",
                         f"{fmt_time(t['new step'])} ({fmt_ratio(t['new step'] / h)})",
                         f"{fmt_time(t['old train'])} ({fmt_ratio(t['old train'] / h)})",
                         f"{fmt_time(t['new train'])} ({fmt_ratio(t['new train'] / h)})",
                         fmt_time(h)])
            print(spec.name, "done", file=sys.stderr)
    print(f"Per update, median of {repeats} interleaved samples; in brackets: ÷ hand-fused. "
          f"Old = bpnet at `{rev}`, new = working tree.\n")
    print("\n".join(table(["network, batch", "net.step old", "net.step new", "net.train old (per epoch)",
                           "net.train new (per epoch)", "hand-fused"], rows)))
    return 1 if bad else 0


def main_train(rev: str, repeats: int) -> int:
    """``--train``: only ``net.train`` per epoch, old and new, ÷ the hand-fused loop's time per update.

    Two ratios per version: of the medians, and of the fastest samples (on a machine shared with
    other work the fastest sample is the one least disturbed, so that ratio is the steadier)."""
    with tempfile.TemporaryDirectory() as tmp:
        _OldTrain.mod = load_old(rev, Path(tmp))
        rows, bad = [], False
        for spec in (C.xor_identity_spec(), C.xor_tanh_spec(), C.classifier_spec(32), C.classifier_spec(256)):
            cands = {"hand": C.HandFused(spec), "old": _OldTrain(spec), "new": C.BpnetTrain(spec)}
            ref = C.HandFused(spec)
            for _ in range(10):
                ref.step()
            for name in ("old", "new"):
                c = cands[name]
                c.epochs = 10
                c.reset()
                c.step()
                if not max(float(np.max(np.abs(a - b))) for a, b in zip(c.weights(), ref.weights())) <= 1e-9:
                    print(f"MISMATCH {name} on {spec.name}", file=sys.stderr)
                    bad = True
                c.epochs = 100
            samples = interleaved(cands, repeats, 0.01)
            med = {k: median(v) for k, v in samples.items()}
            best = {k: min(v) for k, v in samples.items()}
            rows.append([spec.name, fmt_time(med["hand"])]
                        + [f"{fmt_ratio(med[k] / med['hand'])} / {fmt_ratio(best[k] / best['hand'])}" for k in ("old", "new")])
            print(spec.name, "done", file=sys.stderr)
    print(f"`net.train` per epoch ÷ hand-fused per update: median / fastest sample of {repeats} interleaved "
          f"samples. Old = bpnet at `{rev}`, new = working tree.\n")
    print("\n".join(table(["network, batch", "hand-fused (median)", "old", "new"], rows)))
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
