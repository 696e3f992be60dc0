"""Stored outputs hold on any CPU: every notebook validated under conditions another machine has.

A learner's laptop, an ARM Mac or a Binder node computes the same float64 arithmetic with
other BLAS kernels (no FMA, another summation order) and so can differ in the last bit. A
stored output that such a 1-ulp difference can change (the last value of a chaotic or
diverging run) would fail there. `python dev.py test` runs every notebook once, in its browser
stage, under both conditions that catch one here (this file checks that they are wired as they claim):

* the kernels' IPython startup file (tests/perturb_training.py) multiplies every training's starting
  weights by (1 + 1e-12 u), u uniform in [-1, 1] and seeded: a run whose printed result moves under
  that is not reproducible across machines, and must be reported as what it is ("diverged",
  "oscillates") instead;
* the kernels have ``OPENBLAS_CORETYPE=Prescott`` (OpenBLAS's kernels for a CPU without FMA or AVX);

and each notebook's outputs after Run All in JupyterLab are compared with the stored ones as nbval
compares them (tests/test_browser.py). Without the browser stage (``--stage tests``, or no chromium
outside CI), the tests stage runs nbval over every notebook in perturbed kernels instead.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys

import pytest

from infra_support import (
    LAB_ENVIRONMENT, NOTEBOOK_WEIGHT, REPO, dev_module, jupyter_lab, lab_root, notebook_shares, notebooks, stage_commands,
)

pytestmark = pytest.mark.slow


def test_the_browser_stage_runs_the_notebooks_and_nbval_only_stands_in_without_it(tmp_path):
    books = [f"notebooks/{p.name}" for p in notebooks()]
    assert books, "no notebooks"
    stages = stage_commands(tmp_path)
    (tests_env, tests), (browser_env, browser) = stages["tests"], stages["browser"]
    assert "--nbval" not in tests and not any(book in tests for book in books), tests
    assert "browser and not latency" in browser and "IPYTHONDIR" not in browser_env, browser
    assert browser_env["OPENBLAS_CORETYPE"] == LAB_ENVIRONMENT["OPENBLAS_CORETYPE"] == "Prescott"
    assert "browser" in stage_commands(tmp_path, latency=True)["browser"][1]
    perturbed_env, perturbed = stage_commands(tmp_path, nbval=True)["tests"]
    assert "--nbval" in perturbed and all(book in perturbed for book in books), perturbed
    assert "OPENBLAS_CORETYPE" not in perturbed_env
    startup = sorted(os.listdir(os.path.join(perturbed_env["IPYTHONDIR"], "profile_default", "startup")))
    assert startup == ["00-perturb-training.py"], startup
    for env in (tests_env, perturbed_env, browser_env):  # the kernels import this checkout's bpnet
        assert env["PYTHONPATH"].split(os.pathsep)[0] == str(REPO)


def test_the_browser_tests_kernels_run_on_the_older_cpu_kernels_and_perturb_every_training(tmp_path):
    """A kernel the browser tests' JupyterLab starts has OPENBLAS_CORETYPE=Prescott in its environment
    (read from /proc, where there is one), whatever the environment of the pytest that starts it, and
    an IPYTHONDIR whose startup file is the perturbing one (which the next test runs in a kernel)."""
    if not os.path.isdir("/proc/self"):
        pytest.skip("no /proc to read a process's environment from")
    import time

    saved = os.environ.pop("OPENBLAS_CORETYPE", None)
    try:
        with jupyter_lab(tmp_path / "server", lab_root(tmp_path / "root")) as server:
            status, kernel = server.api("POST", "/api/kernels", {"name": "python3"})
            assert status == 201, status
            deadline, found = time.monotonic() + 60, []  # a hang guard, not a timing check
            while not found and time.monotonic() < deadline:
                for pid in filter(str.isdigit, os.listdir("/proc")):
                    try:
                        with open(f"/proc/{pid}/cmdline", "rb") as f:
                            if kernel["id"].encode() not in f.read():
                                continue
                        with open(f"/proc/{pid}/environ", "rb") as f:
                            found.append(f.read().split(b"\0"))
                    except OSError:
                        continue
                time.sleep(0.2)
    finally:
        if saved is not None:
            os.environ["OPENBLAS_CORETYPE"] = saved
    assert found, "the kernel's process was not found"
    assert all(b"OPENBLAS_CORETYPE=Prescott" in env for env in found), found
    for env in found:
        folders = [v.split(b"=", 1)[1].decode() for v in env if v.startswith(b"IPYTHONDIR=")]
        assert folders, "the kernel has no IPYTHONDIR"
        startup = os.path.join(folders[0], "profile_default", "startup", "00-perturb-training.py")
        with open(startup, encoding="utf-8") as f, open(REPO / "tests" / "perturb_training.py", encoding="utf-8") as g:
            assert f.read() == g.read(), startup


def test_the_perturbation_reaches_the_kernel_and_moves_the_weights(tmp_path):
    """The startup file dev.py installs really runs in a notebook kernel and really moves the weights,
    and only at the last digits."""
    nbformat = pytest.importorskip("nbformat")
    from nbclient import NotebookClient

    ipython_dir = dev_module().perturbing_ipython_dir(tmp_path / "ipython")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        "import bpnet\n"
        "net = bpnet.Network.constant([2, 2, 1], 'sigmoid')\n"
        "net.train([[0.0, 1.0]], [[1.0]], epochs=0)\n"
        "moved = [abs(w - 1.0) for W in net.W for w in W.ravel()]\n"
        "print(max(moved) > 0, max(moved) <= 1e-12, '_perturb_every_training' in dir())")]
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
    # Moved, by at most 1e-12 of 1.0, and the startup file left no name in the notebook.
    assert nb.cells[0].outputs[0]["text"].strip() == "True True False", nb.cells[0].outputs


def _openblas_core(extra_env: dict) -> str:
    env = {**os.environ, "OPENBLAS_VERBOSE": "2", **extra_env}
    out = subprocess.run([sys.executable, "-c", "import numpy"], env=env, capture_output=True, text=True, timeout=120)
    cores = [line for line in (out.stdout + out.stderr).splitlines() if line.startswith("Core:")]
    return cores[0] if cores else ""


def test_openblas_takes_the_older_cpu_kernels_from_the_variable():
    """OPENBLAS_CORETYPE=Prescott really changes the kernels numpy's OpenBLAS uses here (else the
    browser stage's run would use the same kernels as any other)."""
    default, older = _openblas_core({}), _openblas_core({"OPENBLAS_CORETYPE": "Prescott"})
    if not default:
        pytest.skip("this numpy's BLAS does not report its kernels (not OpenBLAS with DYNAMIC_ARCH)")
    assert older and older != default, (default, older)


