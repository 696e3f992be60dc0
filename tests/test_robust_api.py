"""The API's entry points at their limits: one clear error, or the right number, never a silent wrong one.

Each case is one a hostile sweep found: an optimizer's running averages carried to another network
through a stepper, a stepper reading the caller's arrays after they changed, arguments silently
truncated, and raw Python/numpy messages where a sentence naming the argument belongs.
"""

from __future__ import annotations

import numpy as np
import pytest

import bpnet
from bpnet.core.optimizers import Adam
from bpnet.teach.netfile import network_to_dict
from bpnet.views.stepper import RuleStepper, TrainingComparison, TrainingStepper

X, Y = bpnet.XOR_X, bpnet.XOR_Y


def net(seed=0):
    return bpnet.Network.random([2, 3, 1], ["tanh", "sigmoid"], seed=seed)


def used_adam():
    """An Adam that trained another network for 50 epochs: its averages belong there."""
    other, opt = net(1), Adam(0.1)
    other.train(X, Y, 50, optimizer=opt)
    return opt


def opt_state(opt):
    return opt.t, [np.array(a, copy=True) for a in opt.v], [np.array(a, copy=True) for a in opt.s]


# ----- 1. an optimizer's binding holds in the steppers --------------------------------------------
def test_training_stepper_refuses_an_optimizer_bound_to_another_network():
    opt, b = used_adam(), net()
    before, weights = opt_state(opt), [w.copy() for w in b.W]
    with pytest.raises(ValueError, match="keeps running averages for another network"):
        TrainingStepper(b, X, Y, lr=None, optimizer=opt)
    after = opt_state(opt)
    assert after[0] == before[0] == 50
    for a, a0 in zip(after[1] + after[2], before[1] + before[2]):
        np.testing.assert_array_equal(a, a0)
    for w, w0 in zip(b.W, weights):
        np.testing.assert_array_equal(w, w0)


def test_training_comparison_refuses_a_bound_optimizer_as_base_or_branch():
    with pytest.raises(ValueError, match="another network"):
        TrainingComparison(net(), X, Y, lr=None, optimizer=used_adam(), branch={"lr": 0.5})
    with pytest.raises(ValueError, match="another network"):
        TrainingComparison(net(), X, Y, branch={"optimizer": used_adam()})


def test_training_view_refuses_a_bound_optimizer():
    pytest.importorskip("ipywidgets")
    from bpnet.views.widgets import TrainingView

    with pytest.raises(ValueError, match="another network"):
        TrainingView(net(), X, Y, lr=None, optimizer=used_adam())


def test_a_fresh_optimizer_in_a_stepper_trains_as_network_train_does():
    """The refusal is only for another network's state: a fresh Adam gives Network.train's weights."""
    s = TrainingStepper(net(), X, Y, lr=None, optimizer=Adam(0.1))
    s.forward(20)
    ref = net()
    ref.train(X, Y, 20, optimizer=Adam(0.1))
    for w, r in zip(s.net.W, ref.W):
        np.testing.assert_array_equal(w, r)


def test_an_optimizer_used_on_the_same_network_may_continue_in_a_stepper():
    a, opt = net(), Adam(0.1)
    a.train(X, Y, 5, optimizer=opt)
    s = TrainingStepper(a, X, Y, lr=None, optimizer=opt)
    s.forward(3)
    a.train(X, Y, 3, optimizer=opt)  # the same continuation, made directly
    for w, r in zip(s.net.W, a.W):
        np.testing.assert_array_equal(w, r)


# ----- 1. a stepper copies its inputs -------------------------------------------------------------
def test_training_stepper_keeps_its_own_copy_of_the_data():
    Xc, Yc = X.copy(), Y.copy()
    s = TrainingStepper(net(), Xc, Yc)
    Xc[:] = 5.0
    Yc[:] = 0.0
    s.forward(3)
    ref = TrainingStepper(net(), X, Y)
    ref.forward(3)
    np.testing.assert_array_equal(s.costs, ref.costs)


