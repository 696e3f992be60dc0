"""Interleaved, repeated timing: every competitor is sampled once per round, in rotating order.

Samples are CPU time of this process (``time.process_time``): on a machine shared with other jobs,
the time spent waiting for a core does not count, so ratios stay comparable at any load.
"""

from __future__ import annotations

import statistics
import time
import timeit

#: The clock every sample is read from.
CLOCK = time.process_time


def calibrate(fn, min_time: float, cap: int = 1 << 20) -> int:
    """Smallest power-of-two call count whose run takes at least ``min_time`` seconds."""
    n = 1
    while n < cap:
        if timeit.Timer(fn, timer=CLOCK).timeit(n) >= min_time:
            break
        n *= 2
    return n


def interleaved(cands: dict, repeats: int, min_time: float) -> dict[str, list[float]]:
    """Seconds per update of each candidate, one sample per round, ``repeats`` rounds.

    A candidate has ``step()``, ``reset()`` (untimed, before every sample, so every
    sample starts from the same weights) and ``updates_per_call``. Rounds rotate the
    order so that no competitor always runs first or right after another.
    """
    numbers = {}
    for name, c in cands.items():
        c.reset()
        numbers[name] = calibrate(c.step, min_time)
    names = list(cands)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for r in range(repeats):
        for name in names[r % len(names):] + names[:r % len(names)]:
            c = cands[name]
            c.reset()
            t = timeit.Timer(c.step, timer=CLOCK).timeit(numbers[name])
            samples[name].append(t / (numbers[name] * getattr(c, "updates_per_call", 1)))
    return samples


def median(xs) -> float:
    return statistics.median(xs)


def spread(xs) -> float:
    """Half the interquartile range relative to the median: how noisy the samples were."""
    q = statistics.quantiles(xs, n=4) if len(xs) >= 2 else [xs[0]] * 3
    return (q[2] - q[0]) / 2 / statistics.median(xs)


def p95(xs) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(0.95 * (len(xs) - 1))))]


def fmt_time(s: float) -> str:
    """Seconds as a short human string: 812 ns, 23.4 µs, 1.25 ms, 3.10 s."""
    if s != s:  # NaN
        return "—"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if s >= scale:
            v = s / scale
            return f"{v:.3g} {unit}" if v < 100 else f"{v:.0f} {unit}"
    return f"{s / 1e-9:.0f} ns"


def fmt_ratio(r: float) -> str:
    if r != r:
        return "—"
    return f"{r:.2f}×" if r < 10 else f"{r:.1f}×" if r < 100 else f"{r:.0f}×"
