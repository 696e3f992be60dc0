"""Seeded property test: random malformed values thrown at every public entry point.

Each case takes one valid call of an entry point (the network's constructors and maths, trace_step,
the steppers and their moves, the comparisons, the checkers, the network file loader, the command
line, the autograd Values and Graph) and replaces ONE argument by a value drawn from a catalogue of
malformed ones (None, strings, bools, NaN, inf, 1e308, 10**400, a Fraction, a complex, empty and
ragged lists, an object, ...). The call must then, within a few seconds:

- return (the value was acceptable after all: 3.0 for 3, a Fraction for a number), and what it
  returns passes the entry point's own sanity check; or
- raise a bpnet error (ValueError, TypeError, IndexError or KeyError; DivergenceError and
  NetworkFileError are ValueErrors) whose message is a sentence, not a raw Python or numpy message;

and never anything else, never a hang, and after an error the network, the optimizer and the
inputs are exactly as before. The command line must exit 0, 1 or 2 with one error line, never a
traceback.
"""

from __future__ import annotations

import contextlib
import copy
import json
import signal
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

import bpnet
from bpnet.__main__ import main as cli_main
from bpnet.core.optimizers import Adam, get_optimizer, step_decay
from bpnet.explain.autograd import Graph, Value, numerical_gradient, trace_function
from bpnet.teach import exercises
from bpnet.teach.netfile import load_network_text, network_to_dict
from bpnet.views.stepper import GraphStepper, RuleStepper, StepComparison, TrainingComparison, TrainingStepper

ROOT = Path(__file__).resolve().parents[1]
X, Y = bpnet.XOR_X, bpnet.XOR_Y
N_CASES = 300
SECONDS = 5  # per call: far above any call here (the slowest takes well under a second)

RAW = ("gufunc", "operands could not be broadcast", "object is not iterable", "invalid literal",
       "has no attribute", "unsupported operand", "object is not subscriptable", "Unable to allocate",
       "math range error", "float division by zero", "cannot convert float", "int too large",
       "Numerical result out of range", "not supported between instances", "cannot reshape",
       "object cannot be interpreted", "only length-1 arrays", "setting an array element")


class _Ragged:
    """A list that numpy cannot make rectangular."""


def malformed(rng) -> object:
    """One malformed value (a fresh object: a call may keep or change it)."""
    catalogue = [
        lambda: None, lambda: "", lambda: "abc", lambda: "3", lambda: "１", lambda: True, lambda: False,
        lambda: -1, lambda: 0, lambda: 1.5, lambda: -0.0, lambda: float("nan"), lambda: float("inf"),
        lambda: -float("inf"), lambda: 1e308, lambda: -1e308, lambda: 5e-324, lambda: 10**400, lambda: 2**64,
        lambda: Fraction(1, 3), lambda: complex(1, 1), lambda: b"x", lambda: [], lambda: [[]], lambda: [1, [2]],
        lambda: {}, lambda: {"a": 1}, lambda: object(), lambda: np.array([object()]), lambda: np.float32("nan"),
        lambda: np.int64(-5), lambda: np.ones((2, 2, 2)), lambda: np.empty((0, 2)), lambda: [[1.0, 2.0]] * 3,
        lambda: np.array([[1.0, np.inf]]), lambda: (1,), lambda: range(3), lambda: "sigmoid", lambda: Adam(0.1),
    ]
    return catalogue[int(rng.integers(len(catalogue)))]()


class Hang(Exception):
    pass


@contextlib.contextmanager
def time_limit(seconds: float):
    """A call that runs past ``seconds`` fails the test (POSIX: an interval timer; elsewhere no limit)."""
    if not hasattr(signal, "setitimer"):
        yield
        return

    def stop(_sig, _frame):
        raise Hang(f"no answer within {seconds} s")

    old = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def net0():
    return bpnet.Network.random([2, 3, 1], ["tanh", "sigmoid"], seed=0)


def finite(x) -> bool:
    return np.isfinite(np.asarray(x, dtype=float)).all()


# ----- the entry points: name -> (valid arguments, call, sanity check of a result) -------------------
def _moved(stepper):
    stepper.forward(3)
    return stepper


def _graph():
    a, b = Value(2.0, "a"), Value(-3.0, "b")
    return Graph(((a * b).tanh() + a).named("L"))


