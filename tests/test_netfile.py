"""Network files: loading, strict validation (one error naming the key path), saving, round trips."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path

import numpy as np
import pytest

import bpnet
from bpnet.__main__ import main
from bpnet.core.activations import LeakyReLU
from bpnet.teach.netfile import MAX_FILE_BYTES, NetworkFileError, load_network, network_to_dict, save_network

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def base() -> dict:
    """A small valid file: 2-2-1 sigmoid, weights by name."""
    return {
        "layers": [2, 2, 1],
        "activations": ["sigmoid", "sigmoid"],
        "weights": {"X0->Z1": 0.1, "X0->Z2": -0.1, "X1->Z1": 0.2, "X1->Z2": 0.3, "X2->Z1": -0.4, "X2->Z2": 0.5,
                    "Z0->D0": 0.05, "Z1->D0": 0.6, "Z2->D0": -0.7},
        "loss": "half_squared_error",
        "lr": 0.5,
        "samples": {"inputs": [[0.0, 1.0], [1.0, 0.0]], "targets": [[1.0], [0.0]]},
    }


def text_of(doc) -> str:
    return json.dumps(doc, indent=1)


def mutate(fn):
    doc = base()
    fn(doc)
    return text_of(doc)


def replace(old: str, new: str) -> str:
    s = text_of(base())
    assert old in s, old
    return s.replace(old, new, 1)


def _set(path, value):
    def f(doc):
        d = doc
        for k in path[:-1]:
            d = d[k]
        d[path[-1]] = value
    return f


def _del(path):
    def f(doc):
        d = doc
        for k in path[:-1]:
            d = d[k]
        del d[path[-1]]
    return f


def both(f, g):
    return lambda doc: (f(doc), g(doc))


# (id, file text or bytes, what the error must name)
MALFORMED = [
    ("missing-layers", mutate(_del(["layers"])), "layers: missing"),
    ("misspelt-key", replace('"layers"', '"layer"'), 'layer: unknown key (did you mean "layers"?)'),
    ("layers-not-list", mutate(_set(["layers"], "2,2,1")), "layers: got the string"),
    ("layers-zero-units", mutate(_set(["layers", 1], 0)), "layers[1]: got 0"),
    ("layers-fraction", mutate(_set(["layers", 1], 2.5)), "layers[1]: got 2.5"),
    ("layers-string", mutate(_set(["layers", 1], "2")), 'layers[1]: got the string "2"'),
    ("layers-one-layer", mutate(_set(["layers"], [2])), "layers: got 1 layer"),
    ("layers-absurd", mutate(_set(["layers", 1], 20000)), "layers[1]: got 20,000"),
    ("activations-count", mutate(_set(["activations"], ["sigmoid"])), "activations: got 1 name"),
    ("activation-unknown", mutate(_set(["activations", 0], "sigmod")), 'activations[0]: unknown activation "sigmod"'),
    ("softmax-hidden", mutate(_set(["activations", 0], "softmax")), "activations[0]: softmax on a hidden layer"),
    ("weight-unknown-name", replace('"X2->Z2"', '"X3->Z1"'), 'weights["X3->Z1"]: no weight of that name'),
    ("weight-missing", mutate(_del(["weights", "Z2->D0"])), 'weights: 1 weight missing: "Z2->D0"'),
    ("weight-nan", replace("-0.4", "NaN"), 'weights["X2->Z1"]: got NaN'),
    ("weight-infinity", replace("-0.4", "-Infinity"), 'weights["X2->Z1"]: got -Infinity'),
    ("weight-overflow", replace("-0.4", "1e999"), 'weights["X2->Z1"]: got 1e999, beyond the largest float'),
    ("weight-string", replace("-0.4", '"-0.4"'), 'weights["X2->Z1"]: got the string "-0.4"'),
    ("weight-null", replace("-0.4", "null"), 'weights["X2->Z1"]: got null'),
    ("weight-bool", replace("-0.4", "true"), 'weights["X2->Z1"]: got true'),
    ("weights-arrays-shape", mutate(_set(["weights"], [[[0.1, 0.2]], [[0.1], [0.2], [0.3]]])),
     "weights[0]: got a list of 1"),
    ("weights-arrays-row", mutate(_set(["weights"], [[[0.1, 0.2], [0.1, 0.2], [0.1, 0.2]], [[0.1], [0.2], [0.3, 9]]])),
     "weights[1][2]: got a list of 2"),
    ("weights-not-object", mutate(_set(["weights"], 1.0)), "weights: got 1.0"),
    ("duplicate-weight", replace('"X0->Z2": -0.1', '"X0->Z2": -0.1, "X0->Z1": 0.9'), 'weights["X0->Z1"]: this key appears more than once'),
    ("duplicate-top-level", replace('"lr": 0.5', '"lr": 0.5, "lr": 5'), "lr: this key appears more than once"),
    ("frozen-unknown", mutate(_set(["frozen"], ["X0->Z1", "X0->Z9"])), 'frozen[1]: "X0->Z9" is not a weight'),
    ("frozen-bad-string", mutate(_set(["frozen"], "bias")), 'frozen: got the string "bias"'),
    ("frozen-twice", mutate(_set(["frozen"], ["X0->Z1", "X0->Z1"])), 'frozen[1]: "X0->Z1" is listed twice'),
    ("loss-unknown", mutate(_set(["loss"], "mean_square")), 'loss: unknown loss "mean_square"'),
    ("lr-negative", mutate(_set(["lr"], -0.1)), "lr: got -0.1"),
    ("lr-string", mutate(_set(["lr"], "0.1")), 'lr: got the string "0.1"'),
    ("loss-wrong-output", mutate(both(_set(["activations", 1], "identity"), _set(["loss"], "binary_cross_entropy"))),
     "activations[1]: binary_cross_entropy needs outputs that are probabilities"),
    ("loss-bad-targets", mutate(both(_set(["loss"], "bce"), _set(["samples", "targets", 0], [2.0]))),
     'samples["targets"]: binary_cross_entropy needs targets y in [0, 1]'),
    ("rule-unknown", mutate(_set(["rule"], "backprop")), 'rule: unknown rule "backprop"'),
    ("samples-missing-targets", mutate(_del(["samples", "targets"])), 'samples["targets"]: missing'),
    ("samples-extra-key", mutate(_set(["samples", "input"], [])), 'samples["input"]: unknown key'),
    ("samples-row-length", mutate(_set(["samples", "inputs", 1], [1.0])), 'samples["inputs"][1]: got a list of 1'),
    ("samples-count-mismatch", mutate(_set(["samples", "targets"], [[1.0]])), 'samples["targets"]: got 1 targets for 2 inputs'),
    ("samples-nan-target", mutate(_set(["samples", "targets", 1], [0.125])).replace("0.125", "NaN"),
     'samples["targets"][1][0]: got NaN'),
    ("names-count", mutate(_set(["names"], ["X", "D"])), "names: got 2 names"),
    ("names-digit", mutate(_set(["names"], ["X", "Z2", "D"])), 'names[1]: got "Z2"'),
    ("published-unknown-unit", mutate(_set(["published"], {"forward": {"Z9": 0.5}})), 'published["forward"]["Z9"]'),
    ("published-unknown-section", mutate(_set(["published"], {"weights": {"X0->Z1": 0.5}})), 'published["weights"]: unknown key'),
    ("published-sample-range", mutate(_set(["published"], {"sample": 3, "loss": 0.1})), 'published["sample"]: got 3'),
    ("published-string-number", mutate(_set(["published"], {"weights_after": {"X1->Z1": "0.2"}})),
     'published["weights_after"]["X1->Z1"]: got the string "0.2"'),
    ("top-level-list", "[1, 2, 3]", "(top level): got a list of 3"),
    ("not-json", text_of(base())[:-2] + ",}", "not valid JSON"),
    ("empty-file", "", "the file is empty"),
    ("whitespace-file", "  \n\n", "the file is empty"),
    ("not-utf8", text_of(base()).encode("utf-8").replace(b'"sigmoid"', b'"sigm\xf6id"', 1), "is not UTF-8 text"),
]


def snapshot(folder: Path) -> dict:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.iterdir())}


def test_there_are_at_least_25_malformed_cases():
    assert len(MALFORMED) >= 25
    assert len({c[0] for c in MALFORMED}) == len(MALFORMED)


@pytest.mark.parametrize("case,content,where", MALFORMED, ids=[c[0] for c in MALFORMED])
def test_malformed_file_gives_one_error_naming_the_key_path(tmp_path, capsys, case, content, where):
    f = tmp_path / "net.json"
    f.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    before = snapshot(tmp_path)
    with pytest.raises(NetworkFileError) as err:
        load_network(f)
    msg = str(err.value)
    assert msg.startswith(f"{f}"), msg  # names the file
    assert where in msg, msg  # names the key path and the problem
    assert "; expected " in msg, msg  # and says what was expected
    assert "\n" not in msg
    # The command line: exit status 2, the same one line on stderr, nothing on stdout.
    assert main(["trace", "--network", str(f)]) == 2
    out = capsys.readouterr()
    assert out.out == ""
    assert out.err == f"error: {msg}\n"
    assert main(["check", str(f)]) == 2
    assert capsys.readouterr().err == f"error: {msg}\n"
    assert snapshot(tmp_path) == before  # nothing written, nothing changed


@pytest.mark.parametrize("case,content,where", [c for c in MALFORMED if not isinstance(c[1], bytes)
                                                  and c[1].lstrip().startswith("{") and "NaN" not in c[1]
                                                  and "Infinity" not in c[1] and "1e999" not in c[1]
                                                  and "more than once" not in c[2] and "not valid" not in c[2]],
                         ids=lambda v: v if isinstance(v, str) and len(v) < 30 else "")
def test_the_same_cases_as_a_dict(case, content, where):
    doc = json.loads(content)
    copy_ = copy.deepcopy(doc)
    with pytest.raises(NetworkFileError) as err:
        load_network(doc)
    assert str(err.value).startswith(where.split(":")[0]), str(err.value)
    assert where in str(err.value)
    assert doc == copy_  # the caller's dict is not changed


def test_dict_with_python_nan_and_numpy_numbers():
    doc = base()
    doc["weights"]["X1->Z2"] = float("nan")
    with pytest.raises(NetworkFileError, match=r'^weights\["X1->Z2"\]: got nan; expected a finite number'):
        load_network(doc)
    doc["weights"]["X1->Z2"] = np.float32(0.3)
    doc["samples"]["inputs"] = np.array([[0.0, 1.0], [1.0, 0.0]]).tolist()
    assert load_network(doc).net["X1->Z2"] == pytest.approx(0.3)


def test_missing_path_directory_and_size_limit(tmp_path):
    with pytest.raises(NetworkFileError, match="no such file; expected the path of a network file"):
        load_network(tmp_path / "nope.json")
    with pytest.raises(NetworkFileError, match="is a directory"):
        load_network(tmp_path)
    big = tmp_path / "big.json"
    with open(big, "wb") as fh:
        fh.write(b"{" + b" " * MAX_FILE_BYTES + b"}")
    before = snapshot(tmp_path)
    with pytest.raises(NetworkFileError, match=r"big.json: the file is 10,485,762 bytes; expected a network file of at most 10,485,760 bytes"):
        load_network(big)
    assert snapshot(tmp_path) == before


def test_too_many_units_in_all_and_too_many_samples():
    doc = base()
    doc["layers"] = [5000, 5000, 1]
    with pytest.raises(NetworkFileError, match="^layers: 10,001 units in all; expected at most 10,000"):
        load_network(doc)
    doc = base()
    doc["samples"] = {"inputs": [[0, 0]] * 10_001, "targets": [[0]] * 10_001}
    with pytest.raises(NetworkFileError, match=r'^samples\["inputs"\]: got 10,001 samples'):
        load_network(doc)


def test_misspelt_weight_names_the_unknown_and_the_missing_one():
    doc = base()
    doc["weights"]["X1-Z1"] = doc["weights"].pop("X1->Z1")
    with pytest.raises(NetworkFileError) as err:
        load_network(doc)
    assert str(err.value).startswith('weights["X1-Z1"]: no weight of that name in a [2, 2, 1] network; '
                                     'the file also lacks "X1->Z1"')


@pytest.mark.slow
def test_the_command_line_never_prints_a_traceback(tmp_path):
    import subprocess
    import sys
    root = Path(__file__).resolve().parents[1]
    for case, content, where in MALFORMED[::6]:
        f = tmp_path / f"{case}.json"
        f.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        r = subprocess.run([sys.executable, "-m", "bpnet", "trace", "--network", str(f)], capture_output=True,
                           text=True, cwd=root)
        assert r.returncode == 2, (case, r.stderr)
        assert "Traceback" not in r.stderr and where in r.stderr, (case, r.stderr)
        assert r.stdout == ""


# ----- loading -------------------------------------------------------------------------
def test_load_gives_the_same_kind_of_object_as_xor_example():
    ex = load_network(EXAMPLES / "xor.json")
    ref = bpnet.xor_example()
    assert type(ex) is type(ref)
    net, X, y, lr = ex  # unpacks like xor_example()
    np.testing.assert_array_equal(X, ref.X)
    np.testing.assert_array_equal(y, ref.y)
    assert lr == ref.lr and ex.loss == ref.loss and ex.rule == "gradient"
    assert net.weights_dict() == ref.net.weights_dict()
    assert net.sizes == ref.net.sizes and [a.name for a in net.acts] == ["identity", "identity"]


def test_weights_as_arrays_equal_weights_by_name():
    doc = base()
    by_name = load_network(doc)
    doc["weights"] = [w.tolist() for w in by_name.net.W]
    by_array = load_network(doc)
    assert by_array.net.weights_dict() == by_name.net.weights_dict()
    assert by_name.net["X2->Z1"] == -0.4 and by_name.net.W[0][2, 0] == -0.4


def test_custom_layer_names_and_frozen_biases():
    doc = base()
    doc["names"] = ["I", "H", "O"]
    doc["weights"] = {k.replace("X", "I").replace("Z", "H").replace("D", "O"): v for k, v in doc["weights"].items()}
    doc["frozen"] = "biases"
    ex = load_network(doc)
    assert ex.net.weight_names()[0] == "I0->H1"
    assert ex.frozen == {"I0->H1", "I0->H2", "H0->O0"}
    assert set(ex.net.frozen) == ex.frozen


def test_published_numbers_keep_the_sources_digits():
    ex = load_network(EXAMPLES / "two-outputs-sigmoid.json")
    assert ex.published["delta"]["D1"].text == "0.123000"
    assert ex.published["forward"]["Z1"] == 0.5597
    assert ex.published.sample == 1


# ----- saving ----------------------------------------------------------------------------
def _all_examples():
    return sorted(EXAMPLES.glob("*.json"))


@pytest.mark.parametrize("path", _all_examples(), ids=lambda p: p.name)
def test_save_then_load_gives_the_identical_trace(tmp_path, path):
    ex = load_network(path)
    out = save_network(ex, tmp_path / "copy.json")
    again = load_network(out)
    assert again.net.weights_dict() == ex.net.weights_dict()
    assert again.frozen == ex.frozen and again.rule == ex.rule and again.published == ex.published
    for rule in ("gradient", "article"):
        a = bpnet.trace_step(ex.net, ex.X, ex.y, ex.lr, ex.loss, rule=rule)
        b = bpnet.trace_step(again.net, again.X, again.y, again.lr, again.loss, rule=rule)
        assert a.to_json() == b.to_json()
    # The file is what save_network writes: saving the loaded copy again gives the same bytes.
    assert save_network(again, tmp_path / "copy2.json").read_bytes() == out.read_bytes()


def test_save_keeps_every_digit_of_a_random_network(tmp_path):
    net = bpnet.Network.random([3, 4, 2], ["tanh", "sigmoid"], seed=7)
    rng = np.random.default_rng(1)
    ex = bpnet.WorkedExample(net, rng.normal(size=(5, 3)), rng.uniform(size=(5, 2)), 0.37, "binary_cross_entropy")
    again = load_network(save_network(ex, tmp_path / "r.json"))
    for w, v in zip(net.W, again.net.W):
        np.testing.assert_array_equal(w, v)
    np.testing.assert_array_equal(again.X, ex.X)
    a = bpnet.trace_step(net, ex.X, ex.y, ex.lr, ex.loss)
    b = bpnet.trace_step(again.net, again.X, again.y, again.lr, again.loss)
    assert a.to_json() == b.to_json()


def test_save_keeps_the_parameters_of_activations_and_losses(tmp_path):
    """A leaky ReLU's slope and a Huber loss's threshold are written into the file ("leaky_relu(0.2)",
    "huber(0.5)") and read back: the loaded network has alpha 0.2 and gives the identical trace,
    which differs from the default slope's."""
    W = [np.array([[0.1, -0.3], [0.4, -0.6], [-0.5, 0.2]]), np.array([[0.05], [0.7], [-0.8]])]
    net = bpnet.Network(W, [LeakyReLU(0.2), "identity"])
    X, y = np.array([[1.0, 0.5], [-1.0, 2.0]]), np.array([[3.0], [-2.0]])
    ex = bpnet.WorkedExample(net, X, y, 0.1, "huber(0.5)")
    out = save_network(ex, tmp_path / "leaky.json")
    doc = json.loads(out.read_text())
    assert doc["activations"] == ["leaky_relu(0.2)", "identity"] and doc["loss"] == "huber(0.5)"
    again = load_network(out)
    assert again.net.acts[0].alpha == 0.2 and bpnet.get_loss(again.loss).threshold == 0.5
    a = bpnet.trace_step(net, X, y, 0.1, ex.loss)
    b = bpnet.trace_step(again.net, again.X, again.y, again.lr, again.loss)
    assert a.to_json() == b.to_json()
    default = bpnet.Network(W, ["leaky_relu", "identity"])  # slope 0.01: another trace
    assert bpnet.trace_step(default, X, y, 0.1, ex.loss).to_json() != a.to_json()
    assert bpnet.trace_step(net, X, y, 0.1, "huber").to_json() != a.to_json()  # threshold 1: another too


