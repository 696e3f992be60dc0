"""The scalar autograd (bpnet.explain.autograd): every operation's gradient against central differences,
the recorded backward pass, and one truth checked two ways: a network built from graph
nodes gives the same deltas, gradients and new weights as Network and trace_step."""

import math

import numpy as np
import pytest

import bpnet
from bpnet.core.activations import LeakyReLU
from bpnet.views.stepper import GraphStepper
from bpnet.explain.autograd import (Graph, GraphTrace, Value, dot, inputs, mean, network_graph,
                                    numerical_gradient, total, trace_function)


def close_enough(analytic, numeric):
    """Central differences with eps 1e-6 on numbers of order 1: error ~1e-10 (rounding / eps)."""
    return abs(analytic - numeric) <= 1e-6 * max(1.0, abs(analytic), abs(numeric))


# ----- every operation, against central differences ------------------------------------------
EXPRESSIONS = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "number ops": lambda a, b: (2.0 - a) * 3.0 + 1.5 / b - a / 4.0 + (0.5 + b) - (b - 1.0),
    "neg": lambda a, b: -a * b,
    "pow": lambda a, b: a ** 3 + b ** 2 + (a * a) ** 0.5,
    "exp": lambda a, b: (a * b).exp(),
    "log": lambda a, b: (a * a + b * b).log(),
    "tanh": lambda a, b: (a * b + 0.3).tanh(),
    "sigmoid": lambda a, b: (a - b).sigmoid() * a,
    "relu": lambda a, b: (a + b).relu() + (a - b).relu(),
    "leaky_relu": lambda a, b: (a - b).leaky_relu(0.1) * b + (b - a).leaky_relu(0.2),
    "max": lambda a, b: a.max(b) * a + b.max(0.25),
    "fork": lambda a, b: a * b + a.exp() + (a * b).tanh(),
    "total/mean/dot": lambda a, b: total([a, b, a * b]) * mean([a, b]) + dot([(a, b), (b, b)]),
    "deep": lambda a, b: ((a * b).tanh() * a + b).sigmoid().log() ** 2,
}


@pytest.mark.parametrize("name", list(EXPRESSIONS))
@pytest.mark.parametrize("seed", range(8))
def test_every_operation_matches_central_differences(name, seed):
    rng = np.random.default_rng(seed)
    a0, b0 = rng.uniform(0.3, 2.0), rng.uniform(0.3, 2.0) * rng.choice([-1, 1])
    if name in ("log", "pow", "deep"):
        b0 = abs(b0)
    a, b = inputs(a=a0, b=b0)
    out = EXPRESSIONS[name](a, b)
    trace = out.backward()
    for leaf, grad in ((a, a.grad), (b, b.grad)):
        numeric = numerical_gradient(trace.graph, leaf)
        assert close_enough(grad, numeric), (name, leaf.name, grad, numeric)


def test_the_backward_pass_records_local_chain_and_sum_steps():
    x, = inputs(x=1.5)
    f = (x * 2.0 + x.exp()).named("f")  # x feeds two nodes: its gradient is a sum
    trace = f.backward()
    kinds = [s.kind for s in trace]
    assert kinds[:3] == ["forward"] * 3 and kinds[3] == "seed"
    assert kinds.count("sum") == 1 and kinds[-1] == "sum"
    s = trace.find("sum", "x")
    assert s.formula.startswith("∂f/∂x = (via ") and s.value == pytest.approx(2.0 + math.exp(1.5))
    chains = [c for c in trace if c.kind == "chain" and c.name.startswith("x->")]
    assert sorted(c.value for c in chains) == pytest.approx(sorted([2.0, math.exp(1.5)]))
    assert s.numbers.split(" = ")[0] in ("2 + 4.48169", "4.48169 + 2")
    assert x.grad == s.value


def test_formulas_carry_the_numbers():
    a, b, c = inputs(a=2.0, b=-3.0, c=10.0)
    L = (a * b + c).tanh().named("L")
    trace = L.backward()
    assert trace.steps[0].text == "n1 = a*b = 2*(-3) = -6"
    assert trace.find("local", "n1->n2").text == "local ∂n2/∂n1 = 1"
    assert trace.find("local", "a->n1").text == "local ∂n1/∂a = b = -3"
    assert trace.find("local", "n2->L").text == "local ∂L/∂n2 = 1 - L^2 = 1 - 0.999329^2 = 0.00134095"
    assert trace.find("chain", "a->n1").text == "∂L/∂a = ∂L/∂n1*∂n1/∂a = 0.00134095*(-3) = -0.00402285"
    assert a.grad == pytest.approx((1 - math.tanh(4.0) ** 2) * -3.0, rel=1e-15)