def test_rule_stepper_keeps_its_own_copy_of_the_data():
    """Its second rule's trace is computed on the first switch: from the data it was given."""
    Xc = X.copy()
    s = RuleStepper(net(), Xc, Y, 0.5)
    Xc[:] = 9.0
    s.set_rule("article")
    ref = RuleStepper(net(), X, Y, 0.5, rule="article")
    assert [st.value for st in s.trace.steps] == [st.value for st in ref.trace.steps]


# ----- 5. stepper arguments -----------------------------------------------------------------------
@pytest.mark.parametrize("lr", [0, -1.0, float("inf"), float("nan")])
def test_training_stepper_refuses_a_bad_learning_rate_at_once(lr):
    with pytest.raises(ValueError, match="learning rate must be a finite number > 0"):
        TrainingStepper(net(), X, Y, lr=lr)


@pytest.mark.parametrize("lr", [0, float("inf")])
def test_training_view_refuses_a_bad_learning_rate_at_once(lr):
    pytest.importorskip("ipywidgets")
    from bpnet.views.widgets import TrainingView

    with pytest.raises(ValueError, match="learning rate"):
        TrainingView(net(), X, Y, lr=lr)


@pytest.mark.parametrize("move,k", [("back", -5), ("forward", -1), ("forward", 1.9), ("forward", float("inf")),
                                    ("back", 0.5), ("run", 1.5), ("forward", "2")])
def test_stepper_moves_refuse_counts_that_are_not_whole(move, k):
    s = TrainingStepper(net(), X, Y)
    s.forward(2)
    with pytest.raises((ValueError, TypeError), match="whole number"):
        getattr(s, move)(k)
    assert s.index == 2


def test_stepper_moves_accept_whole_floats():
    s = TrainingStepper(net(), X, Y)
    s.forward(3.0)
    s.back(1.0)
    assert s.index == 2


# ----- 5. Network's entry points --------------------------------------------------------------------
@pytest.mark.parametrize("acts", [5, 1.5])
def test_activations_that_are_not_names(acts):
    with pytest.raises(TypeError, match=r"activations must be a name .* got (int|float)"):
        bpnet.Network.random([2, 3, 1], acts)


@pytest.mark.parametrize("seed,exc", [(-1, ValueError), ("a", TypeError), (1.5, ValueError), (None, TypeError)])
def test_random_seed_must_be_a_whole_number(seed, exc):
    with pytest.raises(exc, match="seed must be a whole number >= 0"):
        bpnet.Network.random([2, 3, 1], seed=seed)


@pytest.mark.parametrize("name", ["Z Z", "Z-", "1Z", "Zé", "Z\n"])
def test_layer_names_follow_the_network_file_rule(name):
    with pytest.raises(ValueError, match="letters, digits or _"):
        bpnet.Network.random([2, 3, 1], names=["X", name, "D"])
    with pytest.raises(bpnet.NetworkFileError, match=r"names\[1\]"):
        bpnet.load_network(dict(network_to_dict(bpnet.xor_example()), names=["X", name, "D"]))


def test_forward_overflow_is_a_divergence_error_naming_the_unit():
    n = bpnet.Network.constant([2, 3, 1], value=1e308)
    with _no_warnings():
        with pytest.raises(bpnet.DivergenceError, match=r"z\(Z1\) of sample 1 is inf") as info:
            n.forward([1, 1])
    assert info.value.where == "Z1"


def test_forward_at_the_edge_of_floats_is_still_computed():
    n = bpnet.Network.constant([1, 1], value=1e307)
    np.testing.assert_array_equal(n.forward([1.0]).output, [[2e307]])


class _no_warnings:
    def __enter__(self):
        import warnings

        self._cm = warnings.catch_warnings()
        self._cm.__enter__()
        warnings.simplefilter("error")

    def __exit__(self, *exc):
        return self._cm.__exit__(*exc)


# ----- 2. checkers at the limits of floating point ------------------------------------------------
def test_check_update_with_an_update_beyond_floats_says_so_instead_of_a_wrong_diagnosis():
    from bpnet.teach.exercises import check_update

    n = bpnet.xor_example().net
    with _no_warnings():
        with pytest.raises(ValueError, match=r"new w\(X0->Z1\): the right value is -inf here, beyond the largest "
                                             r"float") as info:
            check_update(n, X[0], Y[0], "X0->Z1", 1, lr=1e308)
    assert "f'(z)" not in str(info.value)