@pytest.mark.parametrize("value,words", [("leaky_relu(x)", "finite numbers"), ("sigmoid(2)", "takes no parameters"),
                                         ("leaky_relu(0.2", "brackets"), ("leaky_relu(1, 2)", "1 parameter")])
def test_a_bad_activation_spec_in_a_file_names_the_key(value, words):
    doc = base()
    doc["activations"][0] = value
    with pytest.raises(NetworkFileError, match=r"activations\[0\]") as info:
        load_network(doc)
    assert words in str(info.value)


def test_save_refuses_a_bad_example_and_writes_nothing(tmp_path):
    ex = bpnet.xor_example()
    ex.lr = -1.0
    with pytest.raises(NetworkFileError, match="^lr: got -1.0"):
        save_network(ex, tmp_path / "x.json")
    assert list(tmp_path.iterdir()) == []
    ex.lr = 0.1
    (tmp_path / "x.json").write_text("old")
    ex.X = ex.X[:, :1]  # wrong shape for the network
    with pytest.raises(NetworkFileError, match=r'samples\["inputs"\]\[0\]: got a list of 1'):
        save_network(ex, tmp_path / "x.json")
    assert (tmp_path / "x.json").read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["x.json"]


def test_network_to_dict_uses_the_file_keys():
    doc = network_to_dict(load_network(EXAMPLES / "two-outputs-sigmoid.json"))
    assert list(doc) == ["name", "description", "layers", "activations", "weights", "frozen", "loss", "lr", "rule",
                         "samples", "published"]
    assert doc["frozen"] == "biases"
    assert math.isclose(doc["lr"], 0.5)


def test_a_dict_may_hold_numpy_arrays():
    doc = base()
    doc["samples"] = {"inputs": np.array([[0.0, 1.0], [1.0, 0.0]]), "targets": np.array([[1.0], [0.0]])}
    doc["weights"] = [w for w in load_network(base()).net.W]
    ex = load_network(doc)
    assert ex.net.weights_dict() == load_network(base()).net.weights_dict()
    np.testing.assert_array_equal(ex.X, [[0.0, 1.0], [1.0, 0.0]])


def test_save_into_a_missing_folder_is_one_clear_error(tmp_path):
    with pytest.raises(NetworkFileError, match="cannot be written .*; expected a path in an existing folder"):
        save_network(bpnet.xor_example(), tmp_path / "no" / "such" / "x.json")
    assert list(tmp_path.iterdir()) == []
