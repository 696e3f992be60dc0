"""Scale: how long and how much memory a trace and a network construction take as the network grows.

Each measurement runs in a fresh interpreter (``python -m benchmarks.scale KIND N``), so its
peak memory is its own: the peak resident set size (``ru_maxrss``) after the job, minus the
same figure just before it (after imports and the inputs are made). The child caps its own
address space at that point plus ``--budget-mb`` (default 3000 MB), so a job that would need
more stops with MemoryError instead of exhausting the machine, and is reported as "over".

Kinds:
  trace N         ``bpnet.trace_step`` of one sample through a network of 6 weight layers,
                  N units in every layer (sizes [N]*7, as ``benchmarks/trace_scale.py``), tanh;
                  N = 2 means the worked example's 2-3-1 shape instead. Also timed: reaching
                  seeded random micro-steps with a ``Stepper`` and reading the state there.
  construct N     ``Network.constant([N, N, 1])`` and ``Network.random([N, N, 1])`` (every
                  weight named), then looking up one weight by name.

Prints one JSON object. No timing is asserted anywhere: the numbers go to results.md.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cap_address_space(budget_mb: float) -> None:
    """Let this process grow by at most ``budget_mb`` of address space from here on."""
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[0])
        now = pages * os.sysconf("SC_PAGE_SIZE")
        limit = now + int(budget_mb * 2**20)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (OSError, ValueError):  # not Linux: no cap, the parent's timeout still applies
        pass


def trace_sizes(n: int) -> list[int]:
    return [2, 3, 1] if n == 2 else [n] * 7


def job_trace(n: int, budget_mb: float) -> dict:
    import numpy as np

    import bpnet
    from bpnet.views.stepper import Stepper

    sizes = trace_sizes(n)
    net = bpnet.Network.random(sizes, "tanh", seed=0)
    rng = np.random.default_rng(n)
    X = rng.normal(size=(1, sizes[0]))
    y = rng.uniform(size=(1, sizes[-1]))
    base = _rss_mb()
    _cap_address_space(budget_mb)
    t0 = time.perf_counter()
    trace = bpnet.trace_step(net, X, y, lr=0.1)
    build = time.perf_counter() - t0
    peak = _rss_mb() - base
    st = Stepper(trace)
    ks = rng.integers(0, len(trace), size=20)
    jumps = []
    for k in ks:
        t0 = time.perf_counter()
        st.goto(int(k))
        float(st.state.weights[0][0, 0])  # the state is really there (or rebuilt) at k
        jumps.append(time.perf_counter() - t0)
    jumps.sort()
    return {"sizes": sizes, "weights": int(sum(w.size for w in net.W)), "steps": len(trace),
            "build_s": build, "peak_mb": peak, "jump_median_s": jumps[len(jumps) // 2], "jump_max_s": jumps[-1]}


def job_construct(n: int, budget_mb: float) -> dict:
    import bpnet

    base = _rss_mb()
    _cap_address_space(budget_mb)
    out = {"sizes": [n, n, 1], "weights": (n + 1) * n + (n + 1)}
    for kind in ("constant", "random"):
        t0 = time.perf_counter()
        net = getattr(bpnet.Network, kind)([n, n, 1])
        out[f"{kind}_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        name = net.weight_name(0, n, n - 1)
        assert net.weight_index(name) == (0, n, n - 1)
        out[f"{kind}_lookup_s"] = time.perf_counter() - t0
        del net
    out["peak_mb"] = _rss_mb() - base
    return out


JOBS = {"trace": job_trace, "construct": job_construct}


def measure(kind: str, n: int, budget_mb: float = 3000, timeout: float = 120) -> dict:
    """Run one job in a fresh interpreter; {"error": ...} if it ran out of memory or time."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", PYTHONPATH=str(ROOT))
    try:
        r = subprocess.run([sys.executable, "-m", "benchmarks.scale", kind, str(n), str(budget_mb)],
                           cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"over {timeout:g} s (stopped)"}
    if r.returncode != 0:
        if "MemoryError" in r.stderr:
            return {"error": f"over {budget_mb:g} MB (stopped)"}
        return {"error": "failed: " + (r.stderr.strip().splitlines() or ["?"])[-1]}
    return json.loads(r.stdout)


if __name__ == "__main__":
    kind, n = sys.argv[1], int(sys.argv[2])
    budget = float(sys.argv[3]) if len(sys.argv) > 3 else 3000
    print(json.dumps(JOBS[kind](n, budget)))
