"""The command line: trace a worked example or a network file; check a published example."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import bpnet
from bpnet.__main__ import main
from bpnet.teach.netfile import load_network

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("rule", ["gradient", "article"])
@pytest.mark.parametrize("sample", ["1", "3", "all"])
@pytest.mark.parametrize("fmt", ["text", "json"])
def test_the_xor_file_traces_exactly_like_the_built_in_example(capsys, rule, sample, fmt):
    common = ["--rule", rule, "--sample", sample, "--format", fmt]
    code_a, a, _ = run(capsys, "trace", "--example", "xor", *common)
    code_b, b, _ = run(capsys, "trace", "--network", str(EXAMPLES / "xor.json"), *common)
    assert code_a == code_b == 0
    assert a == b


def test_trace_text_of_a_file_is_the_worked_solution(capsys):
    f = EXAMPLES / "two-outputs-sigmoid.json"
    code, out, err = run(capsys, "trace", "--network", str(f))
    assert code == 0 and err == ""
    ex = load_network(f)
    assert out == bpnet.trace_step(ex.net, ex.X[:1], ex.y[:1], ex.lr, ex.loss).to_text() + "\n"
    assert out.startswith("One update with gradient descent on the half_squared_error loss, learning rate 0.5\n"
                          "  sample: x = (0.2, 0.7), y = (0.9, 0.1)\n")
    assert "  Z1 = sigmoid(w(X0->Z1)*X0 + w(X1->Z1)*X1 + w(X2->Z1)*X2) = sigmoid(0.25*1 + 0.3*0.2 + (-0.1)*0.7)" in out
    # Biases are held fixed: before -> after unchanged.
    assert "  X0->Z1           0.25 -> 0.25\n" in out
    assert "  Z0->D1            0.5 -> 0.5\n" in out


def test_trace_json_of_a_file(capsys):
    f = EXAMPLES / "softmax-cross-entropy.json"
    code, out, _ = run(capsys, "trace", "--network", str(f), "--sample", "all", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    src = json.loads(f.read_text())
    assert set(doc) >= {"rule", "loss", "lr", "inputs", "targets", "weights_before", "weights_after", "steps"}
    assert doc["weights_before"] == src["weights"]
    assert doc["loss"] == "categorical_cross_entropy" and doc["lr"] == 0.5 and doc["rule"] == "gradient"
    assert doc["inputs"] == src["samples"]["inputs"]
    for name, w in src["published"]["weights_after"].items():
        assert doc["weights_after"][name] == pytest.approx(w, abs=5e-5)
    kinds = {s["kind"] for s in doc["steps"]}
    assert kinds == {"forward", "loss", "delta", "gradient", "update"}


def test_trace_options_override_the_file(capsys):
    f = str(EXAMPLES / "xor.json")
    _, out, _ = run(capsys, "trace", "--network", f, "--lr", "0.2", "--rule", "article", "--format", "json")
    doc = json.loads(out)
    assert doc["lr"] == 0.2 and doc["rule"] == "article"
    assert doc["weights_after"]["X0->Z1"] == pytest.approx(1.8)


def test_bad_options_exit_2_with_one_line(capsys):
    f = str(EXAMPLES / "xor.json")
    code, out, err = run(capsys, "trace", "--network", f, "--sample", "5")
    assert (code, out) == (2, "") and err == "error: --sample must be 1..4 or 'all', got '5'\n"
    code, out, err = run(capsys, "trace", "--network", f, "--lr", "-1")
    assert (code, out) == (2, "") and err.startswith("error: learning rate must be a finite number > 0")
    with pytest.raises(SystemExit) as exc:
        main(["trace", "--network", f, "--example", "xor"])
    assert exc.value.code == 2
    code, out, err = run(capsys, "check", f.replace("xor.json", "nothing.json"))
    assert code == 2 and "nothing.json: no such file" in err


@pytest.mark.slow
def test_check_the_articles_numbers_names_the_sign_flip(capsys):
    code, out, err = run(capsys, "check", str(EXAMPLES / "xor-article-published.json"))
    assert code == 1 and err == ""
    lines = out.splitlines()
    assert lines[0].startswith("Check of XOR worked example, as published: 21 published numbers")
    first = next(l for l in lines if "first disagreement" in l)
    assert first.split() == ["delta", "D0", "-4", "4", "+8", "✗", "<-", "first", "disagreement"]
    assert "First disagreement: delta D0: published -4, bpnet 4." in lines
    verdict = next(l for l in lines if l.startswith("The published numbers match"))
    assert "sign" in verdict
    assert "on 13 of 13 weights after the update (21 of 21 published numbers in all): " in verdict


def test_check_json(capsys):
    code, out, _ = run(capsys, "check", str(EXAMPLES / "xor-article-published.json"), "--format", "json")
    doc = json.loads(out)
    assert code == 1 and doc["agrees"] is False and doc["first_disagreement"] == "delta D0"
    assert doc["matched"] == 10 and doc["total"] == 21
    best = [e for e in doc["explanations"] if e["key"] in doc["best"]]
    assert best and all(e["exact"] for e in best)
    assert any("sign" in e["key"] for e in best)


@pytest.mark.parametrize("name", ["xor.json", "two-outputs-sigmoid.json", "softmax-cross-entropy.json"])
def test_check_a_correct_published_example_exits_0(capsys, name):
    code, out, _ = run(capsys, "check", str(EXAMPLES / name))
    assert code == 0, out
    assert "published numbers agree with bpnet" in out and "✗" not in out


@pytest.mark.slow
def test_python_m_bpnet_runs_as_a_program():
    r = subprocess.run([sys.executable, "-m", "bpnet", "check", "examples/xor-article-published.json"],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 1 and "13 of 13 weights" in r.stdout
    r = subprocess.run([sys.executable, "-m", "bpnet", "trace", "--network", "examples/xor.json", "--rule", "article"],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0 and "w(X0->Z1) := w(X0->Z1) - lr*g(X0->Z1) = 1 - 0.1*(-4) = 1.4" in r.stdout