@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_check_update_just_inside_floats_still_judges():
    from bpnet.teach.exercises import check_update

    n = bpnet.xor_example().net
    right = n["X0->Z1"] - 1e300 * n.gradients(X[:1], Y[:1])[0][0, 0]
    assert check_update(n, X[0], Y[0], "X0->Z1", right, lr=1e300).correct


def test_check_neuron_with_a_weighted_sum_beyond_floats_names_z():
    from bpnet.teach.exercises import check_neuron

    with _no_warnings():
        with pytest.raises(ValueError, match=r"z = w.x \+ b is inf here, beyond the largest float"):
            check_neuron([1e200], 0, [1e200], 1.0)
    assert check_neuron([1e150], 0, [1e150], 1.0).correct  # z = 1e300: sigmoid(z) = 1 exactly


@pytest.mark.parametrize("call,exc,match", [
    (lambda E: E.check_forward(None, [1, 0], "Z1", 1), TypeError, "net must be a bpnet.Network"),
    (lambda E: E.check_delta("net", [1, 0], [1], "D0", 1), TypeError, "net must be a bpnet.Network"),
    (lambda E: E.check_cost(3, X, Y, 1), TypeError, "net must be a bpnet.Network"),
    (lambda E: E.check_activation("relu", [], []), ValueError, "z is empty"),
    (lambda E: E.check_activation_derivative("relu", [], []), ValueError, "z is empty"),
    (lambda E: E.check_activation("relu", [1.0], [10**400]), ValueError, "answer is too large for a float"),
    (lambda E: E.check_activation("relu", [1.0], [object()]), TypeError, "answer must be a number"),
])
def test_checkers_refuse_bad_arguments_in_one_sentence(call, exc, match):
    from bpnet.teach import exercises

    with pytest.raises(exc, match=match):
        call(exercises)


@pytest.mark.parametrize("answer", [__import__("fractions").Fraction(4), 4, 4.0, [__import__("fractions").Fraction(8, 2)]])
def test_answers_as_fractions_or_python_ints_are_numbers(answer):
    from bpnet.teach.exercises import check_activation

    assert check_activation("relu", [4.0], answer).correct


def test_an_answer_of_a_huge_python_int_is_judged():
    from bpnet.teach.exercises import check_activation

    result = check_activation("relu", [1.0], 2**1000)
    assert not result.correct and result.mistake != "rounding"


# ----- 5. the graph and its Values -------------------------------------------------------------------
@pytest.mark.parametrize("make,match", [
    (lambda V: V(1000.0).exp(), r"exp\(1000\) is beyond the largest float"),
    (lambda V: V(2.0) ** 1e10, r"2\^1e\+10 is beyond the largest float"),
    (lambda V: V(10**400), "integer beyond the largest float"),
    (lambda V: V(1e200) * V(1e200), "beyond the largest float"),
    (lambda V: (1 / V(1e-200)).backward(), r"local derivative .* at (1, )?1e-200 is beyond the largest float"),
    (lambda V: ((V(1e-300, "a") * 1e300) * 1e300).backward(), r"the gradient reaching a .* beyond the largest float"),
])
def test_values_beyond_floats_are_a_clear_error(make, match):
    from bpnet.explain.autograd import Value

    with pytest.raises(ValueError, match=match):
        make(Value)


def test_a_real_division_by_zero_keeps_its_own_message():
    from bpnet.explain.autograd import Value

    with pytest.raises(ZeroDivisionError, match=r"division by zero: 1/0 in a computation graph"):
        Value(1.0) / Value(0.0)


def test_graph_evaluate_and_numerical_gradient_refuse_what_is_not_finite():
    from bpnet.explain.autograd import Graph, Value, numerical_gradient

    a, b = Value(2.0, "a"), Value(3.0, "b")
    g = Graph((a * b).named("L"))
    for bad in (float("nan"), float("inf")):
        with pytest.raises(ValueError, match="the new value of a must be a finite number"):
            g.evaluate({"a": bad})
    with pytest.raises(ValueError, match=r"L = 1e\+300\*1e\+300 is beyond the largest float"):
        g.evaluate({"a": 1e300, "b": 1e300})
    for eps in (0, -1e-6, float("nan")):
        with pytest.raises(ValueError, match="eps .* must be a finite number > 0"):
            numerical_gradient(g, "a", eps=eps)
    assert numerical_gradient(g, "a") == pytest.approx(3.0)


