"""In-process widget latency: ``forward_button.click()`` until the diagram widget holds a new value.

ipywidgets handlers run synchronously inside ``click()``, so the time the call takes is the
time until the diagram widget's new value exists on the Python side (what the kernel then
sends to the browser). Every click is checked to have changed the diagram.
"""

from __future__ import annotations

import time

import numpy as np

import bpnet


def _walk(w):
    yield w
    for child in getattr(w, "children", ()) or ():
        yield from _walk(child)


def find_by_class(root, cls: str):
    for w in _walk(root):
        if cls in getattr(w, "_dom_classes", ()):
            return w
    raise LookupError(f"no widget with class {cls!r} under {type(root).__name__}")


def _snapshot(w):
    """What the browser would be sent for the diagram: an Image's bytes, an Output's outputs, an HTML's text."""
    for attr in ("value", "outputs"):
        if hasattr(w, attr):
            v = getattr(w, attr)
            return bytes(v) if isinstance(v, (bytes, bytearray, memoryview)) else repr(v)
    raise TypeError(f"do not know how to read the diagram widget {type(w).__name__}")


def xor_steppers(StepThrough) -> dict:
    """The two XOR steppers the notebooks show: the article's one-sample update and a full batch."""
    ex = bpnet.xor_example()
    return {
        "worked example, 1 sample, article's rule (`StepThrough.from_example()`)":
            lambda: StepThrough.from_example(),
        "XOR full batch of 4, gradient descent (`StepThrough(net, X, y, lr)`)":
            lambda: StepThrough(ex.net, ex.X, ex.y, ex.lr),
    }


def large_stepper(StepThrough) -> dict:
    """A 4-layer x 6-unit network (the largest the step-through labels every weight of)."""
    net = bpnet.Network.random([6, 6, 6, 6, 6], ["tanh", "tanh", "tanh", "sigmoid"], seed=0)
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(1, 6)), rng.random((1, 6))
    return {"4 layers x 6 units, 1 sample, gradient descent": lambda: StepThrough(net, X, y, 0.1, rule="gradient")}


def measure_clicks(make, n: int) -> dict:
    st = make()
    root = getattr(st, "widget", None) or getattr(st, "container", None) or st
    diagram = find_by_class(root, "bp-diagram")
    forward = st.forward_button
    start = getattr(st, "start_button", None) or find_by_class(root, "bp-start")
    latencies, unchanged = [], 0
    slider = getattr(st, "slider", None)
    while len(latencies) < n:
        if slider is not None and slider.value >= slider.max:
            start.click()  # rewind, untimed
        before = _snapshot(diagram)
        t0 = time.perf_counter()
        forward.click()
        t = time.perf_counter() - t0
        if _snapshot(diagram) == before:
            unchanged += 1
            if slider is None:  # at the end with no slider to tell: rewind and do not count it
                start.click()
                continue
        latencies.append(t)
    return {"latencies": latencies, "unchanged": unchanged, "diagram": type(diagram).__name__}
