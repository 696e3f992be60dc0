"""Trace size and speed at scale, and the cost of branching a comparison.

    python -m benchmarks.trace_scale          # prints the rows

``trace_rows()``: for 2-3-1, 6 x 50 and 6 x 100 networks, the micro-steps of one
update, the time to record them (``trace_step``, best of a few), the memory the trace
holds (tracemalloc, everything it keeps: networks before and after, arrays, step
table), that memory per micro-step, and the in-process latency of one step of a
stepper (jump to a random step and build its view: label, formula, LaTeX, diagram
state), median and p95. ``branch_rows()``: the time to create a ``StepComparison`` and a
``TrainingComparison`` as a ratio of one ``trace_step`` / one ``Network.train`` epoch.
"""

from __future__ import annotations

import time
import tracemalloc

import numpy as np

import bpnet
from bpnet.views.stepper import StepComparison, Stepper, TrainingComparison

from .timing import fmt_time, median, p95

SIZES = {"2-3-1": [2, 3, 1], "6 x 50": [50] * 7, "6 x 100": [100] * 7}


def _case(sizes, seed: int = 0):
    net = bpnet.Network.random(sizes, "sigmoid", seed=seed)
    rng = np.random.default_rng(seed)
    return net, rng.normal(size=(1, sizes[0])), rng.random((1, sizes[-1]))


def _best(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def trace_rows(quick: bool = False) -> list[list[str]]:
    """[network, micro-steps, build time, memory held, bytes per micro-step, step median, step p95]."""
    rows = []
    for label, sizes in SIZES.items():
        net, X, y = _case(sizes)
        build = _best(lambda: bpnet.trace_step(net, X, y, 0.1), 1 if quick or sizes[0] > 10 else 5)
        tracemalloc.start()
        trace = bpnet.trace_step(net, X, y, 0.1)
        held, _ = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        st = Stepper(trace)
        rng = np.random.default_rng(1)
        clicks = []
        for i in rng.integers(len(trace), size=10 if quick else 50):
            t = time.perf_counter()
            st.goto(int(i))
            v = st.view()
            v.formula, v.latex  # noqa: B018  (the texts a view shows)
            clicks.append(time.perf_counter() - t)
        rows.append([label, str(len(trace)), fmt_time(build), f"{held / 1e6:.1f} MB",
                     f"{held / len(trace):.0f} B", fmt_time(median(clicks)), fmt_time(p95(clicks))])
    return rows


def branch_rows() -> list[list[str]]:
    """[what, time, ratio to the run it branches]."""
    ex = bpnet.xor_example()
    net = bpnet.Network.random([2, 3, 1], "tanh", seed=3)
    one = _best(lambda: bpnet.trace_step(net, ex.X, ex.y, 0.1), 20)
    step = _best(lambda: StepComparison(net, ex.X, ex.y, 0.1, branch={"lr": 0.5}), 20)
    epoch = _best(lambda: net.copy().train(ex.X, ex.y, 1, lr=0.1), 20)
    train = _best(lambda: TrainingComparison(net, ex.X, ex.y, 0.1, branch={"lr": 0.5}, at=50), 5)
    return [["StepComparison (XOR 2-3-1, batch of 4)", fmt_time(step), f"{step / one:.1f}× one trace_step"],
            ["TrainingComparison split at epoch 50", fmt_time(train), f"{train / epoch:.0f}× one training epoch"]]


if __name__ == "__main__":
    head = ["network", "micro-steps", "trace_step", "memory held", "per micro-step", "step median", "step p95"]
    print(" | ".join(head))
    for r in trace_rows():
        print(" | ".join(r))
    print()
    for r in branch_rows():
        print(" | ".join(r))
