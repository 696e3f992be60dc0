"""Stored outputs hold on any CPU: every notebook validated under conditions another machine has.

A learner's laptop, an ARM Mac or a Binder node computes the same float64 arithmetic with
other BLAS kernels (no FMA, another summation order) and so can differ in the last bit. A
stored output that such a 1-ulp difference can change (the last value of a chaotic or
diverging run) would fail nbval there. Two checks that would catch one here:

* nbval over every notebook with ``OPENBLAS_CORETYPE=Prescott``: OpenBLAS's kernels for a CPU
  without FMA or AVX, as an older laptop runs them;
* nbval over every notebook with every training's starting weights perturbed by 1e-12
  (relative, seeded): a run whose printed result moves under that is not reproducible across
  machines, and must be reported as what it is ("diverged", "oscillates") instead.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from infra_support import REPO, SANITIZE_CFG, notebooks

pytestmark = pytest.mark.slow

NBVAL = ["--nbval", "--nbval-current-env", "--nbval-sanitize-with", str(SANITIZE_CFG), "--nbval-cell-timeout=600",
         "-q", "-p", "no:cacheprovider"]

# Run by IPython at kernel start (a startup file): before every Network.train, multiply each
# weight by (1 + 1e-12 u), u uniform in [-1, 1] from a seeded generator.
PERTURB_STARTUP = textwrap.dedent('''
    import numpy as _np
    import bpnet.core.network as _network

    _rng = _np.random.default_rng(20261127)
    _train = _network.Network.train

    def _perturbed_train(self, *args, **kwargs):
        for _w in self.W:
            _w *= 1.0 + 1e-12 * _rng.uniform(-1.0, 1.0, size=_w.shape)
        return _train(self, *args, **kwargs)

    _network.Network.train = _perturbed_train
''')


def _nbval(env_extra: dict, tmp_path) -> subprocess.CompletedProcess:
    env = {**os.environ, **env_extra}
    # The kernels import this checkout's bpnet wherever they run (notebooks/ is their folder).
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH", "")]))
    cmd = [sys.executable, "-m", "pytest", *NBVAL, *[str(p) for p in notebooks()]]
    return subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=1800)


def _report(result: subprocess.CompletedProcess) -> str:
    return (result.stdout[-6000:] + "\n" + result.stderr[-2000:]).strip()


def test_every_notebook_holds_with_older_blas_kernels(tmp_path):
    assert notebooks(), "no notebooks"
    result = _nbval({"OPENBLAS_CORETYPE": "Prescott"}, tmp_path)
    assert result.returncode == 0, "a stored output changes with OpenBLAS's Prescott kernels:\n" + _report(result)


def test_every_notebook_holds_with_training_starts_perturbed_by_1e_12(tmp_path):
    assert notebooks(), "no notebooks"
    ipython_dir = tmp_path / "ipython"
    startup = ipython_dir / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-perturb-training.py").write_text(PERTURB_STARTUP)
    result = _nbval({"IPYTHONDIR": str(ipython_dir)}, tmp_path)
    assert result.returncode == 0, (
        "a stored output changes when a training starts 1e-12 (relative) away; report such a run "
        "as what it is instead of printing its last value:\n" + _report(result))


def test_the_perturbation_reaches_the_kernel(tmp_path):
    """The startup file really runs in a notebook kernel and really moves the weights."""
    nbformat = pytest.importorskip("nbformat")
    from nbclient import NotebookClient

    ipython_dir = tmp_path / "ipython"
    startup = ipython_dir / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-perturb-training.py").write_text(PERTURB_STARTUP)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        "import bpnet\n"
        "net = bpnet.Network.constant([2, 2, 1], 'sigmoid')\n"
        "net.train([[0.0, 1.0]], [[1.0]], epochs=0)\n"
        "print(any(w != 1.0 for W in net.W for w in W.ravel()))")]
    old = {k: os.environ.get(k) for k in ("IPYTHONDIR", "PYTHONPATH")}
    os.environ["IPYTHONDIR"] = str(ipython_dir)
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), old["PYTHONPATH"] or ""]))
    try:
        NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    assert nb.cells[0].outputs[0]["text"].strip() == "True", nb.cells[0].outputs
