"""A notebook's exercise starts from a starter the learner fills in: run as stored, its check asks for
the work instead of judging it. For the code checkers: a function (or a Value class) whose body still
raises NotImplementedError is "not written yet"; a body that is written but wrong is judged as usual."""

import pytest

from bpnet.teach.code_checks import SLIPS, TASKS, check_code


def _starter(task: str):
    """The task's starter with the body the notebooks give it: raise NotImplementedError."""
    source = TASKS[task].starter.replace("\n    ...\n", "\n    raise NotImplementedError\n")
    if task == "autograd":
        source += ("\n    def __init__(self, data, _prev=()):\n        self.data, self.grad = float(data), 0.0\n"
                   "        self._prev, self._backward = tuple(_prev), lambda: None\n\n"
                   "    def __add__(self, other):\n        raise NotImplementedError\n\n"
                   "    def __mul__(self, other):\n        raise NotImplementedError\n\n"
                   "    def tanh(self):\n        raise NotImplementedError\n\n"
                   "    def backward(self):\n        raise NotImplementedError\n")
    namespace: dict = {}
    exec(compile(source, f"<starter {task}>", "exec"), namespace)
    return namespace["Value" if task == "autograd" else task]


@pytest.mark.parametrize("task", list(TASKS))
def test_a_starter_not_yet_written_is_not_judged(task):
    r = check_code(task, _starter(task))
    assert not r and r.mistake == "unwritten" and "unwritten" in SLIPS
    text = repr(r)
    assert text.startswith("… Not written yet: ") and "✗" not in text and "raise NotImplementedError" in text
    assert "Not written yet" in r._repr_markdown_() and "✗" not in r._repr_markdown_()
    assert r.hint().startswith("Hint 1 of")  # help is there before a line is written


def test_a_body_written_but_missing_its_return_is_judged_not_excused():
    def output_delta(z, a, y, dL_da, df):
        dL_da(a[-1], y) * df[-1](z[-1])  # the result computed, never returned

    r = check_code("output_delta", output_delta)
    assert not r and r.mistake != "unwritten" and repr(r).startswith("✗")


def test_another_exception_is_reported_with_the_learners_line():
    """NotImplementedError is the starter's marker; any other exception is reported as the learner's."""
    def backward(W, z, a, delta_L, df):
        raise ValueError("shapes (4, 3) and (1, 3) not aligned")

    r = check_code("backward", backward)
    assert r.mistake == "exception" and "ValueError" in repr(r)
