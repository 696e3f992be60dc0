"""A batch update in the step-through: its cost, gradient and update steps are the batch mean of
every sample, not one sample's step. They say so (label, alt text, screen-reader line), show where
the number comes from (every sample's product in the formula) and show no one sample's a and δ on
the diagram as if they were the step's inputs."""

import re

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import bpnet  # noqa: E402
from bpnet.core.notation import fmt  # noqa: E402
from bpnet.views.widgets import StepThrough  # noqa: E402

UNIT_VALUE = re.compile(r">(?:⚠ )?(?:a|z|δ)=")  # a unit's value line in the diagram's SVG


def _xor_batch():
    net, X, y, lr = bpnet.xor_example()
    return StepThrough(net, X, y, lr=lr, rule="gradient")


def _batch_steps(w):
    return [s.index for s in w.stepper.trace.steps if s.kind in ("loss", "gradient", "update") and s.sample is None]


def test_a_batch_gradient_says_it_is_the_batch_mean_and_shows_every_sample_product():
    w = _xor_batch()
    st = w.stepper
    X = st.trace.X
    steps = [i for i in _batch_steps(w) if st.trace.steps[i].kind == "gradient"]
    assert len(steps) == 13  # one per weight of the 2-3-1 network
    for i in steps:
        st.goto(i)
        w._show()
        v = st.view()
        assert v.sample is None and v.batch == 4
        words = (w.diagram_description(v), w.live_text(v), w.formula.value)
        for text in words:
            assert "the batch mean of 4 samples" in text, text
            assert not re.search(r"sample \d of 4", text), text
        assert not UNIT_VALUE.search(w.diagram_view.value), "a sample's a, z or δ shown on a batch step"
        # where the number comes from: the four products a·δ of the weight's two ends, and their mean
        l, r, c = st.trace.before.weight_index(v.step.name)
        state = v.state
        a = state.a[l][:, r - 1] if r > 0 else np.ones(len(X))  # row 0 is the bias unit's +1
        d = state.delta[l][:, c]
        assert v.step.value == pytest.approx(float(np.mean(a * d)), rel=1e-12, abs=1e-15)
        products = [f"{fmt(float(ai))}*{fmt(float(di))}" for ai, di in zip(a, d)]
        assert all(p in v.numbers for p in products), (products, v.numbers)


def test_batch_update_and_cost_steps_show_no_sample_values_and_sample_steps_still_do():
    w = _xor_batch()
    st = w.stepper
    for i in _batch_steps(w):
        st.goto(i)
        w._show()
        assert not UNIT_VALUE.search(w.diagram_view.value), st.current
        assert "the batch mean of 4 samples" in w.diagram_view.value  # the alt text, in the SVG's title
    # a per-sample step (sample 2's forward pass) keeps that sample's numbers and says whose they are
    st.goto(st.trace.find("forward", "Z1", sample=1).index)
    w._show()
    assert UNIT_VALUE.search(w.diagram_view.value)
    assert "sample 2 of 4: x = (0, 1)" in w.diagram_description()


def test_one_sample_update_still_names_its_sample():
    net, X, y, lr = bpnet.xor_example()
    w = StepThrough(net, X[:1], y[:1], lr=lr)
    st = w.stepper
    st.goto(next(s.index for s in st.trace.steps if s.kind == "gradient"))
    w._show()
    v = st.view()
    assert v.sample == 0 and v.batch == 0
    assert "batch" not in w.diagram_description(v) and "sample: x = (0, 0)" in w.diagram_description(v)
    assert UNIT_VALUE.search(w.diagram_view.value)


def test_compare_steps_on_a_batch_gradient_marks_weights_only():
    net, X, y, lr = bpnet.xor_example()
    c = StepThrough(net, X, y, lr=lr).compare(lr=0.5)
    comp = c.comparison
    comp.goto(next(s.index for s in comp.base.trace.steps if s.kind == "update" and s.sample is None))
    c._show()
    assert not UNIT_VALUE.search(c.base_diagram.value)
    assert "the batch mean of 4 samples" in c.base_formula.value
    units = set(comp.base.trace.before.unit_names(1)) | set(comp.base.trace.before.unit_names(2))
    assert not (comp.marked() & units)  # no unit's (one sample's) numbers are compared on a batch step