def test_gates_distribute_swap_and_route():
    x, y, z, w = inputs(x=3.0, y=-4.0, z=2.0, w=-1.0)
    f = ((x * y + z.max(w)) * 2.0).named("f")
    f.backward()
    assert (x.grad, y.grad) == (-8.0, 6.0)  # multiply swaps: ∂/∂x = 2*y
    assert (z.grad, w.grad) == (2.0, 0.0)   # max routes to the larger input only


def test_states_reveal_numbers_in_order_and_back_is_exact():
    a, b = inputs(a=0.5, b=-1.25)
    out = (a * b).sigmoid() + a
    trace = out.backward()
    st = GraphStepper(trace)
    before = trace.state(-1)
    assert np.isnan(before.grad).all() and np.isnan(before.value[2:]).all()
    seen = []
    while True:
        seen.append(trace.state(st.index).grad.copy())
        if not st.forward():
            break
    assert st.at_end and not np.isnan(seen[-1][[0, 1]]).any()
    for k in range(len(seen) - 1, -1, -1):
        st.goto(k)
        np.testing.assert_array_equal(st.state.grad, seen[k])
    st.start()
    assert st.phase == "forward" and st.next_phase() and st.phase == "backward"
    rows = {r.name: r for r in GraphStepper(trace, index=-1).node_rows()}
    assert rows["a"].grad == a.grad and rows["b"].value == -1.25


def test_fork_parts_show_the_branches_being_added():
    a, = inputs(a=0.7)
    f = (a * a).named("f")  # one node, a used twice: two edges into f
    st = GraphStepper(f.backward(), index=-1)
    node, parts = st.fork_parts()
    assert st.graph.names[node] == "a" and [p[0] for p in parts] == ["f", "f"]
    assert sum(p[1] for p in parts) == pytest.approx(1.4)


def test_update_steps_move_params_against_the_gradient():
    w = Value(0.5, "w", param=True)
    x = Value(2.0, "x", const=True)
    L = ((w * x - 3.0) ** 2).named("L")
    trace = L.backward(lr=0.1)
    up = trace.find("update", "w")
    assert up.value == pytest.approx(0.5 - 0.1 * 2 * (0.5 * 2 - 3) * 2)
    assert all(s.name != "x" for s in trace if s.kind in ("chain", "sum"))  # no gradient into a constant
    assert x.grad == 0.0


@pytest.mark.parametrize("bad, error", [
    (lambda: Value("2"), TypeError),
    (lambda: Value(1.0) ** Value(2.0), TypeError),
    (lambda: Value(0.0) / Value(0.0), ZeroDivisionError),
    (lambda: Value(-1.0).log(), ValueError),
    (lambda: Graph((Value(1.0, "a") + Value(2.0, "a"))), ValueError),
    (lambda: Value(float("nan")), ValueError),
    (lambda: Value(1e200) * Value(1e200), ValueError),
    (lambda: GraphStepper("x"), TypeError),
    (lambda: Value(1.0, "a").backward(lr=-1), ValueError),
])
def test_bad_input_gives_one_clear_error(bad, error):
    with pytest.raises(error):
        bad()


def test_a_deep_chain_does_not_hit_the_recursion_limit():
    x = Value(0.1, "x")
    v = x
    for _ in range(3000):
        v = v * 1.0001
    trace = v.backward()
    assert x.grad == pytest.approx(1.0001 ** 3000) and isinstance(trace, GraphTrace)


