"""Code checkers (bpnet.teach.code_checks): the public API, and the reference solutions accepted.

Each task's reference solution is ordinary numpy written from the equations, independent of
bpnet's Backprop: that it passes on every network of the battery is a comparison of two
implementations, and a function with one slip is named by that slip.
"""

import math

import numpy as np
import pytest

from bpnet.core.losses import LOSSES
from bpnet.teach.code_checks import TASKS, CodeResult, battery, check_code


def solution(name):
    ns = {"np": np, "math": math}
    exec(TASKS[name].solution, ns)
    return ns[name if name != "autograd" else "Value"]


def test_the_tasks_a_course_needs_are_registered_with_a_starting_cell():
    assert list(TASKS) == ["forward", "cost_gradient", "output_delta", "backward", "gradients", "update",
                           "train_step", "autograd"]
    for t in TASKS.values():
        assert t.starter.startswith(t.signature)
        assert '"""' in t.starter and t.docstring.splitlines()[0] in t.starter
        compile(t.starter, t.name, "exec")  # a starting cell runs (it defines the function)


def test_the_battery_has_the_worked_example_every_activation_depth_batch_size_and_loss():
    cases = battery()
    assert cases[0].identity_only and cases[0].net.sizes == [2, 3, 1]
    acts = {a.name for c in cases for a in c.net.acts}
    assert {"sigmoid", "tanh", "relu", "leaky_relu"} <= acts
    assert {c.L - 1 for c in cases} == {1, 2, 3}
    assert {c.m for c in cases} == {1, 4}
    assert {c.loss.name for c in cases} == {cls().name for cls in set(LOSSES.values())}


@pytest.mark.parametrize("name", [t for t in TASKS if t != "autograd"])
def test_each_reference_solution_is_accepted(name):
    result = check_code(name, solution(name))
    assert isinstance(result, CodeResult)
    assert result and result.correct and result.mistake is None, result
    assert repr(result).startswith("✓")
    assert result._repr_markdown_().startswith("**✓")


def test_a_forward_pass_without_biases_is_named_with_its_first_differing_number():
    def forward(W, X, f):
        z, a = [None], [X]
        for l in range(1, len(W) + 1):
            z.append(a[l - 1] @ W[l - 1][1:])
            a.append(f[l](z[l]))
        return z, a

    result = check_code("forward", forward)
    assert not result and result.mistake == "missing_biases"
    # The worked example: z(Z1) = X1 + X2 + bias 1 = 1 for the sample (0, 0); without the bias 0.
    assert result.message == "z(Z1) on network 1, sample 1: yours 0, expected 1"
    assert repr(result).startswith("✗")
    levels = [result.hint() for _ in range(3)]
    assert "bias" in levels[0] and "W[l-1][0]" in levels[1] and "network 1" in levels[2]
    assert "def forward" in result.solution()


def test_an_unknown_task_is_refused_by_name():
    with pytest.raises(ValueError, match="unknown task 'delta'.*forward, cost_gradient, output_delta"):
        check_code("delta", print)


def test_the_reference_value_class_is_accepted_and_an_overwritten_gradient_at_a_fork_named():
    Value = solution("autograd")
    assert check_code("autograd", Value)

    class Overwriting(Value):
        def __add__(self, other):
            out = Overwriting(self.data + other.data, (self, other))

            def _backward():
                self.grad = out.grad  # = where += belongs
                other.grad = out.grad
            out._backward = _backward
            return out

        def __mul__(self, other):
            out = Overwriting(self.data * other.data, (self, other))

            def _backward():
                self.grad += other.data * out.grad
                other.grad += self.data * out.grad
            out._backward = _backward
            return out

    result = check_code("autograd", Overwriting)
    assert not result and result.mistake == "overwritten_grad"
    assert result.message == "∂L/∂a in expression 2 (L = a + a): yours 1, expected 2"


def test_the_module_docstrings_example_runs():
    import doctest

    from bpnet.teach import code_checks

    assert doctest.testmod(code_checks).failed == 0