ENTRY_POINTS = {
    "Network.random": (dict(sizes=[2, 3, 1], activations=["tanh", "sigmoid"], init="xavier", seed=0, names=None),
                       lambda k: bpnet.Network.random(**k), lambda r: all(finite(w) for w in r.W)),
    "Network.constant": (dict(sizes=[2, 3, 1], activations="sigmoid", value=0.5),
                         lambda k: bpnet.Network.constant(**k), lambda r: all(finite(w) for w in r.W)),
    "Network": (dict(weights=[np.ones((3, 2)), np.ones((3, 1))], activations="sigmoid", names=None, frozen=None),
                lambda k: bpnet.Network(**k), lambda r: all(finite(w) for w in r.W)),
    "forward": (dict(X=X), lambda k, n: n.forward(k["X"]), lambda r: finite(r.output)),
    "cost": (dict(X=X, y=Y, loss="half_squared_error"), lambda k, n: n.cost(**k), lambda r: finite(r)),
    "gradients": (dict(X=X, y=Y, loss="half_squared_error", rule="gradient"), lambda k, n: n.gradients(**k),
                  lambda r: all(finite(g) for g in r)),
    "step": (dict(X=X, y=Y, lr=0.5, loss="half_squared_error", rule="gradient", optimizer=None),
             lambda k, n: n.step(**k), lambda r: finite(r)),
    "train": (dict(X=X, y=Y, epochs=3, lr=0.5, loss="half_squared_error", optimizer=None, batch_size=None,
                   seed=0, rule="gradient"), lambda k, n: n.train(**k), lambda r: finite(r)),
    "trace_step": (dict(X=X, y=Y, lr=0.5, loss="half_squared_error", rule="gradient"),
                   lambda k, n: bpnet.trace_step(n, **k), lambda r: len(r) > 0),
    "TrainingStepper": (dict(X=X, y=Y, lr=0.5, loss="half_squared_error", optimizer=None, batch_size=None,
                             per="epoch", seed=0, keep=4, max_steps=20, rule="gradient"),
                        lambda k, n: TrainingStepper(n, **k).forward(3), lambda r: r in (True, False)),
    "TrainingStepper.forward": (dict(k=2), lambda k, n: TrainingStepper(n, X, Y, max_steps=20).forward(k["k"]),
                                lambda r: r in (True, False)),
    "TrainingStepper.back": (dict(k=1), lambda k, n: _moved(TrainingStepper(n, X, Y, max_steps=20)).back(k["k"]),
                             lambda r: r in (True, False)),
    "TrainingStepper.run": (dict(steps=3, every=1),
                            lambda k, n: TrainingStepper(n, X, Y, max_steps=20).run(k["steps"], every=k["every"]),
                            lambda r: r is None),
    "TrainingStepper.goto": (dict(i=3), lambda k, n: TrainingStepper(n, X, Y, max_steps=20).goto(k["i"]),
                             lambda r: r in (True, False)),
    "RuleStepper": (dict(X=X, y=Y, lr=0.5, loss="half_squared_error", rule="gradient", index=0),
                    lambda k, n: RuleStepper(n, **k).set_rule("article"), lambda r: r in (True, False)),
    "RuleStepper.goto": (dict(i=3), lambda k, n: RuleStepper(n, X, Y).goto(k["i"]), lambda r: r in (True, False)),
    "StepComparison": (dict(X=X, y=Y, lr=0.5, branch={"lr": 0.1}, index=0),
                       lambda k, n: StepComparison(n, k["X"], k["y"], k["lr"], branch=k["branch"], index=k["index"]),
                       lambda r: len(r.differences()) >= 0),
    "TrainingComparison": (dict(X=X, y=Y, lr=0.5, branch={"lr": 0.1}, at=1),
                           lambda k, n: TrainingComparison(n, k["X"], k["y"], k["lr"], branch=k["branch"],
                                                           at=k["at"], max_steps=20).forward(2),
                           lambda r: r in (True, False)),
    "check_neuron": (dict(w=[0.5, -1.5], b=0.25, x=[2.0, 1.0], answer=0.4, activation="sigmoid", value="a"),
                     lambda k: exercises.check_neuron(**k), lambda r: r.correct in (True, False)),
    "check_activation": (dict(name="tanh", z=[0.5, -1.0], answer=[0.46, -0.76]),
                         lambda k: exercises.check_activation(**k), lambda r: r.correct in (True, False)),
    "check_forward": (dict(x=[1.0, 0.0], unit="Z1", answer=0.5, value="a"),
                      lambda k, n: exercises.check_forward(n, **k), lambda r: r.correct in (True, False)),
    "check_delta": (dict(x=[1.0, 0.0], y=[1.0], unit="D0", answer=0.1, loss="half_squared_error"),
                    lambda k, n: exercises.check_delta(n, **k), lambda r: r.correct in (True, False)),
    "check_update": (dict(X=[1.0, 0.0], y=[1.0], weight_name="Z1->D0", answer=0.3, lr=0.5),
                     lambda k, n: exercises.check_update(n, **k), lambda r: r.correct in (True, False)),
    "check_cost": (dict(X=X, y=Y, answer=0.2, loss="half_squared_error"),
                   lambda k, n: exercises.check_cost(n, **k), lambda r: r.correct in (True, False)),
    "check_gradient": (dict(X=X, y=Y, weight_name="X1->Z2", answer=0.01, loss="half_squared_error"),
                       lambda k, n: exercises.check_gradient(n, **k), lambda r: r.correct in (True, False)),
    "check_activation_derivative": (dict(name="sigmoid", z=[0.0, 2.0], answer=[0.25, 0.1]),
                                    lambda k: exercises.check_activation_derivative(**k),
                                    lambda r: r.correct in (True, False)),
    "check_learning_rate": (dict(schedule="step", lr0=0.5, epoch=12, answer=0.25, drop=0.5, every=10),
                            lambda k: exercises.check_learning_rate(**k), lambda r: r.correct in (True, False)),
    "step_decay": (dict(lr0=0.5, epoch=12, drop=0.5, every=10), lambda k: step_decay(**k), lambda r: finite(r)),
    "get_optimizer": (dict(name="adam", lr=0.01), lambda k: get_optimizer(k["name"], lr=k["lr"]),
                      lambda r: r.t == 0),
    "trace_function": (dict(lr=0.1, x=0.5, w=-1.0),
                       lambda k: trace_function(lambda x, w: (x * w).sigmoid(), **k), lambda r: len(r.steps) > 0),
    "GraphStepper": (dict(index=0, lr=0.1),
                     lambda k: GraphStepper(trace_function(lambda a: a.tanh(), lr=k["lr"], a=0.3), k["index"]),
                     lambda r: r.index >= 0),
    "load_network": (dict(source=str(ROOT / "examples" / "xor.json")), lambda k: bpnet.load_network(k["source"]),
                     lambda r: all(finite(w) for w in r.net.W)),
    "Value": (dict(data=2.0, other=3.0), lambda k: (Value(k["data"], "a") * k["other"]).exp().backward(),
              lambda r: len(r.steps) > 0),
    "Graph.evaluate": (dict(a=1.0, b=2.0), lambda k: _graph().evaluate(k), lambda r: finite(r)),
    "numerical_gradient": (dict(leaf="a", eps=1e-6), lambda k: numerical_gradient(_graph(), **k),
                           lambda r: finite(r)),
}
NEEDS_NET = {"check_cost", "check_gradient", "forward", "cost", "gradients", "step", "train", "trace_step",
             "TrainingStepper", "TrainingStepper.forward", "TrainingStepper.back", "TrainingStepper.run",
             "TrainingStepper.goto", "RuleStepper", "RuleStepper.goto", "StepComparison", "TrainingComparison",
             "check_forward", "check_delta", "check_update"}


