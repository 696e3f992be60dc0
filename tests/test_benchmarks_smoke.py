"""The benchmark script keeps working: a quick run, and its equality check really catches a wrong step.

No timing is asserted here (speed is reported by ``python -m benchmarks``, never tested);
torch and micrograd are not needed: the quick run skips them.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import bpnet

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import competitors as C  # noqa: E402
from benchmarks import run  # noqa: E402


@pytest.mark.slow
def test_quick_run_writes_table_and_plot(tmp_path):
    r = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--skip", "torch,micrograd,notebooks,import",
         "--out", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    md = (tmp_path / "results.md").read_text()
    for heading in ("## Machine", "## Targets", "## 1. XOR training step", "## 2. A larger net",
                    "## 3. Tracing overhead", "## 4. Vectorisation", "## 5. Widget latency", "## 8. Scale"):
        assert heading in md
    # The scale rows ran (each in its own process) and gave numbers, not an error.
    scale = md.split("## 8. Scale")[1]
    for row in ("| 2-3-1 (worked example's shape) | 13 | 35 |", "| 6 × 50 (50-50-50-50-50-50-50) | 15,300 |",
                "| 300 × 300 ([300, 300, 1]) | 90,601 |"):
        assert row in scale
    assert "over " not in scale and "failed" not in scale
    assert "MISMATCH" not in md
    # Skipped optional competitors are reported as such, never given numbers.
    assert md.count("skipped (--skip)") >= 2
    step = md.split("## 1. XOR training step")[1].split("## 2.")[0]
    assert "PyTorch eager" in step and "skipped (--skip)" in step
    # bpnet, its train loop, the plain equations and the hand-fused loop were checked equal before being timed.
    assert step.count("matches (max abs ΔW") == 8
    targets = md.split("## Targets")[1].split("## 1.")[0]
    assert targets.count("plain equations ÷ hand-fused") == 4
    png = (tmp_path / "results.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000


class _WrongBias(C.HandFused):
    """The hand-fused step with the output bias updated by twice the gradient: a plausible slip."""

    label = "wrong bias"

    def reset(self):
        super().reset()
        right = self.step  # HandFused binds its unrolled step per network kind

        def step():
            b1 = self.b1.copy()
            cost = right()
            self.b1 += self.b1 - b1  # one more step's worth on the bias only
            return cost

        self.step = step


def test_verify_flags_a_wrong_computation_and_does_not_time_it(monkeypatch):
    spec = C.xor_tanh_spec()
    diffs = run.verify(spec, {"good": C.BpnetStep(spec), "bad": _WrongBias(spec)})
    assert diffs["good"] <= run.TOL
    assert diffs["bad"] > 1e-3

    monkeypatch.setitem(C.COMPETITORS, "bad", _WrongBias)
    rep = run.Report()
    cfg = type("Cfg", (), {"repeats": 2, "min_time": 1e-4, "quick": True})()
    opt = {name: {"module": None, "status": "skipped"} for name in run.OPTIONAL}
    res = run.compare(rep, spec, ["bpnet", "hand", "bad"], opt, cfg)
    assert "bad" not in res["times"] and "bpnet" in res["times"]
    assert res["status"]["bad"].startswith("**WRONG**")
    assert len(rep.mismatches) == 1 and "wrong bias" in rep.mismatches[0]


def test_missing_optional_dependency_is_reported_not_faked(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` raise ImportError
    monkeypatch.setitem(sys.modules, "micrograd", None)
    opt = run.optional_deps(set())
    for name in run.OPTIONAL:
        assert opt[name]["module"] is None
        assert opt[name]["status"].startswith("not installed")


@pytest.mark.parametrize("sizes,m", [([2, 3, 1], 4), ([3, 5, 2], 7)])
def test_pure_python_gradients_equal_bpnet(sizes, m):
    rng = np.random.default_rng(m)
    net = bpnet.Network.random(sizes, ["tanh", "sigmoid"], seed=m)
    X = rng.normal(size=(m, sizes[0]))
    y = (rng.uniform(size=(m, sizes[-1])) > 0.5).astype(float)
    g_py = C.py_gradients([w.tolist() for w in net.W], ["tanh", "sigmoid"], X.tolist(), y.tolist())
    for a, b in zip(net.gradients(X, y, "bce"), g_py):
        np.testing.assert_allclose(np.array(b), a, rtol=0, atol=1e-12)


def test_hand_fused_matches_bpnet_on_every_spec():
    for spec in (C.xor_identity_spec(), C.xor_tanh_spec(), C.classifier_spec(32)):
        diffs = run.verify(spec, {"bpnet": C.BpnetStep(spec), "train": C.BpnetTrain(spec)})
        assert max(diffs.values()) <= run.TOL, (spec.name, diffs)


@pytest.mark.parametrize("spec", [C.xor_identity_spec(), C.xor_tanh_spec(), C.classifier_spec(32)],
                         ids=["xor-identity", "xor-tanh", "classifier"])
def test_plain_equations_are_net_trains_arithmetic_bit_for_bit(spec):
    """The plain loop stands for bpnet's equations without its structure only while it computes
    exactly what ``net.train`` computes: every cost and every weight equal, not merely close."""
    plain, train = C.PlainEquations(spec), C.BpnetTrain(spec)
    train.epochs = 1
    for _ in range(10):
        assert plain.step() == train.step()[0]
    for a, b in zip(plain.weights(), train.weights()):
        assert np.array_equal(a, b)


def test_scale_job_reports_a_job_that_runs_out_of_memory():
    """A job too big for its memory budget is stopped and reported as "over", not measured."""
    from benchmarks import scale

    # A 3000 x 3000 network's weights alone are 72 MB.
    r = scale.measure("construct", 3000, budget_mb=20, timeout=120)
    assert r == {"error": "over 20 MB (stopped)"}


def test_browser_latency_file_is_read_into_the_report(tmp_path):
    path = tmp_path / "browser_latency.json"
    path.write_text('{"notebook": "notebooks/05.ipynb", "clicks": 4, "browser": "headless chromium",'
                    ' "click_to_text_ms": [100.0, 200.0, 300.0, null],'
                    ' "click_to_figure_ms": [150.0, 50.0, 90.0, 70.0]}')
    rep = run.Report()
    run.browser_latency(rep, path)
    md = "\n".join(rep.md)
    assert "| click → step label updated | 200 ms |" in md and "(1 never updated)" in md
    assert "| click → diagram image updated | 80 ms |" in md
    assert rep.targets[-1][1] == "80 ms / 150 ms" and rep.targets[-1][2] == "met"