# ----- 2. the activation explorer's limits -------------------------------------------------------------
@pytest.mark.parametrize("kw,exc,match", [
    (dict(zlim=(0, 0)), ValueError, "lowest < highest"),
    (dict(zlim=(5, -5)), ValueError, "lowest < highest"),
    (dict(zlim=(-1e308, 1e308)), ValueError, "at most 1e6 apart"),
    (dict(zlim=(0, float("nan"))), ValueError, "each end of zlim must be a finite number"),
    (dict(zlim=3), TypeError, "zlim must be two numbers"),
    (dict(z=1e308), ValueError, r"z must be within zlim = \(-6, 6\), got 1e\+308"),
    (dict(z=float("nan")), ValueError, "z must be a finite number"),
])
def test_activation_explorer_refuses_limits_it_cannot_show(kw, exc, match):
    pytest.importorskip("ipywidgets")
    from bpnet.views.widgets import ActivationExplorer

    with pytest.raises(exc, match=match):
        ActivationExplorer(**kw)


def test_activation_explorer_shows_the_z_it_was_given():
    pytest.importorskip("ipywidgets")
    from bpnet.views.widgets import ActivationExplorer

    e = ActivationExplorer(z=-50.0, zlim=(-100, 100))
    assert e.readout().startswith("sigmoid: z = -50,")


@pytest.mark.parametrize("kw,match", [(dict(epochs=1.5), "epochs .* whole number >= 1, got 1.5"),
                                      (dict(epochs=0), "epochs .* whole number >= 1, got 0"),
                                      (dict(every=2.5), "every .* whole number >= 1, got 2.5"),
                                      (dict(every=0), "every .* whole number >= 1, got 0")])
@pytest.mark.parametrize("view", ["TrainingView", "CompareTraining"])
def test_training_views_refuse_counts_that_are_not_whole(view, kw, match):
    pytest.importorskip("ipywidgets")
    import bpnet.views.widgets as widgets

    extra = {"branch": {"lr": 0.5}} if view == "CompareTraining" else {}
    with pytest.raises(ValueError, match=match):
        getattr(widgets, view)(net(), X, Y, **kw, **extra)


# ----- integers beyond a float, where a number or a count belongs ------------------------------------
def test_a_learning_rate_of_a_huge_integer_is_a_clear_error():
    from bpnet.teach.exercises import check_update

    for call in (lambda: net().step(X, Y, lr=10**400), lambda: TrainingStepper(net(), X, Y, lr=10**400),
                 lambda: check_update(net(), X[0], Y[0], "Z1->D0", 0.3, lr=10**400)):
        with pytest.raises(ValueError, match="learning rate must be a finite number, got an integer beyond the "
                                             "largest float"):
            call()


def test_counts_of_huge_integers_are_compared_exactly():
    with pytest.raises(ValueError, match="epochs must be at most 10,000,000"):
        net().train(X, Y, epochs=10**400)
    with pytest.raises(ValueError, match="seed must be a whole number >= 0, got -1000000000000"):
        bpnet.Network.random([2, 3, 1], seed=-10**12)


@pytest.mark.parametrize("epoch", [10**400, 10_000_001, -1])
def test_schedule_epochs_beyond_any_training_are_refused(epoch):
    from bpnet.core.optimizers import exponential_decay, step_decay
    from bpnet.teach.exercises import check_learning_rate

    for call in (lambda: step_decay(0.5, epoch), lambda: exponential_decay(0.5, epoch),
                 lambda: check_learning_rate("step", 0.5, epoch, 0.1)):
        with pytest.raises(ValueError, match=r"epoch must be a whole number (from 0 to 10,000,000|>= 0)"):
            call()


def test_the_last_epoch_a_training_runs_has_a_schedule():
    from bpnet.core.optimizers import step_decay

    assert step_decay(0.5, 10_000_000, drop=1.0) == 0.5
    assert step_decay(0.5, 10_000_000) == 0.0  # 0.5 * 0.5**1,000,000: below the smallest float