def clear_error(exc: BaseException, what: str) -> None:
    assert isinstance(exc, (ValueError, TypeError, IndexError, KeyError)), \
        f"{what}: {type(exc).__name__}: {exc}"
    msg = str(exc)
    assert len(msg) >= 15 and " " in msg, f"{what}: message {msg!r} does not explain"
    for raw in RAW:
        assert raw not in msg, f"{what}: raw message {msg!r}"


def state_of(args: dict, net, opt) -> tuple:
    """What an error must leave unchanged: the network's weights, the optimizer and the arguments."""
    weights = None if net is None else [np.array(w, copy=True) for w in net.W]
    opt_state = None if opt is None else (opt.t, copy.deepcopy([getattr(opt, s) for s in opt.STATE]))
    arrays = {k: np.array(v, copy=True) for k, v in args.items() if isinstance(v, np.ndarray) and v.dtype != object}
    return weights, opt_state, arrays


def assert_same(before: tuple, after: tuple, what: str) -> None:
    for k, (b, a) in enumerate(zip(before, after)):
        if b is None:
            continue
        if k == 0:
            for w0, w1 in zip(b, a):
                np.testing.assert_array_equal(w1, w0, err_msg=f"{what}: a weight changed after an error")
        elif k == 1:
            assert a[0] == b[0], f"{what}: the optimizer moved after an error"
        else:
            for name in b:
                np.testing.assert_array_equal(a[name], b[name], err_msg=f"{what}: argument {name} changed")