# ----- one truth, checked two ways --------------------------------------------------------------
def _compare(net, X, y, lr, loss, rule):
    X, y = net.check(X, y)
    ng = network_graph(net, X, y, loss, rule)
    gtrace = ng.trace(lr=lr)
    trace = bpnet.trace_step(net, X, y, lr, loss, rule)
    m = X.shape[0]
    # deltas, unit by unit and sample by sample, as trace_step records them
    for l, layer in enumerate(ng.deltas()):
        for s in range(m):
            for j in range(layer.shape[1]):
                want = trace.find("delta", net.dest_name(l, j), s).value
                assert layer[s, j] == pytest.approx(want, rel=1e-12, abs=1e-15)
    # gradients, as Network computes them
    for g_graph, g_net in zip(ng.gradients(), net.gradients(X, y, loss, rule)):
        np.testing.assert_allclose(g_graph, g_net, rtol=1e-12, atol=1e-15)
    # new weights, as trace_step records them
    after = trace.after.weights_dict()
    for name, v in ng.weights.items():
        assert gtrace.find("update", v.name).value == pytest.approx(after[name], rel=1e-12, abs=1e-15)
    # forward values too
    fwd = net.forward(X)
    for l in range(net.n_layers):
        got = np.array([[a.data for a in row] for row in ng.a[l]])
        np.testing.assert_allclose(got, fwd.a[l + 1], rtol=1e-13, atol=1e-15)
    return ng, gtrace


@pytest.mark.parametrize("rule", ["gradient", "article"])
@pytest.mark.parametrize("sample", [None, 0, 1, 2, 3])
def test_the_worked_example_as_a_graph_gives_the_same_numbers(rule, sample):
    ex = bpnet.xor_example()
    X, y = (ex.X, ex.y) if sample is None else (ex.X[sample:sample + 1], ex.y[sample:sample + 1])
    ng, gtrace = _compare(ex.net, X, y, ex.lr, ex.loss, rule)
    if sample == 0 and rule == "article":
        # the article's published update from (0, 0) -> 0: delta y - a = -4, so w := 1 - 0.1*1*(-4)
        assert gtrace.find("update", "w(Z1->D0)").text.endswith("= 1 - 0.1*(-4) = 1.4")
        assert gtrace.find("update", "w(X0->Z1)").value == pytest.approx(1.4, abs=1e-15)
        assert gtrace.find("update", "w(X1->Z1)").value == 1.0  # its source X1 is 0


@pytest.mark.parametrize("rule", ["gradient", "article"])
@pytest.mark.parametrize("seed", range(24))
def test_random_networks_as_graphs_give_the_same_numbers(rule, seed):
    rng = np.random.default_rng(1000 + seed)
    hidden = ["sigmoid", "tanh", "relu", "leaky_relu", "identity"]
    n_hidden = int(rng.integers(1, 4))
    sizes = [int(rng.integers(1, 4))] + [int(rng.integers(1, 4)) for _ in range(n_hidden)] + [int(rng.integers(1, 3))]
    acts = [hidden[int(rng.integers(len(hidden)))] for _ in range(n_hidden)]
    loss = ["half_squared_error", "binary_cross_entropy"][seed % 2]
    out = "sigmoid" if loss == "binary_cross_entropy" else ["identity", "sigmoid", "tanh"][seed % 3]
    W = [rng.normal(size=(a + 1, b)) for a, b in zip(sizes[:-1], sizes[1:])]
    net = bpnet.Network(W, acts + [out])
    m = int(rng.integers(1, 5))
    X = rng.normal(size=(m, sizes[0]))
    y = rng.integers(0, 2, size=(m, sizes[-1])).astype(float) if out == "sigmoid" else rng.normal(size=(m, sizes[-1]))
    _compare(net, X, y, float(rng.uniform(0.05, 1.0)), loss, rule)


@pytest.mark.parametrize("seed", range(6))
def test_network_graph_gradients_agree_with_central_differences(seed):
    rng = np.random.default_rng(seed)
    net = bpnet.Network([rng.normal(size=(3, 3)), rng.normal(size=(4, 2))], ["tanh", "sigmoid"])
    X, y = rng.normal(size=(3, 2)), rng.uniform(size=(3, 2))
    ng = network_graph(net, X, y)
    ng.trace()
    for v in ng.weights.values():
        assert close_enough(v.grad, numerical_gradient(ng.graph, v)), v.name


def test_network_graph_refuses_what_it_cannot_build():
    net = bpnet.Network.random([2, 3, 2], ["sigmoid", "softmax"])
    with pytest.raises(ValueError, match="softmax"):
        network_graph(net, [[0.0, 1.0]], [[0.0, 1.0]], "categorical_cross_entropy")
    with pytest.raises(ValueError, match="rule"):
        network_graph(bpnet.xor_example().net, [[0.0, 1.0]], [[1.0]], rule="backwards")