def test_dev_py_shows_the_stage_commands_it_runs():
    """The stage table above is what `python dev.py test` runs (its dry run prints each command)."""
    out = subprocess.run([sys.executable, "dev.py", "test", "--dry-run", "--venv", sys.prefix, "--stamp", __file__],
                         cwd=REPO, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    shown = [shlex.split(line) for line in out.stdout.splitlines() if " -m pytest " in line]
    assert len(shown) >= 2, out.stdout  # the tests stage, and the browser stage (in shares where it runs beside)
    assert any("OPENBLAS_CORETYPE=Prescott" in words for words in shown), out.stdout


def test_the_tests_keep_bytecode_caches(monkeypatch):
    """Where PYTHONDONTWRITEBYTECODE is set (as on some machines), `python dev.py test` unsets it for its
    stages: else every one of the tests' processes compiles numpy, JupyterLab and bpnet again."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    out = subprocess.run([sys.executable, "dev.py", "test", "--dry-run", "--venv", sys.prefix, "--stamp", __file__],
                         cwd=REPO, capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "PYTHONDONTWRITEBYTECODE is unset for the tests" in out.stdout, out.stdout
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")  # put back as it was when the test ends
    dev_module().keep_bytecode_caches()
    assert "PYTHONDONTWRITEBYTECODE" not in os.environ


def test_the_browser_stages_shares_run_every_test_once_and_keep_a_notebooks_tests_together():
    """dev.py runs the browser stage as N pytest sessions side by side (``--notebook-shard K/N``, which
    keeps the tests whose unit ``notebook_shares`` gives share K): every test is in exactly one share,
    all of a notebook's tests (its one page load and Run All) in the same one, and the shares weigh
    about the same."""
    tests = [(f"tests/test_browser.py::test_run[{nb}]", nb) for nb in ("00.ipynb", "01.ipynb", "02.ipynb")]
    tests += [(f"tests/test_view.py::test_{k}", nb) for k, nb in enumerate(("00.ipynb", "02.ipynb", "02.ipynb"))]
    tests += [(f"tests/test_print.py::test_{k}", "") for k in range(20)]
    for n in (1, 2, 3):
        share = notebook_shares(tests, n)
        assert set(share) == {"00.ipynb", "01.ipynb", "02.ipynb"} | {t for t, nb in tests if not nb}
        assert set(share.values()) == set(range(n)), share
        weight = [sum(NOTEBOOK_WEIGHT if u.endswith(".ipynb") else 1 for u, k in share.items() if k == j)
                  for j in range(n)]
        assert max(weight) - min(weight) <= NOTEBOOK_WEIGHT, weight
    assert notebook_shares(list(reversed(tests)), 2) == notebook_shares(tests, 2)  # whatever the order
    out = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:nbval", "tests/test_layers.py",
                          "--notebook-shard", "2/2"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert out.returncode != 0 and "0 <= K < N" in out.stderr, out.stderr[-2000:]