@pytest.mark.parametrize("case", range(N_CASES))
def test_a_malformed_argument_gets_a_clear_error_or_a_sane_result(case):
    rng = np.random.default_rng(70_000 + case)
    names = sorted(ENTRY_POINTS)
    name = names[int(rng.integers(len(names)))]
    valid, call, sane = ENTRY_POINTS[name]
    slot = sorted(valid)[int(rng.integers(len(valid)))]
    value = malformed(rng)
    args = dict(valid, **{slot: value})
    net = net0() if name in NEEDS_NET else None
    opt = None
    if name in ("step", "train", "TrainingStepper") and isinstance(args.get("optimizer"), Adam):
        opt = args["optimizer"]
        args["lr"] = None  # an optimizer has its own learning rate: the malformed part is the optimizer itself
        other = net0()
        other.train(X, Y, 2, optimizer=opt)  # bound to another network: must be refused, and left alone
    what = f"{name}({slot}={value!r:.40})"
    before = state_of(args, net, opt)
    try:
        with time_limit(SECONDS):
            result = call(args) if net is None else call(args, net)
    except Hang as exc:
        pytest.fail(f"{what}: {exc}")
    except Exception as exc:  # noqa: BLE001 - the point is to judge any kind
        clear_error(exc, what)
        assert_same(before, state_of(args, net, opt), what)
        return
    assert sane(result), f"{what}: returned {result!r:.80}"


# ----- network files: one key spoiled, as a dict and as text ---------------------------------------------
def spoiled_documents(rng):
    doc = network_to_dict(bpnet.xor_example())
    doc["published"] = {"forward": {"D0": 4}, "weights_after": {"Z0->D0": 0.6}}
    paths = [("lr",), ("layers",), ("layers", 1), ("activations", 0), ("weights", "X0->Z1"), ("loss",), ("rule",),
             ("samples", "inputs"), ("samples", "inputs", 0), ("samples", "targets", 2, 0), ("names",), ("frozen",),
             ("published", "forward", "D0"), ("published", "sample"), ("published",), ("weights",)]
    path = paths[int(rng.integers(len(paths)))]
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = malformed(rng)
    return doc, path


@pytest.mark.parametrize("case", range(50))
def test_a_spoiled_network_file_is_refused_in_one_line_or_loads(case):
    rng = np.random.default_rng(80_000 + case)
    doc, path = spoiled_documents(rng)
    what = f"file with {path} spoiled"
    try:
        with time_limit(SECONDS):
            ex = bpnet.load_network(doc)
    except Exception as exc:  # noqa: BLE001
        clear_error(exc, what)
        assert "\n" not in str(exc)
    else:
        assert all(finite(w) for w in ex.net.W)
    try:
        text = json.dumps(doc, default=repr)
    except ValueError:
        return
    try:
        with time_limit(SECONDS):
            load_network_text(text)
    except Exception as exc:  # noqa: BLE001
        clear_error(exc, what + " (as text)")
        assert "\n" not in str(exc)


# ----- the command line --------------------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("case", range(40))
def test_the_command_line_answers_any_argument_with_a_result_or_one_line(case, capsys, tmp_path):
    rng = np.random.default_rng(90_000 + case)
    value = malformed(rng)
    text = value if isinstance(value, str) else (json.dumps(value, default=repr) if rng.random() < 0.5 else repr(value))
    xor = str(ROOT / "examples" / "xor.json")
    spoiled = tmp_path / "net.json"
    doc = json.loads(Path(xor).read_text())
    doc["lr"] = "@@"
    spoiled.write_text(json.dumps(doc).replace('"@@"', text if text.strip() else '""'))
    argvs = [["trace", "--network", xor, "--sample", text], ["trace", "--example", "xor", "--lr", text],
             ["trace", "--network", text], ["check", text], ["check", str(spoiled)],
             ["trace", "--network", str(spoiled), "--format", "json"]]
    argv = argvs[int(rng.integers(len(argvs)))]
    try:
        with time_limit(SECONDS):
            code = cli_main(argv)
    except SystemExit as exc:  # argparse refuses an option's value: usage and one error line, exit 2
        code = exc.code
    except Hang as exc:
        pytest.fail(f"{argv}: {exc}")
    out = capsys.readouterr()
    assert code in (0, 1, 2), (argv, code)
    assert "Traceback" not in out.err
    if code == 2:
        assert out.err.strip().splitlines()[-1].startswith(("error: ", "python -m bpnet")), out.err
    else:
        assert out.out and out.err == ""


def test_the_catalogue_reaches_every_entry_point_and_slot():
    seen = set()
    for case in range(N_CASES):
        rng = np.random.default_rng(70_000 + case)
        names = sorted(ENTRY_POINTS)
        name = names[int(rng.integers(len(names)))]
        seen.add(name)
    assert seen == set(ENTRY_POINTS)
    assert sys.platform == "win32" or hasattr(signal, "setitimer")  # the time limit is real here