def test_a_function_of_named_inputs_is_traced():
    trace = trace_function(lambda x, y: (x * y + 1.0).tanh(), x=0.5, y=-2.0)
    assert trace.graph.names[-1] == "L" and trace.steps[0].text == "n1 = x*y = 0.5*(-2) = -1"
    assert trace.grad("x") == pytest.approx(-2.0 * (1 - math.tanh(0.0) ** 2))
    with pytest.raises(TypeError, match="must return a Value"):
        trace_function(lambda x: 3.0, x=1.0)
    with pytest.raises(ValueError, match="named input"):
        trace_function(lambda: Value(1.0))


@pytest.mark.parametrize("loss", ["huber", "absolute_error"])
def test_other_losses_become_one_node_with_their_own_gradient(loss):
    rng = np.random.default_rng(7)
    net = bpnet.Network([rng.normal(size=(3, 3)), rng.normal(size=(4, 2))], ["tanh", "identity"])
    X, y = rng.normal(size=(3, 2)), rng.normal(size=(3, 2))
    _compare(net, X, y, 0.3, loss, "gradient")


def test_negative_numbers_are_parenthesised_next_to_operators_only():
    a, b = inputs(a=-0.5, b=-1.0)
    trace = (a.tanh() * b + a.max(b) - (a ** 2)).named("L").backward()
    texts = [s.text for s in trace if s.kind == "forward"]
    assert "n1 = tanh(a) = tanh(-0.5) = -0.462117" in texts
    assert "n2 = n1*b = (-0.462117)*(-1) = 0.462117" in texts
    assert "n3 = max(a, b) = max(-0.5, -1) = -0.5" in texts
    assert "n5 = a^2 = (-0.5)^2 = 0.25" in texts


def test_the_module_docstring_example_runs_as_printed():
    import doctest

    import bpnet.explain.autograd

    assert doctest.testmod(bpnet.explain.autograd).failed == 0


# ----- each op records what it is; its text comes from bpnet.core.notation ---------------------------
class _Softsign(bpnet.Activation):
    """f(z) = z/(1 + |z|), f'(z) = 1/(1 + |z|)^2: an activation bpnet does not ship."""

    name = symbol = "softsign"

    def f(self, z):
        return z / (1 + np.abs(z))

    def df(self, z, a=None):
        return 1 / (1 + np.abs(z)) ** 2


@pytest.mark.parametrize("act", [_Softsign(), bpnet.get_activation("sigmoid"), LeakyReLU(0.2)],
                         ids=lambda a: a.name)
def test_any_activation_is_a_graph_node_with_its_own_f_and_df(act):
    x = Value(0.7, "x")
    y = (x * -1.5).named("z").act(act).named("y")
    trace = y.backward()
    assert y.op == act.name and y.args["activation"] is act and y.parents[0].name == "z"
    z = y.parents[0].data  # 0.7*(-1.5), as the float product gives it
    assert y.data == pytest.approx(float(act.f(np.array([z]))[0]), abs=0)
    assert trace.find("local", "z->y").value == pytest.approx(float(act.df(np.array([z]))[0]), rel=1e-15)
    assert close_enough(x.grad, numerical_gradient(Graph(y), "x"))
    assert trace.find("forward", "y").text.startswith(f"y = {act.symbol}(z) = {act.symbol}(-1.05)")


def test_sigmoid_and_tanh_are_the_activations_of_bpnet_core():
    z = Value(-2.5, "z")
    assert z.sigmoid().data == float(bpnet.get_activation("sigmoid").f(np.array([-2.5]))[0])
    assert z.tanh().data == float(bpnet.get_activation("tanh").f(np.array([-2.5]))[0])


def test_a_node_records_its_op_and_operands_and_its_formulas_come_from_notation():
    from bpnet.core.notation import graph_expression, graph_local

    a, b = inputs(a=2.0, b=-3.0)
    n = (a * b).named("n")
    c = (2.0 * a).named("c")
    assert (n.op, n.operands) == ("*", (a, b)) and (c.op, c.operands, c.parents) == ("*", (2.0, a), (a,))
    g = Graph((n + c).named("L"))
    assert g.expression(g.find("n")) == graph_expression("*", ["a", "b"]) == "a*b"
    assert g.expression(g.find("n"), numbers=True) == "2*(-3)"
    assert g.expression(g.find("c")) == "2*a"
    e = next(e for e, edge in enumerate(g.edges) if edge.dst == g.find("n") and edge.slot == 1)
    assert g.local(e) == ("a", "2", 2.0) == (*graph_local("*", 1, ["a", "b"], [2.0, -3.0], "n", -6.0, 2.0), 2.0)
